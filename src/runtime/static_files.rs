//! Swoole's static file handler (`enable_static_handler`, `document_root`,
//! `static_handler_locations`, `http_index_files`): GET/HEAD requests for
//! files under the document root are answered without calling onRequest;
//! anything else falls through to onRequest, as in Swoole.

use std::path::{Path, PathBuf};

use super::settings::Settings;
use crate::protocol::date::http_date;
use crate::protocol::http::{url_decode, Request};
use crate::protocol::{mime, response};

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
pub fn response(file: &Path, req: &Request, now: u64) -> Option<Vec<u8>> {
    let body = std::fs::read(file).ok()?;
    let modified = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| http_date(d.as_secs()));
    let mut headers = vec![(
        "Content-Type".to_string(),
        mime::for_path(&file.to_string_lossy()).as_bytes().to_vec(),
    )];
    if let Some(m) = modified {
        headers.push(("Last-Modified".to_string(), m.into_bytes()));
    }
    let date = http_date(now);
    let head = response::ResponseHead {
        status: 200,
        reason: None,
        headers: &headers,
        cookies: &[],
        keep_alive: req.keep_alive(),
        body_len: Some(body.len()),
        date: &date,
        content_encoding: None,
    };
    let mut out = Vec::with_capacity(body.len() + 256);
    if req.method.eq_ignore_ascii_case("HEAD") {
        head.encode_head_request(&mut out);
        // HEAD answers carry the length they would have.
        if !body.is_empty() && !out.windows(15).any(|w| w == b"Content-Length:") {
            out.truncate(out.len() - 2);
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        }
    } else {
        head.encode(&mut out);
        out.extend_from_slice(&body);
    }
    Some(out)
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
