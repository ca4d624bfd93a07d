//! `Swoole\Atomic` and `Swoole\Atomic\Long`: counters in memory shared with
//! every process forked after they were made (workers, task workers, the
//! manager), so that one `add()` is seen by all.
//!
//! Counters are cut from anonymous `MAP_SHARED` pages, handed out in
//! order and never returned: a counter is 8 bytes and scripts make a few,
//! before `start()` (the locks of `Swoole\Lock` come from the same pages). A `Swoole\Atomic` also offers `wait()`/`wakeup()`,
//! Swoole's futex handshake on the same word: `wakeup()` sets it from 0 to
//! 1 and wakes waiters; `wait()` takes a 1 back to 0, sleeping on the futex
//! until then.

use std::io;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Bytes mapped at a time.
const PAGE: usize = 64 * 1024;

/// The current page and how much of it is handed out.
struct Arena {
    base: usize,
    used: usize,
}

static ARENA: Mutex<Arena> = Mutex::new(Arena {
    base: 0,
    used: PAGE,
});
/// Pages mapped (tests).
static PAGES: AtomicUsize = AtomicUsize::new(0);

/// 8 zeroed, 8-aligned bytes of shared memory, for the life of the
/// process (and of its forked children).
fn cell() -> io::Result<*mut u8> {
    shared_bytes(8)
}

/// `len` zeroed bytes of shared memory, 8-aligned (at most a page), for
/// the life of the process and of its forked children: counters here,
/// `Swoole\Lock`'s locks (`runtime/lock.rs`).
pub fn shared_bytes(len: usize) -> io::Result<*mut u8> {
    let len = len.next_multiple_of(8);
    if len == 0 || len > PAGE {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    let mut a = ARENA.lock();
    if a.used + len > PAGE {
        a.base = super::shared::map_shared(PAGE)? as usize;
        a.used = 0;
        PAGES.fetch_add(1, Ordering::Relaxed);
    }
    let at = a.base + a.used;
    a.used += len;
    Ok(at as *mut u8)
}

/// A shared 32-bit counter (`Swoole\Atomic`: unsigned, wrapping).
#[derive(Clone, Copy)]
pub struct Atomic32(&'static AtomicU32);

/// A shared 64-bit counter (`Swoole\Atomic\Long`: signed, wrapping).
#[derive(Clone, Copy)]
pub struct Atomic64(&'static AtomicI64);

impl Atomic32 {
    pub fn new(value: u32) -> io::Result<Atomic32> {
        // SAFETY: `cell` gives 8 zeroed bytes, aligned for a u32, mapped
        // for the life of the process and never handed out twice.
        let a = unsafe { &*(cell()? as *const AtomicU32) };
        a.store(value, Ordering::SeqCst);
        Ok(Atomic32(a))
    }

    /// Adds, wrapping; the new value.
    pub fn add(&self, n: u32) -> u32 {
        self.0.fetch_add(n, Ordering::SeqCst).wrapping_add(n)
    }

    /// Subtracts, wrapping; the new value.
    pub fn sub(&self, n: u32) -> u32 {
        self.0.fetch_sub(n, Ordering::SeqCst).wrapping_sub(n)
    }

    pub fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn set(&self, v: u32) {
        self.0.store(v, Ordering::SeqCst)
    }

    /// Sets `new` if the value is `current`.
    pub fn cmpset(&self, current: u32, new: u32) -> bool {
        self.0
            .compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Waits until a `wakeup()` (the value 1, taken back to 0), at most
    /// `timeout` (negative: forever). False on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if self.cmpset(1, 0) {
                return true;
            }
            let left = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return false,
                },
                None => None,
            };
            futex_wait(self.0, 0, left);
        }
    }

    /// Sets the value from 0 to 1 and wakes up to `count` waiters (a value
    /// already 1 wakes nobody more).
    pub fn wakeup(&self, count: i32) {
        if self.cmpset(0, 1) {
            futex_wake(self.0, count.max(1));
        }
    }
}

impl Atomic64 {
    pub fn new(value: i64) -> io::Result<Atomic64> {
        // SAFETY: as in `Atomic32::new`; 8-byte cells are 8-aligned.
        let a = unsafe { &*(cell()? as *const AtomicI64) };
        a.store(value, Ordering::SeqCst);
        Ok(Atomic64(a))
    }

    pub fn add(&self, n: i64) -> i64 {
        self.0.fetch_add(n, Ordering::SeqCst).wrapping_add(n)
    }

    pub fn sub(&self, n: i64) -> i64 {
        self.0.fetch_sub(n, Ordering::SeqCst).wrapping_sub(n)
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::SeqCst)
    }

    pub fn cmpset(&self, current: i64, new: i64) -> bool {
        self.0
            .compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }
}

/// Sleeps while `*word == expected`, at most `timeout`; returns on a wake,
/// a timeout, a signal or a changed value alike (the caller looks again).
fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: libc::c_long::from(t.subsec_nanos() as i32),
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a live, aligned u32 in shared memory (hence no
    // FUTEX_PRIVATE_FLAG: waiters may be in other processes); `ts_ptr` is
    // null or points at `ts`, alive for the call.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            ts_ptr,
        );
    }
}

fn futex_wake(word: &AtomicU32, count: i32) {
    // SAFETY: as in `futex_wait`; FUTEX_WAKE only reads the address.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_wrap_like_swooles() {
        let a = Atomic32::new(5).unwrap();
        assert_eq!(a.add(3), 8);
        assert_eq!(a.sub(10), u32::MAX - 1);
        a.set(7);
        assert!(a.cmpset(7, 9));
        assert!(!a.cmpset(7, 10));
        assert_eq!(a.get(), 9);
        let l = Atomic64::new(-1).unwrap();
        assert_eq!(l.add(2), 1);
        assert_eq!(l.sub(3), -2);
        l.set(i64::MAX);
        assert_eq!(l.add(1), i64::MIN);
    }

    #[test]
    fn counters_come_from_shared_pages_and_fill_them() {
        let before = PAGES.load(Ordering::Relaxed);
        let made: Vec<Atomic64> = (0..(PAGE / 8) + 1)
            .map(|i| Atomic64::new(i as i64).unwrap())
            .collect();
        assert!(PAGES.load(Ordering::Relaxed) > before);
        // Every cell is its own.
        assert!(made.iter().enumerate().all(|(i, a)| a.get() == i as i64));
    }

    /// Runs `f` in a forked child and waits for it.
    fn in_child(f: impl FnOnce()) {
        // SAFETY: the child runs `f` (counter operations only) and exits
        // at once, never returning into the test harness.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            f();
            // SAFETY: ends the child without running the parent's state.
            unsafe { libc::_exit(0) };
        }
        assert!(pid > 0);
        let mut status = 0;
        // SAFETY: waits for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
    }

    #[test]
    fn a_forked_child_sees_and_changes_the_same_counter() {
        let a = Atomic32::new(1).unwrap();
        let l = Atomic64::new(1).unwrap();
        in_child(|| {
            a.add(41);
            l.sub(2);
        });
        assert_eq!((a.get(), l.get()), (42, -1));
        // wakeup() in one process, wait() in another.
        a.set(0);
        in_child(|| a.wakeup(1));
        assert!(a.wait(Some(Duration::from_millis(10))));
        assert_eq!(a.get(), 0);
    }

    #[test]
    fn wait_times_out_and_wakeup_releases_a_waiting_thread() {
        let a = Atomic32::new(0).unwrap();
        let t0 = Instant::now();
        assert!(!a.wait(Some(Duration::from_millis(50))));
        assert!(t0.elapsed() >= Duration::from_millis(40));
        let waiter = std::thread::spawn(move || a.wait(Some(Duration::from_secs(10))));
        std::thread::sleep(Duration::from_millis(20));
        a.wakeup(1);
        assert!(waiter.join().unwrap());
        assert_eq!(a.get(), 0);
    }
}
