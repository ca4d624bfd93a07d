//! Build-time test hooks (`--features test-hooks`, never in a release
//! build): they let the PHP tests force a panic where one could happen, to
//! prove that it takes down only what it must.

use std::cell::Cell;

use super::SessionId;

thread_local! {
    /// The connection whose task panics on its next message.
    static PANIC_ON_MESSAGE_OF: Cell<Option<SessionId>> = const { Cell::new(None) };
}

/// Arms a panic in the task of connection `id`, before its next message is
/// dispatched.
pub fn panic_on_next_message(id: SessionId) {
    PANIC_ON_MESSAGE_OF.with(|c| c.set(Some(id)));
}

/// Called by the connection task before a message is dispatched.
pub fn before_dispatch(id: SessionId) {
    if PANIC_ON_MESSAGE_OF.with(|c| c.get()) == Some(id) {
        PANIC_ON_MESSAGE_OF.with(|c| c.set(None));
        panic!("test hook: panic in the task of connection {id}");
    }
}
