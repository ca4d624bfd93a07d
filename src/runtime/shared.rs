//! The connection table in shared memory, for servers with several worker
//! processes.
//!
//! Mapped (anonymous, `MAP_SHARED`) before the workers are forked, so every
//! process sees the same slots. Each worker keeps its own connections (the
//! sockets, queues and tasks) in its local [`ConnectionTable`]; this table
//! mirrors what other processes need to answer `exist()`, `isEstablished()`,
//! `connection_info()` and `$server->connections` without a round trip, and
//! which worker owns a connection, so a `push()` can be forwarded to it.
//!
//! Everything here is atomics: no locks that a process killed mid-update
//! could leave held. A slot is published by writing its fields and then its
//! session id (release); readers load the id (acquire), read the fields, and
//! check the id again, so a slot reused meanwhile is never reported under
//! the old id.
//!
//! Session ids come from one shared counter: unique across workers and
//! never reused while the server runs, even when a worker dies.
//!
//! [`ConnectionTable`]: super::ConnectionTable

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64, Ordering};

use super::connection::SessionId;

/// Most worker processes (event and task workers together) a server runs.
pub const MAX_WORKERS: usize = 256;

/// A slot being written: taken, but not yet visible under any id.
const RESERVED: i64 = -1;

/// What other processes know about a connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotInfo {
    pub session: SessionId,
    /// The worker process that owns the socket.
    pub owner: u32,
    pub ws_status: u8,
    pub socket_fd: i32,
    pub server_fd: i32,
    pub local: SocketAddr,
    pub peer: SocketAddr,
    pub connect_time: f64,
    pub last_recv_time: f64,
    pub last_send_time: f64,
    pub last_dispatch_time: f64,
    /// `bind()`'s uid (0: not bound).
    pub uid: u32,
}

#[repr(C)]
#[derive(Default)]
struct Slot {
    session: AtomicI64,
    owner: AtomicU32,
    ws_status: AtomicU32,
    socket_fd: AtomicI32,
    server_fd: AtomicI32,
    local_port: AtomicU32,
    peer_port: AtomicU32,
    /// 4 or 6.
    peer_family: AtomicU32,
    /// 1 while the owner's output buffer for the connection is full (its
    /// writer has not caught up): other processes sending to it wait or
    /// refuse, as Swoole's workers read its `overflow` flag. (Fills the
    /// padding before `peer_ip`.)
    output_full: AtomicU32,
    peer_ip: [AtomicU64; 2],
    connect_time: AtomicU64,
    last_recv_time: AtomicU64,
    last_send_time: AtomicU64,
    last_dispatch_time: AtomicU64,
    uid: AtomicU32,
    /// 1 once some process ran (or is running) the connection's onClose.
    close_claimed: AtomicU32,
}

/// Per worker process: its pid (0 when not running) and status.
#[repr(C)]
#[derive(Default)]
struct WorkerEntry {
    pid: AtomicI32,
    /// Swoole's `SWOOLE_WORKER_*` status (busy 1 / idle 2 / exit 3).
    status: AtomicU32,
    /// Requests served since the process started (`max_request`).
    requests: AtomicU64,
    /// HTTP requests this worker is answering now (`max_concurrency`).
    concurrency: AtomicU32,
}

#[repr(C)]
struct Header {
    next_session: AtomicI64,
    next_task: AtomicI64,
    /// Longest probe any insert needed: lookups never look further.
    max_probe: AtomicU32,
    capacity: u32,
    manager_pid: AtomicI32,
    master_pid: AtomicI32,
    /// Set when the server is shutting down: no respawns.
    shutting_down: AtomicU32,
    /// HTTP requests being answered by all workers (`max_concurrency`).
    concurrency: AtomicU32,
    workers: [WorkerEntry; MAX_WORKERS],
}

/// Maps `len` zeroed bytes shared with every process forked after (an
/// anonymous `MAP_SHARED` mapping, touched pages only cost memory).
pub fn map_shared(len: usize) -> io::Result<*mut u8> {
    // SAFETY: a fresh anonymous shared mapping; checked for failure.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(base.cast())
}

/// A process-shared, robust pthread mutex living in shared memory: for the
/// structures that atomics alone cannot keep consistent (`Swoole\Table` rows,
/// room memberships).
pub struct RobustMutex(*mut libc::pthread_mutex_t);

// SAFETY: a pthread mutex initialised PTHREAD_PROCESS_SHARED is made to be
// used from any thread of any process that maps it.
unsafe impl Send for RobustMutex {}
// SAFETY: as for Send, above.
unsafe impl Sync for RobustMutex {}

impl RobustMutex {
    /// Initialises the mutex at `at`.
    ///
    /// # Safety
    /// `at` points into zeroed shared memory that stays mapped for as long
    /// as the returned value (or a copy made by fork) is used, and no other
    /// process or thread uses it yet.
    pub unsafe fn init(at: *mut libc::pthread_mutex_t) -> RobustMutex {
        let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
        libc::pthread_mutexattr_init(&mut attr);
        libc::pthread_mutexattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED);
        libc::pthread_mutexattr_setrobust(&mut attr, libc::PTHREAD_MUTEX_ROBUST);
        libc::pthread_mutex_init(at, &attr);
        libc::pthread_mutexattr_destroy(&mut attr);
        RobustMutex(at)
    }

    /// Locks it. When a process died holding it, the lock passes to this
    /// caller (EOWNERDEAD) and is marked consistent: the structures guarded
    /// keep every operation's invariants at each step that can be cut short,
    /// or repair themselves on the next write.
    pub fn lock(&self) -> RobustGuard<'_> {
        // SAFETY: initialised in init(); the mapping outlives self.
        let rc = unsafe { libc::pthread_mutex_lock(self.0) };
        if rc == libc::EOWNERDEAD {
            // SAFETY: we own the mutex now.
            unsafe { libc::pthread_mutex_consistent(self.0) };
        }
        RobustGuard(self)
    }
}

/// Holds a [`RobustMutex`]; unlocks on drop.
pub struct RobustGuard<'a>(&'a RobustMutex);

impl Drop for RobustGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this thread locked it in RobustMutex::lock.
        unsafe { libc::pthread_mutex_unlock(self.0 .0) };
    }
}

/// The shared table; lives (mapped) until the process exits.
pub struct SharedTable {
    header: &'static Header,
    slots: &'static [Slot],
}

// SAFETY: every field is an atomic in memory mapped for the life of the
// process; nothing is freed.
unsafe impl Sync for SharedTable {}
// SAFETY: as for Sync, above.
unsafe impl Send for SharedTable {}

fn f64_bits(v: f64) -> u64 {
    v.to_bits()
}

impl SharedTable {
    /// Maps a table for `capacity` simultaneous connections. The mapping is
    /// never unmapped: forked workers and the manager use it until exit.
    pub fn create(capacity: usize) -> io::Result<&'static SharedTable> {
        let capacity = capacity.clamp(1, u32::MAX as usize / 2);
        let header_size = std::mem::size_of::<Header>();
        let slots_offset = header_size.next_multiple_of(std::mem::align_of::<Slot>().max(64));
        let size = slots_offset + capacity * std::mem::size_of::<Slot>();
        let base = map_shared(size)?;
        // SAFETY: the mapping is zero-filled, and all-zero bytes are a valid
        // value of every atomic in Header and Slot; it is never unmapped, so
        // 'static references are sound. `capacity` is written before any
        // other process exists.
        unsafe {
            let header = base as *mut Header;
            std::ptr::addr_of_mut!((*header).capacity).write(capacity as u32);
            let slots = base.add(slots_offset) as *const Slot;
            let table = Box::new(SharedTable {
                header: &*header,
                slots: std::slice::from_raw_parts(slots, capacity),
            });
            Ok(Box::leak(table))
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The next session id (from 1), unique across every process.
    /// Session ids start after `start` (`start_session_id`); before any
    /// is given out.
    pub fn start_session_ids_after(&self, start: SessionId) {
        let _ = self.header.next_session.fetch_max(start, Ordering::Relaxed);
    }

    pub fn next_session_id(&self) -> SessionId {
        self.header.next_session.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The next task id (from 0), unique across every process.
    pub fn next_task_id(&self) -> i64 {
        self.header.next_task.fetch_add(1, Ordering::Relaxed)
    }

    /// Publishes a connection; returns its slot index, or None when every
    /// slot is taken (more connections than the table was made for).
    pub fn insert(&self, info: &SlotInfo) -> Option<usize> {
        let cap = self.slots.len();
        let start = (info.session as u64 % cap as u64) as usize;
        for probe in 0..cap {
            let idx = (start + probe) % cap;
            let slot = &self.slots[idx];
            if slot
                .session
                .compare_exchange(0, RESERVED, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            self.header
                .max_probe
                .fetch_max(probe as u32, Ordering::AcqRel);
            slot.owner.store(info.owner, Ordering::Relaxed);
            slot.ws_status
                .store(u32::from(info.ws_status), Ordering::Relaxed);
            slot.socket_fd.store(info.socket_fd, Ordering::Relaxed);
            slot.server_fd.store(info.server_fd, Ordering::Relaxed);
            slot.local_port
                .store(u32::from(info.local.port()), Ordering::Relaxed);
            slot.peer_port
                .store(u32::from(info.peer.port()), Ordering::Relaxed);
            let (family, ip) = match info.peer.ip() {
                IpAddr::V4(v4) => (4, u128::from(v4.to_bits())),
                IpAddr::V6(v6) => (6, v6.to_bits()),
            };
            slot.peer_family.store(family, Ordering::Relaxed);
            slot.output_full.store(0, Ordering::Relaxed);
            slot.peer_ip[0].store((ip >> 64) as u64, Ordering::Relaxed);
            slot.peer_ip[1].store(ip as u64, Ordering::Relaxed);
            slot.connect_time
                .store(f64_bits(info.connect_time), Ordering::Relaxed);
            slot.last_recv_time
                .store(f64_bits(info.last_recv_time), Ordering::Relaxed);
            slot.last_send_time
                .store(f64_bits(info.last_send_time), Ordering::Relaxed);
            slot.last_dispatch_time
                .store(f64_bits(info.last_dispatch_time), Ordering::Relaxed);
            slot.uid.store(info.uid, Ordering::Relaxed);
            slot.close_claimed.store(0, Ordering::Relaxed);
            slot.session.store(info.session, Ordering::Release);
            return Some(idx);
        }
        None
    }

    fn find(&self, session: SessionId) -> Option<usize> {
        if session <= 0 {
            return None;
        }
        let cap = self.slots.len();
        let start = (session as u64 % cap as u64) as usize;
        let max_probe = self.header.max_probe.load(Ordering::Acquire) as usize;
        (0..=max_probe.min(cap - 1))
            .map(|p| (start + p) % cap)
            .find(|&i| self.slots[i].session.load(Ordering::Acquire) == session)
    }

    /// What is known about `session`, if it is open.
    pub fn get(&self, session: SessionId) -> Option<SlotInfo> {
        let idx = self.find(session)?;
        self.read(idx, session)
    }

    fn read(&self, idx: usize, session: SessionId) -> Option<SlotInfo> {
        let s = &self.slots[idx];
        let ip = (u128::from(s.peer_ip[0].load(Ordering::Relaxed)) << 64)
            | u128::from(s.peer_ip[1].load(Ordering::Relaxed));
        let peer_ip = if s.peer_family.load(Ordering::Relaxed) == 6 {
            IpAddr::V6(Ipv6Addr::from_bits(ip))
        } else {
            IpAddr::V4(Ipv4Addr::from_bits(ip as u32))
        };
        let info = SlotInfo {
            session,
            owner: s.owner.load(Ordering::Relaxed),
            ws_status: s.ws_status.load(Ordering::Relaxed) as u8,
            socket_fd: s.socket_fd.load(Ordering::Relaxed),
            server_fd: s.server_fd.load(Ordering::Relaxed),
            local: SocketAddr::new(
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                s.local_port.load(Ordering::Relaxed) as u16,
            ),
            peer: SocketAddr::new(peer_ip, s.peer_port.load(Ordering::Relaxed) as u16),
            connect_time: f64::from_bits(s.connect_time.load(Ordering::Relaxed)),
            last_recv_time: f64::from_bits(s.last_recv_time.load(Ordering::Relaxed)),
            last_send_time: f64::from_bits(s.last_send_time.load(Ordering::Relaxed)),
            last_dispatch_time: f64::from_bits(s.last_dispatch_time.load(Ordering::Relaxed)),
            uid: s.uid.load(Ordering::Relaxed),
        };
        // The slot was not freed and reused while it was read.
        (s.session.load(Ordering::Acquire) == session).then_some(info)
    }

    /// `bind()`: sets `session`'s uid if it has none yet, from any
    /// process; false when it is bound already or not open.
    pub fn bind_uid(&self, session: SessionId, uid: u32) -> bool {
        let Some(idx) = self.find(session) else {
            return false;
        };
        let s = &self.slots[idx];
        s.uid
            .compare_exchange(0, uid, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            && s.session.load(Ordering::Acquire) == session
    }

    /// Takes the right to run `session`'s onClose, from any process
    /// (Swoole's `closed` flag): true for the first caller only, false
    /// when it was taken already or the connection is not open.
    pub fn claim_close(&self, session: SessionId) -> bool {
        self.find(session)
            .is_some_and(|idx| self.claim_close_at(idx, session))
    }

    /// [`claim_close`](Self::claim_close) by slot index (from
    /// [`insert`](Self::insert)).
    pub fn claim_close_at(&self, idx: usize, session: SessionId) -> bool {
        let Some(s) = self.slots.get(idx) else {
            return false;
        };
        s.session.load(Ordering::Acquire) == session
            && s.close_claimed
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// The uid bound to the connection in slot `idx` (0: none).
    pub fn uid_at(&self, idx: usize) -> u32 {
        self.slots
            .get(idx)
            .map_or(0, |s| s.uid.load(Ordering::Acquire))
    }

    /// Frees `session`'s slot (by its index from [`insert`](Self::insert)).
    pub fn remove(&self, idx: usize, session: SessionId) {
        if let Some(s) = self.slots.get(idx) {
            let _ = s
                .session
                .compare_exchange(session, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    /// Frees every slot owned by `worker` (a worker died: its sockets are
    /// gone with it). Returns how many were freed.
    pub fn remove_owned_by(&self, worker: u32) -> usize {
        let mut n = 0;
        for s in self.slots {
            let id = s.session.load(Ordering::Acquire);
            if id > 0
                && s.owner.load(Ordering::Relaxed) == worker
                && s.session
                    .compare_exchange(id, 0, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            {
                n += 1;
            }
        }
        n
    }

    /// Every open session id, ascending.
    pub fn sessions(&self) -> Vec<SessionId> {
        let mut ids: Vec<SessionId> = self
            .slots
            .iter()
            .map(|s| s.session.load(Ordering::Acquire))
            .filter(|&id| id > 0)
            .collect();
        ids.sort_unstable();
        ids
    }

    pub fn set_ws_status(&self, idx: usize, status: u8) {
        self.slots[idx]
            .ws_status
            .store(u32::from(status), Ordering::Relaxed);
    }

    /// The owner marks the connection's output buffer full, or caught up.
    pub fn set_output_full(&self, idx: usize, full: bool) {
        self.slots[idx]
            .output_full
            .store(u32::from(full), Ordering::Release);
    }

    /// Whether `session`'s output buffer is full in its owner; None when
    /// it is not open.
    pub fn output_full(&self, session: SessionId) -> Option<bool> {
        let idx = self.find(session)?;
        let full = self.slots[idx].output_full.load(Ordering::Acquire) != 0;
        (self.slots[idx].session.load(Ordering::Acquire) == session).then_some(full)
    }

    pub fn set_last_recv_time(&self, idx: usize, t: f64) {
        self.slots[idx]
            .last_recv_time
            .store(f64_bits(t), Ordering::Relaxed);
    }

    pub fn set_last_send_time(&self, idx: usize, t: f64) {
        self.slots[idx]
            .last_send_time
            .store(f64_bits(t), Ordering::Relaxed);
    }

    pub fn set_last_dispatch_time(&self, idx: usize, t: f64) {
        self.slots[idx]
            .last_dispatch_time
            .store(f64_bits(t), Ordering::Relaxed);
    }

    // ---- processes ----

    fn worker(&self, id: usize) -> Option<&WorkerEntry> {
        self.header.workers.get(id)
    }

    pub fn set_worker_pid(&self, id: usize, pid: i32) {
        if let Some(w) = self.worker(id) {
            w.pid.store(pid, Ordering::Release);
            w.requests.store(0, Ordering::Relaxed);
            // A worker gone with requests in hand no longer answers them.
            let left = w.concurrency.swap(0, Ordering::AcqRel);
            if left > 0 {
                let _ = self.header.concurrency.fetch_update(
                    Ordering::AcqRel,
                    Ordering::Acquire,
                    |c| Some(c.saturating_sub(left)),
                );
            }
        }
    }

    /// Worker `id` starts answering an HTTP request.
    pub fn request_begin(&self, id: usize) {
        if let Some(w) = self.worker(id) {
            w.concurrency.fetch_add(1, Ordering::AcqRel);
            self.header.concurrency.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Worker `id` has answered one.
    pub fn request_end(&self, id: usize) {
        let Some(w) = self.worker(id) else { return };
        let dec = |a: &AtomicU32| {
            a.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1))
                .is_ok()
        };
        if dec(&w.concurrency) {
            dec(&self.header.concurrency);
        }
    }

    /// HTTP requests being answered by every worker.
    pub fn concurrency(&self) -> u32 {
        self.header.concurrency.load(Ordering::Acquire)
    }

    /// HTTP requests worker `id` is answering.
    pub fn worker_concurrency(&self, id: usize) -> u32 {
        self.worker(id)
            .map_or(0, |w| w.concurrency.load(Ordering::Acquire))
    }

    /// Requests worker `id` has served since it started.
    pub fn worker_requests(&self, id: usize) -> u64 {
        self.worker(id)
            .map_or(0, |w| w.requests.load(Ordering::Relaxed))
    }

    /// The pid of worker `id` (0 when it is not running).
    pub fn worker_pid(&self, id: usize) -> i32 {
        self.worker(id).map_or(0, |w| w.pid.load(Ordering::Acquire))
    }

    pub fn set_worker_status(&self, id: usize, status: u32) {
        if let Some(w) = self.worker(id) {
            w.status.store(status, Ordering::Relaxed);
        }
    }

    pub fn worker_status(&self, id: usize) -> u32 {
        self.worker(id)
            .map_or(0, |w| w.status.load(Ordering::Relaxed))
    }

    /// Counts one request served by worker `id`; returns the new count.
    pub fn count_request(&self, id: usize) -> u64 {
        self.worker(id)
            .map_or(0, |w| w.requests.fetch_add(1, Ordering::Relaxed) + 1)
    }

    pub fn set_manager_pid(&self, pid: i32) {
        self.header.manager_pid.store(pid, Ordering::Release);
    }

    pub fn manager_pid(&self) -> i32 {
        self.header.manager_pid.load(Ordering::Acquire)
    }

    pub fn set_master_pid(&self, pid: i32) {
        self.header.master_pid.store(pid, Ordering::Release);
    }

    pub fn master_pid(&self) -> i32 {
        self.header.master_pid.load(Ordering::Acquire)
    }

    pub fn set_shutting_down(&self) {
        self.header.shutting_down.store(1, Ordering::Release);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.header.shutting_down.load(Ordering::Acquire) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(session: SessionId, owner: u32) -> SlotInfo {
        SlotInfo {
            session,
            owner,
            ws_status: 3,
            socket_fd: 10,
            server_fd: 3,
            local: "0.0.0.0:9501".parse().unwrap(),
            peer: "127.0.0.1:40000".parse().unwrap(),
            connect_time: 1.5,
            last_recv_time: 2.5,
            last_send_time: 0.0,
            last_dispatch_time: 0.0,
            uid: 0,
        }
    }

    #[test]
    fn a_uid_is_bound_once_and_seen_by_everyone() {
        let t = SharedTable::create(8).unwrap();
        let s = t.next_session_id();
        let idx = t.insert(&info(s, 1)).unwrap();
        assert_eq!(t.uid_at(idx), 0);
        assert!(t.bind_uid(s, 42));
        assert!(!t.bind_uid(s, 43));
        assert_eq!(t.get(s).unwrap().uid, 42);
        assert!(!t.bind_uid(s + 1, 1), "no such session");
        // A reused slot starts unbound.
        t.remove(idx, s);
        let s2 = t.next_session_id();
        let idx2 = t.insert(&info(s2, 1)).unwrap();
        assert_eq!(t.get(s2).unwrap().uid, 0);
        let _ = idx2;
    }

    #[test]
    fn one_process_claims_a_close_and_a_reused_slot_starts_unclaimed() {
        let t = SharedTable::create(1).unwrap();
        let s = t.next_session_id();
        let idx = t.insert(&info(s, 1)).unwrap();
        assert!(t.claim_close(s));
        assert!(!t.claim_close(s), "once");
        assert!(!t.claim_close_at(idx, s), "once, by index too");
        assert!(!t.claim_close(s + 1), "no such session");
        t.remove(idx, s);
        assert!(!t.claim_close_at(idx, s), "not open any more");
        let s2 = t.next_session_id();
        let idx2 = t.insert(&info(s2, 1)).unwrap();
        assert_eq!(idx2, idx);
        assert!(!t.claim_close_at(idx2, s), "an older session of the slot");
        assert!(t.claim_close_at(idx2, s2));
    }

    #[test]
    fn insert_get_remove() {
        let t = SharedTable::create(8).unwrap();
        let a = t.next_session_id();
        let b = t.next_session_id();
        assert_eq!((a, b), (1, 2));
        let ia = t.insert(&info(a, 0)).unwrap();
        let ib = t.insert(&info(b, 1)).unwrap();
        assert_eq!(t.get(a).unwrap().owner, 0);
        assert_eq!(t.get(b).unwrap().owner, 1);
        assert_eq!(t.get(b).unwrap().peer, "127.0.0.1:40000".parse().unwrap());
        assert_eq!(t.sessions(), vec![1, 2]);
        t.set_ws_status(ia, 4);
        assert_eq!(t.get(a).unwrap().ws_status, 4);
        t.remove(ia, a);
        assert_eq!(t.get(a), None);
        // a stale remove of a reused slot does nothing
        t.remove(ia, a);
        assert!(t.get(b).is_some());
        t.remove(ib, b);
        assert!(t.sessions().is_empty());
        assert_eq!(t.get(0), None);
        assert_eq!(t.get(-5), None);
    }

    #[test]
    fn collisions_probe_and_fill_every_slot() {
        let t = SharedTable::create(4).unwrap();
        // 4, 8, 12, 16 all hash to slot 0
        let idx: Vec<usize> = [4, 8, 12, 16]
            .iter()
            .map(|&s| t.insert(&info(s, 0)).unwrap())
            .collect();
        assert_eq!(t.insert(&info(20, 0)), None, "table full");
        for s in [4, 8, 12, 16] {
            assert_eq!(t.get(s).unwrap().session, s);
        }
        t.remove(idx[1], 8);
        assert!(t.insert(&info(20, 0)).is_some());
        assert!(t.get(20).is_some() && t.get(8).is_none());
    }

    #[test]
    fn a_dead_workers_connections_are_freed() {
        let t = SharedTable::create(16).unwrap();
        for s in 1..=6 {
            t.insert(&info(s, (s % 2) as u32)).unwrap();
        }
        assert_eq!(t.remove_owned_by(1), 3);
        assert_eq!(t.sessions(), vec![2, 4, 6]);
    }

    #[test]
    fn visible_across_fork() {
        let t = SharedTable::create(16).unwrap();
        // SAFETY: the child only touches the shared mapping and _exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let id = t.next_session_id();
            let ok = t.insert(&info(id, 7)).is_some();
            // SAFETY: the forked child ends here, without unwinding into
            // the test harness's copy.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(status, 0);
        assert_eq!(t.get(1).unwrap().owner, 7);
        assert_eq!(t.next_session_id(), 2);
        t.set_worker_pid(3, 1234);
        // concurrency: per worker and in all; a worker replaced gives its own back
        t.request_begin(3);
        t.request_begin(3);
        t.request_begin(2);
        assert_eq!((t.concurrency(), t.worker_concurrency(3)), (3, 2));
        t.request_end(3);
        assert_eq!((t.concurrency(), t.worker_concurrency(3)), (2, 1));
        t.set_worker_pid(3, 4321);
        assert_eq!((t.concurrency(), t.worker_concurrency(3)), (1, 0));
        t.request_end(3); // nothing of its own left: no underflow
        assert_eq!(t.concurrency(), 1);
        t.request_end(2);
        assert_eq!(t.concurrency(), 0);
        t.set_worker_pid(3, 1234);
        assert_eq!(t.worker_pid(3), 1234);
    }
}
