//! The parts of Swoole's bundled PHP library that scripts use most (the
//! connection pools, `Swoole\Coroutine\batch()` / `parallel()` / `map()`,
//! `Swoole\Coroutine\Http\get()` / `post()` / `request()`), written in PHP
//! for swoole-rs (`library.php`) and evaluated at every request start, as
//! Swoole loads its own library. Its declarations are guarded: a script
//! or package that defines one of these names first keeps its own.

use std::ffi::CString;

use ext_php_rs::ffi::zend_eval_string;

use super::errors;

/// `library.php` without its opening tag (eval takes PHP code as is).
const SOURCE: &str = include_str!("library.php");

fn code() -> &'static str {
    SOURCE.strip_prefix("<?php").unwrap_or(SOURCE)
}

/// Declares the library's classes and functions for this request.
pub fn load() {
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
