//! `Swoole\Coroutine\Socket` (`Co\Socket`): a socket whose every wait
//! suspends the calling coroutine: TCP/UDP/unix, client or server
//! (`bind`/`listen`/`accept`), with the framing of `setProtocol()` for
//! `recvPacket()`, line and buffered reads, and socket options.
//!
//! It is the same connection as `Coroutine\Client`'s ([`Conn`]):
//! `Coroutine\Client::exportSocket()` hands that one out. `close()` of a
//! socket another coroutine waits on cancels that wait first, as Swoole
//! does. Left out: `readVector`/`writeVector`, `sslHandshake()`,
//! `import()`, `getBoundCid()`.

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::super::coroutine::io;
use super::super::zend::{self, zarray, zbool, zlong, zstr};
use super::conn::{Conn, SharedConn};
use super::coro::{bound_error, set_error};
use super::this;
use crate::runtime::client::options;
use crate::runtime::client::socket::{name_of, name_of_fd, Event, Kind, Sock, Step};
use crate::runtime::client::state::{Client, Recv};
use crate::runtime::settings::SettingValue;

pub static SOCKET: ClassSlot = ClassSlot::new();
pub static SOCKET_EXCEPTION: ClassSlot = ClassSlot::new();

thread_local! {
    /// Each socket object's connection; None once closed.
    static SOCKETS: RefCell<HashMap<u32, Option<SharedConn>>> = RefCell::new(HashMap::new());
}

pub fn register(base_exception: *mut ext_php_rs::ffi::zend_class_entry) {
    let mut c = Class::new("Swoole\\Coroutine\\Socket");
    c.props = vec![
        ("fd", Default::Long(-1), PUBLIC),
        ("domain", Default::Long(0), PUBLIC),
        ("type", Default::Long(0), PUBLIC),
        ("protocol", Default::Long(0), PUBLIC),
        ("errCode", Default::Long(0), PUBLIC),
        ("errMsg", Default::Str(""), PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            s_construct,
            "int $domain, int $type, int $protocol = 0",
            "",
        ),
        m("__destruct", s_destruct, "", ""),
        m("bind", s_bind, "string $address, int $port = 0", "bool"),
        m("listen", s_listen, "int $backlog = 512", "bool"),
        m(
            "accept",
            s_accept,
            "float $timeout = 0",
            "Swoole\\Coroutine\\Socket|false",
        ),
        m(
            "connect",
            s_connect,
            "string $host, int $port = 0, float $timeout = 0",
            "bool",
        ),
        m("checkLiveness", s_check_liveness, "", "bool"),
        m("peek", s_peek, "int $length = 65536", "string|false"),
        m(
            "recv",
            s_recv,
            "int $length = 65536, float $timeout = 0",
            "string|false",
        ),
        m(
            "recvAll",
            s_recv_all,
            "int $length = 65536, float $timeout = 0",
            "string|false",
        ),
        m(
            "recvLine",
            s_recv_line,
            "int $length = 65536, float $timeout = 0",
            "string|false",
        ),
        m(
            "recvWithBuffer",
            s_recv_with_buffer,
            "int $length = 65536, float $timeout = 0",
            "string|false",
        ),
        m(
            "recvPacket",
            s_recv_packet,
            "float $timeout = 0",
            "string|false",
        ),
        m(
            "send",
            s_send,
            "string $data, float $timeout = 0",
            "int|false",
        ),
        m(
            "sendAll",
            s_send,
            "string $data, float $timeout = 0",
            "int|false",
        ),
        m(
            "sendFile",
            s_send_file,
            "string $file, int $offset = 0, int $length = 0",
            "bool",
        ),
        m(
            "recvfrom",
            s_recvfrom,
            "mixed &$peername, float $timeout = 0",
            "string|false",
        ),
        m(
            "sendto",
            s_sendto,
            "string $addr, int $port, string $data",
            "int|false",
        ),
        m(
            "getOption",
            s_get_option,
            "int $level, int $opt_name",
            "mixed",
        ),
        m(
            "setOption",
            s_set_option,
            "int $level, int $opt_name, mixed $opt_value",
            "bool",
        ),
        m("setProtocol", s_set_protocol, "array $settings", "bool"),
        m("shutdown", s_shutdown, "int $how = 2", "bool"),
        m("close", s_close, "", "bool"),
        m("cancel", s_cancel, "int $event = SWOOLE_EVENT_READ", "bool"),
        m("getsockname", s_getsockname, "", "array|false"),
        m("getpeername", s_getpeername, "", "array|false"),
        m("isClosed", s_is_closed, "", "bool"),
    ];
    SOCKET.set(c.register());
    super::super::classes::alias("Co\\Socket", SOCKET.get());
    let mut e = Class::new("Swoole\\Coroutine\\Socket\\Exception");
    e.parent = Some(base_exception);
    SOCKET_EXCEPTION.set(e.register());
    super::super::classes::alias("Co\\Socket\\Exception", SOCKET_EXCEPTION.get());
}

pub fn request_shutdown() {
    let left = SOCKETS.with(|s| std::mem::take(&mut *s.borrow_mut()));
    drop(left);
}

/// The socket kind of (domain, type), as socket(2) takes them.
fn kind_of(domain: i64, ty: i64) -> Option<Kind> {
    let ty = ty & 0xf; // SOCK_NONBLOCK / SOCK_CLOEXEC bits aside
    Some(match (domain as i32, ty as i32) {
        (libc::AF_INET, libc::SOCK_STREAM) => Kind::Tcp,
        (libc::AF_INET6, libc::SOCK_STREAM) => Kind::Tcp6,
        (libc::AF_INET, libc::SOCK_DGRAM) => Kind::Udp,
        (libc::AF_INET6, libc::SOCK_DGRAM) => Kind::Udp6,
        (libc::AF_UNIX, libc::SOCK_STREAM) => Kind::UnixStream,
        (libc::AF_UNIX, libc::SOCK_DGRAM) => Kind::UnixDgram,
        _ => return None,
    })
}

fn kind_numbers(kind: Kind) -> (i64, i64) {
    let (d, t) = match kind {
        Kind::Tcp => (libc::AF_INET, libc::SOCK_STREAM),
        Kind::Tcp6 => (libc::AF_INET6, libc::SOCK_STREAM),
        Kind::Udp => (libc::AF_INET, libc::SOCK_DGRAM),
        Kind::Udp6 => (libc::AF_INET6, libc::SOCK_DGRAM),
        Kind::UnixStream => (libc::AF_UNIX, libc::SOCK_STREAM),
        Kind::UnixDgram => (libc::AF_UNIX, libc::SOCK_DGRAM),
    };
    (i64::from(d), i64::from(t))
}

/// A new `Coroutine\Socket` object over `conn` (an accepted connection,
/// a client's exported socket).
pub fn object_for(conn: SharedConn) -> Zval {
    let z = zend::new_object(SOCKET.get());
    if let Some(o) = zend::obj_ptr(&z) {
        if let Ok(c) = conn.client() {
            let (domain, ty) = kind_numbers(c.sock.kind);
            zend::set_prop(o, "fd", zlong(c.sock.fd()));
            zend::set_prop(o, "domain", zlong(domain));
            zend::set_prop(o, "type", zlong(ty));
        }
        // SAFETY: `o` is the live object just created.
        let h = unsafe { (*o).handle };
        SOCKETS.with(|s| s.borrow_mut().insert(h, Some(conn)));
    }
    z
}

/// The connection of `$this`, or EBADF (closed) and None.
fn conn_of(h: u32, o: *mut zend_object) -> Option<SharedConn> {
    let c = SOCKETS.with(|s| s.borrow().get(&h).cloned().flatten());
    if c.is_none() {
        set_error(o, i64::from(libc::EBADF));
    }
    c
}

/// Runs `f` on the client of `$this` (borrowed for the call, waits
/// included); false on rv and the error when closed or busy.
fn with_client<R>(
    ex: &mut ExecuteData,
    rv: &mut Zval,
    f: impl FnOnce(&mut Client, *mut zend_object) -> R,
) -> Option<R> {
    rv.set_bool(false);
    let (h, o) = this(ex)?;
    let conn = conn_of(h, o)?;
    let r = match conn.client() {
        Ok(mut c) => Ok(f(&mut c, o)),
        Err(code) => Err(code),
    };
    match r {
        Ok(v) => Some(v),
        Err(b) => {
            bound_error(o, b, true);
            None
        }
    }
}

/// What a read returns to PHP: the bytes ('' at the peer's close) or
/// false with the error.
fn recv_result(o: *mut zend_object, r: Recv) -> Zval {
    match r {
        Recv::Data(v) => zstr(v),
        Recv::TooLarge(_) => zstr(""),
        Recv::Failed(code) => {
            set_error(o, code);
            zbool(false)
        }
        Recv::NoEof => {
            set_error(o, 1201);
            zbool(false)
        }
    }
}

fn s_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let (Some(domain), Some(ty)) = (args.long(0, "domain"), args.long(1, "type")) else {
        return;
    };
    let Some(protocol) = args.long_or(2, "protocol", 0) else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    let sock = kind_of(domain, ty)
        .ok_or(i64::from(libc::EINVAL))
        .and_then(Sock::new)
        .and_then(|s| s.with_wait_hook(io::wait_fd));
    let sock = match sock {
        Ok(s) => s,
        Err(code) => {
            zend::throw(
                SOCKET_EXCEPTION.get(),
                &format!(
                    "new Socket() failed. Error: {} [{code}]",
                    super::super::errors::os_error_text(code as i32)
                ),
                code,
            );
            return;
        }
    };
    zend::set_prop(o, "fd", zlong(sock.fd()));
    zend::set_prop(o, "domain", zlong(domain));
    zend::set_prop(o, "type", zlong(ty));
    zend::set_prop(o, "protocol", zlong(protocol));
    let client = Client::new(sock, false, false, String::new());
    SOCKETS.with(|s| s.borrow_mut().insert(h, Some(Conn::new(client))));
}

fn s_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let gone = SOCKETS.with(|s| s.borrow_mut().remove(&h));
    drop(gone);
}

fn s_bind(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(addr) = args.string(0, "address") else {
        return;
    };
    let Some(port) = args.long_or(1, "port", 0) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| match c.sock.bind(&addr, port) {
        Ok(()) => true,
        Err(code) => {
            set_error(o, code);
            false
        }
    });
    rv.set_bool(r == Some(true));
}

fn s_listen(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(backlog) = args.long_or(0, "backlog", 512) else {
        return;
    };
    let backlog = i32::try_from(backlog).unwrap_or(512);
    let r = with_client(ex, rv, |c, o| match c.sock.listen(backlog) {
        Ok(()) => true,
        Err(code) => {
            set_error(o, code);
            false
        }
    });
    rv.set_bool(r == Some(true));
}

fn s_accept(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, 0.0);
    let r = with_client(ex, rv, |c, o| {
        let t = if timeout != 0.0 {
            timeout
        } else {
            c.sock.timeouts.read
        };
        match c.sock.accept(t) {
            Ok(sock) => {
                let mut client = Client::new(sock, false, false, String::new());
                client.active = true;
                Some(Conn::new(client))
            }
            Err(code) => {
                set_error(o, code);
                None
            }
        }
    });
    match r.flatten() {
        Some(conn) => *rv = object_for(conn),
        None => rv.set_bool(false),
    }
}

fn s_connect(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(host) = args.string(0, "host") else {
        return;
    };
    let Some(port) = args.long_or(1, "port", 0) else {
        return;
    };
    let timeout = args.float_or(2, 0.0);
    if super::super::coroutine::current() < 0 {
        super::super::coroutine::throw_out_of_coroutine();
        return;
    }
    let r = with_client(ex, rv, |c, o| {
        let saved = c.sock.timeouts.connect;
        if timeout != 0.0 && !timeout.is_nan() {
            c.sock.timeouts.connect = timeout;
        }
        let r = c.connect(&host, port, i64::from(!c.sock.kind.is_stream()));
        c.sock.timeouts.connect = saved;
        match r {
            Ok(_) => true,
            Err(code) => {
                set_error(o, code);
                false
            }
        }
    });
    rv.set_bool(r == Some(true));
    if r == Some(true) {
        if let Some(conn) = this(ex).and_then(|(h, o)| conn_of(h, o)) {
            conn.refresh_writer();
        }
    }
}

fn s_check_liveness(ex: &mut ExecuteData, rv: &mut Zval) {
    let r = with_client(ex, rv, |c, _| c.active && c.sock.is_alive());
    rv.set_bool(r == Some(true));
}

fn s_peek(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(len) = args.long_or(0, "length", 65536) else {
        return;
    };
    let len = usize::try_from(len).unwrap_or(0).clamp(1, 1 << 24);
    let r = with_client(ex, rv, |c, o| {
        let mut buf = vec![0u8; len];
        match c.sock.recv_once(&mut buf, libc::MSG_PEEK) {
            Ok(Step::Ready(n)) => {
                buf.truncate(n);
                zstr(buf)
            }
            Ok(Step::Again) => {
                set_error(o, i64::from(libc::EAGAIN));
                zbool(false)
            }
            Err(code) => {
                set_error(o, code);
                zbool(false)
            }
        }
    });
    if let Some(v) = r {
        *rv = v;
    }
}

/// The (length, timeout) arguments of the read methods.
fn read_args(ex: &mut ExecuteData) -> Option<(i64, f64)> {
    let args = Args::parse(ex, 0, 2)?;
    let len = args.long_or(0, "length", 65536)?;
    Some((len.max(1), args.float_or(1, 0.0)))
}

fn s_recv(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((len, timeout)) = read_args(ex) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| {
        let r = c.with_timeout(timeout, true, |c| c.recv_raw(len.min(1 << 24), 0));
        recv_result(o, r)
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_recv_all(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((len, timeout)) = read_args(ex) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| {
        let r = c.with_timeout(timeout, true, |c| {
            c.recv_raw(len.min(1 << 30), libc::MSG_WAITALL)
        });
        recv_result(o, r)
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_recv_line(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((len, timeout)) = read_args(ex) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| {
        let r = c.with_timeout(timeout, true, |c| c.recv_line(len as usize));
        recv_result(o, r)
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_recv_with_buffer(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((len, timeout)) = read_args(ex) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| {
        let r = c.with_timeout(timeout, true, |c| c.recv_with_buffer(len as usize));
        recv_result(o, r)
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_recv_packet(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, 0.0);
    let r = with_client(ex, rv, |c, o| {
        let r = c.with_timeout(timeout, true, |c| c.recv(65536, 0));
        recv_result(o, r)
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_send(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    let timeout = args.float_or(1, 0.0);
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(conn) = conn_of(h, o) else { return };
    match conn.send_all(&data, timeout) {
        Ok(n) => rv.set_long(n as i64),
        Err(Err(b)) => bound_error(o, b, false),
        Err(Ok(code)) => set_error(o, code),
    }
}

fn s_send_file(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(file) = args.string(0, "file") else {
        return;
    };
    let Some(offset) = args.long_or(1, "offset", 0) else {
        return;
    };
    let Some(length) = args.long_or(2, "length", 0) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| match c.sendfile(&file, offset, length) {
        Ok(()) => true,
        Err(code) => {
            set_error(o, code);
            false
        }
    });
    rv.set_bool(r == Some(true));
}

fn s_recvfrom(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let timeout = args.float_or(1, 0.0);
    let r = with_client(ex, rv, |c, o| {
        let mut buf = vec![0u8; 65536];
        let r = c.with_timeout(timeout, true, |c| c.sock.recv_dgram(&mut buf, 0));
        match r {
            Ok(n) => {
                buf.truncate(n);
                let (port, host) = match &c.sock.remote {
                    Some(a) => name_of(a, c.sock.kind),
                    None => (0, String::new()),
                };
                Some((buf, host, port))
            }
            Err(code) => {
                set_error(o, code);
                None
            }
        }
    });
    if let Some(Some((data, host, port))) = r {
        let mut peer = ZendHashTable::new();
        zend::ht_set(&mut peer, "address", zstr(host.as_str()));
        zend::ht_set(&mut peer, "port", zlong(port));
        args.set_ref(0, zarray(peer));
        *rv = zstr(data);
    }
}

fn s_sendto(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 3, 3) else {
        return;
    };
    let (Some(addr), Some(port), Some(data)) = (
        args.string(0, "addr"),
        args.long(1, "port"),
        args.bytes(2, "data"),
    ) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| match c.send_to(&addr, port, &data) {
        Ok(()) => Some(data.len()),
        Err(code) => {
            set_error(o, code);
            None
        }
    });
    if let Some(Some(n)) = r {
        rv.set_long(n as i64);
    }
}

fn timeval_array(t: f64) -> Zval {
    let t = t.max(0.0);
    let mut a = ZendHashTable::new();
    zend::ht_set(&mut a, "sec", zlong(t.trunc() as i64));
    zend::ht_set(&mut a, "usec", zlong(((t.fract()) * 1e6).round() as i64));
    zarray(a)
}

fn s_get_option(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let (Some(level), Some(name)) = (args.long(0, "level"), args.long(1, "opt_name")) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| {
        if level == i64::from(libc::SOL_SOCKET) {
            if name == i64::from(libc::SO_RCVTIMEO) {
                return timeval_array(c.sock.timeouts.read);
            }
            if name == i64::from(libc::SO_SNDTIMEO) {
                return timeval_array(c.sock.timeouts.write);
            }
        }
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: an int-sized option buffer and its length.
        let r = unsafe {
            libc::getsockopt(
                c.sock.fd() as i32,
                level as i32,
                name as i32,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if r < 0 {
            set_error(
                o,
                i64::from(std::io::Error::last_os_error().raw_os_error().unwrap_or(0)),
            );
            return zbool(false);
        }
        zlong(i64::from(v))
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_set_option(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 3, 3) else {
        return;
    };
    let (Some(level), Some(name)) = (args.long(0, "level"), args.long(1, "opt_name")) else {
        return;
    };
    let Some(value) = args.get(2).map(zend::zcopy) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| {
        if level == i64::from(libc::SOL_SOCKET)
            && (name == i64::from(libc::SO_RCVTIMEO) || name == i64::from(libc::SO_SNDTIMEO))
        {
            let a = value.array();
            let field = |k: &str| a.and_then(|a| a.get(k)).and_then(|z| z.long()).unwrap_or(0);
            let t = field("sec") as f64 + field("usec") as f64 / 1e6;
            if name == i64::from(libc::SO_RCVTIMEO) {
                c.sock.timeouts.read = t;
            } else {
                c.sock.timeouts.write = t;
            }
            return true;
        }
        let v = value
            .long()
            .or_else(|| value.bool().map(i64::from))
            .unwrap_or(0) as libc::c_int;
        // SAFETY: an int-sized option value and its length.
        let r = unsafe {
            libc::setsockopt(
                c.sock.fd() as i32,
                level as i32,
                name as i32,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r < 0 {
            set_error(
                o,
                i64::from(std::io::Error::last_os_error().raw_os_error().unwrap_or(0)),
            );
            return false;
        }
        true
    });
    rv.set_bool(r == Some(true));
    if let Some(conn) = this(ex).and_then(|(h, o)| conn_of(h, o)) {
        conn.refresh_writer();
    }
}

fn s_set_protocol(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.array(0, "settings") else {
        return;
    };
    let items: Vec<(String, SettingValue)> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), super::super::server::setting_value(v)))
        .collect();
    let opts = match options::parse(&items, false) {
        Ok(o) => o,
        Err(why) => {
            zend::warning_docref(&why);
            rv.set_bool(false);
            return;
        }
    };
    let r = with_client(ex, rv, |c, o| {
        opts.timeouts.apply(&mut c.sock.timeouts);
        match c.apply(&opts) {
            Ok(()) => true,
            Err(code) => {
                set_error(o, code);
                false
            }
        }
    });
    rv.set_bool(r == Some(true));
}

fn s_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(how) = args.long_or(0, "how", i64::from(libc::SHUT_RDWR)) else {
        return;
    };
    let r = with_client(ex, rv, |c, o| match c.shutdown(how) {
        Ok(()) => true,
        Err(code) => {
            set_error(
                o,
                if code == 0 {
                    i64::from(libc::ENOTCONN)
                } else {
                    code
                },
            );
            false
        }
    });
    rv.set_bool(r == Some(true));
}

fn s_close(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(conn) = conn_of(h, o) else { return };
    if !conn.idle() {
        // Another coroutine waits on it: that wait is canceled first.
        let fd = zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(-1) as i32;
        io::cancel_fd(fd, Event::Read);
        io::cancel_fd(fd, Event::Write);
    }
    SOCKETS.with(|s| s.borrow_mut().insert(h, None));
    drop(conn);
    rv.set_bool(true);
}

fn s_cancel(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(event) = args.long_or(0, "event", 512) else {
        return;
    };
    rv.set_bool(false);
    let Some((_, o)) = this(ex) else { return };
    let fd = zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(-1) as i32;
    let ev = if event & 1024 != 0 {
        Event::Write
    } else {
        Event::Read
    };
    rv.set_bool(io::cancel_fd(fd, ev));
}

fn name_array(port: i64, host: &str) -> Zval {
    let mut a = ZendHashTable::new();
    zend::ht_set(&mut a, "address", zstr(host));
    zend::ht_set(&mut a, "port", zlong(port));
    zarray(a)
}

/// The kind of a `Coroutine\Socket` object's socket, from its `domain`
/// and `type` properties.
fn kind_of_object(o: *mut zend_object) -> Kind {
    let prop = |n: &str| zend::get_prop(o, n).and_then(|z| z.long()).unwrap_or(0);
    kind_of(prop("domain"), prop("type")).unwrap_or(Kind::Tcp)
}

fn s_getsockname(ex: &mut ExecuteData, rv: &mut Zval) {
    // Swoole reads the name from the socket, whichever coroutine is
    // inside a call on it (one may be waiting in accept()).
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    if conn_of(h, o).is_none() {
        return;
    }
    let fd = zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(-1) as i32;
    *rv = match name_of_fd(fd, kind_of_object(o), false) {
        Ok((port, host)) => name_array(port, &host),
        Err(code) => {
            set_error(o, code);
            zbool(false)
        }
    };
}

fn s_getpeername(ex: &mut ExecuteData, rv: &mut Zval) {
    let r = with_client(ex, rv, |c, o| match c.sock.peer_name() {
        Ok((port, host)) => name_array(port, &host),
        Err(code) => {
            set_error(o, code);
            zbool(false)
        }
    });
    if let Some(v) = r {
        *rv = v;
    }
}

fn s_is_closed(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let open = SOCKETS.with(|s| s.borrow().get(&h).is_some_and(Option::is_some));
    rv.set_bool(!open);
}
