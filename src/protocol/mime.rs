//! Content types by file extension, for `Response::sendfile()` and the
//! static file handler (`enable_static_handler`), as Swoole picks them,
//! and the script's own additions (`swoole_mime_type_add()`, `_set()`,
//! `_delete()`).
//!
//! The script's changes are one table for the whole process: made before
//! `start()`, they reach every worker forked after, as Swoole's do.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::RwLock;

/// What a file with an unknown extension is served as.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The built-in types, by lower-case extension.
const BUILT_IN: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("htm", "text/html"),
    ("css", "text/css"),
    ("js", "application/javascript"),
    ("mjs", "application/javascript"),
    ("json", "application/json"),
    ("map", "application/json"),
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("csv", "text/csv"),
    ("xml", "text/xml"),
    ("md", "text/markdown"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
    ("ico", "image/x-icon"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("bmp", "image/bmp"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("otf", "font/otf"),
    ("wasm", "application/wasm"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("wav", "audio/wav"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
];

/// The script's changes over [`BUILT_IN`]: a type per suffix, or None
/// where it deleted one. None until the first change.
static CHANGES: RwLock<Option<HashMap<String, Option<String>>>> = RwLock::new(None);

/// The type registered for `suffix` (as given: Swoole matches it
/// exactly), if any.
fn lookup(suffix: &str) -> Option<Cow<'static, str>> {
    if let Ok(changes) = CHANGES.read() {
        if let Some(changed) = changes.as_ref().and_then(|c| c.get(suffix)) {
            return changed.clone().map(Cow::Owned);
        }
    }
    BUILT_IN
        .iter()
        .find(|(ext, _)| *ext == suffix)
        .map(|(_, ty)| Cow::Borrowed(*ty))
}

fn change(suffix: &str, to: Option<String>) {
    if let Ok(mut changes) = CHANGES.write() {
        changes
            .get_or_insert_with(HashMap::new)
            .insert(suffix.to_string(), to);
    }
}

/// The lower-case extension of `path`'s file name ("" without one).
fn extension(path: &str) -> String {
    path.rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The MIME type for `path`'s extension; [`OCTET_STREAM`] when unknown.
pub fn for_path(path: &str) -> Cow<'static, str> {
    lookup(&extension(path)).unwrap_or(Cow::Borrowed(OCTET_STREAM))
}

/// Whether `path`'s extension has a type (`swoole_mime_type_exists()`).
pub fn exists(path: &str) -> bool {
    lookup(&extension(path)).is_some()
}

/// `swoole_mime_type_add()`: registers `ty` for `suffix`; false when the
/// suffix has a type already.
pub fn add(suffix: &str, ty: &str) -> bool {
    if lookup(suffix).is_some() {
        return false;
    }
    change(suffix, Some(ty.to_string()));
    true
}

/// `swoole_mime_type_set()`: registers `ty` for `suffix`, replacing any.
pub fn set(suffix: &str, ty: &str) {
    change(suffix, Some(ty.to_string()));
}

/// `swoole_mime_type_delete()`: forgets `suffix`'s type; false when it had
/// none.
pub fn delete(suffix: &str) -> bool {
    if lookup(suffix).is_none() {
        return false;
    }
    change(suffix, None);
    true
}

/// Every registered type, one per suffix (`swoole_mime_type_list()`).
pub fn list() -> Vec<String> {
    let changes = CHANGES
        .read()
        .ok()
        .and_then(|c| c.clone())
        .unwrap_or_default();
    let mut all: Vec<String> = BUILT_IN
        .iter()
        .filter(|(ext, _)| !changes.contains_key(*ext))
        .map(|(_, ty)| ty.to_string())
        .collect();
    all.extend(changes.into_values().flatten());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types() {
        assert_eq!(for_path("/var/www/index.html"), "text/html");
        assert_eq!(for_path("app.JS"), "application/javascript");
        assert_eq!(for_path("/a.b/c"), OCTET_STREAM);
        assert_eq!(for_path("/img/logo.svg"), "image/svg+xml");
        assert_eq!(for_path("noext"), OCTET_STREAM);
    }

    /// The script's changes: add refuses a known suffix, set replaces,
    /// delete forgets (a built-in type too), and lookups see them all.
    #[test]
    fn a_scripts_types_add_set_and_delete() {
        assert!(!exists("x.mocha-test"));
        assert!(add("mocha-test", "application/x-mocha"));
        assert!(!add("mocha-test", "text/plain"));
        assert_eq!(for_path("/s/t.MOCHA-TEST"), "application/x-mocha");
        assert!(exists("t.mocha-test"));
        set("mocha-test", "text/x-other");
        assert_eq!(for_path("t.mocha-test"), "text/x-other");
        assert!(list().contains(&"text/x-other".to_string()));
        assert!(delete("mocha-test"));
        assert!(!delete("mocha-test"));
        assert_eq!(for_path("t.mocha-test"), OCTET_STREAM);
        assert!(delete("wav"));
        assert!(!exists("a.wav"));
        assert!(!list().contains(&"audio/wav".to_string()));
        assert!(add("wav", "audio/x-wav"));
        assert_eq!(for_path("a.wav"), "audio/x-wav");
        set("wav", "audio/wav");
    }
}
