//! `Swoole\Lock` (`swoole_lock`): the PHP surface of `runtime/lock.rs`.
//! An object finds its lock by its handle; the lock itself lives in shared
//! memory, so the copy of this map a fork makes points every process at
//! the same lock.
//!
//! Swoole 6.2's API (`lock($operation = LOCK_EX, $timeout = -1)`,
//! `unlock()`, `$errCode`), and for old scripts Swoole 5's methods:
//! `trylock()`, `lock_read()`, `trylock_read()`, `lockwait($timeout)`.
//!
//! The mutex is robust (see `runtime/lock.rs`), which also means only its
//! holder can unlock it: `unlock()` from another process fails with
//! EPERM, where Swoole's plain mutex lets anyone unlock it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::zend;
use crate::runtime::lock::{LockKind, SharedLock, Wait, Want};

pub static LOCK: ClassSlot = ClassSlot::new();

thread_local! {
    static LOCKS: RefCell<HashMap<u32, SharedLock>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Lock");
    c.props = vec![("errCode", Default::Long(0), PUBLIC)];
    c.constants = vec![("MUTEX", 3), ("RWLOCK", 1), ("SPINLOCK", 5)];
    c.methods = vec![
        m("__construct", l_construct, "int $type = SWOOLE_MUTEX", ""),
        m(
            "lock",
            l_lock,
            "int $operation = LOCK_EX, float $timeout = -1",
            "bool",
        ),
        m("unlock", l_unlock, "", "bool"),
        // Swoole 5.
        m("trylock", l_trylock, "", "bool"),
        m("lock_read", l_lock_read, "", "bool"),
        m("trylock_read", l_trylock_read, "", "bool"),
        m("lockwait", l_lockwait, "float $timeout = 1.0", "bool"),
    ];
    LOCK.set(c.register());
    super::classes::alias("swoole_lock", LOCK.get());
}

fn l_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(ty) = args.long_or(0, "type", 3) else {
        return;
    };
    let Some((h, _)) = zend::this_object(ex) else {
        return;
    };
    if LOCKS.with(|l| l.borrow().contains_key(&h)) {
        // SAFETY: zend_ce_error is registered by the engine.
        zend::throw(
            unsafe { ext_php_rs::ffi::zend_ce_error },
            "Constructor of Swoole\\Lock can only be called once",
            0,
        );
        return;
    }
    let Some(kind) = LockKind::from_type(ty) else {
        // Swoole's text, its unformatted "%d" included.
        zend::throw(
            super::server::EXCEPTION.get(),
            "lock type[%d] is not support",
            0,
        );
        return;
    };
    match SharedLock::new(kind) {
        Ok(lock) => LOCKS.with(|l| {
            l.borrow_mut().insert(h, lock);
        }),
        Err(e) => zend::throw(
            super::server::EXCEPTION.get(),
            &format!("unable to allocate shared memory for the lock: {e}"),
            i64::from(e.raw_os_error().unwrap_or(0)),
        ),
    }
}

/// Runs `op` on this object's lock: true, or false with `$errCode` set.
fn with_lock(ex: &mut ExecuteData, rv: &mut Zval, op: impl FnOnce(&SharedLock) -> i32) {
    let Some((h, o)) = zend::this_object(ex) else {
        return;
    };
    let Some(lock) = LOCKS.with(|l| l.borrow().get(&h).copied()) else {
        // SAFETY: zend_ce_error is registered by the engine.
        zend::throw(
            unsafe { ext_php_rs::ffi::zend_ce_error },
            "you must call Lock constructor first",
            0,
        );
        return;
    };
    let rc = op(&lock);
    if rc != 0 {
        zend::set_prop(o, "errCode", zend::zlong(i64::from(rc)));
    }
    rv.set_bool(rc == 0);
}

/// Swoole's `$timeout` in seconds: only a positive one limits the wait.
fn wait_for(timeout: f64) -> Wait {
    if timeout > 0.0 && timeout.is_finite() {
        Wait::For(Duration::from_secs_f64(timeout.max(0.001)))
    } else {
        Wait::Forever
    }
}

fn l_lock(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(operation) = args.long_or(0, "operation", i64::from(libc::LOCK_EX)) else {
        return;
    };
    let timeout = args.float_or(1, -1.0);
    let want = Want {
        shared: operation & i64::from(libc::LOCK_SH) != 0,
        wait: if operation & i64::from(libc::LOCK_NB) != 0 {
            Wait::No
        } else {
            wait_for(timeout)
        },
    };
    with_lock(ex, rv, |l| l.lock(want));
}

fn l_unlock(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    with_lock(ex, rv, SharedLock::unlock);
}

fn simple(ex: &mut ExecuteData, rv: &mut Zval, want: Want) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    with_lock(ex, rv, |l| l.lock(want));
}

fn l_trylock(ex: &mut ExecuteData, rv: &mut Zval) {
    let want = Want {
        shared: false,
        wait: Wait::No,
    };
    simple(ex, rv, want);
}

fn l_lock_read(ex: &mut ExecuteData, rv: &mut Zval) {
    let want = Want {
        shared: true,
        wait: Wait::Forever,
    };
    simple(ex, rv, want);
}

fn l_trylock_read(ex: &mut ExecuteData, rv: &mut Zval) {
    let want = Want {
        shared: true,
        wait: Wait::No,
    };
    simple(ex, rv, want);
}

fn l_lockwait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, 1.0);
    let want = Want {
        shared: false,
        wait: Wait::For(Duration::from_secs_f64(
            if timeout.is_finite() { timeout } else { 1.0 }.max(0.001),
        )),
    };
    with_lock(ex, rv, |l| l.lock(want));
}
