//! `Swoole\Coroutine\Scheduler`: coroutines added first (`add()`,
//! `parallel()`), then `start()` runs them all and the loop until nothing
//! is left, as `Co\run()` does for one.

use std::cell::RefCell;
use std::collections::HashMap;

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{m, Class, ClassSlot};
use super::super::zend::{self, Callback};

pub static SCHEDULER: ClassSlot = ClassSlot::new();

/// One `add()` / `parallel()`: the callable, its arguments, how many.
struct Task {
    func: Zval,
    args: Vec<Zval>,
    count: i64,
}

#[derive(Default)]
struct Scheduler {
    tasks: Vec<Task>,
    started: bool,
}

thread_local! {
    static SCHEDULERS: RefCell<HashMap<u32, Scheduler>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\Scheduler");
    c.methods = vec![
        m("add", sc_add, "callable $func, mixed ...$param", "void"),
        m(
            "parallel",
            sc_parallel,
            "int $n, callable $func, mixed ...$param",
            "void",
        ),
        m("set", sc_set, "array $settings", "void"),
        m("getOptions", sc_get_options, "", "?array"),
        m("start", sc_start, "", "bool"),
        m("__destruct", sc_destruct, "", ""),
    ];
    SCHEDULER.set(c.register());
    super::super::classes::alias("Co\\Scheduler", SCHEDULER.get());
}

pub fn clear() {
    let all = SCHEDULERS.with(|s| std::mem::take(&mut *s.borrow_mut()));
    drop(all);
}

fn handle(ex: &mut ExecuteData) -> Option<u32> {
    zend::this_object(ex).map(|(h, _)| h)
}

/// Adds `count` coroutines of `args[first]` with the arguments after it.
fn add(ex: &mut ExecuteData, rv: &mut Zval, with_count: bool) {
    let first = usize::from(with_count);
    let Some(args) = Args::parse(ex, first + 1, usize::MAX) else {
        return;
    };
    let count = if with_count {
        match args.long(0, "n") {
            Some(n) => n,
            None => return,
        }
    } else {
        1
    };
    let Some(func) = args.get(first).filter(|f| Callback::new(f).is_some()) else {
        let fname = super::super::args::function_name(ex);
        zend::throw_type_error(&format!(
            "{fname}(): Argument #{} ($func) must be a valid callback",
            first + 1
        ));
        return;
    };
    let task = Task {
        func: zend::zcopy(func),
        args: (first + 1..args.len())
            .filter_map(|i| args.get(i).map(zend::zcopy))
            .collect(),
        count,
    };
    let Some(h) = handle(ex) else { return };
    SCHEDULERS.with(|s| s.borrow_mut().entry(h).or_default().tasks.push(task));
    rv.set_null();
}

fn sc_add(ex: &mut ExecuteData, rv: &mut Zval) {
    add(ex, rv, false);
}

fn sc_parallel(ex: &mut ExecuteData, rv: &mut Zval) {
    add(ex, rv, true);
}

/// `set()`: as `Coroutine::set()`, and kept for `getOptions()`.
fn sc_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.get(0).filter(|z| z.is_array()).map(zend::zcopy) else {
        let fname = super::super::args::function_name(ex);
        zend::throw_type_error(&format!(
            "{fname}(): Argument #1 ($settings) must be of type array"
        ));
        return;
    };
    if let Some(set) = Callback::new(&zend::zstr("Swoole\\Coroutine::set")) {
        set.call(&mut [settings]);
    }
    rv.set_null();
}

/// `getOptions()`: the coroutine options (`Coroutine::getOptions()`, as
/// in Swoole: one set for the process).
fn sc_get_options(ex: &mut ExecuteData, rv: &mut Zval) {
    super::co_get_options(ex, rv);
}

fn sc_start(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some(h) = handle(ex) else { return };
    let tasks = SCHEDULERS.with(|s| {
        let mut s = s.borrow_mut();
        let sch = s.entry(h).or_default();
        if sch.started {
            return Err(
                "scheduler is started, unable to execute Swoole\\Coroutine\\Scheduler->start",
            );
        }
        if sch.tasks.is_empty() {
            return Err("no coroutine task");
        }
        if super::current() >= 0 || super::super::timer::in_event_loop() {
            return Err(
                "eventLoop has already been created. unable to start Swoole\\Coroutine\\Scheduler",
            );
        }
        sch.started = true;
        Ok(std::mem::take(&mut sch.tasks))
    });
    let tasks = match tasks {
        Ok(t) => t,
        Err(msg) => {
            super::super::errors::set_last_error(super::super::errors::PHP_FATAL_ERROR);
            zend::warning_docref(msg);
            return;
        }
    };
    for task in tasks {
        for _ in 0..task.count.max(0) {
            let args = task.args.iter().map(zend::zcopy).collect();
            super::spawn(&task.func, args);
        }
    }
    super::run_loop_to_end();
    SCHEDULERS.with(|s| {
        if let Some(sch) = s.borrow_mut().get_mut(&h) {
            sch.started = false;
        }
    });
    rv.set_bool(true);
}

fn sc_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(h) = handle(ex) else { return };
    let gone = SCHEDULERS.with(|s| s.borrow_mut().remove(&h));
    drop(gone);
}
