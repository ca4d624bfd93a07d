//! HTTP/2 on an HTTP port (`open_http2_protocol`), as Swoole serves it:
//! h2c with prior knowledge (the client's first bytes are the HTTP/2
//! preface) and h2 over TLS (ALPN), on the same port as HTTP/1.1 and
//! WebSocket. The `h2` crate speaks the protocol; this module takes each
//! request stream's head and body, hands it to the script as an ordinary
//! request (`onRequest`, with its stream id), and gives the script an
//! [`H2Stream`] to answer on, through the [`H2Answer`] steps (which a
//! SWOOLE_PROCESS worker sends to the master instead, see
//! `worker/h2_relay.rs`).
//!
//! One connection is one task here: the `h2` connection owns the socket
//! (no separate writer task), and each request stream gets a task of its
//! own that reads its body while the others go on.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};

use super::connection::Connection;
use super::port::Port;
use super::server::Server;
use crate::protocol::http::{split_target, Request};
use crate::protocol::session;

/// What an HTTP/2 client sends first (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether `first` (what the client has sent so far) is, or may still
/// become, the HTTP/2 preface: Some(true) once all of it is there,
/// Some(false) as soon as it differs, None while it is a prefix of it.
pub fn preface_state(first: &[u8]) -> Option<bool> {
    let n = first.len().min(PREFACE.len());
    if first[..n] != PREFACE[..n] {
        Some(false)
    } else if n == PREFACE.len() {
        Some(true)
    } else {
        None
    }
}

/// The steps of a script's answer on one HTTP/2 stream. [`H2Stream`]
/// takes them on the stream itself; in SWOOLE_PROCESS a worker's stand-in
/// sends each to the master, which takes it on the [`H2Stream`] there, so
/// `Swoole\Http\Response` has one HTTP/2 path for both modes.
pub trait H2Answer {
    /// The request's stream id (`$request->streamId`).
    fn stream_id(&self) -> u32;
    /// Whether the head has gone out.
    fn head_sent(&self) -> bool;
    /// Sends the head: `status` and `fields` (names any case; those
    /// HTTP/2 forbids are dropped). `end`: there is no body.
    fn send_head(&self, status: u16, fields: &[(String, Vec<u8>)], end: bool) -> bool;
    /// Sends body bytes; `end` ends the stream.
    fn send_data(&self, data: Bytes, end: bool) -> bool;
    /// Ends the stream with trailer fields (`Response::trailer()`).
    fn send_trailers(&self, fields: &[(String, Vec<u8>)]) -> bool;
    /// Ends the stream abruptly (the script dropped its response).
    fn reset(&self);
    /// `Response::ping()`: a PING frame to the client (its answer is
    /// awaited by the connection; one at a time, as `h2` allows).
    fn ping(&self);
    /// `Response::goaway($error_code)`: a GOAWAY frame to the client. Its
    /// debug data is not sent (`h2` sends none).
    fn goaway(&self, error_code: u32);
}

/// The answer side of one request stream, for the script's response.
pub struct H2Stream {
    pub stream_id: u32,
    respond: RefCell<Option<h2::server::SendResponse<Bytes>>>,
    body: RefCell<Option<h2::SendStream<Bytes>>>,
    /// What the script asks of the whole connection.
    control: Rc<Control>,
}

/// What a script may ask of an HTTP/2 connection (`Response::ping()`,
/// `Response::goaway()`): the connection's task carries it out, since the
/// `h2` connection is its own.
#[derive(Default)]
struct Control {
    asked: RefCell<Vec<Ask>>,
    wake: super::local_notify::LocalNotify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Ping,
    /// GOAWAY with this error code: 0 (NO_ERROR) lets the open streams
    /// finish; another code closes the connection once it is sent.
    GoAway(u32),
}

impl Control {
    fn ask(&self, what: Ask) {
        self.asked.borrow_mut().push(what);
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<Ask> {
        std::mem::take(&mut *self.asked.borrow_mut())
    }
}

/// Header fields HTTP/2 forbids (RFC 9113 §8.2.2): connection-specific
/// ones a script may still set out of HTTP/1 habit.
fn connection_specific(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
}

fn header_map(fields: &[(String, Vec<u8>)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in fields {
        if connection_specific(name) {
            continue;
        }
        let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
            http::header::HeaderValue::from_bytes(value),
        ) else {
            // A name or value HTTP/2 cannot carry (a line break): left
            // out, as HTTP/1's head leaves it out.
            continue;
        };
        map.append(name, value);
    }
    map
}

impl H2Stream {
    fn new(
        stream_id: u32,
        respond: h2::server::SendResponse<Bytes>,
        control: Rc<Control>,
    ) -> H2Stream {
        H2Stream {
            stream_id,
            respond: RefCell::new(Some(respond)),
            body: RefCell::new(None),
            control,
        }
    }
}

impl H2Answer for H2Stream {
    fn stream_id(&self) -> u32 {
        self.stream_id
    }

    fn ping(&self) {
        self.control.ask(Ask::Ping);
    }

    fn goaway(&self, error_code: u32) {
        self.control.ask(Ask::GoAway(error_code));
    }

    fn head_sent(&self) -> bool {
        self.respond.borrow().is_none()
    }

    fn send_head(&self, status: u16, fields: &[(String, Vec<u8>)], end: bool) -> bool {
        let Some(mut respond) = self.respond.borrow_mut().take() else {
            return false;
        };
        let mut response = http::Response::new(());
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
        *response.headers_mut() = header_map(fields);
        match respond.send_response(response, end) {
            Ok(stream) => {
                if !end {
                    *self.body.borrow_mut() = Some(stream);
                }
                true
            }
            Err(_) => false,
        }
    }

    fn send_data(&self, data: Bytes, end: bool) -> bool {
        let mut body = self.body.borrow_mut();
        let Some(stream) = body.as_mut() else {
            return false;
        };
        let ok = stream.send_data(data, end).is_ok();
        if end {
            body.take();
        }
        ok
    }

    fn send_trailers(&self, fields: &[(String, Vec<u8>)]) -> bool {
        let Some(mut stream) = self.body.borrow_mut().take() else {
            return false;
        };
        stream.send_trailers(header_map(fields)).is_ok()
    }

    fn reset(&self) {
        if let Some(mut respond) = self.respond.borrow_mut().take() {
            respond.send_reset(h2::Reason::INTERNAL_ERROR);
        }
        if let Some(mut stream) = self.body.borrow_mut().take() {
            stream.send_reset(h2::Reason::INTERNAL_ERROR);
        }
    }
}

/// The request an HTTP/2 stream carries, as our HTTP/1 parser gives one
/// (lower-case names; `:authority` as `host`).
fn request_of(head: &http::request::Parts, body: Bytes, stream_id: u32) -> Request {
    let target = head
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let (path, query) = split_target(&target);
    let mut headers: Vec<(String, Vec<u8>)> = Vec::with_capacity(head.headers.len() + 1);
    if head.headers.get(http::header::HOST).is_none() {
        if let Some(authority) = head.uri.authority() {
            headers.push(("host".to_string(), authority.as_str().as_bytes().to_vec()));
        }
    }
    for (name, value) in &head.headers {
        headers.push((name.as_str().to_string(), value.as_bytes().to_vec()));
    }
    Request {
        method: head.method.as_str().to_string(),
        target,
        path,
        query,
        minor_version: 1,
        headers,
        body,
        chunked: false,
        stream_id,
    }
}

/// Serves an HTTP/2 connection until it ends; onClose's reactor id.
pub async fn serve<T>(server: &Rc<Server>, conn: &Rc<Connection>, port: Arc<Port>, io: T) -> i32
where
    T: AsyncRead + AsyncWrite + Unpin + 'static,
{
    let h = server.settings.http2.clamped();
    let handshake = h2::server::Builder::new()
        .header_table_size(h.header_table_size)
        .max_concurrent_streams(h.max_concurrent_streams)
        .initial_window_size(h.init_window_size)
        .max_frame_size(h.max_frame_size)
        .max_header_list_size(h.max_header_list_size)
        .handshake::<_, Bytes>(Touching {
            io,
            conn: conn.clone(),
        });
    let mut h2 = tokio::select! {
        r = handshake => match r {
            Ok(c) => c,
            Err(_) => return session::CLOSED_BY_PEER,
        },
        _ = conn.reader_stop.notified() => return session::CLOSED_BY_SERVER,
    };
    let control = Rc::new(Control::default());
    let mut pings = h2.ping_pong();
    let mut ping_out = false;
    loop {
        let next = tokio::select! {
            biased;
            _ = conn.reader_stop.notified() => {
                if conn.is_closing() {
                    return session::CLOSED_BY_SERVER;
                }
                continue;
            }
            _ = control.wake.notified() => {
                for ask in control.take() {
                    match ask {
                        Ask::Ping => {
                            // A ping while one is out is dropped: `h2`
                            // keeps one at a time.
                            if let Some(p) = pings.as_mut() {
                                ping_out |= p.send_ping(h2::Ping::opaque()).is_ok();
                            }
                        }
                        Ask::GoAway(0) => h2.graceful_shutdown(),
                        Ask::GoAway(code) => h2.abrupt_shutdown(h2::Reason::from(code)),
                    }
                }
                continue;
            }
            _ = std::future::poll_fn(|cx| match pings.as_mut() {
                Some(p) => p.poll_pong(cx),
                None => std::task::Poll::Pending,
            }), if ping_out => {
                ping_out = false;
                continue;
            }
            next = h2.accept() => next,
        };
        match next {
            Some(Ok((request, respond))) => {
                let (server, conn, port) = (server.clone(), conn.clone(), port.clone());
                let control = control.clone();
                tokio::task::spawn_local(async move {
                    stream(&server, &conn, &port, request, respond, control).await;
                });
            }
            Some(Err(_)) | None => return session::CLOSED_BY_PEER,
        }
    }
}

/// One request stream: its body (at most `package_max_length`), then the
/// script.
async fn stream(
    server: &Rc<Server>,
    conn: &Rc<Connection>,
    port: &Port,
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
    control: Rc<Control>,
) {
    let stream_id = u32::from(respond.stream_id());
    let (head, mut recv) = request.into_parts();
    let limit = port.settings.package_max_length;
    let mut body = BytesMut::new();
    while let Some(chunk) = recv.data().await {
        let Ok(chunk) = chunk else { return };
        let _ = recv.flow_control().release_capacity(chunk.len());
        if body.len() + chunk.len() > limit {
            let mut too_large = http::Response::new(());
            *too_large.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
            let _ = respond.send_response(too_large, true);
            return;
        }
        body.extend_from_slice(&chunk);
    }
    let req = request_of(&head, body.freeze(), stream_id);
    let stream: Rc<dyn H2Answer> = Rc::new(H2Stream::new(stream_id, respond, control));
    match server.handler() {
        Some(h) if h.has_request_handler(conn) => h.on_h2_request(conn, req, stream),
        _ => {
            stream.send_head(404, &[], true);
        }
    }
}

/// The connection's socket, noting when the client last sent something
/// (the heartbeat and `last_time` read it).
struct Touching<T> {
    io: T,
    conn: Rc<Connection>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Touching<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = std::pin::Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.touch_recv();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Touching<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the script asks of the connection is kept in order and wakes
    /// the connection's task once.
    #[test]
    fn asks_are_kept_in_order_and_wake_the_connection() {
        let control = Control::default();
        assert!(!control.wake.has_permit());
        control.ask(Ask::Ping);
        control.ask(Ask::GoAway(11));
        assert!(control.wake.has_permit());
        assert_eq!(control.take(), [Ask::Ping, Ask::GoAway(11)]);
        assert!(control.take().is_empty());
    }

    #[test]
    fn the_preface_is_told_from_http1_early() {
        assert_eq!(preface_state(b""), None);
        assert_eq!(preface_state(b"PRI * HT"), None);
        assert_eq!(preface_state(PREFACE), Some(true));
        assert_eq!(
            preface_state(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00"),
            Some(true)
        );
        assert_eq!(preface_state(b"GET / HTTP/1.1\r\n"), Some(false));
        assert_eq!(preface_state(b"P"), None);
        assert_eq!(preface_state(b"PO"), Some(false));
    }

    #[test]
    fn connection_specific_fields_are_dropped_and_names_lowered() {
        let map = header_map(&[
            ("Content-Type".into(), b"text/html".to_vec()),
            ("Connection".into(), b"keep-alive".to_vec()),
            ("Set-Cookie".into(), b"a=1".to_vec()),
            ("Set-Cookie".into(), b"b=2".to_vec()),
            ("X-Bad".into(), b"a\r\nb".to_vec()),
        ]);
        assert_eq!(
            map.get("content-type").map(|v| v.as_bytes()),
            Some(&b"text/html"[..])
        );
        assert!(map.get("connection").is_none());
        assert_eq!(map.get_all("set-cookie").iter().count(), 2);
        assert!(map.get("x-bad").is_none());
    }

    #[test]
    fn a_request_reads_as_an_http1_one() {
        let req = http::Request::builder()
            .method("POST")
            .uri("https://example.com:8443/p/q?x=1&y=2")
            .header("content-type", "text/plain")
            .body(())
            .unwrap();
        let (head, ()) = req.into_parts();
        let r = request_of(&head, Bytes::from_static(b"hi"), 3);
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/p/q"));
        assert_eq!(r.query.as_deref(), Some("x=1&y=2"));
        assert_eq!(r.header("host"), Some(&b"example.com:8443"[..]));
        assert_eq!(r.header("content-type"), Some(&b"text/plain"[..]));
        assert_eq!((r.stream_id, &r.body[..]), (3, &b"hi"[..]));
    }
}
