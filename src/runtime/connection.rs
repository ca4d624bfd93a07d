//! One client connection as the rest of the server sees it: identity, times,
//! WebSocket status and the outbound queue.
//!
//! The socket itself is owned by two tasks (see [`crate::runtime::server`]):
//! a reader that decodes and dispatches, and a writer that drains the queue
//! here. Everything else (PHP's `push()`, `close()`, the heartbeat) only ever
//! touches this shared state, so a push from any callback is a queue append
//! and never blocks or re-enters the socket.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Poll, Waker};

use bytes::{Buf, Bytes};
use tokio::sync::Notify;

use super::flush;
use super::local_notify::LocalNotify;
use super::shared::{SharedTable, SlotInfo};
use crate::protocol::deflate::{Agreement, Deflater};
use crate::protocol::pack::Compressor;
use crate::protocol::{close, frame};

/// Swoole's session id: the `$fd` PHP scripts see. Starts at 1 and is never
/// reused while the server runs.
pub type SessionId = i64;

/// Swoole's `WEBSOCKET_STATUS_*` values (`websocket_status` in
/// `connection_info`); 0 for a plain HTTP/TCP connection.
pub mod ws_status {
    pub const NONE: u8 = 0;
    pub const CONNECTION: u8 = 1;
    pub const HANDSHAKE: u8 = 2;
    pub const ACTIVE: u8 = 3;
    pub const CLOSING: u8 = 4;
}

/// Why a send to a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The connection is closed or closing: nothing more may be queued.
    Closed,
    /// The outbound queue holds its limit (`buffer_output_size`) or more.
    QueueFull,
}

#[derive(Default)]
struct Outbound {
    queue: VecDeque<Bytes>,
    /// Bytes queued or taken by the writer and not yet written.
    bytes: usize,
    /// Shut the socket down once everything queued before this is written.
    close_after: bool,
    /// Someone waits in [`Connection::drained`] (see [`DRAIN_WAITERS`]).
    drain_wanted: bool,
    /// The shared table says this connection's output is full.
    marked_full: bool,
}

thread_local! {
    /// Who waits for a connection's output to drain (`send_yield`), by
    /// session. Here rather than in each connection: only one whose client
    /// stopped reading ever has a waiter, and an idle connection should
    /// not carry the room.
    static DRAIN_WAITERS: RefCell<HashMap<SessionId, Vec<Waker>>> = RefCell::new(HashMap::new());
}

/// See [`Connection::allow_direct_writes`].
pub(crate) struct DirectWrites<'a>(&'a Connection);

impl Drop for DirectWrites<'_> {
    fn drop(&mut self) {
        self.0.direct_fd.set(-1);
    }
}

/// Writes as much of `out`'s queue to the non-blocking socket `fd` as it
/// takes now, drops what was written from the queue and returns how many
/// bytes that was. Stops at the first short write or error; errors are left
/// for the writer task to meet and report.
fn write_now(fd: i32, out: &mut Outbound) -> usize {
    let mut total = 0;
    loop {
        // Nothing to send for an empty buffer (and a 0-byte write would
        // look like a stalled socket below).
        while out.queue.front().is_some_and(|b| b.is_empty()) {
            out.queue.pop_front();
        }
        if out.queue.is_empty() {
            break;
        }
        let (sent, wanted) = send_some(fd, &out.queue);
        let Ok(sent) = usize::try_from(sent) else {
            break;
        };
        total += sent;
        out.bytes = out.bytes.saturating_sub(sent);
        drop_written(&mut out.queue, sent);
        if sent < wanted || sent == 0 {
            break;
        }
    }
    total
}

/// Drops the first `n` bytes of `queue` (what a write took): whole buffers,
/// then the front of a partly written one.
pub(crate) fn drop_written(queue: &mut VecDeque<Bytes>, n: usize) {
    let mut left = n;
    while left > 0 {
        let Some(front) = queue.front_mut() else {
            break;
        };
        if front.len() <= left {
            left -= front.len();
            queue.pop_front();
        } else {
            front.advance(left);
            left = 0;
        }
    }
}

/// One non-blocking send of the front of `queue` (up to 64 buffers);
/// returns the call's result and how many bytes it was given.
fn send_some(fd: i32, queue: &VecDeque<Bytes>) -> (isize, usize) {
    send_slices(fd, queue.iter().map(|b| &b[..]))
}

/// One non-blocking send of `bufs` (up to 64 of them) in one call;
/// returns the call's result and how many bytes it was given.
fn send_slices<'a>(fd: i32, mut bufs: impl ExactSizeIterator<Item = &'a [u8]>) -> (isize, usize) {
    const MAX_IOV: usize = 64;
    // MSG_NOSIGNAL: a peer that is gone is an EPIPE for the writer to
    // report, never a SIGPIPE.
    const FLAGS: i32 = libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT;
    if bufs.len() == 1 {
        if let Some(only) = bufs.next() {
            // SAFETY: `only` is alive and `len` bytes long for the call.
            let sent = unsafe { libc::send(fd, only.as_ptr().cast(), only.len(), FLAGS) };
            return (sent, only.len());
        }
    }
    // Filled only as far as used: no 1 KiB of zeroes per call.
    let mut iov = [const { std::mem::MaybeUninit::<libc::iovec>::uninit() }; MAX_IOV];
    let mut count = 0;
    let mut wanted = 0;
    for (slot, b) in iov.iter_mut().zip(bufs) {
        slot.write(libc::iovec {
            iov_base: b.as_ptr() as *mut libc::c_void,
            iov_len: b.len(),
        });
        count += 1;
        wanted += b.len();
    }
    // SAFETY: a zeroed msghdr is valid; it points at the first `count`
    // iovecs, all written above, which point into buffers the caller keeps
    // alive for the call.
    let sent = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = iov.as_mut_ptr().cast();
        msg.msg_iovlen = count as _;
        libc::sendmsg(fd, &msg, FLAGS)
    };
    (sent, wanted)
}

/// Seconds since the Unix epoch as a float, as Swoole reports times.
///
/// Read twice per message (last receive and send times), so straight from
/// `clock_gettime`: `SystemTime::now().duration_since(UNIX_EPOCH)` costs
/// several times more in its checks and conversions.
pub fn unix_time() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_REALTIME always exists.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) } != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// How many bytes a connection's reader takes before it lets other tasks
/// run ([`Connection::take_read_turn`]): a 64 KiB message each turn, or
/// thousands of small ones.
pub const FAIR_READ_SHARE: u32 = 64 * 1024;

/// Shared state of one connection.
pub struct Connection {
    pub id: SessionId,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// The OS descriptor of the accepted socket (`socket_fd`).
    pub socket_fd: i32,
    /// The OS descriptor of the listening socket (`server_fd`).
    pub server_fd: i32,
    pub connect_time: f64,
    pub last_recv_time: Cell<f64>,
    pub last_send_time: Cell<f64>,
    pub last_dispatch_time: Cell<f64>,
    ws_status: Cell<u8>,
    /// Set once the server or the peer has started closing: pushes fail.
    closing: Cell<bool>,
    /// Set once onClose has been (or is being) reported.
    close_reported: Cell<bool>,
    queue_limit: usize,
    out: RefCell<Outbound>,
    /// Wakes the writer task when something is queued.
    pub(crate) writer_wake: LocalNotify,
    /// Tells the reader task to stop: the server closed this connection.
    pub(crate) reader_stop: LocalNotify,
    /// An HTTP request (or custom handshake) is waiting for its response.
    response_pending: Cell<bool>,
    pub(crate) response_done: Notify,
    keep_alive: Cell<bool>,
    /// What permessage-deflate agreement the handshake reached, if any.
    deflate: Cell<Option<Agreement>>,
    /// This connection's own compressor, only with server context takeover
    /// (made on the first compressed push). Boxed: most connections never
    /// have one, and an idle connection should not carry its room.
    deflater: RefCell<Option<Box<Deflater>>>,
    /// The connection's slot in the shared table (several workers only).
    shared_slot: Cell<Option<(&'static SharedTable, usize)>>,
    /// Set when closing starts: the writer gives up flushing at this time.
    close_deadline: Cell<Option<std::time::Instant>>,
    peer_gone: Cell<bool>,
    /// The socket's descriptor while its writer task waits with nothing
    /// queued on a plain TCP socket: a push is then written by the
    /// end-of-turn flush ([`super::flush`]) without waking the writer.
    /// -1 otherwise (TLS, the writer busy or gone).
    direct_fd: Cell<i32>,
    /// Already in this turn's flush list.
    flush_queued: Cell<bool>,
    /// `pause()`: nothing is read until `resume()`.
    paused: Cell<bool>,
    /// Bytes read since the reader last let other tasks run
    /// ([`Connection::take_read_turn`]).
    read_streak: Cell<u32>,
    /// `bind()`'s uid when there is no shared table (one process).
    uid: Cell<u32>,
    /// `close($fd, true)`: the socket ends with a RST, not a FIN.
    reset: Cell<bool>,
    /// The close is a RST (`SO_LINGER` 0).
    rst: Cell<bool>,
}

/// How long a closing connection may take to flush what was queued before
/// it (a close frame included) before the socket is dropped anyway.
pub const CLOSE_FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

impl Connection {
    pub fn new(
        id: SessionId,
        peer: SocketAddr,
        local: SocketAddr,
        socket_fd: i32,
        server_fd: i32,
        queue_limit: usize,
    ) -> Self {
        let now = unix_time();
        Connection {
            id,
            peer,
            local,
            socket_fd,
            server_fd,
            connect_time: now,
            last_recv_time: Cell::new(now),
            last_send_time: Cell::new(0.0),
            last_dispatch_time: Cell::new(0.0),
            ws_status: Cell::new(ws_status::NONE),
            closing: Cell::new(false),
            close_reported: Cell::new(false),
            queue_limit,
            out: RefCell::new(Outbound::default()),
            writer_wake: LocalNotify::new(),
            reader_stop: LocalNotify::new(),
            response_pending: Cell::new(false),
            response_done: Notify::new(),
            keep_alive: Cell::new(true),
            deflate: Cell::new(None),
            deflater: RefCell::new(None),
            shared_slot: Cell::new(None),
            close_deadline: Cell::new(None),
            peer_gone: Cell::new(false),
            direct_fd: Cell::new(-1),
            flush_queued: Cell::new(false),
            paused: Cell::new(false),
            read_streak: Cell::new(0),
            uid: Cell::new(0),
            reset: Cell::new(false),
            rst: Cell::new(false),
        }
    }

    pub fn ws_status(&self) -> u8 {
        self.ws_status.get()
    }

    pub fn set_ws_status(&self, status: u8) {
        self.ws_status.set(status);
        if let Some((t, idx)) = self.shared_slot.get() {
            t.set_ws_status(idx, status);
        }
    }

    /// What the shared table records about this connection.
    pub fn slot_info(&self, owner: u32) -> SlotInfo {
        SlotInfo {
            session: self.id,
            owner,
            ws_status: self.ws_status(),
            socket_fd: self.socket_fd,
            server_fd: self.server_fd,
            local: self.local,
            peer: self.peer,
            connect_time: self.connect_time,
            last_recv_time: self.last_recv_time.get(),
            last_send_time: self.last_send_time.get(),
            last_dispatch_time: self.last_dispatch_time.get(),
            uid: self.uid(),
        }
    }

    /// `bind()`: the connection's uid, set once (false when it has one);
    /// with several processes it lives in the shared table, where every
    /// process (and the master's dispatch) sees it.
    pub fn bind_uid(&self, uid: u32) -> bool {
        if let Some((t, _)) = self.shared_slot.get() {
            return t.bind_uid(self.id, uid);
        }
        if self.uid.get() != 0 {
            return false;
        }
        self.uid.set(uid);
        true
    }

    /// The uid `bind()` set (0: none).
    pub fn uid(&self) -> u32 {
        match self.shared_slot.get() {
            Some((t, idx)) => t.uid_at(idx),
            None => self.uid.get(),
        }
    }

    pub(crate) fn set_shared_slot(&self, table: &'static SharedTable, idx: usize) {
        self.shared_slot.set(Some((table, idx)));
    }

    pub(crate) fn shared_slot(&self) -> Option<(&'static SharedTable, usize)> {
        self.shared_slot.get()
    }

    /// Records that data arrived now.
    pub fn touch_recv(&self) {
        let now = unix_time();
        self.last_recv_time.set(now);
        if let Some((t, idx)) = self.shared_slot.get() {
            t.set_last_recv_time(idx, now);
        }
    }

    /// Records that data was written now.
    pub fn touch_send(&self) {
        let now = unix_time();
        self.last_send_time.set(now);
        if let Some((t, idx)) = self.shared_slot.get() {
            t.set_last_send_time(idx, now);
        }
    }

    /// Records that an event was handed to PHP now.
    pub fn touch_dispatch(&self) {
        let now = unix_time();
        self.last_dispatch_time.set(now);
        if let Some((t, idx)) = self.shared_slot.get() {
            t.set_last_dispatch_time(idx, now);
        }
    }

    /// True once the WebSocket handshake has completed and the connection is
    /// not closing: what `isEstablished()` reports.
    pub fn is_websocket(&self) -> bool {
        self.ws_status.get() == ws_status::ACTIVE && !self.closing.get()
    }

    /// Whether permessage-deflate is on for this connection.
    pub fn compression(&self) -> bool {
        self.deflate.get().is_some()
    }

    /// The permessage-deflate agreement, if one was reached.
    pub fn deflate(&self) -> Option<Agreement> {
        self.deflate.get()
    }

    pub fn set_deflate(&self, agreement: Option<Agreement>) {
        self.deflate.set(agreement);
    }

    /// Runs `f` with the compressor pushes to this connection use: none
    /// without permessage-deflate, a shared per-message one without server
    /// context takeover, else this connection's own (its window carries
    /// over, so frames must be compressed in the order they are queued).
    pub fn with_compressor<R>(&self, f: impl FnOnce(Compressor<'_>) -> R) -> R {
        match self.deflate.get() {
            None => f(Compressor::Off),
            Some(a) if a.server_no_context_takeover() => f(Compressor::PerMessage {
                window_bits: a.server_window_bits,
            }),
            Some(a) => match self.deflater.try_borrow_mut() {
                Ok(mut slot) => f(Compressor::Stream(
                    slot.get_or_insert_with(|| Box::new(a.deflater())),
                )),
                // A push from inside `f` (a PHP error handler run by a
                // warning) goes out uncompressed: always valid, where a
                // standalone compressed message would desynchronise the
                // window the client keeps.
                Err(_) => f(Compressor::Off),
            },
        }
    }

    pub fn is_closing(&self) -> bool {
        self.closing.get()
    }

    /// Bytes waiting to be written.
    pub fn queued_bytes(&self) -> usize {
        self.out.borrow().bytes
    }

    /// Whether the output buffer is full: what is queued has reached the
    /// limit, so the next send is refused ([`SendError::QueueFull`]). As
    /// Swoole's, the send that crosses the limit is still taken whole.
    pub fn output_full(&self) -> bool {
        self.out.borrow().bytes >= self.queue_limit
    }

    /// Queues raw bytes for the writer.
    pub fn send(self: &Rc<Self>, data: Bytes) -> Result<(), SendError> {
        if self.closing.get() {
            return Err(SendError::Closed);
        }
        if self.out.borrow().bytes >= self.queue_limit {
            return Err(SendError::QueueFull);
        }
        self.enqueue(data);
        Ok(())
    }

    /// Queues bytes another process sent to this connection (a SWOOLE_PROCESS
    /// worker's writes): never refused, since the sender already counted
    /// them as sent; it reads the shared table's mark instead, which this
    /// sets once the queue is full, and waits or refuses before sending
    /// more ([`Connection::drained`] clears it).
    pub fn send_forwarded(self: &Rc<Self>, data: Bytes) -> Result<(), SendError> {
        if self.closing.get() {
            return Err(SendError::Closed);
        }
        self.enqueue(data);
        Ok(())
    }

    fn enqueue(self: &Rc<Self>, data: Bytes) {
        let mut out = self.out.borrow_mut();
        out.bytes += data.len();
        out.queue.push_back(data);
        let newly_full = out.bytes >= self.queue_limit && !out.marked_full;
        if newly_full {
            if let Some((t, idx)) = self.shared_slot.get() {
                out.marked_full = true;
                t.set_output_full(idx, true);
            }
        }
        drop(out);
        self.schedule_write();
    }

    /// Sends `head` then `body` (a frame's header and a large payload the
    /// caller owns) without copying them into a buffer first when it can:
    /// when nothing is queued and the writer idles on a plain socket, they
    /// are written now, in one call, and only what the socket did not take
    /// is copied and queued. Otherwise both are copied into one buffer and
    /// queued as [`Connection::send`] does. Worth it for a payload of tens
    /// of KiB, where the copy (and the fresh memory it needs) costs more
    /// than the end-of-turn flush's batching of writes saves.
    pub fn send_parts(self: &Rc<Self>, head: &[u8], body: &[u8]) -> Result<(), SendError> {
        if self.closing.get() {
            return Err(SendError::Closed);
        }
        let total = head.len() + body.len();
        let fd = self.direct_fd.get();
        let mut written = 0;
        {
            let out = self.out.borrow();
            if out.bytes >= self.queue_limit {
                return Err(SendError::QueueFull);
            }
            if fd >= 0 && out.queue.is_empty() {
                let (sent, _) = send_slices(fd, [head, body].into_iter());
                // An error is left for the writer to meet, as write_now does.
                written = usize::try_from(sent).unwrap_or(0);
            }
        }
        if written > 0 {
            self.touch_send();
        }
        if written >= total {
            return Ok(());
        }
        let mut rest = Vec::with_capacity(total - written);
        if written < head.len() {
            rest.extend_from_slice(&head[written..]);
            rest.extend_from_slice(body);
        } else {
            rest.extend_from_slice(&body[written - head.len()..]);
        }
        let mut out = self.out.borrow_mut();
        out.bytes += rest.len();
        out.queue.push_back(Bytes::from(rest));
        drop(out);
        self.schedule_write();
        Ok(())
    }

    /// Gets what was just queued written: at the end of this turn by the
    /// flush task when the writer is idle on a plain socket (one write for
    /// all of this turn's pushes, no task woken), else by the writer task.
    fn schedule_write(self: &Rc<Self>) {
        if self.direct_fd.get() >= 0 {
            if self.flush_queued.get() {
                return;
            }
            if flush::defer(self) {
                self.flush_queued.set(true);
                return;
            }
        }
        self.writer_wake.notify_one();
    }

    /// Resolves once everything queued has been written (true), or once
    /// the connection is closing (false): Swoole's `send_yield` waits for
    /// this (its onBufferEmpty) before it tries a refused send again.
    pub fn drained(self: &Rc<Self>) -> impl Future<Output = bool> {
        let conn = self.clone();
        std::future::poll_fn(move |cx| {
            if conn.closing.get() {
                return Poll::Ready(false);
            }
            let mut out = conn.out.borrow_mut();
            if out.bytes == 0 {
                return Poll::Ready(true);
            }
            out.drain_wanted = true;
            DRAIN_WAITERS.with(|w| {
                let mut w = w.borrow_mut();
                let wakers = w.entry(conn.id).or_default();
                if !wakers.iter().any(|k| k.will_wake(cx.waker())) {
                    wakers.push(cx.waker().clone());
                }
            });
            Poll::Pending
        })
    }

    /// Wakes whoever waits in [`Connection::drained`] and clears the shared
    /// table's "output full" mark: the queue is empty, or the connection is
    /// going away.
    pub(crate) fn wake_drain_waiters(&self) {
        let (wanted, marked) = {
            let mut out = self.out.borrow_mut();
            (
                std::mem::take(&mut out.drain_wanted),
                std::mem::take(&mut out.marked_full),
            )
        };
        if marked {
            if let Some((t, idx)) = self.shared_slot.get() {
                t.set_output_full(idx, false);
            }
        }
        if !wanted {
            return;
        }
        let wakers = DRAIN_WAITERS.with(|w| w.borrow_mut().remove(&self.id));
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
    }

    /// The end-of-turn flush: writes what the socket takes now if `write`
    /// and the writer is still idle; whatever is left (a full socket, an
    /// error, a closing connection) is the writer task's.
    pub(crate) fn flush_deferred(&self, write: bool) {
        self.flush_queued.set(false);
        let fd = self.direct_fd.get();
        if write && fd >= 0 && !self.closing.get() {
            let written = write_now(fd, &mut self.out.borrow_mut());
            if written > 0 {
                self.touch_send();
            }
            if self.out.borrow().queue.is_empty() {
                self.wake_drain_waiters();
                return;
            }
        }
        self.writer_wake.notify_one();
    }

    /// Lets the end-of-turn flush write to `fd` until the returned guard is
    /// dropped: the writer task holds it while it waits with nothing
    /// queued, so the descriptor is open and no write of its own is half
    /// done.
    pub(crate) fn allow_direct_writes(&self, fd: Option<i32>) -> DirectWrites<'_> {
        self.direct_fd.set(fd.unwrap_or(-1));
        DirectWrites(self)
    }

    /// Frames `payload` as one server-to-client frame (never masked) and
    /// queues it. `rsv_bits` are the first byte's RSV bits (0x40 = RSV1).
    pub fn send_frame(
        self: &Rc<Self>,
        opcode: u8,
        fin: bool,
        rsv_bits: u8,
        payload: &[u8],
    ) -> Result<(), SendError> {
        if self.closing.get() {
            return Err(SendError::Closed);
        }
        let mut buf = Vec::new();
        frame::encode(&mut buf, fin, rsv_bits, opcode, None, payload);
        self.send(Bytes::from(buf))
    }

    /// Starts closing from the server side: everything queued so far is
    /// still written, then (optionally) a close frame, then the TCP shutdown.
    /// Returns false if the connection was already closing.
    pub fn close_with_frame(&self, close_frame: Option<(u16, &[u8])>) -> bool {
        if self.closing.get() {
            return false;
        }
        if let Some((code, reason)) = close_frame {
            let payload = close::close_payload(code, reason);
            // Cannot fail: the queue accepts anything while not closing, and a
            // close frame must go out even when the queue is full.
            let mut buf = Vec::new();
            frame::encode(&mut buf, true, 0, frame::opcode::CLOSE, None, &payload);
            let mut out = self.out.borrow_mut();
            out.bytes += buf.len();
            out.queue.push_back(Bytes::from(buf));
        }
        self.begin_close();
        true
    }

    /// Drops what is queued and starts closing with `SO_LINGER` 0, so that
    /// dropping the socket sends a RST (what Swoole's kernel sends when it
    /// closes with bytes left unread); false when the connection is
    /// closing already.
    pub fn reset(&self) -> bool {
        self.discard(true)
    }

    /// `close($fd, true)`: what the socket takes now is written (Swoole's
    /// send() writes at once), the rest of the queue is dropped, and the
    /// close is a FIN, as Swoole 6.2.2's (its build sets no `SO_LINGER`);
    /// false when the connection is closing already.
    pub fn drop_queue_and_close(&self) -> bool {
        self.discard(false)
    }

    fn discard(&self, rst: bool) -> bool {
        if self.closing.get() {
            return false;
        }
        if rst {
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: `socket_fd` is this connection's open socket (its
            // tasks hold it until they end); the option value is a live
            // `linger`.
            unsafe {
                libc::setsockopt(
                    self.socket_fd,
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                );
            }
            self.rst.set(true);
        } else {
            // What Swoole's send() had written to the socket at once is the
            // kernel's already: write what it takes now, as it would have.
            let fd = self.direct_fd.get();
            if fd >= 0 && write_now(fd, &mut self.out.borrow_mut()) > 0 {
                self.touch_send();
            }
        }
        {
            let mut out = self.out.borrow_mut();
            out.queue.clear();
            out.bytes = 0;
        }
        self.reset.set(true);
        self.begin_close();
        true
    }

    /// Whether what is queued was dropped ([`reset`](Self::reset),
    /// [`drop_queue_and_close`](Self::drop_queue_and_close)).
    pub fn is_reset(&self) -> bool {
        self.reset.get()
    }

    /// Whether the close is a RST ([`reset`](Self::reset)).
    pub fn sends_rst(&self) -> bool {
        self.rst.get()
    }

    /// Queues an already-encoded close frame payload echo (the reply to a
    /// client's close frame) and starts closing.
    pub fn close_echo(&self, payload: &[u8]) {
        if self.closing.get() {
            return;
        }
        let mut buf = Vec::new();
        frame::encode(&mut buf, true, 0, frame::opcode::CLOSE, None, payload);
        {
            let mut out = self.out.borrow_mut();
            out.bytes += buf.len();
            out.queue.push_back(Bytes::from(buf));
        }
        self.begin_close();
    }

    fn begin_close(&self) {
        self.closing.set(true);
        self.close_deadline
            .set(std::time::Instant::now().checked_add(CLOSE_FLUSH_TIMEOUT));
        if self.ws_status.get() == ws_status::ACTIVE {
            self.ws_status.set(ws_status::CLOSING);
        }
        self.out.borrow_mut().close_after = true;
        self.writer_wake.notify_one();
        self.reader_stop.notify_one();
        // A reader waiting for an HTTP response must not wait forever.
        self.response_done.notify_one();
        self.wake_drain_waiters();
    }

    /// Marks onClose as reported; returns false if it already was, so that
    /// onClose runs exactly once per connection.
    pub(crate) fn mark_close_reported(&self) -> bool {
        !self.close_reported.replace(true)
    }

    /// Takes everything queued for the writer, and whether to shut down after.
    /// The bytes still count against the queue limit until [`Self::written`].
    pub(crate) fn take_outbound(&self) -> (VecDeque<Bytes>, bool) {
        let mut queue = VecDeque::new();
        let close = self.take_outbound_into(&mut queue);
        (queue, close)
    }

    /// Moves what is queued to the end of `pending` (the writer's list);
    /// true once the connection is to be shut down after it. When `pending`
    /// is empty the two buffers are swapped, so neither side allocates a
    /// queue again for every round of pushes.
    pub(crate) fn take_outbound_into(&self, pending: &mut VecDeque<Bytes>) -> bool {
        let mut out = self.out.borrow_mut();
        if pending.is_empty() {
            std::mem::swap(pending, &mut out.queue);
        } else {
            pending.extend(out.queue.drain(..));
        }
        out.close_after
    }

    /// The writer wrote `n` bytes.
    pub(crate) fn written(&self, n: usize) {
        let mut out = self.out.borrow_mut();
        out.bytes = out.bytes.saturating_sub(n);
    }

    /// When a closing connection's last bytes must have gone out: a client
    /// that stops reading cannot hold a closed connection open.
    pub(crate) fn close_deadline(&self) -> Option<std::time::Instant> {
        self.close_deadline.get()
    }

    /// The peer is gone (a write failed): no more pushes; the reader stops
    /// and reports onClose as a client-side close.
    pub(crate) fn peer_gone(&self) {
        self.peer_gone.set(true);
        if !self.closing.get() {
            self.closing.set(true);
            if self.ws_status.get() == ws_status::ACTIVE {
                self.ws_status.set(ws_status::CLOSING);
            }
        }
        self.reader_stop.notify_one();
        self.response_done.notify_one();
        self.wake_drain_waiters();
    }

    /// `pause()` / `resume()`: stops or restarts reading (and the
    /// dispatch of what was read). Wakes the reader either way.
    pub fn set_paused(&self, paused: bool) {
        self.paused.set(paused);
        self.reader_stop.notify_one();
    }

    /// Counts `n` bytes read; true once the reader has read its fair share
    /// ([`FAIR_READ_SHARE`]) since it last let the other connections' tasks
    /// run, and should do so now. A client that keeps its socket full
    /// would otherwise be read again and again (up to tokio's budget of
    /// 128 reads, megabytes of large messages) while the others wait:
    /// their latency, not the throughput, pays for it.
    pub(crate) fn take_read_turn(&self, n: usize) -> bool {
        let streak = self.read_streak.get().saturating_add(n as u32);
        if streak >= FAIR_READ_SHARE {
            self.read_streak.set(0);
            return true;
        }
        self.read_streak.set(streak);
        false
    }

    pub fn is_paused(&self) -> bool {
        self.paused.get()
    }

    /// True once a write to the peer failed.
    pub fn is_peer_gone(&self) -> bool {
        self.peer_gone.get()
    }

    pub(crate) fn begin_response(&self, keep_alive: bool) {
        self.keep_alive.set(keep_alive);
        self.response_pending.set(true);
    }

    /// True while an HTTP response has not been ended.
    pub fn response_pending(&self) -> bool {
        self.response_pending.get()
    }

    /// Whether the current HTTP request asked to keep the connection open.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive.get()
    }

    /// Called by the response writer when `end()` has queued the last byte:
    /// lets the reader go on to the next request (or close).
    pub fn finish_response(&self) {
        self.response_pending.set(false);
        self.response_done.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(limit: usize) -> Rc<Connection> {
        let a: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        Rc::new(Connection::new(1, a, a, 3, 4, limit))
    }

    /// Bytes another process sent are queued whatever the limit; the
    /// shared table marks the connection full once the queue reaches it,
    /// until it drains (what that process reads to hold back), and a slot
    /// reused for a new connection starts unmarked.
    #[test]
    fn forwarded_sends_are_kept_and_mark_the_shared_table_full() {
        let t = SharedTable::create(8).unwrap();
        let c = conn(10);
        let idx = t.insert(&c.slot_info(0)).unwrap();
        c.set_shared_slot(t, idx);
        assert_eq!(t.output_full(c.id), Some(false));
        c.send_forwarded(Bytes::from(vec![0u8; 6])).unwrap();
        assert_eq!(t.output_full(c.id), Some(false));
        c.send_forwarded(Bytes::from(vec![0u8; 6])).unwrap();
        c.send_forwarded(Bytes::from(vec![0u8; 6])).unwrap();
        assert_eq!(c.queued_bytes(), 18, "nothing refused");
        assert_eq!(t.output_full(c.id), Some(true));
        assert_eq!(c.send(Bytes::from_static(b"x")), Err(SendError::QueueFull));
        let _ = c.take_outbound();
        c.written(18);
        c.wake_drain_waiters();
        assert_eq!(t.output_full(c.id), Some(false));
        // full again, then the slot goes and a new connection takes it
        c.send_forwarded(Bytes::from(vec![0u8; 20])).unwrap();
        assert_eq!(t.output_full(c.id), Some(true));
        t.remove(idx, c.id);
        assert_eq!(t.output_full(c.id), None);
        let d = Rc::new(Connection::new(c.id + 8, c.peer, c.local, 5, 4, 10));
        let idx2 = t.insert(&d.slot_info(0)).unwrap();
        assert_eq!(idx2, idx);
        assert_eq!(t.output_full(d.id), Some(false));
    }

    /// `send_yield`'s wait: pending while bytes are queued or being
    /// written, woken when the writer has written them all, and ended
    /// (false) by a close.
    #[test]
    fn drained_waits_for_the_queue_to_empty_or_the_connection_to_close() {
        use std::task::{Context, Wake};
        /// A waker that counts its wakes.
        struct Flag(std::sync::atomic::AtomicUsize);
        impl Wake for Flag {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let flag = std::sync::Arc::new(Flag(std::sync::atomic::AtomicUsize::new(0)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let woken = || flag.0.load(std::sync::atomic::Ordering::Relaxed);

        let c = conn(10);
        assert_eq!(
            std::pin::pin!(c.drained()).as_mut().poll(&mut cx),
            Poll::Ready(true)
        );
        c.send(Bytes::from(vec![0u8; 100])).unwrap();
        let (_taken, _) = c.take_outbound();
        let mut wait = Box::pin(c.drained());
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
        c.written(60);
        c.wake_drain_waiters();
        assert_eq!(woken(), 1);
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
        c.written(40);
        c.wake_drain_waiters();
        // one wake per wait, however often it was polled
        assert_eq!(woken(), 2);
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Ready(true));
        assert!(DRAIN_WAITERS.with(|w| !w.borrow().contains_key(&c.id)));

        c.send(Bytes::from(vec![0u8; 5])).unwrap();
        let mut wait = Box::pin(c.drained());
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
        c.close_with_frame(None);
        assert_eq!(woken(), 3);
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Ready(false));
    }

    #[test]
    fn queue_limit_allows_one_large_send_into_an_empty_queue() {
        let c = conn(10);
        assert_eq!(c.send(Bytes::from(vec![0u8; 100])), Ok(()));
        assert_eq!(c.send(Bytes::from_static(b"x")), Err(SendError::QueueFull));
        let (q, close) = c.take_outbound();
        assert_eq!(q.len(), 1);
        assert!(!close);
        // taken by the writer but not written yet: still counts
        assert_eq!(c.send(Bytes::from_static(b"x")), Err(SendError::QueueFull));
        assert_eq!(c.queued_bytes(), 100);
        c.written(100);
        assert_eq!(c.send(Bytes::from_static(b"x")), Ok(()));
        assert_eq!(c.queued_bytes(), 1);
    }

    #[test]
    fn close_frame_goes_after_queued_data_and_blocks_later_sends() {
        let c = conn(1000);
        c.send(Bytes::from_static(b"first")).expect("send");
        assert!(c.close_with_frame(Some((4000, b"bye"))));
        assert_eq!(c.send(Bytes::from_static(b"late")), Err(SendError::Closed));
        assert!(!c.close_with_frame(None));
        let (q, close) = c.take_outbound();
        assert!(close);
        assert_eq!(q[0].as_ref(), b"first");
        assert_eq!(q[1].as_ref(), &[0x88, 0x05, 0x0f, 0xa0, b'b', b'y', b'e']);
    }

    #[test]
    fn a_gone_peer_closes_the_connection_for_pushes() {
        let c = conn(1000);
        assert!(c.close_deadline().is_none());
        c.peer_gone();
        assert!(c.is_peer_gone());
        assert_eq!(c.send(Bytes::from_static(b"x")), Err(SendError::Closed));
        assert!(c.close_deadline().is_none());
        let d = conn(1000);
        d.close_with_frame(None);
        assert!(d.close_deadline().is_some());
    }

    #[test]
    fn drop_written_takes_whole_buffers_then_part_of_one() {
        let mut q: VecDeque<Bytes> = [&b"abc"[..], b"de", b"fgh"]
            .into_iter()
            .map(Bytes::from_static)
            .collect();
        drop_written(&mut q, 4);
        assert_eq!(q, [Bytes::from_static(b"e"), Bytes::from_static(b"fgh")]);
        drop_written(&mut q, 0);
        assert_eq!(q.len(), 2);
        drop_written(&mut q, 10);
        assert!(q.is_empty());
    }

    #[test]
    fn unix_time_is_the_system_clock_in_seconds() {
        let std_now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs_f64();
        let t = unix_time();
        assert!((t - std_now).abs() < 1.0, "{t} vs {std_now}");
        assert!(
            t.fract() != 0.0 || unix_time().fract() != 0.0,
            "sub-second part lost"
        );
    }

    #[test]
    fn close_is_reported_once() {
        let c = conn(10);
        assert!(c.mark_close_reported());
        assert!(!c.mark_close_reported());
    }
}
