//! `Swoole\Http\Request` and `Swoole\Http\Response`.
//!
//! Both are plain objects with Swoole's declared properties. What PHP does
//! not show (a request's raw body, a response's status and progress) lives
//! in per-connection tables here: HTTP/1.1 has at most one response in
//! flight per connection, so the connection ([`ConnKey`]) is the key. A
//! connection is the event-driven server's (`Http\Server`), or a socket
//! of the coroutine server (`Coroutine\Http\Server`, `co_server.rs`),
//! which the same objects serve.

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
use crate::protocol::response as wire;
use crate::protocol::{date::http_date, http::Request, mime, multipart};
use crate::runtime::connection::{unix_time, ws_status};
use crate::runtime::http2::H2Answer;
use crate::runtime::Connection;

pub mod co_server;
pub mod concurrency;
pub mod cookie;
mod request;
mod response;

pub use request::request_object;
use request::*;
use response::*;

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
    /// The coding `end()` may compress the body with, and the server's
    /// compression settings (`http_compression`): None when off or not
    /// accepted by the request.
    compression: Option<(
        crate::protocol::http_compression::Coding,
        std::sync::Arc<crate::protocol::http_compression::Policy>,
    )>,
    /// A server request counted in [`concurrency`] until this goes.
    in_flight: bool,
}

impl Drop for ResponseState {
    fn drop(&mut self) {
        if self.in_flight {
            concurrency::end();
        }
    }
}

impl ResponseState {
    /// A response object `owner` that has sent nothing yet: 200, no
    /// compression, not a handshake.
    fn new(owner: u32, keep_alive: bool) -> ResponseState {
        ResponseState {
            owner,
            status: 200,
            status_set: false,
            reason: None,
            chunked: false,
            ended: false,
            handshake: false,
            keep_alive,
            head_request: false,
            tmp_files: Vec::new(),
            compression: None,
            in_flight: false,
        }
    }
}

/// The connection a request or response belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnKey {
    /// A session of the event-driven server, by id.
    Server(i64),
    /// A coroutine server's socket, by descriptor.
    Socket(i64),
    /// An HTTP/2 stream of a session: (session, stream id).
    Stream(i64, u32),
}

/// An HTTP/2 stream a response answers on (its own, or in SWOOLE_PROCESS
/// the worker's stand-in for the master's).
type SharedStream = Rc<dyn H2Answer>;

thread_local! {
    static RESPONSES: RefCell<HashMap<ConnKey, ResponseState>> = RefCell::new(HashMap::new());
    /// Response objects (by handle) whose client went away before they
    /// were ended: still "open" for the script (Swoole lets it set headers;
    /// sending fails with SESSION_NOT_EXIST, no warning). An entry goes
    /// when a new response takes the handle.
    static CLIENT_GONE: RefCell<std::collections::HashSet<u32>> = RefCell::new(std::collections::HashSet::new());
    /// Per connection: the latest request object's handle and its raw body.
    static BODIES: RefCell<HashMap<ConnKey, (u32, Bytes)>> = RefCell::new(HashMap::new());
    /// Response objects of HTTP/2 streams, by handle: the stream and its
    /// key.
    static H2_OBJECTS: RefCell<HashMap<u32, (ConnKey, SharedStream)>> = RefCell::new(HashMap::new());
    /// Request and response objects of a coroutine server, by handle:
    /// their socket.
    static SOCKET_OBJECTS: RefCell<HashMap<u32, crate::php::client::SharedConn>> = RefCell::new(HashMap::new());
}

/// The connection of a request or response object.
fn key_of(o: *mut zend_object) -> ConnKey {
    let fd = zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(0);
    // SAFETY: o is a live object (a method's $this).
    let handle = unsafe { (*o).handle };
    if let Some(key) = H2_OBJECTS.with(|h| h.borrow().get(&handle).map(|(k, _)| *k)) {
        return key;
    }
    if SOCKET_OBJECTS.with(|s| s.borrow().contains_key(&handle)) {
        ConnKey::Socket(fd)
    } else {
        ConnKey::Server(fd)
    }
}

pub fn register() {
    cookie::register();
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
        m("trailer", resp_trailer, "string $key, string $value", "bool"),
        m("ping", resp_ping, "string $data = ''", "bool"),
        m("goaway", resp_goaway, "int $error_code = SWOOLE_HTTP2_ERROR_NO_ERROR, string $debug_data = ''", "bool"),
        m("write", resp_write, "string $content", "bool"),
        m("end", resp_end, "?string $content = NULL", "bool"),
        m("sendfile", resp_sendfile, "string $filename, int $offset = 0, int $length = 0", "bool"),
        m("redirect", resp_redirect, "string $location, int $http_code = 302", "bool"),
        m("detach", resp_detach, "", "bool"),
        sm("create", resp_create, "object|array|int $server = -1, int $fd = -1", "Swoole\\Http\\Response|false"),
        m("upgrade", resp_upgrade, "", "bool"),
        m("push", resp_push, "Swoole\\WebSocket\\Frame|string $data, int $opcode = SWOOLE_WEBSOCKET_OPCODE_TEXT, int $flags = SWOOLE_WEBSOCKET_FLAG_FIN", "bool"),
        m("recv", resp_recv, "float $timeout = 0", "Swoole\\WebSocket\\Frame|string|false"),
        m("close", resp_close, "", "bool"),
        m("disconnect", resp_unsupported, "int $code = SWOOLE_WEBSOCKET_CLOSE_NORMAL, string $reason = ''", "bool"),
    ];
    RESPONSE.set(c.register());
    co_server::register();
}

/// Whether response object `handle` lost its client before it ended.
pub(crate) fn client_gone(handle: u32) -> bool {
    CLIENT_GONE.with(|g| g.borrow().contains(&handle))
}

/// Drops what was kept for a connection that closed (its HTTP/2 streams'
/// responses too).
pub fn forget_connection(fd: i64) {
    forget(ConnKey::Server(fd));
    let of_fd = |k: &ConnKey| matches!(k, ConnKey::Stream(f, _) if *f == fd);
    let mut streams: Vec<ConnKey> =
        RESPONSES.with(|r| r.borrow().keys().copied().filter(of_fd).collect());
    streams.extend(BODIES.with(|b| b.borrow().keys().copied().filter(of_fd).collect::<Vec<_>>()));
    H2_OBJECTS.with(|h| h.borrow_mut().retain(|_, (k, _)| !of_fd(k)));
    for key in streams {
        forget(key);
    }
}

/// An HTTP/2 response ended: the response object no longer answers on
/// the stream (its request keeps its body until the connection's next
/// stream starts, see [`h2_request_response`]).
pub(super) fn h2_ended(key: ConnKey) {
    let response = RESPONSES.with(|r| r.borrow().get(&key).map(|s| s.owner));
    if let Some(owner) = response {
        H2_OBJECTS.with(|h| h.borrow_mut().remove(&owner));
    }
}

/// Forgets the ended streams of session `fd` (their requests' bodies and
/// objects): a long-lived HTTP/2 connection keeps only its open streams.
fn prune_ended_streams(fd: i64) {
    let ended: Vec<ConnKey> = BODIES.with(|b| {
        b.borrow()
            .keys()
            .filter(|k| matches!(k, ConnKey::Stream(f, _) if *f == fd))
            .filter(|k| RESPONSES.with(|r| !r.borrow().contains_key(k)))
            .copied()
            .collect()
    });
    for key in ended {
        BODIES.with(|b| b.borrow_mut().remove(&key));
        H2_OBJECTS.with(|h| h.borrow_mut().retain(|_, (k, _)| *k != key));
    }
}

fn forget(key: ConnKey) {
    BODIES.with(|b| b.borrow_mut().remove(&key));
    let st = RESPONSES.with(|r| r.borrow_mut().remove(&key));
    if let Some(st) = st {
        if !st.ended {
            CLIENT_GONE.with(|g| g.borrow_mut().insert(st.owner));
        }
        remove_tmp_files(&st.tmp_files);
    }
}

fn remove_tmp_files(files: &[String]) {
    for f in files {
        unmark_uploaded(f);
        let _ = std::fs::remove_file(f);
    }
}

/// `$request` and `$response` for onRequest / onHandshake.
pub fn request_response(
    st: &ServerState,
    conn: &Connection,
    req: &Request,
    handshake: bool,
) -> (Zval, Zval) {
    let origin = Origin::of(st, conn);
    request_response_at(&origin, req, handshake, conn.keep_alive(), None)
}

/// `$request` and `$response` for a request on HTTP/2 stream `stream` of
/// `conn`: the response answers on the stream.
pub fn h2_request_response(
    st: &ServerState,
    conn: &Connection,
    req: &Request,
    stream: Rc<dyn H2Answer>,
) -> (Zval, Zval) {
    prune_ended_streams(conn.id);
    let mut origin = Origin::of(st, conn);
    origin.key = ConnKey::Stream(conn.id, stream.stream_id());
    let (request, response) = request_response_at(&origin, req, false, true, None);
    for object in [&request, &response] {
        if let Some(o) = zend::obj_ptr(object) {
            // SAFETY: o is an object just made.
            let handle = unsafe { (*o).handle };
            H2_OBJECTS.with(|h| h.borrow_mut().insert(handle, (origin.key, stream.clone())));
        }
    }
    (request, response)
}

/// After onRequest of an HTTP/2 stream returned: see [`end_abandoned`].
pub fn h2_after_callback(response: &Zval) {
    let Some(o) = zend::obj_ptr(response) else {
        return;
    };
    // SAFETY: o is alive: `response` holds a reference.
    let (refcount, handle) = unsafe { ((*o).gc.refcount, (*o).handle) };
    let Some((key, stream)) = H2_OBJECTS.with(|h| h.borrow().get(&handle).cloned()) else {
        return;
    };
    if refcount <= 1 {
        end_abandoned(o, &Dest::H2(stream), key);
    }
}

/// `$request` and `$response` for a request from `origin`; `socket` is the
/// coroutine server's connection the objects write to.
pub(crate) fn request_response_at(
    origin: &Origin,
    req: &Request,
    handshake: bool,
    keep_alive: bool,
    socket: Option<&crate::php::client::SharedConn>,
) -> (Zval, Zval) {
    let (request, tmp_files) = request_object_with_files(origin, req);
    let response = zend::new_object(RESPONSE.get());
    let mut owner = 0;
    if let Some(o) = zend::obj_ptr(&response) {
        zend::set_prop(o, "fd", zlong(origin.fd()));
        // SAFETY: o is the response object just created.
        owner = unsafe { (*o).handle };
    }
    if let Some(socket) = socket {
        SOCKET_OBJECTS.with(|s| {
            let mut s = s.borrow_mut();
            s.insert(owner, socket.clone());
            if let Some(r) = zend::obj_ptr(&request) {
                // SAFETY: r is the request object just created.
                s.insert(unsafe { (*r).handle }, socket.clone());
            }
        });
    }
    let mut state = ResponseState::new(owner, keep_alive);
    state.handshake = handshake;
    // An onRequest of the server counts toward max_concurrency.
    if !handshake && socket.is_none() {
        state.in_flight = true;
        concurrency::begin();
    }
    state.head_request = req.method.eq_ignore_ascii_case("HEAD");
    state.tmp_files = tmp_files;
    state.compression = origin
        .compression
        .as_ref()
        .filter(|_| !handshake)
        .and_then(|policy| {
            let coding = crate::protocol::http_compression::choose(req.header("accept-encoding")?)?;
            Some((coding, policy.clone()))
        });
    start_response(origin.key, state);
    (request, response)
}

/// `state` becomes the response of `key` (a new one on the connection).
fn start_response(key: ConnKey, state: ResponseState) {
    CLIENT_GONE.with(|g| g.borrow_mut().remove(&state.owner));
    RESPONSES.with(|r| r.borrow_mut().insert(key, state));
}

/// A response object for session `fd` made by `Response::create()`: it
/// answers whatever request the connection waits on, with keep-alive (as
/// Swoole's created responses do) and no compression.
fn created_response(fd: i64) -> Zval {
    let response = zend::new_object(RESPONSE.get());
    let Some(o) = zend::obj_ptr(&response) else {
        return response;
    };
    zend::set_prop(o, "fd", zlong(fd));
    // SAFETY: o is the response object just created.
    let owner = unsafe { (*o).handle };
    start_response(ConnKey::Server(fd), ResponseState::new(owner, true));
    response
}

/// Where a request came from, for its object.
pub(crate) struct Origin {
    pub key: ConnKey,
    pub local: std::net::SocketAddr,
    pub peer: std::net::SocketAddr,
    pub parse_cookie: bool,
    pub parse_post: bool,
    /// `http_parse_files` (see `runtime::Settings`).
    pub parse_files: bool,
    pub upload_tmp_dir: String,
    /// `http_compression`'s settings when it is on.
    pub compression: Option<std::sync::Arc<crate::protocol::http_compression::Policy>>,
}

impl Origin {
    /// A connection of the event-driven server, with its settings.
    fn of(st: &ServerState, conn: &Connection) -> Origin {
        let settings = st.settings.borrow();
        Origin {
            key: ConnKey::Server(conn.id),
            local: conn.local,
            peer: conn.peer,
            parse_cookie: settings.http_parse_cookie,
            parse_post: settings.http_parse_post,
            parse_files: settings.http_parse_files,
            upload_tmp_dir: settings.upload_tmp_dir.clone(),
            compression: settings
                .http_compression
                .then(|| settings.http_compression_policy.clone()),
        }
    }

    fn fd(&self) -> i64 {
        match self.key {
            ConnKey::Server(fd) | ConnKey::Socket(fd) | ConnKey::Stream(fd, _) => fd,
        }
    }
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
    end_abandoned(o, &Dest::Server(conn.clone()), ConnKey::Server(conn.id));
}

/// Ends response `o`, which nobody can end any more (its callback
/// returned without keeping it), as Swoole ends one it destroys: with
/// status 500 unless the script set a status or began the body.
fn end_abandoned(o: *mut zend_object, dest: &Dest, key: ConnKey) {
    let open = RESPONSES.with(|r| {
        r.borrow()
            .get(&key)
            .map(|s| (s.ended, s.chunked || s.status_set))
    });
    let Some((false, keeps_status)) = open else {
        return;
    };
    if !keeps_status {
        RESPONSES.with(|r| {
            if let Some(s) = r.borrow_mut().get_mut(&key) {
                s.status = 500;
            }
        });
    }
    finish(o, dest, key, None);
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
            .remove(&ConnKey::Server(conn.id))
            .map(|mut s| std::mem::take(&mut s.tmp_files))
            .unwrap_or_default()
    });
    remove_tmp_files(&tmp);
    out
}
