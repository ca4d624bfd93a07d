//! `SWOOLE_HOOK_SLEEP`: `sleep()`, `usleep()`, `time_nanosleep()` and
//! `time_sleep_until()` suspend the calling coroutine instead of the
//! worker. Outside a coroutine, and for any argument PHP itself would
//! reject, the call goes to PHP's own function, so errors and results are
//! PHP's.
//!
//! The engine's function table is shared by every script of the process:
//! hooking swaps the handler of the internal function in place (keeping
//! PHP's), unhooking puts PHP's back.

use parking_lot::Mutex;

use ext_php_rs::ffi::{zend_execute_data, zend_function, zend_hash_str_find, zval};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ExecuteData, ExecutorGlobals};

use crate::php::args::Args;
use crate::php::classes::Handler;
use crate::php::coroutine;
use crate::php::guard::{entry_point, PhpFn};

type RawHandler = unsafe extern "C" fn(*mut zend_execute_data, *mut zval);

/// One PHP function and what replaces it while hooked.
struct Hooked {
    name: &'static str,
    ours: Handler,
    /// PHP's handler while ours is installed.
    php: Option<RawHandler>,
}

/// The hooked functions; process-wide, as the function table is.
static FUNCTIONS: Mutex<Vec<Hooked>> = Mutex::new(Vec::new());

fn all() -> Vec<Hooked> {
    vec![
        hooked("sleep", hooked_sleep),
        hooked("usleep", hooked_usleep),
        hooked("time_nanosleep", hooked_time_nanosleep),
        hooked("time_sleep_until", hooked_time_sleep_until),
    ]
}

fn hooked<F: PhpFn>(name: &'static str, f: F) -> Hooked {
    Hooked {
        name,
        ours: entry_point(f),
        php: None,
    }
}

/// The engine's entry for function `name`.
fn function(name: &str) -> Option<*mut zend_function> {
    let table = ExecutorGlobals::get().function_table;
    if table.is_null() {
        return None;
    }
    // SAFETY: the function table is a live hash of IS_PTR zvals holding
    // zend_function pointers; the key is passed with its length.
    unsafe {
        let z = zend_hash_str_find(table, name.as_ptr().cast(), name.len());
        if z.is_null() {
            return None;
        }
        let f = (*z).value.ptr as *mut zend_function;
        (!f.is_null() && (*f).type_ == ext_php_rs::ffi::ZEND_INTERNAL_FUNCTION as u8).then_some(f)
    }
}

/// Installs (`on`) or removes the sleep hooks.
pub fn set(on: bool) {
    let mut fs = FUNCTIONS.lock();
    if fs.is_empty() {
        *fs = all();
    }
    {
        for h in fs.iter_mut() {
            let Some(f) = function(h.name) else { continue };
            // SAFETY: `f` is an internal function (checked in `function`);
            // its handler field is what the engine calls for it. Ours has
            // the zif_handler ABI (see guard::entry_point).
            unsafe {
                let slot = &mut (*f).internal_function.handler;
                match (on, h.php) {
                    (true, None) => {
                        h.php = *slot;
                        *slot = Some(std::mem::transmute::<Handler, RawHandler>(h.ours));
                    }
                    (false, Some(php)) => {
                        *slot = Some(php);
                        h.php = None;
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Calls PHP's own `name` with this call's frame.
fn call_php(name: &str, ex: &mut ExecuteData, rv: &mut Zval) {
    let php = FUNCTIONS
        .lock()
        .iter()
        .find(|h| h.name == name)
        .and_then(|h| h.php);
    if let Some(php) = php {
        // SAFETY: the frame and return slot the engine gave us, passed on
        // to the handler the engine would have called with them.
        unsafe {
            php(
                ex as *mut ExecuteData as *mut zend_execute_data,
                rv as *mut Zval as *mut zval,
            )
        }
    }
}

/// How many arguments the call was given.
fn num_args(ex: &ExecuteData) -> u32 {
    // SAFETY: for a function call frame `This.u2` holds the argument count.
    unsafe { ex.This.u2.num_args }
}

/// The running coroutine, when the call should yield rather than block.
fn coroutine_of_call() -> Option<i64> {
    let cid = coroutine::current();
    (cid >= 0).then_some(cid)
}

/// The single integer argument of `sleep()`/`usleep()`, when it is one
/// PHP would accept (anything else goes to PHP for its error).
fn whole_arg(ex: &mut ExecuteData) -> Option<i64> {
    if num_args(ex) != 1 {
        return None;
    }
    let args = Args::parse(ex, 1, 1)?;
    args.get(0).and_then(whole).filter(|n| *n >= 0)
}

/// An int, or a float with no fraction (PHP coerces it without a notice).
fn whole(z: &Zval) -> Option<i64> {
    z.long().or_else(|| {
        z.double()
            .filter(|d| d.fract() == 0.0 && d.abs() < 9.0e15)
            .map(|d| d as i64)
    })
}

fn hooked_sleep(ex: &mut ExecuteData, rv: &mut Zval) {
    match (coroutine_of_call(), whole_arg(ex)) {
        (Some(cid), Some(seconds)) => {
            // Swoole: 0, or the seconds asked for when the sleep was cut short.
            let done = coroutine::sleep_for(cid, seconds as f64);
            rv.set_long(if done { 0 } else { seconds });
        }
        _ => call_php("sleep", ex, rv),
    }
}

fn hooked_usleep(ex: &mut ExecuteData, rv: &mut Zval) {
    match (coroutine_of_call(), whole_arg(ex)) {
        (Some(cid), Some(micros)) => {
            coroutine::sleep_for(cid, micros as f64 / 1_000_000.0);
            rv.set_null();
        }
        _ => call_php("usleep", ex, rv),
    }
}

fn hooked_time_nanosleep(ex: &mut ExecuteData, rv: &mut Zval) {
    let secs = |ex: &mut ExecuteData| {
        if num_args(ex) != 2 {
            return None;
        }
        let args = Args::parse(ex, 2, 2)?;
        let s = args.get(0).and_then(whole).filter(|n| *n >= 0)?;
        let ns = args.get(1).and_then(whole).filter(|n| *n >= 0)?;
        Some(s as f64 + ns as f64 / 1e9)
    };
    // Swoole sleeps in the coroutine from a millisecond up; shorter
    // sleeps are PHP's nanosleep.
    match (coroutine_of_call(), secs(ex).filter(|t| *t >= 0.001)) {
        (Some(cid), Some(t)) => {
            coroutine::sleep_for(cid, t);
            rv.set_bool(true);
        }
        _ => call_php("time_nanosleep", ex, rv),
    }
}

fn hooked_time_sleep_until(ex: &mut ExecuteData, rv: &mut Zval) {
    let wait = |ex: &mut ExecuteData| {
        if num_args(ex) != 1 {
            return None;
        }
        let args = Args::parse(ex, 1, 1)?;
        let until = args
            .get(0)
            .and_then(|z| z.double().or_else(|| z.long().map(|l| l as f64)))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        // A time already past is PHP's warning.
        Some(until - now).filter(|t| *t > 0.0)
    };
    match (coroutine_of_call(), wait(ex)) {
        (Some(cid), Some(t)) => {
            coroutine::sleep_for(cid, t);
            rv.set_bool(true);
        }
        _ => call_php("time_sleep_until", ex, rv),
    }
}
