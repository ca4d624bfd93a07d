//! Signals caught with raw `sigaction`: tokio's and signal-hook's handlers
//! make PHP kill the process.
//!
//! The handler only writes the signal number to a socket (async-signal-
//! safe); whoever installed it reads the socket in its event loop and acts
//! on the PHP thread. Several installations may be active at once (the
//! server's SIGTERM/SIGINT, a script's `Process::signal()` callbacks): each
//! has a slot with its socket and the signals it wants, and the handler
//! writes to every slot that wants the signal caught.
//!
//! A forked child inherits the slots and the bookkeeping of its parent's
//! installations, with sockets its parent reads: the handler writes only
//! to this process's own slots, and a child's first installation starts
//! the bookkeeping afresh (its dispositions are its own).

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use parking_lot::Mutex;

/// Installations active at once, at most.
const SLOTS: usize = 8;

/// One installation: the write end of its socket (-1: free), the signals
/// it wants as a bit mask (signals 1 to 63), and the process it is for.
struct Slot {
    fd: AtomicI32,
    mask: AtomicU64,
    pid: AtomicI32,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    fd: AtomicI32::new(-1),
    mask: AtomicU64::new(0),
    pid: AtomicI32::new(0),
};

static SLOT: [Slot; SLOTS] = [FREE; SLOTS];

/// The disposition each caught signal had before the first installation
/// that wanted it, to put back when the last one goes; and the process
/// this is about.
static PREVIOUS: Mutex<(libc::pid_t, Vec<(libc::c_int, libc::sigaction)>)> =
    Mutex::new((0, Vec::new()));

fn bit(sig: libc::c_int) -> u64 {
    if (1..64).contains(&sig) {
        1u64 << sig
    } else {
        0
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    let b = bit(sig);
    // SAFETY: getpid(2) is async-signal-safe.
    let me = unsafe { libc::getpid() };
    for slot in &SLOT {
        if slot.mask.load(Ordering::Relaxed) & b == 0 || slot.pid.load(Ordering::Relaxed) != me {
            continue;
        }
        let fd = slot.fd.load(Ordering::Relaxed);
        if fd >= 0 {
            let byte = sig as u8;
            // SAFETY: write(2) is async-signal-safe; the fd stays open
            // while its slot holds it.
            unsafe {
                libc::write(fd, (&byte as *const u8).cast(), 1);
            }
        }
    }
}

/// An installation; dropping it frees its slot and puts back the former
/// disposition of signals no other installation wants.
pub struct SignalGuard {
    slot: usize,
    _write: UnixStream,
}

/// Installs the handler for `signals`; returns the guard and the read end
/// of a socket pair (non-blocking), which yields one byte per signal.
pub fn install(signals: &[libc::c_int]) -> io::Result<(SignalGuard, UnixStream)> {
    let (read, write) = UnixStream::pair()?;
    read.set_nonblocking(true)?;
    write.set_nonblocking(true)?;
    let mask = signals.iter().fold(0, |m, &s| m | bit(s));
    // SAFETY: getpid(2) has no preconditions.
    let me = unsafe { libc::getpid() };
    let mut previous = PREVIOUS.lock();
    if previous.0 != me {
        // A forked child: its parent's installations are not its own.
        *previous = (me, Vec::new());
    }
    let slot = SLOT
        .iter()
        .position(|s| s.fd.load(Ordering::Acquire) < 0 || s.pid.load(Ordering::Acquire) != me)
        .ok_or_else(|| io::Error::other("too many signal handlers installed"))?;
    SLOT[slot].mask.store(0, Ordering::Release);
    SLOT[slot].pid.store(me, Ordering::Release);
    SLOT[slot].fd.store(write.as_raw_fd(), Ordering::Release);
    SLOT[slot].mask.store(mask, Ordering::Release);
    for &sig in signals {
        if bit(sig) == 0 || previous.1.iter().any(|(s, _)| *s == sig) {
            continue;
        }
        // SAFETY: a zeroed sigaction with our handler and SA_RESTART is valid.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, &action, &mut old) == 0 {
                previous.1.push((sig, old));
            }
        }
    }
    Ok((
        SignalGuard {
            slot,
            _write: write,
        },
        read,
    ))
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        let mut previous = PREVIOUS.lock();
        let slot = &SLOT[self.slot];
        slot.mask.store(0, Ordering::Release);
        slot.fd.store(-1, Ordering::Release);
        let me = previous.0;
        let wanted = SLOT
            .iter()
            .filter(|s| s.pid.load(Ordering::Acquire) == me && s.fd.load(Ordering::Acquire) >= 0)
            .fold(0, |m, s| m | s.mask.load(Ordering::Acquire));
        previous.1.retain(|(sig, old)| {
            if wanted & bit(*sig) != 0 {
                return true;
            }
            // SAFETY: restoring the action sigaction gave us.
            unsafe {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
            false
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_byte(r: &mut UnixStream) -> Option<u8> {
        let mut byte = [0u8; 1];
        r.read(&mut byte).ok().filter(|n| *n == 1).map(|_| byte[0])
    }

    #[test]
    fn a_raised_signal_reaches_every_installation_that_wants_it() {
        let (a, mut ra) = install(&[libc::SIGUSR2]).expect("install");
        let (b, mut rb) = install(&[libc::SIGUSR2, libc::SIGWINCH]).expect("install");
        // SAFETY: raising signals we handle.
        unsafe { libc::raise(libc::SIGUSR2) };
        assert_eq!(read_byte(&mut ra), Some(libc::SIGUSR2 as u8));
        assert_eq!(read_byte(&mut rb), Some(libc::SIGUSR2 as u8));
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGWINCH) };
        assert_eq!(read_byte(&mut rb), Some(libc::SIGWINCH as u8));
        assert_eq!(read_byte(&mut ra), None);
        drop(b);
        // SIGWINCH is back to its default (ignored); SIGUSR2 still caught.
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGUSR2) };
        assert_eq!(read_byte(&mut ra), Some(libc::SIGUSR2 as u8));
        drop(a);
        assert!(PREVIOUS.lock().1.iter().all(|(s, _)| *s != libc::SIGUSR2));
    }
}
