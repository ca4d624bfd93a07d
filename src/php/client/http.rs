//! `Swoole\Coroutine\Http\Client` (`Co\Http\Client`): HTTP/1.1 with
//! keep-alive, and a WebSocket client after `upgrade()`.
//!
//! The request lives in the object's properties, as in Swoole
//! (`requestMethod`, `requestHeaders`, `requestBody`, `cookies`, ...); this
//! layer reads them into the pure request of
//! [`protocol::http_client`](crate::protocol::http_client) and writes the
//! response back into `statusCode`, `headers`, `set_cookie_headers`,
//! `cookies` and `body`. The connection ([`HttpConn`]) waits as every
//! coroutine socket does: the calling coroutine suspends, the worker goes
//! on.
//!
//! Where Swoole's behaviour breaks an RFC we follow the RFC (README): a
//! client that does not keep the connection sends `Connection: close`
//! (Swoole: "closed"), interim 1xx responses are skipped rather than
//! returned in place of the real one, automatic pongs and close echoes are
//! always masked. `Accept-Encoding` offers gzip and deflate (no brotli
//! here). Left out: `write_func`, `max_retries`, proxies, the
//! `permessage-deflate` offer (`websocket_compression`), the `socket`
//! property (no `Coroutine\Socket` yet).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::super::coroutine::{self, io};
use super::super::frame;
use super::super::zend::{self, zarray, zbool, zlong, znull, zstr, Callback};
use super::coro::set_error;
use super::{settings_of, this};
use crate::protocol::frame::opcode;
use crate::protocol::http_client::{
    base64, cookie_value, encode_request, parse_set_cookie, request_headers, RequestBody,
    RequestHead, Response,
};
use crate::runtime::client::http::{ControlFrames, Failure, HttpConn};
use crate::runtime::client::options;
use crate::runtime::client::socket::{Kind, Sock};
use crate::runtime::client::state::Client;

pub static HTTP_CLIENT: ClassSlot = ClassSlot::new();
pub static HTTP_CLIENT_EXCEPTION: ClassSlot = ClassSlot::new();

/// SW_ERROR_CLIENT_NO_CONNECTION, SW_ERROR_INVALID_PARAMS,
/// SW_ERROR_PHP_FATAL_ERROR, SW_ERROR_WEBSOCKET_PACK_FAILED,
/// SW_ERROR_SSL_EMPTY_PEER_CERTIFICATE.
const NO_CONNECTION: i64 = 5001;
use crate::php::errors::INVALID_PARAMS;
const PHP_FATAL_ERROR: i64 = 503;
const WEBSOCKET_PACK_FAILED: i64 = 8505;
const SSL_EMPTY_PEER_CERT: i64 = 1013;

/// One client object's connection and what is not a property.
#[derive(Default)]
struct State {
    conn: Option<HttpConn>,
    /// `setDefer()`: requests only send; `recv()` reads the response.
    defer: bool,
    /// A deferred request waits for `recv()` (true: it was HEAD).
    pending: Option<bool>,
    basic_auth: Option<String>,
    /// The last request's head (`getHeaderOut()`).
    head_out: Option<Vec<u8>>,
    /// A response said `Connection: close`: Swoole then closes after
    /// every response until one carries another Connection value.
    close_seen: bool,
}

type Shared = Rc<RefCell<State>>;

thread_local! {
    static CLIENTS: RefCell<HashMap<u32, Shared>> = RefCell::new(HashMap::new());
}

pub fn register(base_exception: *mut ext_php_rs::ffi::zend_class_entry) {
    let mut c = Class::new("Swoole\\Coroutine\\Http\\Client");
    c.props = vec![
        ("socket", Default::Null, PUBLIC),
        ("errCode", Default::Long(0), PUBLIC),
        ("errMsg", Default::Str(""), PUBLIC),
        ("connected", Default::Bool(false), PUBLIC),
        ("host", Default::Str(""), PUBLIC),
        ("port", Default::Long(0), PUBLIC),
        ("ssl", Default::Bool(false), PUBLIC),
        ("setting", Default::Null, PUBLIC),
        ("requestMethod", Default::Null, PUBLIC),
        ("requestHeaders", Default::Null, PUBLIC),
        ("requestBody", Default::Null, PUBLIC),
        ("uploadFiles", Default::Null, PUBLIC),
        ("downloadFile", Default::Null, PUBLIC),
        ("downloadOffset", Default::Long(0), PUBLIC),
        ("statusCode", Default::Long(0), PUBLIC),
        ("headers", Default::Null, PUBLIC),
        ("set_cookie_headers", Default::Null, PUBLIC),
        ("cookies", Default::Null, PUBLIC),
        ("body", Default::Str(""), PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            hc_construct,
            "string $host, int $port = 0, bool $ssl = false",
            "",
        ),
        m("__destruct", hc_destruct, "", ""),
        m("set", hc_set, "array $settings", "bool"),
        m("getDefer", hc_get_defer, "", "bool"),
        m("setDefer", hc_set_defer, "bool $defer = true", "bool"),
        m("setMethod", hc_set_method, "string $method", "bool"),
        m("setHeaders", hc_set_headers, "array $headers", "bool"),
        m(
            "setBasicAuth",
            hc_set_basic_auth,
            "string $username, string $password",
            "void",
        ),
        m("setCookies", hc_set_cookies, "array $cookies", "bool"),
        m("setData", hc_set_data, "array|string $data", "bool"),
        m(
            "addFile",
            hc_add_file,
            "string $path, string $name, ?string $type = null, ?string $filename = null, int $offset = 0, int $length = 0",
            "bool",
        ),
        m(
            "addData",
            hc_add_data,
            "string $path, string $name, ?string $type = null, ?string $filename = null",
            "bool",
        ),
        m("execute", hc_execute, "string $path", "bool"),
        m("getpeername", hc_getpeername, "", "array|false"),
        m("getsockname", hc_getsockname, "", "array|false"),
        m("get", hc_get, "string $path", "bool"),
        m("post", hc_post, "string $path, mixed $data", "bool"),
        m(
            "download",
            hc_download,
            "string $path, string $file, int $offset = 0",
            "bool",
        ),
        m("getBody", hc_get_body, "", "string|false"),
        m("getHeaders", hc_get_headers, "", "array|false|null"),
        m("getCookies", hc_get_cookies, "", "array|false|null"),
        m("getStatusCode", hc_get_status_code, "", "int|false"),
        m("getHeaderOut", hc_get_header_out, "", "string|false"),
        m("getPeerCert", hc_get_peer_cert, "", "string|false"),
        m("upgrade", hc_upgrade, "string $path", "bool"),
        m(
            "push",
            hc_push,
            "mixed $data, int $opcode = SWOOLE_WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN",
            "bool",
        ),
        m(
            "recv",
            hc_recv,
            "float $timeout = 0",
            "Swoole\\WebSocket\\Frame|string|bool",
        ),
        m("close", hc_close, "", "bool"),
        m("ping", hc_ping, "string $data = ''", "bool"),
        m(
            "disconnect",
            hc_disconnect,
            "int $code = SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''",
            "bool",
        ),
    ];
    HTTP_CLIENT.set(c.register());
    super::super::classes::alias("Co\\Http\\Client", HTTP_CLIENT.get());
    let mut e = Class::new("Swoole\\Coroutine\\Http\\Client\\Exception");
    e.parent = Some(base_exception);
    HTTP_CLIENT_EXCEPTION.set(e.register());
    super::super::classes::alias("Co\\Http\\Client\\Exception", HTTP_CLIENT_EXCEPTION.get());
}

pub fn request_shutdown() {
    let left = CLIENTS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(left);
}

// ---- plumbing ---------------------------------------------------------------

fn state(h: u32) -> Shared {
    CLIENTS.with(|c| c.borrow_mut().entry(h).or_default().clone())
}

fn prop<'a>(o: *mut zend_object, name: &str) -> Option<&'a Zval> {
    zend::get_prop(o, name).filter(|z| !z.is_null())
}

fn setting<'a>(o: *mut zend_object, key: &str) -> Option<&'a Zval> {
    prop(o, "setting")?.array()?.get(key)
}

fn setting_bool(o: *mut zend_object, key: &str, default: bool) -> bool {
    setting(o, key).map_or(default, |z| {
        z.bool()
            .or_else(|| z.long().map(|l| l != 0))
            .unwrap_or(default)
    })
}

fn setting_float(o: *mut zend_object, key: &str) -> Option<f64> {
    setting(o, key).and_then(|z| z.double().or_else(|| z.long().map(|l| l as f64)))
}

/// A value as PHP's string cast gives it.
fn to_bytes(z: &Zval) -> Vec<u8> {
    if let Some(b) = zend::str_bytes(z) {
        return b.to_vec();
    }
    if let Some(l) = z.long() {
        return l.to_string().into_bytes();
    }
    if let Some(b) = z.bool() {
        return if b { b"1".to_vec() } else { Vec::new() };
    }
    if z.is_null() {
        return Vec::new();
    }
    if z.is_array() {
        return b"Array".to_vec();
    }
    z.coerce_to_string().unwrap_or_default().into_bytes()
}

/// The connection borrowed for a call; false with 5001 when there is none.
fn with_conn<R>(o: *mut zend_object, st: &Shared, f: impl FnOnce(&mut HttpConn) -> R) -> Option<R> {
    let Ok(mut s) = st.try_borrow_mut() else {
        set_error(o, 10002);
        return None;
    };
    match s.conn.as_mut() {
        Some(c) => Some(f(c)),
        None => {
            set_error(o, NO_CONNECTION);
            None
        }
    }
}

fn drop_conn(o: *mut zend_object, st: &Shared) {
    if let Ok(mut s) = st.try_borrow_mut() {
        s.conn = None;
        s.pending = None;
    }
    zend::set_prop(o, "connected", zbool(false));
}

// ---- constructor, settings, setters ----------------------------------------

fn hc_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(host) = args.bytes(0, "host") else {
        return;
    };
    let Some(port) = args.long_or(1, "port", 0) else {
        return;
    };
    let Some(ssl) = args.bool_or(2, "ssl", false) else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    CLIENTS.with(|c| c.borrow_mut().remove(&h));
    zend::set_prop(o, "host", zstr(&host));
    zend::set_prop(o, "port", zlong(port));
    zend::set_prop(o, "ssl", zbool(ssl));
    if host.is_empty() {
        zend::throw(
            HTTP_CLIENT_EXCEPTION.get(),
            "host is empty",
            i64::from(libc::EINVAL),
        );
    }
}

fn hc_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    let gone = CLIENTS.with(|c| c.borrow_mut().remove(&h));
    drop(gone);
}

fn hc_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.array(0, "settings") else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    if settings.is_empty() {
        rv.set_bool(false);
        return;
    }
    if let Some(f) = settings.get("write_func") {
        if Callback::new(f).is_none() {
            zend::warning_docref(&format!(
                "function '{}' is not callable",
                String::from_utf8_lossy(&to_bytes(f))
            ));
        }
    }
    let mut merged = match prop(o, "setting").and_then(|z| z.array()) {
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
    if let Some(d) = settings.get("defer") {
        state(h).borrow_mut().defer = d.bool().unwrap_or(false);
    }
    // A connection takes new timeouts and masking at once.
    let st = state(h);
    let mask = setting_bool(o, "websocket_mask", true);
    let timeouts = timeouts_of(o);
    if let Ok(mut s) = st.try_borrow_mut() {
        if let Some(c) = s.conn.as_mut() {
            c.mask = mask;
            c.client.sock.timeouts.read = timeouts.1;
            c.client.sock.timeouts.write = timeouts.1;
        }
    }
    rv.set_bool(true);
}

/// (connect, read/write) timeouts: `connect_timeout` (else 10 s) and
/// `timeout` (else 60 s); -1 waits forever.
fn timeouts_of(o: *mut zend_object) -> (f64, f64) {
    let connect = setting_float(o, "connect_timeout")
        .filter(|t| *t != 0.0)
        .unwrap_or(10.0);
    let rw = setting_float(o, "timeout")
        .filter(|t| *t != 0.0)
        .unwrap_or(60.0);
    (connect, rw)
}

fn hc_get_defer(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    rv.set_bool(state(h).borrow().defer);
}

fn hc_set_defer(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(defer) = args.bool_or(0, "defer", true) else {
        return;
    };
    let Some((h, _)) = this(ex) else { return };
    state(h).borrow_mut().defer = defer;
    rv.set_bool(true);
}

/// A setter: the first argument, as given, into property `name`.
fn set_prop_arg(ex: &mut ExecuteData, rv: &mut Zval, name: &str, arg: &str, array: bool) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let v = if array {
        match args.array(0, arg) {
            Some(a) => zarray(a.to_owned()),
            None => return,
        }
    } else {
        match args.get(0) {
            Some(v) => zend::zcopy(v),
            None => return,
        }
    };
    let Some((_, o)) = this(ex) else { return };
    zend::set_prop(o, name, v);
    rv.set_bool(true);
}

fn hc_set_method(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(method) = args.bytes(0, "method") else {
        return;
    };
    let Some((_, o)) = this(ex) else { return };
    zend::set_prop(o, "requestMethod", zstr(method));
    rv.set_bool(true);
}

fn hc_set_headers(ex: &mut ExecuteData, rv: &mut Zval) {
    set_prop_arg(ex, rv, "requestHeaders", "headers", true);
}

fn hc_set_cookies(ex: &mut ExecuteData, rv: &mut Zval) {
    set_prop_arg(ex, rv, "cookies", "cookies", true);
}

fn hc_set_data(ex: &mut ExecuteData, rv: &mut Zval) {
    set_prop_arg(ex, rv, "requestBody", "data", false);
}

fn hc_set_basic_auth(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let (Some(user), Some(pass)) = (args.bytes(0, "username"), args.bytes(1, "password")) else {
        return;
    };
    let Some((h, _)) = this(ex) else { return };
    let mut both = user;
    both.push(b':');
    both.extend_from_slice(&pass);
    state(h).borrow_mut().basic_auth = Some(base64(&both));
    rv.set_null();
}

/// Appends one entry to `uploadFiles`.
fn add_upload(o: *mut zend_object, entry: Zval) {
    let mut files = match prop(o, "uploadFiles").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let _ = files.push(entry);
    zend::set_prop(o, "uploadFiles", zarray(files));
}

fn opt_string(args: &Args, i: usize) -> Option<Vec<u8>> {
    args.get(i).filter(|z| !z.is_null()).map(to_bytes)
}

fn hc_add_file(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 6) else {
        return;
    };
    let (Some(path), Some(name)) = (args.string(0, "path"), args.bytes(1, "name")) else {
        return;
    };
    let ty = opt_string(&args, 2).unwrap_or_default();
    let filename = opt_string(&args, 3).unwrap_or_default();
    let Some(offset) = args.long_or(4, "offset", 0) else {
        return;
    };
    let Some(length) = args.long_or(5, "length", 0) else {
        return;
    };
    let (offset, length) = (offset.max(0), length.max(0));
    rv.set_bool(false);
    let size = match std::fs::metadata(&path) {
        Ok(m) => m.len() as i64,
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(libc::ENOENT);
            zend::warning_docref(&format!(
                "stat({path}) failed, Error: {}[{code}]",
                super::super::errors::os_error_text(code)
            ));
            return;
        }
    };
    if size == 0 {
        zend::warning_docref(&format!(
            "cannot send empty file[{}]",
            if filename.is_empty() {
                "(null)".to_string()
            } else {
                String::from_utf8_lossy(&filename).into_owned()
            }
        ));
        return;
    }
    if offset >= size {
        zend::warning_docref(&format!(
            "parameter $offset[{offset}] exceeds the file size"
        ));
        return;
    }
    if length > size - offset {
        zend::warning_docref(&format!(
            "parameter $length[{length}] exceeds the file size"
        ));
        return;
    }
    let length = if length == 0 { size - offset } else { length };
    let ty = if ty.is_empty() {
        crate::protocol::mime::for_path(&path).as_bytes().to_vec()
    } else {
        ty
    };
    let filename = if filename.is_empty() {
        std::path::Path::new(&path)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned().into_bytes())
            .unwrap_or_default()
    } else {
        filename
    };
    let Some((_, o)) = this(ex) else { return };
    let mut e = ZendHashTable::new();
    zend::ht_set(&mut e, "path", zstr(path.as_bytes()));
    zend::ht_set(&mut e, "name", zstr(&name));
    zend::ht_set(&mut e, "filename", zstr(&filename));
    zend::ht_set(&mut e, "type", zstr(&ty));
    zend::ht_set(&mut e, "size", zlong(length));
    zend::ht_set(&mut e, "offset", zlong(offset));
    add_upload(o, zarray(e));
    rv.set_bool(true);
}

fn hc_add_data(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 4) else {
        return;
    };
    let (Some(data), Some(name)) = (args.bytes(0, "path"), args.bytes(1, "name")) else {
        return;
    };
    let ty = opt_string(&args, 2)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| b"application/octet-stream".to_vec());
    let filename = opt_string(&args, 3)
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| name.clone());
    let Some((_, o)) = this(ex) else { return };
    let mut e = ZendHashTable::new();
    let size = data.len() as i64;
    zend::ht_set(&mut e, "content", zstr(&data));
    zend::ht_set(&mut e, "name", zstr(&name));
    zend::ht_set(&mut e, "filename", zstr(&filename));
    zend::ht_set(&mut e, "type", zstr(&ty));
    zend::ht_set(&mut e, "size", zlong(size));
    add_upload(o, zarray(e));
    rv.set_bool(true);
}

// ---- requests -----------------------------------------------------------------

fn hc_get(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(path) = args.bytes(0, "path") else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    zend::set_prop(o, "requestMethod", zstr("GET"));
    execute(h, o, rv, &path);
}

fn hc_post(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(path) = args.bytes(0, "path") else {
        return;
    };
    let Some(data) = args.get(1).map(zend::zcopy) else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    zend::set_prop(o, "requestMethod", zstr("POST"));
    zend::set_prop(o, "requestBody", data);
    execute(h, o, rv, &path);
}

fn hc_execute(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(path) = args.bytes(0, "path") else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    execute(h, o, rv, &path);
}

fn hc_download(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let (Some(path), Some(file)) = (args.bytes(0, "path"), args.bytes(1, "file")) else {
        return;
    };
    let Some(offset) = args.long_or(2, "offset", 0) else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    zend::set_prop(o, "downloadFile", zstr(&file));
    zend::set_prop(o, "downloadOffset", zlong(offset));
    execute(h, o, rv, &path);
}

/// `SWOOLE_HTTP_CLIENT_ESTATUS_*` and the error of a failed request; the
/// connection is closed.
fn fail(o: *mut zend_object, st: &Shared, f: Failure) {
    zend::set_prop(o, "statusCode", zlong(f.status()));
    set_error(o, f.code());
    drop_conn(o, st);
}

/// The target of the constructor's host: a unix socket path for
/// `unix:/path`, else (host, port with the scheme's default).
fn target(o: *mut zend_object) -> (Kind, String, i64, bool) {
    let host = prop(o, "host").map(to_bytes).unwrap_or_default();
    let host = String::from_utf8_lossy(&host).into_owned();
    let ssl = prop(o, "ssl").and_then(|z| z.bool()).unwrap_or(false);
    let port = prop(o, "port").and_then(|z| z.long()).unwrap_or(0);
    if let Some(path) = host.strip_prefix("unix:") {
        let mut path = path;
        while path.starts_with("//") {
            path = &path[1..];
        }
        return (Kind::UnixStream, path.to_string(), 0, ssl);
    }
    let port = if port == 0 {
        if ssl {
            443
        } else {
            80
        }
    } else {
        port
    };
    let kind = if host.contains(':') {
        Kind::Tcp6
    } else {
        Kind::Tcp
    };
    (kind, host, port, ssl)
}

/// A fresh connection to the client's host; its errno on failure.
fn connect(o: *mut zend_object) -> Result<HttpConn, i64> {
    let (kind, host, port, ssl) = target(o);
    let sock = Sock::new(kind).and_then(|s| s.with_wait_hook(io::wait_fd))?;
    let mut c = Client::new(sock, ssl, false, String::new());
    let items = settings_of(o).unwrap_or_default();
    if let Ok(opts) = options::parse(&items, ssl) {
        c.apply(&opts)?;
    }
    let (connect, rw) = timeouts_of(o);
    c.sock.timeouts.connect = connect;
    c.sock.timeouts.read = rw;
    c.sock.timeouts.write = rw;
    c.connect(&host, port, 0)?;
    let mut conn = HttpConn::new(c);
    conn.mask = setting_bool(o, "websocket_mask", true);
    Ok(conn)
}

/// The request's body from `uploadFiles` and `requestBody`.
fn request_body(o: *mut zend_object) -> RequestBody {
    let body = prop(o, "requestBody");
    if let Some(files) = prop(o, "uploadFiles")
        .and_then(|z| z.array())
        .filter(|a| !a.is_empty())
    {
        return multipart(files, body.and_then(|b| b.array()));
    }
    match body {
        None => RequestBody::None,
        Some(b) if b.is_array() => {
            let mut out = Vec::new();
            if let Some(q) = Callback::new(&zstr("http_build_query")) {
                q.call_with(&mut [zend::zcopy(b)], |rv| out = to_bytes(rv));
            }
            RequestBody::Form(out)
        }
        Some(b) => RequestBody::Raw(to_bytes(b)),
    }
}

/// A multipart body: the array body's fields, then the files.
fn multipart(files: &ZendHashTable, fields: Option<&ZendHashTable>) -> RequestBody {
    let mut rnd = [0u8; 21];
    crate::runtime::random_bytes(&mut rnd);
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let tail: String = rnd
        .iter()
        .map(|b| char::from(ALNUM[usize::from(*b) % ALNUM.len()]))
        .collect();
    let boundary = format!("----SwooleBoundary{tail}");
    let mut body = Vec::new();
    for (k, v) in fields.into_iter().flat_map(|f| f.iter()) {
        if let ArrayKey::Long(_) = k {
            continue;
        }
        let name = k.to_string();
        if v.is_null() {
            continue;
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(&to_bytes(v));
        body.extend_from_slice(b"\r\n");
    }
    for f in files.values().filter_map(|z| z.array()) {
        let field = |k: &str| f.get(k).map(to_bytes).unwrap_or_default();
        let content = match f.get("content") {
            Some(c) => to_bytes(c),
            None => {
                let path = String::from_utf8_lossy(&field("path")).into_owned();
                let offset = f.get("offset").and_then(|z| z.long()).unwrap_or(0);
                let size = f.get("size").and_then(|z| z.long()).unwrap_or(0);
                read_range(&path, offset, size)
            }
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"").as_bytes(),
        );
        body.extend_from_slice(&field("name"));
        body.extend_from_slice(b"\"; filename=\"");
        body.extend_from_slice(&field("filename"));
        body.extend_from_slice(b"\"\r\nContent-Type: ");
        body.extend_from_slice(&field("type"));
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    RequestBody::Multipart { boundary, body }
}

fn read_range(path: &str, offset: i64, size: i64) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let mut out = Vec::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        if f.seek(SeekFrom::Start(offset.max(0) as u64)).is_ok() {
            let _ = f.take(size.max(0) as u64).read_to_end(&mut out);
        }
    }
    out
}

/// The script's headers: string keys with non-null values, as strings.
fn user_headers(o: *mut zend_object) -> Vec<(String, Vec<u8>)> {
    let Some(a) = prop(o, "requestHeaders").and_then(|z| z.array()) else {
        return Vec::new();
    };
    a.iter()
        .filter_map(|(k, v)| match k {
            ArrayKey::Long(_) => None,
            _ if v.is_null() => None,
            k => Some((k.to_string(), to_bytes(v))),
        })
        .collect()
}

/// The `Cookie` value when the cookies property is an array.
fn cookie_line(o: *mut zend_object) -> Option<Vec<u8>> {
    let a = prop(o, "cookies")?.array()?;
    let entries: Vec<Option<(String, Vec<u8>)>> = a
        .iter()
        .map(|(k, v)| {
            if let ArrayKey::Long(_) = k {
                return None;
            }
            let key = k.to_string();
            let v = to_bytes(v);
            (!v.is_empty()).then_some((key, v))
        })
        .collect();
    Some(cookie_value(&entries))
}

/// `execute()`: connects (or reuses the connection), sends the request
/// the properties describe, and unless deferred reads the response.
fn execute(h: u32, o: *mut zend_object, rv: &mut Zval, path: &[u8]) {
    rv.set_bool(false);
    if path.is_empty() {
        set_error(o, INVALID_PARAMS);
        return;
    }
    if coroutine::current() < 0 {
        coroutine::throw_out_of_coroutine();
        return;
    }
    let st = state(h);
    if st.try_borrow_mut().is_err() {
        zend::warning_docref(&format!(
            "the client is in use by another coroutine, it cannot be used by coroutine#{} at the same time",
            coroutine::current()
        ));
        set_error(o, 10002);
        return;
    }
    zend::set_prop(o, "headers", znull());
    zend::set_prop(o, "set_cookie_headers", znull());
    zend::set_prop(o, "body", zstr(""));

    let method = match prop(o, "requestMethod") {
        Some(m) => String::from_utf8_lossy(&to_bytes(m)).into_owned(),
        None if prop(o, "requestBody").is_some() => "POST".into(),
        None => "GET".into(),
    };
    let user = user_headers(o);
    let close_asked = user
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case(b"close"));
    let keep_alive = setting_bool(o, "keep_alive", true) && !close_asked;
    let (kind, host, port, ssl) = target(o);
    let default_host = match kind {
        Kind::UnixStream => host.clone(),
        _ if (port == 80 && !ssl) || (port == 443 && ssl) => host.clone(),
        _ => format!("{host}:{port}"),
    };
    let body = request_body(o);
    let basic_auth = st.borrow().basic_auth.clone();
    let head = RequestHead {
        default_host: &default_host,
        user: &user,
        basic_auth: basic_auth.as_deref(),
        keep_alive,
        compression: setting_bool(o, "http_compression", true),
        cookie: cookie_line(o),
    };
    let headers = request_headers(&head, &body);
    let bytes = encode_request(
        &method,
        &String::from_utf8_lossy(path),
        &headers,
        body.bytes(),
    );
    let head_len = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());

    let mut s = st.borrow_mut();
    // A kept connection the server has closed meanwhile is replaced.
    if s.conn.as_ref().is_some_and(|c| !c.reusable()) {
        s.conn = None;
    }
    if s.conn.is_none() {
        match connect(o) {
            Ok(c) => {
                s.conn = Some(c);
                zend::set_prop(o, "errCode", zlong(0));
                zend::set_prop(o, "errMsg", zstr(""));
                zend::set_prop(o, "statusCode", zlong(0));
                zend::set_prop(o, "connected", zbool(true));
            }
            Err(code) => {
                drop(s);
                fail(o, &st, Failure::Connect(code));
                return;
            }
        }
    }
    s.head_out = Some(bytes[..head_len].to_vec());
    let Some(conn) = s.conn.as_mut() else { return };
    if let Err(code) = conn.send(&bytes) {
        drop(s);
        fail(o, &st, Failure::Send(code));
        return;
    }
    let head_request = method.eq_ignore_ascii_case("HEAD");
    if s.defer {
        s.pending = Some(head_request);
        rv.set_bool(true);
        return;
    }
    drop(s);
    rv.set_bool(read_response(o, &st, head_request, 0.0, keep_alive));
}

/// Reads the response to the request just sent and applies it; false
/// (with statusCode and errCode set) when there is none.
fn read_response(
    o: *mut zend_object,
    st: &Shared,
    head: bool,
    timeout: f64,
    keep_alive: bool,
) -> bool {
    let r = {
        let mut s = st.borrow_mut();
        let Some(conn) = s.conn.as_mut() else {
            return false;
        };
        conn.read_response(head, timeout)
    };
    let resp = match r {
        Ok(r) => r,
        Err(f) => {
            fail(o, st, f);
            return false;
        }
    };
    let ok = apply_response(o, &resp);
    let close_seen = {
        let mut s = st.borrow_mut();
        if let Some(v) = resp.header("connection") {
            s.close_seen = v.len() >= 5 && v[..5].eq_ignore_ascii_case(b"close");
        }
        s.close_seen
    };
    if !keep_alive || close_seen || !resp.keep_alive() {
        drop_conn(o, st);
    }
    if prop(o, "uploadFiles").is_some() {
        zend::set_prop(o, "uploadFiles", znull());
    }
    ok
}

/// Writes a response into the properties (or the download file).
fn apply_response(o: *mut zend_object, r: &Response) -> bool {
    let lowercase = setting_bool(o, "lowercase_header", true);
    let mut headers = ZendHashTable::new();
    let mut raw_cookies = ZendHashTable::new();
    let mut cookies = match prop(o, "cookies").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let mut any_cookie = false;
    for (name, value) in &r.headers {
        let key = if lowercase {
            name.to_ascii_lowercase()
        } else {
            name.clone()
        };
        let merged = match headers.get(key.as_str()) {
            Some(prev) if prev.is_array() => {
                let mut list = prev.array().map(|a| a.to_owned()).unwrap_or_default();
                let _ = list.push(zstr(value));
                zarray(list)
            }
            Some(prev) => {
                let mut list = ZendHashTable::new();
                let _ = list.push(zend::zcopy(prev));
                let _ = list.push(zstr(value));
                zarray(list)
            }
            None => zstr(value),
        };
        zend::ht_set(&mut headers, &key, merged);
        if key == "set-cookie" {
            any_cookie = true;
            let _ = raw_cookies.push(zstr(value));
            match parse_set_cookie(value) {
                (Some(k), v) => zend::ht_set(&mut cookies, &k, zstr(v)),
                (None, v) => {
                    let _ = cookies.push(zstr(v));
                }
            }
        }
    }
    if !r.headers.is_empty() {
        zend::set_prop(o, "headers", zarray(headers));
    }
    if any_cookie {
        zend::set_prop(o, "set_cookie_headers", zarray(raw_cookies));
        zend::set_prop(o, "cookies", zarray(cookies));
    }
    zend::set_prop(o, "statusCode", zlong(i64::from(r.status)));
    let Some(file) = prop(o, "downloadFile").map(to_bytes) else {
        zend::set_prop(o, "body", zstr(&r.body));
        return true;
    };
    let offset = prop(o, "downloadOffset")
        .and_then(|z| z.long())
        .unwrap_or(0);
    let path = String::from_utf8_lossy(&file).into_owned();
    match write_download(&path, offset, &r.body) {
        Ok(()) => {
            zend::set_prop(o, "downloadFile", znull());
            zend::set_prop(o, "downloadOffset", zlong(0));
            true
        }
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(libc::EIO);
            super::super::errors::log_warning(&format!(
                "http_parser_on_body(): open({path}, O_CREAT | O_WRONLY) failed, Error: {}[{code}]",
                super::super::errors::os_error_text(code)
            ));
            zend::set_prop(o, "statusCode", zlong(-3));
            set_error(o, crate::runtime::client::http::HTTP_INVALID_PROTOCOL);
            false
        }
    }
}

/// The body into `path` from `offset` (truncated when 0); no file for an
/// empty body, as Swoole opens it at the first body bytes.
fn write_download(path: &str, offset: i64, body: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    use std::os::unix::fs::OpenOptionsExt;
    if body.is_empty() {
        return Ok(());
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(offset == 0)
        .mode(0o664)
        .open(path)?;
    if offset > 0 {
        f.seek(SeekFrom::Start(offset as u64))?;
    }
    f.write_all(body)
}

// ---- getters ----------------------------------------------------------------

fn return_prop(ex: &mut ExecuteData, rv: &mut Zval, name: &str) {
    let Some((_, o)) = this(ex) else { return };
    *rv = zend::get_prop(o, name)
        .map(zend::zcopy)
        .unwrap_or_else(znull);
}

fn hc_get_body(ex: &mut ExecuteData, rv: &mut Zval) {
    return_prop(ex, rv, "body");
}

fn hc_get_headers(ex: &mut ExecuteData, rv: &mut Zval) {
    return_prop(ex, rv, "headers");
}

fn hc_get_cookies(ex: &mut ExecuteData, rv: &mut Zval) {
    return_prop(ex, rv, "cookies");
}

fn hc_get_status_code(ex: &mut ExecuteData, rv: &mut Zval) {
    return_prop(ex, rv, "statusCode");
}

fn hc_get_header_out(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, _)) = this(ex) else { return };
    match state(h).borrow().head_out.as_ref() {
        Some(head) => *rv = zstr(head),
        None => rv.set_bool(false),
    }
}

fn sock_name(ex: &mut ExecuteData, rv: &mut Zval, local: bool) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    let r = with_conn(o, &st, |c| {
        if local {
            c.client.sock.local_name()
        } else {
            c.client.sock.peer_name()
        }
    });
    match r {
        Some(Ok((port, host))) => {
            let mut a = ZendHashTable::new();
            zend::ht_set(&mut a, "address", zstr(host.as_str()));
            zend::ht_set(&mut a, "port", zlong(port));
            *rv = zarray(a);
        }
        Some(Err(code)) => set_error(o, code),
        None => {}
    }
}

fn hc_getsockname(ex: &mut ExecuteData, rv: &mut Zval) {
    sock_name(ex, rv, true);
}

fn hc_getpeername(ex: &mut ExecuteData, rv: &mut Zval) {
    sock_name(ex, rv, false);
}

fn hc_get_peer_cert(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    let pem = with_conn(o, &st, |c| {
        c.client
            .tls
            .as_deref()
            .and_then(crate::runtime::client::tls::peer_cert_pem)
    });
    match pem {
        Some(Some(p)) => *rv = zstr(p),
        Some(None) => set_error(o, SSL_EMPTY_PEER_CERT),
        None => {}
    }
}

// ---- WebSocket -------------------------------------------------------------------

fn hc_upgrade(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(path) = args.bytes(0, "path") else {
        return;
    };
    let Some((h, o)) = this(ex) else { return };
    let mut headers = match prop(o, "requestHeaders").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let key = tungstenite::handshake::client::generate_key();
    zend::ht_set(&mut headers, "Connection", zstr("Upgrade"));
    zend::ht_set(&mut headers, "Upgrade", zstr("websocket"));
    zend::ht_set(&mut headers, "Sec-WebSocket-Version", zstr("13"));
    zend::ht_set(&mut headers, "Sec-WebSocket-Key", zstr(key.as_str()));
    zend::set_prop(o, "requestHeaders", zarray(headers));
    zend::set_prop(o, "requestMethod", zstr("GET"));
    let st = state(h);
    st.borrow_mut().defer = false;
    // A connection left in WebSocket mode is not reused for a new upgrade.
    if st
        .borrow()
        .conn
        .as_ref()
        .is_some_and(HttpConn::is_websocket)
    {
        st.borrow_mut().conn = None;
    }
    execute(h, o, rv, &path);
    if rv.is_false() {
        return;
    }
    let status = prop(o, "statusCode").and_then(|z| z.long());
    let upgraded = status == Some(101)
        && prop(o, "headers")
            .and_then(|z| z.array())
            .and_then(|a| a.get("upgrade"))
            .is_some_and(|v| {
                to_bytes(v)
                    .to_ascii_lowercase()
                    .windows(9)
                    .any(|w| w == b"websocket")
            });
    if upgraded {
        if let Some(c) = st.borrow_mut().conn.as_mut() {
            c.start_websocket();
        }
    }
}

/// The connection in WebSocket mode for push()/ping(), or the error and
/// None (5001 when there is none, Swoole's warning when it is not upgraded).
fn ws_ready(o: *mut zend_object, st: &Shared, warn: bool) -> bool {
    let s = st.borrow();
    match s.conn.as_ref() {
        None => {
            set_error(o, NO_CONNECTION);
            false
        }
        Some(c) if !c.is_websocket() => {
            drop(s);
            if warn {
                super::super::errors::set_last_error(PHP_FATAL_ERROR);
                zend::warning_docref("websocket handshake failed, cannot push data");
                zend::set_prop(o, "errCode", zlong(PHP_FATAL_ERROR));
                zend::set_prop(
                    o,
                    "errMsg",
                    zstr("websocket handshake failed, cannot push data"),
                );
                zend::set_prop(o, "statusCode", zlong(-1));
            }
            false
        }
        Some(_) => true,
    }
}

/// Sends one frame; on failure the connection is closed (statusCode -3).
fn send_frame(o: *mut zend_object, st: &Shared, op: u8, fin: bool, payload: &[u8]) -> bool {
    let r = with_conn(o, st, |c| c.push(op, fin, payload));
    match r {
        Some(Ok(())) => true,
        Some(Err(code)) => {
            zend::set_prop(o, "statusCode", zlong(-3));
            set_error(o, code);
            drop_conn(o, st);
            false
        }
        None => false,
    }
}

fn hc_push(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(data) = args.get(0).map(zend::zcopy) else {
        return;
    };
    let Some(mut op) = args.long_or(1, "opcode", i64::from(opcode::TEXT)) else {
        return;
    };
    let Some(mut flags) = args.long_or(2, "flags", 1) else {
        return;
    };
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    if !ws_ready(o, &st, true) {
        return;
    }
    let mut payload =
        match zend::obj_ptr(&data).filter(|p| zend::instance_of(*p, frame::FRAME.get())) {
            Some(f) => {
                let spec = frame::frame_spec(f);
                op = spec.opcode;
                flags = spec.flags;
                match spec.close {
                    Some((code, reason)) => {
                        let mut p = u16::try_from(code).unwrap_or(1000).to_be_bytes().to_vec();
                        p.extend_from_slice(&reason);
                        p
                    }
                    None => spec.data,
                }
            }
            None => to_bytes(&data),
        };
    if !(0..=10).contains(&op) {
        super::super::errors::set_last_error(WEBSOCKET_PACK_FAILED);
        zend::warning_docref("the maximum value of opcode is 10");
        zend::set_prop(o, "errCode", zlong(WEBSOCKET_PACK_FAILED));
        zend::set_prop(o, "errMsg", zstr("websocket frame pack failed"));
        return;
    }
    let op = op as u8;
    // Control frames are never fragmented.
    let fin = flags & 1 != 0 || opcode::is_control(op);
    if op == opcode::CLOSE && payload.len() > 125 {
        payload.truncate(125);
    }
    rv.set_bool(send_frame(o, &st, op, fin, &payload));
}

fn hc_ping(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(data) = args.bytes_or(0, "data", b"") else {
        return;
    };
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    if ws_ready(o, &st, false) {
        rv.set_bool(send_frame(o, &st, opcode::PING, true, &data));
    }
}

fn hc_disconnect(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(code) = args.long_or(0, "code", 1000) else {
        return;
    };
    let Some(reason) = args.bytes_or(1, "reason", b"") else {
        return;
    };
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    if !ws_ready(o, &st, false) {
        return;
    }
    let ok = if reason.len() > 125 {
        super::super::errors::log_warning(
            "websocket::pack_close_frame(): the max length of close reason is 125",
        );
        zend::set_prop(o, "errCode", zlong(WEBSOCKET_PACK_FAILED));
        zend::set_prop(o, "errMsg", zstr("websocket frame pack failed"));
        false
    } else {
        let mut p = u16::try_from(code).unwrap_or(1000).to_be_bytes().to_vec();
        p.extend_from_slice(&reason);
        send_frame(o, &st, opcode::CLOSE, true, &p)
    };
    drop_conn(o, &st);
    rv.set_bool(ok);
}

fn hc_recv(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, 0.0);
    rv.set_bool(false);
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    let websocket = st.borrow().conn.as_ref().map(HttpConn::is_websocket);
    let Some(websocket) = websocket else {
        set_error(o, NO_CONNECTION);
        return;
    };
    if coroutine::current() < 0 {
        coroutine::throw_out_of_coroutine();
        return;
    }
    if !websocket {
        // Defer mode: the response to the request sent.
        let Some(head) = st.borrow_mut().pending.take() else {
            return;
        };
        let keep_alive = setting_bool(o, "keep_alive", true);
        rv.set_bool(read_response(o, &st, head, timeout, keep_alive));
        return;
    }
    let ctl = ControlFrames {
        ping: setting_bool(o, "open_websocket_ping_frame", false),
        pong: setting_bool(o, "open_websocket_pong_frame", false),
        close: setting_bool(o, "open_websocket_close_frame", false),
    };
    let (r, fd) = {
        let Ok(mut s) = st.try_borrow_mut() else {
            set_error(o, 10002);
            return;
        };
        let Some(conn) = s.conn.as_mut() else {
            set_error(o, NO_CONNECTION);
            return;
        };
        let fd = conn.client.sock.fd();
        (conn.recv_ws(ctl, timeout), fd)
    };
    match r {
        Ok(Some(event)) => *rv = frame::frame_object(fd, &event),
        Ok(None) => {
            // The server closed the connection.
            drop_conn(o, &st);
            *rv = zstr("");
        }
        Err(Failure::Timeout) => {
            // The connection stays usable.
            zend::set_prop(o, "statusCode", zlong(-3));
            set_error(o, i64::from(libc::ETIMEDOUT));
        }
        Err(f) => fail(o, &st, f),
    }
}

fn hc_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((h, o)) = this(ex) else { return };
    let st = state(h);
    let had = match st.try_borrow_mut() {
        Ok(mut s) => {
            s.pending = None;
            s.conn.take().is_some()
        }
        Err(_) => false,
    };
    zend::set_prop(o, "connected", zbool(false));
    rv.set_bool(had);
}
