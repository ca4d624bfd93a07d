//! A wake-up flag for one task on this thread.
//!
//! A connection's reader and writer each wait on "something happened" (data
//! was queued, the server closed the connection) around every read and
//! write. `tokio::sync::Notify` does that for any number of waiters on any
//! thread: each `notified()` that waits takes a mutex and links itself into
//! a list, and unlinks itself (the mutex again) when it is dropped, which a
//! `select!` does every round. On the echo path that was ~7% of the
//! server's instructions per message. A connection lives on one thread and
//! each of its flags has exactly one waiting task, so a `Cell` holding the
//! permit and the waiter's `Waker` does the same job.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A permit and at most one waiting task, on one thread (`!Sync`).
///
/// [`LocalNotify::notify_one`] wakes the waiting task, or, when none waits,
/// leaves a permit that the next [`LocalNotify::notified`] takes at once,
/// like `tokio::sync::Notify::notify_one`. Only one task may wait at a
/// time: a second waiter would replace the first one's waker.
#[derive(Default)]
pub struct LocalNotify {
    permit: Cell<bool>,
    waiter: Cell<Option<Waker>>,
}

impl LocalNotify {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wakes the waiting task, or stores a permit for the next wait.
    pub fn notify_one(&self) {
        self.permit.set(true);
        if let Some(w) = self.waiter.take() {
            w.wake();
        }
    }

    /// Whether a notification waits to be taken (tests).
    #[cfg(test)]
    pub fn has_permit(&self) -> bool {
        self.permit.get()
    }

    /// Resolves once notified (at once if a permit is stored); the permit
    /// is used up.
    pub fn notified(&self) -> Notified<'_> {
        Notified { notify: self }
    }
}

/// The future of [`LocalNotify::notified`].
pub struct Notified<'a> {
    notify: &'a LocalNotify,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let n = self.notify;
        if n.permit.replace(false) {
            return Poll::Ready(());
        }
        // Keep the stored waker when it already wakes this task (the usual
        // case: the same task polls again), saving a clone.
        let waker = match n.waiter.take() {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        };
        n.waiter.set(Some(waker));
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    /// A wait given up (the other branch of a `select!` won) leaves no
    /// waker behind: it would keep a finished task's memory alive, and wake
    /// the task for nothing later.
    fn drop(&mut self) {
        drop(self.notify.waiter.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_permit_left_before_waiting_is_taken_once() {
        crate::runtime::run_local(async {
            let n = LocalNotify::new();
            n.notify_one();
            n.notify_one();
            n.notified().await;
            // Both notifications made one permit: the next wait waits.
            let second = tokio::time::timeout(std::time::Duration::from_millis(20), n.notified());
            assert!(second.await.is_err());
        });
    }

    #[test]
    fn notify_wakes_the_waiting_task() {
        crate::runtime::run_local(async {
            let n = Rc::new(LocalNotify::new());
            let woken = Rc::new(Cell::new(false));
            let task = tokio::task::spawn_local({
                let (n, woken) = (n.clone(), woken.clone());
                async move {
                    n.notified().await;
                    woken.set(true);
                }
            });
            tokio::task::yield_now().await;
            assert!(!woken.get(), "woke without a notification");
            n.notify_one();
            task.await.expect("task");
            assert!(woken.get());
        });
    }

    #[test]
    fn a_wait_given_up_in_select_leaves_no_waker_and_keeps_later_permits() {
        crate::runtime::run_local(async {
            let n = LocalNotify::new();
            tokio::select! {
                _ = n.notified() => panic!("no permit was stored"),
                _ = tokio::task::yield_now() => {}
            }
            assert!(n.waiter.take().is_none(), "a dropped wait left its waker");
            n.notify_one();
            n.notified().await;
        });
    }
}
