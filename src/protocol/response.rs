//! HTTP response heads, written the way Swoole's `Http\Response` writes them.
//!
//! Order (swoole-src `HttpContext::build_header`): the status line; the user's
//! headers in the order they were set; one `Set-Cookie` line per cookie; then
//! the defaults the user did not set themselves (compared case-insensitively):
//! `Server: swoole-http-server`, `Date`, and, except for a 101 upgrade,
//! `Connection`, `Content-Type: text/html`, and `Transfer-Encoding: chunked`
//! or `Content-Length`.

use super::date;
use super::handshake::SERVER_SOFTWARE;
use std::fmt;

/// Content type Swoole sends when the user set none.
pub const DEFAULT_CONTENT_TYPE: &str = "text/html";

/// Terminates a chunked body (no trailers).
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Everything needed to write a response head.
#[derive(Debug, Clone, Copy)]
pub struct ResponseHead<'a> {
    /// Status code.
    pub status: u16,
    /// Custom reason phrase (`$response->status(code, reason)`); `None` or
    /// empty uses Swoole's table ([`status_message`]).
    pub reason: Option<&'a str>,
    /// User headers, in the order they were set, names already formatted;
    /// values are bytes (PHP strings need not be UTF-8).
    pub headers: &'a [(String, Vec<u8>)],
    /// `Set-Cookie` values, in the order they were set.
    pub cookies: &'a [String],
    /// Whether the connection stays open (the default `Connection` header).
    pub keep_alive: bool,
    /// Body length; `None` for a chunked body (`$response->write()`).
    pub body_len: Option<usize>,
    /// The `Date` value (see [`date::http_date`]).
    pub date: &'a str,
    /// `Content-Encoding` of a body the server compressed
    /// (`http_compression`), written just before `Content-Length`.
    pub content_encoding: Option<&'a str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    HeadRequest,
    Upgrade,
}

impl ResponseHead<'_> {
    /// Writes the head, ending with the empty line.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_mode(out, Mode::Normal);
    }

    /// Like [`ResponseHead::encode`] for a response to a `HEAD` request:
    /// Swoole leaves `Content-Length` out when the body is empty.
    pub fn encode_head_request(&self, out: &mut Vec<u8>) {
        self.encode_mode(out, Mode::HeadRequest);
    }

    /// For a 101 (WebSocket upgrade) written from PHP: Swoole stops after
    /// `Server` and `Date` (no Connection/Content-Type/Content-Length).
    pub fn encode_upgrade(&self, out: &mut Vec<u8>) {
        self.encode_mode(out, Mode::Upgrade);
    }

    fn encode_mode(&self, out: &mut Vec<u8>, mode: Mode) {
        out.extend_from_slice(b"HTTP/1.1 ");
        match self.reason.filter(|r| !r.is_empty()) {
            Some(r) => {
                out.extend_from_slice(self.status.to_string().as_bytes());
                out.push(b' ');
                out.extend_from_slice(r.as_bytes());
            }
            None => out.extend_from_slice(status_message(self.status).as_bytes()),
        }
        out.extend_from_slice(b"\r\n");

        let mut seen = Seen::default();
        for (name, value) in self.headers {
            // Swoole trims the value's right end and drops any header that
            // could inject another one.
            let end = value
                .iter()
                .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\0' | 0x0b))
                .map_or(0, |i| i + 1);
            let value = &value[..end];
            if has_crlf_or_nul(name.as_bytes()) || has_crlf_or_nul(value) {
                continue;
            }
            // A chunked body has no length: a `Content-Length` beside
            // `Transfer-Encoding: chunked` would make the message ambiguous
            // (RFC 9112 §6.3), so Swoole drops the script's.
            if self.body_len.is_none() && name.eq_ignore_ascii_case("Content-Length") {
                continue;
            }
            seen.note(name);
            // An empty value for one of the headers the server writes
            // itself takes that header away (`header('Server', '')`), as in
            // Swoole; an empty custom header is written.
            if value.is_empty() && Seen::is_managed(name) {
                continue;
            }
            push_header(out, name, value);
        }
        for cookie in self.cookies {
            if has_crlf_or_nul(cookie.as_bytes()) {
                continue;
            }
            push_header(out, "Set-Cookie", cookie.as_bytes());
        }
        if !seen.server {
            push_header(out, "Server", SERVER_SOFTWARE.as_bytes());
        }
        if !seen.date {
            push_header(out, "Date", self.date.as_bytes());
        }
        if mode == Mode::Upgrade {
            out.extend_from_slice(b"\r\n");
            return;
        }
        if !seen.connection {
            push_header(
                out,
                "Connection",
                if self.keep_alive {
                    b"keep-alive"
                } else {
                    b"close"
                },
            );
        }
        if !seen.content_type {
            push_header(out, "Content-Type", DEFAULT_CONTENT_TYPE.as_bytes());
        }
        match self.body_len {
            None => {
                if !seen.transfer_encoding {
                    push_header(out, "Transfer-Encoding", b"chunked");
                }
            }
            Some(n) => {
                if let Some(coding) = self.content_encoding {
                    push_header(out, "Content-Encoding", coding.as_bytes());
                }
                if !seen.content_length && (n > 0 || mode != Mode::HeadRequest) {
                    push_header(out, "Content-Length", n.to_string().as_bytes());
                }
            }
        }
        out.extend_from_slice(b"\r\n");
    }
}

#[derive(Default)]
struct Seen {
    server: bool,
    date: bool,
    connection: bool,
    content_type: bool,
    content_length: bool,
    transfer_encoding: bool,
}

impl Seen {
    /// The headers the server writes when the script does not (Swoole's
    /// `http_response_parse_header_name`).
    fn is_managed(name: &str) -> bool {
        [
            "Server",
            "Date",
            "Connection",
            "Content-Type",
            "Content-Length",
            "Transfer-Encoding",
            "Content-Encoding",
        ]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
    }

    fn note(&mut self, name: &str) {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        self.server |= is("Server");
        self.date |= is("Date");
        self.connection |= is("Connection");
        self.content_type |= is("Content-Type");
        self.content_length |= is("Content-Length");
        self.transfer_encoding |= is("Transfer-Encoding");
    }
}

fn has_crlf_or_nul(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b'\r' | b'\n' | b'\0'))
}

fn push_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Formats a header name as `$response->header()` does by default: the first
/// letter and each letter after `-` upper-case, the rest lower-case
/// (`content-TYPE` → `Content-Type`).
pub fn format_header_name(name: &str) -> String {
    let mut up = true;
    name.chars()
        .map(|c| {
            let r = if up {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            up = c == '-';
            r
        })
        .collect()
}

/// Status code and reason as Swoole's table has them (`"404 Not Found"`).
/// Swoole writes `"200 OK"` for any code its table lacks, so the status line
/// of an unknown code reads `HTTP/1.1 200 OK`.
pub fn status_message(code: u16) -> &'static str {
    match code {
        100 => "100 Continue",
        101 => "101 Switching Protocols",
        201 => "201 Created",
        202 => "202 Accepted",
        203 => "203 Non-Authoritative Information",
        204 => "204 No Content",
        205 => "205 Reset Content",
        206 => "206 Partial Content",
        207 => "207 Multi-Status",
        208 => "208 Already Reported",
        226 => "226 IM Used",
        300 => "300 Multiple Choices",
        301 => "301 Moved Permanently",
        302 => "302 Found",
        303 => "303 See Other",
        304 => "304 Not Modified",
        305 => "305 Use Proxy",
        307 => "307 Temporary Redirect",
        400 => "400 Bad Request",
        401 => "401 Unauthorized",
        402 => "402 Payment Required",
        403 => "403 Forbidden",
        404 => "404 Not Found",
        405 => "405 Method Not Allowed",
        406 => "406 Not Acceptable",
        407 => "407 Proxy Authentication Required",
        408 => "408 Request Timeout",
        409 => "409 Conflict",
        410 => "410 Gone",
        411 => "411 Length Required",
        412 => "412 Precondition Failed",
        413 => "413 Request Entity Too Large",
        414 => "414 Request URI Too Long",
        415 => "415 Unsupported Media Type",
        416 => "416 Requested Range Not Satisfiable",
        417 => "417 Expectation Failed",
        418 => "418 I'm a teapot",
        421 => "421 Misdirected Request",
        422 => "422 Unprocessable Entity",
        423 => "423 Locked",
        424 => "424 Failed Dependency",
        426 => "426 Upgrade Required",
        428 => "428 Precondition Required",
        429 => "429 Too Many Requests",
        431 => "431 Request Header Fields Too Large",
        500 => "500 Internal Server Error",
        501 => "501 Method Not Implemented",
        502 => "502 Bad Gateway",
        503 => "503 Service Unavailable",
        504 => "504 Gateway Timeout",
        505 => "505 HTTP Version Not Supported",
        506 => "506 Variant Also Negotiates",
        507 => "507 Insufficient Storage",
        508 => "508 Loop Detected",
        510 => "510 Not Extended",
        511 => "511 Network Authentication Required",
        _ => "200 OK",
    }
}

/// The reason phrase alone (`"Not Found"`); `"OK"` for codes Swoole's table
/// lacks (see [`status_message`]).
pub fn reason_phrase(code: u16) -> &'static str {
    let m = status_message(code);
    m.split_once(' ').map_or(m, |(_, r)| r)
}

/// Whether Swoole's table knows the code (otherwise it answers `200 OK`).
pub fn is_known_status(code: u16) -> bool {
    code == 200 || status_message(code) != "200 OK"
}

/// Appends one chunk of a chunked body: lower-case hex size, CRLF, data,
/// CRLF. Empty data writes nothing (an empty chunk would end the body; Swoole
/// refuses `write('')`).
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Why `$response->cookie()` refused a cookie; `Display` is Swoole's warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieError {
    /// The name is empty.
    EmptyName,
    /// The name contains `=` or one of [`ILLEGAL_COOKIE_CHARS`].
    InvalidName,
    /// A raw (not url-encoded) value contains one of them.
    InvalidValue,
    /// The path contains one of them.
    InvalidPath,
    /// The domain contains one of them.
    InvalidDomain,
    /// `expires` is after year 9999.
    ExpiresTooLarge,
}

/// What a cookie's name, raw value, path and domain may not contain.
pub const ILLEGAL_COOKIE_CHARS: &[u8] = b",; \t\r\n\x0b\x0c";

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIST: &str = r#"",", ";", " ", "\t", "\r", "\n", "\013", or "\014""#;
        match self {
            CookieError::EmptyName => f.write_str("The name cannot be empty"),
            CookieError::InvalidName => write!(f, "The name cannot contain \"=\", {LIST}"),
            CookieError::InvalidValue => write!(f, "The value cannot contain {LIST}"),
            CookieError::InvalidPath => write!(f, "The path option cannot contain {LIST}"),
            CookieError::InvalidDomain => write!(f, "The domain option cannot contain {LIST}"),
            CookieError::ExpiresTooLarge => {
                f.write_str("The expires cannot have a year greater than 9999")
            }
        }
    }
}

impl std::error::Error for CookieError {}

/// The `Set-Cookie` value `$response->cookie()` / `rawcookie()` produce,
/// using the current time for `Max-Age` (see [`cookie_header_value_at`]).
#[allow(clippy::too_many_arguments)]
pub fn cookie_header_value(
    name: &str,
    value: &str,
    expires: i64,
    path: &str,
    domain: &str,
    secure: bool,
    httponly: bool,
    samesite: &str,
    priority: &str,
    partitioned: bool,
    url_encode: bool,
) -> Result<String, CookieError> {
    let now = i64::try_from(date::now_unix()).unwrap_or(i64::MAX);
    cookie_header_value_at(
        name,
        value,
        expires,
        path,
        domain,
        secure,
        httponly,
        samesite,
        priority,
        partitioned,
        url_encode,
        now,
    )
}

/// The `Set-Cookie` value, Swoole 6.2 format:
/// `name=value[; expires=Sat, 01-Jan-2000 00:00:00 GMT; Max-Age=N][; path=P]
/// [; domain=D][; secure][; HttpOnly][; SameSite=S][; Priority=P][; Partitioned]`
/// (no path unless one was given).
/// An empty value deletes the cookie:
/// `name=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0`.
/// `Max-Age` is `expires - now`, never negative. With `url_encode` the value
/// is encoded like PHP's `urlencode()` (space as `+`).
#[allow(clippy::too_many_arguments)]
pub fn cookie_header_value_at(
    name: &str,
    value: &str,
    expires: i64,
    path: &str,
    domain: &str,
    secure: bool,
    httponly: bool,
    samesite: &str,
    priority: &str,
    partitioned: bool,
    url_encode: bool,
    now: i64,
) -> Result<String, CookieError> {
    let illegal = |v: &str| v.bytes().any(|b| ILLEGAL_COOKIE_CHARS.contains(&b));
    if name.is_empty() {
        return Err(CookieError::EmptyName);
    }
    if name.contains('=') || illegal(name) {
        return Err(CookieError::InvalidName);
    }
    let mut s = String::with_capacity(name.len() + value.len() + 64);
    s.push_str(name);
    if value.is_empty() {
        s.push_str("=deleted; expires=");
        s.push_str(&date::cookie_date(1));
        s.push_str("; Max-Age=0");
    } else {
        if !url_encode && illegal(value) {
            return Err(CookieError::InvalidValue);
        }
        s.push('=');
        if url_encode {
            s.push_str(&php_urlencode(value.as_bytes()));
        } else {
            s.push_str(value);
        }
        if expires > 0 {
            // 253402300800 is 10000-01-01 00:00:00 UTC.
            if expires >= 253_402_300_800 {
                return Err(CookieError::ExpiresTooLarge);
            }
            s.push_str("; expires=");
            s.push_str(&date::cookie_date(expires));
            s.push_str("; Max-Age=");
            s.push_str(&expires.saturating_sub(now).max(0).to_string());
        }
    }
    if !path.is_empty() {
        if illegal(path) {
            return Err(CookieError::InvalidPath);
        }
        s.push_str("; path=");
        s.push_str(path);
    }
    if !domain.is_empty() {
        if illegal(domain) {
            return Err(CookieError::InvalidDomain);
        }
        s.push_str("; domain=");
        s.push_str(domain);
    }
    for (present, text, val) in [
        (secure, "; secure", ""),
        (httponly, "; HttpOnly", ""),
        (!samesite.is_empty(), "; SameSite=", samesite),
        (!priority.is_empty(), "; Priority=", priority),
        (partitioned, "; Partitioned", ""),
    ] {
        if present {
            s.push_str(text);
            s.push_str(val);
        }
    }
    Ok(s)
}

/// PHP's `urlencode()`: alphanumerics and `-_.` kept, space as `+`, every
/// other byte as `%XX` (upper-case hex).
pub fn php_urlencode(data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(data.len() * 3);
    for &b in data {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => s.push(b as char),
            b' ' => s.push('+'),
            _ => {
                s.push('%');
                s.push(HEX[(b >> 4) as usize] as char);
                s.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "Sun, 22 Nov 2026 02:51:39 GMT";

    fn head<'a>(
        status: u16,
        headers: &'a [(String, Vec<u8>)],
        cookies: &'a [String],
        body_len: Option<usize>,
    ) -> ResponseHead<'a> {
        ResponseHead {
            status,
            reason: None,
            headers,
            cookies,
            keep_alive: true,
            body_len,
            date: DATE,
            content_encoding: None,
        }
    }

    #[test]
    fn a_compressed_body_says_its_coding_before_its_length() {
        let h = ResponseHead {
            content_encoding: Some("gzip"),
            ..head(200, &[], &[], Some(31))
        };
        assert_eq!(
            s(&h),
            format!("HTTP/1.1 200 OK\r\nServer: swoole-http-server\r\nDate: {DATE}\r\nConnection: keep-alive\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: 31\r\n\r\n")
        );
    }

    fn s(h: &ResponseHead) -> String {
        let mut v = Vec::new();
        h.encode(&mut v);
        String::from_utf8(v).unwrap()
    }

    fn hv(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn reference_normal_response() {
        let mut v = Vec::new();
        head(200, &[], &[], Some(4)).encode(&mut v);
        v.extend_from_slice(b"fd=2");
        assert_eq!(
            v,
            b"HTTP/1.1 200 OK\r\nServer: swoole-http-server\r\nDate: Sun, 22 Nov 2026 02:51:39 GMT\r\nConnection: keep-alive\r\nContent-Type: text/html\r\nContent-Length: 4\r\n\r\nfd=2"
        );
    }

    #[test]
    fn user_headers_first_and_defaults_skipped() {
        let h = hv(&[
            ("X-A", "1"),
            ("content-type", "application/json"),
            ("SERVER", "mine"),
        ]);
        let c = vec!["a=1".to_string(), "b=2; path=/".to_string()];
        let mut r = head(404, &h, &c, Some(0));
        r.keep_alive = false;
        assert_eq!(
            s(&r),
            "HTTP/1.1 404 Not Found\r\nX-A: 1\r\ncontent-type: application/json\r\nSERVER: mine\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2; path=/\r\nDate: Sun, 22 Nov 2026 02:51:39 GMT\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        let h = hv(&[
            ("Date", "x"),
            ("Connection", "Upgrade"),
            ("Content-Length", "9"),
        ]);
        assert_eq!(
            s(&head(200, &h, &[], Some(3))),
            "HTTP/1.1 200 OK\r\nDate: x\r\nConnection: Upgrade\r\nContent-Length: 9\r\nServer: swoole-http-server\r\nContent-Type: text/html\r\n\r\n"
        );
    }

    #[test]
    fn injection_and_trimming() {
        let h = hv(&[
            ("X-Bad", "a\r\nX-Evil: 1"),
            ("X-Trim", "v \t"),
            ("X\nK", "v"),
            ("X-Nul", "a\0b"),
        ]);
        let c = vec!["x=1\r\nEvil: 1".to_string()];
        let out = s(&head(200, &h, &c, Some(0)));
        assert!(out.starts_with("HTTP/1.1 200 OK\r\nX-Trim: v\r\nServer:"));
        assert!(!out.contains("Evil"));
    }

    #[test]
    fn chunked_and_reason_and_unknown_status() {
        let mut r = head(299, &[], &[], None);
        assert!(s(&r).starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(s(&r).ends_with("Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"));
        r.reason = Some("Custom Thing");
        assert!(s(&r).starts_with("HTTP/1.1 299 Custom Thing\r\n"));
        r.reason = Some("");
        assert!(s(&r).starts_with("HTTP/1.1 200 OK\r\n"));
        let h = hv(&[("Transfer-Encoding", "chunked")]);
        let out = s(&head(200, &h, &[], None));
        assert_eq!(out.matches("Transfer-Encoding").count(), 1);
    }

    #[test]
    fn an_empty_managed_header_takes_it_away() {
        let h = hv(&[("Server", ""), ("Content-Encoding", ""), ("X-Empty", "")]);
        let out = s(&head(200, &h, &[], Some(2)));
        assert!(
            !out.contains("Server:") && !out.contains("Content-Encoding"),
            "{out}"
        );
        assert!(out.contains("X-Empty: \r\n"), "{out}");
    }

    #[test]
    fn a_chunked_body_drops_the_scripts_content_length() {
        let h = hv(&[("Content-Length", "100"), ("X-A", "1")]);
        let out = s(&head(200, &h, &[], None));
        assert!(
            !out.to_ascii_lowercase().contains("content-length"),
            "{out}"
        );
        assert!(out.contains("X-A: 1\r\n") && out.contains("Transfer-Encoding: chunked\r\n"));
        // with a length, the script's value stands
        let out = s(&head(200, &h, &[], Some(11)));
        assert_eq!(out.matches("Content-Length").count(), 1, "{out}");
        assert!(out.contains("Content-Length: 100\r\n"));
    }

    #[test]
    fn head_request_and_upgrade() {
        let mut v = Vec::new();
        head(200, &[], &[], Some(0)).encode_head_request(&mut v);
        assert!(!String::from_utf8_lossy(&v).contains("Content-Length"));
        let mut v = Vec::new();
        head(200, &[], &[], Some(5)).encode_head_request(&mut v);
        assert!(String::from_utf8_lossy(&v).contains("Content-Length: 5\r\n"));
        let h = hv(&[
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            ("Sec-WebSocket-Version", "13"),
        ]);
        let mut v = Vec::new();
        head(101, &h, &[], Some(0)).encode_upgrade(&mut v);
        assert_eq!(
            v,
            crate::protocol::handshake::response_101(
                "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                None,
                None,
                DATE
            )
        );
    }

    #[test]
    fn status_table() {
        assert_eq!(status_message(200), "200 OK");
        assert_eq!(status_message(404), "404 Not Found");
        assert_eq!(status_message(501), "501 Method Not Implemented");
        assert_eq!(status_message(999), "200 OK");
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(418), "I'm a teapot");
        assert_eq!(reason_phrase(299), "OK");
        assert!(is_known_status(200) && is_known_status(101) && !is_known_status(299));
        for code in 100..600u16 {
            let m = status_message(code);
            if is_known_status(code) {
                assert!(m.starts_with(&code.to_string()));
            }
        }
    }

    #[test]
    fn chunks() {
        let mut v = Vec::new();
        encode_chunk(b"hello", &mut v);
        encode_chunk(b"", &mut v);
        encode_chunk(&[b'x'; 26], &mut v);
        v.extend_from_slice(LAST_CHUNK);
        let mut expect = b"5\r\nhello\r\n1a\r\n".to_vec();
        expect.extend_from_slice(&[b'x'; 26]);
        expect.extend_from_slice(b"\r\n0\r\n\r\n");
        assert_eq!(v, expect);
    }

    #[test]
    fn header_names() {
        assert_eq!(format_header_name("content-TYPE"), "Content-Type");
        assert_eq!(format_header_name("x-my-header"), "X-My-Header");
        assert_eq!(format_header_name("ETAG"), "Etag");
        assert_eq!(format_header_name(""), "");
    }

    #[test]
    fn cookies() {
        let now = 946_684_800 - 3600; // 2000-01-01 minus one hour
        let c = |v: &str, exp: i64, enc: bool| {
            cookie_header_value_at("n", v, exp, "", "", false, false, "", "", false, enc, now)
        };
        assert_eq!(c("v", 0, true).unwrap(), "n=v");
        assert_eq!(
            c("hello world/ä~", 0, true).unwrap(),
            "n=hello+world%2F%C3%A4%7E"
        );
        // A raw value with a space, comma or semicolon is refused (Swoole 6.2).
        assert_eq!(
            c("hello world", 0, false).unwrap_err(),
            CookieError::InvalidValue
        );
        assert_eq!(c("hello%20world", 0, false).unwrap(), "n=hello%20world");
        assert_eq!(
            c("v", 946_684_800, true).unwrap(),
            "n=v; expires=Sat, 01-Jan-2000 00:00:00 GMT; Max-Age=3600"
        );
        assert_eq!(
            c("v", 1, true).unwrap(),
            "n=v; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0"
        );
        assert_eq!(
            c("", 0, true).unwrap(),
            "n=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0"
        );
        assert_eq!(c("v", -5, true).unwrap(), "n=v");
        assert_eq!(
            cookie_header_value_at(
                "test", "123456789", now + 3600, "/", "example.com", true, true, "None", "High",
                true, true, now
            )
            .unwrap(),
            "test=123456789; expires=Sat, 01-Jan-2000 00:00:00 GMT; Max-Age=3600; path=/; domain=example.com; secure; HttpOnly; SameSite=None; Priority=High; Partitioned"
        );
        assert_eq!(
            cookie_header_value_at(
                "a", "123", 0, "", "", false, false, "Lax", "", false, true, now
            )
            .unwrap(),
            "a=123; SameSite=Lax"
        );
        assert_eq!(
            c("v", 253_402_300_800, true).unwrap_err(),
            CookieError::ExpiresTooLarge
        );
        assert!(c("v", 253_402_300_799, true).is_ok());
        assert_eq!(
            c("a\r\nb", 0, false).unwrap_err(),
            CookieError::InvalidValue
        );
        let with = |path: &str, domain: &str| {
            cookie_header_value_at(
                "n", "v", 0, path, domain, false, false, "", "", false, true, now,
            )
        };
        assert_eq!(with("/a b", "").unwrap_err(), CookieError::InvalidPath);
        assert_eq!(with("", "d;x").unwrap_err(), CookieError::InvalidDomain);
        assert_eq!(c("a\r\nb", 0, true).unwrap(), "n=a%0D%0Ab");
        for bad in ["a=b", "a b", "a;b", "a,b", "a\tb", "a\x0bb"] {
            assert_eq!(
                cookie_header_value_at(bad, "v", 0, "", "", false, false, "", "", false, true, now)
                    .unwrap_err(),
                CookieError::InvalidName
            );
        }
        assert_eq!(
            cookie_header_value_at("", "v", 0, "", "", false, false, "", "", false, true, now)
                .unwrap_err(),
            CookieError::EmptyName
        );
        assert_eq!(
            CookieError::InvalidValue.to_string(),
            r#"The value cannot contain ",", ";", " ", "\t", "\r", "\n", "\013", or "\014""#
        );
        // the wall-clock variant works too
        assert!(
            cookie_header_value("n", "v", 0, "", "", false, false, "", "", false, true).is_ok()
        );
    }
}
