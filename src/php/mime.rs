//! The `swoole_mime_type_*()` functions: the content types the static file
//! handler and `Response::sendfile()` use, as a script reads and changes
//! them (over `protocol::mime`).

use ext_php_rs::ffi::zend_function_entry;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::zend::{self, zstr};
use crate::protocol::mime;

pub fn functions() -> Vec<zend_function_entry> {
    use super::arginfo::entry;
    let pair = "string $suffix, string $mime_type";
    vec![
        entry("swoole_mime_type_add", mime_add, pair, "bool", 0),
        entry("swoole_mime_type_set", mime_set, pair, "void", 0),
        entry(
            "swoole_mime_type_delete",
            mime_delete,
            "string $suffix",
            "bool",
            0,
        ),
        entry(
            "swoole_mime_type_get",
            mime_get,
            "string $filename",
            "string",
            0,
        ),
        entry(
            "swoole_get_mime_type",
            mime_get,
            "string $filename",
            "string",
            0,
        ),
        entry(
            "swoole_mime_type_exists",
            mime_exists,
            "string $filename",
            "bool",
            0,
        ),
        entry("swoole_mime_type_list", mime_list, "", "array", 0),
    ]
}

/// The two string arguments of add()/set().
fn suffix_and_type(ex: &mut ExecuteData) -> Option<(String, String)> {
    let args = Args::parse(ex, 2, 2)?;
    Some((args.string(0, "suffix")?, args.string(1, "mime_type")?))
}

fn one_string(ex: &mut ExecuteData, name: &str) -> Option<String> {
    Args::parse(ex, 1, 1)?.string(0, name)
}

fn mime_add(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some((suffix, ty)) = suffix_and_type(ex) {
        rv.set_bool(mime::add(&suffix, &ty));
    }
}

fn mime_set(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some((suffix, ty)) = suffix_and_type(ex) {
        mime::set(&suffix, &ty);
        rv.set_null();
    }
}

fn mime_delete(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(suffix) = one_string(ex, "suffix") {
        rv.set_bool(mime::delete(&suffix));
    }
}

fn mime_get(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(filename) = one_string(ex, "filename") {
        *rv = zstr(mime::for_path(&filename).as_bytes());
    }
}

fn mime_exists(ex: &mut ExecuteData, rv: &mut Zval) {
    if let Some(filename) = one_string(ex, "filename") {
        rv.set_bool(mime::exists(&filename));
    }
}

fn mime_list(_ex: &mut ExecuteData, rv: &mut Zval) {
    let mut list = ZendHashTable::new();
    for ty in mime::list() {
        let _ = list.push(zstr(ty.as_bytes()));
    }
    *rv = zend::zarray(list);
}
