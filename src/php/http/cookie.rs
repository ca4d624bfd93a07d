//! `Swoole\Http\Cookie` (Swoole 6.1+): a cookie built field by field
//! (`withName()`, `withValue()`, ...), turned into its `Set-Cookie` value
//! by `toString()` or given whole to `Response::cookie()`.
//!
//! An object's fields are kept here by object handle, from its
//! constructor to its destructor. The `Set-Cookie` text is
//! `protocol::response::cookie_header_value`'s, the one
//! `Response::cookie('name', ...)` writes.

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot};
use super::super::zend::{self, zarray, zbool, zlong, zstr};
use crate::protocol::response as wire;

pub static COOKIE: ClassSlot = ClassSlot::new();

/// A cookie's fields; an empty string is an unset one, as Swoole keeps
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    pub name: String,
    pub value: String,
    pub path: String,
    pub domain: String,
    pub same_site: String,
    pub priority: String,
    /// The value is URL-encoded (`cookie()`), or must be plain
    /// (`rawcookie()`, `new Cookie(false)`).
    pub encode: bool,
    pub expires: i64,
    pub secure: bool,
    pub http_only: bool,
    pub partitioned: bool,
}

impl Fields {
    fn new(encode: bool) -> Fields {
        Fields {
            name: String::new(),
            value: String::new(),
            path: String::new(),
            domain: String::new(),
            same_site: String::new(),
            priority: String::new(),
            encode,
            expires: 0,
            secure: false,
            http_only: false,
            partitioned: false,
        }
    }

    /// The `Set-Cookie` value, or Swoole's warning text.
    pub fn header_value(&self) -> Result<String, String> {
        wire::cookie_header_value(
            &self.name,
            &self.value,
            self.expires,
            &self.path,
            &self.domain,
            self.secure,
            self.http_only,
            &self.same_site,
            &self.priority,
            self.partitioned,
            self.encode,
        )
        .map_err(|e| e.to_string())
    }
}

thread_local! {
    static COOKIES: RefCell<HashMap<u32, Fields>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Http\\Cookie");
    let this = "Swoole\\Http\\Cookie";
    c.methods = vec![
        m("__construct", c_construct, "bool $encode = true", ""),
        m("withName", c_with_name, "string $name", this),
        m("withValue", c_with_value, "string $value = ''", this),
        m("withExpires", c_with_expires, "int $expires = 0", this),
        m("withPath", c_with_path, "string $path = '/'", this),
        m("withDomain", c_with_domain, "string $domain = ''", this),
        m("withSecure", c_with_secure, "bool $secure = false", this),
        m(
            "withHttpOnly",
            c_with_http_only,
            "bool $httpOnly = false",
            this,
        ),
        m(
            "withSameSite",
            c_with_same_site,
            "string $sameSite = ''",
            this,
        ),
        m(
            "withPriority",
            c_with_priority,
            "string $priority = ''",
            this,
        ),
        m(
            "withPartitioned",
            c_with_partitioned,
            "bool $partitioned = false",
            this,
        ),
        m("toArray", c_to_array, "", "array"),
        m("toString", c_to_string, "", "string|false"),
        m("reset", c_reset, "", "void"),
        m("__destruct", c_destruct, "", ""),
    ];
    COOKIE.set(c.register());
}

/// The fields of cookie object `o`, if it is one (a copy).
pub fn fields_of(o: *mut zend_object) -> Option<Fields> {
    if !zend::instance_of(o, COOKIE.get()) {
        return None;
    }
    // SAFETY: o is a live object the caller holds.
    let handle = unsafe { (*o).handle };
    Some(COOKIES.with(|c| {
        c.borrow()
            .get(&handle)
            .cloned()
            .unwrap_or_else(|| Fields::new(true))
    }))
}

/// Resets cookie object `o` (what Swoole does to one `toString()` or
/// `Response::cookie()` refused).
pub fn reset(o: *mut zend_object) {
    // SAFETY: o is a live object the caller holds.
    let handle = unsafe { (*o).handle };
    COOKIES.with(|c| c.borrow_mut().insert(handle, Fields::new(true)));
}

/// Runs `f` on `$this`'s fields (made with the defaults for an object
/// whose constructor did not run) and returns `$this`.
fn with(ex: &mut ExecuteData, rv: &mut Zval, f: impl FnOnce(&mut Fields)) {
    let Some((handle, o)) = zend::this_object(ex) else {
        return;
    };
    COOKIES.with(|c| {
        f(c.borrow_mut()
            .entry(handle)
            .or_insert_with(|| Fields::new(true)))
    });
    *rv = zend::new_ref_to(o);
}

/// `withX(string)`: the argument, or (Swoole's optional ones) its default.
fn string_arg(ex: &mut ExecuteData, name: &str, default: &str, required: bool) -> Option<String> {
    let args = Args::parse(ex, usize::from(required), 1)?;
    args.bytes_or(0, name, default.as_bytes())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn bool_arg(ex: &mut ExecuteData, name: &str) -> Option<bool> {
    Args::parse(ex, 0, 1)?.bool_or(0, name, false)
}

fn c_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(encode) = args.bool_or(0, "encode", true) else {
        return;
    };
    if let Some((handle, _)) = zend::this_object(ex) {
        COOKIES.with(|c| c.borrow_mut().insert(handle, Fields::new(encode)));
    }
}

fn c_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    if let Some((handle, _)) = zend::this_object(ex) {
        COOKIES.with(|c| c.borrow_mut().remove(&handle));
    }
}

fn c_with_name(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = string_arg(ex, "name", "", true) {
        with(ex, rv, |f| f.name = v);
    }
}

fn c_with_value(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = string_arg(ex, "value", "", false) {
        with(ex, rv, |f| f.value = v);
    }
}

fn c_with_path(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = string_arg(ex, "path", "/", false) {
        with(ex, rv, |f| f.path = v);
    }
}

fn c_with_domain(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = string_arg(ex, "domain", "", false) {
        with(ex, rv, |f| f.domain = v);
    }
}

fn c_with_same_site(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = string_arg(ex, "sameSite", "", false) {
        with(ex, rv, |f| f.same_site = v);
    }
}

fn c_with_priority(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = string_arg(ex, "priority", "", false) {
        with(ex, rv, |f| f.priority = v);
    }
}

fn c_with_expires(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    if let Some(v) = args.long_or(0, "expires", 0) {
        with(ex, rv, |f| f.expires = v);
    }
}

fn c_with_secure(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = bool_arg(ex, "secure") {
        with(ex, rv, |f| f.secure = v);
    }
}

fn c_with_http_only(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = bool_arg(ex, "httpOnly") {
        with(ex, rv, |f| f.http_only = v);
    }
}

fn c_with_partitioned(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(v) = bool_arg(ex, "partitioned") {
        with(ex, rv, |f| f.partitioned = v);
    }
}

fn c_to_array(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(f) = zend::this_object(ex).and_then(|(_, o)| fields_of(o)) else {
        return;
    };
    let mut a = ZendHashTable::new();
    for (k, v) in [
        ("name", &f.name),
        ("value", &f.value),
        ("path", &f.path),
        ("domain", &f.domain),
        ("sameSite", &f.same_site),
        ("priority", &f.priority),
    ] {
        zend::ht_set(&mut a, k, zstr(v.as_bytes()));
    }
    zend::ht_set(&mut a, "encode", zbool(f.encode));
    zend::ht_set(&mut a, "expires", zlong(f.expires));
    zend::ht_set(&mut a, "secure", zbool(f.secure));
    zend::ht_set(&mut a, "httpOnly", zbool(f.http_only));
    zend::ht_set(&mut a, "partitioned", zbool(f.partitioned));
    *rv = zarray(a);
}

fn c_to_string(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some((_, o)) = zend::this_object(ex) else {
        return;
    };
    let Some(f) = fields_of(o) else { return };
    match f.header_value() {
        Ok(line) => *rv = zstr(line.as_bytes()),
        Err(warning) => {
            zend::warning_docref(&warning);
            reset(o);
            rv.set_bool(false);
        }
    }
}

fn c_reset(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some((_, o)) = zend::this_object(ex) {
        reset(o);
    }
    rv.set_null();
}
