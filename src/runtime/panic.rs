//! Containing a panic to the task it happened in.
//!
//! tokio already catches a panicking task, but then just drops it: a
//! connection task that panicked would skip its own ending (onClose, the
//! table entry, the writer count that shutdown waits for). [`CatchUnwind`]
//! turns the panic into a value, so the task ends the way it always does
//! and only its own connection is lost.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls `F`, returning `Err(payload)` instead of unwinding if it panics.
/// The inner future is never polled again after a panic.
pub struct CatchUnwind<F> {
    inner: F,
}

impl<F: Future> CatchUnwind<F> {
    pub fn new(inner: F) -> Self {
        CatchUnwind { inner }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // AssertUnwindSafe: after a panic the inner future is dropped
        // unpolled, so no state it left half-updated is used again; shared
        // state (RefCells) releases its borrows while unwinding.
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`, and CatchUnwind has no Drop impl and is Unpin only when
        // `F` is (the auto trait), so pinning `self` pins `inner`. Not
        // boxed: no allocation per connection.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.inner) };
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// Runs one step of a long-lived loop (one inbox message): a panic in it
/// is logged and the loop goes on with the next step, instead of the
/// whole loop (and every message after it) being lost.
pub fn contain(what: &str, step: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(step)) {
        super::log::write(
            super::log::Level::Error,
            true,
            &format!(
                "internal error in swoole-rs while {what}: {} (please report it)",
                message(&*payload)
            ),
        );
    }
}

/// The text a panic was raised with.
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_value_and_other_tasks_go_on() {
        super::super::run_local(async {
            let bystander = tokio::task::spawn_local(async {
                tokio::task::yield_now().await;
                7
            });
            let caught = CatchUnwind::new(async {
                tokio::task::yield_now().await;
                if bystander_is_running() {
                    panic!("boom");
                }
                1
            })
            .await;
            let payload = caught.err().map(|p| p.downcast_ref::<&str>().copied());
            assert_eq!(payload, Some(Some("boom")));
            assert_eq!(bystander.await.ok(), Some(7));
            assert_eq!(CatchUnwind::new(async { 3 }).await.ok(), Some(3));
        });
    }

    fn bystander_is_running() -> bool {
        true
    }

    #[test]
    fn a_contained_step_does_not_stop_the_loop() {
        let mut done = vec![];
        for i in 0..3 {
            contain("testing", || {
                if i == 1 {
                    panic!("step {i}");
                }
                done.push(i);
            });
        }
        assert_eq!(done, [0, 2]);
        assert_eq!(message(&"x"), "x");
        assert_eq!(message(&String::from("y")), "y");
    }
}
