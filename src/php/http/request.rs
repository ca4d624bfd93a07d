//! `Swoole\Http\Request`: the object a callback gets (headers, query,
//! cookies, form fields, uploaded files) and its methods.

use super::*;

/// `$request` for onOpen/onRequest/onHandshake.
pub fn request_object(st: &ServerState, conn: &Connection, req: &Request) -> Zval {
    request_object_with_files(&Origin::of(st, conn), req).0
}

pub(super) fn request_object_with_files(origin: &Origin, req: &Request) -> (Zval, Vec<String>) {
    let z = zend::new_object(REQUEST.get());
    let mut tmp_files = Vec::new();
    let Some(o) = zend::obj_ptr(&z) else {
        return (z, tmp_files);
    };
    zend::set_prop(o, "fd", zlong(origin.fd()));
    if req.stream_id > 0 {
        zend::set_prop(o, "streamId", zlong(i64::from(req.stream_id)));
    }

    // header: lower-cased names in request order, duplicates as arrays,
    // Cookie moved to ->cookie.
    let mut headers = ZendHashTable::new();
    let mut cookies: Vec<&[u8]> = Vec::new();
    for (name, value) in &req.headers {
        if name == "cookie" {
            cookies.push(value);
            continue;
        }
        let v = zstr(value);
        match headers.get_mut(name.as_str()) {
            Some(existing) if existing.is_array() => {
                if let Some(a) = existing.array_mut() {
                    let _ = a.push(v);
                }
            }
            Some(existing) => {
                let mut a = ZendHashTable::new();
                let _ = a.push(zend::zcopy(existing));
                let _ = a.push(v);
                *existing = zarray(a);
            }
            None => zend::ht_set(&mut headers, name, v),
        }
    }
    zend::set_prop(o, "header", zarray(headers));

    let now = unix_time();
    let mut server = ZendHashTable::new();
    if let Some(q) = &req.query {
        let _ = server.insert("query_string", zstr(q));
    }
    let _ = server.insert("request_method", zstr(&req.method));
    let _ = server.insert("request_uri", zstr(&req.path));
    let _ = server.insert("path_info", zstr(&req.path));
    let _ = server.insert("request_time", zlong(now as i64));
    let _ = server.insert("request_time_float", zdouble(now));
    let _ = server.insert(
        "server_protocol",
        zstr(if req.stream_id > 0 {
            "HTTP/2"
        } else if req.minor_version == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        }),
    );
    let _ = server.insert("server_port", zlong(i64::from(origin.local.port())));
    let _ = server.insert("remote_port", zlong(i64::from(origin.peer.port())));
    let _ = server.insert("server_addr", zstr(origin.local.ip().to_string()));
    let _ = server.insert("remote_addr", zstr(origin.peer.ip().to_string()));
    let _ = server.insert("master_time", zlong(now as i64));
    zend::set_prop(o, "server", zarray(server));

    if !cookies.is_empty() && origin.parse_cookie {
        let mut c = zarray(ZendHashTable::new());
        for (name, value) in crate::protocol::http::parse_cookies_raw(&cookies) {
            // The first of two same cookies stays, as PHP's parser checks
            // it (by the name as sent, so a mangled name's later one wins).
            let seen = c
                .array()
                .is_some_and(|a| std::str::from_utf8(&name).is_ok_and(|n| a.get(n).is_some()));
            if !seen {
                register_variable_bytes(&name, &value, &mut c);
            }
        }
        zend::set_prop(o, "cookie", c);
    }
    if let Some(q) = &req.query {
        zend::set_prop(o, "get", parse_query(q.as_bytes()));
    }
    if !req.body.is_empty() && origin.parse_post {
        let ctype = req
            .header("content-type")
            .map(|v| String::from_utf8_lossy(v).to_ascii_lowercase())
            .unwrap_or_default();
        if ctype.starts_with("application/x-www-form-urlencoded") {
            zend::set_prop(o, "post", parse_query(&req.body));
        } else if ctype.starts_with("multipart/form-data") {
            if let Some(boundary) = req.header("content-type").and_then(multipart::boundary) {
                if let Ok(parts) = multipart::parse(&req.body, &boundary) {
                    let (post, files, tmp) =
                        multipart_arrays(&parts, &origin.upload_tmp_dir, origin.parse_files);
                    if let Some(post) = post {
                        zend::set_prop(o, "post", post);
                    }
                    if let Some(files) = files {
                        zend::set_prop(o, "files", files);
                        let mut t = ZendHashTable::new();
                        for f in &tmp {
                            let _ = t.push(zstr(f));
                        }
                        zend::set_prop(o, "tmpfiles", zarray(t));
                    }
                    tmp_files = tmp;
                }
            }
        }
    }
    // SAFETY: o is the request object just created.
    let handle = unsafe { (*o).handle };
    BODIES.with(|b| {
        b.borrow_mut()
            .insert(origin.key, (handle, req.body.clone()))
    });
    (z, tmp_files)
}

/// PHP's own query-string parser (`parse_str` semantics: arrays, `+`,
/// max_input_vars), fed through the SAPI's treat_data.
pub(super) fn parse_query(q: &[u8]) -> Zval {
    let mut arr = zarray(ZendHashTable::new());
    let c = CString::new(q.iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>())
        .unwrap_or_default();
    // SAFETY: treat_data(PARSE_STRING) takes ownership of an emalloc'd copy
    // and fills the array zval.
    unsafe {
        let dup = _estrdup(c.as_ptr());
        php_default_treat_data(3, dup, &mut arr);
    }
    arr
}

pub(super) fn register_variable(name: &str, value: &[u8], arr: &mut Zval) {
    register_variable_bytes(name.as_bytes(), value, arr);
}

/// [`register_variable`] for a name that need not be UTF-8.
fn register_variable_bytes(name: &[u8], value: &[u8], arr: &mut Zval) {
    let n = CString::new(
        name.iter()
            .copied()
            .filter(|b| *b != 0)
            .collect::<Vec<u8>>(),
    )
    .unwrap_or_default();
    // SAFETY: registers `name=value` into arr with PHP's variable-name
    // rules (a[b][] etc.); both strings are copied.
    unsafe { php_register_variable_safe(n.as_ptr(), value.as_ptr().cast(), value.len(), arr) };
}

type MultipartArrays = (Option<Zval>, Option<Zval>, Vec<String>);

/// PHP's `UPLOAD_ERR_NO_FILE`.
const UPLOAD_ERR_NO_FILE: i64 = 4;

pub(super) fn multipart_arrays(
    parts: &[multipart::Part],
    tmp_dir: &str,
    parse_files: bool,
) -> MultipartArrays {
    let mut post = zarray(ZendHashTable::new());
    let mut files = zarray(ZendHashTable::new());
    let mut tmp = Vec::new();
    let mut has_post = false;
    let mut has_files = false;
    for part in parts {
        match &part.filename {
            None => {
                register_variable(&part.name, &part.data, &mut post);
                has_post = true;
            }
            // A file field left empty in the form (no file chosen): PHP's
            // UPLOAD_ERR_NO_FILE, with no temporary file, as Swoole gives it.
            Some(filename) if filename.is_empty() => {
                let attrs = [
                    ("type", zstr("")),
                    ("tmp_name", zstr("")),
                    ("size", zlong(0)),
                    ("name", zstr("")),
                    ("error", zlong(UPLOAD_ERR_NO_FILE)),
                ];
                register_file(&part.name, attrs, &mut files, parse_files);
                has_files = true;
            }
            Some(filename) => {
                let path = write_tmp_file(tmp_dir, &part.data);
                if let Some(p) = &path {
                    mark_uploaded(p);
                }
                // Swoole's order of the keys.
                let attrs = [
                    ("type", zstr(part.content_type.as_deref().unwrap_or(""))),
                    ("tmp_name", zstr(path.as_deref().unwrap_or(""))),
                    ("size", zlong(part.data.len() as i64)),
                    ("name", zstr(filename)),
                    ("error", zlong(if path.is_some() { 0 } else { 7 })),
                ];
                register_file(&part.name, attrs, &mut files, parse_files);
                has_files = true;
                if let Some(p) = path {
                    tmp.push(p);
                }
            }
        }
    }
    (has_post.then_some(post), has_files.then_some(files), tmp)
}

/// A file's array under the field's name, by PHP's variable-name rules
/// (`a.b` -> `a_b`, `f[]` -> a list), as Swoole stores it.
fn register_file_array(field: &str, attrs: [(&str, Zval); 5], files: &mut Zval) {
    let mut f = ZendHashTable::new();
    for (k, v) in attrs {
        let _ = f.insert(k, v);
    }
    let var = CString::new(field.replace('\0', "")).unwrap_or_default();
    let mut v = std::mem::ManuallyDrop::new(zarray(f));
    // SAFETY: php_register_variable_ex takes ownership of the value (stored
    // or released), so it is not dropped here.
    unsafe { zend::php_register_variable_ex(var.as_ptr(), &mut *v, files) };
}

/// Adds one uploaded file to `files`: `f` gives `files['f']['name']`;
/// `f[]` or `f[a][b]` give, as Swoole stores them, `files['f'][0]['name']`
/// / `files['f']['a']['b']['name']` (the file's array under the field's
/// name), or with `http_parse_files` as PHP builds `$_FILES`,
/// `files['f']['name'][]` / `files['f']['name']['a']['b']` (one array per
/// attribute, indexed like the field).
pub(super) fn register_file(
    field: &str,
    attrs: [(&str, Zval); 5],
    files: &mut Zval,
    parse_files: bool,
) {
    match field.find('[').filter(|i| *i > 0) {
        Some(i) if parse_files => {
            let (base, rest) = field.split_at(i);
            for (k, v) in attrs {
                let var = CString::new(format!("{base}[{k}]{rest}").replace('\0', ""))
                    .unwrap_or_default();
                let mut v = std::mem::ManuallyDrop::new(v);
                // SAFETY: php_register_variable_ex takes ownership of the
                // value (stored or released), so it is not dropped here.
                unsafe { zend::php_register_variable_ex(var.as_ptr(), &mut *v, files) };
            }
        }
        _ => register_file_array(field, attrs, files),
    }
}

/// Records an upload where PHP's `is_uploaded_file()` and
/// `move_uploaded_file()` look (`SG(rfc1867_uploaded_files)`); PHP unlinks
/// what is still listed when the request (the script) ends.
pub(super) fn mark_uploaded(path: &str) {
    let mut sg = ext_php_rs::zend::SapiGlobals::get_mut();
    if sg.rfc1867_uploaded_files.is_null() {
        sg.rfc1867_uploaded_files = ZendHashTable::new().into_raw();
    }
    // SAFETY: the table is a live engine array (made above or by PHP).
    if let Some(ht) = unsafe { sg.rfc1867_uploaded_files.as_mut() } {
        let _ = ht.insert(path, zstr(path));
    }
}

/// Forgets an upload (the request ended): it is deleted, unless the script
/// moved it away.
pub(super) fn unmark_uploaded(path: &str) {
    let sg = ext_php_rs::zend::SapiGlobals::get_mut();
    // SAFETY: the table, if any, is a live engine array.
    if let Some(ht) = unsafe { sg.rfc1867_uploaded_files.as_mut() } {
        ht.remove(path);
    }
}

pub(super) fn write_tmp_file(dir: &str, data: &[u8]) -> Option<String> {
    use std::io::Write;
    for _ in 0..16 {
        let suffix: u64 = rand_u64();
        let path = format!(
            "{}/swoole.upfile.{:06x}",
            dir.trim_end_matches('/'),
            suffix & 0xff_ffff
        );
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        if let Ok(mut f) = f {
            return f.write_all(data).ok().map(|_| path);
        }
    }
    None
}

pub(super) fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(unix_time().to_bits() as u128);
    h.finish()
}

/// The raw body of `$this` request: kept for the latest request of each
/// connection until the next request or the close.
pub(super) fn req_raw_content(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    let key = key_of(o);
    // SAFETY: o is $this.
    let handle = unsafe { (*o).handle };
    let body = BODIES.with(|b| {
        b.borrow()
            .get(&key)
            .filter(|(owner, _)| *owner == handle)
            .map(|(_, body)| body.clone())
    });
    match body {
        Some(body) => *rv = zstr(&body),
        None => rv.set_bool(false),
    }
}

pub(super) fn req_is_completed(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(true);
}

pub(super) fn req_get_method(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(o) = this(ex) else { return };
    let method = zend::get_prop(o, "server")
        .and_then(|z| z.array())
        .and_then(|a| a.get("request_method"))
        .map(zend::zcopy);
    match method {
        Some(m) => *rv = m,
        None => rv.set_bool(false),
    }
}
