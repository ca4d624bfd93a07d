//! `Swoole\Http\Request` and `Swoole\Http\Response`.
//!
//! Both are plain objects with Swoole's declared properties. What PHP does
//! not show (a request's raw body, a response's status and progress) lives
//! in per-connection tables here: HTTP/1.1 has at most one response in
//! flight per connection, so the fd is the key.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::rc::Rc;

use bytes::Bytes;
use ext_php_rs::ffi::{_estrdup, php_default_treat_data, php_register_variable_safe, zend_object};
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, sm, Class, ClassSlot, Default, PUBLIC};
use super::state::{self, ServerState};
use super::zend::{self, zarray, zdouble, zlong, zstr};
use crate::protocol::{date::http_date, http::Request, mime, multipart, response};
use crate::runtime::connection::{unix_time, ws_status};
use crate::runtime::{self, Connection};

pub static REQUEST: ClassSlot = ClassSlot::new();
pub static RESPONSE: ClassSlot = ClassSlot::new();

/// What a response has done so far.
struct ResponseState {
    /// Handle of the Response object this state belongs to: an older
    /// Response of the same keep-alive connection must not write into the
    /// current one.
    owner: u32,
    status: u16,
    /// `status()` was called: an unfinished response keeps that status
    /// instead of becoming a 500.
    status_set: bool,
    reason: Option<String>,
    /// Headers went out with `Transfer-Encoding: chunked` (write() was used).
    chunked: bool,
    ended: bool,
    handshake: bool,
    keep_alive: bool,
    head_request: bool,
    tmp_files: Vec<String>,
}

thread_local! {
    static RESPONSES: RefCell<HashMap<i64, ResponseState>> = RefCell::new(HashMap::new());
    /// Per connection: the latest request object's handle and its raw body.
    static BODIES: RefCell<HashMap<i64, (u32, Bytes)>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Http\\Request");
    c.props = vec![
        ("fd", Default::Long(0), PUBLIC),
        ("streamId", Default::Long(0), PUBLIC),
        ("header", Default::Null, PUBLIC),
        ("server", Default::Null, PUBLIC),
        ("cookie", Default::Null, PUBLIC),
        ("get", Default::Null, PUBLIC),
        ("files", Default::Null, PUBLIC),
        ("post", Default::Null, PUBLIC),
        ("tmpfiles", Default::Null, PUBLIC),
    ];
    c.methods = vec![
        m("getContent", req_raw_content, "", "string|false"),
        m("rawContent", req_raw_content, "", "string|false"),
        m("getData", req_raw_content, "", "string|false"),
        sm(
            "create",
            req_unsupported,
            "array $options = []",
            "Swoole\\Http\\Request",
        ),
        m("parse", req_unsupported, "string $data", "int|false"),
        m("isCompleted", req_is_completed, "", "bool"),
        m("getMethod", req_get_method, "", "string|false"),
    ];
    REQUEST.set(c.register());

    let mut c = Class::new("Swoole\\Http\\Response");
    c.props = vec![
        ("fd", Default::Long(0), PUBLIC),
        ("socket", Default::Null, PUBLIC),
        ("header", Default::Null, PUBLIC),
        ("cookie", Default::Null, PUBLIC),
        ("trailer", Default::Null, PUBLIC),
    ];
    c.methods = vec![
        m("initHeader", resp_init_header, "", "bool"),
        m("isWritable", resp_is_writable, "", "bool"),
        m("cookie", resp_cookie, "Swoole\\Http\\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false", "bool"),
        m("setCookie", resp_cookie, "Swoole\\Http\\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false", "bool"),
        m("rawcookie", resp_rawcookie, "Swoole\\Http\\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false", "bool"),
        m("setRawCookie", resp_rawcookie, "Swoole\\Http\\Cookie|string $name_or_object, string $value = '', int $expires = 0, string $path = '/', string $domain = '', bool $secure = false, bool $httponly = false, string $samesite = '', string $priority = '', bool $partitioned = false", "bool"),
        m("status", resp_status, "int $http_code, string $reason = ''", "bool"),
        m("setStatusCode", resp_status, "int $http_code, string $reason = ''", "bool"),
        m("header", resp_header, "string $key, array|string $value, bool $format = true", "bool"),
        m("setHeader", resp_header, "string $key, array|string $value, bool $format = true", "bool"),
        m("trailer", resp_unsupported, "string $key, string $value", "bool"),
        m("ping", resp_unsupported, "string $data = ''", "bool"),
        m("goaway", resp_unsupported, "int $error_code = SWOOLE_HTTP2_ERROR_NO_ERROR, string $debug_data = ''", "bool"),
        m("write", resp_write, "string $content", "bool"),
        m("end", resp_end, "?string $content = NULL", "bool"),
        m("sendfile", resp_sendfile, "string $filename, int $offset = 0, int $length = 0", "bool"),
        m("redirect", resp_redirect, "string $location, int $http_code = 302", "bool"),
        m("detach", resp_unsupported, "", "bool"),
        sm("create", resp_unsupported, "object|array|int $server = -1, int $fd = -1", "Swoole\\Http\\Response|false"),
        m("upgrade", resp_unsupported, "", "bool"),
        m("push", resp_unsupported, "Swoole\\WebSocket\\Frame|string $data, int $opcode = SWOOLE_WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN", "bool"),
        m("recv", resp_unsupported, "float $timeout = 0", "Swoole\\WebSocket\\Frame|string|false"),
        m("close", resp_close, "", "bool"),
        m("disconnect", resp_unsupported, "int $code = SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''", "bool"),
    ];
    RESPONSE.set(c.register());
}

/// Drops what was kept for a connection that closed.
pub fn forget_connection(fd: i64) {
    BODIES.with(|b| b.borrow_mut().remove(&fd));
    let st = RESPONSES.with(|r| r.borrow_mut().remove(&fd));
    if let Some(st) = st {
        remove_tmp_files(&st.tmp_files);
    }
}

fn remove_tmp_files(files: &[String]) {
    for f in files {
        unmark_uploaded(f);
        let _ = std::fs::remove_file(f);
    }
}

/// `$request` for onOpen/onRequest/onHandshake.
pub fn request_object(st: &ServerState, conn: &Connection, req: &Request) -> Zval {
    request_object_with_files(st, conn, req).0
}

fn request_object_with_files(
    st: &ServerState,
    conn: &Connection,
    req: &Request,
) -> (Zval, Vec<String>) {
    let z = zend::new_object(REQUEST.get());
    let mut tmp_files = Vec::new();
    let Some(o) = zend::obj_ptr(&z) else {
        return (z, tmp_files);
    };
    zend::set_prop(o, "fd", zlong(conn.id));

    // header: lower-cased names in request order, duplicates as arrays,
    // Cookie moved to ->cookie.
    let mut headers = ZendHashTable::new();
    let mut cookies: Vec<&[u8]> = Vec::new();
    for (name, value) in &req.headers {
        if name == "cookie" {
            cookies.push(value);
            continue;
        }
        let v = zstr(value);
        match headers.get_mut(name.as_str()) {
            Some(existing) if existing.is_array() => {
                if let Some(a) = existing.array_mut() {
                    let _ = a.push(v);
                }
            }
            Some(existing) => {
                let mut a = ZendHashTable::new();
                let _ = a.push(zend::zcopy(existing));
                let _ = a.push(v);
                *existing = zarray(a);
            }
            None => zend::ht_set(&mut headers, name, v),
        }
    }
    zend::set_prop(o, "header", zarray(headers));

    let now = unix_time();
    let mut server = ZendHashTable::new();
    if let Some(q) = &req.query {
        let _ = server.insert("query_string", zstr(q));
    }
    let _ = server.insert("request_method", zstr(&req.method));
    let _ = server.insert("request_uri", zstr(&req.path));
    let _ = server.insert("path_info", zstr(&req.path));
    let _ = server.insert("request_time", zlong(now as i64));
    let _ = server.insert("request_time_float", zdouble(now));
    let _ = server.insert(
        "server_protocol",
        zstr(if req.minor_version == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        }),
    );
    let _ = server.insert("server_port", zlong(i64::from(conn.local.port())));
    let _ = server.insert("remote_port", zlong(i64::from(conn.peer.port())));
    let _ = server.insert("server_addr", zstr(conn.local.ip().to_string()));
    let _ = server.insert("remote_addr", zstr(conn.peer.ip().to_string()));
    let _ = server.insert("master_time", zlong(now as i64));
    zend::set_prop(o, "server", zarray(server));

    let settings = st.settings.borrow();
    if !cookies.is_empty() && settings.http_parse_cookie {
        let mut c = ZendHashTable::new();
        for (k, v) in crate::protocol::http::parse_cookies(&cookies) {
            zend::ht_set(&mut c, &k, zstr(v));
        }
        zend::set_prop(o, "cookie", zarray(c));
    }
    if let Some(q) = &req.query {
        zend::set_prop(o, "get", parse_query(q.as_bytes()));
    }
    if !req.body.is_empty() && settings.http_parse_post {
        let ctype = req
            .header("content-type")
            .map(|v| String::from_utf8_lossy(v).to_ascii_lowercase())
            .unwrap_or_default();
        if ctype.starts_with("application/x-www-form-urlencoded") {
            zend::set_prop(o, "post", parse_query(&req.body));
        } else if ctype.starts_with("multipart/form-data") {
            if let Some(boundary) = req.header("content-type").and_then(multipart::boundary) {
                if let Ok(parts) = multipart::parse(&req.body, &boundary) {
                    let (post, files, tmp) = multipart_arrays(&parts, &settings.upload_tmp_dir);
                    if let Some(post) = post {
                        zend::set_prop(o, "post", post);
                    }
                    if let Some(files) = files {
                        zend::set_prop(o, "files", files);
                        let mut t = ZendHashTable::new();
                        for f in &tmp {
                            let _ = t.push(zstr(f));
                        }
                        zend::set_prop(o, "tmpfiles", zarray(t));
                    }
                    tmp_files = tmp;
                }
            }
        }
    }
    drop(settings);
    // SAFETY: o is the request object just created.
    let handle = unsafe { (*o).handle };
    BODIES.with(|b| b.borrow_mut().insert(conn.id, (handle, req.body.clone())));
    (z, tmp_files)
}

/// PHP's own query-string parser (`parse_str` semantics: arrays, `+`,
/// max_input_vars), fed through the SAPI's treat_data.
fn parse_query(q: &[u8]) -> Zval {
    let mut arr = zarray(ZendHashTable::new());
    let c = CString::new(q.iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>())
        .unwrap_or_default();
    // SAFETY: treat_data(PARSE_STRING) takes ownership of an emalloc'd copy
    // and fills the array zval.
    unsafe {
        let dup = _estrdup(c.as_ptr());
        php_default_treat_data(3, dup, &mut arr);
    }
    arr
}

fn register_variable(name: &str, value: &[u8], arr: &mut Zval) {
    let n = CString::new(name.replace('\0', "")).unwrap_or_default();
    // SAFETY: registers `name=value` into arr with PHP's variable-name
    // rules (a[b][] etc.); both strings are copied.
    unsafe { php_register_variable_safe(n.as_ptr(), value.as_ptr().cast(), value.len(), arr) };
}

type MultipartArrays = (Option<Zval>, Option<Zval>, Vec<String>);

fn multipart_arrays(parts: &[multipart::Part], tmp_dir: &str) -> MultipartArrays {
    let mut post = zarray(ZendHashTable::new());
    let mut files = zarray(ZendHashTable::new());
    let mut tmp = Vec::new();
    let mut has_post = false;
    let mut has_files = false;
    for part in parts {
        match &part.filename {
            None => {
                register_variable(&part.name, &part.data, &mut post);
                has_post = true;
            }
            Some(filename) => {
                let path = write_tmp_file(tmp_dir, &part.data);
                if let Some(p) = &path {
                    mark_uploaded(p);
                }
                let attrs = [
                    ("name", zstr(filename)),
                    ("type", zstr(part.content_type.as_deref().unwrap_or(""))),
                    ("tmp_name", zstr(path.as_deref().unwrap_or(""))),
                    ("error", zlong(if path.is_some() { 0 } else { 7 })),
                    ("size", zlong(part.data.len() as i64)),
                ];
                register_file(&part.name, attrs, &mut files);
                has_files = true;
                if let Some(p) = path {
                    tmp.push(p);
                }
            }
        }
    }
    (has_post.then_some(post), has_files.then_some(files), tmp)
}

/// Adds one uploaded file to `files` as PHP builds `$_FILES`: `f` gives
/// `files['f']['name']`, while `f[]` or `f[a][b]` give
/// `files['f']['name'][]` / `files['f']['name']['a']['b']` (one array per
/// attribute, indexed like the field).
fn register_file(field: &str, attrs: [(&str, Zval); 5], files: &mut Zval) {
    match field.find('[').filter(|i| *i > 0) {
        None => {
            let mut f = ZendHashTable::new();
            for (k, v) in attrs {
                let _ = f.insert(k, v);
            }
            if let Some(ht) = files.array_mut() {
                zend::ht_set(ht, field, zarray(f));
            }
        }
        Some(i) => {
            let (base, rest) = field.split_at(i);
            for (k, v) in attrs {
                let var = CString::new(format!("{base}[{k}]{rest}").replace('\0', ""))
                    .unwrap_or_default();
                let mut v = std::mem::ManuallyDrop::new(v);
                // SAFETY: php_register_variable_ex takes ownership of the
                // value (stored or released), so it is not dropped here.
                unsafe { zend::php_register_variable_ex(var.as_ptr(), &mut *v, files) };
            }
        }
    }
}

/// Records an upload where PHP's `is_uploaded_file()` and
/// `move_uploaded_file()` look (`SG(rfc1867_uploaded_files)`); PHP unlinks
/// what is still listed when the request (the script) ends.
fn mark_uploaded(path: &str) {
    let mut sg = ext_php_rs::zend::SapiGlobals::get_mut();
    if sg.rfc1867_uploaded_files.is_null() {
        sg.rfc1867_uploaded_files = ZendHashTable::new().into_raw();
    }
    // SAFETY: the table is a live engine array (made above or by PHP).
    if let Some(ht) = unsafe { sg.rfc1867_uploaded_files.as_mut() } {
        let _ = ht.insert(path, zstr(path));
    }
}

/// Forgets an upload (the request ended): it is deleted, unless the script
/// moved it away.
fn unmark_uploaded(path: &str) {
    let sg = ext_php_rs::zend::SapiGlobals::get_mut();
    // SAFETY: the table, if any, is a live engine array.
    if let Some(ht) = unsafe { sg.rfc1867_uploaded_files.as_mut() } {
        ht.remove(path);
    }
}

fn write_tmp_file(dir: &str, data: &[u8]) -> Option<String> {
    use std::io::Write;
    for _ in 0..16 {
        let suffix: u64 = rand_u64();
        let path = format!(
            "{}/swoole.upfile.{:06x}",
            dir.trim_end_matches('/'),
            suffix & 0xff_ffff
        );
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        if let Ok(mut f) = f {
            return f.write_all(data).ok().map(|_| path);
        }
    }
    None
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(unix_time().to_bits() as u128);
    h.finish()
}

/// `$request` and `$response` for onRequest / onHandshake.
pub fn request_response(
    st: &ServerState,
    conn: &Connection,
    req: &Request,
    handshake: bool,
) -> (Zval, Zval) {
    let (request, tmp_files) = request_object_with_files(st, conn, req);
    let response = zend::new_object(RESPONSE.get());
    let mut owner = 0;
    if let Some(o) = zend::obj_ptr(&response) {
        zend::set_prop(o, "fd", zlong(conn.id));
        // SAFETY: o is the response object just created.
        owner = unsafe { (*o).handle };
    }
    let state = ResponseState {
        owner,
        status: 200,
        status_set: false,
        reason: None,
        chunked: false,
        ended: false,
        handshake,
        keep_alive: conn.keep_alive(),
        head_request: req.method.eq_ignore_ascii_case("HEAD"),
        tmp_files,
    };
    RESPONSES.with(|r| r.borrow_mut().insert(conn.id, state));
    (request, response)
}

/// After the callback returned: a response nobody can end any more (the
/// callback kept no reference to it) is ended as Swoole does when it
/// destroys an unfinished response: status 500 if none was set.
pub fn after_callback(conn: &Rc<Connection>, response: &Zval) {
    let Some(o) = zend::obj_ptr(response) else {
        return;
    };
    // SAFETY: o is alive: `response` holds a reference.
    let refcount = unsafe { (*o).gc.refcount };
    if refcount > 1 || !conn.response_pending() {
        return;
    }
    let fd = conn.id;
    let unset = RESPONSES.with(|r| {
        r.borrow()
            .get(&fd)
            .is_some_and(|s| !s.ended && !s.chunked && !s.status_set)
    });
    if unset {
        RESPONSES.with(|r| {
            if let Some(s) = r.borrow_mut().get_mut(&fd) {
                s.status = 500;
            }
        });
    }
    finish(o, conn, None);
}

/// After onBeforeHandshakeResponse: the headers and cookies the script set
/// on `$response`, for the built-in 101; the response itself is done.
pub fn take_extra_headers(conn: &Connection, response: &Zval) -> Vec<(String, Vec<u8>)> {
    let Some(o) = zend::obj_ptr(response) else {
        return Vec::new();
    };
    let mut out = user_headers(o);
    out.extend(
        user_cookies(o)
            .into_iter()
            .map(|c| ("Set-Cookie".to_string(), c.into_bytes())),
    );
    let tmp = RESPONSES.with(|r| {
        r.borrow_mut()
            .remove(&conn.id)
            .map(|s| s.tmp_files)
            .unwrap_or_default()
    });
    remove_tmp_files(&tmp);
    out
}

fn fd_of(o: *mut zend_object) -> i64 {
    zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(0)
}

/// The response's connection if the response can still be written.
fn writable(o: *mut zend_object) -> Option<(Rc<runtime::Server>, Rc<Connection>, i64)> {
    let fd = fd_of(o);
    let rt = state::current().and_then(|s| s.runtime())?;
    let conn = rt.table.get(fd).filter(|c| !c.is_closing())?;
    // SAFETY: o is a live object (the method's $this).
    let handle = unsafe { (*o).handle };
    let live = RESPONSES.with(|r| {
        r.borrow()
            .get(&fd)
            .is_some_and(|s| !s.ended && s.owner == handle)
    });
    live.then_some((rt, conn, fd))
}

fn unavailable(rv: &mut Zval) {
    zend::warning_docref("http response is unavailable (maybe it has been ended or detached)");
    rv.set_bool(false);
}

/// Header name as Swoole formats it: "content-type" -> "Content-Type".
fn format_header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for ch in name.chars() {
        if upper {
            out.extend(ch.to_uppercase());
        } else {
            out.extend(ch.to_lowercase());
        }
        upper = ch == '-';
    }
    out
}

/// A header or cookie value as PHP bytes (not necessarily UTF-8).
fn value_bytes(v: &Zval) -> Vec<u8> {
    match zend::str_bytes(v) {
        Some(b) => b.to_vec(),
        None => v.coerce_to_string().unwrap_or_default().into_bytes(),
    }
}

/// A copy of an array property of the response (`header`, `cookie`) to
/// change and store back; an empty array when none was set yet.
fn array_prop(o: *mut zend_object, name: &str) -> ext_php_rs::boxed::ZBox<ZendHashTable> {
    match zend::get_prop(o, name).and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    }
}

/// The user's headers from `$response->header`, in the order set. The
/// array is copied first: converting a value may run PHP code (`__toString`)
/// that changes the property.
fn user_headers(o: *mut zend_object) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(h) = zend::get_prop(o, "header")
        .and_then(|z| z.array())
        .map(|a| a.to_owned())
    else {
        return out;
    };
    for (k, v) in h.iter() {
        let name = k.to_string();
        if let Some(a) = v.array() {
            for item in a.values() {
                out.push((name.clone(), value_bytes(item)));
            }
        } else {
            out.push((name, value_bytes(v)));
        }
    }
    out
}

fn user_cookies(o: *mut zend_object) -> Vec<String> {
    zend::get_prop(o, "cookie")
        .and_then(|z| z.array())
        .map(|a| a.values().filter_map(|v| v.coerce_to_string()).collect())
        .unwrap_or_default()
}

/// Writes the head (once). `body_len` None means chunked.
fn write_head(
    o: *mut zend_object,
    conn: &Rc<Connection>,
    fd: i64,
    body_len: Option<usize>,
) -> bool {
    let (status, reason, keep_alive, handshake, head_request) = RESPONSES.with(|r| {
        r.borrow()
            .get(&fd)
            .map(|s| {
                (
                    s.status,
                    s.reason.clone(),
                    s.keep_alive,
                    s.handshake,
                    s.head_request,
                )
            })
            .unwrap_or((200, None, true, false, false))
    });
    let headers = user_headers(o);
    let cookies = user_cookies(o);
    let date = http_date(unix_time() as u64);
    let head = response::ResponseHead {
        status,
        reason: reason.as_deref(),
        headers: &headers,
        cookies: &cookies,
        // A refused handshake closes the connection after its response.
        keep_alive: keep_alive && !handshake,
        body_len,
        date: &date,
    };
    let mut out = Vec::with_capacity(256);
    if handshake && status == 101 {
        head.encode_upgrade(&mut out);
    } else if head_request {
        head.encode_head_request(&mut out);
    } else {
        head.encode(&mut out);
    }
    conn.send(Bytes::from(out)).is_ok()
}

/// Ends the response: head (if not yet sent), body, last chunk; lets the
/// connection go on to its next request, or upgrades it after a 101.
fn finish(o: *mut zend_object, conn: &Rc<Connection>, body: Option<&[u8]>) -> bool {
    let fd = conn.id;
    let Some((chunked, head_request, status, handshake)) = RESPONSES.with(|r| {
        r.borrow_mut().get_mut(&fd).map(|s| {
            s.ended = true;
            (s.chunked, s.head_request, s.status, s.handshake)
        })
    }) else {
        return false;
    };
    let body = body.unwrap_or(b"");
    let ok = if chunked {
        let mut out = Vec::with_capacity(body.len() + 16);
        if !body.is_empty() {
            response::encode_chunk(body, &mut out);
        }
        out.extend_from_slice(response::LAST_CHUNK);
        conn.send(Bytes::from(out)).is_ok()
    } else {
        let mut ok = write_head(o, conn, fd, Some(body.len()));
        if ok && !body.is_empty() && !head_request {
            ok = conn.send(Bytes::copy_from_slice(body)).is_ok();
        }
        ok
    };
    let tmp = RESPONSES.with(|r| {
        r.borrow_mut()
            .remove(&fd)
            .map(|s| s.tmp_files)
            .unwrap_or_default()
    });
    remove_tmp_files(&tmp);
    if handshake && status == 101 {
        conn.set_ws_status(ws_status::ACTIVE);
    }
    conn.finish_response();
    ok
}

fn this(ex: &mut ExecuteData) -> Option<*mut zend_object> {
    ex.get_self().map(|o| o as *mut zend_object)
}

fn req_unsupported(ex: &mut ExecuteData, rv: &mut Zval) {
    resp_unsupported(ex, rv);
}

fn resp_unsupported(ex: &mut ExecuteData, rv: &mut Zval) {
    let name = super::args::function_name(ex);
    zend::error(
        zend::E_WARNING,
        &format!("{name}(): not supported by swoole-rs yet"),
    );
    rv.set_bool(false);
}

fn resp_init_header(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    zend::set_prop(o, "header", zarray(ZendHashTable::new()));
    rv.set_bool(true);
}

fn resp_is_writable(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    rv.set_bool(writable(o).is_some());
}

fn resp_status(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(code) = args.long(0, "http_code") else {
        return;
    };
    let Some(reason) = args.string(1, "reason").or(Some(String::new())) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    let Some((_, _, fd)) = writable(o) else {
        return unavailable(rv);
    };
    RESPONSES.with(|r| {
        if let Some(s) = r.borrow_mut().get_mut(&fd) {
            s.status = code.clamp(100, 999) as u16;
            s.status_set = true;
            s.reason = (!reason.is_empty()).then_some(reason);
        }
    });
    rv.set_bool(true);
}

fn resp_header(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(key) = args.string(0, "key") else {
        return;
    };
    let Some(value) = args.get(1).map(zend::zcopy) else {
        return;
    };
    let Some(format) = args.bool_or(2, "format", true) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    if writable(o).is_none() {
        return unavailable(rv);
    }
    if key.is_empty() {
        zend::warning_docref("$key is empty");
        rv.set_bool(false);
        return;
    }
    let key = if format {
        format_header_name(&key)
    } else {
        key
    };
    let mut h = array_prop(o, "header");
    if value.is_null() {
        h.remove(key.as_str());
    } else {
        zend::ht_set(&mut h, &key, value);
    }
    zend::set_prop(o, "header", zarray(h));
    rv.set_bool(true);
}

fn cookie_impl(ex: &mut ExecuteData, rv: &mut Zval, url_encode: bool) {
    let Some(args) = Args::parse(ex, 1, 10) else {
        return;
    };
    let Some(name) = args.string(0, "name") else {
        return;
    };
    let Some(value) = args.bytes_or(1, "value", b"") else {
        return;
    };
    let Some(expires) = args.long_or(2, "expires", 0) else {
        return;
    };
    let Some(path) = args.bytes_or(3, "path", b"/") else {
        return;
    };
    let Some(domain) = args.bytes_or(4, "domain", b"") else {
        return;
    };
    let Some(secure) = args.bool_or(5, "secure", false) else {
        return;
    };
    let Some(httponly) = args.bool_or(6, "httponly", false) else {
        return;
    };
    let Some(samesite) = args.bytes_or(7, "samesite", b"") else {
        return;
    };
    let Some(priority) = args.bytes_or(8, "priority", b"") else {
        return;
    };
    let Some(partitioned) = args.bool_or(9, "partitioned", false) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    if writable(o).is_none() {
        return unavailable(rv);
    }
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let line = response::cookie_header_value(
        &name,
        &s(&value),
        expires,
        &s(&path),
        &s(&domain),
        secure,
        httponly,
        &s(&samesite),
        &s(&priority),
        partitioned,
        url_encode,
    );
    let line = match line {
        Ok(l) => l,
        Err(e) => {
            zend::warning_docref(&e.to_string());
            rv.set_bool(false);
            return;
        }
    };
    let mut c = array_prop(o, "cookie");
    zend::ht_set(&mut c, &name, zstr(line));
    zend::set_prop(o, "cookie", zarray(c));
    rv.set_bool(true);
}

fn resp_cookie(ex: &mut ExecuteData, rv: &mut Zval) {
    cookie_impl(ex, rv, true);
}

fn resp_rawcookie(ex: &mut ExecuteData, rv: &mut Zval) {
    cookie_impl(ex, rv, false);
}

fn resp_write(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "content") else {
        return;
    };
    let Some(o) = this(ex) else { return };
    let Some((_, conn, fd)) = writable(o) else {
        return unavailable(rv);
    };
    let started = RESPONSES.with(|r| r.borrow().get(&fd).is_some_and(|s| s.chunked));
    if !started {
        if !write_head(o, &conn, fd, None) {
            rv.set_bool(false);
            return;
        }
        RESPONSES.with(|r| {
            if let Some(s) = r.borrow_mut().get_mut(&fd) {
                s.chunked = true;
            }
        });
    }
    if data.is_empty() {
        // An empty chunk would end the body early.
        rv.set_bool(true);
        return;
    }
    let mut out = Vec::with_capacity(data.len() + 16);
    response::encode_chunk(&data, &mut out);
    rv.set_bool(conn.send(Bytes::from(out)).is_ok());
}

fn resp_end(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let body = match args.get(0) {
        Some(z) if !z.is_null() => match args.bytes(0, "content") {
            Some(b) => Some(b),
            None => return,
        },
        _ => None,
    };
    let Some(o) = this(ex) else { return };
    let Some((_, conn, _)) = writable(o) else {
        return unavailable(rv);
    };
    rv.set_bool(finish(o, &conn, body.as_deref()));
}

fn resp_sendfile(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(path) = args.string(0, "filename") else {
        return;
    };
    let Some(offset) = args.long_or(1, "offset", 0) else {
        return;
    };
    let Some(length) = args.long_or(2, "length", 0) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    let Some((_, conn, _)) = writable(o) else {
        return unavailable(rv);
    };
    match crate::runtime::file_range(&path, offset, length) {
        Ok(content) => {
            // Swoole types the file by its extension unless the script did.
            let mut h = array_prop(o, "header");
            let typed = h
                .iter()
                .any(|(k, _)| k.to_string().eq_ignore_ascii_case("content-type"));
            if !typed {
                zend::ht_set(&mut h, "Content-Type", zstr(mime::for_path(&path)));
                zend::set_prop(o, "header", zarray(h));
            }
            rv.set_bool(finish(o, &conn, Some(&content)))
        }
        Err(_) => {
            zend::warning_docref(&format!("file[{path}] readable check failed"));
            rv.set_bool(false);
        }
    }
}

fn resp_redirect(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(location) = args.bytes(0, "location") else {
        return;
    };
    let Some(code) = args.long_or(1, "http_code", 302) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    let Some((_, conn, fd)) = writable(o) else {
        return unavailable(rv);
    };
    RESPONSES.with(|r| {
        if let Some(s) = r.borrow_mut().get_mut(&fd) {
            s.status = code.clamp(100, 999) as u16;
            s.status_set = true;
        }
    });
    let mut h = array_prop(o, "header");
    zend::ht_set(&mut h, "Location", zstr(location));
    zend::set_prop(o, "header", zarray(h));
    rv.set_bool(finish(o, &conn, None));
}

fn resp_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    let fd = fd_of(o);
    let Some(rt) = state::current().and_then(|s| s.runtime()) else {
        rv.set_bool(false);
        return;
    };
    match rt.table.get(fd).filter(|c| !c.is_closing()) {
        Some(conn) => rv.set_bool(rt.close_connection(&conn, None, -1)),
        None => rv.set_bool(false),
    }
}

/// The raw body of `$this` request: kept for the latest request of each
/// connection until the next request or the close.
fn req_raw_content(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    let fd = fd_of(o);
    // SAFETY: o is $this.
    let handle = unsafe { (*o).handle };
    let body = BODIES.with(|b| {
        b.borrow()
            .get(&fd)
            .filter(|(owner, _)| *owner == handle)
            .map(|(_, body)| body.clone())
    });
    match body {
        Some(body) => *rv = zstr(&body),
        None => rv.set_bool(false),
    }
}

fn req_is_completed(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(true);
}

fn req_get_method(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    let method = zend::get_prop(o, "server")
        .and_then(|z| z.array())
        .and_then(|a| a.get("request_method"))
        .map(zend::zcopy);
    match method {
        Some(m) => *rv = m,
        None => rv.set_bool(false),
    }
}
