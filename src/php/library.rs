//! The parts of Swoole's bundled PHP library that scripts use most (the
//! connection pools, `Swoole\Coroutine\batch()` / `parallel()` / `map()`,
//! `Swoole\Coroutine\Http\get()` / `post()` / `request()`), written in PHP
//! for swoole-rs (`library.php`) and evaluated at every request start, as
//! Swoole loads its own library, unless `swoole.enable_library` is off.

use std::ffi::{c_char, CString};

use ext_php_rs::ffi::{zend_eval_string, zval};
use ext_php_rs::types::Zval;

use super::errors;

extern "C" {
    /// PHPAPI (main/php_ini.c): a php.ini or `-d` setting's raw value,
    /// whether an extension registered it or not.
    fn cfg_get_entry(name: *const c_char, name_length: usize) -> *mut zval;
}

/// Whether `swoole.enable_library` leaves the library on (Swoole's ini
/// setting, on by default; projects that bring Swoole's library through
/// Composer turn it off).
fn enabled() -> bool {
    const NAME: &str = "swoole.enable_library";
    // SAFETY: a pointer and length of a live string; the answer is null
    // or a zval of the configuration hash, alive for the request.
    let raw = unsafe { cfg_get_entry(NAME.as_ptr().cast(), NAME.len()) };
    // SAFETY: non-null: a live zval (see above).
    let Some(value) = (unsafe { raw.cast::<Zval>().as_ref() }) else {
        return true;
    };
    let text = value.string().unwrap_or_default().to_ascii_lowercase();
    !matches!(text.trim(), "" | "0" | "off" | "false" | "no" | "none")
}

/// `library.php` without its opening tag (eval takes PHP code as is).
const SOURCE: &str = include_str!("library.php");

fn code() -> &'static str {
    SOURCE.strip_prefix("<?php").unwrap_or(SOURCE)
}

/// Declares the library's classes and functions for this request.
pub fn load() {
    if !enabled() {
        return;
    }
    let (Ok(code), Ok(name)) = (CString::new(code()), CString::new("@swoole-rs/library.php"))
    else {
        return;
    };
    // SAFETY: both strings are NUL-terminated and live through the call;
    // a null retval asks for no result. Called at request start, when the
    // executor is ready.
    let r = unsafe { zend_eval_string(code.as_ptr(), std::ptr::null_mut(), name.as_ptr()) };
    if r != ext_php_rs::ffi::ZEND_RESULT_CODE_SUCCESS {
        errors::log_warning("swoole-rs: the bundled PHP library could not be loaded");
    }
}
