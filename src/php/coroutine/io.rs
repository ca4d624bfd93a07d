//! A coroutine waiting for a socket: the descriptor is registered with the
//! PHP thread's tokio reactor, the coroutine suspends, and the task that
//! sees it ready (or its timeout pass) resumes it. The worker serves other
//! connections and coroutines meanwhile.
//!
//! Every coroutine client waits here, through the socket's
//! [`WaitHook`](crate::runtime::client::socket::WaitHook). A wait keeps
//! `Co\run()` / `Event::wait()` running ([`timers::LoopHold`]), and can be
//! ended early by `Coroutine::cancel()` (ECANCELED).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::task::AbortHandle;

use super::{current, suspend_cancelable, wake};
use crate::php::zend::znull;
use crate::runtime::client::socket::{poll_fd, Event};
use crate::worker::timers;

thread_local! {
    /// The socket wait of each coroutine that is in one.
    static WAITS: RefCell<HashMap<i64, AbortHandle>> = RefCell::new(HashMap::new());
    /// The coroutine waiting on each (descriptor, readiness).
    static WAITERS: RefCell<HashMap<(RawFd, bool), i64>> = RefCell::new(HashMap::new());
}

/// Cancels the coroutine waiting for `fd` to be ready for `ev`
/// (`Coroutine\Socket::cancel()`, a close while another coroutine waits);
/// false if none is.
pub fn cancel_fd(fd: RawFd, ev: Event) -> bool {
    let key = (fd, ev == Event::Read);
    match WAITERS.with(|w| w.borrow().get(&key).copied()) {
        Some(cid) => super::cancel(cid).is_ok(),
        None => false,
    }
}

/// The coroutine waiting for `fd` to be ready for `ev`, if one is.
pub fn waiter(fd: RawFd, ev: Event) -> Option<i64> {
    WAITERS.with(|w| w.borrow().get(&(fd, ev == Event::Read)).copied())
}

/// A descriptor someone else owns, registered with the reactor for one
/// wait (deregistered when the wait ends; never closed here).
struct Watched(RawFd);

impl AsRawFd for Watched {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// The [`WaitHook`](crate::runtime::client::socket::WaitHook) of coroutine
/// sockets: suspends the running coroutine until `fd` is ready for `ev`
/// or `timeout_ms` pass (ETIMEDOUT). Outside a coroutine it blocks, as
/// a plain socket does.
pub fn wait_fd(fd: RawFd, ev: Event, timeout_ms: i32) -> Result<(), i64> {
    let cid = current();
    if cid < 0 {
        return poll_fd(fd, ev, timeout_ms);
    }
    let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
    let key = (fd, ev == Event::Read);
    WAITERS.with(|w| w.borrow_mut().insert(key, cid));
    let code = wait_as(cid, fd, ev, timeout);
    WAITERS.with(|w| {
        let mut w = w.borrow_mut();
        if w.get(&key) == Some(&cid) {
            w.remove(&key);
        }
    });
    if code == 0 {
        Ok(())
    } else {
        Err(code)
    }
}

/// Suspends coroutine `cid` until the wait ends; its code (0: ready).
fn wait_as(cid: i64, fd: RawFd, ev: Event, timeout: Option<Duration>) -> i64 {
    await_as(cid, ready(fd, ev, timeout)).unwrap_or(i64::from(libc::ECANCELED))
}

/// Suspends coroutine `cid` while the loop runs `fut`; its output, or None
/// when the wait was canceled or the coroutine is being destroyed.
pub fn await_as<T: 'static>(cid: i64, fut: impl Future<Output = T> + 'static) -> Option<T> {
    let hold = timers::timers().hold();
    let out = Rc::new(RefCell::new(None));
    let slot = out.clone();
    let start = move || {
        let task = tokio::task::spawn_local(async move {
            let _hold = hold;
            let v = fut.await;
            *slot.borrow_mut() = Some(v);
            WAITS.with(|w| w.borrow_mut().remove(&cid));
            wake(cid, znull());
        });
        WAITS.with(|w| w.borrow_mut().insert(cid, task.abort_handle()));
    };
    on_loop(Box::new(start));
    let canceled = Box::new(move || {
        cancel_wait(cid);
        znull()
    });
    if suspend_cancelable(canceled).is_none() {
        // The coroutine is being destroyed: its wait goes with it.
        cancel_wait(cid);
    }
    let v = out.borrow_mut().take();
    v
}

/// Runs `f` (a blocking call: DNS, a file, a child process) on the
/// runtime's blocking threads while the running coroutine waits; outside
/// a coroutine it runs here, blocking. None when the wait was canceled.
pub fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let cid = current();
    if cid < 0 {
        return Some(f());
    }
    await_as(
        cid,
        async move { tokio::task::spawn_blocking(f).await.ok() },
    )
    .flatten()
}

/// Runs `f` inside the loop: now if it runs, else when it starts (a
/// coroutine started before `Co\run()` / at the script's top level).
fn on_loop(f: Box<dyn FnOnce()>) {
    timers::defer_or_now(f);
    crate::php::timer::need_loop();
}

/// Waits until `fd` is ready for `ev`; 0, or the errno of the failure.
async fn ready(fd: RawFd, ev: Event, timeout: Option<Duration>) -> i64 {
    let interest = match ev {
        Event::Read => Interest::READABLE,
        Event::Write => Interest::WRITABLE,
    };
    // SAFETY: `fd` is the socket of a client whose method is suspended in
    // this wait: the client is out of every script's reach until the wait
    // ends, so the descriptor stays open; `watched` is dropped (and the
    // descriptor deregistered) before the coroutine resumes.
    let registered = unsafe { AsyncFd::register_with_interest(Watched(fd), interest) };
    let watched = match registered {
        Ok(w) => w,
        Err(e) => return i64::from(e.into_parts().1.raw_os_error().unwrap_or(libc::EBADF)),
    };
    let became_ready = async {
        match ev {
            Event::Read => watched.readable().await.map(|_| ()),
            Event::Write => watched.writable().await.map(|_| ()),
        }
    };
    let r = match timeout {
        Some(t) => match tokio::time::timeout(t, became_ready).await {
            Ok(r) => r,
            Err(_) => return i64::from(libc::ETIMEDOUT),
        },
        None => became_ready.await,
    };
    match r {
        Ok(()) => 0,
        Err(e) => i64::from(e.raw_os_error().unwrap_or(libc::EIO)),
    }
}

/// Waits in the running coroutine until one of `fds` is ready for what
/// it is watched for (`(fd, read, write)`), at most `timeout_ms` (negative:
/// no limit): `stream_select()`'s wait. The caller polls the descriptors
/// afterwards to see which. A descriptor that cannot be watched (a regular
/// file) ends the wait at once, as `poll()` reports such files ready.
/// Outside a coroutine it blocks in `poll()`. False when the wait was
/// canceled (`Coroutine::cancel()`).
pub fn wait_any(fds: Vec<(RawFd, bool, bool)>, timeout_ms: i32) -> bool {
    let cid = current();
    if cid < 0 {
        let mut pfds: Vec<libc::pollfd> = fds
            .iter()
            .map(|&(fd, r, w)| libc::pollfd {
                fd,
                events: if r { libc::POLLIN } else { 0 } | if w { libc::POLLOUT } else { 0 },
                revents: 0,
            })
            .collect();
        // SAFETY: a valid array of pollfds with its length.
        unsafe {
            libc::poll(
                pfds.as_mut_ptr(),
                pfds.len() as libc::nfds_t,
                timeout_ms.max(-1),
            )
        };
        return true;
    }
    let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
    await_as(cid, async move {
        let mut watched = Vec::with_capacity(fds.len());
        for (fd, r, w) in fds {
            let interest = match (r, w) {
                (true, true) => Interest::READABLE | Interest::WRITABLE,
                (true, false) => Interest::READABLE,
                (false, true) => Interest::WRITABLE,
                (false, false) => continue,
            };
            // SAFETY: the descriptors belong to streams the suspended
            // script holds in the arrays it passed; `watched` is dropped
            // (deregistering them) before the coroutine resumes.
            match unsafe { AsyncFd::register_with_interest(Watched(fd), interest) } {
                Ok(a) => watched.push((a, r, w)),
                Err(_) => return,
            }
        }
        let any = std::future::poll_fn(|cx| {
            for (a, r, w) in &watched {
                if (*r && a.poll_read_ready(cx).is_ready())
                    || (*w && a.poll_write_ready(cx).is_ready())
                {
                    return std::task::Poll::Ready(());
                }
            }
            std::task::Poll::Pending
        });
        match timeout {
            Some(t) => {
                let _ = tokio::time::timeout(t, any).await;
            }
            None => any.await,
        }
    })
    .is_some()
}

/// Stops coroutine `cid`'s socket wait, if it is in one; true if it was.
fn cancel_wait(cid: i64) -> bool {
    match WAITS.with(|w| w.borrow_mut().remove(&cid)) {
        Some(task) => {
            task.abort();
            true
        }
        None => false,
    }
}

/// Ends every socket wait (the script is ending: a fatal error,
/// `Event::exit()`); the coroutines stay suspended.
pub fn abort_all() {
    let all = WAITS.with(|w| std::mem::take(&mut *w.borrow_mut()));
    for task in all.into_values() {
        task.abort();
    }
}
