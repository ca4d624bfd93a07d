//! `Swoole\Lock`: a lock in shared memory, so that every process forked
//! after it was made (workers, task workers, `addProcess()` processes)
//! locks the same one.
//!
//! Three kinds, as Swoole's: a mutex, a readers-writer lock and a spin
//! lock. Results are Swoole's: 0 or the errno of the failure (EBUSY for a
//! lock that is held when asked not to wait, ETIMEDOUT when a wait ran
//! out). Unlike Swoole's, the mutex is robust: when a process dies holding
//! it, the next locker gets it (and it keeps working) instead of every
//! other process waiting for ever.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// `SWOOLE_RWLOCK`, `SWOOLE_MUTEX`, `SWOOLE_SPINLOCK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    RwLock,
    Mutex,
    Spin,
}

impl LockKind {
    /// The kind of a `$type` argument; None for any other number.
    pub fn from_type(ty: i64) -> Option<LockKind> {
        match ty {
            1 => Some(LockKind::RwLock),
            3 => Some(LockKind::Mutex),
            5 => Some(LockKind::Spin),
            _ => None,
        }
    }
}

/// What a lock call asks for: shared (a reader of a readers-writer lock;
/// exclusive for the others), and whether it may wait, and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub shared: bool,
    pub wait: Wait,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Fail at once (EBUSY) when held: `LOCK_NB`, `trylock()`.
    No,
    /// Until it is free.
    Forever,
    /// At most this long (ETIMEDOUT).
    For(Duration),
}

/// A lock in shared memory (copied by fork: the copy is the same lock).
#[derive(Clone, Copy)]
pub struct SharedLock {
    kind: LockKind,
    at: *mut u8,
}

// SAFETY: the lock lives in process-shared memory initialised for use by
// any thread of any process that maps it; it is never unmapped.
unsafe impl Send for SharedLock {}
// SAFETY: as for Send.
unsafe impl Sync for SharedLock {}

extern "C" {
    // glibc's; the libc crate leaves them out.
    fn pthread_rwlock_timedrdlock(
        lock: *mut libc::pthread_rwlock_t,
        abstime: *const libc::timespec,
    ) -> libc::c_int;
    fn pthread_rwlock_timedwrlock(
        lock: *mut libc::pthread_rwlock_t,
        abstime: *const libc::timespec,
    ) -> libc::c_int;
}

fn size_of(kind: LockKind) -> usize {
    match kind {
        LockKind::Mutex => std::mem::size_of::<libc::pthread_mutex_t>(),
        LockKind::RwLock => std::mem::size_of::<libc::pthread_rwlock_t>(),
        LockKind::Spin => std::mem::size_of::<AtomicU32>(),
    }
}

/// The realtime clock `d` from now, as the pthread timed locks take it.
fn deadline(d: Duration) -> libc::timespec {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the current time into `now`.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
    let nanos = now.tv_nsec as u128 + d.subsec_nanos() as u128;
    libc::timespec {
        tv_sec: now
            .tv_sec
            .saturating_add(d.as_secs().min(i64::MAX as u64 / 2) as i64)
            .saturating_add((nanos / 1_000_000_000) as i64),
        tv_nsec: (nanos % 1_000_000_000) as i64,
    }
}

impl SharedLock {
    pub fn new(kind: LockKind) -> io::Result<SharedLock> {
        let at = super::atomic::shared_bytes(size_of(kind))?;
        // SAFETY: `at` is zeroed shared memory of the right size and
        // alignment, not yet seen by any other process or thread.
        unsafe {
            match kind {
                LockKind::Mutex => {
                    let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
                    libc::pthread_mutexattr_init(&mut attr);
                    libc::pthread_mutexattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED);
                    libc::pthread_mutexattr_setrobust(&mut attr, libc::PTHREAD_MUTEX_ROBUST);
                    let rc = libc::pthread_mutex_init(at.cast(), &attr);
                    libc::pthread_mutexattr_destroy(&mut attr);
                    if rc != 0 {
                        return Err(io::Error::from_raw_os_error(rc));
                    }
                }
                LockKind::RwLock => {
                    let mut attr: libc::pthread_rwlockattr_t = std::mem::zeroed();
                    libc::pthread_rwlockattr_init(&mut attr);
                    libc::pthread_rwlockattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED);
                    let rc = libc::pthread_rwlock_init(at.cast(), &attr);
                    libc::pthread_rwlockattr_destroy(&mut attr);
                    if rc != 0 {
                        return Err(io::Error::from_raw_os_error(rc));
                    }
                }
                LockKind::Spin => {}
            }
        }
        Ok(SharedLock { kind, at })
    }

    pub fn kind(&self) -> LockKind {
        self.kind
    }

    /// Takes the lock as `want` says: 0, or the errno.
    pub fn lock(&self, want: Want) -> i32 {
        match self.kind {
            LockKind::Mutex => self.lock_mutex(want.wait),
            LockKind::RwLock => self.lock_rw(want),
            LockKind::Spin => self.lock_spin(want.wait),
        }
    }

    /// Releases it: 0, or the errno (EPERM: a mutex this thread does not
    /// hold).
    pub fn unlock(&self) -> i32 {
        // SAFETY: initialised in `new`; the mapping lives for the process.
        unsafe {
            match self.kind {
                LockKind::Mutex => libc::pthread_mutex_unlock(self.at.cast()),
                LockKind::RwLock => libc::pthread_rwlock_unlock(self.at.cast()),
                LockKind::Spin => {
                    self.spin().store(0, Ordering::Release);
                    0
                }
            }
        }
    }

    fn lock_mutex(&self, wait: Wait) -> i32 {
        let m = self.at.cast::<libc::pthread_mutex_t>();
        // SAFETY: initialised in `new`; the mapping lives for the process.
        let rc = unsafe {
            match wait {
                Wait::No => libc::pthread_mutex_trylock(m),
                Wait::Forever => libc::pthread_mutex_lock(m),
                Wait::For(d) => libc::pthread_mutex_timedlock(m, &deadline(d)),
            }
        };
        if rc == libc::EOWNERDEAD {
            // Its holder died: the lock is ours, and usable again.
            // SAFETY: this thread owns the mutex now.
            unsafe { libc::pthread_mutex_consistent(m) };
            return 0;
        }
        rc
    }

    fn lock_rw(&self, want: Want) -> i32 {
        let l = self.at.cast::<libc::pthread_rwlock_t>();
        // SAFETY: initialised in `new`; the mapping lives for the process.
        unsafe {
            match (want.shared, want.wait) {
                (true, Wait::No) => libc::pthread_rwlock_tryrdlock(l),
                (false, Wait::No) => libc::pthread_rwlock_trywrlock(l),
                (true, Wait::Forever) => libc::pthread_rwlock_rdlock(l),
                (false, Wait::Forever) => libc::pthread_rwlock_wrlock(l),
                (true, Wait::For(d)) => pthread_rwlock_timedrdlock(l, &deadline(d)),
                (false, Wait::For(d)) => pthread_rwlock_timedwrlock(l, &deadline(d)),
            }
        }
    }

    fn spin(&self) -> &AtomicU32 {
        // SAFETY: 8 zeroed, aligned shared bytes, never unmapped.
        unsafe { &*self.at.cast::<AtomicU32>() }
    }

    fn lock_spin(&self, wait: Wait) -> i32 {
        let word = self.spin();
        let take = || {
            word.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        };
        if take() {
            return 0;
        }
        let until = match wait {
            Wait::No => return libc::EBUSY,
            Wait::Forever => None,
            Wait::For(d) => Instant::now().checked_add(d),
        };
        let mut spins = 0u32;
        loop {
            if word.load(Ordering::Relaxed) == 0 && take() {
                return 0;
            }
            if until.is_some_and(|u| Instant::now() >= u) {
                return libc::ETIMEDOUT;
            }
            spins += 1;
            if spins.is_multiple_of(64) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EX: Want = Want {
        shared: false,
        wait: Wait::Forever,
    };
    const EX_NB: Want = Want {
        shared: false,
        wait: Wait::No,
    };
    const SH_NB: Want = Want {
        shared: true,
        wait: Wait::No,
    };

    #[test]
    fn a_held_lock_is_busy_then_free_again() {
        for kind in [LockKind::Mutex, LockKind::RwLock, LockKind::Spin] {
            let l = SharedLock::new(kind).unwrap();
            assert_eq!(l.lock(EX), 0, "{kind:?}");
            // Another thread cannot have it meanwhile (a mutex is also
            // owned per thread; a second try from the holder is EBUSY too,
            // except for the readers-writer lock, which reports EDEADLK).
            let other = std::thread::spawn(move || l.lock(EX_NB)).join().unwrap();
            assert_eq!(other, libc::EBUSY, "{kind:?}");
            let timed = std::thread::spawn(move || {
                let t = Instant::now();
                let rc = l.lock(Want {
                    shared: false,
                    wait: Wait::For(Duration::from_millis(50)),
                });
                (rc, t.elapsed())
            })
            .join()
            .unwrap();
            assert_eq!(timed.0, libc::ETIMEDOUT, "{kind:?}");
            assert!(timed.1 >= Duration::from_millis(40), "{kind:?}");
            assert_eq!(l.unlock(), 0);
            let again = std::thread::spawn(move || {
                let rc = l.lock(EX_NB);
                l.unlock();
                rc
            })
            .join()
            .unwrap();
            assert_eq!(again, 0, "{kind:?}");
        }
    }

    #[test]
    fn readers_share_a_readers_writer_lock() {
        let l = SharedLock::new(LockKind::RwLock).unwrap();
        assert_eq!(l.lock(SH_NB), 0);
        let reader = std::thread::spawn(move || {
            let rc = l.lock(SH_NB);
            l.unlock();
            rc
        });
        assert_eq!(reader.join().unwrap(), 0);
        let writer = std::thread::spawn(move || l.lock(EX_NB));
        assert_eq!(writer.join().unwrap(), libc::EBUSY);
        assert_eq!(l.unlock(), 0);
    }

    #[test]
    fn a_mutex_whose_holder_died_passes_on() {
        let l = SharedLock::new(LockKind::Mutex).unwrap();
        // A thread that ends holding a robust mutex is its dead owner.
        std::thread::spawn(move || assert_eq!(l.lock(EX), 0))
            .join()
            .unwrap();
        assert_eq!(l.lock(EX_NB), 0);
        assert_eq!(l.unlock(), 0);
        assert_eq!(l.lock(EX_NB), 0);
        assert_eq!(l.unlock(), 0);
        // Unlocking what this thread does not hold is refused.
        assert_eq!(l.unlock(), libc::EPERM);
    }

    #[test]
    fn kinds_are_swooles_numbers() {
        assert_eq!(LockKind::from_type(3), Some(LockKind::Mutex));
        assert_eq!(LockKind::from_type(1), Some(LockKind::RwLock));
        assert_eq!(LockKind::from_type(5), Some(LockKind::Spin));
        assert_eq!(LockKind::from_type(2), None);
    }
}
