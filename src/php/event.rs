//! `Swoole\Event` and the `swoole_event_*()` functions: callbacks on a
//! descriptor's readiness (`add`, `set`, `del`, `isset`, `write`), a
//! callback per loop iteration (`cycle`), and the loop itself (`wait`,
//! `dispatch`, `exit`, `defer`).
//!
//! Each watched descriptor gets a task on the PHP thread's loop that
//! waits for the readiness asked for and calls the script's callback with
//! what the script passed (the stream, socket or number). Swoole's reactor
//! is level-triggered: a callback that leaves data unread is called again.
//! Tokio's is edge-triggered, so before waiting again the task asks the
//! kernel (`poll()`, no wait) whether the descriptor is still ready.
//! The watch tasks die with a loop and start again with the next one
//! (`Event::dispatch()` runs one loop per call).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::task::AbortHandle;

use super::args::Args;
use super::classes::{sm, Class, ClassSlot};
use super::timer::{self, run_callback};
use super::zend::{self, Callback};
use crate::worker::timers;

pub static EVENT: ClassSlot = ClassSlot::new();

/// `SWOOLE_EVENT_READ` / `SWOOLE_EVENT_WRITE`.
const EVENT_READ: i64 = 512;
const EVENT_WRITE: i64 = 1024;

pub fn register() {
    let mut c = Class::new("Swoole\\Event");
    c.methods = vec![
        sm(
            "add",
            event_add,
            "mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = SWOOLE_EVENT_READ",
            "int|false",
        ),
        sm("del", event_del, "mixed $fd", "bool"),
        sm(
            "set",
            event_set,
            "mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = 0",
            "bool",
        ),
        sm(
            "isset",
            event_isset,
            "mixed $fd, int $events = SWOOLE_EVENT_READ | SWOOLE_EVENT_WRITE",
            "bool",
        ),
        sm("dispatch", event_dispatch, "", "bool"),
        sm("defer", timer::event_defer, "callable $callback", "bool"),
        sm(
            "cycle",
            event_cycle,
            "?callable $callback, bool $before = false",
            "bool",
        ),
        sm("write", event_write, "mixed $fd, string $data", "bool"),
        sm("wait", timer::event_wait, "", "void"),
        sm("rshutdown", event_rshutdown, "", "void"),
        sm("exit", timer::event_exit, "", "void"),
    ];
    EVENT.set(c.register());
}

/// `swoole_event_*()`: the same handlers under Swoole's function names.
pub fn functions() -> Vec<ext_php_rs::ffi::zend_function_entry> {
    use super::arginfo::entry;
    vec![
        entry(
            "swoole_event_add",
            event_add,
            "mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = SWOOLE_EVENT_READ",
            "int|false",
            0,
        ),
        entry(
            "swoole_event_set",
            event_set,
            "mixed $fd, ?callable $read_callback = null, ?callable $write_callback = null, int $events = 0",
            "bool",
            0,
        ),
        entry("swoole_event_del", event_del, "mixed $fd", "bool", 0),
        entry(
            "swoole_event_write",
            event_write,
            "mixed $fd, string $data",
            "bool",
            0,
        ),
        entry("swoole_event_wait", timer::event_wait, "", "void", 0),
        entry("swoole_event_rshutdown", event_rshutdown, "", "void", 0),
        entry("swoole_event_exit", timer::event_exit, "", "void", 0),
        entry(
            "swoole_event_cycle",
            event_cycle,
            "?callable $callback, bool $before = false",
            "bool",
            0,
        ),
        entry("swoole_event_dispatch", event_dispatch, "", "bool", 0),
        entry(
            "swoole_event_isset",
            event_isset,
            "mixed $fd, int $events = SWOOLE_EVENT_READ | SWOOLE_EVENT_WRITE",
            "bool",
            0,
        ),
    ]
}

/// One watched descriptor.
struct Watch {
    /// What the script passed: handed back to its callbacks, and keeps
    /// the stream (and so the descriptor) open while watched.
    handle: Zval,
    read: Option<Callback>,
    write: Option<Callback>,
    /// SWOOLE_EVENT_READ / _WRITE bits.
    events: i64,
    /// `Event::write()` bytes the descriptor did not take yet.
    pending: Vec<u8>,
    /// Tells a watch from a later one on a reused descriptor.
    generation: u64,
    task: Option<AbortHandle>,
}

thread_local! {
    static WATCHES: RefCell<HashMap<RawFd, Watch>> = RefCell::new(HashMap::new());
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    static LOOP_HOOKED: Cell<bool> = const { Cell::new(false) };
    /// `Event::cycle()`'s callback.
    static CYCLE: RefCell<Option<Callback>> = const { RefCell::new(None) };
    /// An end-of-iteration run is queued ([`iteration_done`]).
    static CYCLE_QUEUED: Cell<bool> = const { Cell::new(false) };
    static ITERATION_ENDED: Rc<tokio::sync::Notify> = Rc::new(tokio::sync::Notify::new());
    static ITERATIONS_TRACKED: Cell<bool> = const { Cell::new(false) };
    static FIRST_LOOP_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// A reactor was freed (a whole `Event::wait()` ended): the next loop's
/// first iteration ends at its start again.
pub fn reactor_freed() {
    FIRST_LOOP_SEEN.with(|f| f.set(false));
}

/// Loop iterations end after a new reactor's first start (its first wait
/// returns at once in Swoole) and after every
/// timer round and watched descriptor's callback; `cycle()` and
/// `dispatch()` follow them from their first use.
fn track_iterations() {
    if ITERATIONS_TRACKED.with(|t| t.replace(true)) {
        return;
    }
    timers::on_every_loop(Rc::new(|| {
        if !FIRST_LOOP_SEEN.with(|f| f.replace(true)) {
            iteration_done();
        }
    }));
    timers::on_round_end(Rc::new(iteration_done));
}

/// The descriptor behind what a script passes as `$fd`: a number, a
/// stream, or an object with an `fd` property (`Coroutine\Socket`).
fn descriptor(v: &Zval) -> Option<RawFd> {
    if let Some(fd) = zend::fd_of(v) {
        return Some(fd);
    }
    let obj = zend::obj_ptr(v)?;
    zend::get_prop(obj, "fd")
        .and_then(Zval::long)
        .and_then(|n| RawFd::try_from(n).ok())
        .filter(|n| *n >= 0)
}

/// A callable argument that may be null; Err after throwing.
fn optional_callback(
    args: &Args,
    i: usize,
    name: &str,
    fname: &str,
) -> Result<Option<Callback>, ()> {
    match args.get(i) {
        None => Ok(None),
        Some(z) if z.is_null() => Ok(None),
        Some(z) => match Callback::resolve(z) {
            Ok(cb) => Ok(Some(cb)),
            Err(why) => {
                zend::throw_type_error(&format!(
                    "{fname}(): Argument #{} (${name}) must be a valid callback or null, {why}",
                    i + 1
                ));
                Err(())
            }
        },
    }
}

/// `add()`'s and `set()`'s arguments: what the script passed as `$fd`, its
/// descriptor, the callbacks and the events.
struct WatchArgs {
    handle: Zval,
    fd: RawFd,
    read: Option<Callback>,
    write: Option<Callback>,
    events: i64,
}

/// Reads `add()`'s / `set()`'s arguments; None after the error (thrown or
/// warned, `$rv` false).
fn watch_args(ex: &mut ExecuteData, rv: &mut Zval, default_events: i64) -> Option<WatchArgs> {
    let args = Args::parse(ex, 1, 4)?;
    let fname = super::args::function_name(ex);
    let handle = args.get(0)?;
    let read = optional_callback(&args, 1, "read_callback", &fname).ok()?;
    let write = optional_callback(&args, 2, "write_callback", &fname).ok()?;
    let events = args.long_or(3, "events", default_events)?;
    rv.set_bool(false);
    let Some(fd) = descriptor(handle) else {
        zend::warning_docref("unknown fd type");
        return None;
    };
    Some(WatchArgs {
        handle: zend::zcopy(handle),
        fd,
        read,
        write,
        events,
    })
}

/// Watches `fd` (from now, or from when the loop starts).
fn insert_watch(a: WatchArgs, pending: Vec<u8>) {
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let fd = a.fd;
    WATCHES.with(|w| {
        w.borrow_mut().insert(
            fd,
            Watch {
                handle: a.handle,
                read: a.read,
                write: a.write,
                events: a.events,
                pending,
                generation,
                task: None,
            },
        )
    });
    hook_loops();
    if timers::timers().loop_running() {
        start_watch(fd);
    }
    timer::need_loop();
}

/// `Event::add($fd, $read, $write, $events = SWOOLE_EVENT_READ)`: the
/// descriptor number, or false (a warning says why).
fn event_add(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(a) = watch_args(ex, rv, EVENT_READ) else {
        return;
    };
    let (fd, events) = (a.fd, a.events);
    if events & (EVENT_READ | EVENT_WRITE) == 0 {
        zend::warning_docref(&format!("invalid events type[{events}]"));
        return;
    }
    if events & EVENT_READ != 0 && a.read.is_none() {
        zend::warning_docref("read callback is empty");
        return;
    }
    if events & EVENT_WRITE != 0 && a.write.is_none() && a.read.is_none() {
        zend::warning_docref("write callback is empty");
        return;
    }
    if WATCHES.with(|w| w.borrow().contains_key(&fd)) {
        zend::warning_docref(&format!(
            "socket#{fd} has already been added to the reactor"
        ));
        super::errors::set_last_error(1004);
        return;
    }
    insert_watch(a, Vec::new());
    rv.set_long(i64::from(fd));
}

/// `Event::set($fd, $read, $write, $events = 0)`: changes the callbacks
/// (a null one keeps the old) and, unless 0, the events of a watch.
fn event_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(WatchArgs {
        fd,
        read,
        write,
        events,
        ..
    }) = watch_args(ex, rv, 0)
    else {
        return;
    };
    let found = WATCHES.with(|w| {
        let mut w = w.borrow_mut();
        let Some(watch) = w.get_mut(&fd) else {
            return false;
        };
        if read.is_some() {
            watch.read = read;
        }
        if write.is_some() {
            watch.write = write;
        }
        if events != 0 {
            watch.events = events;
        }
        true
    });
    if !found {
        zend::warning_docref(&format!("socket[{fd}] is not found in the reactor"));
        return;
    }
    restart_watch(fd);
    rv.set_bool(true);
}

/// `Event::del($fd)`.
fn event_del(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    rv.set_bool(false);
    let Some(fd) = args.get(0).and_then(descriptor) else {
        zend::warning_docref("unknown fd type");
        return;
    };
    match WATCHES.with(|w| w.borrow_mut().remove(&fd)) {
        Some(watch) => {
            if let Some(task) = watch.task {
                task.abort();
            }
            // The watch's handle is released here, after the map's borrow.
            drop(watch.handle);
            rv.set_bool(true);
        }
        None => {
            zend::warning_docref(&format!("socket#{fd} is not found in the reactor"));
        }
    }
}

/// `Event::isset($fd, $events = READ | WRITE)`.
fn event_isset(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(events) = args.long_or(1, "events", EVENT_READ | EVENT_WRITE) else {
        return;
    };
    let Some(fd) = args.get(0).and_then(descriptor) else {
        rv.set_bool(false);
        return;
    };
    let set = WATCHES.with(|w| w.borrow().get(&fd).is_some_and(|x| x.events & events != 0));
    rv.set_bool(set);
}

/// `Event::write($fd, $data)`: writes now what the descriptor takes and
/// the rest when it is writable, in order.
fn event_write(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(data) = args.bytes(1, "data") else {
        return;
    };
    rv.set_bool(false);
    let Some(fd) = args.get(0).and_then(descriptor) else {
        zend::warning_docref("unknown fd type");
        return;
    };
    if data.is_empty() {
        zend::warning_docref("data empty");
        return;
    }
    let queued = WATCHES.with(|w| w.borrow().get(&fd).map(|x| !x.pending.is_empty()));
    let mut rest: &[u8] = &data;
    if queued != Some(true) {
        match write_some(fd, rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) => {
                zend::warning_docref(&format!(
                    "write({fd}, {}) failed, Error: {}[{}]",
                    data.len(),
                    super::errors::os_error_text(e),
                    e
                ));
                return;
            }
        }
    }
    if !rest.is_empty() {
        let added = WATCHES.with(|w| {
            w.borrow_mut().get_mut(&fd).map(|x| {
                x.pending.extend_from_slice(rest);
            })
        });
        if added.is_none() {
            // Not watched: Swoole adds it for writing; so do we, with no
            // callbacks.
            let a = WatchArgs {
                handle: zend::zcopy(args.get(0).unwrap_or(&Zval::new())),
                fd,
                read: None,
                write: None,
                events: 0,
            };
            insert_watch(a, rest.to_vec());
        } else {
            restart_watch(fd);
        }
    }
    rv.set_bool(true);
}

/// One `write()`; EAGAIN is 0 bytes taken.
fn write_some(fd: RawFd, data: &[u8]) -> Result<usize, i32> {
    // SAFETY: writes from a live slice of its length.
    let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    if n >= 0 {
        return Ok(n as usize);
    }
    let e = std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO);
    if e == libc::EAGAIN || e == libc::EINTR {
        Ok(0)
    } else {
        Err(e)
    }
}

/// `Event::cycle($callback, $before = false)`: a callback at the end of
/// every loop iteration; null removes it (false if there was none).
fn event_cycle(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let fname = super::args::function_name(ex);
    let Ok(cb) = optional_callback(&args, 0, "callback", &fname) else {
        return;
    };
    track_iterations();
    match cb {
        None => {
            let had = CYCLE.with(|c| c.borrow_mut().take()).is_some();
            rv.set_bool(had);
        }
        Some(cb) => {
            let old = CYCLE.with(|c| c.borrow_mut().replace(cb));
            drop(old);
            timer::need_loop();
            rv.set_bool(true);
        }
    }
}

/// Marks the end of a loop iteration (the loop started, a timer round
/// ran, a watched descriptor's callback ran): once the tasks already
/// queued have run (deferred calls among them), the cycle callback runs
/// and `Event::dispatch()` returns.
fn iteration_done() {
    if !ITERATIONS_TRACKED.with(Cell::get) || CYCLE_QUEUED.with(|q| q.replace(true)) {
        return;
    }
    tokio::task::spawn_local(async {
        CYCLE_QUEUED.with(|q| q.set(false));
        let cb = CYCLE.with(|c| c.borrow().clone());
        if let Some(cb) = cb {
            cb.call(&mut []);
        }
        ITERATION_ENDED.with(|n| n.notify_waiters());
    });
}

/// `Event::dispatch()`: runs the loop for one iteration.
fn event_dispatch(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    if timer::in_event_loop() {
        rv.set_bool(false);
        return;
    }
    track_iterations();
    let ended = ITERATION_ENDED.with(Rc::clone);
    timer::run_loop(async move {
        let wait = ended.notified();
        tokio::pin!(wait);
        wait.as_mut().enable();
        // With nothing to wait for, one iteration ends at once.
        tokio::task::yield_now().await;
        let timers = timers::timers();
        tokio::select! {
            _ = wait => {}
            _ = timers.wait_empty() => {}
        }
    });
    rv.set_bool(true);
}

/// `Event::rshutdown()`: Swoole's request-shutdown step, callable by
/// scripts; it runs the loop like the shutdown does.
fn event_rshutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    timer::run_loop_at_shutdown();
    rv.set_null();
}

/// Every loop this thread starts runs the watch tasks.
fn hook_loops() {
    if LOOP_HOOKED.with(|h| h.replace(true)) {
        return;
    }
    timers::on_every_loop(Rc::new(|| {
        let fds: Vec<RawFd> = WATCHES.with(|w| w.borrow().keys().copied().collect());
        for fd in fds {
            start_watch(fd);
        }
    }));
}

fn restart_watch(fd: RawFd) {
    if let Some(task) = WATCHES.with(|w| w.borrow_mut().get_mut(&fd).and_then(|x| x.task.take())) {
        task.abort();
    }
    if timers::timers().loop_running() {
        start_watch(fd);
    }
}

/// A descriptor someone else owns, registered with the reactor while it
/// is watched (never closed here).
struct Borrowed(RawFd);

impl AsRawFd for Borrowed {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// The readiness the watch of `fd` (of `generation`) asks for now; None
/// when it is gone.
fn wanted(fd: RawFd, generation: u64) -> Option<(bool, bool)> {
    WATCHES.with(|w| {
        w.borrow()
            .get(&fd)
            .filter(|x| x.generation == generation)
            .map(|x| {
                (
                    x.events & EVENT_READ != 0 && x.read.is_some(),
                    (x.events & EVENT_WRITE != 0 && x.write.is_some()) || !x.pending.is_empty(),
                )
            })
    })
}

/// Asks the kernel, without waiting, whether `fd` is readable/writable.
fn ready_now(fd: RawFd, read: bool, write: bool) -> (bool, bool) {
    let mut p = libc::pollfd {
        fd,
        events: if read { libc::POLLIN } else { 0 } | if write { libc::POLLOUT } else { 0 },
        revents: 0,
    };
    // SAFETY: one pollfd, no wait.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    if n <= 0 {
        return (false, false);
    }
    let hup = p.revents & (libc::POLLHUP | libc::POLLERR) != 0;
    (
        read && (p.revents & libc::POLLIN != 0 || hup),
        write && (p.revents & libc::POLLOUT != 0 || hup),
    )
}

fn start_watch(fd: RawFd) {
    let Some(generation) = WATCHES.with(|w| w.borrow().get(&fd).map(|x| x.generation)) else {
        return;
    };
    let hold = timers::timers().hold();
    let task = tokio::task::spawn_local(async move {
        let _hold = hold;
        watch(fd, generation).await;
    })
    .abort_handle();
    WATCHES.with(|w| {
        if let Some(x) = w.borrow_mut().get_mut(&fd) {
            if let Some(old) = x.task.replace(task) {
                old.abort();
            }
        }
    });
}

async fn watch(fd: RawFd, generation: u64) {
    // A regular file cannot be registered (epoll refuses it): it is
    // always ready, as poll() says.
    // SAFETY: the descriptor stays open while watched: the watch holds
    // the script's stream (or the script owns the number it passed), and
    // `del()` ends this task, deregistering it, before it is released.
    let registered = unsafe {
        AsyncFd::register_with_interest(Borrowed(fd), Interest::READABLE | Interest::WRITABLE)
    }
    .ok();
    loop {
        let Some((want_read, want_write)) = wanted(fd, generation) else {
            return;
        };
        if !want_read && !want_write {
            // Nothing asked for now (Event::set() may ask again).
            std::future::pending::<()>().await;
        }
        let (readable, writable) = ready_now(fd, want_read, want_write);
        if !readable && !writable {
            let Some(afd) = registered.as_ref() else {
                // Not registrable (a regular file is always ready; a
                // descriptor the reactor already watches for a coroutine
                // is not ours to register): ask again in a millisecond.
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                continue;
            };
            wait_edge(afd, want_read, want_write).await;
            continue;
        }
        if writable {
            on_writable(fd, generation);
        }
        if readable {
            let cb = WATCHES.with(|w| {
                w.borrow()
                    .get(&fd)
                    .filter(|x| x.generation == generation)
                    .and_then(|x| x.read.clone().map(|cb| (cb, zend::zcopy(&x.handle))))
            });
            if let Some((cb, handle)) = cb {
                run_callback(&cb, &mut [handle]);
            }
        }
        iteration_done();
        // Other tasks (and the callback's coroutine) get their turn
        // before the descriptor is asked again.
        tokio::task::yield_now().await;
    }
}

/// Waits until the reactor reports `fd` ready for what is wanted, then
/// forgets that report (the next check asks the kernel).
async fn wait_edge(afd: &AsyncFd<Borrowed>, read: bool, write: bool) {
    let interest = match (read, write) {
        (true, true) => Interest::READABLE | Interest::WRITABLE,
        (true, false) => Interest::READABLE,
        _ => Interest::WRITABLE,
    };
    if let Ok(mut guard) = afd.ready(interest).await {
        guard.clear_ready();
    }
}

/// The descriptor is writable: flush `Event::write()`'s bytes, else call
/// the write callback.
fn on_writable(fd: RawFd, generation: u64) {
    let pending = WATCHES.with(|w| {
        w.borrow_mut()
            .get_mut(&fd)
            .filter(|x| x.generation == generation)
            .map(|x| std::mem::take(&mut x.pending))
    });
    let Some(pending) = pending else { return };
    if !pending.is_empty() {
        let taken = write_some(fd, &pending).unwrap_or(pending.len());
        let rest = pending[taken..].to_vec();
        let stop = WATCHES.with(|w| {
            let mut w = w.borrow_mut();
            let Some(x) = w.get_mut(&fd).filter(|x| x.generation == generation) else {
                return false;
            };
            let mut rest = rest;
            rest.append(&mut x.pending);
            x.pending = rest;
            // Added only to flush Event::write(): done once flushed.
            x.pending.is_empty() && x.read.is_none() && x.write.is_none()
        });
        if stop {
            WATCHES.with(|w| w.borrow_mut().remove(&fd));
        }
        return;
    }
    let cb = WATCHES.with(|w| {
        w.borrow()
            .get(&fd)
            .filter(|x| x.generation == generation && x.events & EVENT_WRITE != 0)
            .and_then(|x| x.write.clone().map(|cb| (cb, zend::zcopy(&x.handle))))
    });
    if let Some((cb, handle)) = cb {
        run_callback(&cb, &mut [handle]);
    }
}

/// Forgets every watch (the request ends; a forked child).
pub fn clear() {
    let all = WATCHES.with(|w| std::mem::take(&mut *w.borrow_mut()));
    for (_, watch) in all {
        if let Some(task) = watch.task {
            task.abort();
        }
    }
    let cycle = CYCLE.with(|c| c.borrow_mut().take());
    drop(cycle);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_now_sees_a_pipe_with_data_and_an_empty_one() {
        let mut fds = [0; 2];
        // SAFETY: a fresh pipe, closed below.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        assert_eq!(ready_now(fds[0], true, false), (false, false));
        assert_eq!(ready_now(fds[1], false, true), (false, true));
        assert_eq!(write_some(fds[1], b"x"), Ok(1));
        assert_eq!(ready_now(fds[0], true, false), (true, false));
        // SAFETY: closing the pipe made above.
        unsafe {
            libc::close(fds[1]);
        }
        // EOF counts as readable, as in Swoole's reactor.
        let mut b = [0u8; 1];
        // SAFETY: reads into a live buffer.
        unsafe { libc::read(fds[0], b.as_mut_ptr().cast(), 1) };
        assert_eq!(ready_now(fds[0], true, false), (true, false));
        // SAFETY: closing the pipe made above.
        unsafe {
            libc::close(fds[0]);
        }
    }
}
