//! `Swoole\Client`: Swoole 6.2's synchronous (blocking) TCP/UDP/unix
//! client, for scripts that talk to a server from PHP-FPM or the CLI.
//!
//! The socket, framing, TLS and SWOOLE_KEEP pool are in
//! [`crate::runtime::client`]; this is the PHP surface over them. A client
//! object's connection is kept here, by object handle ([`state::Client`]);
//! `__construct` forgets whatever a reused handle held, `close()` and
//! `__destruct` end it, and RSHUTDOWN ends what a fatal error left
//! ([`request_shutdown`]). Methods take the connection out of
//! the map while they work, so no borrow is held while PHP runs a warning
//! handler.
//!
//! Timeouts are Swoole 6.2's: `connect()`'s `$timeout` bounds the connect
//! and every later read and write (0.5 s by default); the `timeout`,
//! `connect_timeout`, `read_timeout` and `write_timeout` keys of `set()`
//! are kept in `$client->setting` and ignored, as Swoole's synchronous
//! client ignores them.
//!
//! Left out: `getSocket()` (needs ext-sockets), `swoole_client_select()`,
//! the socks5/HTTP proxy settings, DTLS.

pub mod co_socket;
pub mod co_tcp_server;
mod conn;
pub(crate) use conn::{bound_fatal, Bound};
pub mod coro;
pub use conn::{accept_loop, Conn, ListenArgs, SharedConn};
pub mod http;
mod io;
mod ssl;

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::ffi::{self, zend_object};
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::{self, Args};
use super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::errors;
use super::zend::{self, zarray, zlong, zstr};
use crate::protocol::framing::Framing;
use crate::runtime::client::{codes, options, socket, state, tls};
use socket::{Kind, Sock, FLAG_KEEP, FLAG_SSL};
use state::{Client, Connected};

pub static CLIENT: ClassSlot = ClassSlot::new();
pub static CLIENT_EXCEPTION: ClassSlot = ClassSlot::new();

thread_local! {
    /// Connections by client object handle.
    static CLIENTS: RefCell<HashMap<u32, Client>> = RefCell::new(HashMap::new());
}

/// A refused peer certificate's line, in Swoole's log (a notice from
/// `Socket::ssl_verify()`, a warning from `ssl_check_host()`).
fn log_refusal(notice: bool, line: &str) {
    if notice {
        errors::log_notice(line);
    } else {
        errors::log_warning(line);
    }
}

pub fn register(exception: *mut ext_php_rs::ffi::zend_class_entry) {
    tls::set_refusal_log(log_refusal);
    let mut c = Class::new("Swoole\\Client");
    c.constants = vec![
        ("MSG_OOB", i64::from(libc::MSG_OOB)),
        ("MSG_PEEK", i64::from(libc::MSG_PEEK)),
        ("MSG_DONTWAIT", i64::from(libc::MSG_DONTWAIT)),
        ("MSG_WAITALL", i64::from(libc::MSG_WAITALL)),
        ("SHUT_RDWR", i64::from(libc::SHUT_RDWR)),
        ("SHUT_RD", i64::from(libc::SHUT_RD)),
        ("SHUT_WR", i64::from(libc::SHUT_WR)),
    ];
    c.props = vec![
        ("errCode", Default::Long(0), PUBLIC),
        ("sock", Default::Long(-1), PUBLIC),
        ("reuse", Default::Bool(false), PUBLIC),
        ("reuseCount", Default::Long(0), PUBLIC),
        ("type", Default::Long(0), PUBLIC),
        ("id", Default::Null, PUBLIC),
        ("setting", Default::Null, PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            c_construct,
            "int $type, bool $async = SWOOLE_SOCK_SYNC, string $id = ''",
            "",
        ),
        m("__destruct", c_destruct, "", ""),
        m("set", c_set, "array $settings", "bool"),
        m(
            "connect",
            c_connect,
            "string $host, int $port = 0, float $timeout = 0.5, int $sock_flag = 0",
            "bool",
        ),
        m(
            "recv",
            io::c_recv,
            "int $size = 65536, int $flag = 0",
            "string|false",
        ),
        m(
            "send",
            io::c_send,
            "string $data, int $flag = 0",
            "false|int",
        ),
        m(
            "sendfile",
            io::c_sendfile,
            "string $filename, int $offset = 0, int $length = 0",
            "bool",
        ),
        m(
            "sendto",
            io::c_sendto,
            "string $ip, int $port, string $data",
            "bool",
        ),
        m("shutdown", io::c_shutdown, "int $how", "bool"),
        m(
            "enableSSL",
            ssl::c_enable_ssl,
            "?callable $onSslReady = null",
            "bool",
        ),
        m("getPeerCert", ssl::c_get_peer_cert, "", "string|bool"),
        m("verifyPeerCert", ssl::c_verify_peer_cert, "", "bool"),
        m("isConnected", c_is_connected, "", "bool"),
        m("getsockname", c_getsockname, "", "array|false"),
        m("getpeername", c_getpeername, "", "array|false"),
        m("close", c_close, "bool $force = false", "bool"),
    ];
    CLIENT.set(c.register());

    let mut e = Class::new("Swoole\\Client\\Exception");
    e.parent = Some(exception);
    CLIENT_EXCEPTION.set(e.register());
    super::classes::alias("swoole_client", CLIENT.get());
    coro::register();
    http::register(exception);
    co_socket::register(exception);
    co_tcp_server::register();
}

/// A `Coroutine\Socket` object over an open unix socket (a process's
/// pipe); None if it is not one.
pub fn socket_from_fd(fd: std::os::fd::OwnedFd) -> Option<Zval> {
    let sock = socket2::Socket::from(fd);
    let kind = match sock.r#type().ok()? {
        socket2::Type::STREAM => Kind::UnixStream,
        socket2::Type::DGRAM => Kind::UnixDgram,
        _ => return None,
    };
    let sock = Sock::from_socket(sock, kind)
        .with_wait_hook(super::coroutine::io::wait_fd)
        .ok()?;
    let mut client = Client::new(sock, false, false, String::new());
    client.active = true;
    Some(co_socket::object_for(Conn::new(client)))
}

/// RSHUTDOWN: ends the connections that client objects still hold. After a
/// fatal error PHP runs no destructors (`php_error_cb` marks every object
/// destructed), so without this a PHP-FPM worker would keep those sockets
/// open for as long as it lives. Each goes the way `__destruct` would have
/// sent it: a live SWOOLE_KEEP connection to the pool, which outlives the
/// request as Swoole's persistent connections do; any other one closed.
pub fn request_shutdown() {
    let left = CLIENTS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    for c in left.into_values() {
        release(c, false);
    }
    coro::request_shutdown();
    http::request_shutdown();
    co_socket::request_shutdown();
    co_tcp_server::request_shutdown();
}

// ---- plumbing ---------------------------------------------------------------

pub(super) fn this(ex: &mut ExecuteData) -> Option<(u32, *mut zend_object)> {
    zend::this_object(ex)
}

pub(super) fn take(h: u32) -> Option<Client> {
    CLIENTS.with(|c| c.borrow_mut().remove(&h))
}

pub(super) fn put(h: u32, client: Client) {
    let old = CLIENTS.with(|c| c.borrow_mut().insert(h, client));
    drop(old);
}

fn has(h: u32) -> bool {
    CLIENTS.with(|c| c.borrow().contains_key(&h))
}

pub(super) fn set_err_code(o: *mut zend_object, code: i64) {
    zend::set_prop(o, "errCode", zlong(code));
}

/// `swoole_strerror()`'s text for a code a client set: the client's own
/// words, else the server's ([`errors::strerror`]).
pub(super) fn strerror(code: i64) -> String {
    codes::text(code).unwrap_or_else(|| errors::strerror(code))
}

/// `php_swoole_fatal_error(E_WARNING, ...)`: the warning, last error 503.
pub(super) fn fatal_warning(msg: &str) {
    errors::set_last_error(codes::PHP_FATAL_ERROR);
    zend::warning_docref(msg);
}

/// `php_swoole_error(E_WARNING, ...)`: the warning, last error 510.
pub(super) fn notice_warning(msg: &str) {
    errors::set_last_error(codes::PHP_RUNTIME_NOTICE);
    zend::warning_docref(msg);
}

/// `php_swoole_sys_error(E_WARNING, ...)`: the warning with the error's
/// text and number; the last error is the code.
pub(super) fn sys_warning(msg: &str, code: i64) {
    errors::set_last_error(code);
    zend::warning_docref(&format!("{msg}, Error: {}[{code}]", strerror(code)));
}

/// `php_swoole_fatal_error(E_ERROR, ...)`: a fatal error, which ends the
/// script (the engine jumps out of this call).
pub(super) fn fatal_error(msg: String) {
    errors::set_last_error(codes::PHP_FATAL_ERROR);
    let m = std::ffi::CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    drop(msg);
    // Nothing in this frame or its callers up to the engine needs dropping:
    // the message is handed over as a raw pointer (leaked: the request is
    // ending).
    let p = m.into_raw();
    // SAFETY: format "%s" with one NUL-terminated string; E_ERROR bails
    // out to the engine's last try/catch, and every caller between here and
    // the engine has released what it held (see c_connect).
    unsafe {
        ffi::php_error_docref(std::ptr::null(), 1 /* E_ERROR */, c"%s".as_ptr(), p)
    };
}

/// A float argument (ints and numeric values convert, as in weak mode).
fn double_or(ex: &mut ExecuteData, args: &Args, i: usize, name: &str, default: f64) -> Option<f64> {
    if i >= args.len() {
        return Some(default);
    }
    let z = args.get(i)?;
    if let Some(d) = z.double() {
        return Some(d);
    }
    if let Some(l) = z.long() {
        return Some(l as f64);
    }
    if let Some(b) = z.bool() {
        return Some(f64::from(u8::from(b)));
    }
    if z.is_null() {
        return Some(0.0);
    }
    if let Some(v) = zend::str_bytes(z).and_then(args::numeric_string) {
        return Some(v);
    }
    let ex: *mut ffi::zend_execute_data = ex;
    zend::throw_type_error(&format!(
        "{}(): Argument #{} (${}) must be of type float, {} given",
        args::function_name(ex),
        i + 1,
        name,
        args::type_name(z)
    ));
    None
}

/// Swoole's `php_swoole_client_get_cli_safe`: the connected client taken
/// out of the map (put it back with [`put`]), or the "not connected"
/// warning and errCode 5001.
pub(super) fn connected(h: u32, o: *mut zend_object) -> Option<Client> {
    if let Some(mut c) = take(h) {
        if c.active {
            return Some(c);
        }
        if c.async_connect {
            if c.finish_async_connect() {
                return Some(c);
            }
            // The non-blocking connect failed: the client is freed.
        } else {
            put(h, c);
        }
    }
    errors::set_last_error(codes::CLIENT_NO_CONNECTION);
    set_err_code(o, codes::CLIENT_NO_CONNECTION);
    notice_warning("client is not connected to server");
    None
}

/// The `setting` property as (key, value) pairs.
pub(super) fn settings_of(
    o: *mut zend_object,
) -> Option<Vec<(String, crate::runtime::settings::SettingValue)>> {
    let a = zend::get_prop(o, "setting")?.array()?;
    Some(
        a.iter()
            .map(|(k, v)| (k.to_string(), super::server::setting_value(v)))
            .collect(),
    )
}

/// A client's settings as its framing takes them: as [`settings_of`],
/// with `package_length_func` as whether it is callable (the client calls
/// it; see [`length_func`]).
pub(super) fn framing_settings_of(
    o: *mut zend_object,
) -> Option<Vec<(String, crate::runtime::settings::SettingValue)>> {
    let mut items = settings_of(o)?;
    for (k, v) in &mut items {
        if k == "package_length_func" {
            let callable = zend::get_prop(o, "setting")
                .and_then(|z| z.array())
                .and_then(|a| a.get("package_length_func"))
                .and_then(zend::Callback::new)
                .is_some();
            *v = crate::runtime::settings::SettingValue::Bool(callable);
        }
    }
    Some(items)
}

/// `package_length_func` as the client's framing asks it: the script's
/// function with the buffered bytes; what it returns, as a length.
pub(super) fn length_func(o: *mut zend_object) -> Option<state::LengthFunc> {
    let cb = zend::get_prop(o, "setting")?
        .array()?
        .get("package_length_func")
        .and_then(zend::Callback::new)?;
    Some(Box::new(move |data: &[u8]| {
        let mut length = -1;
        let _ = cb.call_with(&mut [zstr(data)], |ret| {
            length = ret
                .long()
                .or_else(|| ret.double().map(|d| d as i64))
                .unwrap_or(-1);
        });
        length
    }))
}

fn name_array(port: i64, host: &str) -> Zval {
    let mut a = ZendHashTable::new();
    zend::ht_set(&mut a, "port", zlong(port));
    zend::ht_set(&mut a, "host", zstr(host));
    zarray(a)
}

// ---- methods ----------------------------------------------------------------

fn c_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(ty) = args.long(0, "type") else {
        return;
    };
    let Some(is_async) = args.bool_or(1, "async", false) else {
        return;
    };
    let id = if args.len() >= 3 {
        match args.bytes(2, "id") {
            Some(id) => Some(id),
            None => return,
        }
    } else {
        None
    };
    if is_async {
        // SAFETY: reading an engine global class entry pointer.
        let error = unsafe { ffi::zend_ce_error };
        zend::throw(error, "The $async parameter is not supported", 0);
        return;
    }
    if Kind::from_type(ty).is_err() {
        zend::throw_type_error(&format!(
            "Swoole\\Client::__construct() expects parameter 1 to be client type, unknown type {ty} given"
        ));
        return;
    }
    let Some((h, o)) = this(ex) else { return };
    if let Some(old) = take(h) {
        old.close();
    }
    zend::set_prop(o, "type", zlong(ty));
    if let Some(id) = id {
        zend::set_prop(o, "id", zstr(id));
    }
}

fn c_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    if let Some(c) = take(h) {
        release(c, false);
    }
}

/// close(): ends the connection, or keeps a SWOOLE_KEEP one for the next
/// connect() to the same place.
fn release(c: Client, force: bool) {
    c.release(force, errors::last_error());
}

fn c_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.get(0).and_then(|z| z.array()) else {
        rv.set_bool(false);
        return;
    };
    let Some((_, o)) = this(ex) else { return };
    let mut merged = match zend::get_prop(o, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    for (k, v) in settings.iter() {
        let _ = match k {
            ArrayKey::Long(_) => merged.push(zend::zcopy(v)),
            key => merged.insert(key.to_string().as_str(), zend::zcopy(v)),
        };
    }
    zend::set_prop(o, "setting", zarray(merged));
    rv.set_bool(true);
}

fn c_connect(ex: &mut ExecuteData, rv: &mut Zval) {
    // A fatal error leaves the engine by a jump: everything connect()
    // allocated is dropped before it is raised.
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
    let Some(timeout) = double_or(ex, &args, 2, "timeout", 0.5) else {
        return Ok(());
    };
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
    if has(h) {
        fatal_warning("connection to the server has already been established");
        return Ok(());
    }
    let ty = zend::get_prop(o, "type")
        .and_then(|z| z.long())
        .unwrap_or(0);
    let Ok(kind) = Kind::from_type(ty) else {
        fatal_warning("failed to get swoole_client->type");
        return Ok(());
    };
    if kind.is_tcp() && !(0..=65535).contains(&port) {
        fatal_warning("The port is invalid");
        errors::set_last_error(codes::INVALID_PARAMS);
        return Ok(());
    }
    let keep = ty & FLAG_KEEP != 0;
    let key = match zend::get_prop(o, "id").and_then(zend::str_bytes) {
        Some(id) if !id.is_empty() => String::from_utf8_lossy(id).into_owned(),
        _ => format!("{host}:{port}"),
    };
    if keep {
        if let Some(mut c) = state::pool_take(&key) {
            if let Some(f) = length_func(o) {
                c.set_length_func(f);
            }
            c.reuse_count += 1;
            zend::set_prop(o, "reuseCount", zlong(c.reuse_count));
            zend::set_prop(o, "sock", zlong(c.sock.fd()));
            zend::set_prop(o, "reuse", zend::zbool(true));
            put(h, c);
            rv.set_bool(true);
            return Ok(());
        }
    }
    let ssl = ty & FLAG_SSL != 0;
    let opts = match framing_settings_of(o) {
        Some(items) => Some(options::parse(&items, ssl)?),
        None => None,
    };
    let sock = match Sock::new(kind) {
        Ok(s) => s,
        Err(code) => {
            set_err_code(o, code);
            sys_warning("Client_create() failed", code);
            return Ok(());
        }
    };
    zend::set_prop(o, "sock", zlong(sock.fd()));
    let mut c = Client::new(sock, ssl, keep, key);
    if let Some(opts) = &opts {
        for key in &opts.unsupported {
            zend::warning_docref(&format!(
                "the '{key}' setting is not supported by swoole-rs and is ignored"
            ));
        }
        errors::set_last_error(0);
        if let Some(f) = length_func(o).filter(|_| opts.framing == Framing::LengthFunc) {
            c.set_length_func(f);
        }
        if let Err(code) = c.apply(opts) {
            errors::set_last_error(code);
            set_err_code(o, code);
            // Swoole keeps the unconnected client: connect() again says
            // it is established, close() closes it.
            put(h, c);
            return Ok(());
        }
    }
    c.sock.timeouts.set_all(timeout);
    match c.connect(&host, port, sock_flag) {
        Ok(Connected::Yes) => {
            put(h, c);
            rv.set_bool(true);
        }
        Ok(Connected::InProgress) => {
            let code = i64::from(libc::EINPROGRESS);
            errors::set_last_error(code);
            set_err_code(o, code);
            put(h, c);
            rv.set_bool(true);
        }
        Err(code) => {
            drop(c);
            errors::set_last_error(code);
            set_err_code(o, code);
            zend::warning_docref(&format!(
                "connect to server[{host}:{port}] failed. Error: {}[{code}]",
                strerror(code)
            ));
        }
    }
    Ok(())
}

fn c_is_connected(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    rv.set_bool(CLIENTS.with(|c| c.borrow().get(&h).is_some_and(|c| c.active)));
}

fn c_getsockname(ex: &mut ExecuteData, rv: &mut Zval) {
    sock_name(ex, rv, true);
}

fn c_getpeername(ex: &mut ExecuteData, rv: &mut Zval) {
    sock_name(ex, rv, false);
}

fn sock_name(ex: &mut ExecuteData, rv: &mut Zval, local: bool) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let Some(c) = connected(h, o) else {
        return;
    };
    let r = if local {
        c.sock.local_name()
    } else {
        c.sock.peer_name()
    };
    put(h, c);
    match r {
        Ok((port, host)) => *rv = name_array(port, &host),
        Err(code) => {
            let what = if local { "getsockname" } else { "getpeername" };
            sys_warning(&format!("{what}() failed"), code);
            set_err_code(o, code);
        }
    }
}

fn c_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(force) = args.bool_or(0, "force", false) else {
        return;
    };
    rv.set_bool(false);
    let Some((h, _)) = this(ex) else { return };
    let Some(c) = take(h) else {
        fatal_warning("client is not connected to the server");
        return;
    };
    release(c, force);
    rv.set_bool(true);
}
