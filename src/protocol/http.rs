//! HTTP/1.1 request parsing (RFC 9112) on top of httparse.
//!
//! The runtime keeps one read buffer per connection and asks, after every
//! read, whether it now starts with a whole request. [`RequestParser`] answers
//! with `Ok(None)` (need more bytes), the request and how many bytes it took
//! (anything after that is the next, pipelined, request or the first
//! WebSocket frame), or an error meaning "answer 400/413 and close".
//!
//! The parser remembers how far it got, so a request that trickles in byte by
//! byte is not re-parsed from the start each time: the header block is handed
//! to httparse only once its terminating empty line has arrived (plus one
//! early look at the request line so garbage fails fast), and a chunked body is
//! decoded chunk by chunk as it arrives. Every size a client announces is
//! checked against [`Limits`] before the bytes are waited for.

use bytes::Bytes;
use std::fmt;

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method as sent (`GET`, `POST`, ...).
    pub method: String,
    /// The raw request-target (`/chat?a=1`, `http://host/p?q`, `*`).
    pub target: String,
    /// Path part of the target (absolute-form reduced to its path; `/` if empty).
    pub path: String,
    /// Query part of the target without `?`; `None` when absent or empty.
    pub query: Option<String>,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub minor_version: u8,
    /// Headers in request order: lower-cased name, raw value (surrounding
    /// whitespace removed). Duplicates are kept.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body (de-chunked if it was chunked).
    pub body: Bytes,
    /// The body arrived with `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// The HTTP/2 stream it came on (`$request->streamId`); 0 for HTTP/1.
    pub stream_id: u32,
}

impl Request {
    /// First value of a header; `lower_name` must be lower-case.
    pub fn header(&self, lower_name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n == lower_name)
            .map(|(_, v)| v.as_slice())
    }

    /// Every value of a header, in order; `lower_name` must be lower-case.
    pub fn header_all<'a>(&'a self, lower_name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == lower_name)
            .map(|(_, v)| v.as_slice())
    }

    /// Whether the connection stays open after this request: HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.header_all("connection")
                .any(|v| super::handshake::header_has_token(v, token))
        };
        if self.minor_version >= 1 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }

    /// `HTTP/1.1` or `HTTP/1.0` (`$request->server['server_protocol']`).
    pub fn protocol(&self) -> &'static str {
        if self.minor_version >= 1 {
            "HTTP/1.1"
        } else {
            "HTTP/1.0"
        }
    }

    /// The cookies of every `Cookie` header, merged (see [`parse_cookies`]).
    pub fn cookies(&self) -> Vec<(String, String)> {
        let values: Vec<&[u8]> = self.header_all("cookie").collect();
        parse_cookies(&values)
    }
}

/// Size limits, checked before waiting for the bytes they concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line + header block (and, separately, chunked trailers).
    pub max_header_bytes: usize,
    /// Most header fields in one request.
    pub max_headers: usize,
    /// Largest body (Swoole's `package_max_length`).
    pub max_body: usize,
    /// Largest `multipart/form-data` body when larger than `max_body`
    /// (Swoole's `upload_max_filesize`; 0: off).
    pub max_upload: usize,
}

impl Limits {
    /// The body limit for `req`: uploads may reach `max_upload`.
    fn body_limit(&self, req: &Request) -> u64 {
        let multipart = req.header("content-type").is_some_and(|ct| {
            ct.len() >= 19 && ct[..19].eq_ignore_ascii_case(b"multipart/form-data")
        });
        if multipart && self.max_upload > self.max_body {
            self.max_upload as u64
        } else {
            self.max_body as u64
        }
    }
}

impl Default for Limits {
    /// 64 KiB of headers, 128 fields, 2 MiB body (Swoole's default
    /// `package_max_length`).
    fn default() -> Limits {
        Limits {
            max_header_bytes: 64 * 1024,
            max_headers: 128,
            max_body: 2 * 1024 * 1024,
            max_upload: 0,
        }
    }
}

/// Why a request cannot be parsed. Every variant means: reply with an error
/// status (see [`HttpError::status`]) and close the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// Not HTTP/1.x syntax.
    Malformed,
    /// Request line and headers exceed `max_header_bytes`.
    HeadersTooLarge,
    /// More than `max_headers` header fields.
    TooManyHeaders,
    /// The declared (or, for chunked bodies, accumulated) body exceeds `max_body`.
    BodyTooLarge {
        /// The length that was announced or reached.
        len: u64,
    },
    /// `Content-Length` unparseable, conflicting, or combined with
    /// `Transfer-Encoding` (a request-smuggling vector, RFC 9112 §6.3).
    BadContentLength,
    /// A `Transfer-Encoding` other than a single `chunked`.
    UnsupportedTransferEncoding,
    /// Invalid chunked framing.
    BadChunk,
}

impl HttpError {
    /// The status code to answer with.
    pub fn status(&self) -> u16 {
        match self {
            HttpError::HeadersTooLarge | HttpError::TooManyHeaders => 431,
            HttpError::BodyTooLarge { .. } => 413,
            HttpError::UnsupportedTransferEncoding => 501,
            _ => 400,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Malformed => write!(f, "malformed HTTP request"),
            HttpError::HeadersTooLarge => write!(f, "request header block too large"),
            HttpError::TooManyHeaders => write!(f, "too many request headers"),
            HttpError::BodyTooLarge { len } => {
                write!(f, "the request body length {len} is too large")
            }
            HttpError::BadContentLength => write!(f, "invalid Content-Length"),
            HttpError::UnsupportedTransferEncoding => {
                write!(f, "unsupported Transfer-Encoding")
            }
            HttpError::BadChunk => write!(f, "invalid chunked body"),
        }
    }
}

impl std::error::Error for HttpError {}

/// Parses one request from the front of `buf` without keeping state between
/// calls (each call starts over). For a connection, prefer [`RequestParser`].
pub fn parse_request(buf: &[u8], limits: &Limits) -> Result<Option<(Request, usize)>, HttpError> {
    RequestParser::new(*limits).parse(buf)
}

/// Longest chunk-size line (size, extensions, CRLF) we accept.
const MAX_CHUNK_LINE: usize = 4096;

#[derive(Debug, Clone)]
enum Phase {
    /// Waiting for a chunk-size line at `pos`.
    Size,
    /// Waiting for `size` data bytes and their CRLF at `pos`.
    Data(usize),
    /// Reading trailer lines until the empty one.
    Trailers { start: usize },
}

#[derive(Debug, Clone)]
enum State {
    /// Looking for the end of the header block.
    Head {
        /// Bytes already searched for the terminator.
        scanned: usize,
        /// The request line was already checked by httparse.
        first_line_checked: bool,
    },
    /// Headers parsed; waiting for `len` body bytes after `start`.
    Length {
        req: Request,
        start: usize,
        len: usize,
    },
    /// Headers parsed; decoding a chunked body.
    Chunked {
        req: Request,
        start: usize,
        pos: usize,
        phase: Phase,
        body: Vec<u8>,
    },
}

/// Incremental request parser for one connection.
///
/// Contract: between two calls the caller only appends to the buffer; after
/// `Ok(Some((req, n)))` it removes the first `n` bytes and the parser is ready
/// for the next request. After an error the connection is to be closed.
#[derive(Debug, Clone)]
pub struct RequestParser {
    limits: Limits,
    state: State,
}

impl RequestParser {
    /// A parser waiting for the start of a request.
    pub fn new(limits: Limits) -> RequestParser {
        RequestParser {
            limits,
            state: State::Head {
                scanned: 0,
                first_line_checked: false,
            },
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The request whose headers are parsed while its body is still arriving
    /// (to answer `Expect: 100-continue`, or to look at the headers early).
    pub fn pending_head(&self) -> Option<&Request> {
        match &self.state {
            State::Head { .. } => None,
            State::Length { req, .. } | State::Chunked { req, .. } => Some(req),
        }
    }

    /// Forgets any partial progress.
    pub fn reset(&mut self) {
        self.state = State::Head {
            scanned: 0,
            first_line_checked: false,
        };
    }

    /// See the type's documentation.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Option<(Request, usize)>, HttpError> {
        let res = self.step(buf);
        if !matches!(res, Ok(None)) {
            self.reset();
        }
        res
    }

    fn step(&mut self, buf: &[u8]) -> Result<Option<(Request, usize)>, HttpError> {
        if let State::Head {
            scanned,
            first_line_checked,
        } = &mut self.state
        {
            let Some((req, head_len)) = parse_head(buf, &self.limits, scanned, first_line_checked)?
            else {
                return Ok(None);
            };
            self.state = body_state(req, head_len, &self.limits)?;
        }
        match &mut self.state {
            State::Head { .. } => Ok(None),
            State::Length { req, start, len } => {
                let end = *start + *len;
                let Some(body) = buf.get(*start..end) else {
                    return Ok(None);
                };
                let mut req = std::mem::replace(req, empty_request());
                req.body = Bytes::copy_from_slice(body);
                Ok(Some((req, end)))
            }
            State::Chunked {
                req,
                start,
                pos,
                phase,
                body,
            } => {
                let max_body = self.limits.body_limit(req);
                let max_trailers = self.limits.max_header_bytes;
                let Some(end) =
                    decode_chunks(buf, *start, pos, phase, body, max_body, max_trailers)?
                else {
                    return Ok(None);
                };
                let mut req = std::mem::replace(req, empty_request());
                req.body = Bytes::from(std::mem::take(body));
                Ok(Some((req, end)))
            }
        }
    }
}

fn empty_request() -> Request {
    Request {
        method: String::new(),
        target: String::new(),
        path: String::new(),
        query: None,
        minor_version: 1,
        headers: Vec::new(),
        body: Bytes::new(),
        chunked: false,
        stream_id: 0,
    }
}

/// Finds and parses the header block. `scanned` and `first_line_checked`
/// carry progress across calls.
fn parse_head(
    buf: &[u8],
    limits: &Limits,
    scanned: &mut usize,
    first_line_checked: &mut bool,
) -> Result<Option<(Request, usize)>, HttpError> {
    let mut from = scanned.saturating_sub(2);
    loop {
        let Some(end) = find_head_end(buf, from) else {
            if !*first_line_checked && memchr::memchr(b'\n', buf).is_some() {
                // One early look so that "NOT HTTP AT ALL\r\n" fails now rather
                // than after 64 KiB.
                *first_line_checked = true;
                httparse_head(buf, limits)?;
            }
            if buf.len() > limits.max_header_bytes {
                return Err(HttpError::HeadersTooLarge);
            }
            *scanned = buf.len();
            return Ok(None);
        };
        let head = buf.get(..end).unwrap_or_default();
        match httparse_head(head, limits)? {
            Some(parsed) => {
                if parsed.1 > limits.max_header_bytes {
                    return Err(HttpError::HeadersTooLarge);
                }
                return Ok(Some(parsed));
            }
            // Only leading empty lines so far (RFC 9112 §2.2 lets us skip them).
            None => from = end,
        }
    }
}

/// Index just past the first empty line (`\n\r\n` or `\n\n`) at or after `from`.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let hay = buf.get(from..)?;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'\n', hay.get(i..)?) {
        let nl = i + off;
        match hay.get(nl + 1) {
            Some(b'\n') => return Some(from + nl + 2),
            Some(b'\r') if hay.get(nl + 2) == Some(&b'\n') => return Some(from + nl + 3),
            _ => {}
        }
        i = nl + 1;
    }
    None
}

fn httparse_head(buf: &[u8], limits: &Limits) -> Result<Option<(Request, usize)>, HttpError> {
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut parsed = httparse::Request::new(&mut headers);
    let status = match parsed.parse(buf) {
        Ok(s) => s,
        Err(httparse::Error::TooManyHeaders) => return Err(HttpError::TooManyHeaders),
        Err(_) => return Err(HttpError::Malformed),
    };
    let httparse::Status::Complete(head_len) = status else {
        return Ok(None);
    };
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(HttpError::Malformed);
    };
    let headers = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), trim_ows(h.value).to_vec()))
        .collect();
    let (path, query) = split_target(target);
    Ok(Some((
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            path,
            query,
            minor_version: version,
            headers,
            body: Bytes::new(),
            chunked: false,
            stream_id: 0,
        },
        head_len,
    )))
}

/// Removes leading and trailing spaces and tabs.
pub fn trim_ows(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    v.get(start..end).unwrap_or_default()
}

/// Splits a request-target into path and query. Absolute-form
/// (`http://host/p?q`) is reduced to its path; a fragment is dropped.
pub fn split_target(target: &str) -> (String, Option<String>) {
    let target = target.split('#').next().unwrap_or_default();
    let rest = match target.find("://") {
        Some(i) if !target.starts_with('/') => {
            let after = &target[i + 3..];
            match after.find(['/', '?']) {
                Some(j) => &after[j..],
                None => "",
            }
        }
        _ => target,
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    (
        path.to_owned(),
        query.filter(|q| !q.is_empty()).map(str::to_owned),
    )
}

/// Decides how the body is framed (RFC 9112 §6.3) and checks its size.
fn body_state(mut req: Request, head_len: usize, limits: &Limits) -> Result<State, HttpError> {
    let te: Vec<&[u8]> = req.header_all("transfer-encoding").collect();
    let cl: Vec<&[u8]> = req.header_all("content-length").collect();
    if !te.is_empty() {
        if !cl.is_empty() {
            return Err(HttpError::BadContentLength);
        }
        let codings: Vec<&[u8]> = te
            .iter()
            .flat_map(|v| v.split(|&b| b == b','))
            .map(trim_ows)
            .filter(|c| !c.is_empty())
            .collect();
        if req.minor_version == 0
            || codings.len() != 1
            || !codings[0].eq_ignore_ascii_case(b"chunked")
        {
            return Err(HttpError::UnsupportedTransferEncoding);
        }
        req.chunked = true;
        return Ok(State::Chunked {
            req,
            start: head_len,
            pos: head_len,
            phase: Phase::Size,
            body: Vec::new(),
        });
    }
    let mut len: Option<u64> = None;
    for value in cl {
        for item in value.split(|&b| b == b',') {
            let item = trim_ows(item);
            if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
                return Err(HttpError::BadContentLength);
            }
            let n = std::str::from_utf8(item)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or(HttpError::BadContentLength)?;
            if len.is_some_and(|l| l != n) {
                return Err(HttpError::BadContentLength);
            }
            len = Some(n);
        }
    }
    let len = len.unwrap_or(0);
    if len > limits.body_limit(&req) {
        return Err(HttpError::BodyTooLarge { len });
    }
    Ok(State::Length {
        req,
        start: head_len,
        // At most `max_body`, so it fits.
        len: len as usize,
    })
}

/// Advances the chunked decoder over whatever of `buf` has arrived. Returns
/// the index just past the request once the last chunk and trailers are in.
fn decode_chunks(
    buf: &[u8],
    start: usize,
    pos: &mut usize,
    phase: &mut Phase,
    body: &mut Vec<u8>,
    max_body: u64,
    max_trailers: usize,
) -> Result<Option<usize>, HttpError> {
    // Framing overhead is bounded too, so tiny chunks with long extensions
    // cannot make us buffer far more than `max_body`.
    let max_raw = max_body.saturating_mul(2).saturating_add(64 * 1024);
    loop {
        let raw = pos.saturating_sub(start) as u64;
        if raw > max_raw {
            return Err(HttpError::BodyTooLarge { len: raw });
        }
        match *phase {
            Phase::Size => {
                let rest = buf.get(*pos..).unwrap_or_default();
                let Some(nl) = memchr::memchr(b'\n', rest) else {
                    if rest.len() > MAX_CHUNK_LINE {
                        return Err(HttpError::BadChunk);
                    }
                    return Ok(None);
                };
                if nl >= MAX_CHUNK_LINE {
                    return Err(HttpError::BadChunk);
                }
                let size = parse_chunk_size(rest.get(..nl).unwrap_or_default())?;
                *pos += nl + 1;
                if size == 0 {
                    *phase = Phase::Trailers { start: *pos };
                } else {
                    let total = (body.len() as u64).saturating_add(size);
                    if total > max_body {
                        return Err(HttpError::BodyTooLarge { len: total });
                    }
                    // `total <= max_body`, so `size` fits in usize.
                    *phase = Phase::Data(size as usize);
                }
            }
            Phase::Data(size) => {
                let Some(chunk) = buf.get(*pos..*pos + size + 2) else {
                    return Ok(None);
                };
                let (data, crlf) = chunk.split_at(size);
                if crlf != b"\r\n" {
                    return Err(HttpError::BadChunk);
                }
                body.extend_from_slice(data);
                *pos += size + 2;
                *phase = Phase::Size;
            }
            Phase::Trailers { start: tstart } => {
                let rest = buf.get(*pos..).unwrap_or_default();
                let Some(nl) = memchr::memchr(b'\n', rest) else {
                    if buf.len() - tstart > max_trailers {
                        return Err(HttpError::HeadersTooLarge);
                    }
                    return Ok(None);
                };
                let line = rest.get(..nl).unwrap_or_default();
                let Some(line) = line.strip_suffix(b"\r") else {
                    return Err(HttpError::BadChunk);
                };
                *pos += nl + 1;
                if *pos - tstart > max_trailers {
                    return Err(HttpError::HeadersTooLarge);
                }
                if line.is_empty() {
                    return Ok(Some(*pos));
                }
                // Trailer fields are accepted and dropped; they must at least
                // look like fields.
                if !line.contains(&b':') {
                    return Err(HttpError::BadChunk);
                }
            }
        }
    }
}

/// Parses `1*HEXDIG [ BWS ; ext ]` from a chunk-size line (without its LF).
fn parse_chunk_size(line: &[u8]) -> Result<u64, HttpError> {
    let line = line.strip_suffix(b"\r").ok_or(HttpError::BadChunk)?;
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 16 {
        return Err(HttpError::BadChunk);
    }
    let (hex, rest) = line.split_at(digits);
    let rest = trim_ows(rest);
    if !rest.is_empty() && rest.first() != Some(&b';') {
        return Err(HttpError::BadChunk);
    }
    let mut n: u64 = 0;
    for &b in hex {
        let d = (b as char).to_digit(16).ok_or(HttpError::BadChunk)?;
        n = n
            .checked_mul(16)
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or(HttpError::BadChunk)?;
    }
    Ok(n)
}

/// Percent-decoding as PHP's `urldecode()` does it: `+` is a space, `%XX`
/// with two hex digits is that byte, anything else is kept literally.
pub fn url_decode(s: &[u8]) -> Vec<u8> {
    percent_decode(s, true)
}

/// `%XX` decoded (a `%` not followed by two hex digits stays); `+` is a
/// space for form decoding, itself for raw decoding.
fn percent_decode(s: &[u8], plus_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hi = s.get(i + 1).and_then(|&c| (c as char).to_digit(16));
                let lo = s.get(i + 2).and_then(|&c| (c as char).to_digit(16));
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

/// Cookies from `Cookie` header values, as raw bytes (PHP strings are bytes).
///
/// Swoole's rules (PHP's own `$_COOKIE` parser): all headers are merged in
/// order, pairs are split on `;` (empty ones skipped), leading whitespace
/// before a name is skipped, a pair whose name is empty is skipped, a value
/// is raw-url-decoded (`%41` -> `A`, but `+` stays `+`: base64 values come
/// through whole) and kept with its quotes, and a pair without `=` is a
/// cookie with an empty value (`HttpOnly` -> `""`). Names are returned as
/// sent: PHP's variable-name rules (`a.b` -> `a_b`, `a[x]`) are applied
/// where they are registered.
pub fn parse_cookies_raw(values: &[&[u8]]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for value in values {
        for pair in value.split(|&b| b == b';') {
            let start = pair
                .iter()
                .position(|b| !is_c_space(*b))
                .unwrap_or(pair.len());
            let pair = pair.get(start..).unwrap_or_default();
            let (name, value) = match memchr::memchr(b'=', pair) {
                Some(eq) => (&pair[..eq], raw_url_decode(&pair[eq + 1..])),
                None => (pair, Vec::new()),
            };
            if name.is_empty() {
                continue;
            }
            out.push((name.to_vec(), value));
        }
    }
    out
}

/// C's `isspace()`.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// PHP's `rawurldecode()`: `%XX` decoded, everything else (`+` too) as it is.
pub fn raw_url_decode(s: &[u8]) -> Vec<u8> {
    percent_decode(s, false)
}

/// [`parse_cookies_raw`] with names and values as (lossy) UTF-8 strings.
pub fn parse_cookies(values: &[&[u8]]) -> Vec<(String, String)> {
    parse_cookies_raw(values)
        .into_iter()
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(&k).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect()
}

/// True when `buf` starts with a complete request head (HTTP/1.1) that asks
/// for `Expect: 100-continue`: the server should answer `100 Continue`
/// before the body arrives.
pub fn expects_continue(buf: &[u8]) -> bool {
    let Some(end) = memchr::memmem::find(buf, b"\r\n\r\n") else {
        return false;
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&buf[..end + 4]) {
        Ok(httparse::Status::Complete(_)) if req.version == Some(1) => {
            req.headers.iter().any(|h| {
                h.name.eq_ignore_ascii_case("expect")
                    && h.value.eq_ignore_ascii_case(b"100-continue")
            })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_header_bytes: 1024,
            max_headers: 16,
            max_body: 100,
            max_upload: 0,
        }
    }

    fn parse(buf: &[u8]) -> Result<Option<(Request, usize)>, HttpError> {
        parse_request(buf, &limits())
    }

    fn one(buf: &[u8]) -> Request {
        let (r, n) = parse(buf).unwrap().unwrap();
        assert_eq!(n, buf.len());
        r
    }

    #[test]
    fn simple_get() {
        let r = one(b"GET /chat?a=1&b=two HTTP/1.1\r\nHost: x\r\nX-Custom-Header:  v  \r\nX-Dup: one\r\nx-dup: two\r\nEmpty:\r\n\r\n");
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/chat?a=1&b=two");
        assert_eq!(r.path, "/chat");
        assert_eq!(r.query.as_deref(), Some("a=1&b=two"));
        assert_eq!(r.minor_version, 1);
        assert_eq!(r.protocol(), "HTTP/1.1");
        let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["host", "x-custom-header", "x-dup", "x-dup", "empty"]
        );
        assert_eq!(r.header("x-custom-header"), Some(&b"v"[..]));
        assert_eq!(r.header("empty"), Some(&b""[..]));
        assert_eq!(
            r.header_all("x-dup").collect::<Vec<_>>(),
            [&b"one"[..], &b"two"[..]]
        );
        assert_eq!(r.header("missing"), None);
        assert!(r.body.is_empty() && !r.chunked);
    }

    #[test]
    fn targets() {
        assert_eq!(split_target("/"), ("/".into(), None));
        assert_eq!(split_target("/p?"), ("/p".into(), None));
        assert_eq!(split_target("/p?q#frag"), ("/p".into(), Some("q".into())));
        assert_eq!(
            split_target("http://host/p?q"),
            ("/p".into(), Some("q".into()))
        );
        assert_eq!(split_target("HTTPS://host:8080"), ("/".into(), None));
        assert_eq!(
            split_target("http://host?x=1"),
            ("/".into(), Some("x=1".into()))
        );
        assert_eq!(split_target("/a://b"), ("/a://b".into(), None));
        assert_eq!(split_target("*"), ("*".into(), None));
        let r = one(b"GET http://example.com/p?q=1 HTTP/1.1\r\n\r\n");
        assert_eq!((r.path.as_str(), r.query.as_deref()), ("/p", Some("q=1")));
        assert_eq!(r.target, "http://example.com/p?q=1");
    }

    #[test]
    fn keep_alive_rules() {
        assert!(one(b"GET / HTTP/1.1\r\n\r\n").keep_alive());
        assert!(!one(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive());
        assert!(!one(b"GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n").keep_alive());
        assert!(!one(b"GET / HTTP/1.0\r\n\r\n").keep_alive());
        assert!(one(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive());
        assert_eq!(one(b"GET / HTTP/1.0\r\n\r\n").protocol(), "HTTP/1.0");
    }

    #[test]
    fn content_length_body_and_pipelining() {
        let buf = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n";
        let (r, n) = parse(buf).unwrap().unwrap();
        assert_eq!(&r.body[..], b"hello");
        assert_eq!(&buf[n..], b"GET /b HTTP/1.1\r\n\r\n");
        let (r2, n2) = parse(&buf[n..]).unwrap().unwrap();
        assert_eq!(r2.path, "/b");
        assert_eq!(n + n2, buf.len());
        // trailing bytes after a GET (e.g. a first WebSocket frame) stay unconsumed
        let buf = b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x85abcd";
        let (_, n) = parse(buf).unwrap().unwrap();
        assert_eq!(&buf[n..], b"\x81\x85abcd");
    }

    #[test]
    fn content_length_errors() {
        let e = |b: &[u8]| parse(b).unwrap_err();
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
            HttpError::BadContentLength
        );
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            HttpError::BadContentLength
        );
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n"),
            HttpError::BadContentLength
        );
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            HttpError::BadContentLength
        );
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            HttpError::BadContentLength
        );
        // same value twice (or as a list) is fine
        let r = one(b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nab");
        assert_eq!(&r.body[..], b"ab");
        // too large: rejected from the header, before any body byte
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
            HttpError::BodyTooLarge { len: 101 }
        );
        assert_eq!(HttpError::BodyTooLarge { len: 101 }.status(), 413);
        assert!(parse(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n")
            .unwrap()
            .is_none());
        // CL + TE is ambiguous
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            HttpError::BadContentLength
        );
    }

    #[test]
    fn transfer_encoding_rules() {
        let e = |b: &[u8]| parse(b).unwrap_err();
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            HttpError::UnsupportedTransferEncoding
        );
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n"),
            HttpError::UnsupportedTransferEncoding
        );
        assert_eq!(
            e(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            HttpError::UnsupportedTransferEncoding
        );
        assert_eq!(HttpError::UnsupportedTransferEncoding.status(), 501);
    }

    const CHUNKED: &[u8] = b"POST /up HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n\
5\r\nhello\r\n\
6;ext=1;x=\"y\"\r\n world\r\n\
A \r\n0123456789\r\n\
0\r\nX-Trailer: t\r\n\r\n";

    #[test]
    fn chunked_body() {
        let r = one(CHUNKED);
        assert!(r.chunked);
        assert_eq!(&r.body[..], b"hello world0123456789");
        assert_eq!(r.header("transfer-encoding"), Some(&b"Chunked"[..]));
        // no trailers
        let r = one(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assert!(r.body.is_empty());
    }

    #[test]
    fn chunked_errors() {
        let e = |body: &[u8]| {
            let mut b = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            b.extend_from_slice(body);
            parse(&b).unwrap_err()
        };
        assert_eq!(e(b"zz\r\n"), HttpError::BadChunk);
        assert_eq!(e(b"\r\n"), HttpError::BadChunk);
        assert_eq!(e(b"5\nhello\r\n"), HttpError::BadChunk); // bare LF
        assert_eq!(e(b"5x\r\n"), HttpError::BadChunk);
        assert_eq!(e(b"5\r\nhelloXY"), HttpError::BadChunk);
        assert_eq!(e(b"11111111111111111\r\n"), HttpError::BadChunk);
        assert_eq!(e(b"0\r\nnot a trailer\r\n\r\n"), HttpError::BadChunk);
        assert_eq!(e(b"0\r\nX: y\n\r\n"), HttpError::BadChunk);
        assert_eq!(e(&[b'1'; 5000]), HttpError::BadChunk);
        // too large, detected from the chunk size line alone
        assert_eq!(e(b"65\r\n"), HttpError::BodyTooLarge { len: 101 });
        let mut body = Vec::new();
        body.extend_from_slice(b"32\r\n");
        body.extend_from_slice(&[b'a'; 50]);
        body.extend_from_slice(b"\r\n33\r\n");
        assert_eq!(e(&body), HttpError::BodyTooLarge { len: 101 });
    }

    #[test]
    fn chunk_overhead_is_bounded() {
        let lim = Limits {
            max_header_bytes: 1024,
            max_headers: 16,
            max_body: 10_000,
            max_upload: 0,
        };
        let mut b = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let ext = format!("1;{}\r\nx\r\n", "e".repeat(4000));
        for _ in 0..30 {
            b.extend_from_slice(ext.as_bytes());
        }
        assert!(matches!(
            parse_request(&b, &lim).unwrap_err(),
            HttpError::BodyTooLarge { .. }
        ));
    }

    #[test]
    fn header_limits_and_garbage() {
        assert_eq!(
            parse(b"NOT HTTP AT ALL\r\n").unwrap_err(),
            HttpError::Malformed
        );
        assert_eq!(
            parse(b"NOT HTTP AT ALL\r\n\r\n").unwrap_err(),
            HttpError::Malformed
        );
        assert_eq!(
            parse(b"GET / HTTP/2.0\r\n\r\n").unwrap_err(),
            HttpError::Malformed
        );
        assert_eq!(
            parse(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\n").unwrap_err(),
            HttpError::Malformed
        );
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n").unwrap_err(),
            HttpError::Malformed
        );
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 1100));
        assert_eq!(parse(&big).unwrap_err(), HttpError::HeadersTooLarge);
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse(&big).unwrap_err(), HttpError::HeadersTooLarge);
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..17 {
            many.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse(&many).unwrap_err(), HttpError::TooManyHeaders);
        assert_eq!(HttpError::TooManyHeaders.status(), 431);
        assert_eq!(HttpError::Malformed.status(), 400);
        assert_eq!(HttpError::Malformed.to_string(), "malformed HTTP request");
    }

    #[test]
    fn leading_empty_lines_skipped() {
        let r = one(b"\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
        assert_eq!(r.path, "/x");
        let r = one(b"\nGET /y HTTP/1.1\n\n");
        assert_eq!(r.path, "/y");
    }

    /// A stream of pipelined requests, fed to one parser a byte at a time and
    /// to the stateless function cut at every boundary.
    fn stream() -> Vec<u8> {
        let mut s = Vec::new();
        s.extend_from_slice(b"GET /1?x=y HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\n\r\n");
        s.extend_from_slice(b"POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
        s.extend_from_slice(CHUNKED);
        s.extend_from_slice(b"GET /4 HTTP/1.0\r\n\r\n");
        s
    }

    fn check(reqs: &[Request]) {
        let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/1", "/2", "/up", "/4"]);
        assert_eq!(&reqs[1].body[..], b"abc");
        assert_eq!(&reqs[2].body[..], b"hello world0123456789");
    }

    #[test]
    fn byte_at_a_time_with_state() {
        let s = stream();
        let mut p = RequestParser::new(limits());
        let mut buf = Vec::new();
        let mut reqs = Vec::new();
        for &b in &s {
            buf.push(b);
            while let Some((r, n)) = p.parse(&buf).unwrap() {
                buf.drain(..n);
                reqs.push(r);
            }
        }
        assert!(buf.is_empty());
        check(&reqs);
    }

    #[test]
    fn every_split_point_stateless() {
        let s = stream();
        for cut in 0..=s.len() {
            let mut buf = s[..cut].to_vec();
            let mut reqs = Vec::new();
            while let Some((r, n)) = parse(&buf).unwrap() {
                buf.drain(..n);
                reqs.push(r);
            }
            buf.extend_from_slice(&s[cut..]);
            while let Some((r, n)) = parse(&buf).unwrap() {
                buf.drain(..n);
                reqs.push(r);
            }
            assert!(buf.is_empty(), "cut {cut}");
            check(&reqs);
        }
    }

    #[test]
    fn pending_head_visible_while_body_arrives() {
        let mut p = RequestParser::new(limits());
        let buf = b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nab";
        assert!(p.parse(buf).unwrap().is_none());
        assert_eq!(
            p.pending_head().unwrap().header("expect"),
            Some(&b"100-continue"[..])
        );
        let mut full = buf.to_vec();
        full.extend_from_slice(b"cd");
        let (r, _) = p.parse(&full).unwrap().unwrap();
        assert_eq!(&r.body[..], b"abcd");
        assert!(p.pending_head().is_none());
    }

    #[test]
    fn url_decoding() {
        assert_eq!(url_decode(b"hello%20world"), b"hello world");
        assert_eq!(url_decode(b"a+b"), b"a b");
        assert_eq!(url_decode(b"%e2%82%AC"), "€".as_bytes());
        assert_eq!(url_decode(b"100%"), b"100%");
        assert_eq!(url_decode(b"%zz%4"), b"%zz%4");
        assert_eq!(url_decode(b"%00"), b"\0");
    }

    #[test]
    fn cookies() {
        let c = parse_cookies(&[
            b"c1=v1; c2=hello%20world",
            b"c3=\"quoted\";  c4=a=b; HttpOnly; =x;;c5=; \t a.b=%4",
        ]);
        assert_eq!(
            c,
            [
                ("c1".to_string(), "v1".to_string()),
                ("c2".into(), "hello world".into()),
                ("c3".into(), "\"quoted\"".into()),
                ("c4".into(), "a=b".into()),
                ("HttpOnly".into(), "".into()),
                ("c5".into(), "".into()),
                ("a.b".into(), "%4".into()),
            ]
        );
        let r = one(b"GET / HTTP/1.1\r\nCookie: a=1\r\nCookie: b=x+y/z==\r\n\r\n");
        assert_eq!(
            r.cookies(),
            [
                ("a".to_string(), "1".to_string()),
                ("b".into(), "x+y/z==".into())
            ]
        );
        let raw = parse_cookies_raw(&[b"k=%ff"]);
        assert_eq!(raw, [(b"k".to_vec(), vec![0xff])]);
        assert!(parse_cookies(&[]).is_empty());
    }

    #[test]
    fn trim() {
        assert_eq!(trim_ows(b"  a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        assert_eq!(trim_ows(b""), b"");
    }

    /// Small deterministic xorshift generator for the no-panic sweeps.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn random_mutations_never_panic() {
        let base = stream();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut s = base.clone();
            for _ in 0..(rng(&mut seed) % 4 + 1) {
                let i = (rng(&mut seed) as usize) % s.len();
                match rng(&mut seed) % 3 {
                    0 => s[i] = rng(&mut seed) as u8,
                    1 => {
                        s.remove(i);
                    }
                    _ => s.insert(i, b"\r\n:;0 "[(rng(&mut seed) % 6) as usize]),
                }
            }
            let mut p = RequestParser::new(limits());
            let mut buf: &[u8] = &s;
            while let Ok(Some((_, n))) = p.parse(buf) {
                buf = &buf[n..];
            }
        }
    }

    #[test]
    fn expect_continue_is_seen_once_the_head_is_complete() {
        let head =
            b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
        assert!(super::expects_continue(head));
        assert!(!super::expects_continue(&head[..head.len() - 2]));
        let http10 = b"POST /u HTTP/1.0\r\nExpect: 100-continue\r\n\r\n";
        assert!(!super::expects_continue(http10));
        let plain = b"POST /u HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        assert!(!super::expects_continue(plain));
    }

    #[test]
    fn uploads_may_reach_upload_max_filesize() {
        let lim = Limits {
            max_upload: 1000,
            ..limits()
        };
        let upload = |len: usize, chunked: bool| {
            let head = if chunked {
                "POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n".to_string()
            } else {
                format!("POST / HTTP/1.1\r\nContent-Type: Multipart/Form-Data; boundary=x\r\nContent-Length: {len}\r\n\r\n")
            };
            let mut b = head.into_bytes();
            if chunked {
                b.extend_from_slice(format!("{len:x}\r\n").as_bytes());
                b.extend(std::iter::repeat_n(b'a', len));
                b.extend_from_slice(b"\r\n0\r\n\r\n");
            } else {
                b.extend(std::iter::repeat_n(b'a', len));
            }
            parse_request(&b, &lim)
        };
        for chunked in [false, true] {
            assert!(matches!(upload(900, chunked), Ok(Some(_))), "{chunked}");
            assert!(matches!(
                upload(1001, chunked),
                Err(HttpError::BodyTooLarge { .. })
            ));
        }
        // Other bodies keep package_max_length's limit.
        let b = b"POST / HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n";
        assert!(matches!(
            parse_request(b, &lim),
            Err(HttpError::BodyTooLarge { len: 200 })
        ));
    }
}
