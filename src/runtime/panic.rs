//! Containing a panic to the step it happened in.
//!
//! A connection task's panic is contained by tokio (it catches the panic
//! and drops the task) together with the task's own guards
//! (`runtime::server`'s `ReaderEnd` and `WriterEnd`), which end just that
//! connection the normal way. What is not a task of its own, one message
//! of an inbox loop, is contained here: a panic ends that step, not the
//! loop.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs one step of a long-lived loop (one inbox message): a panic in it
/// is logged and the loop goes on with the next step, instead of the
/// whole loop (and every message after it) being lost.
pub fn contain(what: &str, step: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(step)) {
        super::log::write(super::log::Level::Error, true, &report(what, &*payload));
    }
}

/// How a caught panic is reported, wherever it was caught: `what` says
/// where (a PHP function's name, a loop step), then the panic's text.
pub fn report(what: &str, payload: &(dyn Any + Send)) -> String {
    format!(
        "{what}: internal error in swoole-rs: {} (please report it)",
        message(payload)
    )
}

/// The text a panic was raised with.
fn message(payload: &(dyn Any + Send)) -> String {
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
        assert_eq!(
            report("here", &"x"),
            "here: internal error in swoole-rs: x (please report it)"
        );
        assert_eq!(message(&String::from("y")), "y");
    }
}
