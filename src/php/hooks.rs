//! `Swoole\Runtime`: the switch for Swoole's runtime hooks (blocking PHP
//! functions made coroutine-aware). swoole-rs has no coroutines yet, so no
//! hook can be on: turning them off (flags 0) succeeds, and asking for any
//! hook warns and returns false, leaving PHP's functions as they are
//! (blocking, which is what a callback on a worker's PHP thread does
//! anyway). The flags in effect are always 0.

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{sm, Class, ClassSlot};
use super::zend;

pub static RUNTIME: ClassSlot = ClassSlot::new();

/// `SWOOLE_HOOK_ALL`.
const HOOK_ALL: i64 = 2_143_285_247;

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

/// Applies `flags`: only "no hooks" can be had.
fn apply(ex: &mut ExecuteData, flags: i64, rv: &mut Zval) {
    if flags == 0 {
        rv.set_bool(true);
        return;
    }
    let name = super::args::function_name(ex);
    zend::error(
        zend::E_WARNING,
        &format!(
            "{name}(): runtime hooks (flags {flags}) are not supported by swoole-rs yet (see the compatibility table in its README); PHP's functions stay blocking"
        ),
    );
    rv.set_bool(false);
}

fn enable_coroutine(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    // Swoole 4's enableCoroutine(bool $enable): false is "no hooks".
    let flags = match args.get(0) {
        Some(z) if z.is_true() => HOOK_ALL,
        Some(z) if z.is_false() => 0,
        _ => match args.long_or(0, "flags", HOOK_ALL) {
            Some(f) => f,
            None => return,
        },
    };
    apply(ex, flags, rv);
}

fn get_hook_flags(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    rv.set_long(0);
}

fn set_hook_flags(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(flags) = args.long(0, "flags") else {
        return;
    };
    apply(ex, flags, rv);
}
