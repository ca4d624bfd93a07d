//! TLS on hooked streams (`SWOOLE_HOOK_SSL` / `SWOOLE_HOOK_TLS`, and
//! `stream_socket_enable_crypto()` on a hooked tcp stream).
//!
//! PHP's openssl transport serves tcp:// too (plain until crypto is
//! enabled), and in blocking mode it waits in `poll()` inside its own
//! loops: the handshake, and a read that gets a TLS record without
//! application data (a TLS 1.3 session ticket). So on an encrypted stream,
//! inside a coroutine, each of those calls is made in PHP's non-blocking
//! mode, where it returns instead of waiting, and the coroutine waits for
//! the socket between calls. A connect with crypto on connect (ssl://,
//! tls://) connects first (see `stream::connect`), then enables crypto
//! the same way.
//!
//! This reads the state PHP's openssl transport keeps for a stream
//! (`php_openssl_netstream_data_t` of ext/openssl/xp_ssl.c), whose layout
//! is that of PHP 8.0 to 8.4; with any other PHP, encrypted streams are
//! left to PHP (they block).

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ext_php_rs::ffi::{php_stream, ZEND_MODULE_API_NO};

use super::stream::{connect, net, wait, NetStream, Waited, XportParam};
use super::table::Hooked;
use crate::php::zend;
use crate::runtime::client::socket::{timeval_ms, Event};
use crate::worker::process::set_nonblocking;

/// Whether this PHP's openssl stream state has the layout below (PHP 8.0
/// is 20200930, 8.4 is 20240924).
pub(super) const LAYOUT_KNOWN: bool =
    ZEND_MODULE_API_NO >= 20200930 && ZEND_MODULE_API_NO <= 20240924;

/// The label of PHP's openssl stream table.
pub(super) const OPENSSL_LABEL: &[u8] = b"tcp_socket/ssl";

/// The head of ext/openssl's `php_openssl_netstream_data_t`.
#[repr(C)]
struct OpenSslStream {
    s: NetStream,
    ssl_handle: *mut c_void,
    ctx: *mut c_void,
    connect_timeout: libc::timeval,
    enable_on_connect: c_int,
    is_client: c_int,
    ssl_active: c_int,
    method: c_int,
}

/// main/streams/php_stream_transport.h `php_stream_xport_crypto_param`.
#[repr(C)]
pub(super) struct CryptoParam {
    session: *mut php_stream,
    activate: c_int,
    method: c_int,
    returncode: c_int,
    op: c_int,
}

pub(super) const OPTION_CRYPTO_API: c_int = 8;
const CRYPTO_OP_ENABLE: c_int = 1;

extern "C" {
    fn php_stream_xport_crypto_setup(
        stream: *mut php_stream,
        method: c_int,
        session: *mut php_stream,
    ) -> c_int;
    fn php_stream_xport_crypto_enable(stream: *mut php_stream, activate: c_int) -> c_int;
}

/// The openssl state of a stream of PHP's openssl table.
unsafe fn openssl<'a>(stream: *mut php_stream) -> Option<&'a mut OpenSslStream> {
    // SAFETY: the caller passes a stream whose table is PHP's openssl one
    // (Wrapper::tls), whose abstract is this struct.
    unsafe {
        let s = (*stream).abstract_ as *mut OpenSslStream;
        (!s.is_null()).then(|| &mut *s)
    }
}

/// Whether crypto is on for the stream.
pub(super) unsafe fn active(stream: *mut php_stream) -> bool {
    // SAFETY: as in `openssl`.
    unsafe { openssl(stream) }.is_some_and(|s| s.ssl_active != 0)
}

/// Runs `f` with the stream in PHP's non-blocking mode, then back.
unsafe fn nonblocking<T>(stream: *mut php_stream, f: impl FnOnce() -> T) -> T {
    // SAFETY: a live socket stream.
    let Some(sock) = (unsafe { net(stream) }) else {
        return f();
    };
    let fd = sock.socket;
    sock.is_blocked = 0;
    set_nonblocking(fd, true);
    let r = f();
    // SAFETY: as above; the socket may have been closed by an error.
    if let Some(sock) = unsafe { net(stream) } {
        sock.is_blocked = 1;
        set_nonblocking(sock.socket, false);
    }
    r
}

/// What is left of a wait with `deadline` as milliseconds (-1: no limit).
fn left_ms(deadline: Option<Instant>) -> i32 {
    match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            i32::try_from(left.as_millis()).unwrap_or(i32::MAX)
        }
    }
}

fn deadline_of(ms: i32) -> Option<Instant> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| Instant::now().checked_add(Duration::from_millis(ms)))
}

/// A read of an encrypted, blocking stream in coroutine `cid`: PHP's read
/// without blocking, the coroutine waiting for the socket in between, up
/// to the stream's timeout (then nothing, flagged as PHP flags it).
pub(super) unsafe fn read(
    stream: *mut php_stream,
    w: &Hooked,
    cid: i64,
    buf: *mut std::ffi::c_char,
    count: usize,
) -> isize {
    // SAFETY: a live socket stream (the caller checked).
    let Some(sock) = (unsafe { net(stream) }) else {
        return -1;
    };
    let deadline = deadline_of(timeval_ms(sock.timeout.tv_sec, sock.timeout.tv_usec));
    loop {
        // SAFETY: PHP's read, on its own table, with the engine's arguments.
        let n = unsafe { nonblocking(stream, || w.php_read(stream, buf, count)) };
        // SAFETY: a live stream.
        if n > 0 || unsafe { (*stream).eof() } != 0 {
            return n;
        }
        // SAFETY: as above.
        let Some(sock) = (unsafe { net(stream) }) else {
            return n;
        };
        let left = left_ms(deadline);
        let waited = if left == 0 {
            Waited::TimedOut
        } else {
            wait(cid, sock.socket, Event::Read, left)
        };
        match waited {
            Waited::Ready => {}
            Waited::TimedOut => {
                sock.timeout_event = 1;
                return 0;
            }
            Waited::Canceled => return -1,
            Waited::Other => return n,
        }
    }
}

/// `STREAM_XPORT_CRYPTO_OP_ENABLE` on a blocking stream in coroutine
/// `cid`: PHP's handshake without blocking, the coroutine waiting for
/// the socket between its steps, within the connect timeout (a client) or
/// the stream's timeout (a server), as PHP's handshake.
pub(super) unsafe fn enable(
    stream: *mut php_stream,
    cp: *mut CryptoParam,
    cid: i64,
    php_set: &dyn Fn(*mut php_stream) -> c_int,
) -> Option<c_int> {
    // SAFETY: the engine's crypto parameters; the stream's openssl state.
    let (op, activate) = unsafe { ((*cp).op, (*cp).activate) };
    // SAFETY: an openssl stream (the caller checked Wrapper::tls).
    let ssl = unsafe { openssl(stream) }?;
    if op != CRYPTO_OP_ENABLE || activate == 0 || ssl.s.is_blocked == 0 || ssl.s.socket < 0 {
        return None;
    }
    let timeout = if ssl.is_client != 0 {
        ssl.connect_timeout
    } else {
        ssl.s.timeout
    };
    let ms = if timeout.tv_sec <= 0 && timeout.tv_usec <= 0 {
        -1
    } else {
        timeval_ms(timeout.tv_sec, timeout.tv_usec)
    };
    let deadline = deadline_of(ms);
    loop {
        // SAFETY: PHP's handshake step, as above.
        let r = unsafe { nonblocking(stream, || php_set(stream)) };
        // SAFETY: as above.
        let rc = unsafe { (*cp).returncode };
        if rc != 0 || r != 0 {
            return Some(r);
        }
        // SAFETY: the stream's openssl state, still live.
        let Some(ssl) = (unsafe { openssl(stream) }).filter(|s| s.s.socket >= 0) else {
            return Some(r);
        };
        let left = left_ms(deadline);
        let waited = if left == 0 {
            Waited::TimedOut
        } else {
            wait(cid, ssl.s.socket, wants(ssl.ssl_handle), left)
        };
        match waited {
            Waited::Ready => {}
            Waited::TimedOut => {
                zend::warning_docref("SSL: Handshake timed out");
                // SAFETY: as above.
                unsafe { (*cp).returncode = -1 };
                return Some(0);
            }
            Waited::Canceled | Waited::Other => {
                // SAFETY: as above.
                unsafe { (*cp).returncode = -1 };
                return Some(0);
            }
        }
    }
}

/// What the TLS engine waits for (`SSL_want`): to write, else to read.
fn wants(ssl: *mut c_void) -> Event {
    type SslWant = unsafe extern "C" fn(*const c_void) -> c_int;
    static SSL_WANT: OnceLock<usize> = OnceLock::new();
    // SAFETY: looks a symbol up in what the process has loaded (PHP links
    // libssl); the name is NUL-terminated.
    let f = *SSL_WANT
        .get_or_init(|| unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"SSL_want".as_ptr()) } as usize);
    if f == 0 || ssl.is_null() {
        return Event::Read;
    }
    // SAFETY: `f` is libssl's SSL_want(const SSL *), `ssl` PHP's handle.
    let want = unsafe { std::mem::transmute::<usize, SslWant>(f)(ssl) };
    // SSL_WRITING is 2.
    if want == 2 {
        Event::Write
    } else {
        Event::Read
    }
}

/// A connect of an openssl stream in coroutine `cid`: the socket first
/// (crypto on connect held back), then, for ssl:// and tls://, crypto
/// enabled through the stream (so [`enable`] waits in the coroutine).
pub(super) unsafe fn connect_then_enable(
    stream: *mut php_stream,
    xp: *mut XportParam,
    cid: i64,
    php_set: &dyn Fn(*mut php_stream) -> c_int,
) -> c_int {
    // SAFETY: the stream's openssl state.
    let Some(ssl) = (unsafe { openssl(stream) }) else {
        // SAFETY: passed on as given.
        return unsafe { connect(stream, xp, cid, php_set) };
    };
    let enable_on_connect = std::mem::replace(&mut ssl.enable_on_connect, 0);
    let method = ssl.method;
    // SAFETY: as given.
    let r = unsafe { connect(stream, xp, cid, php_set) };
    // SAFETY: the openssl state lives as long as the stream.
    if let Some(ssl) = unsafe { openssl(stream) } {
        ssl.enable_on_connect = enable_on_connect;
    }
    // SAFETY: the engine's transport parameters; the crypto calls go
    // through the stream's (hooked) table.
    unsafe {
        if enable_on_connect != 0
            && (*xp).outputs.returncode == 0
            && (php_stream_xport_crypto_setup(stream, method, std::ptr::null_mut()) < 0
                || php_stream_xport_crypto_enable(stream, 1) < 0)
        {
            zend::warning_docref("Failed to enable crypto");
            (*xp).outputs.returncode = -1;
        }
    }
    r
}
