//! `multipart/form-data` bodies (RFC 7578 on RFC 2046 §5.1).
//!
//! The whole body is already in memory (it was limited by `package_max_length`
//! when it was read), so parsing is a single pass that slices parts out of it
//! without copying their data. Parts that are not `form-data` or have no name
//! are skipped, as Swoole does.

use bytes::Bytes;
use memchr::memmem;
use std::fmt;

/// One form field or uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field name (`name=` of `Content-Disposition`).
    pub name: String,
    /// The client's file name, for file uploads.
    pub filename: Option<String>,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// The part's content.
    pub data: Bytes,
}

/// Why a multipart body could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultipartError {
    /// The boundary is empty or longer than RFC 2046's 70 characters.
    BadBoundary,
    /// No opening boundary line.
    NoStartBoundary,
    /// A part's header block is unterminated or malformed.
    BadHeaders,
    /// The body ends before the closing boundary.
    MissingEnd,
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MultipartError::BadBoundary => "invalid multipart boundary",
            MultipartError::NoStartBoundary => "multipart body does not start with its boundary",
            MultipartError::BadHeaders => "malformed multipart part headers",
            MultipartError::MissingEnd => "multipart body is truncated",
        })
    }
}

impl std::error::Error for MultipartError {}

/// The boundary of a `multipart/...` content type (`None` for other types or
/// when the parameter is missing). Quoted values are unquoted.
pub fn boundary(content_type: &[u8]) -> Option<Vec<u8>> {
    let mut params = split_params(content_type).into_iter();
    let mime = params.next()?;
    if mime.len() < 10 || !mime[..10].eq_ignore_ascii_case(b"multipart/") {
        return None;
    }
    params.find_map(|p| {
        let (name, value) = param(&p)?;
        (name.eq_ignore_ascii_case(b"boundary") && !value.is_empty()).then_some(value)
    })
}

/// Parses a `multipart/form-data` body.
pub fn parse(body: &[u8], boundary: &[u8]) -> Result<Vec<Part>, MultipartError> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(MultipartError::BadBoundary);
    }
    let mut delim = Vec::with_capacity(boundary.len() + 4);
    delim.extend_from_slice(b"\r\n--");
    delim.extend_from_slice(boundary);
    let dash = &delim[2..]; // "--boundary"

    // Opening boundary: at the very start, or after a preamble line.
    let mut pos = if body.starts_with(dash) {
        dash.len()
    } else {
        memmem::find(body, &delim).ok_or(MultipartError::NoStartBoundary)? + delim.len()
    };
    let finder = memmem::Finder::new(&delim);
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..).unwrap_or_default();
        if rest.starts_with(b"--") {
            return Ok(parts); // closing boundary; the epilogue is ignored
        }
        // Transport padding, then the line break ending the boundary line.
        let pad = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let rest = &rest[pad..];
        let eol = if rest.starts_with(b"\r\n") {
            2
        } else if rest.starts_with(b"\n") {
            1
        } else if rest.is_empty() {
            return Err(MultipartError::MissingEnd);
        } else {
            return Err(MultipartError::BadHeaders);
        };
        let head_start = pos + pad + eol;
        let head_rest = body.get(head_start..).unwrap_or_default();
        let (head, data_start) = if head_rest.starts_with(b"\r\n") {
            (&head_rest[..0], head_start + 2)
        } else {
            let end = memmem::find(head_rest, b"\r\n\r\n").ok_or(MultipartError::BadHeaders)?;
            (&head_rest[..end], head_start + end + 4)
        };
        let data_rest = body.get(data_start..).unwrap_or_default();
        let data_len = finder.find(data_rest).ok_or(MultipartError::MissingEnd)?;
        let data = Bytes::copy_from_slice(&data_rest[..data_len]);
        pos = data_start + data_len + delim.len();

        if let Some(part) = part_from_headers(head, data)? {
            parts.push(part);
        }
    }
}

fn part_from_headers(head: &[u8], data: Bytes) -> Result<Option<Part>, MultipartError> {
    let mut name = None;
    let mut filename = None;
    let mut filename_ext = None;
    let mut content_type = None;
    let mut form_data = false;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let colon = memchr::memchr(b':', line).ok_or(MultipartError::BadHeaders)?;
        let (field, value) = (&line[..colon], trim(&line[colon + 1..]));
        if field.eq_ignore_ascii_case(b"content-disposition") {
            let mut params = split_params(value).into_iter();
            form_data = params
                .next()
                .is_some_and(|t| t.eq_ignore_ascii_case(b"form-data"));
            for p in params {
                let Some((k, v)) = param(&p) else { continue };
                if k.eq_ignore_ascii_case(b"name") {
                    name = Some(lossy(&v));
                } else if k.eq_ignore_ascii_case(b"filename") {
                    filename = Some(lossy(&v));
                } else if k.eq_ignore_ascii_case(b"filename*") {
                    filename_ext = ext_value(&v);
                }
            }
        } else if field.eq_ignore_ascii_case(b"content-type") {
            content_type = Some(lossy(value));
        }
    }
    let Some(name) = name.filter(|_| form_data) else {
        return Ok(None);
    };
    Ok(Some(Part {
        name,
        filename: filename_ext.or(filename),
        content_type,
        data,
    }))
}

fn lossy(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn trim(v: &[u8]) -> &[u8] {
    super::http::trim_ows(v)
}

/// RFC 5987 `charset'lang'pct-encoded` (only the percent-decoding matters).
fn ext_value(v: &[u8]) -> Option<String> {
    let mut it = v.splitn(3, |&b| b == b'\'');
    let (_charset, _lang, enc) = (it.next()?, it.next()?, it.next()?);
    let mut out = Vec::with_capacity(enc.len());
    let mut i = 0;
    while let Some(&b) = enc.get(i) {
        if b == b'%' {
            // Exactly two hex digits (from_str_radix alone would take "+5").
            let hex = enc
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(n) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(n);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    Some(lossy(&out))
}

/// Splits a header value on `;` outside double quotes; each piece trimmed.
fn split_params(v: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut quoted = false;
    let mut escaped = false;
    for &b in v {
        if quoted {
            cur.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                quoted = false;
            }
        } else if b == b';' {
            out.push(trim(&cur).to_vec());
            cur.clear();
        } else {
            if b == b'"' {
                quoted = true;
            }
            cur.push(b);
        }
    }
    out.push(trim(&cur).to_vec());
    out
}

/// `name=value` or `name="quoted \" value"`; the value is unquoted.
fn param(p: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let eq = memchr::memchr(b'=', p)?;
    let name = trim(&p[..eq]).to_vec();
    let raw = trim(&p[eq + 1..]);
    let value = match raw {
        [b'"', inner @ .., b'"'] => {
            let mut v = Vec::with_capacity(inner.len());
            let mut esc = false;
            for &b in inner {
                if esc || b != b'\\' {
                    v.push(b);
                    esc = false;
                } else {
                    esc = true;
                }
            }
            v
        }
        v => v.to_vec(),
    };
    Some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary(b"multipart/form-data; boundary=abc"),
            Some(b"abc".to_vec())
        );
        assert_eq!(
            boundary(b"Multipart/Form-Data;boundary=\"a b;c\"; charset=utf-8"),
            Some(b"a b;c".to_vec())
        );
        assert_eq!(
            boundary(b"multipart/form-data; charset=utf-8; BOUNDARY=----x"),
            Some(b"----x".to_vec())
        );
        assert_eq!(boundary(b"multipart/form-data"), None);
        assert_eq!(boundary(b"multipart/form-data; boundary="), None);
        assert_eq!(boundary(b"text/plain; boundary=abc"), None);
        assert_eq!(boundary(b""), None);
    }

    const BODY: &[u8] = b"preamble\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"field\"\r\n\r\n\
value one\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"upload\"; filename=\"a;b \\\"c\\\".txt\"\r\n\
Content-Type: text/plain\r\n\r\n\
line1\r\nline2 --XyZ not a boundary\r\n\r\n--XyZ\r\n\
Content-Disposition: attachment; name=\"skipped\"\r\n\r\n\
x\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"empty\"\r\n\r\n\
\r\n--XyZ--\r\nepilogue";

    #[test]
    fn parse_form() {
        let parts = parse(BODY, b"XyZ").unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name, "field");
        assert_eq!(&parts[0].data[..], b"value one");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].name, "upload");
        assert_eq!(parts[1].filename.as_deref(), Some("a;b \"c\".txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(
            &parts[1].data[..],
            b"line1\r\nline2 --XyZ not a boundary\r\n"
        );
        assert_eq!(parts[2].name, "empty");
        assert!(parts[2].data.is_empty());
    }

    #[test]
    fn ext_value_needs_two_hex_digits() {
        // Found by the http_request fuzz target: "%+5" was decoded as 0x05.
        assert_eq!(ext_value(b"UTF-8''a%+5b").as_deref(), Some("a%+5b"));
        assert_eq!(ext_value(b"UTF-8''%4").as_deref(), Some("%4"));
        assert_eq!(ext_value(b"UTF-8''%41%zz").as_deref(), Some("A%zz"));
    }

    #[test]
    fn start_without_preamble_and_ext_filename() {
        let body = b"--b\r\nContent-Disposition: form-data; name=f; filename=\"x\"; filename*=UTF-8''%C3%A4.txt\r\n\r\nDATA\r\n--b--";
        let parts = parse(body, b"b").unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "f");
        assert_eq!(parts[0].filename.as_deref(), Some("ä.txt"));
        assert_eq!(&parts[0].data[..], b"DATA");
    }

    #[test]
    fn errors() {
        assert_eq!(parse(b"x", b"").unwrap_err(), MultipartError::BadBoundary);
        assert_eq!(
            parse(b"x", &[b'a'; 71]).unwrap_err(),
            MultipartError::BadBoundary
        );
        assert_eq!(
            parse(b"no boundary here", b"b").unwrap_err(),
            MultipartError::NoStartBoundary
        );
        assert_eq!(
            parse(
                b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated",
                b"b"
            )
            .unwrap_err(),
            MultipartError::MissingEnd
        );
        assert_eq!(
            parse(b"--b\r\nContent-Disposition: form-data; name=a", b"b").unwrap_err(),
            MultipartError::BadHeaders
        );
        assert_eq!(
            parse(b"--b\r\nbad header line\r\n\r\nx\r\n--b--", b"b").unwrap_err(),
            MultipartError::BadHeaders
        );
        assert_eq!(parse(b"--b", b"b").unwrap_err(), MultipartError::MissingEnd);
        assert_eq!(
            parse(b"--bX\r\n", b"b").unwrap_err(),
            MultipartError::BadHeaders
        );
        // every truncation of a valid body fails cleanly or parses, never panics
        for cut in 0..BODY.len() {
            let _ = parse(&BODY[..cut], b"XyZ");
        }
    }

    #[test]
    fn part_without_headers_is_skipped() {
        let parts = parse(b"--b\r\n\r\nanon\r\n--b--", b"b").unwrap();
        assert!(parts.is_empty());
    }
}
