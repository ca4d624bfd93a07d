//! `Swoole\Timer` (tick/after/clear/clearAll) and `Swoole\Event::defer`.
//!
//! Timers run on the worker's `LocalSet`, so their callbacks run on the PHP
//! thread between connection events. A timer created before the event loop
//! runs (in the script's top level, before `start()`) is armed when the loop
//! starts, as in Swoole.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use tokio::task::AbortHandle;

pub type TimerId = i64;

/// A timer's callback; gets the timer id (PHP passes it to tick callbacks).
pub type TimerCallback = Rc<dyn Fn(TimerId)>;

struct Entry {
    interval: Duration,
    repeat: bool,
    callback: TimerCallback,
    /// None until the event loop has armed it.
    task: Option<AbortHandle>,
}

/// Every live timer of this thread.
#[derive(Default)]
pub struct Timers {
    last_id: Cell<TimerId>,
    entries: RefCell<BTreeMap<TimerId, Entry>>,
    loop_running: Cell<bool>,
    /// Waits that keep `Event::wait()` running besides timers: a
    /// coroutine waiting for a socket ([`LoopHold`]).
    holds: Cell<usize>,
    emptied: tokio::sync::Notify,
}

/// Keeps the loop of `Event::wait()` / `Co\run()` running while it lives,
/// as a socket a coroutine waits on keeps Swoole's reactor running.
pub struct LoopHold(Rc<Timers>);

impl Drop for LoopHold {
    fn drop(&mut self) {
        self.0.holds.set(self.0.holds.get().saturating_sub(1));
        self.0.notify_if_empty();
    }
}

thread_local! {
    static TIMERS: Rc<Timers> = Rc::new(Timers::default());
}

/// This thread's timers.
pub fn timers() -> Rc<Timers> {
    TIMERS.with(|t| t.clone())
}

impl Timers {
    /// Adds a timer; Swoole's smallest interval is 1 ms.
    pub fn add(self: &Rc<Self>, ms: u64, repeat: bool, callback: TimerCallback) -> TimerId {
        let id = self.last_id.get() + 1;
        self.last_id.set(id);
        let entry = Entry {
            interval: Duration::from_millis(ms.max(1)),
            repeat,
            callback,
            task: None,
        };
        self.entries.borrow_mut().insert(id, entry);
        if self.loop_running.get() {
            self.arm(id);
        }
        id
    }

    /// Removes a timer; false if there is no such timer.
    pub fn clear(&self, id: TimerId) -> bool {
        let removed = self.entries.borrow_mut().remove(&id);
        match removed {
            Some(entry) => {
                if let Some(task) = entry.task {
                    task.abort();
                }
                self.notify_if_empty();
                true
            }
            None => false,
        }
    }

    fn notify_if_empty(&self) {
        if self.idle() {
            self.emptied.notify_waiters();
        }
    }

    /// No timer and no [`LoopHold`] left.
    fn idle(&self) -> bool {
        self.entries.borrow().is_empty() && self.holds.get() == 0
    }

    /// Keeps [`Timers::wait_empty`] waiting until the hold is dropped.
    pub fn hold(self: &Rc<Self>) -> LoopHold {
        self.holds.set(self.holds.get() + 1);
        LoopHold(self.clone())
    }

    /// Resolves once no timer and no hold is left (`Swoole\Event::wait()`).
    pub async fn wait_empty(&self) {
        loop {
            let notified = self.emptied.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.idle() {
                return;
            }
            notified.await;
        }
    }

    /// Removes every timer (and drops their callbacks).
    pub fn clear_all(&self) {
        let entries = std::mem::take(&mut *self.entries.borrow_mut());
        for (_, entry) in entries {
            if let Some(task) = entry.task {
                task.abort();
            }
        }
        self.emptied.notify_waiters();
    }

    pub fn exists(&self, id: TimerId) -> bool {
        self.entries.borrow().contains_key(&id)
    }

    /// (interval ms, repeat) of a timer, for `Timer::info`.
    pub fn info(&self, id: TimerId) -> Option<(u64, bool)> {
        self.entries
            .borrow()
            .get(&id)
            .map(|e| (e.interval.as_millis() as u64, e.repeat))
    }

    pub fn ids(&self) -> Vec<TimerId> {
        self.entries.borrow().keys().copied().collect()
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }

    /// Called inside the `LocalSet` when the loop starts: arms every timer
    /// created so far.
    /// Whether an event loop runs on this thread now.
    pub fn loop_running(&self) -> bool {
        self.loop_running.get()
    }

    pub fn loop_started(self: &Rc<Self>) {
        self.loop_running.set(true);
        for id in self.ids() {
            self.arm(id);
        }
    }

    /// Called when the loop ends: timers stop firing (their tasks die with
    /// the runtime) and will be armed again by a later loop.
    pub fn loop_stopped(&self) {
        self.loop_running.set(false);
        for entry in self.entries.borrow_mut().values_mut() {
            if let Some(task) = entry.task.take() {
                task.abort();
            }
        }
    }

    fn arm(self: &Rc<Self>, id: TimerId) {
        let Some(interval) = self.entries.borrow().get(&id).map(|e| e.interval) else {
            return;
        };
        let timers = self.clone();
        let handle = tokio::task::spawn_local(async move {
            // Ticks missed while PHP was busy are skipped, not fired in a
            // burst; a deadline past what the clock can hold never comes.
            let mut next = tokio::time::Instant::now().checked_add(interval);
            loop {
                match next {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending::<()>().await,
                }
                let (callback, repeat) = match timers.entries.borrow().get(&id) {
                    Some(e) => (e.callback.clone(), e.repeat),
                    None => return,
                };
                if !repeat {
                    timers.entries.borrow_mut().remove(&id);
                }
                callback(id);
                if !repeat {
                    timers.notify_if_empty();
                    return;
                }
                let now = tokio::time::Instant::now();
                next = next.and_then(|d| d.checked_add(interval));
                if next.is_some_and(|d| d <= now) {
                    next = now.checked_add(interval);
                }
            }
        })
        .abort_handle();
        if let Some(e) = self.entries.borrow_mut().get_mut(&id) {
            e.task = Some(handle);
        } else {
            handle.abort();
        }
    }
}

/// Runs `f` soon, after the current event has been handled
/// (`Swoole\Event::defer`, `$server->defer`).
pub fn defer(f: Box<dyn FnOnce()>) {
    let timers = timers();
    if timers.loop_running.get() {
        tokio::task::spawn_local(async move { f() });
    } else {
        DEFERRED.with(|d| d.borrow_mut().push(f));
    }
}

/// Runs `f` now if the loop runs, else as soon as it starts (what needs
/// the loop's reactor, asked for before the loop exists).
pub fn defer_or_now(f: Box<dyn FnOnce()>) {
    if timers().loop_running.get() {
        f();
    } else {
        DEFERRED.with(|d| d.borrow_mut().push(f));
    }
}

thread_local! {
    static DEFERRED: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
}

thread_local! {
    static LOOP_HOOKS: RefCell<Vec<Rc<dyn Fn()>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` inside every event loop this thread starts from now on, as it
/// starts (what a loop must carry whichever runs: `Process::signal()`'s
/// reader).
pub fn on_every_loop(f: Rc<dyn Fn()>) {
    LOOP_HOOKS.with(|h| h.borrow_mut().push(f));
}

/// Runs what was deferred before the loop started (inside the loop).
pub fn run_pending_deferred() {
    let hooks = LOOP_HOOKS.with(|h| h.borrow().clone());
    for hook in hooks {
        tokio::task::spawn_local(async move { hook() });
    }
    let pending = DEFERRED.with(|d| std::mem::take(&mut *d.borrow_mut()));
    for f in pending {
        tokio::task::spawn_local(async move { f() });
    }
}

/// Drops deferred calls that never ran (the loop is gone).
pub fn drop_pending_deferred() {
    let pending = DEFERRED.with(|d| std::mem::take(&mut *d.borrow_mut()));
    drop(pending);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::runtime::run_local;

    #[test]
    fn tick_repeats_until_cleared_and_after_fires_once() {
        let t = Rc::new(Timers::default());
        let ticks = Rc::new(Cell::new(0));
        let afters = Rc::new(Cell::new(0));
        run_local(async {
            t.loop_started();
            let k = ticks.clone();
            let t2 = t.clone();
            t.add(
                5,
                true,
                Rc::new(move |id| {
                    k.set(k.get() + 1);
                    if k.get() == 3 {
                        t2.clear(id);
                    }
                }),
            );
            let a = afters.clone();
            let after_id = t.add(5, false, Rc::new(move |_| a.set(a.get() + 1)));
            tokio::time::sleep(Duration::from_millis(60)).await;
            assert!(!t.exists(after_id));
        });
        assert_eq!(ticks.get(), 3);
        assert_eq!(afters.get(), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn timers_added_before_the_loop_are_armed_when_it_starts() {
        let t = Rc::new(Timers::default());
        let fired = Rc::new(Cell::new(false));
        let f = fired.clone();
        let id = t.add(1, false, Rc::new(move |_| f.set(true)));
        assert!(t.exists(id));
        run_local(async {
            t.loop_started();
            tokio::time::sleep(Duration::from_millis(20)).await;
        });
        assert!(fired.get());
    }

    #[test]
    fn a_timer_too_far_in_the_future_never_fires_and_never_panics() {
        let t = Rc::new(Timers::default());
        let fired = Rc::new(Cell::new(false));
        let f = fired.clone();
        run_local(async {
            t.loop_started();
            t.add(u64::MAX, true, Rc::new(move |_| f.set(true)));
            tokio::time::sleep(Duration::from_millis(10)).await;
        });
        assert!(!fired.get());
    }

    #[test]
    fn ticks_missed_by_a_slow_callback_are_skipped() {
        let t = Rc::new(Timers::default());
        let at = Rc::new(RefCell::new(Vec::new()));
        let a = at.clone();
        run_local(async {
            t.loop_started();
            t.add(
                10,
                true,
                Rc::new(move |_| {
                    a.borrow_mut().push(std::time::Instant::now());
                    if a.borrow().len() == 1 {
                        // PHP busy for 10 intervals
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }),
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        });
        let at = at.borrow();
        assert!(at.len() >= 3, "{} ticks", at.len());
        // a burst would fire the missed ticks back to back
        for pair in at[1..].windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(5), "{:?}", *at);
        }
    }

    #[test]
    fn clear_unknown_timer_is_false() {
        let t = Rc::new(Timers::default());
        assert!(!t.clear(42));
        let id = t.add(1000, true, Rc::new(|_| {}));
        assert!(t.clear(id));
        assert!(!t.clear(id));
    }
}
