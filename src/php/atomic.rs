//! `Swoole\Atomic` and `Swoole\Atomic\Long`: the PHP surface of the shared
//! counters in `runtime/atomic.rs`. An object finds its counter by its
//! handle; the counter itself lives in shared memory, so a copy of this
//! map made by `fork` points every process at the same counters.

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, Class, ClassSlot};
use super::zend;
use crate::runtime::atomic::{Atomic32, Atomic64};

pub static ATOMIC: ClassSlot = ClassSlot::new();
pub static ATOMIC_LONG: ClassSlot = ClassSlot::new();

#[derive(Clone, Copy)]
enum Counter {
    U32(Atomic32),
    I64(Atomic64),
}

thread_local! {
    static COUNTERS: RefCell<HashMap<u32, Counter>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Atomic");
    c.methods = vec![
        m("__construct", a_construct, "int $value = 0", ""),
        m("add", a_add, "int $add_value = 1", "int"),
        m("sub", a_sub, "int $sub_value = 1", "int"),
        m("get", a_get, "", "int"),
        m("set", a_set, "int $value", "void"),
        m("cmpset", a_cmpset, "int $cmp_value, int $new_value", "bool"),
        m("wait", a_wait, "float $timeout = 1.0", "bool"),
        m("wakeup", a_wakeup, "int $count = 1", "bool"),
    ];
    ATOMIC.set(c.register());
    let mut c = Class::new("Swoole\\Atomic\\Long");
    c.methods = vec![
        m("__construct", l_construct, "int $value = 0", ""),
        m("add", a_add, "int $add_value = 1", "int"),
        m("sub", a_sub, "int $sub_value = 1", "int"),
        m("get", a_get, "", "int"),
        m("set", a_set, "int $value", "void"),
        m("cmpset", a_cmpset, "int $cmp_value, int $new_value", "bool"),
    ];
    ATOMIC_LONG.set(c.register());
    // Swoole 4's names.
    super::classes::alias("swoole_atomic", ATOMIC.get());
    super::classes::alias("swoole_atomic_long", ATOMIC_LONG.get());
}

fn handle(ex: &mut ExecuteData) -> Option<u32> {
    zend::this_object(ex).map(|(h, _)| h)
}

/// `$this`'s counter, or Swoole's error for an object whose constructor
/// never ran.
fn counter(ex: &mut ExecuteData) -> Option<Counter> {
    let h = handle(ex)?;
    if let Some(found) = COUNTERS.with(|c| c.borrow().get(&h).copied()) {
        return Some(found);
    }
    // Made without its constructor (Reflection's newInstanceWithoutConstructor):
    // Swoole allocates the value with the object, so it holds 0.
    let (_, o) = zend::this_object(ex)?;
    let made = if zend::instance_of(o, ATOMIC_LONG.get()) {
        Atomic64::new(0).map(Counter::I64)
    } else {
        Atomic32::new(0).map(Counter::U32)
    };
    match made {
        Ok(counter) => {
            COUNTERS.with(|c| c.borrow_mut().insert(h, counter));
            Some(counter)
        }
        Err(e) => {
            zend::throw(
                super::server::EXCEPTION.get(),
                &format!("unable to allocate shared memory for the atomic: {e}"),
                i64::from(e.raw_os_error().unwrap_or(0)),
            );
            None
        }
    }
}

fn construct(ex: &mut ExecuteData, make: impl FnOnce(i64) -> std::io::Result<Counter>) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(value) = args.long_or(0, "value", 0) else {
        return;
    };
    let Some(h) = handle(ex) else { return };
    match make(value) {
        Ok(counter) => COUNTERS.with(|c| {
            c.borrow_mut().insert(h, counter);
        }),
        Err(e) => zend::throw(
            super::server::EXCEPTION.get(),
            &format!("unable to allocate shared memory for the atomic: {e}"),
            i64::from(e.raw_os_error().unwrap_or(0)),
        ),
    }
}

fn a_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    // Swoole keeps a 32-bit unsigned value: PHP's int is cut to it.
    construct(ex, |v| Atomic32::new(v as u32).map(Counter::U32));
}

fn l_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    construct(ex, |v| Atomic64::new(v).map(Counter::I64));
}

/// The one integer argument of `add`/`sub`/`set` (default `default`).
fn int_arg(ex: &mut ExecuteData, name: &str, default: Option<i64>) -> Option<i64> {
    let min = usize::from(default.is_none());
    let args = Args::parse(ex, min, 1)?;
    match default {
        Some(d) => args.long_or(0, name, d),
        None => args.long(0, name),
    }
}

fn a_add(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(n) = int_arg(ex, "add_value", Some(1)) else {
        return;
    };
    let Some(c) = counter(ex) else { return };
    rv.set_long(match c {
        Counter::U32(a) => i64::from(a.add(n as u32)),
        Counter::I64(a) => a.add(n),
    });
}

fn a_sub(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(n) = int_arg(ex, "sub_value", Some(1)) else {
        return;
    };
    let Some(c) = counter(ex) else { return };
    rv.set_long(match c {
        Counter::U32(a) => i64::from(a.sub(n as u32)),
        Counter::I64(a) => a.sub(n),
    });
}

fn a_get(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    let Some(c) = counter(ex) else { return };
    rv.set_long(match c {
        Counter::U32(a) => i64::from(a.get()),
        Counter::I64(a) => a.get(),
    });
}

fn a_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(v) = int_arg(ex, "value", None) else {
        return;
    };
    let Some(c) = counter(ex) else { return };
    match c {
        Counter::U32(a) => a.set(v as u32),
        Counter::I64(a) => a.set(v),
    }
    rv.set_null();
}

fn a_cmpset(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let (Some(current), Some(new)) = (args.long(0, "cmp_value"), args.long(1, "new_value")) else {
        return;
    };
    let Some(c) = counter(ex) else { return };
    rv.set_bool(match c {
        Counter::U32(a) => a.cmpset(current as u32, new as u32),
        Counter::I64(a) => a.cmpset(current, new),
    });
}

fn a_wait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, 1.0);
    let Some(Counter::U32(a)) = counter(ex) else {
        return;
    };
    // A negative timeout waits for as long as it takes (Swoole's -1).
    let timeout =
        (timeout >= 0.0).then(|| std::time::Duration::from_secs_f64(timeout.min(315_360_000.0)));
    let woken = a.wait(timeout);
    if !woken {
        // As Swoole's futex wait leaves it: errno ETIMEDOUT (swoole_errno()),
        // swoole_last_error() untouched.
        // SAFETY: this thread's errno.
        unsafe { *libc::__errno_location() = libc::ETIMEDOUT };
    }
    rv.set_bool(woken);
}

fn a_wakeup(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(count) = args.long_or(0, "count", 1) else {
        return;
    };
    let Some(Counter::U32(a)) = counter(ex) else {
        return;
    };
    a.wakeup(count.clamp(1, i64::from(i32::MAX)) as i32);
    rv.set_bool(true);
}
