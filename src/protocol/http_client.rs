//! The client side of HTTP/1.1, without IO: the bytes of a request, and an
//! incremental parser of the response (`Coroutine\Http\Client`).
//!
//! [`ResponseParser`] is fed whatever the socket gave and says when a whole
//! response is there. It handles a Content-Length body, a chunked body
//! (trailers skipped), a body that ends when the server closes, and the
//! responses that have no body (HEAD, 1xx, 204, 304). Interim 1xx
//! responses (`100 Continue`) are skipped. A gzip or deflate
//! Content-Encoding is decoded when the response is complete. Nothing here
//! panics on what a server sends: a malformed response is a [`ParseError`].

use std::io::Read;

use bytes::{Buf, BytesMut};

/// A header name as the parser keeps it: lower-cased, as Swoole shows them.
pub type HeaderName = String;

/// A complete response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// HTTP/1.0 (else 1.1).
    pub http10: bool,
    /// Headers in arrival order, names lower-cased.
    pub headers: Vec<(HeaderName, Vec<u8>)>,
    /// The body, decoded if it came gzip- or deflate-encoded.
    pub body: Vec<u8>,
}

impl Response {
    /// The value of header `name` (lower-case), the last one if repeated.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n == name)
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
                    if !step_body(body, buf, &mut self.response.body, self.max_body)? {
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
                .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
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

/// Moves body bytes from `buf` to `out`; true once the body is complete.
fn step_body(
    body: &mut Body,
    buf: &mut BytesMut,
    out: &mut Vec<u8>,
    max: usize,
) -> Result<bool, ParseError> {
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
                    if buf.len() > 1024 {
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
                buf.advance(end + 2);
                if end == 0 {
                    return Ok(true);
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
