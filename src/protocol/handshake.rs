//! The WebSocket opening handshake (RFC 6455 §4.2) as Swoole performs it.
//!
//! Swoole is lenient about the request (only `Upgrade: websocket` and a
//! 24-byte `Sec-WebSocket-Key` are required) and exact about the response
//! bytes; both are reproduced here (reference §1, §2).

use super::http::Request;

/// `Server` header value Swoole sends.
pub const SERVER_SOFTWARE: &str = "swoole-http-server";

/// Length of a valid `Sec-WebSocket-Key` (base64 of 16 bytes).
pub const KEY_LEN: usize = 24;

/// Plain HTTP request on a WebSocket server without an `onRequest` callback
/// (reference §2): sent as is, then the connection is closed.
pub const RESPONSE_400_NO_ONREQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Connection: close\r\n\
Content-Type: text/html; charset=UTF-8\r\n\
Cache-Control: must-revalidate,no-cache,no-store\r\n\
Content-Length: 83\r\n\
Server: swoole-http-server\r\n\
\r\n\
<html><body><h2>HTTP 400 Bad Request</h2><hr><i>Powered by Swoole</i></body></html>";

/// Answer to bytes that are not HTTP at all (reference §2), then close.
pub const RESPONSE_400_UNPARSEABLE: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\r\n";

/// Whether a comma-separated header value contains `token`
/// (case-insensitive, surrounding spaces and tabs ignored):
/// `Upgrade: abc, websocket` contains `websocket`.
pub fn header_has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| super::http::trim_ows(t).eq_ignore_ascii_case(token.as_bytes()))
}

/// Whether the request asks for a WebSocket upgrade. Like Swoole, only an
/// `Upgrade` header listing `websocket` is needed; `Connection: Upgrade`,
/// the method and `Sec-WebSocket-Version` are not checked.
pub fn is_websocket_upgrade(req: &Request) -> bool {
    req.header_all("upgrade")
        .any(|v| header_has_token(v, "websocket"))
}

/// `Sec-WebSocket-Accept` for a client key (RFC 6455 §4.2.2).
pub fn accept_key(client_key: &[u8]) -> String {
    tungstenite::handshake::derive_accept_key(client_key)
}

/// The client's `Sec-WebSocket-Key` if present and exactly 24 bytes long
/// (Swoole checks only the length); `None` means answer
/// [`response_400_bad_key`] and close.
pub fn validate_key(req: &Request) -> Option<&[u8]> {
    req.header("sec-websocket-key")
        .filter(|k| k.len() == KEY_LEN)
}

/// The subprotocols the client offered, in order, across all
/// `Sec-WebSocket-Protocol` headers.
pub fn offered_subprotocols(req: &Request) -> Vec<String> {
    req.header_all("sec-websocket-protocol")
        .flat_map(|v| v.split(|&b| b == b','))
        .map(super::http::trim_ows)
        .filter(|t| !t.is_empty())
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect()
}

/// The `101 Switching Protocols` response, byte for byte as Swoole writes it:
/// Upgrade, Connection, Sec-WebSocket-Accept, Sec-WebSocket-Version,
/// [Sec-WebSocket-Protocol], [Sec-Websocket-Extensions] (Swoole's spelling,
/// lower-case `s`), Server, Date. No Content-Length.
pub fn response_101(
    accept: &str,
    subprotocol: Option<&str>,
    extensions: Option<&str>,
    date: &str,
) -> Vec<u8> {
    let mut s = String::with_capacity(256);
    s.push_str("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
    s.push_str("Sec-WebSocket-Accept: ");
    s.push_str(accept);
    s.push_str("\r\nSec-WebSocket-Version: 13\r\n");
    if let Some(p) = subprotocol {
        s.push_str("Sec-WebSocket-Protocol: ");
        s.push_str(p);
        s.push_str("\r\n");
    }
    if let Some(e) = extensions {
        s.push_str("Sec-Websocket-Extensions: ");
        s.push_str(e);
        s.push_str("\r\n");
    }
    s.push_str("Server: ");
    s.push_str(SERVER_SOFTWARE);
    s.push_str("\r\nDate: ");
    s.push_str(date);
    s.push_str("\r\n\r\n");
    s.into_bytes()
}

/// The 400 Swoole sends for a missing or malformed `Sec-WebSocket-Key`
/// (it says keep-alive, but the server then closes the connection).
pub fn response_400_bad_key(date: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 400 Bad Request\r\nServer: {SERVER_SOFTWARE}\r\nDate: {date}\r\nConnection: keep-alive\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::http::{parse_request, Limits};

    const DATE: &str = "Sun, 22 Nov 2026 02:51:39 GMT";

    fn req(head: &str) -> Request {
        parse_request(head.as_bytes(), &Limits::default())
            .unwrap()
            .unwrap()
            .0
    }

    #[test]
    fn tokens() {
        assert!(header_has_token(b"websocket", "websocket"));
        assert!(header_has_token(b"WebSocket", "websocket"));
        assert!(header_has_token(b"abc, websocket", "websocket"));
        assert!(header_has_token(b"abc,\twebsocket ,def", "websocket"));
        assert!(header_has_token(b"keep-alive, Upgrade", "upgrade"));
        assert!(!header_has_token(b"websockets", "websocket"));
        assert!(!header_has_token(b"", "websocket"));
        assert!(!header_has_token(b"web socket", "websocket"));
    }

    #[test]
    fn upgrade_detection_is_lenient() {
        let r = req("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        assert!(is_websocket_upgrade(&r));
        let r = req("GET / HTTP/1.1\r\nUpgrade: abc, WebSocket\r\n\r\n");
        assert!(is_websocket_upgrade(&r));
        let r = req("GET / HTTP/1.1\r\nUpgrade: h2c\r\nUpgrade: websocket\r\n\r\n");
        assert!(is_websocket_upgrade(&r));
        let r = req("GET / HTTP/1.1\r\nConnection: Upgrade\r\n\r\n");
        assert!(!is_websocket_upgrade(&r));
    }

    #[test]
    fn keys() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        let r = req("GET / HTTP/1.1\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assert_eq!(validate_key(&r), Some(&b"dGhlIHNhbXBsZSBub25jZQ=="[..]));
        let r = req("GET / HTTP/1.1\r\nSec-WebSocket-Key:   dGhlIHNhbXBsZSBub25jZQ==  \r\n\r\n");
        assert!(validate_key(&r).is_some());
        let r = req("GET / HTTP/1.1\r\nSec-WebSocket-Key: short\r\n\r\n");
        assert_eq!(validate_key(&r), None);
        let r = req("GET / HTTP/1.1\r\n\r\n");
        assert_eq!(validate_key(&r), None);
        let r = req("GET / HTTP/1.1\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==x\r\n\r\n");
        assert_eq!(validate_key(&r), None);
    }

    #[test]
    fn subprotocols() {
        let r = req("GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Protocol: foo,,\r\n\r\n");
        assert_eq!(offered_subprotocols(&r), ["chat", "superchat", "foo"]);
        assert!(offered_subprotocols(&req("GET / HTTP/1.1\r\n\r\n")).is_empty());
    }

    #[test]
    fn exact_101() {
        let v = response_101("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", None, None, DATE);
        assert_eq!(
            v,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Version: 13\r\nServer: swoole-http-server\r\nDate: Sun, 22 Nov 2026 02:51:39 GMT\r\n\r\n"
        );
        let v = response_101(
            "x",
            Some("chat"),
            Some("permessage-deflate; client_no_context_takeover; server_no_context_takeover"),
            DATE,
        );
        let s = String::from_utf8(v).unwrap();
        assert_eq!(
            s,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\nSec-Websocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\nServer: swoole-http-server\r\nDate: Sun, 22 Nov 2026 02:51:39 GMT\r\n\r\n"
        );
    }

    #[test]
    fn exact_400s() {
        assert_eq!(
            response_400_bad_key(DATE),
            b"HTTP/1.1 400 Bad Request\r\nServer: swoole-http-server\r\nDate: Sun, 22 Nov 2026 02:51:39 GMT\r\nConnection: keep-alive\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n"
        );
        assert_eq!(
            RESPONSE_400_NO_ONREQUEST,
            &b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html; charset=UTF-8\r\nCache-Control: must-revalidate,no-cache,no-store\r\nContent-Length: 83\r\nServer: swoole-http-server\r\n\r\n<html><body><h2>HTTP 400 Bad Request</h2><hr><i>Powered by Swoole</i></body></html>"[..]
        );
        let body_start = RESPONSE_400_NO_ONREQUEST
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap()
            + 4;
        assert_eq!(RESPONSE_400_NO_ONREQUEST.len() - body_start, 83);
        assert_eq!(
            RESPONSE_400_UNPARSEABLE,
            b"HTTP/1.1 400 Bad Request\r\n\r\n"
        );
    }
}
