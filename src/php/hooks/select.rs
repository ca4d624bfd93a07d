//! `SWOOLE_HOOK_STREAM_FUNCTION`: `stream_select()` in a coroutine waits
//! for its streams in the coroutine (installed by [`super::functions`]).
//!
//! The result is PHP's: the arrays keep the ready streams under their
//! keys; the return value is Swoole's, the number of streams with an
//! event (PHP's counts a stream ready both ways twice); a stream with unread data in PHP's
//! buffer is readable at once, and a timeout of 0 only looks. Anything
//! PHP itself would warn about or reject (no arrays, a value that is not
//! a stream, a negative timeout) and every call outside a coroutine go to
//! PHP's own `stream_select()`.

use std::time::{Duration, Instant};

use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::functions::{call_php, coroutine_of_call, num_args};
use crate::php::args::Args;
use crate::php::coroutine::io;
use crate::php::zend;

/// One stream of one of the three arrays.
struct Watched {
    key: ArrayKey<'static>,
    value: Zval,
    fd: i32,
    /// Unread bytes in PHP's read buffer (a read set entry is ready).
    buffered: bool,
}

/// The three arrays (None: passed as null), and the timeout.
struct Select {
    sets: [Option<Vec<Watched>>; 3],
    timeout_ms: i32,
}

pub(super) fn hooked_stream_select(ex: &mut ExecuteData, rv: &mut Zval) {
    if coroutine_of_call().is_none() {
        return call_php("stream_select", ex, rv);
    }
    let Some((select, args)) = plan(ex) else {
        return call_php("stream_select", ex, rv);
    };
    // PHP's shortcut: when streams of the read array have unread data in
    // their buffers, those alone are the answer, at once.
    if select.sets[0]
        .as_ref()
        .is_some_and(|r| r.iter().any(|w| w.buffered))
    {
        let buffered: Vec<bool> = select.sets[0]
            .iter()
            .flatten()
            .map(|w| w.buffered)
            .collect();
        return finish(select, [buffered, Vec::new(), Vec::new()], &args, rv);
    }
    let deadline = u64::try_from(select.timeout_ms)
        .ok()
        .and_then(|ms| Instant::now().checked_add(Duration::from_millis(ms)));
    let ready = loop {
        let ready = look(&select);
        let count: usize = ready.iter().map(|r| r.iter().filter(|x| **x).count()).sum();
        let left = match deadline {
            None => -1,
            Some(d) => i32::try_from(d.saturating_duration_since(Instant::now()).as_millis())
                .unwrap_or(i32::MAX),
        };
        if count > 0 || left == 0 {
            break ready;
        }
        let mut fds: Vec<(i32, bool, bool)> = Vec::new();
        for (i, set) in select.sets.iter().enumerate().take(2) {
            for w in set.iter().flatten() {
                match fds.iter_mut().find(|f| f.0 == w.fd) {
                    Some(f) => {
                        f.1 |= i == 0;
                        f.2 |= i == 1;
                    }
                    None => fds.push((w.fd, i == 0, i == 1)),
                }
            }
        }
        if fds.is_empty() {
            // Only exceptional conditions asked for: PHP's select waits on
            // those; they are rare enough to look once more after the time.
            let _ = io::wait_any(Vec::new(), left);
            break look(&select);
        }
        if !io::wait_any(fds, left) {
            break look(&select);
        }
    };
    finish(select, ready, &args, rv);
}

/// Leaves the ready entries of each array (by reference) and returns
/// their count.
fn finish(select: Select, ready: [Vec<bool>; 3], args: &Args, rv: &mut Zval) {
    // Swoole counts the descriptors with an event, not the array entries
    // (a stream ready to read and to write counts once).
    let mut ready_fds: Vec<i32> = Vec::new();
    for (i, set) in select.sets.into_iter().enumerate() {
        let Some(set) = set else { continue };
        let mut kept = ZendHashTable::new();
        for (w, is_ready) in set
            .into_iter()
            .zip(ready[i].iter().chain(std::iter::repeat(&false)))
        {
            if *is_ready {
                if !ready_fds.contains(&w.fd) {
                    ready_fds.push(w.fd);
                }
                let _ = kept.insert(w.key, w.value);
            }
        }
        args.set_ref(i, zend::zarray(kept));
    }
    rv.set_long(ready_fds.len() as i64);
}

/// The call's arrays and timeout, when it is one to serve here.
fn plan(ex: &mut ExecuteData) -> Option<(Select, Args)> {
    if !(4..=5).contains(&num_args(ex)) {
        return None;
    }
    let args = Args::parse(ex, 4, 5)?;
    let mut sets: [Option<Vec<Watched>>; 3] = [None, None, None];
    let mut any = false;
    for (i, slot) in sets.iter_mut().enumerate() {
        let z = args.get(i)?;
        if z.is_null() {
            continue;
        }
        let mut set = Vec::new();
        for (key, value) in z.array()?.iter() {
            let stream = zend::stream_of(value)?;
            let fd = zend::stream_fd(stream)?;
            // SAFETY: a live stream of the script's array.
            let buffered = i == 0 && unsafe { (*stream).writepos - (*stream).readpos > 0 };
            let key = match key {
                ArrayKey::Long(n) => ArrayKey::Long(n),
                other => ArrayKey::String(other.to_string()),
            };
            set.push(Watched {
                key,
                value: zend::zcopy(value),
                fd,
                buffered,
            });
        }
        any |= !set.is_empty();
        *slot = Some(set);
    }
    if !any {
        return None;
    }
    let seconds = args.get(3)?;
    let timeout_ms = if seconds.is_null() {
        -1
    } else {
        let s = seconds.long().filter(|s| *s >= 0)?;
        let us = match args.get(4) {
            None => 0,
            Some(z) if z.is_null() => 0,
            Some(z) => z.long().filter(|u| *u >= 0)?,
        };
        let ms = s
            .saturating_mul(1000)
            .saturating_add((us.saturating_add(999)) / 1000);
        i32::try_from(ms).unwrap_or(i32::MAX)
    };
    Some((Select { sets, timeout_ms }, args))
}

/// Which entries of each array are ready now (`poll()` with no wait).
fn look(select: &Select) -> [Vec<bool>; 3] {
    let mut out: [Vec<bool>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (i, set) in select.sets.iter().enumerate() {
        let Some(set) = set else { continue };
        let (events, hit) = match i {
            0 => (libc::POLLIN, libc::POLLIN | libc::POLLHUP | libc::POLLERR),
            1 => (libc::POLLOUT, libc::POLLOUT | libc::POLLHUP | libc::POLLERR),
            _ => (libc::POLLPRI, libc::POLLPRI),
        };
        let mut pfds: Vec<libc::pollfd> = set
            .iter()
            .map(|w| libc::pollfd {
                fd: w.fd,
                events,
                revents: 0,
            })
            .collect();
        // SAFETY: a valid array of pollfds with its length; no wait.
        unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 0) };
        out[i] = set
            .iter()
            .zip(pfds.iter())
            .map(|(w, p)| w.buffered || p.revents & hit != 0)
            .collect();
    }
    out
}
