//! `Swoole\Coroutine\WaitGroup`: a counter a coroutine can wait on until
//! it drops to zero, and `Swoole\Coroutine\Barrier`: a coroutine waits
//! until every other holder of the barrier has let it go (Swoole's
//! library classes, with their misuse errors).

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::ffi::zend_class_entry;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot};
use super::super::zend::{self, zlong};
use super::{current, throw_out_of_coroutine, timeout_ms_arg, wait_woken, wake};

extern "C" {
    static spl_ce_BadMethodCallException: *mut zend_class_entry;
    static spl_ce_InvalidArgumentException: *mut zend_class_entry;
}

pub static WAIT_GROUP: ClassSlot = ClassSlot::new();
pub static BARRIER: ClassSlot = ClassSlot::new();

#[derive(Default)]
struct WaitGroup {
    count: i64,
    /// The coroutine in `wait()`, if one is.
    waiter: Option<i64>,
}

thread_local! {
    static GROUPS: RefCell<HashMap<u32, WaitGroup>> = RefCell::new(HashMap::new());
    /// The coroutine waiting on each barrier object (by handle).
    static BARRIERS: RefCell<HashMap<u32, i64>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\WaitGroup");
    c.methods = vec![
        m("__construct", wg_construct, "int $delta = 0", ""),
        m("add", wg_add, "int $delta = 1", "void"),
        m("done", wg_done, "", "void"),
        m("wait", wg_wait, "float $timeout = -1", "bool"),
        m("count", wg_count, "", "int"),
    ];
    WAIT_GROUP.set(c.register());
    super::super::classes::alias("Co\\WaitGroup", WAIT_GROUP.get());

    let mut b = Class::new("Swoole\\Coroutine\\Barrier");
    b.methods = vec![
        m("__destruct", barrier_destruct, "", ""),
        super::super::classes::sm("make", barrier_make, "", "static"),
        super::super::classes::sm(
            "wait",
            barrier_wait,
            "Swoole\\Coroutine\\Barrier &$barrier, float $timeout = -1",
            "void",
        ),
    ];
    BARRIER.set(b.register());
    super::super::classes::alias("Co\\Barrier", BARRIER.get());
}

/// Forgets every wait group and barrier (request shutdown).
pub fn clear() {
    GROUPS.with(|g| g.borrow_mut().clear());
    BARRIERS.with(|b| b.borrow_mut().clear());
}

fn handle(ex: &mut ExecuteData) -> Option<u32> {
    zend::this_object(ex).map(|(h, _)| h)
}

fn with<R>(h: u32, f: impl FnOnce(&mut WaitGroup) -> R) -> R {
    GROUPS.with(|g| f(g.borrow_mut().entry(h).or_default()))
}

fn misuse(ce: *mut zend_class_entry, msg: &str) {
    zend::throw(ce, msg, 0);
}

/// Adds `delta`; wakes the waiter when the count reaches zero.
fn change(h: u32, delta: i64, negative_ce: *mut zend_class_entry) -> bool {
    let outcome = with(h, |g| {
        let count = g.count + delta;
        if count < 0 {
            return Err(());
        }
        g.count = count;
        Ok(if count == 0 { g.waiter.take() } else { None })
    });
    match outcome {
        Err(()) => {
            misuse(negative_ce, "WaitGroup misuse: negative counter");
            false
        }
        Ok(waiter) => {
            if let Some(cid) = waiter {
                wake(cid, zlong(1));
            }
            true
        }
    }
}

fn wg_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(delta) = args.long_or(0, "delta", 0) else {
        return;
    };
    let Some(h) = handle(ex) else { return };
    GROUPS.with(|g| g.borrow_mut().insert(h, WaitGroup::default()));
    if delta != 0 {
        // SAFETY: SPL registers its exception classes before extensions.
        change(h, delta, unsafe { spl_ce_InvalidArgumentException });
    }
}

fn wg_add(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(delta) = args.long_or(0, "delta", 1) else {
        return;
    };
    let Some(h) = handle(ex) else { return };
    if with(h, |g| g.waiter.is_some()) {
        // SAFETY: as above.
        misuse(
            unsafe { spl_ce_BadMethodCallException },
            "WaitGroup misuse: add called concurrently with wait",
        );
        return;
    }
    // SAFETY: as above.
    if change(h, delta, unsafe { spl_ce_InvalidArgumentException }) {
        rv.set_null();
    }
}

fn wg_done(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(h) = handle(ex) else { return };
    // SAFETY: as above.
    if change(h, -1, unsafe { spl_ce_BadMethodCallException }) {
        rv.set_null();
    }
}

fn wg_wait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = timeout_ms_arg(&args, 0);
    let Some(h) = handle(ex) else { return };
    let cid = current();
    if cid < 0 {
        throw_out_of_coroutine();
        return;
    }
    let state = with(h, |g| {
        if g.waiter.is_some() {
            Err(())
        } else if g.count == 0 {
            Ok(false)
        } else {
            g.waiter = Some(cid);
            Ok(true)
        }
    });
    match state {
        Err(()) => {
            // SAFETY: as above.
            misuse(
                unsafe { spl_ce_BadMethodCallException },
                "WaitGroup misuse: reused before previous wait has returned",
            );
            return;
        }
        Ok(false) => {
            rv.set_bool(true);
            return;
        }
        Ok(true) => {}
    }
    let done = wait_woken(cid, timeout);
    if !done {
        with(h, |g| g.waiter = None);
    }
    rv.set_bool(done);
}

fn wg_count(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(h) = handle(ex) else { return };
    rv.set_long(with(h, |g| g.count));
}

// ---- Barrier --------------------------------------------------------------------

fn barrier_make(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    *rv = zend::new_object(BARRIER.get());
}

/// The last holder let the barrier go: the coroutine in `wait()` resumes.
fn barrier_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(h) = handle(ex) else { return };
    if let Some(cid) = BARRIERS.with(|b| b.borrow_mut().remove(&h)) {
        if cid != current() {
            super::wake_soon(cid, zlong(1));
        }
    }
}

/// `Barrier::wait(Barrier &$barrier, float $timeout = -1)`: lets go of
/// the caller's reference, then waits until every other one is gone (or
/// the timeout passes).
fn barrier_wait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let timeout = timeout_ms_arg(&args, 1);
    let Some(h) = args
        .get(0)
        .and_then(zend::obj_ptr)
        .filter(|o| zend::instance_of(*o, BARRIER.get()))
        // SAFETY: a live object the argument holds.
        .map(|o| unsafe { (*o).handle })
    else {
        zend::throw_type_error(
            "Swoole\\Coroutine\\Barrier::wait(): Argument #1 ($barrier) must be of type Swoole\\Coroutine\\Barrier",
        );
        return;
    };
    let cid = current();
    if cid < 0 {
        throw_out_of_coroutine();
        return;
    }
    if BARRIERS.with(|b| b.borrow().contains_key(&h)) {
        zend::throw(
            super::super::server::EXCEPTION.get(),
            "The barrier is waiting, cannot wait again.",
            0,
        );
        return;
    }
    BARRIERS.with(|b| b.borrow_mut().insert(h, cid));
    // Our reference goes: if it was the last, the barrier is done now.
    args.set_ref(0, zend::znull());
    if BARRIERS.with(|b| b.borrow().get(&h) == Some(&cid)) && !wait_woken(cid, timeout) {
        BARRIERS.with(|b| b.borrow_mut().remove(&h));
    }
    rv.set_null();
}
