//! `Swoole\Process::signal($signo, $callback)`: a script's own signal
//! callbacks, run on the PHP thread by whichever event loop runs (a
//! server's, `Co\run()`, `Event::wait()`).
//!
//! The signals are caught by `worker::signals` (one installation for all
//! of the script's signals, made again when the set changes); a task of
//! each loop reads them and calls the callback in a coroutine, as timers'
//! callbacks are. As in Swoole, a signal callback does not keep the loop
//! running by itself (a child with a SIGTERM callback ends when its work is
//! done; a parent's lasting SIGCHLD callback does not hold it for ever),
//! unless the `wait_signal` option (`swoole_async_set()`, `Co::set()`) asks
//! it to; a signal caught while no loop runs waits for the next one. `SIG_IGN` as the callback ignores the signal; `null` removes
//! the callback (the signal's former disposition comes back).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;
use tokio::task::AbortHandle;

use super::args::Args;
use super::zend::{self, Callback};
use crate::worker::{event_loop, signals, timers};

/// Swoole's `SW_SIGNO_MAX`: numbers it accepts (Linux has signals 1-64;
/// the others are accepted and never caught, as there).
pub(crate) const SIGNO_MAX: i64 = 128;

thread_local! {
    /// The callback of each signal the script handles.
    static CALLBACKS: RefCell<BTreeMap<i32, Callback>> = const { RefCell::new(BTreeMap::new()) };
    /// The installation for those signals, and its read end.
    static SOURCE: RefCell<Option<(signals::SignalGuard, UnixStream)>> = const { RefCell::new(None) };
    /// The task reading it in the running loop.
    static READER: RefCell<Option<AbortHandle>> = const { RefCell::new(None) };
    static HOOKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn p_signal(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(signo) = args.long(0, "signal_no") else {
        return;
    };
    rv.set_bool(false);
    if !(0..SIGNO_MAX).contains(&signo) {
        zend::warning_docref(&format!("invalid signal number [{signo}]"));
        return;
    }
    let sig = signo as i32;
    match args.get(1).filter(|z| !z.is_null()) {
        None => {
            if CALLBACKS.with(|c| c.borrow_mut().remove(&sig)).is_none() {
                zend::warning_docref(&format!("unable to find the callback of signal [{signo}]"));
                return;
            }
        }
        Some(z) if z.long() == Some(1) => {
            // SIG_IGN.
            CALLBACKS.with(|c| c.borrow_mut().remove(&sig));
            reinstall();
            // SAFETY: setting a standard disposition.
            unsafe { libc::signal(sig, libc::SIG_IGN) };
            rv.set_bool(true);
            return;
        }
        Some(z) => {
            let Some(cb) = Callback::new(z) else {
                let fname = super::args::function_name(ex);
                zend::throw_type_error(&format!(
                    "{fname}(): Argument #2 ($callback) must be a valid callback or null"
                ));
                return;
            };
            CALLBACKS.with(|c| c.borrow_mut().insert(sig, cb));
        }
    }
    reinstall();
    rv.set_bool(true);
}

/// Catches exactly the signals with a callback (the new installation is in
/// place before the old goes, so no signal falls back to its default in
/// between), and restarts the reader.
fn reinstall() {
    let wanted: Vec<i32> = CALLBACKS.with(|c| c.borrow().keys().copied().collect());
    let new = if wanted.is_empty() {
        None
    } else {
        match signals::install(&wanted) {
            Ok(s) => Some(s),
            Err(e) => {
                zend::warning_docref(&format!("unable to install the signal handlers: {e}"));
                return;
            }
        }
    };
    let old = SOURCE.with(|s| std::mem::replace(&mut *s.borrow_mut(), new));
    drop(old);
    if !HOOKED.with(|h| h.replace(true)) {
        timers::on_every_loop(Rc::new(start_reader));
    }
    if timers::timers().loop_running() {
        start_reader();
    }
}

/// (Re)starts the reader in the running loop.
fn start_reader() {
    if let Some(old) = READER.with(|r| r.borrow_mut().take()) {
        old.abort();
    }
    let Some(read) = SOURCE.with(|s| s.borrow().as_ref().and_then(|(_, r)| r.try_clone().ok()))
    else {
        return;
    };
    let Ok(sock) = tokio::net::UnixStream::from_std(read) else {
        return;
    };
    let hold = super::coroutine::option_is_true("wait_signal").then(|| timers::timers().hold());
    let task = tokio::task::spawn_local(async move {
        let _hold = hold;
        while let Some(signo) = event_loop::next_signal(&sock).await {
            let cb = CALLBACKS.with(|c| c.borrow().get(&signo).cloned());
            if let Some(cb) = cb {
                super::timer::run_callback(&cb, &mut [zend::zlong(i64::from(signo))]);
            }
        }
    });
    READER.with(|r| *r.borrow_mut() = Some(task.abort_handle()));
}

/// Whether the script has `Process::signal()` callbacks (Swoole's
/// `waitSignal()` refuses to wait then).
pub fn has_callbacks() -> bool {
    CALLBACKS.with(|c| !c.borrow().is_empty())
}

/// The script ends: its handlers go (the dispositions come back).
pub fn request_shutdown() {
    CALLBACKS.with(|c| c.borrow_mut().clear());
    if let Some(old) = READER.with(|r| r.borrow_mut().take()) {
        old.abort();
    }
    let old = SOURCE.with(|s| s.borrow_mut().take());
    drop(old);
}

/// In a newly forked child (a `Process`, a server's worker or manager):
/// the script's signal callbacks were its parent's, and so was their
/// socket. They are forgotten (Swoole clears them in a child too), so the
/// child's loop neither waits for them nor reads its parent's signals.
pub fn forget_in_child() {
    CALLBACKS.with(|c| c.borrow_mut().clear());
    READER.with(|r| r.borrow_mut().take());
    let old = SOURCE.with(|s| s.borrow_mut().take());
    drop(old);
}

/// `Process::alarm($usec, $type = ITIMER_REAL)`: a repeating interval
/// timer of the kernel (`setitimer`), which sends SIGALRM (SIGVTALRM,
/// SIGPROF) for a `Process::signal()` callback; 0 or less stops it.
pub fn p_alarm(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let (Some(usec), Some(which)) = (
        args.long(0, "usec"),
        args.long_or(1, "type", i64::from(libc::ITIMER_REAL)),
    ) else {
        return;
    };
    rv.set_bool(false);
    let Ok(which) = libc::c_int::try_from(which) else {
        zend::warning_docref("setitimer() failed");
        return;
    };
    let interval = if usec > 0 {
        libc::timeval {
            tv_sec: usec / 1_000_000,
            tv_usec: usec % 1_000_000,
        }
    } else {
        libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        }
    };
    let timer = libc::itimerval {
        it_interval: interval,
        it_value: interval,
    };
    // SAFETY: setitimer with a valid itimerval and no old value wanted.
    if unsafe { libc::setitimer(which, &timer, std::ptr::null_mut()) } < 0 {
        let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        super::client::sys_warning("setitimer() failed", i64::from(code));
        return;
    }
    rv.set_bool(true);
}
