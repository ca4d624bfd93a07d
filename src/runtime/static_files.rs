//! Swoole's static file handler (`enable_static_handler`, `document_root`,
//! `static_handler_locations`, `http_index_files`): GET/HEAD requests for
//! files under the document root are answered without calling onRequest;
//! anything else falls through to onRequest, as in Swoole.

use std::path::{Path, PathBuf};

use super::settings::Settings;
use crate::protocol::date::{self, http_date};
use crate::protocol::http::{url_decode, Request};
use crate::protocol::{byte_range, handshake, mime};

/// The file a request maps to, if the static handler should serve it.
pub fn resolve(settings: &Settings, req: &Request) -> Option<PathBuf> {
    let root = settings.static_root()?;
    if !(req.method.eq_ignore_ascii_case("GET") || req.method.eq_ignore_ascii_case("HEAD")) {
        return None;
    }
    let path = String::from_utf8(url_decode(req.path.as_bytes())).ok()?;
    if !path.starts_with('/') || path.contains('\0') {
        return None;
    }
    let locations = &settings.static_handler_locations;
    if !locations.is_empty() && !locations.iter().any(|l| path.starts_with(l.as_str())) {
        return None;
    }
    // Never outside the root: no `..` segment, whatever its encoding was.
    if path.split('/').any(|seg| seg == "..") {
        return None;
    }
    let full = Path::new(root).join(path.trim_start_matches('/'));
    let meta = std::fs::metadata(&full).ok()?;
    if meta.is_file() {
        return Some(full);
    }
    if meta.is_dir() {
        return settings
            .http_index_files
            .iter()
            .map(|index| full.join(index))
            .find(|candidate| candidate.is_file());
    }
    None
}

/// The full response for a static file (head only for HEAD requests), or
/// None if the file cannot be read (the request then goes to onRequest).
///
/// As Swoole's static handler answers: the head's fields in its order
/// (`Connection`, `Content-Length`, `Content-Type`, `Accept-Ranges` or
/// `Content-Range`, `Date`, `Last-Modified`, `Server`); 304 when
/// `If-Modified-Since` is not older than the file; `Range` (206, one part or
/// `multipart/byteranges`, or 416) unless `If-Range` names another date.
/// A HEAD answer carries the length a GET would have (RFC 9110; Swoole
/// sends 0).
pub fn response(file: &Path, req: &Request, now: u64) -> Option<Vec<u8>> {
    let body = std::fs::read(file).ok()?;
    let mtime = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    let content_type = mime::for_path(&file.to_string_lossy());
    let date_of = |name: &str| {
        req.header(name)
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(date::parse_http_date)
    };
    let connection = if req.keep_alive() {
        "keep-alive"
    } else {
        "close"
    };
    let tail = |out: &mut String| {
        out.push_str(&format!("Date: {}\r\n", http_date(now)));
        if let Some(m) = mtime {
            out.push_str(&format!("Last-Modified: {}\r\n", http_date(m)));
        }
        out.push_str(&format!("Server: {}\r\n\r\n", handshake::SERVER_SOFTWARE));
    };
    let mtime_secs = mtime.and_then(|m| i64::try_from(m).ok());
    if let (Some(since), Some(m)) = (date_of("if-modified-since"), mtime_secs) {
        if since >= m {
            let mut head = format!("HTTP/1.1 304 Not Modified\r\nConnection: {connection}\r\n");
            tail(&mut head);
            return Some(head.into_bytes());
        }
    }
    let size = body.len() as u64;
    let mut ranges = match req.header("range") {
        Some(r) => byte_range::parse(r, size),
        None => byte_range::Ranges::Whole,
    };
    if let (Some(if_range), Some(m)) = (date_of("if-range"), mtime_secs) {
        if if_range != m {
            ranges = byte_range::Ranges::Whole;
        }
    }
    let head_only = req.method.eq_ignore_ascii_case("HEAD");
    let slice = |offset: u64, len: u64| {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(body.len());
        let end = start
            .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
            .min(body.len());
        &body[start..end]
    };
    let (status, range_field, content_type, payload): (&str, String, String, Vec<u8>) = match ranges
    {
        byte_range::Ranges::Whole => (
            "200 OK",
            "Accept-Ranges: bytes".to_string(),
            content_type.to_string(),
            body.clone(),
        ),
        byte_range::Ranges::Unsatisfiable => (
            "416 Range Not Satisfiable",
            String::new(),
            content_type.to_string(),
            Vec::new(),
        ),
        byte_range::Ranges::Parts(parts) if parts.len() == 1 => {
            let (offset, len) = parts[0];
            (
                "206 Partial Content",
                format!(
                    "Content-Range: bytes {}-{}/{size}",
                    offset,
                    offset + len - 1
                ),
                content_type.to_string(),
                slice(offset, len).to_vec(),
            )
        }
        byte_range::Ranges::Parts(parts) => {
            let boundary = boundary();
            let mut multipart = Vec::new();
            for (i, (offset, len)) in parts.iter().enumerate() {
                let sep = if i == 0 { "" } else { "\r\n" };
                multipart.extend_from_slice(
                        format!(
                            "{sep}--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n",
                            offset,
                            offset + len - 1
                        )
                        .as_bytes(),
                    );
                multipart.extend_from_slice(slice(*offset, *len));
            }
            multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            (
                "206 Partial Content",
                String::new(),
                format!("multipart/byteranges; boundary={boundary}"),
                multipart,
            )
        }
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nConnection: {connection}\r\nContent-Length: {}\r\nContent-Type: {content_type}\r\n",
        payload.len()
    );
    if !range_field.is_empty() {
        head.push_str(&range_field);
        head.push_str("\r\n");
    }
    tail(&mut head);
    let mut out = head.into_bytes();
    if !head_only {
        out.extend_from_slice(&payload);
    }
    Some(out)
}

/// A multipart boundary as Swoole makes them: `SwooleBoundary` and 24
/// random letters and digits.
fn boundary() -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = [0u8; 24];
    super::random_bytes(&mut random);
    let mut s = String::from("SwooleBoundary");
    s.extend(
        random
            .iter()
            .map(|b| char::from(ALNUM[usize::from(*b) % ALNUM.len()])),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::http::{parse_request, Limits};

    fn req(raw: &str) -> Request {
        match parse_request(raw.as_bytes(), &Limits::default()) {
            Ok(Some((r, _))) => r,
            other => panic!("unparsed: {other:?}"),
        }
    }

    fn settings(root: &Path) -> Settings {
        Settings {
            enable_static_handler: true,
            document_root: Some(root.to_string_lossy().into_owned()),
            ..Settings::default()
        }
    }

    #[test]
    fn serves_files_under_the_root_only() {
        let root = std::env::temp_dir().join(format!("swoole-rs-static-{}", std::process::id()));
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("index.html"), b"<h1>hi</h1>").expect("write");
        std::fs::write(root.join("sub/app.js"), b"1;").expect("write");
        let s = settings(&root);
        assert!(resolve(&s, &req("GET /index.html HTTP/1.1\r\n\r\n")).is_some());
        assert!(resolve(&s, &req("GET /sub/app%2Ejs HTTP/1.1\r\n\r\n")).is_some());
        assert!(resolve(&s, &req("GET /../etc/passwd HTTP/1.1\r\n\r\n")).is_none());
        assert!(resolve(&s, &req("GET /sub/%2e%2e/index.html HTTP/1.1\r\n\r\n")).is_none());
        assert!(resolve(
            &s,
            &req("POST /index.html HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        )
        .is_none());
        assert!(resolve(&s, &req("GET /missing HTTP/1.1\r\n\r\n")).is_none());
        // a directory only with an index file configured
        assert!(resolve(&s, &req("GET / HTTP/1.1\r\n\r\n")).is_none());
        let mut with_index = settings(&root);
        with_index.http_index_files = vec!["index.html".into()];
        assert!(resolve(&with_index, &req("GET / HTTP/1.1\r\n\r\n")).is_some());
        let mut located = settings(&root);
        located.static_handler_locations = vec!["/sub".into()];
        assert!(resolve(&located, &req("GET /index.html HTTP/1.1\r\n\r\n")).is_none());
        assert!(resolve(&located, &req("GET /sub/app.js HTTP/1.1\r\n\r\n")).is_some());

        let file = root.join("sub/app.js");
        let out = response(&file, &req("GET /sub/app.js HTTP/1.1\r\n\r\n"), 0).expect("read");
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.contains("Content-Type: application/javascript\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Length: 2\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n1;"), "{text}");
        std::fs::remove_dir_all(&root).expect("cleanup");
    }
}
