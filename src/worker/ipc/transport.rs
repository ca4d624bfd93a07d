//! The IPC transport: one inbox per worker, and the sending side's queues.
//!
//! Each worker (event or task) has an inbox: a `SOCK_SEQPACKET` socket pair
//! made before the fork. The worker keeps the receiving end; every process
//! keeps every sending end, so any worker can write to any other with one
//! socket per worker in all (not one per pair). A sequenced-packet socket
//! keeps each write whole and in order, and writes from different processes
//! never interleave inside one packet.
//!
//! What goes in the packets (and how a message larger than one is cut and
//! joined) is the codec's business; this side only moves them.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::codec::{batch_packets, packets, DecodeError, Message, Reassembler, MAX_PACKET};

/// Messages up to this size are batched with others sent in the same turn
/// of the event loop (one packet, one system call, for many events).
const BATCH_MAX: usize = 16 * 1024;

/// Makes one inbox: (receiving end, sending end), both non-blocking and
/// close-on-exec.
pub fn inbox_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: socketpair writes two descriptors into `fds` on success.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // Room for several chunks in flight per inbox.
    for fd in [&a, &b] {
        let size: libc::c_int = 4 * 1024 * 1024;
        // SAFETY: setting an int socket option on our own socket.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    Ok((a, b))
}

/// Sends one packet without blocking. `Ok(false)`: the inbox is full.
pub fn try_send_packet(fd: RawFd, packet: &[u8]) -> io::Result<bool> {
    loop {
        // SAFETY: sending from a valid buffer on a descriptor we hold.
        let n = unsafe {
            libc::send(
                fd,
                packet.as_ptr().cast(),
                packet.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        if n >= 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => return Ok(false),
            _ => return Err(e),
        }
    }
}

/// Receives one packet without blocking; None when there is none.
pub fn try_recv_packet(fd: RawFd, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
    buf.resize(MAX_PACKET, 0);
    loop {
        // SAFETY: receiving into our own buffer of buf.len() bytes.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => return Ok(None),
            _ => return Err(e),
        }
    }
}

/// Waits until `fd` is readable (or writable), at most `timeout_ms`
/// (negative: forever). Returns whether it is.
pub fn poll_fd(fd: RawFd, writable: bool, timeout_ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: if writable {
            libc::POLLOUT
        } else {
            libc::POLLIN
        },
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut p, 1, timeout_ms) };
        if rc >= 0 {
            return rc > 0;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return false;
        }
    }
}

/// Packets waiting for room in other workers' inboxes, per destination, in
/// order. A message is queued whole behind what is already queued for the
/// same destination, so a sender's messages never overtake each other.
#[derive(Default)]
pub struct Outbox {
    queues: HashMap<usize, VecDeque<Vec<u8>>>,
}

impl Outbox {
    /// Sends `packets` to inbox `dest` (its sending end `fd`) as far as the
    /// inbox has room; queues the rest. Returns whether some are queued.
    pub fn send(&mut self, dest: usize, fd: RawFd, packets: Vec<Vec<u8>>) -> io::Result<bool> {
        let q = self.queues.entry(dest).or_default();
        q.extend(packets);
        Self::flush_queue(q, fd)
    }

    /// Sends what is queued for `dest`; returns whether some is still queued.
    pub fn flush(&mut self, dest: usize, fd: RawFd) -> io::Result<bool> {
        match self.queues.get_mut(&dest) {
            Some(q) => Self::flush_queue(q, fd),
            None => Ok(false),
        }
    }

    fn flush_queue(q: &mut VecDeque<Vec<u8>>, fd: RawFd) -> io::Result<bool> {
        while let Some(p) = q.front() {
            if !try_send_packet(fd, p)? {
                return Ok(true);
            }
            q.pop_front();
        }
        Ok(false)
    }

    /// Destinations with packets still queued.
    pub fn pending(&self) -> Vec<usize> {
        self.queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(d, _)| *d)
            .collect()
    }

    /// Drops what is queued for `dest` (its worker is gone).
    pub fn forget(&mut self, dest: usize) {
        self.queues.remove(&dest);
    }
}

/// One thread's end of the inboxes: it reads its own inbox (`me`) and writes
/// to anyone's. Every process holds every inbox's descriptors (made before
/// the forks), so a respawned worker reads the inbox its predecessor had.
/// Not `Sync`: a master reactor thread makes its own with [`Endpoint::dup`].
pub struct Endpoint {
    me: std::cell::Cell<u32>,
    rx: Vec<OwnedFd>,
    tx: Vec<OwnedFd>,
    outbox: std::cell::RefCell<Outbox>,
    flushing: std::cell::RefCell<std::collections::HashSet<usize>>,
    reassembler: std::cell::RefCell<Reassembler>,
    /// Small messages waiting for the end of this turn of the event loop,
    /// per destination.
    pending: std::cell::RefCell<HashMap<usize, Vec<Vec<u8>>>>,
    /// Every send goes out before `send` returns (see [`Endpoint::send_at_once`]).
    at_once: std::cell::Cell<bool>,
}

impl Endpoint {
    /// `count` inboxes.
    pub fn create(count: usize) -> io::Result<Endpoint> {
        let mut rx = Vec::with_capacity(count);
        let mut tx = Vec::with_capacity(count);
        for _ in 0..count {
            let (r, t) = inbox_pair()?;
            rx.push(r);
            tx.push(t);
        }
        Ok(Endpoint::from_fds(rx, tx))
    }

    fn from_fds(rx: Vec<OwnedFd>, tx: Vec<OwnedFd>) -> Endpoint {
        Endpoint {
            me: std::cell::Cell::new(0),
            rx,
            tx,
            outbox: std::cell::RefCell::new(Outbox::default()),
            flushing: std::cell::RefCell::new(std::collections::HashSet::new()),
            reassembler: std::cell::RefCell::new(Reassembler::default()),
            pending: std::cell::RefCell::new(HashMap::new()),
            at_once: std::cell::Cell::new(false),
        }
    }

    /// The descriptors, duplicated, for an endpoint in another thread.
    pub fn dup_fds(&self) -> io::Result<(Vec<OwnedFd>, Vec<OwnedFd>)> {
        let dup = |v: &[OwnedFd]| {
            v.iter()
                .map(|f| f.try_clone())
                .collect::<io::Result<Vec<_>>>()
        };
        Ok((dup(&self.rx)?, dup(&self.tx)?))
    }

    /// An endpoint over descriptors from [`Endpoint::dup_fds`].
    pub fn with_fds(rx: Vec<OwnedFd>, tx: Vec<OwnedFd>, me: u32) -> Endpoint {
        let e = Endpoint::from_fds(rx, tx);
        e.set_me(me);
        e
    }

    /// Which inbox this endpoint reads (and the sender id it writes).
    pub fn set_me(&self, me: u32) {
        self.me.set(me);
    }

    pub fn me(&self) -> u32 {
        self.me.get()
    }

    pub fn count(&self) -> usize {
        self.tx.len()
    }

    /// Sends `msg` to inbox `dest`; queues what does not fit and flushes it
    /// from the event loop (or, outside one, right here, blocking).
    pub fn send(self: &std::rc::Rc<Self>, dest: usize, msg: &Message) -> bool {
        if dest >= self.tx.len() {
            return false;
        }
        let encoded = msg.encode();
        let in_loop = tokio::runtime::Handle::try_current().is_ok();
        if in_loop && encoded.len() <= BATCH_MAX && !self.at_once.get() {
            // Sent with whatever else this turn of the loop sends there.
            let first = {
                let mut pending = self.pending.borrow_mut();
                let q = pending.entry(dest).or_default();
                q.push(encoded);
                q.len() == 1
            };
            if first {
                let me = self.clone();
                tokio::task::spawn_local(async move {
                    me.send_pending(dest);
                });
            }
            return true;
        }
        // Keep order: what is pending for `dest` goes first.
        if !self.send_pending(dest) {
            return false;
        }
        self.send_packets(dest, packets(self.me(), &encoded))
    }

    /// From now on every `send` is written out before it returns, waiting
    /// for room if it must: for a process whose script may never give the
    /// loop a turn (an `addProcess()` callable looping without coroutines),
    /// where batched or queued messages would never leave.
    pub fn send_at_once(&self) {
        self.at_once.set(true);
    }

    /// Sends everything batched or queued, blocking until it is out (when a
    /// loop ends: its flush tasks will not run any more).
    pub fn flush_all_blocking(self: &std::rc::Rc<Self>) {
        let dests: Vec<usize> = self
            .pending
            .borrow()
            .keys()
            .copied()
            .chain(self.outbox.borrow().pending())
            .collect();
        for dest in dests {
            self.flush_blocking(dest);
        }
    }

    /// Sends the batched messages for `dest` now.
    fn send_pending(self: &std::rc::Rc<Self>, dest: usize) -> bool {
        let batch = self.pending.borrow_mut().remove(&dest).unwrap_or_default();
        if batch.is_empty() {
            return true;
        }
        self.send_packets(dest, batch_packets(self.me(), &batch))
    }

    fn send_packets(self: &std::rc::Rc<Self>, dest: usize, packets: Vec<Vec<u8>>) -> bool {
        let Some(tx) = self.tx.get(dest) else {
            return false;
        };
        let queued = match self.outbox.borrow_mut().send(dest, tx.as_raw_fd(), packets) {
            Ok(q) => q,
            Err(_) => return false,
        };
        if !queued {
            return true;
        }
        if tokio::runtime::Handle::try_current().is_ok() && !self.at_once.get() {
            if self.flushing.borrow_mut().insert(dest) {
                tokio::task::spawn_local(self.clone().flush_task(dest));
            }
        } else {
            self.flush_blocking(dest);
        }
        true
    }

    /// Waits until everything queued for `dest` is sent (outside an event
    /// loop, or while PHP blocks it in taskwait()).
    pub fn flush_blocking(self: &std::rc::Rc<Self>, dest: usize) {
        self.send_pending(dest);
        let Some(tx) = self.tx.get(dest) else { return };
        while matches!(
            self.outbox.borrow_mut().flush(dest, tx.as_raw_fd()),
            Ok(true)
        ) {
            poll_fd(tx.as_raw_fd(), true, 100);
        }
    }

    async fn flush_task(self: std::rc::Rc<Self>, dest: usize) {
        let fd = self.tx.get(dest).and_then(|f| f.try_clone().ok());
        // SAFETY: the OwnedFd is a fresh dup that the AsyncFd owns until it
        // is dropped.
        if let Some(afd) = fd.and_then(|fd| unsafe { tokio::io::unix::AsyncFd::register(fd) }.ok())
        {
            loop {
                let Ok(mut guard) = afd.writable().await else {
                    break;
                };
                let res = self.outbox.borrow_mut().flush(dest, afd.as_raw_fd());
                match res {
                    Ok(true) => guard.clear_ready(),
                    Ok(false) => break,
                    Err(_) => {
                        self.outbox.borrow_mut().forget(dest);
                        break;
                    }
                }
            }
        }
        self.flushing.borrow_mut().remove(&dest);
    }

    /// Every complete message waiting in this endpoint's inbox. Undecodable
    /// ones are returned as errors (the caller logs them).
    pub fn read(&self) -> Vec<Result<(u32, Message), DecodeError>> {
        let Some(rx) = self.rx.get(self.me() as usize) else {
            return Vec::new();
        };
        let mut raw = Vec::new();
        let mut buf = Vec::new();
        let mut reassembler = self.reassembler.borrow_mut();
        while let Ok(Some(n)) = try_recv_packet(rx.as_raw_fd(), &mut buf) {
            reassembler.feed_into(&buf[..n], &mut raw);
        }
        raw.into_iter()
            .map(|(from, bytes)| Message::decode(&bytes).map(|m| (from, m)))
            .collect()
    }

    /// This endpoint's inbox, registered with the current runtime.
    pub fn readable_inbox(&self) -> Option<tokio::io::unix::AsyncFd<OwnedFd>> {
        let fd = self.rx.get(self.me() as usize)?.try_clone().ok()?;
        // SAFETY: a fresh dup that the AsyncFd owns until it is dropped.
        unsafe { tokio::io::unix::AsyncFd::register(fd) }.ok()
    }

    /// This endpoint's inbox descriptor (for a blocking wait).
    pub fn inbox_fd(&self) -> Option<RawFd> {
        self.rx.get(self.me() as usize).map(|f| f.as_raw_fd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_carries_big_messages_with_an_outbox() {
        let (rx, tx) = inbox_pair().unwrap();
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7) as u8).collect();
        let mut out = Outbox::default();
        let mut queued = out.send(0, tx.as_raw_fd(), packets(4, &big)).unwrap();
        let mut r = Reassembler::default();
        let mut buf = Vec::new();
        let mut got = None;
        while got.is_none() {
            while let Some(n) = try_recv_packet(rx.as_raw_fd(), &mut buf).unwrap() {
                if let Some(m) = r.feed(&buf[..n]) {
                    got = Some(m);
                }
            }
            if queued {
                queued = out.flush(0, tx.as_raw_fd()).unwrap();
            }
        }
        assert_eq!(got, Some((4, big)));
        assert!(out.pending().is_empty());
    }
}
