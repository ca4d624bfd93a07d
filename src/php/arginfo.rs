//! Argument info built from PHP signature text, so that Reflection shows
//! exactly Swoole's parameter names, types (unions included), defaults and
//! return types: `arginfo::entry("push", h, "int $fd, Swoole\WebSocket\Frame|string $data", "bool")`.
//!
//! Everything built here is leaked on purpose: the engine points at it for
//! the life of the process.

use std::ffi::{c_char, CString};

use ext_php_rs::ffi::{
    zend_function_entry, zend_internal_arg_info, zend_type, zif_handler, _ZEND_IS_VARIADIC_BIT,
    _ZEND_SEND_MODE_SHIFT, _ZEND_TYPE_NAME_BIT,
};

use super::classes::Handler;
use super::guard::{entry_point, PhpFn};

const MAY_BE_NULL: u32 = 1 << 1;
const MAY_BE_FALSE: u32 = 1 << 2;
const MAY_BE_TRUE: u32 = 1 << 3;
const MAY_BE_LONG: u32 = 1 << 4;
const MAY_BE_DOUBLE: u32 = 1 << 5;
const MAY_BE_STRING: u32 = 1 << 6;
const MAY_BE_ARRAY: u32 = 1 << 7;
const MAY_BE_OBJECT: u32 = 1 << 8;
const MAY_BE_RESOURCE: u32 = 1 << 9;
const MAY_BE_CALLABLE: u32 = 1 << 12;
const MAY_BE_ITERABLE: u32 = 1 << 13;
const MAY_BE_VOID: u32 = 1 << 14;
const MAY_BE_STATIC: u32 = 1 << 15;
const MAY_BE_NEVER: u32 = 1 << 17;
const MAY_BE_ANY: u32 = MAY_BE_NULL
    | MAY_BE_FALSE
    | MAY_BE_TRUE
    | MAY_BE_LONG
    | MAY_BE_DOUBLE
    | MAY_BE_STRING
    | MAY_BE_ARRAY
    | MAY_BE_OBJECT
    | MAY_BE_RESOURCE;

fn leak_cstr(s: &str) -> *const c_char {
    CString::new(s).unwrap_or_default().into_raw()
}

/// A `zend_type` for type text such as `?string`, `int|false`,
/// `Swoole\WebSocket\Frame|string` or `mixed`; empty text is "no type".
pub fn parse_type(text: &str) -> zend_type {
    let text = text.trim();
    let mut mask = 0u32;
    let mut classes: Vec<&str> = Vec::new();
    let (nullable, body) = match text.strip_prefix('?') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if nullable {
        mask |= MAY_BE_NULL;
    }
    for part in body.split('|').map(str::trim).filter(|p| !p.is_empty()) {
        mask |= match part.to_ascii_lowercase().as_str() {
            "null" => MAY_BE_NULL,
            "false" => MAY_BE_FALSE,
            "true" => MAY_BE_TRUE,
            "bool" => MAY_BE_FALSE | MAY_BE_TRUE,
            "int" => MAY_BE_LONG,
            "float" => MAY_BE_DOUBLE,
            "string" => MAY_BE_STRING,
            "array" => MAY_BE_ARRAY,
            "object" => MAY_BE_OBJECT,
            "callable" => MAY_BE_CALLABLE,
            "iterable" => MAY_BE_ITERABLE,
            "void" => MAY_BE_VOID,
            "static" => MAY_BE_STATIC,
            "never" => MAY_BE_NEVER,
            "mixed" => MAY_BE_ANY,
            _ => {
                classes.push(part);
                0
            }
        };
    }
    let mut ptr = std::ptr::null_mut();
    if !classes.is_empty() {
        // zend_register_functions turns this literal ("A|B") into class
        // name(s) when the function is registered.
        ptr = leak_cstr(&classes.join("|")) as *mut _;
        mask |= _ZEND_TYPE_NAME_BIT;
    }
    zend_type {
        ptr,
        type_mask: mask,
    }
}

/// One parameter: (type, name, by-ref, variadic, default).
struct Param<'a> {
    ty: &'a str,
    name: &'a str,
    by_ref: bool,
    variadic: bool,
    default: Option<&'a str>,
}

fn parse_param(text: &str) -> Option<Param<'_>> {
    let (decl, default) = match text.split_once('=') {
        Some((d, v)) => (d.trim(), Some(v.trim())),
        None => (text.trim(), None),
    };
    let dollar = decl.rfind('$')?;
    let name = &decl[dollar + 1..];
    let mut before = decl[..dollar].trim_end();
    let variadic = before.ends_with("...");
    if variadic {
        before = before[..before.len() - 3].trim_end();
    }
    let by_ref = before.ends_with('&');
    if by_ref {
        before = before[..before.len() - 1].trim_end();
    }
    Some(Param {
        ty: before,
        name,
        by_ref,
        variadic,
        default,
    })
}

/// Splits a parameter list on top-level commas.
fn split_params(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let mut in_str = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '(' | '[' if !in_str => depth += 1,
            ')' | ']' if !in_str => depth -= 1,
            ',' if depth == 0 && !in_str => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// A function entry for `name` with `params` (PHP text, as in a stub) and
/// return type `ret` ("" for none); `f` runs under the panic guard.
pub fn entry(
    name: &str,
    f: impl PhpFn,
    params: &str,
    ret: &str,
    flags: u32,
) -> zend_function_entry {
    handler_entry(name, entry_point(f), params, ret, flags)
}

/// [`entry`] for a handler already wrapped by [`entry_point`].
pub fn handler_entry(
    name: &str,
    handler: Handler,
    params: &str,
    ret: &str,
    flags: u32,
) -> zend_function_entry {
    let parsed: Vec<Param> = split_params(params)
        .into_iter()
        .filter_map(parse_param)
        .collect();
    let required = parsed
        .iter()
        .take_while(|p| p.default.is_none() && !p.variadic)
        .count();
    let mut infos: Vec<zend_internal_arg_info> = Vec::with_capacity(parsed.len() + 1);
    infos.push(zend_internal_arg_info {
        name: required as *const c_char,
        type_: parse_type(ret),
        default_value: std::ptr::null(),
    });
    for p in &parsed {
        let mut ty = parse_type(p.ty);
        if p.by_ref {
            ty.type_mask |= 1 << _ZEND_SEND_MODE_SHIFT;
        }
        if p.variadic {
            ty.type_mask |= _ZEND_IS_VARIADIC_BIT;
        }
        infos.push(zend_internal_arg_info {
            name: leak_cstr(p.name),
            type_: ty,
            default_value: p.default.map(leak_cstr).unwrap_or(std::ptr::null()),
        });
    }
    let infos: &'static mut [zend_internal_arg_info] = Box::leak(infos.into_boxed_slice());
    // SAFETY: our handlers have the zif_handler ABI: (execute_data*, zval*),
    // with references standing for the non-null pointers the engine passes.
    let handler: zif_handler = Some(unsafe {
        std::mem::transmute::<
            Handler,
            unsafe extern "C" fn(
                *mut ext_php_rs::ffi::zend_execute_data,
                *mut ext_php_rs::ffi::zval,
            ),
        >(handler)
    });
    zend_function_entry {
        fname: leak_cstr(name),
        handler,
        arg_info: infos.as_ptr(),
        num_args: parsed.len() as u32,
        flags,
    }
}

/// The table terminator.
pub fn end() -> zend_function_entry {
    zend_function_entry {
        fname: std::ptr::null(),
        handler: None,
        arg_info: std::ptr::null(),
        num_args: 0,
        flags: 0,
    }
}
