//! `Swoole\Runtime`: Swoole's runtime hooks, which make blocking PHP
//! functions wait in the coroutine instead of the worker.
//!
//! The flags are Swoole's (`SWOOLE_HOOK_*`), set by
//! `Runtime::enableCoroutine()` / `setHookFlags()`, `Co::set(['hook_flags'
//! => ...])` or the server setting `hook_flags`, and read back as given by
//! `getHookFlags()`. What they change here:
//! - `SWOOLE_HOOK_TCP`, `UDP`, `UNIX`, `UDG`, `SSL`, `TLS`: PHP's socket
//!   transports ([`stream`], [`tls`]), so phpredis, mysqlnd (PDO, mysqli),
//!   `stream_socket_*`, `fsockopen` and the http:// and https:// wrappers
//!   yield.
//! - `SWOOLE_HOOK_SLEEP`: `sleep()`, `usleep()`, `time_nanosleep()`,
//!   `time_sleep_until()` ([`sleep`]).
//! - `SWOOLE_HOOK_STREAM_FUNCTION`: `stream_select()` ([`select`]).
//! - `SWOOLE_HOOK_FILE`: reads, writes and `flock()` of regular files
//!   ([`file`]).
//! - `SWOOLE_HOOK_PROC`: the pipes of `proc_open()`; `SWOOLE_HOOK_STDIO`:
//!   `STDIN`, `STDOUT`, `STDERR` ([`pipe`]).
//!
//! The other flags are accepted and kept (a script asking for
//! `SWOOLE_HOOK_ALL` gets what exists); what they would hook stays
//! blocking: see the compatibility table in the README.

mod file;
mod functions;
mod pipe;
mod select;
mod sleep;
mod stream;
mod table;
mod tls;

use std::sync::atomic::{AtomicI64, Ordering};

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{sm, Class, ClassSlot};

pub static RUNTIME: ClassSlot = ClassSlot::new();

pub const HOOK_TCP: i64 = 2;
pub const HOOK_UDP: i64 = 4;
pub const HOOK_UNIX: i64 = 8;
pub const HOOK_UDG: i64 = 16;
pub const HOOK_SSL: i64 = 32;
pub const HOOK_TLS: i64 = 64;
pub const HOOK_STREAM_FUNCTION: i64 = 128;
pub const HOOK_FILE: i64 = 256;
pub const HOOK_SLEEP: i64 = 512;
pub const HOOK_PROC: i64 = 1024;
pub const HOOK_STDIO: i64 = 32768;
/// `SWOOLE_HOOK_ALL`.
pub const HOOK_ALL: i64 = 2_143_285_247;

/// The flags in effect, as the script gave them (process-wide, as the
/// hooks are).
static FLAGS: AtomicI64 = AtomicI64::new(0);

pub fn register() {
    let mut c = Class::new("Swoole\\Runtime");
    c.methods = vec![
        sm(
            "enableCoroutine",
            enable_coroutine,
            "int $flags = SWOOLE_HOOK_ALL",
            "bool",
        ),
        sm("getHookFlags", get_hook_flags, "", "int"),
        sm("setHookFlags", set_hook_flags, "int $flags", "bool"),
    ];
    RUNTIME.set(c.register());
}

/// Puts `flags` in effect, as the script asked: hooks what they name,
/// unhooks the rest. Swoole keeps them as a 32-bit unsigned number, and
/// among `Coroutine::getOptions()`.
pub fn set_flags(flags: i64) {
    let flags = flags & 0xFFFF_FFFF;
    crate::php::coroutine::record_option("hook_flags", crate::php::zend::zlong(flags));
    apply(flags);
}

/// `Co\run()`'s default: every hook, unless hook flags were set (in any
/// way: Swoole looks for them among the coroutine options).
pub fn default_for_run() {
    if !crate::php::coroutine::has_option("hook_flags") {
        set_flags(HOOK_ALL);
    }
}

fn apply(flags: i64) {
    stream::set(flags);
    functions::set(flags);
    file::set(flags & HOOK_FILE != 0);
    if flags & HOOK_STDIO != 0 {
        pipe::hook_stdio();
    }
    FLAGS.store(flags, Ordering::Relaxed);
}

/// The flags in effect.
pub fn flags() -> i64 {
    FLAGS.load(Ordering::Relaxed)
}

fn enable_coroutine(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    // Swoole 6 takes an int: Swoole 4's `true` is 1 (SWOOLE_HOOK_TCP's
    // neighbour bit), `false` is 0, as PHP converts them.
    let Some(flags) = args.long_or(0, "flags", HOOK_ALL) else {
        return;
    };
    set_flags(flags);
    rv.set_bool(true);
}

fn get_hook_flags(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    rv.set_long(flags());
}

fn set_hook_flags(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(flags) = args.long(0, "flags") else {
        return;
    };
    set_flags(flags);
    rv.set_bool(true);
}
