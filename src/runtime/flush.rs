//! End-of-turn writes: what the script pushes while a task runs (an
//! onMessage batch, a `foreach ... push()` broadcast, a timer) is written
//! after that task yields, by one flush task, with one `sendmsg` per
//! connection, instead of each push waking its connection's writer task.
//!
//! Why: a woken writer task costs a scheduler round trip (queue it, poll
//! it, poll its socket readiness, park it again) on top of the write itself.
//! A broadcast to 10,000 connections paid that 10,000 times; now it wakes
//! one task. Pushes made in one turn still share one write per connection
//! (the flush runs after the task that pushed has yielded), so
//! "every push of that round in one syscall" holds.
//!
//! Only what can be written at once is written here. When a socket is full
//! (or failing) the rest stays queued and the connection's writer task is
//! woken: it waits for the socket to drain, enforces close deadlines and
//! reports errors, as before. TLS connections always go through their
//! writer (their bytes must be encrypted by the TLS stream it owns).

use std::cell::RefCell;
use std::rc::Rc;

use super::connection::Connection;
use super::local_notify::LocalNotify;

/// The connections with pushes waiting for the end of the turn, and the
/// flush task's wake-up.
struct Pending {
    dirty: RefCell<Vec<Rc<Connection>>>,
    wake: LocalNotify,
}

thread_local! {
    /// This thread's flush task, while one runs.
    static CURRENT: RefCell<Option<Rc<Pending>>> = const { RefCell::new(None) };
}

/// Starts this thread's flush task if none runs. Call from inside a
/// `LocalSet` (the connection tasks' one).
pub fn ensure_running() {
    let running = CURRENT.with(|c| c.borrow().is_some());
    if !running {
        let pending = Rc::new(Pending {
            dirty: RefCell::new(Vec::new()),
            wake: LocalNotify::new(),
        });
        CURRENT.with(|c| *c.borrow_mut() = Some(pending.clone()));
        tokio::task::spawn_local(run(pending));
    }
}

/// Has `conn` written at the end of this turn. False when no flush task
/// runs on this thread: the caller wakes the writer task instead.
pub(crate) fn defer(conn: &Rc<Connection>) -> bool {
    CURRENT.with(|c| match &*c.borrow() {
        Some(p) => {
            let mut dirty = p.dirty.borrow_mut();
            if dirty.is_empty() {
                p.wake.notify_one();
            }
            dirty.push(conn.clone());
            true
        }
        None => false,
    })
}

/// Unregisters the flush task when it ends (its runtime is dropped) and
/// hands the connections still in the dirty list to their writer tasks.
/// (Those of a batch cut short by the drop go with the runtime, whose
/// writer tasks are dropped with it.)
struct Registration(Rc<Pending>);

impl Drop for Registration {
    fn drop(&mut self) {
        CURRENT.with(|c| {
            let mut current = c.borrow_mut();
            if current.as_ref().is_some_and(|p| Rc::ptr_eq(p, &self.0)) {
                *current = None;
            }
        });
        for conn in self.0.dirty.take() {
            conn.flush_deferred(false);
        }
    }
}

async fn run(pending: Rc<Pending>) {
    let registration = Registration(pending);
    let pending = &registration.0;
    // Swapped with the dirty list each turn: neither allocates again.
    let mut batch: Vec<Rc<Connection>> = Vec::new();
    loop {
        pending.wake.notified().await;
        std::mem::swap(&mut batch, &mut *pending.dirty.borrow_mut());
        let mut written = 0;
        for conn in batch.drain(..) {
            conn.flush_deferred(true);
            written += 1;
            // A broadcast leaves thousands of connections to write (~10 us
            // of kernel time each on loopback): let the other tasks (the
            // readers of other clients, timers) run between slices rather
            // than after the whole batch. The connections still in the
            // batch stay marked, so pushes to them meanwhile just queue.
            if written % FLUSH_SLICE == 0 {
                tokio::task::yield_now().await;
            }
        }
    }
}

/// How many connections the flush writes before letting other tasks run.
pub(crate) const FLUSH_SLICE: usize = 256;
