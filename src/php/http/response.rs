//! `Swoole\Http\Response`'s methods: status, headers and cookies, then
//! the head and body written to the connection (or to the master).

use super::*;
use crate::protocol::http_compression::Coding;

pub(super) fn fd_of(o: *mut zend_object) -> i64 {
    zend::get_prop(o, "fd").and_then(|z| z.long()).unwrap_or(0)
}

/// Where a response goes: a connection of the event-driven server, or a
/// coroutine server's socket (a write waits in the calling coroutine).
pub(crate) enum Dest {
    Server(Rc<Connection>),
    Socket(crate::php::client::SharedConn),
    /// An HTTP/2 stream: heads and bodies go out as its frames (see
    /// [`finish_h2`]), never as HTTP/1 bytes.
    H2(Rc<dyn crate::runtime::http2::H2Answer>),
    /// A session another process serves (a response `Response::create()`
    /// made in a task worker, say): its bytes and its end are sent to the
    /// owner, which writes them as its own.
    Remote {
        owner: u32,
        session: i64,
        ws_status: u8,
    },
}

impl Dest {
    pub(crate) fn send(&self, bytes: Vec<u8>) -> bool {
        match self {
            Dest::Server(c) => c.send(Bytes::from(bytes)).is_ok(),
            Dest::Socket(s) => s.send_all(&bytes, 0.0).is_ok(),
            Dest::H2(s) => s.send_data(Bytes::from(bytes), false),
            Dest::Remote { owner, session, .. } => crate::worker::cluster::forward(
                *owner,
                &crate::worker::ipc::Message::Send {
                    session: *session,
                    data: bytes,
                },
            ),
        }
    }
}

/// The response's connection if the response can still be written.
pub(super) fn writable(o: *mut zend_object) -> Option<(ConnKey, Dest)> {
    let key = key_of(o);
    // SAFETY: o is a live object (the method's $this).
    let handle = unsafe { (*o).handle };
    let live = RESPONSES.with(|r| {
        r.borrow()
            .get(&key)
            .is_some_and(|s| !s.ended && s.owner == handle)
    });
    if !live {
        return None;
    }
    let dest = match key {
        ConnKey::Server(fd) => {
            let rt = state::current().and_then(|s| s.runtime())?;
            match rt.table.get(fd) {
                Some(conn) => Dest::Server(Some(conn).filter(|c| !c.is_closing())?),
                None => {
                    let info = crate::worker::cluster::remote_session(fd)?;
                    Dest::Remote {
                        owner: info.owner,
                        session: fd,
                        ws_status: info.ws_status,
                    }
                }
            }
        }
        ConnKey::Socket(_) => {
            Dest::Socket(SOCKET_OBJECTS.with(|s| s.borrow().get(&handle).cloned())?)
        }
        ConnKey::Stream(fd, _) => {
            let rt = state::current().and_then(|s| s.runtime())?;
            rt.table.get(fd).filter(|c| !c.is_closing())?;
            Dest::H2(H2_OBJECTS.with(|h| h.borrow().get(&handle).map(|(_, s)| s.clone()))?)
        }
    };
    Some((key, dest))
}

/// A response that was ended or detached: false and Swoole 6.2's
/// `SWOOLE_ERROR_HTTP_CONTEXT_UNAVAILABLE`, without a warning (as Swoole).
pub(super) fn unavailable(rv: &mut Zval) {
    crate::php::errors::set_last_error(HTTP_CONTEXT_UNAVAILABLE);
    rv.set_bool(false);
}

/// `SWOOLE_ERROR_HTTP_CONTEXT_UNAVAILABLE`.
const HTTP_CONTEXT_UNAVAILABLE: i64 = 7106;

/// Whether the response is neither ended nor detached (its client may be
/// gone: setting headers still works then, as in Swoole).
fn is_open(o: *mut zend_object) -> bool {
    let key = key_of(o);
    // SAFETY: o is a live object (the method's $this).
    let handle = unsafe { (*o).handle };
    let state = RESPONSES.with(|r| {
        r.borrow()
            .get(&key)
            .filter(|s| s.owner == handle)
            .map(|s| !s.ended)
    });
    state.unwrap_or_else(|| super::client_gone(handle))
}

/// Why `writable(o)` failed, as Swoole tells it: a response that was
/// ended or detached warns; one whose client is gone (closed while the
/// callback ran) fails quietly with `SWOOLE_ERROR_SESSION_NOT_EXIST`.
pub(super) fn unavailable_for(o: *mut zend_object, rv: &mut Zval) {
    if is_open(o) {
        crate::php::errors::set_last_error(crate::php::errors::SESSION_NOT_EXIST);
        rv.set_bool(false);
    } else {
        unavailable(rv);
    }
}

/// Header name as Swoole formats it: "content-type" -> "Content-Type".
pub(super) fn format_header_name(name: &str) -> String {
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
pub(super) fn value_bytes(v: &Zval) -> Vec<u8> {
    match zend::str_bytes(v) {
        Some(b) => b.to_vec(),
        None => v.coerce_to_string().unwrap_or_default().into_bytes(),
    }
}

/// A copy of an array property of the response (`header`, `cookie`) to
/// change and store back; an empty array when none was set yet.
pub(super) fn array_prop(
    o: *mut zend_object,
    name: &str,
) -> ext_php_rs::boxed::ZBox<ZendHashTable> {
    match zend::get_prop(o, name).and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    }
}

/// The user's headers from `$response->header`, in the order set. The
/// array is copied first: converting a value may run PHP code (`__toString`)
/// that changes the property.
pub(super) fn user_headers(o: *mut zend_object) -> Vec<(String, Vec<u8>)> {
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
            // A null in the list is no line at all (Swoole skips it).
            for item in a.values().filter(|item| !item.is_null()) {
                out.push((name.clone(), value_bytes(item)));
            }
        } else {
            out.push((name, value_bytes(v)));
        }
    }
    out
}

pub(super) fn user_cookies(o: *mut zend_object) -> Vec<String> {
    zend::get_prop(o, "cookie")
        .and_then(|z| z.array())
        .map(|a| a.values().filter_map(|v| v.coerce_to_string()).collect())
        .unwrap_or_default()
}

/// The response of `key` ended: its state goes, and its uploads' files.
fn forget_ended(key: ConnKey) {
    let tmp = RESPONSES.with(|r| {
        r.borrow_mut()
            .remove(&key)
            .map(|mut s| std::mem::take(&mut s.tmp_files))
            .unwrap_or_default()
    });
    remove_tmp_files(&tmp);
}

/// `end()`'s body compressed as `http_compression` says (the request's
/// coding, the settings, the script's own `Content-Type` and
/// `Content-Encoding`); None to send it as it is.
fn compressed_body(
    o: *mut zend_object,
    compression: Option<(
        Coding,
        std::sync::Arc<crate::protocol::http_compression::Policy>,
    )>,
    body: &[u8],
) -> Option<(Coding, Vec<u8>)> {
    let (coding, policy) = compression?;
    let headers = user_headers(o);
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_slice());
    let script_encoded = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-encoding"));
    if script_encoded || !policy.applies(body.len(), content_type) {
        return None;
    }
    policy.compress(coding, body).map(|b| (coding, b))
}

/// `Response::trailer()`'s fields, in the order set.
fn user_trailers(o: *mut zend_object) -> Vec<(String, Vec<u8>)> {
    zend::get_prop(o, "trailer")
        .and_then(|z| z.array())
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.to_string(), value_bytes(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// An HTTP/2 response head: the status, and the fields an HTTP/1 head
/// would carry (the script's headers and cookies, `server`, `date`,
/// `content-type`, the length when known, the coding of a compressed
/// body), minus what HTTP/2 forbids (dropped by the stream).
fn h2_head(
    o: *mut zend_object,
    key: ConnKey,
    body_len: Option<usize>,
    coding: Option<Coding>,
) -> (u16, Vec<(String, Vec<u8>)>) {
    let status = RESPONSES.with(|r| r.borrow().get(&key).map_or(200, |s| s.status));
    let mut fields = user_headers(o);
    if coding.is_some() {
        fields.retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
    }
    let has = |fields: &[(String, Vec<u8>)], name: &str| {
        fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    for cookie in user_cookies(o) {
        fields.push(("set-cookie".to_string(), cookie.into_bytes()));
    }
    if !has(&fields, "server") {
        fields.push(("server".to_string(), b"swoole-http-server".to_vec()));
    }
    if !has(&fields, "date") {
        fields.push((
            "date".to_string(),
            http_date(unix_time() as u64).into_bytes(),
        ));
    }
    if !has(&fields, "content-type") {
        fields.push(("content-type".to_string(), b"text/html".to_vec()));
    }
    if let Some(coding) = coding {
        fields.push((
            "content-encoding".to_string(),
            coding.name().as_bytes().to_vec(),
        ));
    }
    if let Some(len) = body_len {
        if !has(&fields, "content-length") {
            fields.push(("content-length".to_string(), len.to_string().into_bytes()));
        }
    }
    (status, fields)
}

/// [`finish`] on an HTTP/2 stream: the head (unless `write()` sent it),
/// the body, the trailers (`trailer()`), ending the stream.
fn finish_h2(
    o: *mut zend_object,
    stream: &dyn crate::runtime::http2::H2Answer,
    key: ConnKey,
    body: &[u8],
) -> bool {
    let Some((chunked, head_request, compression)) = RESPONSES.with(|r| {
        r.borrow_mut().get_mut(&key).map(|s| {
            s.ended = true;
            (s.chunked, s.head_request, s.compression.clone())
        })
    }) else {
        return false;
    };
    let trailers = user_trailers(o);
    let ok = if chunked {
        let mut ok = true;
        if !body.is_empty() {
            ok = stream.send_data(Bytes::copy_from_slice(body), trailers.is_empty());
        } else if trailers.is_empty() {
            ok = stream.send_data(Bytes::new(), true);
        }
        if !trailers.is_empty() {
            ok &= stream.send_trailers(&trailers);
        }
        ok
    } else {
        let compressed = compressed_body(o, compression, body);
        let (coding, body) = match &compressed {
            Some((coding, b)) => (Some(*coding), &b[..]),
            None => (None, body),
        };
        let (status, fields) = h2_head(o, key, Some(body.len()), coding);
        let no_body = head_request || body.is_empty();
        let mut ok = stream.send_head(status, &fields, no_body && trailers.is_empty());
        if ok && !no_body {
            ok = stream.send_data(Bytes::copy_from_slice(body), trailers.is_empty());
        }
        if ok && !trailers.is_empty() {
            ok = stream.send_trailers(&trailers);
        }
        ok
    };
    super::h2_ended(key);
    forget_ended(key);
    ok
}

/// `trailer($key, $value)`: a trailer field, sent after the body of an
/// HTTP/2 response or a chunked HTTP/1.1 one (`write()`).
pub(super) fn resp_trailer(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let (Some(name), Some(value)) = (args.string(0, "key"), args.bytes(1, "value")) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    if !is_open(o) {
        return unavailable(rv);
    }
    let mut t = array_prop(o, "trailer");
    zend::ht_set(&mut t, &name, zstr(value));
    zend::set_prop(o, "trailer", zarray(t));
    rv.set_bool(true);
}

/// Writes the head (once). `body_len` None means chunked.
pub(super) fn write_head(
    o: *mut zend_object,
    dest: &Dest,
    key: ConnKey,
    body_len: Option<usize>,
) -> bool {
    write_head_encoded(o, dest, key, body_len, None)
}

/// [`write_head`] for a body the server compressed with `coding`: the
/// script's own `Content-Length` is dropped (Swoole logs that it is).
fn write_head_encoded(
    o: *mut zend_object,
    dest: &Dest,
    key: ConnKey,
    body_len: Option<usize>,
    coding: Option<Coding>,
) -> bool {
    let (status, reason, keep_alive, handshake, head_request) = RESPONSES.with(|r| {
        r.borrow()
            .get(&key)
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
    let mut headers = user_headers(o);
    // A chunked head leaves the script's Content-Length out (see
    // `wire::ResponseHead`); Swoole logs that it does.
    if body_len.is_none()
        && !handshake
        && headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        crate::runtime::log::write(
            crate::runtime::log::Level::Warning,
            true,
            "Context::build_header() (ERRNO 7105): You have set 'Transfer-Encoding', 'Content-Length' will be ignored",
        );
    }
    if coding.is_some() {
        let before = headers.len();
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
        if headers.len() != before {
            crate::runtime::log::write(
                crate::runtime::log::Level::Warning,
                true,
                "Context::build_header() (ERRNO 7105): The client has set 'Accept-Encoding', 'Content-Length' will be ignored",
            );
        }
    }
    let cookies = user_cookies(o);
    let date = http_date(unix_time() as u64);
    let head = wire::ResponseHead {
        status,
        reason: reason.as_deref(),
        headers: &headers,
        cookies: &cookies,
        // A refused handshake closes the connection after its response.
        keep_alive: keep_alive && !handshake,
        body_len,
        date: &date,
        content_encoding: coding.map(Coding::name),
    };
    let mut out = Vec::with_capacity(256);
    // onHandShake's response, 101 or not, is Swoole's upgrade head: status,
    // the script's headers, Server and Date (a refusal's body then ends
    // with the connection).
    if handshake {
        head.encode_upgrade(&mut out);
    } else if head_request {
        head.encode_head_request(&mut out);
    } else {
        head.encode(&mut out);
    }
    dest.send(out)
}

/// Ends the response: head (if not yet sent), body, last chunk; lets the
/// connection go on to its next request, or upgrades it after a 101.
pub(super) fn finish(o: *mut zend_object, dest: &Dest, key: ConnKey, body: Option<&[u8]>) -> bool {
    if let Dest::H2(stream) = dest {
        return finish_h2(o, stream.as_ref(), key, body.unwrap_or(b""));
    }
    let Some((chunked, head_request, status, handshake, compression)) = RESPONSES.with(|r| {
        r.borrow_mut().get_mut(&key).map(|s| {
            s.ended = true;
            (
                s.chunked,
                s.head_request,
                s.status,
                s.handshake,
                s.compression.clone(),
            )
        })
    }) else {
        return false;
    };
    let body = body.unwrap_or(b"");
    let ok = if chunked {
        let mut out = Vec::with_capacity(body.len() + 16);
        if !body.is_empty() {
            wire::encode_chunk(body, &mut out);
        }
        let trailers = user_trailers(o);
        if trailers.is_empty() {
            out.extend_from_slice(wire::LAST_CHUNK);
        } else {
            // The last chunk with the script's trailer fields (RFC 9112 §7.1.2).
            out.extend_from_slice(b"0\r\n");
            for (name, value) in &trailers {
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b": ");
                out.extend_from_slice(value);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
        }
        dest.send(out)
    } else if head_request || body.is_empty() {
        write_head(o, dest, key, Some(body.len()))
    } else {
        let compressed = compressed_body(o, compression, body);
        let (coding, body) = match &compressed {
            Some((coding, b)) => (Some(*coding), &b[..]),
            None => (None, body),
        };
        // Head and body in one write.
        let mut ok = write_head_encoded(o, dest, key, Some(body.len()), coding);
        if ok {
            ok = dest.send(body.to_vec());
        }
        ok
    };
    forget_ended(key);
    match dest {
        Dest::Server(conn) => {
            if handshake && status == 101 {
                conn.set_ws_status(ws_status::ACTIVE);
            }
            conn.finish_response();
        }
        // The owner reads the connection's next request once this is done.
        Dest::Remote {
            owner,
            session,
            ws_status,
        } => {
            crate::worker::cluster::forward(
                *owner,
                &crate::worker::ipc::Message::ResponseDone {
                    session: *session,
                    ws_status: *ws_status,
                },
            );
        }
        Dest::Socket(_) | Dest::H2(_) => {}
    }
    ok
}

/// `detach()`: the response is no longer this object's to end (nor ended
/// for it when its callback returns); `Response::create($server, $fd)`
/// answers the request instead, here or in another process (a task
/// worker). The connection reads its next request once that one ends.
pub(super) fn resp_detach(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    if !is_open(o) {
        return unavailable(rv);
    }
    let key = key_of(o);
    RESPONSES.with(|r| {
        if let Some(s) = r.borrow_mut().get_mut(&key) {
            s.ended = true;
        }
    });
    rv.set_bool(true);
}

/// `Response::create($server, $fd)` / `Response::create($fd)`: a response
/// to session `$fd` of the running server, made outside its onRequest (in
/// a task worker, a timer, after `detach()`), kept alive as Swoole's is.
pub(super) fn resp_create(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    rv.set_bool(false);
    let Some(first) = args.get(0) else { return };
    let fd = if let Some(o) = zend::obj_ptr(first) {
        if !zend::instance_of(o, crate::php::server::SERVER.get()) {
            zend::warning_docref("parameter $1 must be instanceof Server or Coroutine\\Socket");
            return;
        }
        let Some(fd) = args.long_or(1, "fd", -1) else {
            return;
        };
        fd
    } else if first.is_array() {
        zend::warning_docref("parameter $1 must be instanceof Server or Coroutine\\Socket");
        return;
    } else {
        first
            .long()
            .or_else(|| first.double().map(|d| d as i64))
            .or_else(|| first.string().and_then(|s| s.trim().parse().ok()))
            .unwrap_or(0)
    };
    let Some(st) = state::current().filter(|s| s.running.get()) else {
        zend::warning_docref("server is not running");
        return;
    };
    let open = st.runtime().is_some_and(|rt| {
        rt.table.get(fd).is_some_and(|c| !c.is_closing())
            || crate::worker::cluster::remote_session(fd).is_some()
    });
    if !open {
        zend::warning_docref(&format!(
            "parameter $2 ({fd}) must be valid connection session_id"
        ));
        return;
    }
    *rv = super::created_response(fd);
}

pub(super) fn this(ex: &mut ExecuteData) -> Option<*mut zend_object> {
    ex.get_self().map(|o| o as *mut zend_object)
}

pub(super) fn req_unsupported(ex: &mut ExecuteData, rv: &mut Zval) {
    resp_unsupported(ex, rv);
}

pub(super) fn resp_unsupported(ex: &mut ExecuteData, rv: &mut Zval) {
    let name = super::super::args::function_name(ex);
    zend::error(
        zend::E_WARNING,
        &format!("{name}(): not supported by swoole-rs yet"),
    );
    rv.set_bool(false);
}

/// `ping($data = '')`: a PING frame to an HTTP/2 client, or a ping frame
/// with `$data` to a WebSocket the coroutine server upgraded.
pub(super) fn resp_ping(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        rv.set_bool(false);
        return;
    };
    let Some(data) = args.bytes_or(0, "data", b"") else {
        rv.set_bool(false);
        return;
    };
    let Some(o) = this(ex) else { return };
    if let Some(ok) = co_server::push(o, crate::protocol::frame::opcode::PING, true, &data) {
        rv.set_bool(ok);
        return;
    }
    match writable(o) {
        Some((_, Dest::H2(stream))) => {
            stream.ping();
            rv.set_bool(true);
        }
        _ => {
            zend::warning_docref("only supports websocket or http2 client");
            rv.set_bool(false);
        }
    }
}

/// `goaway($error_code = SWOOLE_HTTP2_ERROR_NO_ERROR, $debug_data = '')`:
/// a GOAWAY frame to an HTTP/2 client. NO_ERROR lets the streams already
/// open finish; another code ends the connection once it is sent. The
/// debug data is not sent (a known difference: the `h2` crate sends none).
pub(super) fn resp_goaway(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    let Some((_, dest)) = writable(o) else {
        unavailable(rv);
        return;
    };
    let Dest::H2(stream) = dest else {
        zend::warning_docref(&format!("fd[{}] is not a HTTP2 conncetion", fd_of(o)));
        rv.set_bool(false);
        return;
    };
    let Some(args) = Args::parse(ex, 0, 2) else {
        rv.set_bool(false);
        return;
    };
    let Some(code) = args.long_or(0, "error_code", 0) else {
        rv.set_bool(false);
        return;
    };
    // The frame's error code is 32 bits on the wire.
    stream.goaway(code as u32);
    rv.set_bool(true);
}

/// `upgrade()`: the coroutine HTTP server hands the request's connection
/// over to WebSocket; Http\Server answers as Swoole's does (it cannot).
pub(super) fn resp_upgrade(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(ok) = this(ex).and_then(co_server::upgrade) {
        rv.set_bool(ok);
        return;
    }
    super::super::errors::set_last_error(super::super::errors::PHP_FATAL_ERROR);
    zend::warning_docref("async server dose not support protocol upgrade");
    rv.set_bool(false);
}

/// `push($data, $opcode, $flags)`: a frame to an upgraded coroutine
/// server connection.
pub(super) fn resp_push(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(data) = args.get(0).map(zend::zcopy) else {
        return;
    };
    let Some(op) = args.long_or(1, "opcode", 1) else {
        return;
    };
    let Some(flags) = args.long_or(2, "flags", 1) else {
        return;
    };
    let Some(o) = this(ex) else { return };
    let (op, fin, payload) = match zend::obj_ptr(&data)
        .filter(|f| zend::instance_of(*f, super::super::frame::FRAME.get()))
    {
        Some(f) => {
            let spec = super::super::frame::frame_spec(f);
            let payload = match spec.close {
                Some((code, reason)) => {
                    let mut p = u16::try_from(code).unwrap_or(1000).to_be_bytes().to_vec();
                    p.extend_from_slice(&reason);
                    p
                }
                None => spec.data,
            };
            (spec.opcode, spec.flags & 1 != 0, payload)
        }
        None => (op, flags & 1 != 0, value_bytes(&data)),
    };
    let op = u8::try_from(op).unwrap_or(1) & 0x0f;
    match co_server::push(
        o,
        op,
        fin || crate::protocol::frame::opcode::is_control(op),
        &payload,
    ) {
        Some(ok) => rv.set_bool(ok),
        None => resp_not_websocket(ex, rv),
    }
}

/// `recv($timeout)`: the next frame of an upgraded coroutine server
/// connection.
pub(super) fn resp_recv(ex: &mut ExecuteData, rv: &mut Zval) {
    let timeout = Args::parse(ex, 0, 1).map_or(0.0, |a| a.float_or(0, 0.0));
    let Some(o) = this(ex) else { return };
    match co_server::recv(o, timeout) {
        Some(v) => *rv = v,
        None => resp_not_websocket(ex, rv),
    }
}

/// `push()` / `recv()` on a response: its connection is an HTTP one.
pub(super) fn resp_not_websocket(ex: &mut ExecuteData, rv: &mut Zval) {
    let fd = this(ex)
        .and_then(|o| zend::get_prop(o, "fd"))
        .and_then(|z| z.long())
        .unwrap_or(0);
    super::super::errors::set_last_error(super::super::errors::PHP_FATAL_ERROR);
    zend::warning_docref(&format!("fd[{fd}] is not a websocket conncetion"));
    rv.set_bool(false);
}

pub(super) fn resp_init_header(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    zend::set_prop(o, "header", zarray(ZendHashTable::new()));
    rv.set_bool(true);
}

/// As Swoole's: false once the response is ended or detached; a client
/// that left does not change it (write() then fails, error 1005).
pub(super) fn resp_is_writable(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    rv.set_bool(is_open(o));
}

pub(super) fn resp_status(ex: &mut ExecuteData, rv: &mut Zval) {
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
    if !is_open(o) {
        return unavailable(rv);
    }
    // Only the status of a response still bound to its connection is
    // kept (one whose client left takes it, to no effect, as in Swoole).
    let key = key_of(o);
    // SAFETY: o is a live object (the method's $this).
    let handle = unsafe { (*o).handle };
    RESPONSES.with(|r| {
        if let Some(s) = r.borrow_mut().get_mut(&key).filter(|s| s.owner == handle) {
            s.status = code.clamp(100, 999) as u16;
            s.status_set = true;
            s.reason = (!reason.is_empty()).then_some(reason);
        }
    });
    rv.set_bool(true);
}

pub(super) fn resp_header(ex: &mut ExecuteData, rv: &mut Zval) {
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
    if !is_open(o) {
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

pub(super) fn cookie_impl(ex: &mut ExecuteData, rv: &mut Zval, url_encode: bool) {
    let Some(args) = Args::parse(ex, 1, 10) else {
        return;
    };
    // A Swoole\Http\Cookie object: its own fields (and encoding).
    if let Some(cookie) = args.get(0).and_then(zend::obj_ptr) {
        let Some(o) = this(ex) else { return };
        let Some(fields) = super::cookie::fields_of(cookie) else {
            zend::warning_docref("The first argument must be a string or an cookie object");
            rv.set_bool(false);
            return;
        };
        if !is_open(o) {
            return unavailable(rv);
        }
        match fields.header_value() {
            Ok(line) => {
                add_cookie(o, line);
                rv.set_bool(true);
            }
            Err(warning) => {
                zend::warning_docref(&warning);
                super::cookie::reset(cookie);
                rv.set_bool(false);
            }
        }
        return;
    }
    let Some(name) = args.string(0, "name") else {
        return;
    };
    let Some(value) = args.bytes_or(1, "value", b"") else {
        return;
    };
    let Some(expires) = args.long_or(2, "expires", 0) else {
        return;
    };
    // Swoole writes no path unless one is given (its stub's '/' default
    // is not applied).
    let Some(path) = args.bytes_or(3, "path", b"") else {
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
    if !is_open(o) {
        return unavailable(rv);
    }
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let line = wire::cookie_header_value(
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
    add_cookie(o, line);
    rv.set_bool(true);
}

/// Adds a `Set-Cookie` value to the response's `cookie` list: one header
/// each, in order, two of one name included (as Swoole keeps them).
fn add_cookie(o: *mut zend_object, line: String) {
    let mut c = array_prop(o, "cookie");
    let _ = c.push(zstr(line));
    zend::set_prop(o, "cookie", zarray(c));
}

pub(super) fn resp_cookie(ex: &mut ExecuteData, rv: &mut Zval) {
    cookie_impl(ex, rv, true);
}

pub(super) fn resp_rawcookie(ex: &mut ExecuteData, rv: &mut Zval) {
    cookie_impl(ex, rv, false);
}

pub(super) fn resp_write(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "content") else {
        return;
    };
    let Some(o) = this(ex) else { return };
    let Some((key, dest)) = writable(o) else {
        return unavailable_for(o, rv);
    };
    let started = RESPONSES.with(|r| r.borrow().get(&key).is_some_and(|s| s.chunked));
    if let Dest::H2(stream) = &dest {
        // HTTP/2 frames the body itself: the head (no length), then DATA.
        if !started {
            let (status, fields) = h2_head(o, key, None, None);
            if !stream.send_head(status, &fields, false) {
                rv.set_bool(false);
                return;
            }
            RESPONSES.with(|r| {
                if let Some(s) = r.borrow_mut().get_mut(&key) {
                    s.chunked = true;
                }
            });
        }
        rv.set_bool(data.is_empty() || stream.send_data(Bytes::from(data), false));
        return;
    }
    if !started {
        if !write_head(o, &dest, key, None) {
            rv.set_bool(false);
            return;
        }
        RESPONSES.with(|r| {
            if let Some(s) = r.borrow_mut().get_mut(&key) {
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
    wire::encode_chunk(&data, &mut out);
    rv.set_bool(dest.send(out));
}

pub(super) fn resp_end(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some((key, dest)) = writable(o) else {
        return unavailable_for(o, rv);
    };
    rv.set_bool(finish(o, &dest, key, body.as_deref()));
}

pub(super) fn resp_sendfile(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some((key, dest)) = writable(o) else {
        return unavailable_for(o, rv);
    };
    match crate::runtime::file_range(&path, offset, length) {
        Ok(content) => {
            // Swoole types the file by its extension unless the script did.
            let mut h = array_prop(o, "header");
            let typed = h
                .iter()
                .any(|(k, _)| k.to_string().eq_ignore_ascii_case("content-type"));
            if !typed {
                zend::ht_set(
                    &mut h,
                    "Content-Type",
                    zstr(mime::for_path(&path).as_bytes()),
                );
                zend::set_prop(o, "header", zarray(h));
            }
            rv.set_bool(finish(o, &dest, key, Some(&content)))
        }
        Err(_) => {
            zend::warning_docref(&format!("file[{path}] readable check failed"));
            rv.set_bool(false);
        }
    }
}

pub(super) fn resp_redirect(ex: &mut ExecuteData, rv: &mut Zval) {
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
    let Some((key, dest)) = writable(o) else {
        return unavailable_for(o, rv);
    };
    RESPONSES.with(|r| {
        if let Some(s) = r.borrow_mut().get_mut(&key) {
            s.status = code.clamp(100, 999) as u16;
            s.status_set = true;
        }
    });
    let mut h = array_prop(o, "header");
    zend::ht_set(&mut h, "Location", zstr(location));
    zend::set_prop(o, "header", zarray(h));
    rv.set_bool(finish(o, &dest, key, None));
}

pub(super) fn resp_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    if let ConnKey::Socket(_) = key_of(o) {
        rv.set_bool(co_server::close_response_socket(o));
        return;
    }
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
