//! `Swoole\Coroutine\Client` (`Co\Client`): the TCP/UDP/unix client of
//! coroutines. It is [`Swoole\Client`](super)'s connection (socket,
//! framing, TLS) with a coroutine's way of waiting
//! ([`coroutine::io::wait_fd`]): a call that would block suspends the
//! calling coroutine, and the worker goes on meanwhile.
//!
//! Its surface is Swoole's coroutine one, not the blocking client's:
//! failures set `errCode`/`errMsg` and return false without a warning;
//! timeouts are a coroutine socket's (connect 10 s, read and write 60 s,
//! the `timeout` keys of `set()`, `connect()`'s `$timeout` for all three,
//! `recv()`/`send()`'s `$timeout` for that call) and a timed-out wait is
//! ETIMEDOUT.
//!
//! A connection is a [`Conn`] kept by handle ([`CONNS`]): one coroutine
//! may read while another sends, a second reader is told the socket is
//! bound (Swoole's SW_ERROR_CO_HAS_BEEN_BOUND) instead of interleaving
//! reads. `exportSocket()` hands the same connection out as a
//! `Coroutine\Socket`.
//!
//! Left out: DTLS, the proxy settings.

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::super::coroutine::{self, io};
use super::super::zend::{self, zarray, zbool, zlong, zstr};
use super::conn::{bound_fatal, Bound, Conn, SharedConn};
use super::{
    fatal_error, fatal_warning, framing_settings_of, length_func, settings_of, strerror, this,
};
use crate::runtime::client::options;
use crate::runtime::client::socket::{Kind, Sock, Step, FLAG_SSL};
use crate::runtime::client::state::{Client, Recv, RECV_MAX};

pub static CO_CLIENT: ClassSlot = ClassSlot::new();

/// SW_ERROR_PACKAGE_LENGTH_TOO_LARGE.
const PACKAGE_TOO_LARGE: i64 = 1201;
/// SW_ERROR_CLIENT_NO_CONNECTION.
const NO_CONNECTION: i64 = crate::runtime::client::codes::CLIENT_NO_CONNECTION;

thread_local! {
    /// Connections by client object handle.
    static CONNS: RefCell<HashMap<u32, SharedConn>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\Client");
    c.constants = vec![
        ("MSG_OOB", i64::from(libc::MSG_OOB)),
        ("MSG_PEEK", i64::from(libc::MSG_PEEK)),
        ("MSG_DONTWAIT", i64::from(libc::MSG_DONTWAIT)),
        ("MSG_WAITALL", i64::from(libc::MSG_WAITALL)),
    ];
    c.props = vec![
        ("errCode", Default::Long(0), PUBLIC),
        ("errMsg", Default::Str(""), PUBLIC),
        ("fd", Default::Long(-1), PUBLIC),
        ("socket", Default::Null, PUBLIC),
        ("type", Default::Long(1), PUBLIC),
        ("setting", Default::Null, PUBLIC),
        ("connected", Default::Bool(false), PUBLIC),
    ];
    c.methods = vec![
        m("__construct", cc_construct, "int $type", ""),
        m("__destruct", cc_destruct, "", ""),
        m("set", cc_set, "array $settings", "bool"),
        m(
            "connect",
            cc_connect,
            "string $host, int $port = 0, float $timeout = 0, int $sock_flag = 0",
            "bool",
        ),
        m("recv", cc_recv, "float $timeout = 0", "string|false"),
        m("peek", cc_peek, "int $length = 65535", "string|false"),
        m(
            "send",
            cc_send,
            "string $data, float $timeout = 0",
            "int|false",
        ),
        m(
            "sendfile",
            cc_sendfile,
            "string $filename, int $offset = 0, int $length = 0",
            "bool",
        ),
        m(
            "sendto",
            cc_sendto,
            "string $address, int $port, string $data",
            "bool",
        ),
        m(
            "recvfrom",
            cc_recvfrom,
            "int $length, mixed &$address, mixed &$port = 0",
            "string|false",
        ),
        m("enableSSL", cc_enable_ssl, "", "bool"),
        m(
            "exportSocket",
            cc_export_socket,
            "",
            "Swoole\\Coroutine\\Socket|false",
        ),
        m("isConnected", cc_is_connected, "", "bool"),
        m("getsockname", cc_getsockname, "", "array|false"),
        m("getpeername", cc_getpeername, "", "array|false"),
        m("close", cc_close, "", "bool"),
    ];
    CO_CLIENT.set(c.register());
    super::super::classes::alias("Co\\Client", CO_CLIENT.get());
}

/// RSHUTDOWN: every connection still held is closed.
pub fn request_shutdown() {
    let left = CONNS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(left);
}

/// `php_swoole_socket_set_error_properties`: errCode and its text.
pub(super) fn set_error(o: *mut zend_object, code: i64) {
    zend::set_prop(o, "errCode", zlong(code));
    zend::set_prop(o, "errMsg", zstr(strerror(code)));
}

fn conn(h: u32) -> Option<SharedConn> {
    CONNS.with(|c| c.borrow().get(&h).cloned())
}

/// Runs `f` on the connection of `$this`, borrowed for the whole call (its
/// waits included); the errors of a missing or busy connection otherwise.
fn with_conn(ex: &mut ExecuteData, rv: &mut Zval, f: impl FnOnce(&mut Client, *mut zend_object)) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(shared) = conn(h) else {
        set_error(o, NO_CONNECTION);
        return;
    };
    let r = match shared.client() {
        Ok(mut c) => {
            f(&mut c, o);
            Ok(())
        }
        Err(code) => Err(code),
    };
    if let Err(b) = r {
        bound_error(o, b, true);
    }
}

/// Another coroutine is inside a call on this socket: Swoole's fatal
/// error.
pub(super) fn bound_error(o: *mut zend_object, bound: Bound, reading: bool) {
    let fd = zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(-1);
    bound_fatal(fd, bound, reading);
}

/// A `$timeout` argument as a float (ints and numeric strings convert).
fn timeout_arg(args: &Args, i: usize) -> f64 {
    args.float_or(i, 0.0)
}

fn cc_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(ty) = args.long(0, "type") else {
        return;
    };
    if Kind::from_type(ty).is_err() {
        zend::throw_type_error(&format!(
            "Swoole\\Coroutine\\Client::__construct() expects parameter 1 to be client type, unknown type {ty} given"
        ));
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    CONNS.with(|c| c.borrow_mut().remove(&h));
    zend::set_prop(o, "type", zlong(ty));
}

fn cc_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let gone = CONNS.with(|c| c.borrow_mut().remove(&h));
    drop(gone);
}

fn cc_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.array(0, "settings") else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    let mut merged = match zend::get_prop(o, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    for (k, v) in settings.iter() {
        let _ = merged.insert(k.to_string().as_str(), zend::zcopy(v));
    }
    zend::set_prop(o, "setting", zarray(merged));
    // A connected client takes the new settings at once.
    if let Some(shared) = conn(h) {
        let items = framing_settings_of(o).unwrap_or_default();
        if let (Ok(opts), Ok(mut c)) = (options::parse(&items, false), shared.client()) {
            let _ = c.apply(&opts);
            if let Some(f) = length_func(o) {
                c.set_length_func(f);
            }
            opts.timeouts.apply(&mut c.sock.timeouts);
        }
        shared.refresh_writer();
    }
    rv.set_bool(true);
}

fn cc_connect(ex: &mut ExecuteData, rv: &mut Zval) {
    // A fatal error (an unusable setting) leaves by a jump: everything
    // connect() holds is dropped before it is raised.
    if let Err(fatal) = connect(ex, rv) {
        fatal_error(fatal);
    }
}

fn connect(ex: &mut ExecuteData, rv: &mut Zval) -> Result<(), String> {
    let Some(args) = Args::parse(ex, 1, 4) else {
        return Ok(());
    };
    let Some(host) = args.string(0, "host") else {
        return Ok(());
    };
    let Some(port) = args.long_or(1, "port", 0) else {
        return Ok(());
    };
    let timeout = timeout_arg(&args, 2);
    let Some(sock_flag) = args.long_or(3, "sock_flag", 0) else {
        return Ok(());
    };
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else {
        return Ok(());
    };
    if host.is_empty() {
        fatal_warning("The host is empty");
        return Ok(());
    }
    if conn(h).is_some() {
        set_error(o, i64::from(libc::EISCONN));
        return Ok(());
    }
    let ty = zend::get_prop(o, "type")
        .and_then(|z| z.long())
        .unwrap_or(1);
    let Ok(kind) = Kind::from_type(ty) else {
        return Ok(());
    };
    if kind.is_tcp() && !(1..=65535).contains(&port) {
        fatal_warning("The port is invalid");
        return Ok(());
    }
    if coroutine::current() < 0 {
        coroutine::throw_out_of_coroutine();
        return Ok(());
    }
    let ssl = ty & FLAG_SSL != 0;
    let items = framing_settings_of(o).unwrap_or_default();
    let opts = options::parse(&items, ssl)?;
    let sock = match Sock::new(kind).and_then(|s| s.with_wait_hook(io::wait_fd)) {
        Ok(s) => s,
        Err(code) => {
            set_error(o, code);
            return Ok(());
        }
    };
    zend::set_prop(o, "fd", zlong(sock.fd()));
    let mut c = Client::new(sock, ssl, false, format!("{host}:{port}"));
    if let Err(code) = c.apply(&opts) {
        set_error(o, code);
        return Ok(());
    }
    if let Some(f) = length_func(o) {
        c.set_length_func(f);
    }
    opts.timeouts.apply(&mut c.sock.timeouts);
    if timeout != 0.0 && !timeout.is_nan() {
        c.sock.timeouts.connect = timeout;
    }
    // The connection is registered while it connects, so a second
    // connect() meanwhile is told it is already established.
    let shared = Conn::new(c);
    CONNS.with(|m| m.borrow_mut().insert(h, shared.clone()));
    let r = match shared.client() {
        Ok(mut c) => {
            let udp_connect = i64::from(!kind.is_stream() && sock_flag != 0);
            let r = c.connect(&host, port, udp_connect);
            if r.is_ok() && timeout != 0.0 && !timeout.is_nan() {
                c.sock.timeouts.read = timeout;
                c.sock.timeouts.write = timeout;
            }
            r.map(|_| ())
        }
        // Just made: no other coroutine can hold it.
        Err(_) => Err(i64::from(libc::EBUSY)),
    };
    match r {
        Ok(()) => {
            shared.refresh_writer();
            zend::set_prop(o, "connected", zbool(true));
            rv.set_bool(true);
        }
        Err(code) => {
            CONNS.with(|m| m.borrow_mut().remove(&h));
            drop(shared);
            set_error(o, code);
        }
    }
    Ok(())
}

fn cc_recv(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = timeout_arg(&args, 0);
    let mut out = None;
    with_conn(ex, rv, |c, o| {
        let r = c.with_timeout(timeout, true, |c| c.recv(RECV_MAX, 0));
        out = Some(match r {
            Recv::Data(v) => zstr(v),
            Recv::TooLarge(_) => zstr(""),
            Recv::Failed(code) => {
                set_error(o, code);
                zbool(false)
            }
            Recv::NoEof => {
                set_error(o, PACKAGE_TOO_LARGE);
                zbool(false)
            }
        });
    });
    if let Some(v) = out {
        *rv = v;
    }
}

fn cc_peek(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(len) = args.long_or(0, "length", 65535) else {
        return;
    };
    let len = usize::try_from(len).unwrap_or(0).min(1 << 24);
    let mut out = None;
    with_conn(ex, rv, |c, o| {
        let mut buf = vec![0u8; len];
        // One look at what is buffered: a peek never waits.
        out = Some(match c.sock.recv_once(&mut buf, libc::MSG_PEEK) {
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
        });
    });
    if let Some(v) = out {
        *rv = v;
    }
}

fn cc_send(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    let timeout = timeout_arg(&args, 1);
    if data.is_empty() {
        rv.set_bool(false);
        fatal_warning("data to send is empty");
        return;
    }
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(shared) = conn(h) else {
        set_error(o, NO_CONNECTION);
        return;
    };
    match shared.send_all(&data, timeout) {
        Ok(n) => rv.set_long(n as i64),
        Err(Err(b)) => bound_error(o, b, false),
        Err(Ok(code)) => set_error(o, code),
    }
}

fn cc_sendfile(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(file) = args.string(0, "filename") else {
        return;
    };
    let Some(offset) = args.long_or(1, "offset", 0) else {
        return;
    };
    let Some(length) = args.long_or(2, "length", 0) else {
        return;
    };
    if file.is_empty() {
        rv.set_bool(false);
        fatal_warning("file to send is empty");
        return;
    }
    let mut ok = false;
    with_conn(ex, rv, |c, o| {
        if !c.sock.kind.is_stream() {
            zend::set_prop(o, "errCode", zlong(i64::from(libc::EINVAL)));
            zend::set_prop(o, "errMsg", zstr("dgram socket cannot use sendfile"));
            return;
        }
        match c.sendfile(&file, offset, length) {
            Ok(()) => ok = true,
            Err(code) => set_error(o, code),
        }
    });
    rv.set_bool(ok);
}

fn cc_sendto(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 3, 3) else {
        return;
    };
    let Some(host) = args.string(0, "address") else {
        return;
    };
    let Some(port) = args.long(1, "port") else {
        return;
    };
    let Some(data) = args.bytes(2, "data") else {
        return;
    };
    rv.set_bool(false);
    if data.is_empty() {
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    let Some(shared) = conn_or_unconnected(h, o) else {
        return;
    };
    let mut c = match shared.client() {
        Ok(c) => c,
        Err(b) => {
            bound_error(o, b, false);
            return;
        }
    };
    if c.sock.kind.is_tcp() && !(1..=65535).contains(&port) {
        fatal_warning("The port is invalid");
        return;
    }
    match c.send_to(&host, port, &data) {
        Ok(()) => rv.set_bool(true),
        Err(code) => set_error(o, code),
    }
}

/// The client's connection, or for a client never connected a socket of
/// its own (a datagram client's `sendto()` / `recvfrom()`); None after
/// the error.
fn conn_or_unconnected(h: u32, o: *mut zend_object) -> Option<SharedConn> {
    if let Some(c) = conn(h) {
        return Some(c);
    }
    let ty = zend::get_prop(o, "type")
        .and_then(|z| z.long())
        .unwrap_or(2);
    let kind = Kind::from_type(ty).ok()?;
    let sock = match Sock::new(kind).and_then(|s| s.with_wait_hook(io::wait_fd)) {
        Ok(s) => s,
        Err(code) => {
            set_error(o, code);
            return None;
        }
    };
    zend::set_prop(o, "fd", zlong(sock.fd()));
    let mut c = Client::new(sock, false, false, String::new());
    c.active = true;
    let shared = Conn::new(c);
    CONNS.with(|m| m.borrow_mut().insert(h, shared.clone()));
    Some(shared)
}

/// `recvfrom($length, &$address, &$port)`: one datagram and its sender
/// (an unconnected client reads on a socket of its own).
fn cc_recvfrom(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(length) = args.long(0, "length") else {
        return;
    };
    rv.set_bool(false);
    if length <= 0 {
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    let Some(shared) = conn_or_unconnected(h, o) else {
        return;
    };
    let got = match shared.client() {
        Ok(mut c) => {
            let mut buf = vec![0u8; usize::try_from(length).unwrap_or(0).min(1 << 24)];
            match c.sock.recv_dgram(&mut buf, 0) {
                Ok(n) => {
                    buf.truncate(n);
                    let from = c
                        .sock
                        .remote
                        .as_ref()
                        .map(|a| crate::runtime::client::socket::name_of(a, c.sock.kind));
                    Ok((buf, from.unwrap_or((0, String::new()))))
                }
                Err(code) => Err(Ok(code)),
            }
        }
        Err(b) => Err(Err(b)),
    };
    match got {
        Ok((data, (port, host))) => {
            args.set_ref(1, zstr(host.as_str()));
            if args.len() > 2 {
                args.set_ref(2, zlong(port));
            }
            *rv = zstr(data);
        }
        Err(Ok(code)) => set_error(o, code),
        Err(Err(b)) => bound_error(o, b, true),
    }
}

fn cc_enable_ssl(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let mut fatal = None;
    let mut ok = false;
    with_conn(ex, rv, |c, o| {
        if !c.sock.kind.is_tcp() {
            fatal_warning("cannot use enableSSL");
            return;
        }
        if c.tls.is_some() {
            fatal_warning("SSL has been enabled");
            return;
        }
        let items = settings_of(o).unwrap_or_default();
        match options::tls_options(&items) {
            Ok(t) => c.tls_opts = t,
            Err(f) => {
                fatal = Some(f);
                return;
            }
        }
        c.ssl = true;
        match c.start_tls() {
            Ok(()) => ok = true,
            Err(code) => set_error(o, code),
        }
    });
    rv.set_bool(ok);
    // TLS: sends go through the session now.
    if let Some(shared) = this(ex).and_then(|(h, _)| conn(h)) {
        shared.refresh_writer();
    }
    if let Some(f) = fatal {
        fatal_error(f);
    }
}

/// The client's connection as a `Coroutine\Socket` (the same socket).
fn cc_export_socket(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, o)) = this(ex) else { return };
    match conn(h) {
        Some(shared) => *rv = super::co_socket::object_for(shared),
        None => {
            set_error(o, NO_CONNECTION);
            rv.set_bool(false);
        }
    }
}

fn cc_is_connected(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let connected = conn(h).is_some_and(|s| s.client().map_or(true, |c| c.active));
    rv.set_bool(connected);
}

fn cc_getsockname(ex: &mut ExecuteData, rv: &mut Zval) {
    sock_name(ex, rv, true);
}

fn cc_getpeername(ex: &mut ExecuteData, rv: &mut Zval) {
    sock_name(ex, rv, false);
}

/// `['host' => .., 'address' => .., 'port' => ..]` ("host" is Swoole's
/// older name of "address").
fn sock_name(ex: &mut ExecuteData, rv: &mut Zval, local: bool) {
    let mut out = None;
    with_conn(ex, rv, |c, o| {
        let r = if local {
            c.sock.local_name()
        } else {
            c.sock.peer_name()
        };
        match r {
            Ok((port, host)) => {
                let mut a = ZendHashTable::new();
                zend::ht_set(&mut a, "host", zstr(host.as_str()));
                zend::ht_set(&mut a, "address", zstr(host.as_str()));
                zend::ht_set(&mut a, "port", zlong(port));
                out = Some(zarray(a));
            }
            Err(code) => set_error(o, code),
        }
    });
    if let Some(v) = out {
        *rv = v;
    }
}

fn cc_close(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(shared) = conn(h) else {
        set_error(o, NO_CONNECTION);
        return;
    };
    // Another coroutine waits on it: the connection goes first, then that
    // wait is canceled (its call fails with ECANCELED) and close() is
    // false, as Swoole's.
    let busy = !shared.idle();
    let fd = if busy { shared.fd_even_if_held() } else { None };
    if busy && fd.is_none() {
        // (SW_ERROR_CO_SOCKET_CLOSE_WAIT)
        set_error(o, 10019);
        return;
    }
    CONNS.with(|m| m.borrow_mut().remove(&h));
    zend::set_prop(o, "connected", zbool(false));
    if let Some(fd) = fd {
        use crate::runtime::client::socket::Event;
        io::cancel_fd(fd, Event::Read);
        io::cancel_fd(fd, Event::Write);
    }
    drop(shared);
    rv.set_bool(!busy);
}
