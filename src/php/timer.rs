//! `Swoole\Timer`, `Swoole\Event`, `swoole_timer_*()` and the Swoole 4
//! `$server->tick/after/defer/clearTimer` forms.

use std::rc::Rc;

use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{sm, Class, ClassSlot};
use super::state;
use super::zend::{self, zarray, zbool, zlong, Callback};
use crate::worker::{event_loop, timers};

pub static TIMER: ClassSlot = ClassSlot::new();
pub static ITERATOR: ClassSlot = ClassSlot::new();

extern "C" {
    static spl_ce_ArrayIterator: *mut ext_php_rs::ffi::zend_class_entry;
}

pub fn register() {
    let mut c = Class::new("Swoole\\Timer");
    c.methods = vec![
        sm(
            "tick",
            timer_tick,
            "int $ms, callable $callback, mixed ...$params",
            "int|false",
        ),
        sm(
            "after",
            timer_after,
            "int $ms, callable $callback, mixed ...$params",
            "int|false",
        ),
        sm("clear", timer_clear, "int $timer_id", "bool"),
        sm("clearAll", timer_clear_all, "", "bool"),
        sm("exists", timer_exists, "int $timer_id", "bool"),
        sm("info", timer_info, "int $timer_id", "?array"),
        sm("list", timer_list, "", "Swoole\\Timer\\Iterator"),
        sm("stats", timer_stats, "", "array"),
    ];
    TIMER.set(c.register());

    let mut it = Class::new("Swoole\\Timer\\Iterator");
    // SAFETY: SPL registers ArrayIterator before any extension's MINIT.
    it.parent = Some(unsafe { spl_ce_ArrayIterator });
    ITERATOR.set(it.register());
}

/// Calls a timer/defer callback and routes `exit()`/fatal errors to the
/// server (if one runs).
/// A timer's or deferred callback: in a coroutine, as Swoole runs them
/// (in a server, as its `enable_coroutine` says).
pub(super) fn run_callback(cb: &Callback, args: &mut [Zval]) {
    match state::current().filter(|s| s.running.get()) {
        Some(st) => {
            st.invoke(cb, args);
        }
        None if super::coroutine::callbacks_in_coroutine() => {
            let args: Vec<Zval> = args.iter().map(zend::zcopy).collect();
            super::coroutine::spawn_callback(cb.clone(), args, None);
        }
        None => {
            cb.call(args);
        }
    }
}

/// tick()/after(): `ms`, `callback`, `...params`.
fn add_impl(ex: &mut ExecuteData, rv: &mut Zval, repeat: bool) {
    let Some(args) = Args::parse(ex, 2, usize::MAX) else {
        return;
    };
    let Some(ms) = args.long(0, "ms") else { return };
    let Some(cbz) = args.get(1) else { return };
    let fname = super::args::function_name(ex);
    let cb = match Callback::resolve(cbz) {
        Ok(cb) => cb,
        Err(why) => {
            zend::throw_type_error(&format!(
                "{fname}(): Argument #2 ($callback) must be a valid callback, {why}"
            ));
            return;
        }
    };
    if ms < 1 {
        // Swoole's SW_TIMER_MIN_MS: a warning and false, not an exception.
        zend::warning_docref("Timer must be greater than or equal to 1");
        rv.set_bool(false);
        return;
    }
    let params: Vec<Zval> = (2..args.len())
        .filter_map(|i| args.get(i).map(zend::zcopy))
        .collect();
    let callback: timers::TimerCallback = Rc::new(move |id| {
        let mut argv: Vec<Zval> = Vec::with_capacity(params.len() + 1);
        if repeat {
            argv.push(zlong(id));
        }
        argv.extend(params.iter().map(zend::zcopy));
        run_callback(&cb, &mut argv);
    });
    let id = timers::timers().add(ms as u64, repeat, callback);
    need_loop();
    rv.set_long(id);
}

fn clear_impl(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(id) = args.long(0, "timer_id") else {
        return;
    };
    rv.set_bool(timers::timers().clear(id));
}

fn defer_impl(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(cbz) = args.get(0) else { return };
    let Some(cb) = Callback::new(cbz) else {
        let fname = super::args::function_name(ex);
        zend::throw_type_error(&format!(
            "{fname}(): Argument #1 ($callback) must be a valid callback"
        ));
        return;
    };
    timers::defer(Box::new(move || run_callback(&cb, &mut [])));
    need_loop();
    rv.set_bool(true);
}

pub fn timer_tick(ex: &mut ExecuteData, rv: &mut Zval) {
    add_impl(ex, rv, true);
}

pub fn timer_after(ex: &mut ExecuteData, rv: &mut Zval) {
    add_impl(ex, rv, false);
}

pub fn timer_clear(ex: &mut ExecuteData, rv: &mut Zval) {
    clear_impl(ex, rv);
}

pub fn timer_clear_all(_ex: &mut ExecuteData, rv: &mut Zval) {
    timers::timers().clear_all();
    rv.set_bool(true);
}

pub fn timer_exists(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(id) = args.long(0, "timer_id") else {
        return;
    };
    rv.set_bool(timers::timers().exists(id));
}

pub fn timer_info(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(id) = args.long(0, "timer_id") else {
        return;
    };
    match timers::timers().info(id) {
        Some(info) => {
            let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            let mut a = ZendHashTable::new();
            let _ = a.insert("exec_msec", zlong(clamp(info.exec_msec)));
            let _ = a.insert("exec_count", zlong(clamp(info.exec_count)));
            let _ = a.insert("interval", zlong(clamp(info.interval)));
            let _ = a.insert("round", zlong(clamp(info.round)));
            let _ = a.insert("removed", zbool(info.removed));
            *rv = zarray(a);
        }
        None => rv.set_null(),
    }
}

/// `Timer::list()`: a `Swoole\Timer\Iterator` (an `ArrayIterator`) of ids.
pub fn timer_list(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let mut a = ZendHashTable::new();
    for id in timers::timers().ids() {
        let _ = a.push(zlong(id));
    }
    *rv = zend::array_iterator(ITERATOR.get(), a);
}

pub fn timer_stats(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let t = timers::timers();
    let mut a = ZendHashTable::new();
    let _ = a.insert("initialized", zbool(t.initialized()));
    let _ = a.insert("num", zlong(t.ids().len() as i64));
    let _ = a.insert("round", zlong(i64::try_from(t.round()).unwrap_or(i64::MAX)));
    *rv = zarray(a);
}

pub(super) fn event_defer(ex: &mut ExecuteData, rv: &mut Zval) {
    defer_impl(ex, rv);
}

thread_local! {
    static IN_LOOP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The request's shutdown runs `swoole_event_rshutdown()`.
    static SHUTDOWN_HOOKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Something made the loop needed (a timer, a deferred call, a
    /// coroutine, a watched descriptor) and no loop has run since: Swoole's
    /// "reactor exists" at shutdown.
    static LOOP_PENDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn in_event_loop() -> bool {
    IN_LOOP.with(|c| c.get()) || state::current().is_some_and(|s| s.running.get())
}

/// Something needs the event loop (a timer, a deferred call, a coroutine,
/// a watched descriptor): unless a loop runs now, the script's end runs
/// one, as Swoole runs its reactor when the script ends (with a
/// deprecation notice), through a shutdown function.
pub(super) fn need_loop() {
    if in_event_loop() {
        return;
    }
    LOOP_PENDING.with(|c| c.set(true));
    if SHUTDOWN_HOOKED.with(|c| c.replace(true)) {
        return;
    }
    let mut f = Zval::new();
    let _ = f.set_string("register_shutdown_function", false);
    let mut arg = Zval::new();
    let _ = arg.set_string("swoole_event_rshutdown", false);
    if let Some(cb) = Callback::new(&f) {
        cb.call(&mut [arg]);
    }
}

/// A loop that served what was pending ended (a server's): the shutdown
/// has nothing to run, and says nothing.
pub(super) fn loop_consumed() {
    LOOP_PENDING.with(|c| c.set(false));
}

/// `swoole_event_rshutdown()`: at the request's shutdown, runs the loop
/// the script needed and did not run, saying (as Swoole 6 does) that
/// relying on this is deprecated.
pub(super) fn run_loop_at_shutdown() {
    if !LOOP_PENDING.with(|c| c.get()) || in_event_loop() || script_ended_by_fatal_error() {
        return;
    }
    zend::error_docref(
        zend::E_DEPRECATED,
        "Event::wait() in shutdown function is deprecated",
    );
    wait_for_timers();
}

/// Runs the event loop until no timer is left (`Swoole\Event::wait()`).
pub(super) fn event_wait(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_null();
    wait_for_timers();
    super::coroutine::bail_if_fatal();
}

/// Runs the event loop until no timer is left, unless it runs already
/// (`Event::wait()`, `Co\run()`).
pub(super) fn wait_for_timers() {
    if in_event_loop() || script_ended_by_fatal_error() {
        return;
    }
    LOOP_PENDING.with(|c| c.set(false));
    run_loop(async {
        let t = timers::timers();
        // Let deferred calls and what starts with the loop run, then wait
        // while timers, waits or watched descriptors remain; what those
        // queued last (a cycle callback) runs before the loop ends.
        loop {
            tokio::task::yield_now().await;
            t.wait_empty().await;
            tokio::task::yield_now().await;
            if t.is_idle() {
                break;
            }
        }
    });
    // The loop is over, as Swoole's reactor is freed here: the next one
    // starts afresh.
    super::event::reactor_freed();
}

/// Runs an event loop on this thread until `main` ends (`Event::wait()`,
/// `Event::dispatch()`).
pub(super) fn run_loop(main: impl std::future::Future<Output = ()>) {
    IN_LOOP.with(|c| c.set(true));
    let _ = event_loop::run(main);
    IN_LOOP.with(|c| c.set(false));
}

/// Whether a fatal error ended the script (PHP's own, or one in a
/// coroutine): then, as in Swoole, the loop does not run at shutdown
/// (whatever was waiting would wait for ever).
fn script_ended_by_fatal_error() -> bool {
    const FATAL: i32 = 1 | 16 | 64 | 256; // E_ERROR, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR
                                          // SAFETY: reads a field of PHP's (non-thread-safe build) core globals
                                          // on the PHP thread.
    let last = unsafe { ext_php_rs::ffi::core_globals.last_error_type };
    last & FATAL != 0 || super::coroutine::ended_by_fatal_error()
}

/// Ends `Swoole\Event::wait()` by dropping every timer and watch.
pub(super) fn event_exit(_ex: &mut ExecuteData, rv: &mut Zval) {
    timers::timers().clear_all();
    super::event::clear();
    super::coroutine::io::abort_all();
    rv.set_null();
}
