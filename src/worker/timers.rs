//! `Swoole\Timer` (tick/after/clear/clearAll) and `Swoole\Event::defer`.
//!
//! Timers run on the worker's `LocalSet`, so their callbacks run on the PHP
//! thread between connection events. As in Swoole, one queue ordered by
//! due time (whole milliseconds since the thread's first timer) and then
//! by id holds them all, and one driver task sleeps until the earliest and
//! fires every timer due, in that order, as one dispatch "round". So two
//! timers due in the same millisecond fire in the order they were added,
//! whatever the clock's jitter. A timer created before the event loop runs
//! (in the script's top level, before `start()`) fires when the loop
//! starts if it is due by then, as in Swoole.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;

pub type TimerId = i64;

/// A timer's callback; gets the timer id (PHP passes it to tick callbacks).
pub type TimerCallback = Rc<dyn Fn(TimerId)>;

/// A due time: whole milliseconds since the thread's first timer; None
/// never comes (past what the clock can hold).
type DueMs = Option<u64>;

struct Entry {
    interval_ms: u64,
    repeat: bool,
    callback: TimerCallback,
    due: DueMs,
    /// How often it has fired.
    exec_count: u64,
    /// The dispatch round it was added in (`Timer::info()`'s `round`).
    round: u64,
    /// Cleared while its own callback runs: Swoole keeps such a timer
    /// (`info()` says `removed`) until the callback returns.
    removed: bool,
}

/// What `Timer::info()` shows of a timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerInfo {
    /// When it fires next, in ms since the timers of this thread began.
    pub exec_msec: u64,
    pub exec_count: u64,
    /// The interval of a tick timer, 0 for a one-shot one.
    pub interval: u64,
    pub round: u64,
    pub removed: bool,
}

/// Every live timer of this thread.
#[derive(Default)]
pub struct Timers {
    last_id: Cell<TimerId>,
    entries: RefCell<BTreeMap<TimerId, Entry>>,
    /// (due, id) of every timer that will fire: the driver's queue.
    queue: RefCell<BTreeSet<(u64, TimerId)>>,
    /// The driver task while an event loop runs.
    driver: RefCell<Option<AbortHandle>>,
    /// Wakes the driver when a timer due earlier than it sleeps for is
    /// added.
    queue_changed: tokio::sync::Notify,
    /// Waits that keep `Event::wait()` running besides timers: a
    /// coroutine waiting for a socket ([`LoopHold`]).
    holds: Cell<usize>,
    emptied: tokio::sync::Notify,
    /// When the first timer was added (Swoole's timer "initialized").
    base: Cell<Option<Instant>>,
    /// Dispatch rounds that fired a timer (`Timer::stats()['round']`).
    round: Cell<u64>,
    /// The timer whose callback runs now.
    firing: Cell<Option<TimerId>>,
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
    /// Milliseconds since the first timer (which sets the base).
    fn now_ms(&self) -> u64 {
        let now = Instant::now();
        let base = match self.base.get() {
            Some(b) => b,
            None => {
                self.base.set(Some(now));
                now
            }
        };
        now.saturating_duration_since(base).as_millis() as u64
    }

    fn instant_of(&self, due: u64) -> Option<tokio::time::Instant> {
        let base = self.base.get()?;
        base.checked_add(Duration::from_millis(due))
            .map(tokio::time::Instant::from_std)
    }

    fn enqueue(&self, id: TimerId, due: DueMs) {
        if let Some(due) = due {
            let earliest = self.queue.borrow().first().map(|(d, _)| *d);
            self.queue.borrow_mut().insert((due, id));
            if earliest.is_none_or(|e| due < e) {
                self.queue_changed.notify_one();
            }
        }
    }

    /// Adds a timer; Swoole's smallest interval is 1 ms.
    pub fn add(self: &Rc<Self>, ms: u64, repeat: bool, callback: TimerCallback) -> TimerId {
        let id = self.last_id.get() + 1;
        self.last_id.set(id);
        let interval_ms = ms.max(1);
        let due = self.now_ms().checked_add(interval_ms);
        let entry = Entry {
            interval_ms,
            repeat,
            callback,
            due,
            exec_count: 0,
            round: self.round.get(),
            removed: false,
        };
        self.entries.borrow_mut().insert(id, entry);
        self.enqueue(id, due);
        id
    }

    /// Skips ids up to `id`: a BASE server's worker gives its first timer
    /// id 2, as Swoole's does (its own timer took 1).
    pub fn reserve_ids_to(&self, id: TimerId) {
        if self.last_id.get() < id {
            self.last_id.set(id);
        }
    }

    /// Removes a timer; false if there is no such timer. A timer cleared
    /// from its own callback stays (marked removed) until the callback
    /// returns.
    pub fn clear(&self, id: TimerId) -> bool {
        if self.firing.get() == Some(id) {
            let mut entries = self.entries.borrow_mut();
            return match entries.get_mut(&id) {
                Some(e) if !e.removed => {
                    e.removed = true;
                    true
                }
                _ => false,
            };
        }
        let removed = self.entries.borrow_mut().remove(&id);
        match removed {
            Some(entry) => {
                if let Some(due) = entry.due {
                    self.queue.borrow_mut().remove(&(due, id));
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
    pub fn is_idle(&self) -> bool {
        self.idle()
    }

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
        self.queue.borrow_mut().clear();
        drop(entries);
        self.emptied.notify_waiters();
    }

    pub fn exists(&self, id: TimerId) -> bool {
        self.entries.borrow().get(&id).is_some_and(|e| !e.removed)
    }

    /// `Timer::info()`.
    pub fn info(&self, id: TimerId) -> Option<TimerInfo> {
        self.entries.borrow().get(&id).map(|e| TimerInfo {
            exec_msec: e.due.unwrap_or(u64::MAX),
            exec_count: e.exec_count,
            interval: if e.repeat { e.interval_ms } else { 0 },
            round: e.round,
            removed: e.removed,
        })
    }

    /// Whether a timer was ever added on this thread (`Timer::stats()`).
    pub fn initialized(&self) -> bool {
        self.base.get().is_some()
    }

    /// Dispatch rounds so far (`Timer::stats()`).
    pub fn round(&self) -> u64 {
        self.round.get()
    }

    pub fn ids(&self) -> Vec<TimerId> {
        self.entries
            .borrow()
            .iter()
            .filter(|(_, e)| !e.removed)
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }

    /// Forgets every timer without touching the loop (a forked child: its
    /// parent's timers are not its own, as in Swoole).
    pub fn forget_in_child(&self) {
        self.entries.borrow_mut().clear();
        self.queue.borrow_mut().clear();
        self.firing.set(None);
    }

    /// Whether an event loop runs on this thread now.
    pub fn loop_running(&self) -> bool {
        self.driver.borrow().is_some()
    }

    /// Called inside the `LocalSet` when the loop starts: starts the
    /// driver, which fires the timers created so far when they are due.
    pub fn loop_started(self: &Rc<Self>) {
        let timers = self.clone();
        let handle = tokio::task::spawn_local(async move { timers.drive().await }).abort_handle();
        if let Some(old) = self.driver.borrow_mut().replace(handle) {
            old.abort();
        }
    }

    /// Called when the loop ends: timers stop firing (the driver dies
    /// with the runtime) and a later loop fires them again.
    pub fn loop_stopped(&self) {
        if let Some(driver) = self.driver.borrow_mut().take() {
            driver.abort();
        }
    }

    /// The driver: sleeps until the earliest timer is due, then fires
    /// every timer due by then.
    async fn drive(self: Rc<Self>) {
        loop {
            let changed = self.queue_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let earliest = self.queue.borrow().first().map(|(d, _)| *d);
            match earliest.and_then(|d| self.instant_of(d)) {
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = &mut changed => continue,
                    }
                }
                None => {
                    changed.await;
                    continue;
                }
            }
            self.run_round();
        }
    }

    /// Fires every timer due now, by due time then id; timers added by
    /// these callbacks wait for a later round, as in Swoole.
    fn run_round(self: &Rc<Self>) {
        let now = self.now_ms();
        let due: Vec<(u64, TimerId)> = self
            .queue
            .borrow()
            .iter()
            .take_while(|(d, _)| *d <= now)
            .copied()
            .collect();
        if due.is_empty() {
            return;
        }
        self.round.set(self.round.get() + 1);
        for (at, id) in due {
            // Cleared or moved by an earlier callback of this round.
            if !self.queue.borrow_mut().remove(&(at, id)) {
                continue;
            }
            self.fire(id);
        }
        if let Some(hook) = ROUND_END.with(|h| h.borrow().clone()) {
            hook();
        }
    }

    fn fire(self: &Rc<Self>, id: TimerId) {
        let (callback, repeat) = match self.entries.borrow_mut().get_mut(&id) {
            Some(e) if !e.removed => (e.callback.clone(), e.repeat),
            _ => return,
        };
        let outer = self.firing.replace(Some(id));
        callback(id);
        self.firing.set(outer);
        let mut entries = self.entries.borrow_mut();
        let Some(entry) = entries.get_mut(&id) else {
            drop(entries);
            self.notify_if_empty();
            return;
        };
        // Counted once the callback has returned, as Swoole counts.
        entry.exec_count += 1;
        if !repeat || entry.removed {
            entries.remove(&id);
            drop(entries);
            self.notify_if_empty();
            return;
        }
        // Ticks missed while PHP was busy are skipped, not fired in a
        // burst.
        let now = self.now_ms();
        let mut next = entry.due.and_then(|d| d.checked_add(entry.interval_ms));
        if next.is_some_and(|d| d <= now) {
            next = now.checked_add(entry.interval_ms);
        }
        entry.due = next;
        drop(entries);
        self.enqueue(id, next);
    }
}

/// Runs `f` soon, after the current event has been handled
/// (`Swoole\Event::defer`, `$server->defer`).
pub fn defer(f: Box<dyn FnOnce()>) {
    let timers = timers();
    if timers.loop_running() {
        tokio::task::spawn_local(async move { f() });
    } else {
        DEFERRED.with(|d| d.borrow_mut().push(f));
    }
}

/// Runs `f` now if the loop runs, else as soon as it starts (what needs
/// the loop's reactor, asked for before the loop exists).
pub fn defer_or_now(f: Box<dyn FnOnce()>) {
    if timers().loop_running() {
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

thread_local! {
    static ROUND_END: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Runs `f` after every round of timers (inside the loop): where
/// `Event::cycle()` sees an iteration end.
pub fn on_round_end(f: Rc<dyn Fn()>) {
    ROUND_END.with(|h| *h.borrow_mut() = Some(f));
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

    #[test]
    fn timers_due_together_fire_in_one_round_in_the_order_added() {
        let t = Rc::new(Timers::default());
        let order = Rc::new(RefCell::new(Vec::new()));
        run_local(async {
            t.loop_started();
            for _ in 0..3 {
                let o = order.clone();
                let t2 = t.clone();
                t.add(
                    5,
                    false,
                    Rc::new(move |id| o.borrow_mut().push((id, t2.round()))),
                );
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        });
        assert_eq!(*order.borrow(), [(1, 1), (2, 1), (3, 1)]);
        assert_eq!(t.round(), 1);
    }

    #[test]
    fn a_tick_due_with_an_after_added_later_fires_first() {
        // Swoole's master_base test: tick(10) then after(30); at 30 ms
        // the tick's third run comes before the after.
        let t = Rc::new(Timers::default());
        let log = Rc::new(RefCell::new(Vec::new()));
        run_local(async {
            t.loop_started();
            let l = log.clone();
            let tick = t.add(10, true, Rc::new(move |_| l.borrow_mut().push("tick")));
            let l = log.clone();
            let t2 = t.clone();
            t.add(
                30,
                false,
                Rc::new(move |_| {
                    l.borrow_mut().push("after");
                    t2.clear(tick);
                }),
            );
            tokio::time::sleep(Duration::from_millis(80)).await;
        });
        assert_eq!(*log.borrow(), ["tick", "tick", "tick", "after"]);
    }

    #[test]
    fn a_timer_cleared_in_its_own_callback_shows_removed_until_it_returns() {
        let t = Rc::new(Timers::default());
        let seen = Rc::new(RefCell::new(None));
        run_local(async {
            t.loop_started();
            let t2 = t.clone();
            let s = seen.clone();
            t.add(
                2,
                true,
                Rc::new(move |id| {
                    assert!(t2.clear(id));
                    *s.borrow_mut() = Some((t2.exists(id), t2.info(id).map(|i| i.removed)));
                }),
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        });
        assert_eq!(*seen.borrow(), Some((false, Some(true))));
        assert!(t.is_empty());
    }

    #[test]
    fn info_and_rounds_follow_swoole() {
        let t = Rc::new(Timers::default());
        assert!(!t.initialized());
        let id = t.add(100, false, Rc::new(|_| {}));
        assert!(t.initialized());
        let info = t.info(id).expect("info");
        assert_eq!((info.interval, info.round, info.removed), (0, 0, false));
        assert!((100..=110).contains(&info.exec_msec), "{info:?}");
        let tick = t.add(7, true, Rc::new(|_| {}));
        assert_eq!(t.info(tick).map(|i| i.interval), Some(7));
        t.reserve_ids_to(10);
        assert_eq!(t.add(1, false, Rc::new(|_| {})), 11);
    }
}
