//! Function hooks: PHP functions whose engine entry is pointed at ours
//! while a hook flag is on (`sleep()` and friends, `stream_select()`,
//! `stream_socket_pair()`, `proc_open()`).
//!
//! The engine's function table is shared by every script of the process:
//! hooking swaps the handler of the internal function in place (keeping
//! PHP's), unhooking puts PHP's back. Our handlers call PHP's own (with the
//! same frame) whenever the call is not theirs to serve: outside a
//! coroutine, or with arguments PHP would reject, so errors and results
//! stay PHP's.

use parking_lot::Mutex;

use ext_php_rs::ffi::{zend_execute_data, zend_function, zend_hash_str_find, zval};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ExecuteData, ExecutorGlobals};

use crate::php::classes::Handler;
use crate::php::coroutine;
use crate::php::guard::{entry_point, PhpFn};

type RawHandler = unsafe extern "C" fn(*mut zend_execute_data, *mut zval);

/// One PHP function and what replaces it while hooked.
struct Hooked {
    name: &'static str,
    /// The `SWOOLE_HOOK_*` flag that turns it on.
    flag: i64,
    ours: Handler,
    /// PHP's handler while ours is installed.
    php: Option<RawHandler>,
}

/// The hooked functions; process-wide, as the function table is.
static FUNCTIONS: Mutex<Vec<Hooked>> = Mutex::new(Vec::new());

fn all() -> Vec<Hooked> {
    use super::{pipe, select, sleep, stream, HOOK_PROC, HOOK_SLEEP, HOOK_STREAM_FUNCTION};
    vec![
        hooked("sleep", HOOK_SLEEP, sleep::hooked_sleep),
        hooked("usleep", HOOK_SLEEP, sleep::hooked_usleep),
        hooked("time_nanosleep", HOOK_SLEEP, sleep::hooked_time_nanosleep),
        hooked(
            "time_sleep_until",
            HOOK_SLEEP,
            sleep::hooked_time_sleep_until,
        ),
        hooked(
            "stream_select",
            HOOK_STREAM_FUNCTION,
            select::hooked_stream_select,
        ),
        hooked("proc_open", HOOK_PROC, pipe::hooked_proc_open),
        hooked(
            "stream_socket_pair",
            HOOK_STREAM_FUNCTION,
            stream::hooked_stream_socket_pair,
        ),
    ]
}

fn hooked<F: PhpFn>(name: &'static str, flag: i64, f: F) -> Hooked {
    Hooked {
        name,
        flag,
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

/// Installs the hooks `flags` turns on and removes the others.
pub fn set(flags: i64) {
    let mut fs = FUNCTIONS.lock();
    if fs.is_empty() {
        *fs = all();
    }
    for h in fs.iter_mut() {
        let Some(f) = function(h.name) else { continue };
        // SAFETY: `f` is an internal function (checked in `function`);
        // its handler field is what the engine calls for it. Ours has
        // the zif_handler ABI (see guard::entry_point).
        unsafe {
            let slot = &mut (*f).internal_function.handler;
            match (flags & h.flag != 0, h.php) {
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

/// Calls PHP's own `name` with this call's frame.
pub(super) fn call_php(name: &str, ex: &mut ExecuteData, rv: &mut Zval) {
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
pub(super) fn num_args(ex: &ExecuteData) -> u32 {
    // SAFETY: for a function call frame `This.u2` holds the argument count.
    unsafe { ex.This.u2.num_args }
}

/// The running coroutine, when the call should yield rather than block.
pub(super) fn coroutine_of_call() -> Option<i64> {
    let cid = coroutine::current();
    (cid >= 0).then_some(cid)
}
