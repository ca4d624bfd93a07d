//! Swoole's coroutines on PHP's own fibers.
//!
//! A coroutine is a `Fiber` object running the script's callable. `go()`
//! starts it at once, as Swoole does: it runs until it waits, and then
//! `go()` returns to the parent. A coroutine that waits (`Co::sleep()`, a
//! `Channel`, a `WaitGroup`) says what wakes it (a timer of the worker's
//! loop, another coroutine) and suspends its fiber; whatever wakes it
//! resumes the fiber from where it is, the loop or another coroutine.
//! Everything runs on the PHP thread; PHP's GC, exceptions, `finally` and
//! other fiber users keep working because these are the engine's fibers.
//!
//! Outside a server, waiting coroutines are driven by the same loop as
//! `Swoole\Timer`: `Co\run()` runs it until nothing is left, and coroutines
//! started by a plain `go()` are driven when the script ends (Swoole's
//! `Event::wait()` at shutdown).

mod channel;
pub mod exit;
pub mod io;
mod scheduler;
mod sync;
mod system;

pub(super) use system::exit_array;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Instant;

use ext_php_rs::ffi::zend_class_entry;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{sm, Class, ClassSlot};
use super::state;
use super::zend::{self, zarray, zlong, znull, zstr, CallOutcome, Callback};
use crate::worker::timers;

extern "C" {
    static zend_ce_fiber: *mut zend_class_entry;
    fn zend_fiber_switch_blocked() -> bool;
    static spl_ce_ArrayObject: *mut zend_class_entry;
    static spl_ce_ArrayIterator: *mut zend_class_entry;
}

pub static COROUTINE: ClassSlot = ClassSlot::new();
pub static CONTEXT: ClassSlot = ClassSlot::new();
pub static ERROR: ClassSlot = ClassSlot::new();
pub static CANCELED_EXCEPTION: ClassSlot = ClassSlot::new();

/// Swoole's error for a coroutine API called outside any coroutine.
pub const OUT_OF_COROUTINE: &str = "API must be called in the coroutine";

/// One coroutine.
struct Coro {
    /// Its fiber: the `Fiber` object and its `resume` method, resolved.
    fiber: Fiber,
    pcid: i64,
    /// `Coroutine::defer()` callables, run last first when it ends.
    defers: Vec<Callback>,
    /// `Coroutine::getContext()`: made on first use.
    context: Option<Zval>,
    started: Instant,
    /// Suspended by `Coroutine::yield()`: only `Coroutine::resume()` wakes it.
    yielded: bool,
    /// Runs when it ends, after its defers (a server callback's follow-up).
    on_end: Option<Box<dyn FnOnce()>>,
    /// While it waits in something `Coroutine::cancel()` may end: stops
    /// that wait and gives what to resume it with.
    cancel: Option<Box<dyn FnOnce() -> Zval>>,
    /// Its last wait was canceled (`Coroutine::isCanceled()`).
    canceled: bool,
    /// `cancel($cid, true)`: a `CanceledException` is thrown where it
    /// resumes.
    throw_canceled: bool,
}

thread_local! {
    /// Boxed: the map moves pointers, not whole coroutines, as they come
    /// and go (one per server callback).
    static COROS: RefCell<BTreeMap<i64, Box<Coro>>> = const { RefCell::new(BTreeMap::new()) };
    static CURRENT: Cell<i64> = const { Cell::new(-1) };
    static NEXT_CID: Cell<i64> = const { Cell::new(1) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    /// An uncaught exception in a coroutine that runs outside a server:
    /// the script ends (a fatal error, as in Swoole) once back in PHP.
    static FATAL: Cell<bool> = const { Cell::new(false) };
    /// The request's shutdown functions have begun.
    static SHUTTING_DOWN: Cell<bool> = const { Cell::new(false) };
    /// `max_coroutine`: live coroutines at most (Swoole's default 100000).
    static MAX_COROUTINES: Cell<usize> = const { Cell::new(DEFAULT_MAX_COROUTINES) };
    /// What `Coroutine::set()` was given (`Coroutine::getOptions()`).
    static OPTIONS: RefCell<Option<Zval>> = const { RefCell::new(None) };
    /// `swoole_async_set(['enable_coroutine' => ...])`: whether timer and
    /// event callbacks outside a server run in a coroutine (Swoole's
    /// `SwooleG.enable_coroutine`, default on).
    static ENABLE_COROUTINE: Cell<bool> = const { Cell::new(true) };
}

/// Whether timer and event callbacks outside a server get a coroutine.
pub fn callbacks_in_coroutine() -> bool {
    ENABLE_COROUTINE.with(Cell::get)
}

/// `swoole_async_set(array $settings)`: the process-wide options;
/// `enable_coroutine` and those `Coroutine::set()` also takes.
pub fn fn_async_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(options) = args.array(0, "settings") else {
        return;
    };
    if let Some(v) = options.get("enable_coroutine") {
        ENABLE_COROUTINE.with(|c| c.set(v.is_true()));
    }
    apply_options(options);
    rv.set_bool(true);
}

/// `SW_DEFAULT_MAX_CORO_NUM`.
const DEFAULT_MAX_COROUTINES: usize = 100_000;

/// RINIT: registers [`fn_shutdown_begin`] as the first shutdown function.
pub fn request_startup() {
    SHUTTING_DOWN.with(|s| s.set(false));
    if let Some(register) = Callback::new(&zstr("register_shutdown_function")) {
        register.call(&mut [zstr("swoole_internal_call_user_shutdown_begin")]);
    }
}

/// `swoole_internal_call_user_shutdown_begin()`: the first shutdown
/// function of every request (a script calling it gets Swoole's warning).
pub fn fn_shutdown_begin(_ex: &mut ExecuteData, rv: &mut Zval) {
    if SHUTTING_DOWN.with(|s| s.replace(true)) {
        zend::warning_docref("can not call this function in user level");
        rv.set_bool(false);
        return;
    }
    rv.set_bool(true);
}

/// Whether the caller of the running PHP function is a `__destruct`.
fn called_from_destructor(ex: &ExecuteData) -> bool {
    let ex: *const ext_php_rs::ffi::zend_execute_data = ex;
    // SAFETY: the live frame of this call and its caller's, read only.
    unsafe {
        let prev = (*ex).prev_execute_data;
        if prev.is_null() || (*prev).func.is_null() {
            return false;
        }
        let name = (*(*prev).func).common.function_name;
        !name.is_null() && (*name).as_bytes() == b"__destruct"
    }
}

/// The running coroutine's id, -1 outside any.
pub fn current() -> i64 {
    CURRENT.with(Cell::get)
}

/// The most coroutines that ran at once (`coroutine_peak_num`).
pub fn peak() -> usize {
    PEAK.with(Cell::get)
}

pub fn count() -> usize {
    COROS.with(|c| c.borrow().len())
}

pub fn register() {
    let mut e = Class::new("Swoole\\Error");
    // SAFETY: the engine registers Error at startup.
    e.parent = Some(unsafe { ext_php_rs::ffi::zend_ce_error });
    ERROR.set(e.register());
    let mut c = Class::new("Swoole\\Coroutine");
    c.methods = vec![
        sm(
            "create",
            co_create,
            "callable $func, mixed ...$param",
            "int|false",
        ),
        sm("getCid", co_get_cid, "", "int"),
        sm("getuid", co_get_cid, "", "int"),
        sm("getPcid", co_get_pcid, "int $cid = 0", "int|false"),
        sm("exists", co_exists, "int $cid", "bool"),
        sm("sleep", co_sleep, "float $seconds", "bool"),
        sm("yield", co_yield, "", "bool"),
        sm("suspend", co_yield, "", "bool"),
        sm("resume", co_resume, "int $cid", "bool"),
        sm("defer", co_defer, "callable $callback", "void"),
        sm(
            "getContext",
            co_get_context,
            "int $cid = 0",
            "?Swoole\\Coroutine\\Context",
        ),
        sm("list", co_list, "", "Swoole\\Coroutine\\Iterator"),
        sm("listCoroutines", co_list, "", "Swoole\\Coroutine\\Iterator"),
        sm("stats", co_stats, "", "array"),
        sm("getElapsed", co_get_elapsed, "int $cid = 0", "int"),
        sm(
            "cancel",
            co_cancel,
            "int $cid, bool $throw_exception = false",
            "bool",
        ),
        sm("isCanceled", co_is_canceled, "", "bool"),
        sm(
            "join",
            co_join,
            "array $cid_array, float $timeout = -1",
            "bool",
        ),
        sm("set", co_set, "array $options", "void"),
        sm("getOptions", co_get_options, "", "?array"),
        sm(
            "getBackTrace",
            co_get_back_trace,
            "int $cid = 0, int $options = DEBUG_BACKTRACE_PROVIDE_OBJECT, int $limit = 0",
            "array|false",
        ),
        sm(
            "printBackTrace",
            co_print_back_trace,
            "int $cid = 0, int $options = 0, int $limit = 0",
            "void",
        ),
        sm("__main", fiber_main, "", "void"),
    ];
    c.methods.extend(system::methods());
    COROUTINE.set(c.register());
    let mut ctx = Class::new("Swoole\\Coroutine\\Context");
    // SAFETY: SPL registers ArrayObject before any extension's MINIT.
    ctx.parent = Some(unsafe { spl_ce_ArrayObject });
    CONTEXT.set(ctx.register());
    let mut canceled = Class::new("Swoole\\Coroutine\\CanceledException");
    // SAFETY: the engine registers Exception at startup.
    canceled.parent = Some(unsafe { ext_php_rs::ffi::zend_ce_exception });
    CANCELED_EXCEPTION.set(canceled.register());
    let mut it = Class::new("Swoole\\Coroutine\\Iterator");
    // SAFETY: as above.
    it.parent = Some(unsafe { spl_ce_ArrayIterator });
    ITERATOR.set(it.register());
    // Swoole's short names (`SWOOLE_USE_SHORTNAME`, on by default).
    super::classes::alias("Co", COROUTINE.get());
    super::classes::alias("Co\\Context", CONTEXT.get());
    channel::register();
    sync::register();
    system::register();
    scheduler::register();
}

pub static ITERATOR: ClassSlot = ClassSlot::new();

/// A pooled fiber: its object and resolved `resume` method.
struct Fiber {
    obj: Zval,
    resume: Callback,
}

impl Clone for Fiber {
    fn clone(&self) -> Self {
        Fiber {
            obj: zend::zcopy(&self.obj),
            resume: self.resume.clone(),
        }
    }
}

/// What a coroutine runs, handed to the fiber that runs it.
struct Job {
    cid: i64,
    work: Work,
}

/// A coroutine's body: a PHP callable, or Rust code of this extension
/// that waits as coroutines do (a coroutine server's connection).
enum Work {
    Php(Callback, Vec<Zval>),
    Native(Box<dyn FnOnce()>),
}

thread_local! {
    /// The job the fiber being started or resumed picks up.
    static NEXT_JOB: RefCell<Option<Job>> = const { RefCell::new(None) };
    /// Fibers waiting for a job, suspended at the top of their loop: a
    /// coroutine costs two fiber switches, not a fiber (and its stack).
    static IDLE: RefCell<Vec<Fiber>> = const { RefCell::new(Vec::new()) };
    /// `Fiber::suspend`, resolved once.
    static SUSPEND: RefCell<Option<Rc<Callback>>> = const { RefCell::new(None) };
    /// Server callbacks queued while a batch is open ([`open_batch`]).
    static QUEUED: RefCell<std::collections::VecDeque<Queued>> =
        const { RefCell::new(std::collections::VecDeque::new()) };
    /// Open batches: callbacks spawned from the loop are queued meanwhile.
    static BATCHES: Cell<u32> = const { Cell::new(0) };
    /// How many fibers run one inside the other now (0: the loop's stack).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// When the batch being run began: the creation time of its
    /// coroutines (one clock read a batch, not one a message; they were
    /// all read at once).
    static BATCH_STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// A server callback waiting for its batch to run ([`spawn_queued`]).
struct Queued {
    work: Work,
    on_end: Option<Box<dyn FnOnce()>>,
    /// The connection whose event it handles: dropped if that is closing
    /// by the time it would start (a callback before it in the batch may
    /// have closed it).
    conn: Rc<crate::runtime::Connection>,
}

/// Suspends the running fiber; what it is resumed with (None: it is being
/// destroyed, or could not suspend).
fn suspend_fiber() -> Option<Zval> {
    let suspend = SUSPEND.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            *s = Callback::new(&zstr("Fiber::suspend")).map(Rc::new);
        }
        s.clone()
    })?;
    let mut got = znull();
    let mine = ErrorHandling::set_aside();
    let outcome = suspend.call_unguarded(&mut [], |rv| got = zend::zcopy(rv));
    mine.restore();
    (outcome == CallOutcome::Ok).then_some(got)
}

/// Fibers kept idle at most.
const MAX_IDLE: usize = 64;

/// Starts a coroutine running `func(...args)`; it runs until it first
/// waits (or ends). `on_end` runs when it ends, after its defers.
pub fn spawn_with(func: &Zval, args: Vec<Zval>, on_end: Option<Box<dyn FnOnce()>>) -> Option<i64> {
    spawn_callback(Callback::new(func)?, args, on_end)
}

/// [`spawn_with`] for an already resolved callable (a server callback).
pub fn spawn_callback(
    func: Callback,
    args: Vec<Zval>,
    on_end: Option<Box<dyn FnOnce()>>,
) -> Option<i64> {
    spawn_work(Work::Php(func, args), on_end)
}

/// Starts a coroutine running Rust code (`f` may wait as a coroutine).
pub fn spawn_native(f: Box<dyn FnOnce()>) -> Option<i64> {
    spawn_work(Work::Native(f), None)
}

fn spawn_work(work: Work, on_end: Option<Box<dyn FnOnce()>>) -> Option<i64> {
    // A coroutine needs a loop, as Swoole's go() creates its reactor.
    super::timer::need_loop();
    let idle = IDLE.with(|i| i.borrow_mut().pop());
    let (fiber, fresh) = match idle {
        Some(f) => (f, false),
        None => {
            // SAFETY: the engine registers Fiber at startup.
            let obj = zend::new_object(unsafe { zend_ce_fiber });
            let construct = zend::method(&obj, "__construct")?;
            if construct.call(&mut [zstr("Swoole\\Coroutine::__main")]) != CallOutcome::Ok {
                return None;
            }
            let resume = zend::method(&obj, "resume")?;
            (Fiber { obj, resume }, true)
        }
    };
    let cid = register_coro(fiber.clone(), current(), on_end, None);
    let job = Job { cid, work };
    let start = move || {
        NEXT_JOB.with(|j| *j.borrow_mut() = Some(job));
        if fresh {
            let prev = CURRENT.with(|c| c.replace(cid));
            let outer = ErrorHandling::set_aside();
            DEPTH.with(|d| d.set(d.get() + 1));
            let outcome =
                zend::method(&fiber.obj, "start").map_or(CallOutcome::Ok, |m| m.call(&mut []));
            DEPTH.with(|d| d.set(d.get() - 1));
            outer.restore();
            CURRENT.with(|c| c.set(prev));
            uncaught(outcome);
        } else {
            run_fiber(cid, &fiber, znull());
        }
    };
    // SAFETY: reads the engine's flag; no arguments.
    if unsafe { zend_fiber_switch_blocked() } {
        // PHP allows no fiber switch here (a destructor, the GC): the
        // coroutine starts from the loop (spawn_work made it needed)
        // instead of at once.
        timers::defer(Box::new(start));
    } else {
        start();
    }
    Some(cid)
}

/// Makes coroutine `pcid`'s child that runs on `fiber` known: its id.
/// `reuse`: the box of a coroutine that just ended, filled anew (a batch
/// goes from one to the next without giving memory back and forth).
fn register_coro(
    fiber: Fiber,
    pcid: i64,
    on_end: Option<Box<dyn FnOnce()>>,
    reuse: Option<Box<Coro>>,
) -> i64 {
    let cid = NEXT_CID.with(|n| n.replace(n.get() + 1));
    let started = match BATCH_STARTED.with(Cell::get) {
        Some(t) if pcid < 0 => t,
        _ => Instant::now(),
    };
    let fresh = Coro {
        fiber,
        pcid,
        defers: Vec::new(),
        context: None,
        started,
        yielded: false,
        on_end,
        cancel: None,
        canceled: false,
        throw_canceled: false,
    };
    let coro = match reuse {
        Some(mut boxed) => {
            *boxed = fresh;
            boxed
        }
        None => Box::new(fresh),
    };
    let live = COROS.with(|c| {
        let mut c = c.borrow_mut();
        c.insert(cid, coro);
        c.len()
    });
    PEAK.with(|p| p.set(p.get().max(live)));
    cid
}

/// [`spawn_callback`] for a server callback of an event the loop read
/// together with others: while a batch is open ([`open_batch`]) it is
/// queued, and the batch's callbacks run when it closes, one after the
/// other on one fiber for as long as none waits. Each is still a
/// coroutine of its own (its id, context, defers), started in order, each
/// once the one before it ended or waits, as if spawned one by one; only
/// the two fiber switches per callback are saved. It is dropped if `conn`
/// is closing by the time it would start. Outside a batch, or inside a
/// coroutine, it starts now.
pub fn spawn_queued(
    func: Callback,
    args: Vec<Zval>,
    on_end: Option<Box<dyn FnOnce()>>,
    conn: &Rc<crate::runtime::Connection>,
) -> Option<i64> {
    if BATCHES.with(Cell::get) == 0 || current() >= 0 {
        return spawn_callback(func, args, on_end);
    }
    QUEUED.with(|q| {
        q.borrow_mut().push_back(Queued {
            work: Work::Php(func, args),
            on_end,
            conn: Rc::clone(conn),
        })
    });
    // Queued: its id is given when it starts.
    Some(0)
}

/// Opens a batch: server callbacks spawned from the loop
/// ([`spawn_queued`]) wait for [`close_batch`].
pub fn open_batch() {
    BATCHES.with(|b| b.set(b.get() + 1));
}

/// Closes a batch; the last one to close runs the queued callbacks (or
/// drops them: `run` false).
pub fn close_batch(run: bool) {
    let open = BATCHES.with(|b| {
        let n = b.get().saturating_sub(1);
        b.set(n);
        n
    });
    if open > 0 {
        return;
    }
    if run {
        run_queued();
    } else {
        let dropped = QUEUED.with(|q| std::mem::take(&mut *q.borrow_mut()));
        drop(dropped);
    }
}

/// The next queued callback still wanted.
fn next_queued() -> Option<Queued> {
    loop {
        let q = QUEUED.with(|q| q.borrow_mut().pop_front())?;
        if !q.conn.is_closing() {
            return Some(q);
        }
    }
}

/// Runs the queued callbacks, from the loop: the first on a fiber, which
/// goes on with the next ones itself ([`fiber_main`]); when one waits,
/// the rest go on another fiber.
fn run_queued() {
    if QUEUED.with(|q| q.borrow().is_empty()) {
        return;
    }
    BATCH_STARTED.with(|b| b.set(Some(Instant::now())));
    // Cleared however this ends (an exit() unwinds through here).
    struct Started;
    impl Drop for Started {
        fn drop(&mut self) {
            BATCH_STARTED.with(|b| b.set(None));
        }
    }
    let _started = Started;
    while let Some(q) = next_queued() {
        if spawn_work(q.work, q.on_end).is_none() {
            // No fiber could be made: PHP said why; the others still run.
            continue;
        }
    }
}

/// Starts a coroutine running `func(...args)`.
pub fn spawn(func: &Zval, args: Vec<Zval>) -> Option<i64> {
    spawn_with(func, args, None)
}

/// Resumes `fiber` (running coroutine `cid`) until it suspends: the
/// coroutine waits, or it ended and its fiber went back to the pool.
fn run_fiber(cid: i64, fiber: &Fiber, value: Zval) {
    let prev = CURRENT.with(|c| c.replace(cid));
    let outer = ErrorHandling::set_aside();
    DEPTH.with(|d| d.set(d.get() + 1));
    let outcome = fiber.resume.call(&mut [value]);
    DEPTH.with(|d| d.set(d.get() - 1));
    outer.restore();
    CURRENT.with(|c| c.set(prev));
    uncaught(outcome);
}

/// Engine state that belongs to the code running, not to the thread: the
/// error handling mode a constructor sets while it runs (PDO's throws
/// its warnings as PDOException: `EH_THROW` and the exception class). A
/// coroutine that waits inside such a constructor must not lend its mode
/// to the others, so it is set aside at every switch and put back after
/// (Swoole does the same).
struct ErrorHandling {
    mode: ext_php_rs::ffi::zend_error_handling_t,
    class: *mut ext_php_rs::ffi::zend_class_entry,
}

impl ErrorHandling {
    /// Takes the current mode, leaving PHP's normal one.
    fn set_aside() -> ErrorHandling {
        let eg = zend::executor_globals_ptr();
        // SAFETY: the static executor globals, on the PHP thread, with no
        // reference kept (see `executor_globals_ptr`).
        unsafe {
            let Some(eg) = eg.as_mut() else {
                return ErrorHandling {
                    mode: 0,
                    class: std::ptr::null_mut(),
                };
            };
            let saved = ErrorHandling {
                mode: eg.error_handling,
                class: eg.exception_class,
            };
            eg.error_handling = 0; // EH_NORMAL
            eg.exception_class = std::ptr::null_mut();
            saved
        }
    }

    fn restore(self) {
        // SAFETY: as in `set_aside`.
        if let Some(eg) = unsafe { zend::executor_globals_ptr().as_mut() } {
            eg.error_handling = self.mode;
            eg.exception_class = self.class;
        }
    }
}

/// The body of every pooled fiber (`Swoole\Coroutine::__main`): runs
/// the job it was started or resumed with, ends that coroutine, then
/// waits idle for the next job.
fn fiber_main(_ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_null();
    let mut job = NEXT_JOB.with(|j| j.borrow_mut().take());
    loop {
        let Some(Job { cid, work }) = job.take() else {
            return;
        };
        let outcome = match work {
            Work::Php(func, mut args) => {
                let outcome = func.call(&mut args);
                drop(args);
                drop(func);
                outcome
            }
            Work::Native(f) => {
                f();
                CallOutcome::Ok
            }
        };
        let ended = finish(cid);
        uncaught(outcome);
        if outcome == CallOutcome::Exit || FATAL.with(Cell::get) {
            // exit() or a fatal error: this fiber ends with it.
            return;
        }
        let Some((fiber, spare)) = ended else {
            return;
        };
        // Straight on with the batch's next callback, on this fiber,
        // when resumed from the loop (a fiber resumed by another
        // coroutine goes back to it instead).
        if DEPTH.with(Cell::get) == 1 {
            if let Some(q) = next_queued() {
                let cid = register_coro(fiber, -1, q.on_end, Some(spare));
                CURRENT.with(|c| c.set(cid));
                job = Some(Job { cid, work: q.work });
                continue;
            }
        }
        drop(spare);
        // Back to the pool, then wait for the next job.
        let pooled = IDLE.with(|i| {
            let mut i = i.borrow_mut();
            if i.len() < MAX_IDLE {
                i.push(fiber);
                true
            } else {
                false
            }
        });
        if !pooled || suspend_fiber().is_none() {
            // Too many idle, or destroyed while idle (the script ends).
            return;
        }
        job = NEXT_JOB.with(|j| j.borrow_mut().take());
    }
}

/// What an uncaught exception (or `exit()`) in a coroutine does: in a
/// server, what it does in any callback; elsewhere the script ends with
/// the fatal error PHP printed, once control is back in PHP.
fn uncaught(outcome: CallOutcome) {
    if outcome == CallOutcome::Ok {
        return;
    }
    if let Some(st) = state::current().filter(|s| s.running.get()) {
        st.after_call(outcome);
        return;
    }
    if matches!(outcome, CallOutcome::Reported | CallOutcome::Bailout) {
        FATAL.with(|f| f.set(true));
        ENDED_BY_FATAL.with(|f| f.set(true));
        // Nothing more runs: the loop driving coroutines ends.
        timers::timers().clear_all();
        io::abort_all();
    }
}

thread_local! {
    /// A coroutine's fatal error ended the script (stays set, unlike
    /// FATAL, which the bailout consumes).
    static ENDED_BY_FATAL: Cell<bool> = const { Cell::new(false) };
}

/// Whether a coroutine's fatal error ended the script.
pub fn ended_by_fatal_error() -> bool {
    ENDED_BY_FATAL.with(Cell::get)
}

/// Ends the script after a coroutine's fatal error, if one happened;
/// called from PHP entry points only (never from inside the loop).
pub(super) fn bail_if_fatal() {
    if FATAL.with(|f| f.replace(false)) {
        ext_php_rs::zend::ExecutorGlobals::get_mut().exit_status = 255;
        // SAFETY: called from a PHP function's body with nothing on this
        // frame that needs dropping: PHP ends the script here.
        unsafe { ext_php_rs::zend::bailout() };
    }
}

/// A coroutine ended: its defers run (last first, still as that
/// coroutine), then it is forgotten; its fiber, to go back to the pool.
fn finish(cid: i64) -> Option<(Fiber, Box<Coro>)> {
    // One map operation for the usual coroutine, which has no defers.
    let Some(mut coro) = COROS.with(|c| c.borrow_mut().remove(&cid)) else {
        joined(cid);
        return None;
    };
    if !coro.defers.is_empty() {
        let defers = std::mem::take(&mut coro.defers);
        // Still known while its defers run: they may ask for its id or
        // context.
        COROS.with(|c| c.borrow_mut().insert(cid, coro));
        let prev = CURRENT.with(|c| c.replace(cid));
        for d in defers.iter().rev() {
            uncaught(d.call(&mut []));
        }
        CURRENT.with(|c| c.set(prev));
        let gone = COROS.with(|c| c.borrow_mut().remove(&cid));
        let Some(again) = gone else {
            joined(cid);
            return None;
        };
        coro = again;
    }
    joined(cid);
    // Dropped outside the borrow: a fiber's destructor runs PHP code.
    if let Some(end) = coro.on_end.take() {
        let prev = CURRENT.with(|c| c.replace(cid));
        end();
        CURRENT.with(|c| c.set(prev));
    }
    // The box is kept for the next coroutine of a batch: its fiber moved
    // out, what else it holds (a context) released here, as before.
    let fiber = coro.fiber.clone();
    coro.context = None;
    coro.defers = Vec::new();
    Some((fiber, coro))
}

/// Suspends the running coroutine until [`wake`]; returns what the waker
/// passed. None outside a coroutine (Swoole's error is thrown), and when
/// the fiber is being destroyed instead of woken (the script ends with it
/// still waiting): the caller returns at once, leaving PHP's pending exit
/// to unwind the coroutine.
pub fn suspend() -> Option<Zval> {
    if current() < 0 {
        throw_out_of_coroutine();
        return None;
    }
    suspend_fiber()
}

/// [`suspend`] in a wait `Coroutine::cancel()` may end: `cancel` stops
/// the wait and gives the value to resume with. A pending
/// `cancel($cid, true)` throws its exception once resumed.
pub fn suspend_cancelable(cancel: Box<dyn FnOnce() -> Zval>) -> Option<Zval> {
    let cid = current();
    with_coro(cid, |c| {
        c.canceled = false;
        c.cancel = Some(cancel);
    });
    let v = suspend();
    let throw = with_coro(cid, |c| {
        c.cancel = None;
        std::mem::replace(&mut c.throw_canceled, false)
    });
    if throw == Some(true) {
        zend::throw(CANCELED_EXCEPTION.get(), "", 0);
    }
    v
}

fn with_coro<R>(cid: i64, f: impl FnOnce(&mut Coro) -> R) -> Option<R> {
    COROS.with(|c| c.borrow_mut().get_mut(&cid).map(|c| f(c)))
}

/// Whether the running coroutine's last wait was canceled.
pub fn is_canceled() -> bool {
    with_coro(current(), |c| c.canceled).unwrap_or(false)
}

/// Forgets every coroutine (request shutdown): the fibers go while PHP
/// can still destroy them.
pub fn clear() {
    channel::report_discarded();
    let all = COROS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(all);
    let idle = IDLE.with(|i| std::mem::take(&mut *i.borrow_mut()));
    drop(idle);
    NEXT_JOB.with(|j| j.borrow_mut().take());
    QUEUED.with(|q| q.borrow_mut().clear());
    BATCHES.with(|b| b.set(0));
    SUSPEND.with(|s| s.borrow_mut().take());
    channel::clear();
    sync::clear();
    scheduler::clear();
    OPTIONS.with(|o| o.borrow_mut().take());
    MAX_COROUTINES.with(|m| m.set(DEFAULT_MAX_COROUTINES));
    ENABLE_COROUTINE.with(|c| c.set(true));
    CURRENT.with(|c| c.set(-1));
}

/// Resumes coroutine `cid` (suspended) with `value`, now.
pub fn wake(cid: i64, value: Zval) {
    let Some(fiber) = COROS.with(|c| c.borrow().get(&cid).map(|c| c.fiber.clone())) else {
        return;
    };
    run_fiber(cid, &fiber, value);
}

/// [`wake`], or from the loop when PHP allows no fiber switch here (a
/// destructor the GC runs).
pub fn wake_soon(cid: i64, value: Zval) {
    // SAFETY: reads the engine's flag; no arguments.
    if unsafe { zend_fiber_switch_blocked() } {
        timers::defer(Box::new(move || wake(cid, value)));
    } else {
        wake(cid, value);
    }
}

/// Resumes `cid` from the loop once `ms` milliseconds have passed; the
/// timer's id (to cancel it when something else wakes the coroutine).
pub fn wake_after(cid: i64, ms: u64, value: impl Fn() -> Zval + 'static) -> timers::TimerId {
    let id = timers::timers().add(ms.max(1), false, Rc::new(move |_| wake(cid, value())));
    super::timer::need_loop();
    id
}

/// A `$timeout` argument in seconds as milliseconds; None (no limit)
/// when negative or absent.
pub fn timeout_ms_arg(args: &Args, i: usize) -> Option<u64> {
    let t = args.float_or(i, -1.0);
    (t >= 0.0).then(|| seconds_to_ms(t))
}

/// Suspends the running coroutine `cid` until something wakes it with a
/// value other than 0, at most `timeout` ms (a timer wakes it with 0).
/// False when it timed out (or could not wait): the caller then forgets
/// that it was waiting.
pub fn wait_woken(cid: i64, timeout: Option<u64>) -> bool {
    let timer = timeout.map(|ms| wake_after(cid, ms, || zlong(0)));
    let woken = suspend_cancelable(Box::new(move || {
        if let Some(id) = timer {
            timers::timers().clear(id);
        }
        zlong(0)
    }))
    .is_some_and(|v| v.long() != Some(0));
    if let Some(id) = timer.filter(|_| woken) {
        timers::timers().clear(id);
    }
    woken
}

/// Seconds as whole milliseconds, at least one.
pub fn seconds_to_ms(s: f64) -> u64 {
    (s * 1000.0).ceil().clamp(1.0, 315_360_000_000.0) as u64
}

/// Swoole's fatal error for a coroutine API outside any coroutine: a
/// `Swoole\Error` that ends the script, uncaught whatever catches it.
pub fn throw_out_of_coroutine() {
    zend::throw(ERROR.get(), OUT_OF_COROUTINE, 10001);
    zend::pending_exception_is_fatal();
}

// ---- go(), Co\run() --------------------------------------------------------

fn spawn_from_args(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, usize::MAX) else {
        return;
    };
    if count() >= MAX_COROUTINES.with(Cell::get) {
        super::errors::set_last_error(super::errors::PHP_FATAL_ERROR);
        zend::warning_docref(&format!("exceed max number of coroutine {}", count()));
        rv.set_bool(false);
        return;
    }
    if SHUTTING_DOWN.with(Cell::get) && called_from_destructor(ex) {
        // No loop would ever run it: Swoole's fatal error.
        rv.set_bool(false);
        zend::fatal_docref("can not use coroutine in __destruct after php_request_shutdown");
        return;
    }
    let Some(func) = args.get(0) else { return };
    if Callback::new(func).is_none() {
        let fname = super::args::function_name(ex);
        zend::throw_type_error(&format!(
            "{fname}(): Argument #1 ($func) must be a valid callback"
        ));
        return;
    }
    let params: Vec<Zval> = (1..args.len())
        .filter_map(|i| args.get(i).map(zend::zcopy))
        .collect();
    let func = zend::zcopy(func);
    match spawn(&func, params) {
        Some(cid) => rv.set_long(cid),
        None => rv.set_bool(false),
    }
    // A fatal error in the new coroutine ends the script here too, inside
    // a coroutine or not (the bailout unwinds each enclosing one).
    bail_if_fatal();
}

/// `go(callable $func, mixed ...$params): int|false`.
pub fn fn_go(ex: &mut ExecuteData, rv: &mut Zval) {
    spawn_from_args(ex, rv);
}

fn co_create(ex: &mut ExecuteData, rv: &mut Zval) {
    spawn_from_args(ex, rv);
}

/// `Co\run(callable $fn, mixed ...$args): bool`: the function in a
/// coroutine, and the loop until every coroutine and timer is done.
pub fn fn_run(ex: &mut ExecuteData, rv: &mut Zval) {
    if current() >= 0 {
        // Swoole's Co\run() inside a coroutine starts the function's
        // coroutine, then cannot wait for it there: a fatal error.
        let mut started = znull();
        spawn_from_args(ex, &mut started);
        drop(started);
        zend::fatal_error_raw(
            "Swoole\\Coroutine\\Scheduler::start(): Unable to call Event::wait() in coroutine",
        );
        return;
    }
    if super::timer::in_event_loop() {
        zend::warning_docref(
            "eventLoop has already been created. unable to create Swoole\\Coroutine\\Scheduler",
        );
        rv.set_bool(false);
        return;
    }
    // Swoole's Co\run() turns every runtime hook on unless the script
    // chose its hooks (Runtime::enableCoroutine(), hook_flags, ...).
    crate::php::hooks::default_for_run();
    let mut started = znull();
    spawn_from_args(ex, &mut started);
    if started.is_false() {
        rv.set_bool(false);
        return;
    }
    run_loop_to_end();
    rv.set_bool(true);
}

/// Runs the loop until no coroutine or timer can run, reports coroutines
/// left waiting (a deadlock), and ends the script after a fatal error in
/// a coroutine (`Co\run()`, `Scheduler::start()`).
pub(super) fn run_loop_to_end() {
    super::timer::wait_for_timers();
    if !FATAL.with(Cell::get) {
        report_deadlock();
    }
    bail_if_fatal();
}

/// Coroutines still waiting once nothing can wake them: Swoole's report,
/// with where each one waits.
fn report_deadlock() {
    let waiting: Vec<(i64, Zval)> = COROS.with(|c| {
        c.borrow()
            .iter()
            .map(|(cid, c)| (*cid, zend::zcopy(&c.fiber.obj)))
            .collect()
    });
    if waiting.is_empty() {
        return;
    }
    let line = "=".repeat(65);
    let dash = "-".repeat(65);
    let mut out = format!(
        "\n {line}\n  [FATAL ERROR]: all coroutines (count: {}) are asleep - deadlock!\n {line}\n",
        waiting.len()
    );
    for (cid, fiber) in waiting {
        out.push_str(&format!("\n  [Coroutine-{cid}]\n {dash}\n"));
        out.push_str(&fiber_trace(&fiber));
    }
    out.push_str(&format!("\n {line}\n"));
    print_php(&out);
}

/// Where a suspended fiber waits (`ReflectionFiber::getTraceAsString()`).
fn fiber_trace(fiber: &Zval) -> String {
    let mut text = String::new();
    let Some(ce) = ext_php_rs::zend::ClassEntry::try_find("ReflectionFiber") else {
        return text;
    };
    let obj = zend::new_object((ce as *const zend_class_entry).cast_mut());
    if let Some(c) = zend::method(&obj, "__construct") {
        c.call(&mut [zend::zcopy(fiber)]);
    }
    let Some(get) = zend::method(&obj, "getTrace") else {
        return text;
    };
    get.call_with(&mut [], |rv| {
        let Some(frames) = rv.array() else { return };
        let field = |f: &ZendHashTable, k: &str| {
            f.get(k)
                .and_then(|z| z.string().or_else(|| z.long().map(|l| l.to_string())))
                .unwrap_or_default()
        };
        // Our own Fiber::suspend() is not where the script waits.
        let script_frames = frames.values().filter_map(|z| z.array()).filter(|f| {
            let (class, function) = (field(f, "class"), field(f, "function"));
            !(class == "Fiber" && function == "suspend"
                || class == "Swoole\\Coroutine" && function == "__main")
        });
        for (i, f) in script_frames.enumerate() {
            let place = match f.get("file") {
                Some(_) => format!("{}({})", field(f, "file"), field(f, "line")),
                None => "[internal function]".to_string(),
            };
            text.push_str(&format!(
                "#{i} {place}: {}{}{}()\n",
                field(f, "class"),
                field(f, "type"),
                field(f, "function")
            ));
        }
    });
    text
}

/// Writes `s` through PHP's output (so it interleaves with `echo`).
fn print_php(s: &str) {
    if let Some(cb) = Callback::new(&zstr("printf")) {
        cb.call(&mut [zstr("%s"), zstr(s)]);
    }
}

// ---- Swoole\Coroutine -----------------------------------------------------

fn co_get_cid(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_some() {
        rv.set_long(current());
    }
}

/// The coroutine an optional `$cid` argument names (0: the running one).
fn cid_arg(ex: &mut ExecuteData) -> Option<i64> {
    let args = Args::parse(ex, 0, 1)?;
    let cid = args.long_or(0, "cid", 0)?;
    Some(if cid == 0 { current() } else { cid })
}

fn co_get_pcid(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(cid) = cid_arg(ex) else { return };
    match COROS.with(|c| c.borrow().get(&cid).map(|c| c.pcid)) {
        Some(p) => rv.set_long(p),
        None => rv.set_bool(false),
    }
}

fn co_exists(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(cid) = args.long(0, "cid") else {
        return;
    };
    rv.set_bool(COROS.with(|c| c.borrow().contains_key(&cid)));
}

pub(super) fn co_sleep(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let seconds = args.float_or(0, 0.0);
    if seconds < 0.001 || seconds.is_nan() {
        super::errors::set_last_error(super::errors::PHP_FATAL_ERROR);
        zend::warning_docref("Timer must be greater than or equal to 0.001");
        rv.set_bool(false);
        return;
    }
    let cid = current();
    if cid < 0 {
        throw_out_of_coroutine();
        return;
    }
    rv.set_bool(sleep_for(cid, seconds));
}

/// Suspends the running coroutine `cid` for `seconds` (under a
/// millisecond: until the loop's next turn, as Swoole's `System::sleep`);
/// false when `Coroutine::cancel()` ended the sleep early.
pub fn sleep_for(cid: i64, seconds: f64) -> bool {
    if seconds < 0.001 {
        timers::defer(Box::new(move || wake(cid, znull())));
        return suspend().is_some();
    }
    let timer = wake_after(cid, seconds_to_ms(seconds), znull);
    let woken = suspend_cancelable(Box::new(move || {
        timers::timers().clear(timer);
        zend::zbool(false)
    }));
    woken.is_some_and(|v| !v.is_false())
}

fn co_yield(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let cid = current();
    if cid < 0 {
        throw_out_of_coroutine();
        return;
    }
    set_yielded(cid, true);
    rv.set_bool(suspend().is_some());
}

fn set_yielded(cid: i64, yielded: bool) -> bool {
    COROS.with(|c| {
        c.borrow_mut()
            .get_mut(&cid)
            .map(|c| std::mem::replace(&mut c.yielded, yielded))
            .unwrap_or(false)
    })
}

fn co_resume(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(cid) = args.long(0, "cid") else {
        return;
    };
    // Only a coroutine that yielded by itself may be resumed by hand.
    if !set_yielded(cid, false) {
        zend::warning_docref(&format!(
            "you can not resume the coroutine which is in IO operation or non-existent {cid}"
        ));
        rv.set_bool(false);
        return;
    }
    wake(cid, znull());
    rv.set_bool(true);
}

/// `defer()` and its other names: `Coroutine::defer()`.
pub fn fn_defer(ex: &mut ExecuteData, rv: &mut Zval) {
    co_defer(ex, rv);
}

fn co_defer(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(cb) = args.get(0).and_then(Callback::new) else {
        zend::throw_type_error(
            "Swoole\\Coroutine::defer(): Argument #1 ($callback) must be a valid callback",
        );
        return;
    };
    let cid = current();
    let kept = COROS.with(|c| {
        c.borrow_mut()
            .get_mut(&cid)
            .map(|c| c.defers.push(cb))
            .is_some()
    });
    if !kept {
        throw_out_of_coroutine();
        return;
    }
    rv.set_null();
}

fn co_get_context(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(cid) = cid_arg(ex) else { return };
    let ctx = COROS.with(|c| {
        let mut c = c.borrow_mut();
        let coro = c.get_mut(&cid)?;
        let ctx = coro
            .context
            .get_or_insert_with(|| zend::new_object(CONTEXT.get()));
        Some(zend::zcopy(ctx))
    });
    *rv = ctx.unwrap_or_else(znull);
}

fn co_list(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let mut ids = ZendHashTable::new();
    for cid in COROS.with(|c| c.borrow().keys().copied().collect::<Vec<_>>()) {
        let _ = ids.push(zlong(cid));
    }
    *rv = zend::array_iterator(ITERATOR.get(), ids);
}

fn co_stats(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let mut a = ZendHashTable::new();
    let _ = a.insert("event_num", zlong(timers::timers().len() as i64));
    let _ = a.insert("signal_listener_num", zlong(0));
    let _ = a.insert("aio_task_num", zlong(0));
    let _ = a.insert("aio_worker_num", zlong(0));
    let _ = a.insert("aio_queue_size", zlong(0));
    let _ = a.insert("c_stack_size", zlong(2 * 1024 * 1024));
    let _ = a.insert("coroutine_num", zlong(count() as i64));
    let _ = a.insert("coroutine_peak_num", zlong(PEAK.with(Cell::get) as i64));
    let _ = a.insert("coroutine_last_cid", zlong(NEXT_CID.with(Cell::get) - 1));
    *rv = zarray(a);
}

fn co_get_elapsed(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(cid) = cid_arg(ex) else { return };
    let ms = COROS.with(|c| {
        c.borrow()
            .get(&cid)
            .map(|c| c.started.elapsed().as_millis())
    });
    rv.set_long(ms.map_or(-1, |m| m as i64));
}

/// `Coroutine::set()`: Swoole's scheduler options. `max_coroutine` limits
/// `go()`, `hook_flags` sets the runtime hooks, the socket timeouts are
/// the coroutine clients' defaults; the others (stack sizes, deadlock
/// checks) are kept for `getOptions()` and have no effect here.
fn co_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(options) = args.array(0, "options") else {
        return;
    };
    apply_options(options);
    rv.set_null();
}

/// What `Coroutine::set()` and `swoole_async_set()` share.
fn apply_options(options: &ZendHashTable) {
    let seconds = |k: &str| {
        options
            .get(k)
            .and_then(|z| z.double().or_else(|| z.long().map(|l| l as f64)))
    };
    let both = seconds("socket_timeout");
    crate::runtime::client::socket::set_default_timeouts(
        seconds("socket_connect_timeout"),
        seconds("socket_read_timeout").or(both),
        seconds("socket_write_timeout").or(both),
    );
    if let Some(max) = options.get("max_coroutine").and_then(|z| z.long()) {
        let max = usize::try_from(max).ok().filter(|m| *m > 0);
        MAX_COROUTINES.with(|m| m.set(max.unwrap_or(DEFAULT_MAX_COROUTINES)));
    }
    for (k, v) in options.iter() {
        record_option(k.to_string().as_str(), zend::zcopy(v));
    }
    if let Some(flags) = options.get("hook_flags").and_then(|z| z.long()) {
        crate::php::hooks::set_flags(flags);
    }
}

/// Records `key => value` among the options `Coroutine::getOptions()`
/// returns (the runtime hook flags, however they were set).
pub fn record_option(key: &str, value: Zval) {
    OPTIONS.with(|o| {
        let mut o = o.borrow_mut();
        let mut merged = o
            .as_ref()
            .and_then(|z| z.array())
            .map(|a| a.to_owned())
            .unwrap_or_else(ZendHashTable::new);
        let _ = merged.insert(key, value);
        *o = Some(zarray(merged));
    });
}

/// Whether option `key` is set to a true value.
pub fn option_is_true(key: &str) -> bool {
    OPTIONS.with(|o| {
        o.borrow()
            .as_ref()
            .and_then(|z| z.array())
            .and_then(|a| a.get(key))
            .is_some_and(|v| v.is_true())
    })
}

/// Whether `key` is among the options set.
pub fn has_option(key: &str) -> bool {
    OPTIONS.with(|o| {
        o.borrow()
            .as_ref()
            .and_then(|z| z.array())
            .is_some_and(|a| a.get(key).is_some())
    })
}

/// `Coroutine::getOptions()`: what `set()` was given, null before.
pub(super) fn co_get_options(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    *rv = OPTIONS
        .with(|o| o.borrow().as_ref().map(zend::zcopy))
        .unwrap_or_else(znull);
}

/// `Coroutine::getBackTrace($cid, $options, $limit)`: the running
/// coroutine's `debug_backtrace()`, or where coroutine `$cid` waits.
fn co_get_back_trace(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 3) else {
        return;
    };
    let (Some(cid), Some(options), Some(limit)) = (
        args.long_or(0, "cid", 0),
        args.long_or(1, "options", 1),
        args.long_or(2, "limit", 0),
    ) else {
        return;
    };
    if cid == 0 || cid == current() {
        if let Some(bt) = Callback::new(&zstr("debug_backtrace")) {
            bt.call_with(&mut [zlong(options), zlong(limit)], |v| {
                *rv = zend::zcopy(v)
            });
        }
        return;
    }
    match suspended_frames(cid, options) {
        Some(mut frames) => {
            if limit > 0 {
                frames.truncate(limit as usize);
            }
            let mut a = ZendHashTable::new();
            for f in frames {
                let _ = a.push(f);
            }
            *rv = zarray(a);
        }
        None => {
            super::errors::set_last_error(CO_NOT_EXISTS);
            rv.set_bool(false);
        }
    }
}

/// `Coroutine::printBackTrace($cid, $options, $limit)`.
fn co_print_back_trace(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 3) else {
        return;
    };
    let (Some(cid), Some(options), Some(limit)) = (
        args.long_or(0, "cid", 0),
        args.long_or(1, "options", 0),
        args.long_or(2, "limit", 0),
    ) else {
        return;
    };
    rv.set_null();
    if cid == 0 || cid == current() {
        if let Some(bt) = Callback::new(&zstr("debug_print_backtrace")) {
            bt.call(&mut [zlong(options), zlong(limit)]);
        }
        return;
    }
    match COROS.with(|c| c.borrow().get(&cid).map(|c| zend::zcopy(&c.fiber.obj))) {
        Some(fiber) => print_php(&fiber_trace(&fiber)),
        None => {
            super::errors::set_last_error(CO_NOT_EXISTS);
            rv.set_bool(false);
        }
    }
}

/// The frames where suspended coroutine `cid` waits, without the
/// fiber's own (`ReflectionFiber::getTrace()`).
fn suspended_frames(cid: i64, options: i64) -> Option<Vec<Zval>> {
    let fiber = COROS.with(|c| c.borrow().get(&cid).map(|c| zend::zcopy(&c.fiber.obj)))?;
    let ce = ext_php_rs::zend::ClassEntry::try_find("ReflectionFiber")?;
    let obj = zend::new_object((ce as *const zend_class_entry).cast_mut());
    zend::method(&obj, "__construct")?.call(&mut [fiber]);
    let mut out = Vec::new();
    zend::method(&obj, "getTrace")?.call_with(&mut [zlong(options)], |rv| {
        let Some(frames) = rv.array() else { return };
        for f in frames.values() {
            let internal = f.array().is_some_and(|a| {
                let field = |k: &str| a.get(k).and_then(|z| z.string()).unwrap_or_default();
                (field("class") == "Fiber" && field("function") == "suspend")
                    || (field("class") == "Swoole\\Coroutine" && field("function") == "__main")
            });
            if !internal {
                out.push(zend::zcopy(f));
            }
        }
    });
    Some(out)
}

// ---- cancel, join ------------------------------------------------------------

/// `SW_ERROR_CO_CANNOT_CANCEL`, `SW_ERROR_CO_NOT_EXISTS`,
/// `SW_ERROR_CO_TIMEDOUT`, `SW_ERROR_INVALID_PARAMS`, `SW_ERROR_WRONG_OPERATION`.
const CO_CANNOT_CANCEL: i64 = 10015;
const CO_NOT_EXISTS: i64 = 10016;
pub(crate) const CO_TIMEDOUT: i64 = 10018;
const INVALID_PARAMS: i64 = 505;
const WRONG_OPERATION: i64 = 509;

/// `Coroutine::cancel($cid, $throw_exception)`: ends the wait `$cid` is in
/// (a sleep, a channel, a socket, a join); that call returns as if it
/// failed and `isCanceled()` is true there. With `$throw_exception` a
/// `CanceledException` is also thrown where it resumes, even from a wait
/// that cannot be canceled.
fn co_cancel(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(cid) = args.long(0, "cid") else {
        return;
    };
    let Some(throw) = args.bool_or(1, "throw_exception", false) else {
        return;
    };
    rv.set_bool(false);
    if throw && with_coro(cid, |c| c.throw_canceled = true).is_none() {
        super::errors::set_last_error(CO_NOT_EXISTS);
        return;
    }
    match cancel(cid) {
        Ok(()) => rv.set_bool(true),
        Err(code) => {
            super::errors::set_last_error(code);
            rv.set_bool(throw && code == CO_CANNOT_CANCEL);
        }
    }
}

/// Ends the cancelable wait coroutine `cid` is in: the wait stops and
/// the coroutine resumes now, its call returning as canceled. The error
/// code when it does not exist or is not in such a wait.
pub fn cancel(cid: i64) -> Result<(), i64> {
    let stop = with_coro(cid, |c| c.cancel.take().inspect(|_| c.canceled = true))
        .ok_or(CO_NOT_EXISTS)?
        .ok_or(CO_CANNOT_CANCEL)?;
    let value = stop();
    wake(cid, value);
    Ok(())
}

fn co_is_canceled(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    if current() < 0 {
        throw_out_of_coroutine();
        return;
    }
    rv.set_bool(is_canceled());
}

thread_local! {
    /// Coroutines in `Coroutine::join()`, with the coroutines each still
    /// waits for.
    static JOINS: RefCell<Vec<(i64, Vec<i64>)>> = const { RefCell::new(Vec::new()) };
}

/// Coroutine `cid` ended: a join waiting for nothing else resumes, from
/// the loop (as Swoole defers it).
fn joined(cid: i64) {
    // Every coroutine ends through here; hardly any is joined.
    if JOINS.with(|j| j.borrow().is_empty()) {
        return;
    }
    let done: Vec<i64> = JOINS.with(|j| {
        let mut j = j.borrow_mut();
        for (_, waits) in j.iter_mut() {
            waits.retain(|&w| w != cid);
        }
        let done = j
            .iter()
            .filter(|(_, w)| w.is_empty())
            .map(|(joiner, _)| *joiner)
            .collect();
        j.retain(|(_, w)| !w.is_empty());
        done
    });
    for joiner in done {
        timers::defer(Box::new(move || wake(joiner, zlong(1))));
    }
}

/// `Coroutine::join(array $cid_array, float $timeout = -1)`: waits until
/// every listed coroutine has ended; false on timeout
/// (SW_ERROR_CO_TIMEDOUT) or when none of them is running.
fn co_join(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(list) = args.array(0, "cid_array") else {
        return;
    };
    let ids: Vec<i64> = list.values().filter_map(|z| z.long()).collect();
    let timeout = timeout_ms_arg(&args, 1);
    rv.set_bool(false);
    let me = current();
    if me < 0 {
        throw_out_of_coroutine();
        return;
    }
    if ids.is_empty() {
        super::errors::set_last_error(INVALID_PARAMS);
        return;
    }
    if ids.contains(&me) {
        super::errors::set_last_error(WRONG_OPERATION);
        zend::warning_docref("can not join self");
        return;
    }
    let already = JOINS.with(|j| {
        j.borrow()
            .iter()
            .any(|(_, w)| w.iter().any(|c| ids.contains(c)))
    });
    if already {
        super::errors::set_last_error(WRONG_OPERATION);
        return;
    }
    let live: Vec<i64> = COROS.with(|c| {
        let c = c.borrow();
        let mut live: Vec<i64> = ids.iter().copied().filter(|i| c.contains_key(i)).collect();
        live.dedup();
        live
    });
    if live.is_empty() {
        super::errors::set_last_error(INVALID_PARAMS);
        return;
    }
    JOINS.with(|j| j.borrow_mut().push((me, live)));
    let done = wait_woken(me, timeout);
    if !done {
        JOINS.with(|j| j.borrow_mut().retain(|(joiner, _)| *joiner != me));
        if !is_canceled() {
            super::errors::set_last_error(CO_TIMEDOUT);
        }
        return;
    }
    rv.set_bool(true);
}
