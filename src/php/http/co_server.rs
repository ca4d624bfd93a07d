//! `Swoole\Coroutine\Http\Server` (`Co\Http\Server`): an HTTP server in a
//! coroutine. `start()` accepts in the calling coroutine; each connection
//! is served by a coroutine of its own, one request after another
//! (keep-alive), with the same `Request` and `Response` objects as
//! `Http\Server`, writing to the connection's socket ([`Dest::Socket`]).
//! A handler may `$response->upgrade()` the connection to WebSocket and
//! then `push()` and `recv()` frames itself.
//!
//! Routing is Swoole's: a handler whose pattern starts the path (case
//! insensitive), else the one for "/", else 404. Responses are compressed
//! as `Http\Server`'s (`http_compression*`). Left out: HTTP/2, SSL.

use std::cell::RefCell;

use bytes::BytesMut;

use super::*;
use crate::php::client::{accept_loop, ListenArgs, SharedConn};
use crate::php::coroutine::{self, io};
use crate::protocol::frame::{opcode, Frame};
use crate::protocol::handshake;
use crate::protocol::http::{HttpError, Limits, RequestParser};
use crate::protocol::message::{AssemblerConfig, Event, MessageAssembler};
use crate::runtime::client::socket::Kind;
use crate::runtime::client::state::Recv;
use zend::Callback;

pub static CO_HTTP_SERVER: ClassSlot = ClassSlot::new();

/// One server object's state.
struct CoServer {
    listener: Option<SharedConn>,
    /// The listening socket's descriptor (to cancel the accept wait).
    listener_fd: i32,
    /// Handlers by pattern, in the order set ("/" is the default).
    handlers: Vec<(String, Callback)>,
    running: bool,
    /// Connections being served (for shutdown()).
    clients: Vec<SharedConn>,
}

/// A coroutine server's response, beside the shared response state: what
/// `upgrade()`, `push()` and `recv()` need.
struct SocketResponse {
    conn: SharedConn,
    /// The request's `Sec-WebSocket-Key` (a WebSocket handshake).
    ws_key: Option<Vec<u8>>,
    /// Bytes read past the request: the first frames after an upgrade.
    buf: Rc<RefCell<BytesMut>>,
    /// After `upgrade()`: frames are reassembled here.
    ws: RefCell<Option<MessageAssembler>>,
}

thread_local! {
    static SERVERS: RefCell<HashMap<u32, Rc<RefCell<CoServer>>>> = RefCell::new(HashMap::new());
    static SOCKET_RESPONSES: RefCell<HashMap<u32, Rc<SocketResponse>>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\Http\\Server");
    c.flags = 0x20; // ZEND_ACC_FINAL
    c.props = vec![
        ("fd", Default::Long(-1), PUBLIC),
        ("host", Default::Null, PUBLIC),
        ("port", Default::Long(-1), PUBLIC),
        ("ssl", Default::Bool(false), PUBLIC),
        ("settings", Default::Null, PUBLIC),
        ("errCode", Default::Long(0), PUBLIC),
        ("errMsg", Default::Str(""), PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            cs_construct,
            "string $host, int $port = 0, bool $ssl = false, bool $reuse_port = false",
            "",
        ),
        m("__destruct", cs_destruct, "", ""),
        m("set", cs_set, "array $settings", "bool"),
        m(
            "handle",
            cs_handle,
            "string $pattern, callable $callback",
            "bool",
        ),
        m("start", cs_start, "", "bool"),
        m("shutdown", cs_shutdown, "", "void"),
    ];
    CO_HTTP_SERVER.set(c.register());
    super::super::classes::alias("Co\\Http\\Server", CO_HTTP_SERVER.get());
}

pub fn request_shutdown() {
    let servers = SERVERS.with(|s| std::mem::take(&mut *s.borrow_mut()));
    drop(servers);
    let responses = SOCKET_RESPONSES.with(|s| std::mem::take(&mut *s.borrow_mut()));
    drop(responses);
}

fn server_of(ex: &mut ExecuteData) -> Option<(u32, *mut zend_object, Rc<RefCell<CoServer>>)> {
    let (h, o) = zend::this_object(ex)?;
    let s = SERVERS.with(|s| s.borrow().get(&h).cloned())?;
    Some((h, o, s))
}

fn set_error(o: *mut zend_object, code: i64) {
    zend::set_prop(o, "errCode", zlong(code));
    zend::set_prop(
        o,
        "errMsg",
        zstr(crate::runtime::client::codes::text(code).unwrap_or_default()),
    );
}

fn cs_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = ListenArgs::parse(ex) else {
        return;
    };
    let Some((h, o)) = zend::this_object(ex) else {
        return;
    };
    let host = args.host.clone();
    zend::set_prop(o, "host", zstr(host.as_str()));
    zend::set_prop(o, "ssl", zend::zbool(args.ssl));
    let exception = super::super::server::EXCEPTION.get();
    if host.is_empty() {
        zend::throw(exception, "host is empty", i64::from(libc::EINVAL));
        return;
    }
    let (kind, addr) = match host.strip_prefix("unix:") {
        Some(path) => (Kind::UnixStream, path.trim_start_matches("//").to_string()),
        None if host.contains(':') => (Kind::Tcp6, host.clone()),
        None => (Kind::Tcp, host.clone()),
    };
    let listener = match args.listen(kind, &addr) {
        Ok(l) => l,
        Err((msg, code)) => {
            set_error(o, code);
            zend::throw(exception, &msg, code);
            return;
        }
    };
    if let Ok(c) = listener.client() {
        zend::set_prop(o, "fd", zlong(c.sock.fd()));
        let bound_port = c.sock.local_name().map_or(args.port, |(p, _)| p);
        zend::set_prop(o, "port", zlong(bound_port));
    }
    let server = CoServer {
        listener_fd: listener.fd().unwrap_or(-1),
        listener: Some(listener),
        handlers: Vec::new(),
        running: false,
        clients: Vec::new(),
    };
    SERVERS.with(|s| s.borrow_mut().insert(h, Rc::new(RefCell::new(server))));
}

fn cs_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = zend::this_object(ex) else {
        return;
    };
    let gone = SERVERS.with(|s| s.borrow_mut().remove(&h));
    drop(gone);
}

fn cs_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.array(0, "settings") else {
        return;
    };
    let Some((_, o)) = zend::this_object(ex) else {
        return;
    };
    if settings.is_empty() {
        rv.set_bool(false);
        return;
    }
    let mut merged = match zend::get_prop(o, "settings").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    for (k, v) in settings.iter() {
        let _ = merged.insert(k.to_string().as_str(), zend::zcopy(v));
    }
    zend::set_prop(o, "settings", zarray(merged));
    rv.set_bool(true);
}

fn cs_handle(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(pattern) = args.string(0, "pattern") else {
        return;
    };
    let Some(cb) = args.get(1).and_then(Callback::new) else {
        zend::throw_type_error(
            "Swoole\\Coroutine\\Http\\Server::handle(): Argument #2 ($callback) must be a valid callback",
        );
        return;
    };
    let Some((_, _, server)) = server_of(ex) else {
        rv.set_bool(false);
        return;
    };
    let mut s = server.borrow_mut();
    s.handlers.retain(|(p, _)| *p != pattern);
    s.handlers.push((pattern, cb));
    rv.set_bool(true);
}

/// The settings a connection's requests are parsed with.
#[derive(Clone)]
struct ServeSettings {
    parse_post: bool,
    parse_cookie: bool,
    /// `http_parse_files` (off by default, as Swoole's).
    parse_files: bool,
    upload_tmp_dir: String,
    max_body: usize,
    compression: Option<std::sync::Arc<crate::protocol::http_compression::Policy>>,
}

fn serve_settings(o: *mut zend_object) -> ServeSettings {
    let a = zend::get_prop(o, "settings").and_then(|z| z.array());
    let get = |k: &str| a.and_then(|a| a.get(k));
    let truthy = |z: &Zval| z.bool().unwrap_or_else(|| z.long() != Some(0));
    let flag = |k: &str| get(k).is_none_or(truthy);
    ServeSettings {
        parse_post: flag("http_parse_post"),
        parse_cookie: flag("http_parse_cookie"),
        parse_files: get("http_parse_files").is_some_and(truthy),
        upload_tmp_dir: get("upload_tmp_dir")
            .and_then(|z| z.string())
            .unwrap_or_else(|| "/tmp".to_string()),
        max_body: get("package_max_length")
            .and_then(|z| z.long())
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(2 * 1024 * 1024),
        compression: compression_settings(a),
    }
}

/// `http_compression` and its settings, read as `Http\Server` reads them.
fn compression_settings(
    a: Option<&ext_php_rs::types::ZendHashTable>,
) -> Option<std::sync::Arc<crate::protocol::http_compression::Policy>> {
    let mut typed = crate::runtime::Settings::default();
    if let Some(a) = a {
        for (k, v) in a.iter() {
            let k = k.to_string();
            if k.contains("compression") || k == "http_gzip_level" {
                typed.apply(&k, &crate::php::server::setting_value(v));
            }
        }
    }
    typed
        .http_compression
        .then_some(typed.http_compression_policy)
}

/// `start()`: accepts until `shutdown()`; every connection in a coroutine
/// of its own.
fn cs_start(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((_, o, server)) = server_of(ex) else {
        return;
    };
    if coroutine::current() < 0 {
        coroutine::throw_out_of_coroutine();
        return;
    }
    let Some(listener) = server.borrow().listener.clone() else {
        return;
    };
    let settings = serve_settings(o);
    server.borrow_mut().running = true;
    let failed = accept_loop(
        &listener,
        || server.borrow().running,
        |conn| {
            server.borrow_mut().clients.push(conn.clone());
            let srv = server.clone();
            let settings = settings.clone();
            coroutine::spawn_native(Box::new(move || serve(srv, conn, settings)));
        },
    );
    if let Some(code) = failed {
        set_error(o, code);
        zend::warning_docref(&format!(
            "accept failed, Error: {}[{code}]",
            super::super::errors::os_error_text(code as i32)
        ));
    }
    rv.set_bool(true);
}

/// `shutdown()`: stops accepting and ends the connections that wait for a
/// request.
fn cs_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_null();
    let Some((_, _, server)) = server_of(ex) else {
        return;
    };
    let (listener_fd, clients) = {
        let mut s = server.borrow_mut();
        s.running = false;
        (s.listener_fd, std::mem::take(&mut s.clients))
    };
    io::cancel_fd(listener_fd, crate::runtime::client::socket::Event::Read);
    for c in clients {
        if let Some(fd) = c.fd() {
            io::cancel_fd(fd, crate::runtime::client::socket::Event::Read);
        }
    }
}

/// The handler for `path`: a pattern that starts it (case insensitive),
/// else "/".
fn handler_for(server: &Rc<RefCell<CoServer>>, path: &str) -> Option<Callback> {
    let s = server.borrow();
    let lower = path.to_ascii_lowercase();
    s.handlers
        .iter()
        .filter(|(p, _)| p != "/")
        .find(|(p, _)| lower.starts_with(&p.to_ascii_lowercase()))
        .or_else(|| s.handlers.iter().find(|(p, _)| p == "/"))
        .map(|(_, cb)| cb.clone())
}

/// One connection's coroutine: its requests, one after another.
fn serve(server: Rc<RefCell<CoServer>>, conn: SharedConn, settings: ServeSettings) {
    let fd = conn.fd().map_or(-1, i64::from);
    let (local, peer) = match conn.client() {
        Ok(c) => (
            c.sock.sock.local_addr().ok().and_then(|a| a.as_socket()),
            c.sock.sock.peer_addr().ok().and_then(|a| a.as_socket()),
        ),
        Err(_) => (None, None),
    };
    let unspecified = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let origin = Origin {
        key: ConnKey::Socket(fd),
        local: local.unwrap_or(unspecified),
        peer: peer.unwrap_or(unspecified),
        parse_cookie: settings.parse_cookie,
        parse_post: settings.parse_post,
        parse_files: settings.parse_files,
        upload_tmp_dir: settings.upload_tmp_dir.clone(),
        compression: settings.compression.clone(),
    };
    let limits = Limits {
        max_body: settings.max_body,
        ..Limits::default()
    };
    let buf = Rc::new(RefCell::new(BytesMut::new()));
    let mut parser = RequestParser::new(limits);
    'requests: loop {
        // Read until a whole request is there.
        let req = loop {
            let parsed = parser.parse(&buf.borrow());
            match parsed {
                Ok(Some((req, used))) => {
                    let _ = buf.borrow_mut().split_to(used);
                    break req;
                }
                Ok(None) => {}
                Err(e) => {
                    let status = match e {
                        HttpError::BodyTooLarge { .. } => 413,
                        _ => 400,
                    };
                    let _ = conn.send_all(
                        format!(
                            "HTTP/1.1 {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            crate::protocol::response::status_message(status)
                        )
                        .as_bytes(),
                        0.0,
                    );
                    break 'requests;
                }
            }
            let got = match conn.client() {
                Ok(mut c) => c.recv_raw(65536, 0),
                Err(_) => break 'requests,
            };
            match got {
                Recv::Data(d) if !d.is_empty() => buf.borrow_mut().extend_from_slice(&d),
                _ => break 'requests,
            }
        };
        let keep_alive = req.keep_alive();
        let ws_key = handshake::is_websocket_upgrade(&req)
            .then(|| handshake::validate_key(&req).map(<[u8]>::to_vec))
            .flatten();
        let (request, response) =
            request_response_at(&origin, &req, false, keep_alive, Some(&conn));
        let resp_handle = zend::obj_ptr(&response).map(|o| {
            // SAFETY: the response object just made.
            unsafe { (*o).handle }
        });
        if let Some(h) = resp_handle {
            SOCKET_RESPONSES.with(|s| {
                s.borrow_mut().insert(
                    h,
                    Rc::new(SocketResponse {
                        conn: conn.clone(),
                        ws_key,
                        buf: buf.clone(),
                        ws: RefCell::new(None),
                    }),
                )
            });
        }
        match handler_for(&server, &req.path) {
            Some(cb) => {
                let outcome = cb.call(&mut [zend::zcopy(&request), zend::zcopy(&response)]);
                if outcome == zend::CallOutcome::Exit || outcome == zend::CallOutcome::Bailout {
                    break 'requests;
                }
            }
            None => {
                RESPONSES.with(|r| {
                    if let Some(s) = r.borrow_mut().get_mut(&origin.key) {
                        s.status = 404;
                    }
                });
            }
        }
        let upgraded = resp_handle
            .and_then(|h| SOCKET_RESPONSES.with(|s| s.borrow().get(&h).cloned()))
            .is_some_and(|r| r.ws.borrow().is_some());
        // A response the handler did not end (and no longer holds) ends
        // here, as Swoole does when it frees one.
        if let Some(o) = zend::obj_ptr(&response) {
            let live = RESPONSES.with(|r| {
                let mut r = r.borrow_mut();
                let Some(s) = r.get_mut(&origin.key).filter(|s| !s.ended) else {
                    return false;
                };
                if !s.chunked && !s.status_set {
                    s.status = 500;
                }
                true
            });
            if live {
                let dest = Dest::Socket(conn.clone());
                finish(o, &dest, origin.key, None);
            }
        }
        drop(request);
        drop(response);
        if let Some(h) = resp_handle {
            SOCKET_RESPONSES.with(|s| s.borrow_mut().remove(&h));
        }
        if upgraded || !keep_alive || !server.borrow().running || !conn.is_open() {
            break;
        }
    }
    forget(origin.key);
    SOCKET_OBJECTS.with(|s| s.borrow_mut().retain(|_, c| !Rc::ptr_eq(c, &conn)));
    server
        .borrow_mut()
        .clients
        .retain(|c| !Rc::ptr_eq(c, &conn));
    conn.close();
}

/// `$response->close()` on a coroutine server's response: closes its
/// socket.
pub(super) fn close_response_socket(o: *mut zend_object) -> bool {
    // SAFETY: o is a live object (the method's $this).
    let handle = unsafe { (*o).handle };
    match SOCKET_OBJECTS.with(|s| s.borrow().get(&handle).cloned()) {
        Some(conn) if conn.is_open() => {
            conn.close();
            true
        }
        _ => false,
    }
}

fn socket_response(o: *mut zend_object) -> Option<Rc<SocketResponse>> {
    // SAFETY: o is a live object (the method's $this).
    let handle = unsafe { (*o).handle };
    SOCKET_RESPONSES.with(|s| s.borrow().get(&handle).cloned())
}

/// `upgrade()` on a coroutine server's response: the WebSocket handshake
/// answered (101), then the handler pushes and receives frames.
pub(super) fn upgrade(o: *mut zend_object) -> Option<bool> {
    let sr = socket_response(o)?;
    let Some(key) = sr.ws_key.clone() else {
        return Some(false);
    };
    let Some((ckey, _)) = writable(o) else {
        return Some(false);
    };
    let date = http_date(unix_time() as u64);
    let bytes = handshake::response_101(&handshake::accept_key(&key), None, None, &date);
    let ok = sr.conn.send_all(&bytes, 0.0).is_ok();
    RESPONSES.with(|r| {
        if let Some(s) = r.borrow_mut().get_mut(&ckey) {
            s.ended = true;
            s.status = 101;
        }
    });
    *sr.ws.borrow_mut() = Some(MessageAssembler::new(AssemblerConfig {
        max_message: 2 * 1024 * 1024,
        require_mask: true,
        deflate: false,
    }));
    Some(ok)
}

/// `push()` on an upgraded coroutine server's response.
pub(super) fn push(o: *mut zend_object, op: u8, fin: bool, payload: &[u8]) -> Option<bool> {
    let sr = socket_response(o).filter(|sr| sr.ws.borrow().is_some())?;
    let mut out = Vec::with_capacity(payload.len() + 10);
    crate::protocol::frame::encode(&mut out, fin, 0, op, None, payload);
    Some(sr.conn.send_all(&out, 0.0).is_ok())
}

/// `recv()` on an upgraded coroutine server's response: the next message
/// (pings answered), a CloseFrame, '' when the client closed, false on
/// timeout or error.
pub(super) fn recv(o: *mut zend_object, timeout: f64) -> Option<Zval> {
    let sr = socket_response(o).filter(|sr| sr.ws.borrow().is_some())?;
    let fd = sr.conn.fd().map_or(-1, i64::from);
    loop {
        // A whole frame from what is buffered?
        let decoded = Frame::decode(&mut sr.buf.borrow_mut(), 2 * 1024 * 1024);
        let frame = match decoded {
            Ok(Some(f)) => f,
            Ok(None) => {
                let got = match sr.conn.client() {
                    Ok(mut c) => c.with_timeout(timeout, true, |c| c.recv_raw(65536, 0)),
                    Err(_) => return Some(zend::zbool(false)),
                };
                match got {
                    Recv::Data(d) if d.is_empty() => return Some(zstr("")),
                    Recv::Data(d) => {
                        sr.buf.borrow_mut().extend_from_slice(&d);
                        continue;
                    }
                    _ => return Some(zend::zbool(false)),
                }
            }
            Err(_) => return Some(zend::zbool(false)),
        };
        let event = match sr.ws.borrow_mut().as_mut().map(|a| a.push(frame, None)) {
            Some(Ok(Some(e))) => e,
            Some(Ok(None)) => continue,
            _ => return Some(zend::zbool(false)),
        };
        // Pings are answered, a close is echoed, and the wait goes on
        // (Swoole's defaults: the client's close of the connection ends it).
        let reply = match &event {
            Event::Ping(p) => Some((opcode::PONG, p.clone())),
            Event::Close { payload, .. } => Some((opcode::CLOSE, payload.clone())),
            _ => None,
        };
        if let Some((op, payload)) = reply {
            let mut out = Vec::new();
            crate::protocol::frame::encode(&mut out, true, 0, op, None, &payload);
            let _ = sr.conn.send_all(&out, 0.0);
            continue;
        }
        return Some(super::super::frame::frame_object(fd, &event));
    }
}
