//! `max_concurrency`, and the counts `stats()` shows: the HTTP requests
//! being answered now, by this worker and by all of them (the shared table
//! keeps the count of every worker; a lone process keeps its own).
//!
//! A request counts from its onRequest until its response is gone (ended,
//! or dropped with its connection), as Swoole counts from its
//! onBeforeRequest to its onAfterResponse.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use crate::worker::cluster::{cluster, try_cluster};

/// Swoole's `SW_HTTP_SERVICE_UNAVAILABLE_PACKET`: the whole answer to a
/// request over `max_concurrency`, before the connection is closed.
pub const UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\r\n";

thread_local! {
    /// Requests this process is answering.
    static HERE: Cell<u32> = const { Cell::new(0) };
    /// Requests waiting for one of this worker's to end
    /// (`worker_max_concurrency`).
    static WAITING: RefCell<VecDeque<Waiting>> = const { RefCell::new(VecDeque::new()) };
}

/// A request waiting in this worker.
pub struct Waiting {
    /// Runs its onRequest.
    pub start: Box<dyn FnOnce()>,
    /// Answers it with [`UNAVAILABLE`] and closes its connection.
    pub refuse: Box<dyn FnOnce()>,
}

/// Whether this worker's server is stopping (or gone): then no waiting
/// request starts.
fn stopping() -> bool {
    crate::php::state::current()
        .and_then(|s| s.runtime())
        .is_none_or(|rt| rt.is_stopping())
}

/// Starts `request` now when this worker answers fewer than `limit`
/// requests (0: no limit), else once enough of them ended.
pub fn start_or_wait(limit: u32, request: Waiting) {
    if limit == 0 || here() < limit {
        (request.start)();
    } else {
        WAITING.with(|w| w.borrow_mut().push_back(request));
    }
}

/// A request ended: the next waiting one starts, after the current event
/// (never inside the response's own teardown, which may come as the thread
/// ends); a stopping worker refuses them all instead, as Swoole's does.
fn start_next_waiting() {
    let next = WAITING
        .try_with(|w| w.try_borrow_mut().ok().and_then(|mut w| w.pop_front()))
        .ok()
        .flatten();
    let Some(next) = next else { return };
    crate::worker::timers::defer(Box::new(move || {
        if !stopping() {
            return (next.start)();
        }
        (next.refuse)();
        let rest: Vec<Waiting> = WAITING.with(|w| w.borrow_mut().drain(..).collect());
        for waiting in rest {
            (waiting.refuse)();
        }
    }));
}

/// Whether one more request may be answered under `max` (0: no limit).
pub fn admits(max: u32) -> bool {
    max == 0 || all() < max
}

/// A request starts being answered here.
pub fn begin() {
    HERE.with(|h| h.set(h.get().saturating_add(1)));
    if let Some(c) = cluster() {
        c.shared.request_begin(c.my_id() as usize);
    }
}

/// One has been answered. (Called from a response's destructor, maybe
/// as the thread ends: it never touches a thread local already gone.)
pub fn end() {
    let _ = HERE.try_with(|h| h.set(h.get().saturating_sub(1)));
    if let Some(c) = try_cluster() {
        c.shared.request_end(c.my_id() as usize);
    }
    start_next_waiting();
}

/// Requests being answered by every worker.
pub fn all() -> u32 {
    match cluster() {
        Some(c) => c.shared.concurrency(),
        None => here(),
    }
}

/// Requests being answered by this process.
pub fn here() -> u32 {
    HERE.with(Cell::get)
}
