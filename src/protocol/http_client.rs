//! The client side of HTTP/1.1, without IO: the bytes of a request, and an
//! incremental parser of the response (`Coroutine\Http\Client`).
//!
//! [`ResponseParser`] is fed whatever the socket gave and says when a whole
//! response is there. It handles a Content-Length body, a chunked body
//! (its trailer fields added to the headers), a body that ends when the server closes, and the
//! responses that have no body (HEAD, 1xx, 204, 304). Interim 1xx
//! responses (`100 Continue`) are skipped. A gzip or deflate
//! Content-Encoding is decoded when the response is complete. Nothing here
//! panics on what a server sends: a malformed response is a [`ParseError`].

use std::io::Read;

use bytes::{Buf, BytesMut};

/// A complete response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// HTTP/1.0 (else 1.1).
    pub http10: bool,
    /// Headers in arrival order, names as they came.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, decoded if it came gzip- or deflate-encoded.
    pub body: Vec<u8>,
}

impl Response {
    /// The value of header `name` (any case), the last one if repeated.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether the connection may carry another request.
    pub fn keep_alive(&self) -> bool {
        match self.header("connection") {
            Some(v) => {
                let v = String::from_utf8_lossy(v).to_ascii_lowercase();
                if self.http10 {
                    v.contains("keep-alive")
                } else {
                    !v.contains("close")
                }
            }
            None => !self.http10,
        }
    }
}

/// Why a response could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The status line or a header is malformed.
    BadHead,
    /// A chunk size line is malformed.
    BadChunk,
    /// The head is larger than the limit.
    HeadTooLarge,
    /// The body is larger than the limit.
    BodyTooLarge,
    /// The server closed before the response was complete.
    Incomplete,
}

/// The largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Headers parsed at most.
const MAX_HEADERS: usize = 128;
/// The longest chunk size line (with extensions) accepted.
const MAX_CHUNK_LINE: usize = 1024;

#[derive(Debug)]
enum Body {
    Length(u64),
    /// Inside a chunked body: the bytes left of the current chunk, or None
    /// when a size line comes next.
    Chunked(Option<u64>),
    /// The chunk data ended: its CRLF comes next.
    ChunkEnd,
    /// After the last chunk: trailers until an empty line.
    Trailers,
    UntilClose,
}

#[derive(Debug)]
enum State {
    Head,
    Body(Body),
    Done,
}

/// An incremental response parser (see the module documentation).
#[derive(Debug)]
pub struct ResponseParser {
    state: State,
    /// The request was HEAD: the response has no body whatever it says.
    head_request: bool,
    max_body: usize,
    response: Response,
}

/// What [`ResponseParser::feed`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    NeedMore,
    /// The response is complete; bytes after it stay in the buffer.
    Done(Response),
}

impl ResponseParser {
    pub fn new(head_request: bool, max_body: usize) -> ResponseParser {
        ResponseParser {
            state: State::Head,
            head_request,
            max_body,
            response: Response::default(),
        }
    }

    /// The head has been parsed (status and headers are known).
    pub fn head_done(&self) -> bool {
        !matches!(self.state, State::Head)
    }

    /// The status and headers parsed so far.
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// Consumes what it can of `buf`.
    pub fn feed(&mut self, buf: &mut BytesMut) -> Result<Parsed, ParseError> {
        loop {
            match &mut self.state {
                State::Head => {
                    if !self.parse_head(buf)? {
                        return Ok(Parsed::NeedMore);
                    }
                }
                State::Body(body) => {
                    if !step_body(body, buf, &mut self.response, self.max_body)? {
                        return Ok(Parsed::NeedMore);
                    }
                    // step_body returns true when the body is complete.
                    self.state = State::Done;
                }
                State::Done => {
                    let mut r = std::mem::take(&mut self.response);
                    decode_body(&mut r);
                    self.state = State::Head;
                    return Ok(Parsed::Done(r));
                }
            }
        }
    }

    /// The server closed the connection: the response if that ends it.
    pub fn eof(&mut self) -> Result<Response, ParseError> {
        match self.state {
            State::Body(Body::UntilClose) => {
                let mut r = std::mem::take(&mut self.response);
                decode_body(&mut r);
                self.state = State::Head;
                Ok(r)
            }
            _ => Err(ParseError::Incomplete),
        }
    }

    /// Parses the head if it is all there; true when it was.
    fn parse_head(&mut self, buf: &mut BytesMut) -> Result<bool, ParseError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut headers);
        let n = match parsed.parse(buf) {
            // The same limit whether the head came in one read or many.
            Ok(httparse::Status::Complete(n)) if n > MAX_HEAD => {
                return Err(ParseError::HeadTooLarge)
            }
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD {
                    return Err(ParseError::HeadTooLarge);
                }
                return Ok(false);
            }
            Err(_) => return Err(ParseError::BadHead),
        };
        let status = parsed.code.unwrap_or(0);
        let r = Response {
            status,
            reason: parsed.reason.unwrap_or("").to_string(),
            http10: parsed.version == Some(0),
            headers: parsed
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect(),
            body: Vec::new(),
        };
        buf.advance(n);
        if (100..200).contains(&status) && status != 101 {
            // An interim response: the real one follows.
            return Ok(true);
        }
        let body = if self.head_request || status == 204 || status == 304 || status == 101 {
            Body::Length(0)
        } else if r.header("transfer-encoding").is_some_and(|v| {
            String::from_utf8_lossy(v)
                .to_ascii_lowercase()
                .contains("chunked")
        }) {
            Body::Chunked(None)
        } else if let Some(v) = r.header("content-length") {
            let len = std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or(ParseError::BadHead)?;
            if len > self.max_body as u64 {
                return Err(ParseError::BodyTooLarge);
            }
            Body::Length(len)
        } else {
            Body::UntilClose
        };
        self.response = r;
        self.state = State::Body(body);
        Ok(true)
    }
}

/// Moves body bytes from `buf` to the response's body (trailer fields to
/// its headers); true once the body is complete.
fn step_body(
    body: &mut Body,
    buf: &mut BytesMut,
    response: &mut Response,
    max: usize,
) -> Result<bool, ParseError> {
    let out = &mut response.body;
    loop {
        match body {
            Body::Length(left) => {
                let n = (*left).min(buf.len() as u64) as usize;
                out.extend_from_slice(&buf[..n]);
                buf.advance(n);
                *left -= n as u64;
                return Ok(*left == 0);
            }
            Body::UntilClose => {
                if out.len() + buf.len() > max {
                    return Err(ParseError::BodyTooLarge);
                }
                out.extend_from_slice(buf);
                buf.clear();
                return Ok(false);
            }
            Body::Chunked(None) => match httparse::parse_chunk_size(buf) {
                // A size line is at most 1 KiB, however it was read.
                Ok(httparse::Status::Complete((n, _))) if n > MAX_CHUNK_LINE => {
                    return Err(ParseError::BadChunk)
                }
                Ok(httparse::Status::Complete((n, size))) => {
                    buf.advance(n);
                    if size == 0 {
                        *body = Body::Trailers;
                    } else {
                        if out.len() as u64 + size > max as u64 {
                            return Err(ParseError::BodyTooLarge);
                        }
                        *body = Body::Chunked(Some(size));
                    }
                }
                Ok(httparse::Status::Partial) => {
                    if buf.len() > MAX_CHUNK_LINE {
                        return Err(ParseError::BadChunk);
                    }
                    return Ok(false);
                }
                Err(_) => return Err(ParseError::BadChunk),
            },
            Body::Chunked(Some(left)) => {
                let n = (*left).min(buf.len() as u64) as usize;
                out.extend_from_slice(&buf[..n]);
                buf.advance(n);
                *left -= n as u64;
                if *left > 0 {
                    return Ok(false);
                }
                *body = Body::ChunkEnd;
            }
            Body::ChunkEnd => {
                if buf.len() < 2 {
                    return Ok(false);
                }
                if &buf[..2] != b"\r\n" {
                    return Err(ParseError::BadChunk);
                }
                buf.advance(2);
                *body = Body::Chunked(None);
            }
            Body::Trailers => {
                let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
                    if buf.len() > MAX_HEAD {
                        return Err(ParseError::HeadTooLarge);
                    }
                    return Ok(false);
                };
                if end > MAX_HEAD {
                    return Err(ParseError::HeadTooLarge);
                }
                let line = buf.split_to(end + 2);
                if end == 0 {
                    return Ok(true);
                }
                // A trailer field joins the headers, as Swoole's client
                // shows it (`$client->headers`, the value's leading blanks
                // dropped, as Swoole does); a line that is no field is
                // skipped.
                if let Some(colon) = memchr::memchr(b':', &line[..end]) {
                    let name = String::from_utf8_lossy(line[..colon].trim_ascii()).into_owned();
                    if !name.is_empty() && response.headers.len() < MAX_HEADERS {
                        let value = line[colon + 1..end].trim_ascii_start().to_vec();
                        response.headers.push((name, value));
                    }
                }
            }
        }
    }
}

/// Decodes a gzip or deflate body in place (left as it came if it does not
/// decode).
fn decode_body(r: &mut Response) {
    let Some(enc) = r.header("content-encoding") else {
        return;
    };
    let enc = String::from_utf8_lossy(enc).trim().to_ascii_lowercase();
    if r.body.is_empty() {
        return;
    }
    let mut out = Vec::new();
    let ok = match enc.as_str() {
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(&r.body[..])
            .read_to_end(&mut out)
            .is_ok(),
        "deflate" => {
            // RFC 9110's deflate is zlib-wrapped; some servers send it raw.
            flate2::read::ZlibDecoder::new(&r.body[..])
                .read_to_end(&mut out)
                .is_ok()
                || {
                    out.clear();
                    flate2::read::DeflateDecoder::new(&r.body[..])
                        .read_to_end(&mut out)
                        .is_ok()
                }
        }
        _ => false,
    };
    if ok {
        r.body = out;
    }
}

/// Writes a request: the request line, the headers in the order given,
/// then the body.
pub fn encode_request(
    method: &str,
    path: &str,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(if path.is_empty() {
        b"/"
    } else {
        path.as_bytes()
    });
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// What a request carries after its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    None,
    /// A string body.
    Raw(Vec<u8>),
    /// An array body, already `http_build_query`'d.
    Form(Vec<u8>),
    /// A multipart body, already encoded, with its boundary.
    Multipart {
        boundary: String,
        body: Vec<u8>,
    },
}

/// Everything that decides a request's head (Swoole's order and rules).
#[derive(Debug, Clone)]
pub struct RequestHead<'a> {
    /// `Host` when the script set none: the constructor's host, with
    /// `:port` unless it is the scheme's default.
    pub default_host: &'a str,
    /// The script's headers (`setHeaders()`), in order, values as strings.
    pub user: &'a [(String, Vec<u8>)],
    /// `setBasicAuth()`: base64 of "user:password".
    pub basic_auth: Option<&'a str>,
    pub keep_alive: bool,
    /// `http_compression`: offer gzip and deflate.
    pub compression: bool,
    /// The `Cookie` line's value, when the cookies property is an array.
    pub cookie: Option<Vec<u8>>,
}

/// The header lines of a request, in Swoole's order: Host, the script's
/// own (any `Host`/`Content-Length` of theirs left out), Authorization,
/// Connection, Accept-Encoding, Cookie, then what the body needs.
pub fn request_headers(h: &RequestHead, body: &RequestBody) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::with_capacity(h.user.len() + 6);
    let user_host = h
        .user
        .iter()
        .find(|(n, _)| n == "Host" || n == "host")
        .map(|(_, v)| v.clone());
    out.push((
        "Host".to_string(),
        user_host.unwrap_or_else(|| h.default_host.as_bytes().to_vec()),
    ));
    let mut user_connection = false;
    let mut user_encoding = false;
    let mut user_length = false;
    for (name, value) in h.user {
        if name.eq_ignore_ascii_case("host") {
            continue;
        }
        if name.eq_ignore_ascii_case("content-length") {
            user_length = true;
            continue;
        }
        user_connection |= name.eq_ignore_ascii_case("connection");
        user_encoding |= name.eq_ignore_ascii_case("accept-encoding");
        out.push((name.clone(), value.clone()));
    }
    if let Some(auth) = h.basic_auth {
        out.push(("Authorization".into(), format!("Basic {auth}").into_bytes()));
    }
    if !user_connection {
        // Swoole writes "closed"; RFC 9110's token is "close".
        let v: &[u8] = if h.keep_alive {
            b"keep-alive"
        } else {
            b"close"
        };
        out.push(("Connection".into(), v.to_vec()));
    }
    if h.compression && !user_encoding {
        out.push(("Accept-Encoding".into(), b"gzip, deflate".to_vec()));
    }
    if let Some(c) = &h.cookie {
        out.push(("Cookie".into(), c.clone()));
    }
    match body {
        RequestBody::None => {
            if user_length {
                out.push(("Content-Length".into(), b"0".to_vec()));
            }
        }
        RequestBody::Raw(b) => {
            out.push(("Content-Length".into(), b.len().to_string().into_bytes()))
        }
        RequestBody::Form(b) => {
            out.push((
                "Content-Type".into(),
                b"application/x-www-form-urlencoded".to_vec(),
            ));
            out.push(("Content-Length".into(), b.len().to_string().into_bytes()));
        }
        RequestBody::Multipart { boundary, body } => {
            out.push((
                "Content-Type".into(),
                format!("multipart/form-data; boundary={boundary}").into_bytes(),
            ));
            out.push(("Content-Length".into(), body.len().to_string().into_bytes()));
        }
    }
    out
}

impl RequestBody {
    pub fn bytes(&self) -> &[u8] {
        match self {
            RequestBody::None => b"",
            RequestBody::Raw(b) | RequestBody::Form(b) => b,
            RequestBody::Multipart { body, .. } => body,
        }
    }
}

/// PHP's `urlencode()`: letters, digits and `-_.` as they are, space as
/// `+`, every other byte `%XX`.
pub fn urlencode(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// PHP's `urldecode()`: `+` is a space, `%XX` a byte (a malformed escape
/// stays as it is).
pub fn urldecode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let hex = std::str::from_utf8(&s[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// The `Cookie` value of a cookies array: `key=urlencode(value)` for each
/// usable entry (`None`: an integer key or an empty value, skipped), with
/// Swoole's separators: "; " after an entry while its position (skipped
/// ones counted) is not the last.
pub fn cookie_value(entries: &[Option<(String, Vec<u8>)>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let Some((k, v)) = e else { continue };
        out.extend_from_slice(k.as_bytes());
        out.push(b'=');
        out.extend_from_slice(urlencode(v).as_bytes());
        if i + 1 < entries.len() {
            out.extend_from_slice(b"; ");
        }
    }
    out
}

/// A `Set-Cookie` value as the client keeps it: (name, url-decoded value)
/// up to the first `;`; no name when it has no `=`.
pub fn parse_set_cookie(v: &[u8]) -> (Option<String>, Vec<u8>) {
    let pair = v.split(|&b| b == b';').next().unwrap_or(b"");
    match pair.iter().position(|&b| b == b'=') {
        Some(eq) => (
            Some(String::from_utf8_lossy(&pair[..eq]).trim().to_string()),
            urldecode(&pair[eq + 1..]),
        ),
        None => (None, urldecode(pair)),
    }
}

/// Standard base64 with padding (`setBasicAuth()`).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(T[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(p: &mut ResponseParser, chunks: &[&[u8]]) -> Result<Parsed, ParseError> {
        let mut buf = BytesMut::new();
        let mut last = Ok(Parsed::NeedMore);
        for c in chunks {
            buf.extend_from_slice(c);
            last = p.feed(&mut buf);
            if !matches!(last, Ok(Parsed::NeedMore)) {
                break;
            }
        }
        last
    }

    fn done(r: Result<Parsed, ParseError>) -> Response {
        match r {
            Ok(Parsed::Done(r)) => r,
            other => panic!("not done: {other:?}"),
        }
    }

    #[test]
    fn content_length_body_split_over_many_reads() {
        let mut p = ResponseParser::new(false, 1 << 20);
        let raw =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world";
        let chunks: Vec<&[u8]> = raw.chunks(3).collect();
        let r = done(feed_all(&mut p, &chunks));
        assert_eq!(r.status, 200);
        assert_eq!(r.reason, "OK");
        assert_eq!(r.header("content-type"), Some(&b"text/plain"[..]));
        assert_eq!(r.headers[0].0, "Content-Type");
        assert_eq!(r.body, b"hello world");
        assert!(r.keep_alive());
    }

    #[test]
    fn chunked_body_with_trailers_and_the_next_response_left_in_the_buffer() {
        let mut p = ResponseParser::new(false, 1 << 20);
        let mut buf = BytesMut::from(
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1"[..],
        );
        let r = done(p.feed(&mut buf));
        assert_eq!(r.body, b"hello world");
        assert_eq!(r.header("x-t"), Some(&b"1"[..]));
        assert_eq!(&buf[..], b"HTTP/1.1");
    }

    #[test]
    fn body_until_close_ends_at_eof() {
        let mut p = ResponseParser::new(false, 1 << 20);
        let mut buf = BytesMut::from(&b"HTTP/1.0 200 OK\r\n\r\npartial"[..]);
        assert_eq!(p.feed(&mut buf), Ok(Parsed::NeedMore));
        let r = p.eof().expect("complete at close");
        assert_eq!(r.body, b"partial");
        assert!(!r.keep_alive());
    }

    #[test]
    fn a_close_inside_a_length_body_is_incomplete() {
        let mut p = ResponseParser::new(false, 1 << 20);
        let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"[..]);
        assert_eq!(p.feed(&mut buf), Ok(Parsed::NeedMore));
        assert_eq!(p.eof(), Err(ParseError::Incomplete));
    }

    #[test]
    fn head_204_304_have_no_body_and_100_continue_is_skipped() {
        let mut p = ResponseParser::new(true, 1 << 20);
        let r = done(feed_all(
            &mut p,
            &[b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"],
        ));
        assert!(r.body.is_empty());
        let mut p = ResponseParser::new(false, 1 << 20);
        let r = done(feed_all(&mut p, &[b"HTTP/1.1 204 No Content\r\n\r\n"]));
        assert_eq!(r.status, 204);
        let mut p = ResponseParser::new(false, 1 << 20);
        let r = done(feed_all(
            &mut p,
            &[b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"],
        ));
        assert_eq!((r.status, &r.body[..]), (201, &b"ok"[..]));
    }

    #[test]
    fn gzip_and_deflate_bodies_are_decoded() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"zipped text").unwrap();
        let gz = gz.finish().unwrap();
        let mut raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            gz.len()
        )
        .into_bytes();
        raw.extend_from_slice(&gz);
        let mut p = ResponseParser::new(false, 1 << 20);
        assert_eq!(done(feed_all(&mut p, &[&raw])).body, b"zipped text");

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"deflated").unwrap();
        let z = z.finish().unwrap();
        let mut raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: {}\r\n\r\n",
            z.len()
        )
        .into_bytes();
        raw.extend_from_slice(&z);
        let mut p = ResponseParser::new(false, 1 << 20);
        assert_eq!(done(feed_all(&mut p, &[&raw])).body, b"deflated");
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        for raw in [
            &b"garbage\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
        ] {
            let mut p = ResponseParser::new(false, 1 << 20);
            assert!(
                feed_all(&mut p, &[raw]).is_err(),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
        let mut p = ResponseParser::new(false, 4);
        assert_eq!(
            feed_all(&mut p, &[b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"]),
            Err(ParseError::BodyTooLarge)
        );
    }

    #[test]
    fn request_headers_in_swooles_order() {
        let user = vec![
            ("X-My".to_string(), b"v".to_vec()),
            ("host".to_string(), b"example.com".to_vec()),
            ("content-length".to_string(), b"99".to_vec()),
            ("accept-encoding".to_string(), b"none".to_vec()),
        ];
        let h = RequestHead {
            default_host: "127.0.0.1:9501",
            user: &user,
            basic_auth: Some("dXNlcjpwYTpzcw=="),
            keep_alive: true,
            compression: true,
            cookie: Some(b"a=1+2".to_vec()),
        };
        let names: Vec<String> = request_headers(&h, &RequestBody::None)
            .into_iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(&v)))
            .collect();
        assert_eq!(
            names,
            [
                "Host: example.com",
                "X-My: v",
                "accept-encoding: none",
                "Authorization: Basic dXNlcjpwYTpzcw==",
                "Connection: keep-alive",
                "Cookie: a=1+2",
                "Content-Length: 0"
            ]
        );
        let h = RequestHead {
            default_host: "127.0.0.1:9501",
            user: &[],
            basic_auth: None,
            keep_alive: false,
            compression: true,
            cookie: None,
        };
        let form = request_headers(&h, &RequestBody::Form(b"a=b".to_vec()));
        assert_eq!(form[1], ("Connection".to_string(), b"close".to_vec()));
        assert_eq!(
            form[2],
            ("Accept-Encoding".to_string(), b"gzip, deflate".to_vec())
        );
        assert_eq!(form[3].1, b"application/x-www-form-urlencoded");
        assert_eq!(form[4], ("Content-Length".to_string(), b"3".to_vec()));
    }

    #[test]
    fn cookies_as_swoole_writes_and_reads_them() {
        assert_eq!(urlencode("v v;ä=~".as_bytes()), "v+v%3B%C3%A4%3D%7E");
        assert_eq!(urldecode(b"1%202+3%zz%4"), b"1 2 3%zz%4");
        let e = vec![
            Some(("k".to_string(), b"v v".to_vec())),
            None,
            Some(("z".to_string(), b"x".to_vec())),
        ];
        assert_eq!(cookie_value(&e), b"k=v+v; z=x");
        let e = vec![Some(("a".to_string(), b"1".to_vec())), None];
        assert_eq!(cookie_value(&e), b"a=1; ");
        assert_eq!(cookie_value(&[]), b"");
        assert_eq!(
            parse_set_cookie(b"a=1%202; path=/"),
            (Some("a".to_string()), b"1 2".to_vec())
        );
        assert_eq!(parse_set_cookie(b"novalue"), (None, b"novalue".to_vec()));
    }

    #[test]
    fn base64_as_rfc_4648() {
        assert_eq!(base64(b"user:pa:ss"), "dXNlcjpwYTpzcw==");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }

    #[test]
    fn request_bytes() {
        let h = vec![
            ("Host".to_string(), b"example.com".to_vec()),
            ("Content-Length".to_string(), b"3".to_vec()),
        ];
        assert_eq!(
            encode_request("POST", "/x?a=1", &h, b"a=b"),
            b"POST /x?a=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\na=b".to_vec()
        );
        assert!(encode_request("GET", "", &[], b"").starts_with(b"GET / HTTP/1.1\r\n"));
    }
}
