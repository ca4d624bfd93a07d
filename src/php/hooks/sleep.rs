//! `SWOOLE_HOOK_SLEEP`: `sleep()`, `usleep()`, `time_nanosleep()` and
//! `time_sleep_until()` suspend the calling coroutine instead of the
//! worker (installed by [`super::functions`]). Outside a coroutine, and
//! for any argument PHP itself would reject, the call goes to PHP's own
//! function, so errors and results are PHP's.

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::functions::{call_php, coroutine_of_call, num_args};
use crate::php::args::Args;
use crate::php::coroutine;

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

pub(super) fn hooked_sleep(ex: &mut ExecuteData, rv: &mut Zval) {
    match (coroutine_of_call(), whole_arg(ex)) {
        (Some(cid), Some(seconds)) => {
            // Swoole: 0, or the seconds asked for when the sleep was cut short.
            let done = coroutine::sleep_for(cid, seconds as f64);
            rv.set_long(if done { 0 } else { seconds });
        }
        _ => call_php("sleep", ex, rv),
    }
}

pub(super) fn hooked_usleep(ex: &mut ExecuteData, rv: &mut Zval) {
    match (coroutine_of_call(), whole_arg(ex)) {
        (Some(cid), Some(micros)) => {
            coroutine::sleep_for(cid, micros as f64 / 1_000_000.0);
            rv.set_null();
        }
        _ => call_php("usleep", ex, rv),
    }
}

pub(super) fn hooked_time_nanosleep(ex: &mut ExecuteData, rv: &mut Zval) {
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

pub(super) fn hooked_time_sleep_until(ex: &mut ExecuteData, rv: &mut Zval) {
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
