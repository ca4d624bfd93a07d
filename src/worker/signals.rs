//! SIGTERM / SIGINT / SIGUSR1 while the server runs, caught with raw
//! `sigaction`: tokio's and signal-hook's handlers make PHP kill the process.
//!
//! The handler only writes the signal number to a pipe (async-signal-safe);
//! the event loop reads the pipe and acts on the PHP thread.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, Ordering};

static PIPE_WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = PIPE_WRITE_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the fd stays open while the
        // handlers are installed.
        unsafe {
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
    }
}

/// The installed handlers; dropping it restores the previous ones.
pub struct SignalGuard {
    previous: Vec<(libc::c_int, libc::sigaction)>,
    _write: UnixStream,
}

/// Installs the handlers; returns the guard and the read end of a socket
/// pair (non-blocking), which yields one byte per signal.
pub fn install(signals: &[libc::c_int]) -> io::Result<(SignalGuard, UnixStream)> {
    let (read, write) = UnixStream::pair()?;
    read.set_nonblocking(true)?;
    write.set_nonblocking(true)?;
    PIPE_WRITE_FD.store(write.as_raw_fd(), Ordering::Relaxed);
    let mut previous = Vec::new();
    for &sig in signals {
        // SAFETY: a zeroed sigaction with our handler and SA_RESTART is valid.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, &action, &mut old) == 0 {
                previous.push((sig, old));
            }
        }
    }
    Ok((
        SignalGuard {
            previous,
            _write: write,
        },
        read,
    ))
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        for (sig, old) in &self.previous {
            // SAFETY: restoring the action sigaction gave us.
            unsafe {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
        }
        PIPE_WRITE_FD.store(-1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_raised_signal_arrives_as_a_byte() {
        let (guard, read) = install(&[libc::SIGUSR2]).expect("install");
        // SAFETY: raising a signal we handle.
        unsafe { libc::raise(libc::SIGUSR2) };
        let mut read = read;
        let mut byte = [0u8; 1];
        assert_eq!(read.read(&mut byte).expect("read"), 1);
        assert_eq!(byte[0] as libc::c_int, libc::SIGUSR2);
        drop(guard);
    }
}
