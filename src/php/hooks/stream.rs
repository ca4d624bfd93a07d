//! `SWOOLE_HOOK_TCP` / `UDP` / `UNIX` / `UDG`: PHP's socket transports,
//! made to wait in the coroutine instead of the worker.
//!
//! Everything PHP reaches a socket through (phpredis, mysqlnd's PDO and
//! mysqli, `stream_socket_client`, `fsockopen`, the http:// wrapper) asks
//! a transport factory for the stream. While a transport is hooked our
//! factory stands in its place: it asks PHP's factory for the stream, then
//! gives the stream a copy of its operations table whose entries wait for
//! the socket with [`io::wait_fd`] (the coroutine suspends, the worker's
//! loop runs) before handing the call to PHP's own entry, which then finds
//! the socket ready and does exactly what it always does: the same bytes,
//! buffering, errors, warnings and metadata as unhooked PHP.
//!
//! Only the waits change, and only inside a coroutine: a stream made
//! outside one is PHP's own (as in Swoole), and outside one every entry of
//! a hooked stream goes straight to PHP's. The one operation PHP cannot be left to
//! do is a blocking connect: it is turned into PHP's asynchronous connect
//! (`STREAM_XPORT_OP_CONNECT_ASYNC`), the coroutine waits for the socket
//! to become writable within the connect timeout, and the socket is put
//! back in blocking mode as PHP's connect leaves it. Host names are
//! resolved on the runtime's blocking threads first.
//!
//! PHP's socket code recognises its own tables by address (a unix socket's
//! connect, a UDP socket's type), so the table PHP made the stream with is
//! put back on the stream for the length of each call it serves.
//!
//! The stream reports `stream_type` "socket/coroutine", as Swoole's do.

use std::ffi::{c_char, c_int, c_void, CString};

use parking_lot::Mutex;

use ext_php_rs::ffi::{
    ext_php_rs_zend_string_init, ext_php_rs_zend_string_release, php_stream, php_stream_ops,
    zend_hash_str_find, zend_string, HashTable,
};

use super::functions::coroutine_of_call;
use super::table::{self, Kind};
use super::tls;
use crate::php::client::{bound_fatal, Bound};
use crate::php::coroutine::io;
use crate::php::guard::or_default;
use crate::php::zend::zcopy;
use crate::runtime::client::socket::{name_to_resolve, poll_fd, timeval_ms, Event};
use crate::worker::process::set_nonblocking;
use ext_php_rs::types::Zval;

type Factory = unsafe extern "C" fn(
    proto: *const c_char,
    protolen: usize,
    resourcename: *const c_char,
    resourcenamelen: usize,
    persistent_id: *const c_char,
    options: c_int,
    flags: c_int,
    timeout: *mut libc::timeval,
    context: *mut c_void,
) -> *mut php_stream;

extern "C" {
    fn php_stream_xport_register(protocol: *const c_char, factory: Factory) -> c_int;
    fn php_stream_xport_get_hash() -> *mut HashTable;
}

/// main/php_network.h `php_netstream_data_t`: the state every PHP socket
/// stream starts with (the openssl transport's state begins with it too).
#[repr(C)]
pub(super) struct NetStream {
    pub(super) socket: c_int,
    pub(super) is_blocked: c_char,
    pub(super) timeout: libc::timeval,
    pub(super) timeout_event: c_char,
    ownsize: usize,
}

/// main/streams/php_stream_transport.h `php_stream_xport_param`.
#[repr(C)]
pub(super) struct XportParam {
    op: c_int,
    /// want_addr:1, want_textaddr:1, want_errortext:1, how:2.
    bits: u32,
    inputs: XportInputs,
    pub(super) outputs: XportOutputs,
}

#[repr(C)]
struct XportInputs {
    name: *mut c_char,
    namelen: usize,
    timeout: *mut libc::timeval,
    addr: *mut libc::sockaddr,
    buf: *mut c_char,
    buflen: usize,
    addrlen: libc::socklen_t,
    backlog: c_int,
    flags: c_int,
}

#[repr(C)]
pub(super) struct XportOutputs {
    client: *mut php_stream,
    addr: *mut libc::sockaddr,
    addrlen: libc::socklen_t,
    textaddr: *mut zend_string,
    error_text: *mut zend_string,
    pub(super) returncode: c_int,
    error_code: c_int,
}

const WANT_ERRORTEXT: u32 = 1 << 2;

const OPTION_XPORT_API: c_int = 7;
const OPTION_META_DATA_API: c_int = 11;

const OP_CONNECT: c_int = 1;
const OP_ACCEPT: c_int = 3;
const OP_CONNECT_ASYNC: c_int = 4;
const OP_RECV: c_int = 7;
const OP_SEND: c_int = 8;

/// One hooked transport.
struct Transport {
    proto: &'static str,
    flag: i64,
    /// PHP's factory while ours is registered.
    php: Option<Factory>,
}

/// The hooked transports. Process-wide, as the engine's transport table
/// is: the script may set the flags on one thread and serve on another
/// (a worker's PHP thread), and forked workers inherit them.
static TRANSPORTS: Mutex<[Transport; 6]> = Mutex::new([
    transport("tcp", super::HOOK_TCP),
    transport("udp", super::HOOK_UDP),
    transport("unix", super::HOOK_UNIX),
    transport("udg", super::HOOK_UDG),
    transport("ssl", super::HOOK_SSL),
    transport("tls", super::HOOK_TLS),
]);

const fn transport(proto: &'static str, flag: i64) -> Transport {
    Transport {
        proto,
        flag,
        php: None,
    }
}

/// Registers our factory for the transports `flags` hooks, and PHP's back
/// for the others.
pub fn set(flags: i64) {
    {
        for t in TRANSPORTS.lock().iter_mut() {
            let tls_proto = matches!(t.proto, "ssl" | "tls");
            let on = flags & t.flag != 0 && (!tls_proto || tls::LAYOUT_KNOWN);
            let Ok(proto) = CString::new(t.proto) else {
                continue;
            };
            match (on, t.php) {
                (true, None) => {
                    let Some(php) = registered(t.proto) else {
                        continue;
                    };
                    t.php = Some(php);
                    // SAFETY: a NUL-terminated name and a factory with the
                    // engine's signature; the engine copies the name.
                    unsafe { php_stream_xport_register(proto.as_ptr(), hooked_factory) };
                }
                (false, Some(php)) => {
                    // SAFETY: as above, putting PHP's factory back.
                    unsafe { php_stream_xport_register(proto.as_ptr(), php) };
                    t.php = None;
                }
                _ => {}
            }
        }
    }
}

/// The factory registered for `proto` now.
fn registered(proto: &str) -> Option<Factory> {
    // SAFETY: the transport hash holds IS_PTR zvals whose pointers are
    // factories; the key is passed with its length.
    unsafe {
        let hash = php_stream_xport_get_hash();
        if hash.is_null() {
            return None;
        }
        let z = zend_hash_str_find(hash, proto.as_ptr().cast(), proto.len());
        if z.is_null() || (*z).value.ptr.is_null() {
            return None;
        }
        Some(std::mem::transmute::<*mut c_void, Factory>((*z).value.ptr))
    }
}

unsafe extern "C" fn hooked_factory(
    proto: *const c_char,
    protolen: usize,
    resourcename: *const c_char,
    resourcenamelen: usize,
    persistent_id: *const c_char,
    options: c_int,
    flags: c_int,
    timeout: *mut libc::timeval,
    context: *mut c_void,
) -> *mut php_stream {
    // SAFETY: the engine passes the protocol with its length.
    let name = unsafe { std::slice::from_raw_parts(proto.cast::<u8>(), protolen) };
    let php = TRANSPORTS
        .lock()
        .iter()
        .find(|t| t.proto.as_bytes().eq_ignore_ascii_case(name))
        .and_then(|t| t.php);
    let Some(php) = php else {
        return std::ptr::null_mut();
    };
    // As Swoole: a stream made outside a coroutine is PHP's own, blocking
    // wherever it is used later.
    let in_coroutine = coroutine_of_call().is_some();
    // SAFETY: PHP's factory, called with the arguments the engine gave us.
    let stream = unsafe {
        php(
            proto,
            protolen,
            resourcename,
            resourcenamelen,
            persistent_id,
            options,
            flags,
            timeout,
            context,
        )
    };
    let stream_connects = [&b"tcp"[..], b"unix", b"ssl", b"tls"]
        .iter()
        .any(|p| name.eq_ignore_ascii_case(p));
    if in_coroutine && !stream.is_null() {
        // SAFETY: a stream PHP's factory just made.
        unsafe {
            wrap(stream, stream_connects);
            swoole_timeout_when_php_has_none(stream);
        }
    }
    stream
}

extern "C" {
    fn zend_ini_long(name: *const c_char, name_length: usize, orig: bool) -> libc::c_long;
}

/// Swoole's rule for a hooked socket's timeout: `default_socket_timeout`
/// when it is positive, else the coroutine sockets' read timeout
/// (`Co::set(['socket_read_timeout' => ...])`, 60 s unless set).
///
/// # Safety
/// `stream` is a live socket stream.
unsafe fn swoole_timeout_when_php_has_none(stream: *mut php_stream) {
    const NAME: &str = "default_socket_timeout";
    // SAFETY: looks an ini setting up by name and length.
    if unsafe { zend_ini_long(NAME.as_ptr().cast(), NAME.len(), false) } > 0 {
        return;
    }
    // SAFETY: a socket stream's abstract is its php_netstream_data_t
    // (its descriptor is not there yet: `net` would not give it).
    let sock = unsafe { ((*stream).abstract_ as *mut NetStream).as_mut() };
    let Some(sock) = sock else { return };
    let read = crate::runtime::client::socket::Timeouts::default().read;
    if read > 0.0 {
        sock.timeout = libc::timeval {
            tv_sec: read.trunc() as libc::time_t,
            tv_usec: (read.fract() * 1e6) as libc::suseconds_t,
        };
    }
}

/// `stream_socket_pair()` (`SWOOLE_HOOK_STREAM_FUNCTION`): PHP's pair of
/// connected sockets, both hooked, so a coroutine reading one end waits
/// while another writes the other.
pub(super) fn hooked_stream_socket_pair(ex: &mut ext_php_rs::zend::ExecuteData, rv: &mut Zval) {
    super::functions::call_php("stream_socket_pair", ex, rv);
    let Some(pair) = rv.array() else { return };
    for (_, end) in pair.iter() {
        if let Some(stream) = crate::php::zend::stream_of(end) {
            // SAFETY: a live socket stream PHP just made.
            unsafe { wrap(stream, false) };
        }
    }
}

/// Hooks a socket stream (`connects`: of a stream transport).
///
/// # Safety
/// `stream` is null or a live stream.
unsafe fn wrap(stream: *mut php_stream, connects: bool) {
    if stream.is_null() {
        return;
    }
    // SAFETY: a live stream; a table's label is a static C string (or null).
    let tls = unsafe {
        let label = (*(*stream).ops).label;
        tls::LAYOUT_KNOWN
            && !label.is_null()
            && std::ffi::CStr::from_ptr(label).to_bytes() == tls::OPENSSL_LABEL
    };
    // SAFETY: as above.
    unsafe { table::hook(stream, Kind::Socket { connects, tls }, socket_entries) };
}

/// Our entries in a socket table.
fn socket_entries(ops: &mut php_stream_ops) {
    ops.label = c"socket/coroutine".as_ptr();
    ops.read = ops.read.and(Some(hooked_read));
    ops.write = ops.write.and(Some(hooked_write));
    ops.set_option = ops.set_option.and(Some(hooked_set_option));
}

/// The socket state of a stream, when it has one open.
pub(super) unsafe fn net<'a>(stream: *mut php_stream) -> Option<&'a mut NetStream> {
    // SAFETY: every stream of a socket transport has a php_netstream_data_t
    // (or a struct that begins with one) as its abstract.
    unsafe {
        let sock = (*stream).abstract_ as *mut NetStream;
        (!sock.is_null() && (*sock).socket >= 0).then(|| &mut *sock)
    }
}

/// How a wait of a hooked call ended.
pub(super) enum Waited {
    Ready,
    TimedOut,
    /// The coroutine is canceled (`Coroutine::cancel()`) or being
    /// destroyed (the script ends): the call fails without PHP's, which
    /// would block.
    Canceled,
    /// Something else (an error): PHP's call then finds out for itself
    /// what the socket says.
    Other,
}

/// Waits in coroutine `cid` until `fd` is ready for `ev`, at most
/// `timeout_ms`; ready at once if it already is. Another coroutine
/// reading or writing the same socket is Swoole's fatal error.
pub(super) fn wait(cid: i64, fd: c_int, ev: Event, timeout_ms: i32) -> Waited {
    if poll_fd(fd, ev, 0).is_ok() {
        return Waited::Ready;
    }
    wait_in_loop(cid, fd, ev, timeout_ms)
}

/// [`wait`] without looking first: the coroutine always suspends.
fn wait_in_loop(cid: i64, fd: c_int, ev: Event, timeout_ms: i32) -> Waited {
    if timeout_ms == 0 {
        return Waited::TimedOut;
    }
    if let Some(other) = io::waiter(fd, ev).filter(|c| *c != cid) {
        bound_fatal(i64::from(fd), Bound(other), ev == Event::Read);
        return Waited::Other;
    }
    match io::wait_fd(fd, ev, timeout_ms) {
        Ok(()) => Waited::Ready,
        Err(e) if e == i64::from(libc::ETIMEDOUT) => Waited::TimedOut,
        Err(e) if e == i64::from(libc::ECANCELED) => Waited::Canceled,
        Err(_) => Waited::Other,
    }
}

/// A blocking socket stream's wait before PHP's read or write, inside a
/// coroutine: Some(what the call returns) when it ends there (PHP's
/// result of a timed-out wait: nothing, flagged; -1 when canceled).
///
/// # Safety
/// `stream` is a live socket stream.
unsafe fn wait_before_php(stream: *mut php_stream, cid: i64, ev: Event) -> Option<isize> {
    // SAFETY: as the caller promises.
    let sock = unsafe { net(stream) }.filter(|s| s.is_blocked != 0)?;
    let timeout = timeval_ms(sock.timeout.tv_sec, sock.timeout.tv_usec);
    match wait(cid, sock.socket, ev, timeout) {
        Waited::TimedOut => {
            sock.timeout_event = 1;
            Some(0)
        }
        Waited::Canceled => Some(-1),
        Waited::Ready | Waited::Other => None,
    }
}

unsafe extern "C" fn hooked_read(stream: *mut php_stream, buf: *mut c_char, count: usize) -> isize {
    // SAFETY: the engine calls a stream's read with the stream it belongs to.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    if let Some(cid) = coroutine_of_call() {
        // SAFETY: a live socket stream.
        let blocking = unsafe { net(stream) }.is_some_and(|s| s.is_blocked != 0);
        // SAFETY: an openssl stream (Hooked::tls), live.
        if blocking && w.tls() && unsafe { tls::active(stream) } {
            // SAFETY: as above, with the engine's arguments.
            return or_default("a hooked TLS read", -1, || unsafe {
                tls::read(stream, w, cid, buf, count)
            });
        }
        // SAFETY: a live socket stream.
        if let Some(r) = unsafe { wait_before_php(stream, cid, Event::Read) } {
            return r;
        }
    }
    // SAFETY: the engine's arguments.
    unsafe { w.php_read(stream, buf, count) }
}

unsafe extern "C" fn hooked_write(
    stream: *mut php_stream,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: as in hooked_read.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    // Writable, PHP's send writes what the buffer takes and returns; the
    // stream layer calls again for the rest.
    if let Some(cid) = coroutine_of_call() {
        // SAFETY: a live socket stream.
        if let Some(r) = unsafe { wait_before_php(stream, cid, Event::Write) } {
            return r;
        }
    }
    // SAFETY: the engine's arguments.
    unsafe { w.php_write(stream, buf, count) }
}

unsafe extern "C" fn hooked_set_option(
    stream: *mut php_stream,
    option: c_int,
    value: c_int,
    ptrparam: *mut c_void,
) -> c_int {
    // SAFETY: as in hooked_read.
    let Some(w) = (unsafe { table::of(stream) }) else {
        return -1;
    };
    let php_set = |stream: *mut php_stream| {
        // SAFETY: PHP's set_option, on its own table, with the engine's
        // arguments.
        unsafe {
            w.as_php(stream, |php| {
                php.set_option
                    .map_or(-2, |f| f(stream, option, value, ptrparam))
            })
        }
    };
    let cid = coroutine_of_call();
    if let (Some(cid), true, false) = (
        cid,
        option == tls::OPTION_CRYPTO_API && w.tls(),
        ptrparam.is_null(),
    ) {
        let cp = ptrparam as *mut tls::CryptoParam;
        // SAFETY: for the crypto API the engine passes its parameters.
        if let Some(r) = or_default("a hooked TLS handshake", Some(-1), || unsafe {
            tls::enable(stream, cp, cid, &php_set)
        }) {
            return r;
        }
    }
    if option == OPTION_META_DATA_API && !ptrparam.is_null() {
        let r = or_default("a hooked socket option", -1, || php_set(stream));
        // SAFETY: for the meta data API the engine passes the array zval
        // `stream_get_meta_data()` is filling.
        unsafe { swoole_meta_data_order(&mut *(ptrparam as *mut Zval)) };
        return r;
    }
    if option != OPTION_XPORT_API || ptrparam.is_null() || cid.is_none() {
        return or_default("a hooked socket option", -1, || php_set(stream));
    }
    let cid = cid.unwrap_or_default();
    let xp = ptrparam as *mut XportParam;
    // SAFETY: for the transport API the engine passes a php_stream_xport_param.
    let op = unsafe { (*xp).op };
    match op {
        // SAFETY: a live stream and the engine's parameters for a connect.
        OP_CONNECT if w.connects() && w.tls() => or_default("a hooked connect", -1, || unsafe {
            tls::connect_then_enable(stream, xp, cid, &php_set)
        }),
        // SAFETY: as above.
        OP_CONNECT if w.connects() => or_default("a hooked connect", -1, || unsafe {
            connect(stream, xp, cid, &php_set)
        }),
        OP_ACCEPT => {
            // SAFETY: a live stream and its transport parameters.
            unsafe {
                if let Some(sock) = net(stream) {
                    let ms = (*xp)
                        .inputs
                        .timeout
                        .as_ref()
                        .map_or(-1, |t| timeval_ms(t.tv_sec, t.tv_usec));
                    if let Waited::TimedOut | Waited::Canceled =
                        wait(cid, sock.socket, Event::Read, ms)
                    {
                        // PHP's accept with no time left reports its own
                        // timeout (error text included).
                        if let Some(t) = (*xp).inputs.timeout.as_mut() {
                            *t = libc::timeval {
                                tv_sec: 0,
                                tv_usec: 0,
                            };
                        }
                    }
                }
            }
            let r = if w.tls() {
                // PHP's openssl accept makes the client stream with the
                // listener's table and enables crypto through it: left on
                // the wrapper, the client is hooked from the start and its
                // handshake waits in the coroutine (`tls::enable`). (Its
                // accept has no table identity checks.)
                or_default("a hooked accept", -1, || {
                    // SAFETY: PHP's set_option with the engine's arguments.
                    unsafe {
                        (*w.php)
                            .set_option
                            .map_or(-2, |f| f(stream, option, value, ptrparam))
                    }
                })
            } else {
                or_default("a hooked accept", -1, || php_set(stream))
            };
            // The accepted stream was made with PHP's table: hook it too.
            // SAFETY: the client stream PHP's accept returned (or null).
            unsafe { wrap((*xp).outputs.client, w.connects()) };
            r
        }
        OP_RECV | OP_SEND => {
            // SAFETY: a live socket stream.
            if let Some(sock) = unsafe { net(stream) }.filter(|s| s.is_blocked != 0) {
                let ev = if op == OP_RECV {
                    Event::Read
                } else {
                    Event::Write
                };
                if let Waited::TimedOut | Waited::Canceled = wait(
                    cid,
                    sock.socket,
                    ev,
                    timeval_ms(sock.timeout.tv_sec, sock.timeout.tv_usec),
                ) {
                    sock.timeout_event = 1;
                    // SAFETY: the engine's transport parameters.
                    unsafe {
                        (*xp).outputs.returncode = -1;
                    }
                    return 0;
                }
            }
            or_default("a hooked socket option", -1, || php_set(stream))
        }
        _ => or_default("a hooked socket option", -1, || php_set(stream)),
    }
}

/// Swoole's hooked sockets report their meta data as timed_out, eof,
/// blocked (PHP's: timed_out, blocked, eof): the same values, in its order.
fn swoole_meta_data_order(meta: &mut Zval) {
    let Some(arr) = meta.array_mut() else { return };
    let Some(blocked) = arr.get("blocked").map(zcopy) else {
        return;
    };
    if arr.get("eof").is_none() {
        return;
    }
    let _ = arr.remove("blocked");
    let _ = arr.insert("blocked", blocked);
}

/// A stream connect in coroutine `cid`: PHP's asynchronous connect to each
/// address of the name in turn, the coroutine waiting for each.
pub(super) unsafe fn connect(
    stream: *mut php_stream,
    xp: *mut XportParam,
    cid: i64,
    php_set: &dyn Fn(*mut php_stream) -> c_int,
) -> c_int {
    // SAFETY: the engine's transport parameters for a connect.
    let (name_ptr, name_len) = unsafe { ((*xp).inputs.name, (*xp).inputs.namelen) };
    let name = if name_ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: the name PHP passes, with its length.
        unsafe { std::slice::from_raw_parts(name_ptr.cast::<u8>(), name_len) }.to_vec()
    };
    let candidates = addresses(&name);
    // SAFETY: the timeout pointer is null or PHP's timeval.
    let timeout_ms =
        unsafe { (*xp).inputs.timeout.as_ref() }.map_or(-1, |t| timeval_ms(t.tv_sec, t.tv_usec));
    let mut result = -1;
    for candidate in candidates
        .iter()
        .map(Some)
        .chain(candidates.is_empty().then_some(None))
    {
        let kept;
        // SAFETY: the parameters stay valid for the call; a rewritten name
        // lives in `kept` until after PHP's connect.
        unsafe {
            if let Some(c) = candidate {
                kept = c.clone();
                (*xp).inputs.name = kept.as_ptr() as *mut c_char;
                (*xp).inputs.namelen = kept.as_bytes().len();
            }
            release(&mut (*xp).outputs.error_text);
            (*xp).op = OP_CONNECT_ASYNC;
            result = php_set(stream);
            (*xp).op = OP_CONNECT;
            (*xp).inputs.name = name_ptr;
            (*xp).inputs.namelen = name_len;
        }
        // SAFETY: the stream PHP's connect just worked on.
        let Some(sock) = (unsafe { net(stream) }) else {
            continue; // failed at once: PHP said why; try the next address
        };
        let fd = sock.socket;
        // SAFETY: the engine's transport parameters.
        let pending = unsafe { (*xp).outputs.returncode == 1 };
        let error = if pending {
            // Always through the loop, even when the socket is already
            // connected (loopback): Swoole's connect yields, and the peer
            // (a coroutine server in the same process) accepts meanwhile.
            match wait_in_loop(cid, fd, Event::Write, timeout_ms) {
                Waited::Ready => socket_error(fd),
                Waited::TimedOut => libc::ETIMEDOUT,
                Waited::Canceled | Waited::Other => libc::ECANCELED,
            }
        } else {
            0
        };
        if error == 0 {
            // Back to blocking mode, where PHP's synchronous connect
            // leaves a socket.
            set_nonblocking(fd, false);
            // SAFETY: as above.
            unsafe {
                (*xp).outputs.returncode = 0;
                (*xp).outputs.error_code = 0;
            }
            return result;
        }
        // SAFETY: the descriptor PHP's connect opened, closed as PHP closes
        // a socket whose connect failed; the parameters as above.
        unsafe {
            libc::close(fd);
            sock.socket = -1;
            (*xp).outputs.returncode = -1;
            (*xp).outputs.error_code = error;
            if (*xp).bits & WANT_ERRORTEXT != 0 {
                (*xp).outputs.error_text =
                    zend_str(&crate::php::errors::strerror(i64::from(error)));
            }
        }
    }
    result
}

/// The addresses to try for a tcp `host:port`: the name itself when the
/// host is a literal (or not host:port at all), else each address the name
/// resolves to (resolved on a blocking thread while the coroutine waits).
fn addresses(name: &[u8]) -> Vec<CString> {
    let Some((host, port_no)) = name_to_resolve(name) else {
        return Vec::new();
    };
    let lookup = (host, port_no);
    let found = io::blocking(move || {
        use std::net::ToSocketAddrs;
        lookup
            .to_socket_addrs()
            .map(|a| a.collect::<Vec<_>>())
            .unwrap_or_default()
    })
    .unwrap_or_default();
    found
        .into_iter()
        .filter_map(|a| {
            let text = match a {
                std::net::SocketAddr::V4(v4) => format!("{}:{}", v4.ip(), v4.port()),
                std::net::SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
            };
            CString::new(text).ok()
        })
        .collect()
}

/// SO_ERROR of a socket whose connect finished.
fn socket_error(fd: c_int) -> c_int {
    let mut err: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: an int-sized option buffer with its length.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut c_int).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
    }
    err
}

/// A request-lifetime zend_string of `s` (the caller of the transport API
/// releases it).
fn zend_str(s: &str) -> *mut zend_string {
    // SAFETY: copies `s.len()` bytes into a new engine string.
    unsafe { ext_php_rs_zend_string_init(s.as_ptr().cast(), s.len(), false) }
}

/// Releases an engine string slot, leaving it null.
fn release(slot: &mut *mut zend_string) {
    if !slot.is_null() {
        // SAFETY: a string the transport API allocated for its caller.
        unsafe { ext_php_rs_zend_string_release(*slot) };
        *slot = std::ptr::null_mut();
    }
}
