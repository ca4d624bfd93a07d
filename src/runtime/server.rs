//! The listener, the per-connection tasks and the heartbeat.
//!
//! Each accepted socket gets two tasks on the worker's `LocalSet`: a reader
//! that parses HTTP, performs the handshake, decodes frames and dispatches
//! events to the [`EventHandler`], and a writer that drains the connection's
//! outbound queue. Both run on the PHP thread, so the handler is called
//! directly.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::connection::{unix_time, ws_status, Connection};
use super::keepalive;
use super::log;
use super::port::{DatagramFrom, Joined, Port, Protocol};
use super::settings::Settings;
use super::static_files;
use super::table::ConnectionTable;
use super::EventHandler;
use crate::protocol::frame;
use crate::protocol::framing::{Framer, FramingError};
use crate::protocol::handshake;
use crate::protocol::http::Request;
use crate::protocol::session::{self, Output, Session};

/// How long shutdown waits for queued bytes to reach clients.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(3);
/// The largest datagram a port receives (UDP's limit).
const MAX_DATAGRAM: usize = 65536;
/// Read granularity: what one read asks the kernel for at least.
const READ_CHUNK: usize = 8 * 1024;

/// One server: its settings, its connections and its lifecycle.
pub struct Server {
    pub settings: Settings,
    pub table: ConnectionTable,
    handler: RefCell<Option<Rc<dyn EventHandler>>>,
    stopping: Cell<bool>,
    stop: Notify,
    live_writers: Cell<usize>,
    writers_done: Notify,
    pub start_time: f64,
}

/// How long a client may take to complete its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds the listening socket the way Swoole does (`SO_REUSEADDR`, the
/// configured backlog), before the event loop starts, so that `start()` can
/// report a bind error as an exception.
pub fn bind(host: &str, port: u16, backlog: i32) -> io::Result<std::net::TcpListener> {
    let addr = super::port::inet_addr(host, port)?;
    let domain = match addr {
        SocketAddr::V4(_) => socket2::Domain::IPV4,
        SocketAddr::V6(_) => socket2::Domain::IPV6,
    };
    let socket = socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog.max(1))?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

impl Server {
    pub fn new(settings: Settings) -> Self {
        Server::with_table(settings, ConnectionTable::new())
    }

    /// A server whose connections go in `table` (a shared one with several
    /// workers).
    pub fn with_table(settings: Settings, table: ConnectionTable) -> Self {
        table.start_ids_after(settings.start_session_id);
        Server {
            settings,
            table,
            handler: RefCell::new(None),
            stopping: Cell::new(false),
            stop: Notify::new(),
            live_writers: Cell::new(0),
            writers_done: Notify::new(),
            start_time: unix_time(),
        }
    }

    pub(crate) fn handler(&self) -> Option<Rc<dyn EventHandler>> {
        self.handler.borrow().clone()
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.get()
    }

    /// Closes a connection from the server side (`close()`, `disconnect()`,
    /// the heartbeat): queued bytes still go out, then the optional close
    /// frame, then the TCP shutdown. onClose runs before this returns.
    pub fn close_connection(
        &self,
        conn: &Rc<Connection>,
        close_frame: Option<(u16, &[u8])>,
        reactor_id: i32,
    ) -> bool {
        if !conn.close_with_frame(close_frame) {
            return false;
        }
        self.report_close(conn, reactor_id);
        true
    }

    /// `close($fd, true)`: what is queued is dropped, then the close (a
    /// FIN, as Swoole 6.2.2's: its build sets no `SO_LINGER`). onClose
    /// runs before this returns.
    pub fn reset_connection(&self, conn: &Rc<Connection>, reactor_id: i32) -> bool {
        if !conn.drop_queue_and_close() {
            return false;
        }
        self.report_close(conn, reactor_id);
        true
    }

    /// Removes the connection and runs onClose, once per connection.
    fn report_close(&self, conn: &Rc<Connection>, reactor_id: i32) {
        if !conn.mark_close_reported() {
            return;
        }
        // onClose can still read the connection's info, as in Swoole; the
        // entry goes once the callback returned.
        if let Some(h) = self.handler() {
            h.on_close(conn, reactor_id);
        }
        self.table.remove(conn.id);
    }

    /// Stops accepting, sends every WebSocket client a 1001 close frame and
    /// closes the rest; [`Server::serve`] returns once their queues drained.
    pub fn begin_shutdown(&self) {
        if self.stopping.replace(true) {
            return;
        }
        for conn in self.table.snapshot() {
            if conn.ws_status() == ws_status::ACTIVE {
                conn.close_with_frame(Some((1001, b"")));
            } else {
                conn.close_with_frame(None);
            }
        }
        self.stop.notify_waiters();
        self.stop.notify_one();
    }

    /// Queues one already framed message to every established WebSocket
    /// connection but the excluded ones; returns how many got it. The
    /// bytes are shared, not copied, between the queues.
    pub fn broadcast(&self, frame: &bytes::Bytes, exclude: &[super::SessionId]) -> usize {
        let mut n = 0;
        for conn in self.table.snapshot() {
            if conn.is_websocket()
                && !exclude.contains(&conn.id)
                && conn.send(frame.clone()).is_ok()
            {
                n += 1;
            }
        }
        n
    }

    /// Queues an already framed message to each of `sessions` that is an
    /// established WebSocket connection of this runtime (others are skipped:
    /// they belong to another worker or closed); how many.
    pub fn multicast(&self, frame: &bytes::Bytes, sessions: &[super::SessionId]) -> usize {
        sessions
            .iter()
            .filter_map(|&s| self.table.get(s))
            .filter(|conn| conn.is_websocket() && conn.send(frame.clone()).is_ok())
            .count()
    }

    /// Waits until [`Server::begin_shutdown`] (a task worker, which serves
    /// no connections).
    pub async fn wait_stopped(&self) {
        while !self.stopping.get() {
            self.stop.notified().await;
        }
    }

    /// Accepts on every port and serves until [`Server::begin_shutdown`];
    /// then waits (a bounded time) for every queued byte to be written.
    /// The listeners joined the loop already ([`Listener::join_loop`]).
    pub async fn serve(
        self: Rc<Self>,
        accepting: Vec<(Joined, Arc<Port>)>,
        handler: Rc<dyn EventHandler>,
    ) {
        *self.handler.borrow_mut() = Some(handler);
        super::flush::ensure_running();
        if let Some((interval, timeout)) = self.settings.websocket_pings() {
            tokio::task::spawn_local(keepalive::run(self.clone(), interval, timeout));
        }
        // heartbeat_idle_time is each port's (a port never set has the
        // server's); the check runs as often as the most frequent asks.
        let beats: Vec<(i32, (Duration, Duration))> = accepting
            .iter()
            .filter_map(|(_, port)| Some((port.server_fd, port.settings.heartbeat()?)))
            .collect();
        let server_beat = self.settings.heartbeat();
        let interval = beats
            .iter()
            .map(|(_, beat)| *beat)
            .chain(server_beat)
            .map(|(interval, _)| interval)
            .min();
        if let Some(interval) = interval {
            let idle = Heartbeat {
                by_port: beats.iter().map(|(fd, (_, idle))| (*fd, *idle)).collect(),
                otherwise: server_beat.map(|(_, idle)| idle),
            };
            tokio::task::spawn_local(heartbeat(self.clone(), interval, idle));
        }
        let loops: Vec<_> = accepting
            .into_iter()
            .map(|(socket, port)| {
                let server = self.clone();
                match socket {
                    Joined::Tcp(l) => tokio::task::spawn_local(server.accept_loop(l, port)),
                    Joined::Unix(l) => tokio::task::spawn_local(server.accept_unix_loop(l, port)),
                    Joined::Udp(s) => tokio::task::spawn_local(server.recv_udp_loop(s, port)),
                    Joined::UnixDgram(s) => {
                        tokio::task::spawn_local(server.recv_unix_dgram_loop(s, port))
                    }
                }
            })
            .collect();
        self.wait_stopped().await;
        // Each loop drops its socket as it ends: new clients are refused.
        for l in loops {
            let _ = l.await;
        }
        let drained = async {
            while self.live_writers.get() > 0 {
                self.writers_done.notified().await;
            }
        };
        let _ = tokio::time::timeout(SHUTDOWN_DRAIN, drained).await;
        // Dropped outside the borrow: dropping PHP callbacks runs PHP code.
        let handler = self.handler.borrow_mut().take();
        drop(handler);
    }

    /// Accepts on one port until the server stops.
    async fn accept_loop(self: Rc<Self>, listener: TcpListener, port: Arc<Port>) {
        self.accept_until_stopped(
            async || listener.accept().await,
            |(stream, peer)| self.accept(stream, peer, &port),
        )
        .await
    }

    /// Accepts on a unix stream port until the server stops.
    async fn accept_unix_loop(self: Rc<Self>, listener: tokio::net::UnixListener, port: Arc<Port>) {
        self.accept_until_stopped(
            async || listener.accept().await,
            |(stream, _)| self.accept_unix(stream, &port),
        )
        .await
    }

    /// Takes connections from `accept` and hands each to `serve` until the
    /// server stops. A failed accept (EMFILE and friends) backs off
    /// instead of spinning.
    async fn accept_until_stopped<S>(
        &self,
        mut accept: impl AsyncFnMut() -> io::Result<S>,
        mut serve: impl FnMut(S),
    ) {
        while !self.stopping.get() {
            tokio::select! {
                accepted = accept() => match accepted {
                    Ok(s) => serve(s),
                    Err(e) => {
                        log::write(log::Level::Warning, true, &format!("accept() failed: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                _ = self.stop.notified() => {}
            }
        }
    }

    /// Receives a UDP port's datagrams until the server stops: each one
    /// is an `onPacket`.
    async fn recv_udp_loop(self: Rc<Self>, socket: tokio::net::UdpSocket, port: Arc<Port>) {
        self.receive_until_stopped(&port, async |buf: &mut [u8]| {
            let (n, from) = socket.recv_from(buf).await?;
            Ok((n, DatagramFrom::Inet(from)))
        })
        .await
    }

    /// Receives a unix datagram port's datagrams until the server stops.
    async fn recv_unix_dgram_loop(
        self: Rc<Self>,
        socket: tokio::net::UnixDatagram,
        port: Arc<Port>,
    ) {
        self.receive_until_stopped(&port, async |buf: &mut [u8]| {
            let (n, from) = socket.recv_from(buf).await?;
            let path = from
                .as_pathname()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((n, DatagramFrom::Unix(path)))
        })
        .await
    }

    /// Hands each datagram `receive` reads to the handler until the server
    /// stops. A failed receive (an ICMP error of an earlier send and the
    /// like) is not the socket's end.
    async fn receive_until_stopped(
        &self,
        port: &Port,
        mut receive: impl AsyncFnMut(&mut [u8]) -> io::Result<(usize, DatagramFrom)>,
    ) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        while !self.stopping.get() {
            tokio::select! {
                got = receive(&mut buf) => match got {
                    Ok((n, from)) => self.deliver_datagram(port, &buf[..n], from),
                    Err(_) => tokio::task::yield_now().await,
                },
                _ = self.stop.notified() => {}
            }
        }
    }

    fn deliver_datagram(&self, port: &Port, data: &[u8], from: DatagramFrom) {
        if let Some(h) = self.handler() {
            h.on_packet(port.server_fd, Bytes::copy_from_slice(data), from);
        }
    }

    fn log_too_many(&self) {
        log::write(
            log::Level::Warning,
            true,
            &format!(
                "Server::accept(): too many connections [now: {}]",
                self.table.len()
            ),
        );
    }

    /// A new connection in the table; None (and Swoole's warning) when the
    /// server has `max_connection` already.
    fn register(
        &self,
        peer: SocketAddr,
        local: SocketAddr,
        fd: i32,
        port: &Port,
    ) -> Option<Rc<Connection>> {
        if self.table.len() as i64 >= self.settings.max_connection {
            self.log_too_many();
            return None;
        }
        let id = self.table.next_id();
        let conn = Rc::new(Connection::new(
            id,
            peer,
            local,
            fd,
            port.server_fd,
            self.settings.output_queue_limit(),
        ));
        // The shared table (several workers) is full.
        if !self.table.insert(conn.clone()) {
            self.log_too_many();
            return None;
        }
        Some(conn)
    }

    /// A unix stream connection: no addresses (its info shows none, as
    /// Swoole's), otherwise served as a TCP one.
    fn accept_unix(self: &Rc<Self>, stream: tokio::net::UnixStream, port: &Arc<Port>) {
        let none = SocketAddr::from(([0, 0, 0, 0], 0));
        let fd = stream.as_raw_fd();
        let Some(conn) = self.register(none, none, fd, port) else {
            return;
        };
        let (rd, wr) = stream.into_split();
        self.spawn_tasks(conn, port.clone(), rd, wr, Some(fd));
    }

    fn accept(self: &Rc<Self>, stream: TcpStream, peer: SocketAddr, port: &Arc<Port>) {
        let _ = stream.set_nodelay(port.settings.open_tcp_nodelay);
        let local = stream.local_addr().unwrap_or(peer);
        let Some(conn) = self.register(peer, local, stream.as_raw_fd(), port) else {
            return;
        };
        let h2 = port.settings.open_http2_protocol && matches!(port.protocol, Protocol::Http);
        let Some(acceptor) = port.tls.clone() else {
            if h2 {
                // h2c with prior knowledge: the first bytes say which.
                let (server, port) = (self.clone(), port.clone());
                tokio::task::spawn_local(async move {
                    if sniff_http2_preface(&stream, &conn).await {
                        server.serve_http2(conn, port, stream).await;
                    } else {
                        let direct_fd = Some(stream.as_raw_fd());
                        let (rd, wr) = stream.into_split();
                        server.spawn_tasks(conn, port, rd, wr, direct_fd);
                    }
                });
                return;
            }
            let direct_fd = Some(stream.as_raw_fd());
            let (rd, wr) = stream.into_split();
            self.spawn_tasks(conn, port.clone(), rd, wr, direct_fd);
            return;
        };
        let server = self.clone();
        let port = port.clone();
        tokio::task::spawn_local(async move {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) if h2 && tls.get_ref().1.alpn_protocol() == Some(b"h2") => {
                    server.serve_http2(conn, port, tls).await;
                }
                Ok(Ok(tls)) => {
                    let (rd, wr) = tokio::io::split(tls);
                    // No direct writes: the TLS stream must encrypt.
                    server.spawn_tasks(conn, port, rd, wr, None);
                }
                // A failed or stalled TLS handshake never was a connection
                // for the script: no onConnect, so no onClose either.
                _ => {
                    conn.mark_close_reported();
                    server.table.remove(conn.id);
                }
            }
        });
    }

    /// An HTTP/2 connection: one task, the `h2` connection owning the
    /// socket; onConnect and onClose as for any other.
    async fn serve_http2<T>(self: Rc<Self>, conn: Rc<Connection>, port: Arc<Port>, io: T)
    where
        T: AsyncRead + AsyncWrite + Unpin + 'static,
    {
        let end = ReaderEnd { server: self, conn };
        if let Some(h) = end.server.handler() {
            h.on_connect(&end.conn);
        }
        let reactor_id = super::http2::serve(&end.server, &end.conn, port, io).await;
        end.conn.close_with_frame(None);
        end.server.report_close(&end.conn, reactor_id);
    }

    /// `direct_fd`: the plain socket under `wr`, which the end-of-turn
    /// flush may write to while the writer is idle (None for TLS).
    fn spawn_tasks<R, W>(
        self: &Rc<Self>,
        conn: Rc<Connection>,
        port: Arc<Port>,
        rd: R,
        wr: W,
        direct_fd: Option<i32>,
    ) where
        R: ConnRead + 'static,
        W: ConnWrite + 'static,
    {
        self.live_writers.set(self.live_writers.get() + 1);
        tokio::task::spawn_local(writer(self.clone(), conn.clone(), wr, direct_fd));
        tokio::task::spawn_local(reader(self.clone(), conn, port, rd));
    }
}

/// Whether a new connection of an `open_http2_protocol` port starts with
/// the HTTP/2 preface, by peeking at what it sent (nothing is consumed).
/// A client that stalls halfway through a prefix of it is taken for
/// HTTP/1 after a while; so is one the server closes meanwhile.
async fn sniff_http2_preface(stream: &TcpStream, conn: &Connection) -> bool {
    let mut first = [0u8; 24];
    for _ in 0..200 {
        let peeked = tokio::select! {
            biased;
            _ = conn.reader_stop.notified() => return false,
            r = stream.peek(&mut first) => r,
        };
        match peeked {
            Ok(0) | Err(_) => return false,
            Ok(n) => match super::http2::preface_state(&first[..n]) {
                Some(is_h2) => return is_h2,
                // Part of the preface so far: look again shortly.
                None => tokio::time::sleep(Duration::from_millis(5)).await,
            },
        }
    }
    false
}

/// Drains the connection's queue into the socket; shuts it down after a
/// close. Once the connection is closing, what is left must go out before
/// its close deadline: a client that stops reading cannot pin a closed
/// connection (and its queue) in memory.
///
/// While it waits with nothing queued, pushes to a plain socket are written
/// by the end-of-turn flush instead ([`super::flush`]); the writer is woken
/// only for what that could not write.
async fn writer<W: ConnWrite>(
    server: Rc<Server>,
    conn: Rc<Connection>,
    wr: W,
    direct_fd: Option<i32>,
) {
    // Counted done for shutdown however it ends; a panic (a bug) ends
    // only this connection.
    let end = WriterEnd { server, conn };
    let mut wr = wr;
    let mut pending: VecDeque<Bytes> = VecDeque::new();
    let mut close_after = false;
    let mut failed = false;
    loop {
        close_after |= end.conn.take_outbound_into(&mut pending);
        if end.conn.is_reset() {
            // close($fd, true) or a reset: nothing more goes out.
            pending.clear();
        }
        if pending.is_empty() {
            if close_after {
                break;
            }
            end.conn.wake_drain_waiters();
            let _direct = end.conn.allow_direct_writes(direct_fd);
            end.conn.writer_wake.notified().await;
            continue;
        }
        let written = {
            // Up to 64 queued frames in one writev. (Not an array here: it
            // would live in every connection's writer task, idle or not.)
            let slices: Vec<io::IoSlice> = pending
                .iter()
                .take(64)
                .map(|b| io::IoSlice::new(b))
                .collect();
            let slices = &slices[..];
            match end.conn.close_deadline() {
                Some(deadline) => {
                    let deadline = tokio::time::Instant::from_std(deadline);
                    match tokio::time::timeout_at(deadline, wr.write_vectored(slices)).await {
                        Ok(r) => r,
                        // Out of time: drop the socket with what is left.
                        Err(_) => break,
                    }
                }
                // `biased`: polled in this order, with no random number
                // drawn per write (select!'s fairness, not needed here).
                None => tokio::select! {
                    biased;
                    r = wr.write_vectored(slices) => r,
                    // New data or a close while the socket is full: look
                    // again (a close sets the deadline).
                    _ = end.conn.writer_wake.notified() => continue,
                },
            }
        };
        let n = match written {
            Ok(0) | Err(_) => {
                failed = true;
                break;
            }
            Ok(n) => n,
        };
        end.conn.written(n);
        end.conn.touch_send();
        super::connection::drop_written(&mut pending, n);
    }
    if failed {
        // The peer is gone: stop the reader, which reports onClose.
        end.conn.peer_gone();
    } else if close_after && !end.conn.sends_rst() {
        let deadline = end
            .conn
            .close_deadline()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + SHUTDOWN_DRAIN);
        let _ = tokio::time::timeout_at(deadline, wr.shutdown()).await;
    }
    // The socket first, then the count shutdown waits for (`end`).
    if end.conn.sends_rst() {
        wr.abort();
    } else {
        drop(wr);
    }
}

/// A connection's write side. Dropping a plain socket's write half shuts
/// its sending direction down (a FIN); `abort` drops it without that, so
/// that a reset ends with nothing but the RST its `SO_LINGER`
/// asks for.
pub trait ConnWrite: AsyncWrite + Unpin {
    fn abort(self);
}

impl ConnWrite for tokio::net::tcp::OwnedWriteHalf {
    fn abort(self) {
        self.forget();
    }
}

impl ConnWrite for tokio::net::unix::OwnedWriteHalf {
    fn abort(self) {
        self.forget();
    }
}

/// TLS: the socket closes when both halves are gone; no shutdown on drop.
impl ConnWrite for tokio::io::WriteHalf<tokio_rustls::server::TlsStream<TcpStream>> {
    fn abort(self) {}
}

/// A connection's read side. `ready()` resolves once bytes (or EOF) can be
/// read, without a buffer, so that an idle connection holds none.
pub trait ConnRead: AsyncRead + Unpin {
    fn ready(&self) -> impl std::future::Future<Output = io::Result<()>>;
}

impl ConnRead for tokio::net::tcp::OwnedReadHalf {
    async fn ready(&self) -> io::Result<()> {
        self.readable().await
    }
}

impl ConnRead for tokio::net::unix::OwnedReadHalf {
    async fn ready(&self) -> io::Result<()> {
        self.readable().await
    }
}

/// TLS records must be read to know whether they carry data: no readiness
/// shortcut, so a TLS connection keeps its read buffer while idle.
impl ConnRead for tokio::io::ReadHalf<tokio_rustls::server::TlsStream<TcpStream>> {
    async fn ready(&self) -> io::Result<()> {
        Ok(())
    }
}

/// What the reader got from one read.
enum ReadOutcome {
    Data,
    Eof,
    Stopped,
    TimedOut,
}

/// Reads once, within `timeout` (the HTTP phase's `http_request_timeout`).
async fn read_more<R: ConnRead>(
    rd: &mut R,
    buf: &mut BytesMut,
    conn: &Connection,
    timeout: Option<Duration>,
) -> ReadOutcome {
    match timeout {
        Some(t) => tokio::time::timeout(t, read_once(rd, buf, conn))
            .await
            .unwrap_or(ReadOutcome::TimedOut),
        None => read_once(rd, buf, conn).await,
    }
}

/// Reads once, with no time limit: the WebSocket phase. Not `read_more`:
/// its timer would sit in every idle connection's reader task.
///
/// A paused connection (`pause()`) is not read until `resume()` or a
/// close; both wake the reader through `reader_stop`, which stops it only
/// once the connection is closing.
async fn read_once<R: ConnRead>(rd: &mut R, buf: &mut BytesMut, conn: &Connection) -> ReadOutcome {
    loop {
        if conn.is_paused() && !conn.is_closing() {
            conn.reader_stop.notified().await;
            continue;
        }
        if buf.is_empty() {
            // Idle connections hold no read buffer: wait for bytes first,
            // then take one (an idle WebSocket costs no 8 KiB here). The
            // buffer goes back to this thread's pool meanwhile, so a busy
            // connection does not allocate (and free) one per read.
            read_buffers::give_back(std::mem::take(buf));
            tokio::select! {
                biased;
                _ = conn.reader_stop.notified() => {
                    if conn.is_closing() {
                        return ReadOutcome::Stopped;
                    }
                    continue;
                }
                r = rd.ready() => if r.is_err() {
                    return ReadOutcome::Eof;
                },
            }
            *buf = read_buffers::take();
        }
        if buf.capacity() - buf.len() < READ_CHUNK {
            buf.reserve(READ_CHUNK);
        }
        // `biased`: a stop wins over data, and no random number is drawn
        // per read for select!'s fairness.
        let outcome = tokio::select! {
            biased;
            _ = conn.reader_stop.notified() => {
                if !conn.is_closing() {
                    continue;
                }
                ReadOutcome::Stopped
            }
            r = rd.read_buf(buf) => match r {
                Ok(0) | Err(_) => ReadOutcome::Eof,
                Ok(n) => {
                    if conn.take_read_turn(n) {
                        // Its share read: the other connections' turn
                        // first (what was read is handled after).
                        tokio::task::yield_now().await;
                    }
                    ReadOutcome::Data
                }
            },
        };
        if matches!(outcome, ReadOutcome::Data) {
            conn.touch_recv();
        }
        return outcome;
    }
}

async fn reader<R: ConnRead>(server: Rc<Server>, conn: Rc<Connection>, port: Arc<Port>, rd: R) {
    // A panic (a bug) in this connection's work ends only this connection:
    // the guard, dropped while the panic unwinds, has it closed and
    // reported like any other. (A guard, not a wrapping future: the task
    // state stays as small as it was.)
    let end = ReaderEnd { server, conn };
    if let Some(h) = end.server.handler() {
        h.on_connect(&end.conn);
    }
    let reactor_id = match &port.protocol {
        Protocol::Stream(framing) => {
            let framer = Framer::new(framing.clone(), port.settings.package_max_length);
            serve_stream(&end.server, &end.conn, rd, framer).await
        }
        Protocol::Http => serve_http_port(&end.server, &end.conn, port, rd).await,
    };
    // However the reader stopped, the connection is over: let the writer
    // flush and shut down, and report onClose if nobody has yet.
    end.conn.close_with_frame(None);
    end.server.report_close(&end.conn, reactor_id);
}

/// An HTTP port's connection: requests, then WebSocket frames after an
/// upgrade. Returns onClose's reactor id.
async fn serve_http_port<R: ConnRead>(
    server: &Rc<Server>,
    conn: &Rc<Connection>,
    port: Arc<Port>,
    rd: R,
) -> i32 {
    let settings = &port.settings;
    let session = Session::with_pool(
        session::Config {
            max_length: settings.package_max_length,
            websocket: settings.open_websocket_protocol,
            ping_frame: settings.open_websocket_ping_frame,
            pong_frame: settings.open_websocket_pong_frame,
            close_frame: settings.open_websocket_close_frame,
            max_upload: settings.upload_max_filesize,
        },
        spare_inflaters::Spare,
    );
    let mut side = ReadSide {
        rd,
        buf: BytesMut::new(),
        session,
        port,
    };
    // The HTTP phase's IO state (timer, handshake) lives on the heap while
    // it runs: an idle WebSocket connection's task keeps only what the
    // WebSocket phase needs. What the bytes mean is the [`Session`]'s to
    // say; this and the functions below read, write, wait and call the
    // script.
    let http = Box::pin(serve_http(server, conn, &mut side)).await;
    match http {
        Phase::Upgraded => {
            side.session.open(conn.deflate());
            serve_websocket(server, conn, &mut side).await
        }
        Phase::Closed(reactor_id) => reactor_id,
    }
}

/// A plain TCP port's connection: what arrives is cut into packets by the
/// port's framing, each one an `onReceive`. Returns onClose's reactor id.
async fn serve_stream<R: ConnRead>(
    server: &Rc<Server>,
    conn: &Rc<Connection>,
    mut rd: R,
    mut framer: Framer,
) -> i32 {
    let mut buf = BytesMut::new();
    loop {
        if conn.is_closing() {
            return stopped_reactor_id(conn);
        }
        // Every complete packet of what was read, before reading more.
        loop {
            // One look-up of the handler per packet serves the length
            // function and the dispatch.
            let handler = server.handler();
            let packet = framer.next(&mut buf, &mut |data: &[u8]| {
                handler
                    .as_ref()
                    .map_or(-1, |h| h.package_length(conn, data))
            });
            match packet {
                Ok(Some(data)) => {
                    let Some(handler) = handler else {
                        return session::CLOSED_BY_SERVER;
                    };
                    dispatch_started(conn);
                    handler.on_receive(conn, data);
                    if conn.is_closing() {
                        return stopped_reactor_id(conn);
                    }
                    // pause(): what is buffered waits for resume() too.
                    if conn.is_paused() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    log_framing_error(conn, e, framer.is_eof());
                    // Swoole's reactor closes it (onClose gets the reactor
                    // id); with bytes it had not read yet, the kernel
                    // answers with a reset, so this does too.
                    if framer.read_at_error().is_some_and(|n| buf.len() > n) {
                        conn.reset();
                    } else {
                        conn.close_with_frame(None);
                    }
                    return session::CLOSED_BY_PEER;
                }
            }
        }
        if conn.is_paused() {
            // What is buffered goes on once resume() is called.
            while conn.is_paused() && !conn.is_closing() {
                conn.reader_stop.notified().await;
            }
            continue;
        }
        match read_once(&mut rd, &mut buf, conn).await {
            ReadOutcome::Data => {}
            ReadOutcome::Eof | ReadOutcome::TimedOut => return session::CLOSED_BY_PEER,
            ReadOutcome::Stopped => return stopped_reactor_id(conn),
        }
    }
}

/// Swoole's log line for a stream that cannot be framed; the connection
/// is closed after it.
fn log_framing_error(conn: &Connection, e: FramingError, eof: bool) {
    let line = match e {
        FramingError::TooLarge { length } if eof => format!(
            "Protocol::recv_with_eof_protocol() (ERRNO 1201): The received data packet is too large, length={length}<{}>",
            conn.peer
        ),
        FramingError::TooLarge { length } => format!(
            "Protocol::recv_with_length_protocol() (ERRNO 1201): the received packet length {length} is too large, remote_addr=<{}>",
            conn.peer
        ),
        FramingError::Malformed { buffered } => format!(
            "Protocol::recv_with_length_protocol() (ERRNO 1204): received {buffered} bytes of malformed data, remote_addr=<{}>",
            conn.peer
        ),
    };
    log::write(log::Level::Warning, true, &line);
}

/// Ends a connection whose reader task panicked (a bug): tokio drops a
/// panicking task's future while the panic unwinds, and this guard, part of
/// that future, then has the connection closed and onClose reported from a
/// fresh task, once the unwinding is over (never PHP code in the middle of
/// a panic). The server goes on serving everyone else. A guard rather than
/// a wrapping future: the task state stays as small as it was.
struct ReaderEnd {
    server: Rc<Server>,
    conn: Rc<Connection>,
}

impl Drop for ReaderEnd {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let (server, conn) = (self.server.clone(), self.conn.clone());
            tokio::task::spawn_local(async move {
                conn.close_with_frame(None);
                server.report_close(&conn, session::CLOSED_BY_SERVER);
            });
        }
    }
}

/// The writer's end, however it comes: counted done for shutdown; after a
/// panic (a bug) the connection is marked gone, so its reader reports
/// onClose (the socket went with the task).
struct WriterEnd {
    server: Rc<Server>,
    conn: Rc<Connection>,
}

impl Drop for WriterEnd {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.conn.peer_gone();
        }
        self.conn.wake_drain_waiters();
        let live = &self.server.live_writers;
        live.set(live.get().saturating_sub(1));
        self.server.writers_done.notify_waiters();
    }
}

/// What the reader keeps between reads: the socket's read half, the bytes
/// received and not consumed yet, and the protocol state they are fed to.
/// One struct, so that each phase's task state holds one reference to
/// them, not three.
struct ReadSide<R> {
    rd: R,
    buf: BytesMut,
    session: Session<spare_inflaters::Spare>,
    /// The port the connection came in on: its settings rule the protocol.
    port: Arc<Port>,
}

impl<R: AsyncRead + Unpin> ReadSide<R> {
    /// Waits for the script's response (or handshake), reading what the
    /// client sends meanwhile within the session's limit; Err ends the
    /// connection (with onClose's reactor id) and closes the session.
    async fn await_response(&mut self, conn: &Connection) -> Result<(), i32> {
        let limit = self.session.buffer_limit();
        let waited = await_response(conn, &mut self.rd, &mut self.buf, limit).await;
        if waited.is_err() {
            self.session.close();
        }
        waited
    }
}

enum Phase {
    Upgraded,
    /// The connection is finished; onClose gets this reactor id.
    Closed(i32),
}

/// onClose's reactor id for a connection the reader found closing: 0 when
/// the peer went away (a failed write), -1 when the server closed it.
fn stopped_reactor_id(conn: &Connection) -> i32 {
    if conn.is_peer_gone() {
        session::CLOSED_BY_PEER
    } else {
        session::CLOSED_BY_SERVER
    }
}

/// Waits until the pending HTTP response (or handshake response) is ended.
/// Meanwhile the socket is still watched, so a client that goes away is
/// noticed at once (a streaming response must not write into the void);
/// what it sends (a pipelined request) is buffered, up to `limit` bytes.
/// Err carries onClose's reactor id.
async fn await_response<R: AsyncRead + Unpin>(
    conn: &Connection,
    rd: &mut R,
    buf: &mut BytesMut,
    limit: usize,
) -> Result<(), i32> {
    while conn.response_pending() && !conn.is_closing() {
        if buf.len() >= limit {
            conn.response_done.notified().await;
            continue;
        }
        if buf.capacity() - buf.len() < READ_CHUNK {
            buf.reserve(READ_CHUNK);
        }
        tokio::select! {
            _ = conn.response_done.notified() => {}
            _ = conn.reader_stop.notified() => {}
            r = rd.read_buf(buf) => match r {
                Ok(0) | Err(_) => {
                    conn.close_with_frame(None);
                    return Err(session::CLOSED_BY_PEER);
                }
                Ok(_) => conn.touch_recv(),
            },
        }
    }
    if conn.is_closing() {
        return Err(stopped_reactor_id(conn));
    }
    Ok(())
}

/// Swoole's log line for a message or request body over `package_max_length`.
fn log_too_large(conn: &Connection, len: u64) {
    log::write(
        log::Level::Warning,
        true,
        &format!(
            "Protocol::recv_with_length_protocol() (ERRNO 1201): the received packet length {len} is too large, remote_addr=<{}>",
            conn.peer
        ),
    );
}

/// Serves HTTP requests until the connection upgrades or closes.
async fn serve_http<R: ConnRead>(
    server: &Rc<Server>,
    conn: &Rc<Connection>,
    side: &mut ReadSide<R>,
) -> Phase {
    loop {
        if conn.is_closing() {
            side.session.close();
            return Phase::Closed(stopped_reactor_id(conn));
        }
        let (req, upgrade_requested) = match side.session.poll(&mut side.buf) {
            Output::Request(req) => (req, false),
            Output::Upgrade(req) => (req, true),
            out @ (Output::NeedMore | Output::SendContinue) => {
                if out == Output::SendContinue {
                    let _ = conn.send(Bytes::from_static(session::RESPONSE_100_CONTINUE));
                }
                let timeout = side
                    .session
                    .request_started(&side.buf)
                    .then_some(side.port.settings.http_request_timeout);
                match read_more(&mut side.rd, &mut side.buf, conn, timeout).await {
                    ReadOutcome::Data => continue,
                    ReadOutcome::Eof => return Phase::Closed(session::CLOSED_BY_PEER),
                    ReadOutcome::Stopped => return Phase::Closed(stopped_reactor_id(conn)),
                    ReadOutcome::TimedOut => {
                        let _ = conn.send(Bytes::from_static(side.session.timed_out()));
                        conn.close_with_frame(None);
                        return Phase::Closed(session::CLOSED_BY_SERVER);
                    }
                }
            }
            Output::Reject {
                response,
                too_large,
            } => {
                if let Some(len) = too_large {
                    log_too_large(conn, len);
                }
                let _ = conn.send(Bytes::from_static(response));
                conn.close_with_frame(None);
                return Phase::Closed(session::CLOSED_BY_PEER);
            }
            // Not in the HTTP states: cannot happen.
            _ => {
                conn.close_with_frame(None);
                return Phase::Closed(session::CLOSED_BY_SERVER);
            }
        };
        let Some(handler) = server.handler() else {
            return Phase::Closed(session::CLOSED_BY_SERVER);
        };
        conn.touch_dispatch();

        if upgrade_requested {
            return upgrade(conn, handler, req, side).await;
        }
        if let Some(file) = static_files::resolve(&side.port.settings, &req) {
            if let Some(bytes) = static_files::response(&file, &req, unix_time() as u64) {
                let _ = conn.send(Bytes::from(bytes));
                if !req.keep_alive() {
                    side.session.close();
                    conn.close_with_frame(None);
                    return Phase::Closed(session::CLOSED_BY_SERVER);
                }
                continue;
            }
        }
        if !handler.has_request_handler(conn) || !side.port.settings.open_http_protocol {
            let _ = conn.send(Bytes::from_static(handshake::RESPONSE_400_NO_ONREQUEST));
            side.session.close();
            conn.close_with_frame(None);
            return Phase::Closed(session::CLOSED_BY_SERVER);
        }
        let keep_alive = req.keep_alive();
        conn.begin_response(keep_alive);
        side.session.await_response(keep_alive);
        handler.on_request(conn, req);
        if let Err(reactor_id) = side.await_response(conn).await {
            return Phase::Closed(reactor_id);
        }
        if !side.session.response_done() {
            conn.close_with_frame(None);
            return Phase::Closed(session::CLOSED_BY_SERVER);
        }
    }
}

/// Answers a WebSocket upgrade request, by hand (onHandshake) or built in.
async fn upgrade<R: AsyncRead + Unpin>(
    conn: &Rc<Connection>,
    handler: Rc<dyn EventHandler>,
    req: Request,
    side: &mut ReadSide<R>,
) -> Phase {
    if handler.has_handshake_handler(conn) {
        conn.set_ws_status(ws_status::HANDSHAKE);
        conn.begin_response(true);
        side.session.await_handshake();
        handler.on_handshake(conn, req);
        // Frames a client sends right after the handshake are kept for the
        // frame loop.
        if let Err(reactor_id) = side.await_response(conn).await {
            return Phase::Closed(reactor_id);
        }
        if conn.ws_status() == ws_status::ACTIVE {
            return Phase::Upgraded;
        }
        // The callback refused the upgrade: Swoole closes the connection.
        side.session.close();
        conn.close_with_frame(None);
        return Phase::Closed(session::CLOSED_BY_SERVER);
    }
    let settings = &side.port.settings;
    let policy = session::UpgradePolicy {
        subprotocol: settings.websocket_subprotocol.as_deref(),
        compression: settings
            .websocket_compression
            .then(|| settings.deflate_policy()),
    };
    let mut accepted = match side
        .session
        .accept_upgrade(&req, &policy, unix_time() as u64)
    {
        Ok(accepted) => accepted,
        Err(response) => {
            let _ = conn.send(Bytes::from(response));
            conn.close_with_frame(None);
            return Phase::Closed(session::CLOSED_BY_SERVER);
        }
    };
    conn.set_deflate(accepted.agreement);
    let extra = handler.before_handshake_response(conn, &req);
    if conn.is_closing() {
        side.session.close();
        return Phase::Closed(stopped_reactor_id(conn));
    }
    accepted.add_headers(&extra);
    conn.set_ws_status(ws_status::CONNECTION);
    if conn.send(Bytes::from(accepted.response)).is_err() {
        side.session.close();
        return Phase::Closed(session::CLOSED_BY_SERVER);
    }
    conn.set_ws_status(ws_status::ACTIVE);
    handler.on_open(conn, req);
    if conn.is_closing() {
        side.session.close();
        return Phase::Closed(session::CLOSED_BY_SERVER);
    }
    Phase::Upgraded
}

/// Reads frames until the connection closes; returns onClose's reactor id.
async fn serve_websocket<R: ConnRead>(
    server: &Rc<Server>,
    conn: &Rc<Connection>,
    side: &mut ReadSide<R>,
) -> i32 {
    // Messages decoded from the bytes at hand are handed over as one batch,
    // ended before anything else is acted on (and before each read).
    let mut batch = DispatchBatch(None);
    loop {
        if conn.is_closing() {
            return stopped_reactor_id(conn);
        }
        // Acted on before any await (its scope ends here): the output is
        // not kept in the task while it waits for bytes.
        {
            let out = side.session.poll(&mut side.buf);
            if !matches!(out, Output::Dispatch(_)) {
                batch.end();
            }
            match out {
                Output::NeedMore => {}
                Output::Fail { code, too_large } => {
                    if let Some(len) = too_large {
                        log_too_large(conn, len);
                    }
                    conn.close_with_frame(Some((code, b"")));
                    return session::CLOSED_BY_PEER;
                }
                // A frame's event, whether the script hears of it or not:
                // the handler and the dispatch time first. The event is
                // moved out of `out` only after that, so it is not held
                // across this bookkeeping.
                _ => {
                    let Some(handler) = server.handler() else {
                        return session::CLOSED_BY_SERVER;
                    };
                    // The messages of one batch are handed over at one
                    // instant: one clock read for them all.
                    let same_batch = matches!(out, Output::Dispatch(_)) && batch.is_open();
                    if same_batch {
                        dispatch_hook(conn);
                    } else {
                        dispatch_started(conn);
                    }
                    match out {
                        Output::Dispatch(event) => {
                            batch.join(&handler);
                            handler.on_message(conn, event)
                        }
                        Output::SendPong(payload) => {
                            let _ = conn.send_frame(frame::opcode::PONG, true, 0, &payload);
                        }
                        Output::PongReceived => {}
                        Output::CloseEcho { payload, dispatch } => {
                            if let Some(event) = dispatch {
                                handler.on_message(conn, event);
                            }
                            // Echo the client's close payload, then shut down.
                            conn.close_echo(&payload);
                            return session::CLOSED_BY_PEER;
                        }
                        // Not in the WebSocket state: cannot happen.
                        _ => {
                            conn.close_with_frame(None);
                            return session::CLOSED_BY_SERVER;
                        }
                    }
                    continue;
                }
            }
        }
        match read_once(&mut side.rd, &mut side.buf, conn).await {
            ReadOutcome::Data => {}
            ReadOutcome::Eof | ReadOutcome::TimedOut => return session::CLOSED_BY_PEER,
            ReadOutcome::Stopped => return stopped_reactor_id(conn),
        }
    }
}

/// Events read together, handed to the handler as one batch
/// ([`EventHandler::begin_batch`]); ended by `end` or when dropped.
struct DispatchBatch(Option<Rc<dyn EventHandler>>);

impl DispatchBatch {
    fn is_open(&self) -> bool {
        self.0.is_some()
    }

    /// Opens the batch with `handler` unless it is open.
    fn join(&mut self, handler: &Rc<dyn EventHandler>) {
        if self.0.is_none() {
            handler.begin_batch();
            self.0 = Some(Rc::clone(handler));
        }
    }

    /// Ends the batch, if open: the handler runs what it held back.
    fn end(&mut self) {
        if let Some(handler) = self.0.take() {
            handler.end_batch(true);
        }
    }
}

impl Drop for DispatchBatch {
    fn drop(&mut self) {
        if let Some(handler) = self.0.take() {
            // Unwinding from a panic (a bug): no script code runs now.
            handler.end_batch(!std::thread::panicking());
        }
    }
}

/// An event of `conn` is about to be handed to the script: its dispatch
/// time is recorded.
#[inline]
fn dispatch_started(conn: &Connection) {
    conn.touch_dispatch();
    dispatch_hook(conn);
}

/// What the tests may do before an event is handed to the script.
#[inline]
fn dispatch_hook(_conn: &Connection) {
    #[cfg(feature = "test-hooks")]
    super::test_hooks::before_dispatch(_conn.id);
}

/// Read buffers between reads: one thread serves one read at a time, so a
/// few buffers, handed from connection to connection, serve them all.
mod read_buffers {
    use bytes::BytesMut;
    use std::cell::RefCell;

    /// Enough for the connections one thread reads between two waits.
    const MAX_SPARE: usize = 8;

    thread_local! {
        static SPARE: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
    }

    /// A buffer for the next read (its bytes may still be shared with
    /// frames of the last one: `reserve` reclaims or replaces it).
    pub fn take() -> BytesMut {
        SPARE.with(|s| s.borrow_mut().pop()).unwrap_or_default()
    }

    /// Keeps an emptied buffer for the next read.
    pub fn give_back(buf: BytesMut) {
        if buf.capacity() == 0 {
            return;
        }
        SPARE.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < MAX_SPARE {
                s.push(buf);
            }
        });
    }
}

/// Inflaters of connections whose client resets its window after each
/// message (`client_no_context_takeover`, the default): such a connection
/// needs inflate state only while a message is arriving, so the ~46 KiB of
/// state goes back here between messages instead of staying with every
/// connection that ever sent a compressed message.
mod spare_inflaters {
    use crate::protocol::deflate::{Agreement, Inflater};
    use crate::protocol::session::InflaterPool;
    use std::cell::RefCell;

    /// The [`InflaterPool`] of a connection's state machine: this thread's
    /// spare inflaters.
    #[derive(Debug, Clone, Copy)]
    pub struct Spare;

    impl InflaterPool for Spare {
        fn take(&mut self, agreement: &Agreement) -> Box<Inflater> {
            take(agreement)
        }

        fn give_back(&mut self, inflater: Box<Inflater>) {
            give_back(inflater)
        }
    }

    /// Enough for the messages one runtime thread inflates at a time.
    const MAX_SPARE: usize = 16;

    thread_local! {
        // Boxed so that they move in and out of connections without a copy
        // or an allocation.
        #[allow(clippy::vec_box)]
        static SPARE: RefCell<Vec<Box<Inflater>>> = const { RefCell::new(Vec::new()) };
    }

    /// An inflater for `a`: a spare one when the client resets its window.
    /// Boxed: the reader task of every WebSocket connection has room for
    /// one, and a pointer is all an idle connection should pay for.
    pub fn take(a: &Agreement) -> Box<Inflater> {
        if a.client_no_context_takeover() {
            let spare = SPARE.with(|s| {
                let mut s = s.borrow_mut();
                let i = s
                    .iter()
                    .position(|inf| inf.window_bits() == a.client_window_bits)?;
                Some(s.swap_remove(i))
            });
            if let Some(inf) = spare {
                return inf;
            }
        }
        Box::new(a.inflater())
    }

    /// Keeps `inf` (reset at its message's end) for the next message.
    pub fn give_back(inf: Box<Inflater>) {
        SPARE.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < MAX_SPARE {
                s.push(inf);
            }
        });
    }
}

/// How long a connection may stay silent, by its port.
struct Heartbeat {
    by_port: HashMap<i32, Duration>,
    /// The server's, for a connection of a port not listed.
    otherwise: Option<Duration>,
}

/// Closes connections that have sent nothing for their port's idle time
/// (Swoole's `heartbeat_check_interval` / `heartbeat_idle_time`).
async fn heartbeat(server: Rc<Server>, interval: Duration, idle: Heartbeat) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    while !server.is_stopping() {
        tick.tick().await;
        let now = unix_time();
        for conn in server.table.snapshot() {
            let Some(limit) = idle
                .by_port
                .get(&conn.server_fd)
                .copied()
                .or(idle.otherwise)
            else {
                continue;
            };
            let deadline = now - limit.as_secs_f64();
            if conn.last_recv_time.get() < deadline && !conn.is_closing() {
                // No close frame, and onClose gets reactor id 0 (not the -1
                // of close()/disconnect()), as Swoole's heartbeat does.
                server.close_connection(&conn, None, session::CLOSED_BY_PEER);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::SettingValue;

    fn http_port() -> Arc<Port> {
        Arc::new(Port::new(4, Settings::default(), None))
    }

    /// Records what a plain TCP port delivers.
    #[derive(Default)]
    struct Packets {
        received: RefCell<Vec<Vec<u8>>>,
        closed: RefCell<Vec<i32>>,
    }

    impl EventHandler for Packets {
        fn on_connect(&self, _: &Rc<Connection>) {}
        fn has_request_handler(&self, _: &Connection) -> bool {
            false
        }
        fn on_request(&self, _: &Rc<Connection>, _: Request) {}
        fn has_handshake_handler(&self, _: &Connection) -> bool {
            false
        }
        fn on_handshake(&self, _: &Rc<Connection>, _: Request) {}
        fn on_open(&self, _: &Rc<Connection>, _: Request) {}
        fn on_message(&self, _: &Rc<Connection>, _: crate::protocol::message::Event) {}
        fn on_receive(&self, conn: &Rc<Connection>, data: Bytes) {
            if &data[..] == b"\x00\x00\x00\x05pause" {
                conn.set_paused(true);
            }
            if &data[..] == b"\x00\x00\x00\x05reset" {
                let _ = conn.send(Bytes::from(vec![b'x'; 1 << 20]));
                assert!(conn.reset());
                assert!(!conn.reset(), "reset twice");
            }
            if &data[..] == b"\x00\x00\x00\x04drop" {
                // More than the kernel's buffers take.
                let _ = conn.send(Bytes::from(vec![b'x'; 64 << 20]));
                assert!(conn.drop_queue_and_close());
                assert!(!conn.drop_queue_and_close(), "twice");
            }
            if &data[..] == b"\x00\x00\x00\x04quit" {
                let _ = conn.send(Bytes::from_static(b"bye"));
                conn.close_with_frame(None);
            }
            self.received.borrow_mut().push(data.to_vec());
        }
        fn on_close(&self, _: &Rc<Connection>, reactor_id: i32) {
            self.closed.borrow_mut().push(reactor_id);
        }
    }

    /// Records the batches a WebSocket connection's messages come in.
    #[derive(Default)]
    struct Batches {
        log: RefCell<Vec<String>>,
    }

    impl EventHandler for Batches {
        fn on_connect(&self, _: &Rc<Connection>) {}
        fn has_request_handler(&self, _: &Connection) -> bool {
            false
        }
        fn on_request(&self, _: &Rc<Connection>, _: Request) {}
        fn has_handshake_handler(&self, _: &Connection) -> bool {
            false
        }
        fn on_handshake(&self, _: &Rc<Connection>, _: Request) {}
        fn on_open(&self, _: &Rc<Connection>, _: Request) {}
        fn on_message(&self, _: &Rc<Connection>, event: crate::protocol::message::Event) {
            if let crate::protocol::message::Event::Message { payload, .. } = event {
                let text = String::from_utf8_lossy(&payload).into_owned();
                self.log.borrow_mut().push(text);
            }
        }
        fn begin_batch(&self) {
            self.log.borrow_mut().push("begin".into());
        }
        fn end_batch(&self, run: bool) {
            self.log.borrow_mut().push(format!("end {run}"));
        }
        fn on_close(&self, _: &Rc<Connection>, _: i32) {
            self.log.borrow_mut().push("close".into());
        }
    }

    fn masked_text(text: &str) -> Vec<u8> {
        let key = [1, 2, 3, 4];
        let mut out = Vec::new();
        frame::encode(
            &mut out,
            true,
            0,
            frame::opcode::TEXT,
            Some(key),
            text.as_bytes(),
        );
        out
    }

    /// Messages read together are one batch, ended before the next read
    /// and before a close frame read with them is acted on: the handler
    /// may run their callbacks at the batch's end, in order, before the
    /// close.
    #[test]
    fn messages_read_together_come_as_one_batch_ended_before_a_close() {
        super::super::run_local(async {
            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = l.local_addr().expect("addr");
            let server = Rc::new(Server::new(Settings::default()));
            let handler = Rc::new(Batches::default());
            *server.handler.borrow_mut() = Some(handler.clone());
            tokio::task::spawn_local({
                let server = server.clone();
                async move {
                    let (s, peer) = l.accept().await.expect("accept");
                    server.accept(s, peer, &http_port());
                }
            });
            let mut client = TcpStream::connect(addr).await.expect("connect");
            client
                .write_all(
                    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                      Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                )
                .await
                .expect("write");
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                client.read_exact(&mut byte).await.expect("read");
                head.push(byte[0]);
            }
            assert!(head.starts_with(b"HTTP/1.1 101"));
            let two: Vec<u8> = [masked_text("a"), masked_text("b")].concat();
            client.write_all(&two).await.expect("write");
            tokio::time::sleep(Duration::from_millis(30)).await;
            let mut close = Vec::new();
            frame::encode(
                &mut close,
                true,
                0,
                frame::opcode::CLOSE,
                Some([9, 9, 9, 9]),
                b"\x03\xe8",
            );
            let last: Vec<u8> = [masked_text("c"), close].concat();
            client.write_all(&last).await.expect("write");
            let mut rest = Vec::new();
            let _ = client.read_to_end(&mut rest).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(
                *handler.log.borrow(),
                ["begin", "a", "b", "end true", "begin", "c", "end true", "close"]
            );
        });
    }

    /// A server with one length-framed stream port (and `extra` settings),
    /// a [`Packets`] handler, and a client connected to it.
    async fn stream_port(extra: &[(&str, SettingValue)]) -> (Rc<Server>, Rc<Packets>, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr");
        let mut settings = Settings::plain_port();
        settings.apply("open_length_check", &SettingValue::Bool(true));
        for (key, value) in extra {
            settings.apply(key, value);
        }
        let port = Arc::new(Port::new(4, settings, None));
        let server = Rc::new(Server::new(Settings::default()));
        let handler = Rc::new(Packets::default());
        *server.handler.borrow_mut() = Some(handler.clone());
        tokio::task::spawn_local({
            let server = server.clone();
            async move {
                let (s, peer) = l.accept().await.expect("accept");
                server.accept(s, peer, &port);
            }
        });
        let client = TcpStream::connect(addr).await.expect("connect");
        (server, handler, client)
    }

    /// A stream port cuts what a client sends into the port's packets,
    /// across reads and several in one read; a close from the script ends
    /// the connection after what it queued.
    #[test]
    fn a_stream_port_delivers_framed_packets() {
        super::super::run_local(async {
            let (_server, handler, mut client) = stream_port(&[]).await;
            client
                .write_all(b"\x00\x00\x00\x02hi\x00\x00\x00\x03abc\x00\x00")
                .await
                .expect("write");
            tokio::time::sleep(Duration::from_millis(20)).await;
            client.write_all(b"\x00\x01z").await.expect("write");
            client
                .write_all(b"\x00\x00\x00\x04quit")
                .await
                .expect("write");
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.expect("read");
            assert_eq!(answer, b"bye");
            let got = handler.received.borrow().clone();
            assert_eq!(
                got,
                [
                    b"\x00\x00\x00\x02hi".to_vec(),
                    b"\x00\x00\x00\x03abc".to_vec(),
                    b"\x00\x00\x00\x01z".to_vec(),
                    b"\x00\x00\x00\x04quit".to_vec(),
                ]
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(*handler.closed.borrow(), [session::CLOSED_BY_SERVER]);
        });
    }

    /// pause(): neither what is buffered nor what arrives later is
    /// delivered until resume().
    #[test]
    fn a_paused_connection_delivers_nothing_until_resumed() {
        super::super::run_local(async {
            let (server, handler, mut client) = stream_port(&[]).await;
            client
                .write_all(b"\x00\x00\x00\x05pause\x00\x00\x00\x01a")
                .await
                .expect("write");
            tokio::time::sleep(Duration::from_millis(30)).await;
            client.write_all(b"\x00\x00\x00\x01b").await.expect("write");
            tokio::time::sleep(Duration::from_millis(30)).await;
            assert_eq!(handler.received.borrow().len(), 1, "delivered while paused");
            let conn = server.table.get(1).expect("connection");
            conn.set_paused(false);
            tokio::time::sleep(Duration::from_millis(30)).await;
            let got = handler.received.borrow().clone();
            assert_eq!(
                got[1..],
                [b"\x00\x00\x00\x01a".to_vec(), b"\x00\x00\x00\x01b".to_vec()]
            );
        });
    }

    /// A reset (a framing error with bytes left unread): what was queued
    /// never goes out, and the client sees a RST, not a FIN.
    #[test]
    fn a_reset_drops_the_queue_and_ends_with_a_rst() {
        super::super::run_local(async {
            let (_server, handler, mut client) = stream_port(&[]).await;
            client
                .write_all(b"\x00\x00\x00\x05reset")
                .await
                .expect("write");
            let mut got = Vec::new();
            let end = client.read_to_end(&mut got).await;
            assert!(got.is_empty(), "{} queued bytes went out", got.len());
            let e = end.expect_err("a FIN, not a RST");
            assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(*handler.closed.borrow(), [session::CLOSED_BY_SERVER]);
        });
    }

    /// `close($fd, true)`: what the socket takes at once goes out, the
    /// rest of the queue never does, and the close is a FIN (Swoole 6.2.2
    /// sets no `SO_LINGER`).
    #[test]
    fn close_with_reset_drops_the_queue_and_ends_with_a_fin() {
        super::super::run_local(async {
            let (_server, _handler, mut client) = stream_port(&[]).await;
            client
                .write_all(b"\x00\x00\x00\x04drop")
                .await
                .expect("write");
            let mut got = Vec::new();
            let end = client.read_to_end(&mut got).await;
            assert!(end.is_ok(), "a FIN, not a RST: {end:?}");
            assert!(!got.is_empty(), "what the socket took went out");
            assert!(got.len() < 64 << 20, "the rest was dropped");
        });
    }

    /// A length over package_max_length closes the connection (Swoole
    /// logs it); nothing of it reaches the script.
    #[test]
    fn a_stream_port_closes_on_an_oversized_length() {
        super::super::run_local(async {
            let (_server, handler, mut client) =
                stream_port(&[("package_max_length", SettingValue::Int(100))]).await;
            client
                .write_all(b"\x00\x00\x01\x00hello")
                .await
                .expect("write");
            let mut answer = Vec::new();
            // "hello" after the header is left unread: a RST.
            let end = client.read_to_end(&mut answer).await;
            assert_eq!(
                end.map_err(|e| e.kind()),
                Err(io::ErrorKind::ConnectionReset)
            );
            assert!(answer.is_empty());
            assert!(handler.received.borrow().is_empty());
            tokio::time::sleep(Duration::from_millis(20)).await;
            // Closed by the reactor, as Swoole's: its id, not -1.
            assert_eq!(*handler.closed.borrow(), [session::CLOSED_BY_PEER]);
        });
    }

    /// What an idle WebSocket connection costs is mostly its two tasks and
    /// its `Connection`: their sizes are fixed when the task is spawned. The
    /// HTTP phase, timers and (de)compression state are boxed or pooled so
    /// that they do not count here (the idle-RSS benchmark's target is
    /// 2.5 KB a connection in all).
    #[test]
    fn an_idle_connection_stays_small() {
        super::super::run_local(async {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = l.local_addr().expect("addr");
            let _client = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let (s, peer) = l.accept().await.expect("accept");
            let server = Rc::new(Server::new(Settings::default()));
            let conn = Rc::new(Connection::new(1, peer, peer, 3, 4, 1000));
            let (rd, wr) = s.into_split();
            let r = reader(server.clone(), conn.clone(), http_port(), rd);
            let w = writer(server.clone(), conn.clone(), wr, None);
            let sizes = (
                std::mem::size_of_val(&r),
                std::mem::size_of_val(&w),
                std::mem::size_of::<Connection>(),
            );
            assert!(sizes.0 <= 640, "reader task state {sizes:?}");
            assert!(sizes.1 <= 320, "writer task state {sizes:?}");
            assert!(sizes.2 <= 400, "Connection {sizes:?}");
        });
    }

    /// Records onClose; panics in onConnect of connection 1 (a bug in the
    /// layers under the script, as far as the task can tell).
    #[derive(Default)]
    struct PanicsOnConnect {
        closed: RefCell<Vec<(i64, i32)>>,
    }

    impl EventHandler for PanicsOnConnect {
        fn on_connect(&self, conn: &Rc<Connection>) {
            if conn.id == 1 {
                panic!("test: a bug in connection 1's task");
            }
        }
        fn has_request_handler(&self, _conn: &Connection) -> bool {
            false
        }
        fn on_request(&self, _: &Rc<Connection>, _: Request) {}
        fn has_handshake_handler(&self, _conn: &Connection) -> bool {
            false
        }
        fn on_handshake(&self, _: &Rc<Connection>, _: Request) {}
        fn on_open(&self, _: &Rc<Connection>, _: Request) {}
        fn on_message(&self, _: &Rc<Connection>, _: crate::protocol::message::Event) {}
        fn on_close(&self, conn: &Rc<Connection>, reactor_id: i32) {
            self.closed.borrow_mut().push((conn.id, reactor_id));
        }
    }

    #[test]
    fn a_panicking_connection_task_ends_only_its_connection() {
        super::super::run_local(async {
            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = l.local_addr().expect("addr");
            let server = Rc::new(Server::new(Settings::default()));
            let handler = Rc::new(PanicsOnConnect::default());
            *server.handler.borrow_mut() = Some(handler.clone());
            let mut clients = vec![];
            let mut conns = vec![];
            for id in 1..=2 {
                clients.push(TcpStream::connect(addr).await.expect("connect"));
                let (s, peer) = l.accept().await.expect("accept");
                let conn = Rc::new(Connection::new(id, peer, peer, -1, -1, 1 << 20));
                assert!(server.table.insert(conn.clone()));
                let (rd, wr) = s.into_split();
                server.live_writers.set(server.live_writers.get() + 1);
                tokio::task::spawn_local(writer(server.clone(), conn.clone(), wr, None));
                tokio::task::spawn_local(reader(server.clone(), conn.clone(), http_port(), rd));
                conns.push(conn);
            }
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            // Connection 1 was closed and reported once, by the server;
            // connection 2 is untouched.
            assert_eq!(*handler.closed.borrow(), [(1, session::CLOSED_BY_SERVER)]);
            assert!(conns[0].is_closing());
            assert!(server.table.get(1).is_none());
            assert!(!conns[1].is_closing());
            assert!(server.table.get(2).is_some());
        });
    }

    /// A plain connection, its writer task running (parked) with direct
    /// writes allowed, and the client's end.
    async fn plain_connection(queue_limit: usize) -> (Rc<Connection>, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let client = TcpStream::connect(l.local_addr().expect("addr"))
            .await
            .expect("connect");
        let (s, peer) = l.accept().await.expect("accept");
        let fd = s.as_raw_fd();
        let server = Rc::new(Server::new(Settings::default()));
        let conn = Rc::new(Connection::new(1, peer, peer, fd, 4, queue_limit));
        super::super::flush::ensure_running();
        let (_rd, wr) = s.into_split();
        // The read half's drop does not close the socket: the write half
        // keeps it.
        tokio::task::spawn_local(writer(server, conn.clone(), wr, Some(fd)));
        tokio::task::yield_now().await;
        (conn, client)
    }

    /// Pushes in one turn go out through the end-of-turn flush; when the
    /// socket fills, the writer takes over what is left. Either way every
    /// byte arrives, in order.
    #[test]
    fn pushes_arrive_in_order_whether_flushed_or_left_to_the_writer() {
        super::super::run_local(async {
            let (conn, mut client) = plain_connection(64 << 20).await;
            // Small: written at the end of the turn, nothing left queued.
            for i in 0..3u8 {
                conn.send(Bytes::from(vec![i; 10])).expect("send");
            }
            assert_eq!(conn.queued_bytes(), 30, "written before the turn ended");
            assert!(!conn.writer_wake.has_permit(), "the writer task was woken");
            tokio::task::yield_now().await;
            assert_eq!(conn.queued_bytes(), 0, "not flushed at the end of the turn");
            let mut got = vec![0u8; 30];
            client.read_exact(&mut got).await.expect("read");
            let want: Vec<u8> = (0..3u8).flat_map(|i| [i; 10]).collect();
            assert_eq!(got, want);
            // Large: more than the socket buffers hold, so the flush writes
            // part and the writer the rest, while the client reads.
            let chunks = 2000usize;
            for i in 0..chunks {
                conn.send(Bytes::from(vec![(i % 251) as u8; 4096]))
                    .expect("send");
            }
            let mut got = vec![0u8; chunks * 4096];
            client.read_exact(&mut got).await.expect("read");
            for (i, chunk) in got.chunks(4096).enumerate() {
                assert!(
                    chunk.iter().all(|&b| b == (i % 251) as u8),
                    "chunk {i} out of order"
                );
            }
            assert_eq!(conn.queued_bytes(), 0);
        });
    }

    /// A big batch is written in slices, with other tasks run in between:
    /// a broadcast does not hold every other client up until its last
    /// write.
    #[test]
    fn the_flush_lets_other_tasks_run_between_slices() {
        super::super::run_local(async {
            let n = super::super::flush::FLUSH_SLICE + 50;
            let mut conns = Vec::new();
            let mut clients = Vec::new();
            for _ in 0..n {
                let (conn, client) = plain_connection(1 << 20).await;
                conns.push(conn);
                clients.push(client);
            }
            for conn in &conns {
                conn.send(Bytes::from_static(b"hello")).expect("send");
            }
            let seen_queued = tokio::task::spawn_local({
                let conns = conns.clone();
                async move { conns.iter().filter(|c| c.queued_bytes() > 0).count() }
            })
            .await
            .expect("task");
            assert_eq!(
                seen_queued, 50,
                "the other task ran before or after the whole batch"
            );
            tokio::task::yield_now().await;
            assert!(conns.iter().all(|c| c.queued_bytes() == 0));
        });
    }

    /// A push to a client that has gone is not lost silently: the flush
    /// leaves the failed write to the writer, which marks the peer gone.
    #[test]
    fn a_push_to_a_gone_peer_marks_it_gone() {
        super::super::run_local(async {
            let (conn, client) = plain_connection(64 << 20).await;
            // An RST on close: the client's unread data is discarded.
            client.set_zero_linger().expect("linger");
            drop(client);
            tokio::time::sleep(Duration::from_millis(20)).await;
            for _ in 0..50 {
                if conn.is_peer_gone() {
                    break;
                }
                let _ = conn.send(Bytes::from_static(b"hello"));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert!(conn.is_peer_gone());
        });
    }
}
