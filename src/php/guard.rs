//! The panic guard every entry point from PHP runs under.
//!
//! A Rust panic must never unwind into the engine's C frames (that would be
//! undefined behaviour, and since Rust 1.81 an `extern "C"` function that
//! panics aborts the process instead: every client of the server with it).
//! So no function or method is registered with the engine directly: each is
//! a plain Rust `fn`, and [`entry_point`] hands the engine a trampoline that
//! calls it inside `catch_unwind`. A caught panic becomes a
//! `Swoole\Exception` thrown from the call, the script decides what happens
//! next, and the server keeps serving. Object and iterator handlers that the
//! engine calls with other shapes use [`or_default`].
//!
//! Panics inside connection tasks never reach here: tokio catches a task's
//! panic and drops the task, which closes only that connection.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::classes::Handler;

/// What the engine calls for one PHP function or method.
pub trait PhpFn: Fn(&mut ExecuteData, &mut Zval) + Copy + 'static {}
impl<F: Fn(&mut ExecuteData, &mut Zval) + Copy + 'static> PhpFn for F {}

/// The engine-facing handler for `f`, which must be a function item (a
/// zero-sized type: the trampoline is monomorphized per function and
/// recreates it from its type alone).
pub fn entry_point<F: PhpFn>(_f: F) -> Handler {
    const { assert!(std::mem::size_of::<F>() == 0, "entry points are fn items") };
    trampoline::<F>
}

extern "C" fn trampoline<F: PhpFn>(ex: &mut ExecuteData, rv: &mut Zval) {
    // SAFETY: `F` is zero-sized (checked at compile time in entry_point) and
    // a function item or capture-less closure: it has no bytes to initialize
    // and no validity invariant, so this is the value entry_point was given.
    let f: F = unsafe { std::mem::zeroed() };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(ex, rv))) {
        rv.set_null();
        let name = super::args::function_name(ex);
        super::zend::throw(
            super::server::EXCEPTION.get(),
            &crate::runtime::panic::report(&format!("{name}()"), &*payload),
            -1,
        );
    }
}

/// Runs an engine callback that is not a function call (an object or
/// iterator handler, a module hook): a panic is reported as a PHP warning
/// and `default` is returned to the engine.
pub fn or_default<T>(what: &str, default: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            super::zend::error(
                super::zend::E_WARNING,
                &crate::runtime::panic::report(what, &*payload),
            );
            default
        }
    }
}
