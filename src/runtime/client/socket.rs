//! The blocking socket under a `Swoole\Client`, with the waiting rules of
//! Swoole's synchronous client: stream sockets are non-blocking and every
//! operation waits with `poll()` up to its timeout (a timed-out wait fails
//! with EAGAIN, a deadline already past with ETIMEDOUT); datagram sockets
//! block, bounded by the kernel timeouts (`SO_RCVTIMEO`/`SO_SNDTIMEO`).
//!
//! A coroutine client (`Swoole\Coroutine\Client`, `Coroutine\Http\Client`)
//! is the same socket with a [`WaitHook`]: every wait suspends the calling
//! coroutine while the worker's loop watches the descriptor, and a
//! timed-out wait fails with ETIMEDOUT, as Swoole's coroutine socket does.
//! Its datagram sockets are non-blocking too and wait the same way.
//!
//! Errors are plain numbers, as Swoole keeps them: an errno below 500, a
//! `SWOOLE_ERROR_*` code above.

use std::io;
use std::mem::MaybeUninit;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use socket2::{Domain, SockAddr, Socket, Type};

use super::codes;

/// `SWOOLE_SOCK_*` without the flag bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tcp,
    Tcp6,
    Udp,
    Udp6,
    UnixStream,
    UnixDgram,
}

/// The flag bits Swoole strips from a client type: SWOOLE_SYNC, SWOOLE_ASYNC,
/// SWOOLE_KEEP, SWOOLE_SSL.
pub const FLAG_SYNC: i64 = 2048;
pub const FLAG_ASYNC: i64 = 1024;
pub const FLAG_KEEP: i64 = 4096;
pub const FLAG_SSL: i64 = 512;

impl Kind {
    /// The socket type of a `$type` argument, flags removed (Swoole's
    /// `php_swoole_client_get_type`); the number when it is none of the six.
    pub fn from_type(ty: i64) -> Result<Kind, i64> {
        let base = ty & !(FLAG_SYNC | FLAG_ASYNC | FLAG_KEEP | FLAG_SSL);
        Ok(match base {
            1 => Kind::Tcp,
            3 => Kind::Tcp6,
            2 => Kind::Udp,
            4 => Kind::Udp6,
            5 => Kind::UnixStream,
            6 => Kind::UnixDgram,
            _ => return Err(base),
        })
    }

    pub fn is_stream(self) -> bool {
        matches!(self, Kind::Tcp | Kind::Tcp6 | Kind::UnixStream)
    }

    pub fn is_tcp(self) -> bool {
        matches!(self, Kind::Tcp | Kind::Tcp6)
    }

    pub fn is_unix(self) -> bool {
        matches!(self, Kind::UnixStream | Kind::UnixDgram)
    }

    fn domain(self) -> Domain {
        match self {
            Kind::Tcp | Kind::Udp => Domain::IPV4,
            Kind::Tcp6 | Kind::Udp6 => Domain::IPV6,
            Kind::UnixStream | Kind::UnixDgram => Domain::UNIX,
        }
    }
}

/// Swoole's per-socket timeouts, in seconds; zero or less waits forever.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: f64,
    pub read: f64,
    pub write: f64,
}

/// The timeouts new sockets start with, as f64 bits: Swoole's
/// `SW_SOCKET_DEFAULT_{CONNECT,READ,WRITE}_TIMEOUT` (10, 60, 60 s) until
/// `Coroutine::set()` changes them (`socket_connect_timeout`, ...).
static DEFAULT_TIMEOUTS: [std::sync::atomic::AtomicU64; 3] = [
    std::sync::atomic::AtomicU64::new(0x4024_0000_0000_0000), // 10.0
    std::sync::atomic::AtomicU64::new(0x404E_0000_0000_0000), // 60.0
    std::sync::atomic::AtomicU64::new(0x404E_0000_0000_0000), // 60.0
];

impl Default for Timeouts {
    fn default() -> Self {
        let get = |i: usize| {
            f64::from_bits(DEFAULT_TIMEOUTS[i].load(std::sync::atomic::Ordering::Relaxed))
        };
        Timeouts {
            connect: get(0),
            read: get(1),
            write: get(2),
        }
    }
}

/// Changes the defaults of sockets made from now on; None leaves one as
/// it is, 0 too (as Swoole's `set_timeout`).
pub fn set_default_timeouts(connect: Option<f64>, read: Option<f64>, write: Option<f64>) {
    for (i, v) in [connect, read, write].into_iter().enumerate() {
        if let Some(v) = v.filter(|v| *v != 0.0 && !v.is_nan()) {
            DEFAULT_TIMEOUTS[i].store(v.to_bits(), std::sync::atomic::Ordering::Relaxed);
        }
    }
}

impl Timeouts {
    /// `connect()`'s `$timeout` sets all three; 0 leaves them as they are.
    pub fn set_all(&mut self, t: f64) {
        if t != 0.0 && !t.is_nan() {
            self.connect = t;
            self.read = t;
            self.write = t;
        }
    }
}

fn errno(e: &io::Error) -> i64 {
    i64::from(e.raw_os_error().unwrap_or(libc::EIO))
}

fn last_errno() -> i64 {
    errno(&io::Error::last_os_error())
}

/// Readiness a wait is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Read,
    Write,
}

/// What one attempt of an operation did.
pub enum Step<T> {
    Ready(T),
    /// Would block: wait for the socket, then try again.
    Again,
}

/// Waits until `fd` is ready for `ev`, at most `timeout_ms` (negative:
/// no limit): a coroutine's way of waiting, installed by the PHP layer.
pub type WaitHook = fn(fd: i32, ev: Event, timeout_ms: i32) -> Result<(), i64>;

pub struct Sock {
    pub sock: Socket,
    /// How this socket waits: None blocks the thread in `poll()`.
    pub wait_hook: Option<WaitHook>,
    pub kind: Kind,
    pub timeouts: Timeouts,
    /// The address `connect()` was given (datagram sends go there).
    pub server: Option<SockAddr>,
    /// The sender of the last datagram received (`getpeername()` of a
    /// datagram client).
    pub remote: Option<SockAddr>,
    /// A unix datagram client binds a path of its own, removed on close.
    pub bound_path: Option<std::path::PathBuf>,
}

impl Sock {
    pub fn new(kind: Kind) -> Result<Sock, i64> {
        let ty = if kind.is_stream() {
            Type::STREAM
        } else {
            Type::DGRAM
        };
        let sock = Socket::new(kind.domain(), ty, None).map_err(|e| errno(&e))?;
        Ok(Sock {
            sock,
            wait_hook: None,
            kind,
            timeouts: Timeouts::default(),
            server: None,
            remote: None,
            bound_path: None,
        })
    }

    /// A socket made elsewhere (a process's pipe), as `kind`.
    pub fn from_socket(sock: Socket, kind: Kind) -> Sock {
        Sock {
            sock,
            wait_hook: None,
            kind,
            timeouts: Timeouts::default(),
            server: None,
            remote: None,
            bound_path: None,
        }
    }

    pub fn fd(&self) -> i64 {
        i64::from(self.sock.as_raw_fd())
    }

    /// The address of `host:port` for this socket's family: a literal, a
    /// resolved name (`SWOOLE_ERROR_DNSLOOKUP_RESOLVE_FAILED`), or a unix
    /// path (`SWOOLE_ERROR_NAME_TOO_LONG`).
    pub fn address(&self, host: &str, port: i64) -> Result<SockAddr, i64> {
        if self.kind.is_unix() {
            if host.len() >= 107 {
                return Err(codes::NAME_TOO_LONG);
            }
            return SockAddr::unix(host).map_err(|_| codes::NAME_TOO_LONG);
        }
        let port = u16::try_from(port).map_err(|_| codes::BAD_PORT)?;
        let v6 = matches!(self.kind, Kind::Tcp6 | Kind::Udp6);
        if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            if ip.is_ipv6() == v6 {
                return Ok(SockAddr::from(SocketAddr::new(ip, port)));
            }
            return Err(codes::DNSLOOKUP_RESOLVE_FAILED);
        }
        let found = (host, port)
            .to_socket_addrs()
            .map_err(|_| codes::DNSLOOKUP_RESOLVE_FAILED)?
            .find(|a| a.is_ipv6() == v6)
            .ok_or(codes::DNSLOOKUP_RESOLVE_FAILED)?;
        Ok(SockAddr::from(found))
    }

    /// `bind_address` / `bind_port`.
    pub fn bind(&self, host: &str, port: i64) -> Result<(), i64> {
        let _ = self.sock.set_reuse_address(true);
        let addr = self.address(host, port)?;
        self.sock.bind(&addr).map_err(|e| errno(&e))
    }

    /// listen(2).
    pub fn listen(&self, backlog: i32) -> Result<(), i64> {
        self.sock.listen(backlog).map_err(|e| errno(&e))
    }

    /// The next connection of a listening socket, waiting up to `timeout`
    /// seconds (negative: no limit): a socket of the same kind that waits
    /// the same way.
    pub fn accept(&self, timeout: f64) -> Result<Sock, i64> {
        let accepted = self.wait_for(Event::Read, timeout, || match self.sock.accept() {
            Ok((s, _)) => Ok(Step::Ready(s)),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) => {
                Ok(Step::Again)
            }
            Err(e) => Err(errno(&e)),
        })?;
        accepted.set_nonblocking(true).map_err(|e| errno(&e))?;
        Ok(Sock {
            sock: accepted,
            wait_hook: self.wait_hook,
            kind: self.kind,
            timeouts: Timeouts::default(),
            server: None,
            remote: None,
            bound_path: None,
        })
    }

    /// A socket whose waits suspend the calling coroutine (see the module
    /// documentation): non-blocking, datagram sockets included.
    pub fn with_wait_hook(mut self, hook: WaitHook) -> Result<Sock, i64> {
        self.sock.set_nonblocking(true).map_err(|e| errno(&e))?;
        self.wait_hook = Some(hook);
        Ok(self)
    }

    /// Waits until the socket is ready, up to `timeout_ms` (negative:
    /// forever). A timeout is EAGAIN, as Swoole reports a poll timeout (a
    /// coroutine's wait: ETIMEDOUT).
    fn wait_event(&self, timeout_ms: i32, ev: Event) -> Result<(), i64> {
        wait_event(self.sock.as_raw_fd(), self.wait_hook, timeout_ms, ev)
    }

    /// What a send needs, apart from the socket: its descriptor, its way
    /// of waiting and its write timeout. A coroutine client sends through
    /// it while another coroutine is reading the same socket.
    pub fn writer(&self) -> Writer {
        Writer {
            fd: self.sock.as_raw_fd(),
            hook: self.wait_hook,
            timeout: self.timeouts.write,
        }
    }
}

fn wait_event(fd: i32, hook: Option<WaitHook>, timeout_ms: i32, ev: Event) -> Result<(), i64> {
    match hook {
        Some(hook) => hook(fd, ev, timeout_ms),
        None => poll_fd(fd, ev, timeout_ms),
    }
}

/// Swoole's `Socket::wait_for`: tries `op`, and while it would block
/// waits for `ev` within `timeout` seconds in all.
fn wait_for<T>(
    fd: i32,
    hook: Option<WaitHook>,
    ev: Event,
    timeout: f64,
    mut op: impl FnMut() -> Result<Step<T>, i64>,
) -> Result<T, i64> {
    let deadline = (timeout > 0.0)
        .then(|| Instant::now().checked_add(Duration::from_secs_f64(timeout.min(1e9))))
        .flatten();
    loop {
        if let Step::Ready(v) = op()? {
            return Ok(v);
        }
        let ms = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(i64::from(libc::ETIMEDOUT));
                }
                i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX)
            }
            None => -1,
        };
        wait_event(fd, hook, ms, ev)?;
    }
}

/// One `send(2)` attempt (no SIGPIPE: a closed peer is EPIPE).
fn send_once(fd: i32, buf: &[u8], flags: i32) -> Result<Step<usize>, i64> {
    // SAFETY: buf is a valid readable region of buf.len() bytes.
    let n = unsafe {
        libc::send(
            fd,
            buf.as_ptr().cast(),
            buf.len(),
            flags | libc::MSG_NOSIGNAL,
        )
    };
    if n >= 0 {
        return Ok(Step::Ready(n as usize));
    }
    match last_errno() as i32 {
        libc::EINTR | libc::EAGAIN | libc::ENOBUFS => Ok(Step::Again),
        e => Err(i64::from(e)),
    }
}

/// The sending side of a stream socket ([`Sock::writer`]): valid while
/// the socket it came from is open.
#[derive(Clone, Copy)]
pub struct Writer {
    fd: i32,
    hook: Option<WaitHook>,
    pub timeout: f64,
}

impl Writer {
    /// Swoole's `send_all`: all of `data`, waiting while the buffer is
    /// full, within the write timeout.
    pub fn send_all(&self, data: &[u8], flags: i32) -> Result<usize, i64> {
        let mut sent = 0;
        wait_for(self.fd, self.hook, Event::Write, self.timeout, || {
            if sent == data.len() {
                return Ok(Step::Ready(sent));
            }
            match send_once(self.fd, &data[sent..], flags)? {
                Step::Again => Ok(Step::Again),
                Step::Ready(n) => {
                    sent += n;
                    Ok(if sent == data.len() {
                        Step::Ready(sent)
                    } else {
                        Step::Again
                    })
                }
            }
        })
    }
}

/// Blocks the thread until `fd` is ready for `ev`, up to `timeout_ms`
/// (negative: forever); a timeout is EAGAIN.
pub fn poll_fd(fd: i32, ev: Event, timeout_ms: i32) -> Result<(), i64> {
    let events = match ev {
        Event::Read => libc::POLLIN,
        Event::Write => libc::POLLOUT,
    };
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, timeout_ms.max(-1)) };
        if n == 0 {
            return Err(i64::from(libc::EAGAIN));
        }
        if n < 0 {
            let e = last_errno();
            if e == i64::from(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        return Ok(());
    }
}

/// The host and port of a `host:port` (`[v6]:port`) whose host is a name
/// to resolve; None for a literal address, a path, or anything else. A
/// hooked PHP connect resolves such a name off the PHP thread first.
pub fn name_to_resolve(name: &[u8]) -> Option<(String, u16)> {
    let name = std::str::from_utf8(name).ok()?;
    let (host, port) = match name.strip_prefix('[') {
        Some(rest) => rest.split_once("]:")?,
        None => name.rsplit_once(':')?,
    };
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.contains('/') {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

/// A PHP stream timeout (a `timeval`) as milliseconds for a wait: negative
/// seconds is no limit (-1); a part of a millisecond counts as one.
pub fn timeval_ms(sec: i64, usec: i64) -> i32 {
    if sec < 0 {
        return -1;
    }
    let ms = sec
        .saturating_mul(1000)
        .saturating_add((usec.max(0) + 999) / 1000);
    i32::try_from(ms).unwrap_or(i32::MAX)
}

impl Sock {
    /// Swoole's `Socket::wait_for` on this socket (see [`wait_for`]).
    pub fn wait_for<T>(
        &self,
        ev: Event,
        timeout: f64,
        op: impl FnMut() -> Result<Step<T>, i64>,
    ) -> Result<T, i64> {
        wait_for(self.sock.as_raw_fd(), self.wait_hook, ev, timeout, op)
    }

    /// A stream connect: non-blocking, waiting up to the connect timeout
    /// (ETIMEDOUT), then the socket's error. With `nonblock` it returns
    /// EINPROGRESS instead of waiting (`Ok(false)`).
    pub fn connect_stream(&mut self, addr: &SockAddr, nonblock: bool) -> Result<bool, i64> {
        self.sock.set_nonblocking(true).map_err(|e| errno(&e))?;
        self.server = Some(addr.clone());
        loop {
            match self.sock.connect(addr) {
                Ok(()) => return Ok(true),
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => break,
                Err(e) => return Err(errno(&e)),
            }
        }
        if nonblock {
            return Ok(false);
        }
        let t = self.timeouts.connect;
        let ms = if t > 0.0 {
            (t * 1000.0).clamp(1.0, f64::from(i32::MAX)) as i32
        } else {
            -1
        };
        if self.wait_event(ms, Event::Write).is_err() {
            return Err(i64::from(libc::ETIMEDOUT));
        }
        self.take_error()?;
        Ok(true)
    }

    /// The socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> Result<(), i64> {
        match self.sock.take_error() {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(errno(&e)),
            Err(e) => Err(errno(&e)),
        }
    }

    /// A datagram "connect": kernel timeouts, the unix client's own path,
    /// and with `sock_flag` 1 a real `connect(2)`.
    pub fn connect_dgram(&mut self, addr: &SockAddr, udp_connect: bool) -> Result<(), i64> {
        self.server = Some(addr.clone());
        if self.wait_hook.is_none() && self.timeouts.read > 0.0 {
            let _ = self
                .sock
                .set_read_timeout(Some(Duration::from_secs_f64(self.timeouts.read.min(1e9))));
        }
        if self.wait_hook.is_none() && self.timeouts.write > 0.0 {
            let _ = self
                .sock
                .set_write_timeout(Some(Duration::from_secs_f64(self.timeouts.write.min(1e9))));
        }
        if self.kind == Kind::UnixDgram {
            let path = std::path::PathBuf::from(format!(
                "/tmp/swoole-client.{}.{}.sock",
                std::process::id(),
                self.fd()
            ));
            let _ = std::fs::remove_file(&path);
            let local = SockAddr::unix(&path).map_err(|e| errno(&e))?;
            self.sock.bind(&local).map_err(|e| errno(&e))?;
            self.bound_path = Some(path);
        }
        if udp_connect {
            self.sock.connect(addr).map_err(|e| errno(&e))?;
        }
        Ok(())
    }

    /// One `recv(2)` attempt with `flags` (never MSG_WAITALL).
    pub fn recv_once(&self, buf: &mut [u8], flags: i32) -> Result<Step<usize>, i64> {
        // SAFETY: buf is a valid writable region of buf.len() bytes.
        let n = unsafe {
            libc::recv(
                self.sock.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                flags & !libc::MSG_WAITALL,
            )
        };
        if n >= 0 {
            return Ok(Step::Ready(n as usize));
        }
        match last_errno() as i32 {
            libc::EINTR | libc::EAGAIN | libc::ENOBUFS => Ok(Step::Again),
            e => Err(i64::from(e)),
        }
    }

    /// One `send(2)` attempt (no SIGPIPE: a closed peer is EPIPE).
    pub fn send_once(&self, buf: &[u8], flags: i32) -> Result<Step<usize>, i64> {
        send_once(self.sock.as_raw_fd(), buf, flags)
    }

    /// Swoole's `recv_sync` on a stream: one read, or with MSG_WAITALL
    /// until `buf` is full or the peer closes. 0: closed.
    pub fn recv_stream(&self, buf: &mut [u8], flags: i32) -> Result<usize, i64> {
        let mut got = 0;
        self.wait_for(Event::Read, self.timeouts.read, || {
            match self.recv_once(&mut buf[got..], flags)? {
                Step::Again => Ok(Step::Again),
                Step::Ready(0) => Ok(Step::Ready(got)),
                Step::Ready(n) => {
                    got += n;
                    if flags & libc::MSG_WAITALL != 0 && got < buf.len() {
                        Ok(Step::Again)
                    } else {
                        Ok(Step::Ready(got))
                    }
                }
            }
        })
    }

    /// Swoole's `send_sync`: all of `data`, waiting while the buffer is full.
    pub fn send_stream(&self, data: &[u8], flags: i32) -> Result<usize, i64> {
        self.writer().send_all(data, flags)
    }

    /// One datagram, blocking up to the kernel read timeout (a hooked
    /// socket: waiting up to its read timeout); remembers the sender.
    pub fn recv_dgram(&mut self, buf: &mut [u8], flags: i32) -> Result<usize, i64> {
        // SAFETY: MaybeUninit<u8> has u8's layout, and every u8 of buf is
        // initialized, so viewing it as possibly-uninitialized bytes is
        // sound; recv_from only writes initialized bytes into it.
        let uninit: &mut [MaybeUninit<u8>] =
            unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        let flags = flags & !libc::MSG_WAITALL;
        let hooked = self.wait_hook.is_some();
        let (n, from) = self.wait_for(Event::Read, self.timeouts.read, || loop {
            match self.sock.recv_from_with_flags(uninit, flags) {
                Ok(got) => return Ok(Step::Ready(got)),
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                // A blocking socket's EAGAIN is its kernel timeout.
                Err(e) if hooked && e.raw_os_error() == Some(libc::EAGAIN) => {
                    return Ok(Step::Again)
                }
                Err(e) => return Err(errno(&e)),
            }
        })?;
        self.remote = Some(from);
        Ok(n)
    }

    /// A datagram to `to` (or the connect() address); a short send fails.
    pub fn send_dgram(&self, data: &[u8], to: Option<&SockAddr>) -> Result<usize, i64> {
        let to = to.or(self.server.as_ref());
        let r = match to {
            Some(a) => self.sock.send_to_with_flags(data, a, libc::MSG_NOSIGNAL),
            None => self.sock.send_with_flags(data, libc::MSG_NOSIGNAL),
        };
        match r {
            Ok(n) if n == data.len() => Ok(n),
            Ok(_) => Err(i64::from(libc::EMSGSIZE)),
            Err(e) => Err(errno(&e)),
        }
    }

    /// `sendfile(2)` of `[offset, end)` of an open file, waiting while the
    /// socket buffer is full.
    pub fn sendfile(&self, file: &std::fs::File, mut offset: i64, end: i64) -> Result<(), i64> {
        const CHUNK: i64 = 65536;
        self.wait_for(Event::Write, self.timeouts.write, || {
            if offset >= end {
                return Ok(Step::Ready(()));
            }
            let mut off: libc::off_t = offset;
            let n = (end - offset).min(CHUNK) as usize;
            // SAFETY: both descriptors are open for the call; off is a
            // valid off_t the kernel advances.
            let r = unsafe { libc::sendfile(self.sock.as_raw_fd(), file.as_raw_fd(), &mut off, n) };
            if r < 0 {
                return match last_errno() as i32 {
                    libc::EINTR | libc::EAGAIN | libc::ENOBUFS => Ok(Step::Again),
                    e => Err(i64::from(e)),
                };
            }
            offset = off;
            Ok(if offset >= end {
                Step::Ready(())
            } else {
                Step::Again
            })
        })
    }

    pub fn shutdown(&self, how: std::net::Shutdown) -> bool {
        self.sock.shutdown(how).is_ok()
    }

    /// Whether a pooled (SWOOLE_KEEP) connection is still open: a peek that
    /// sees neither an orderly close nor a fatal error.
    pub fn is_alive(&self) -> bool {
        let mut b = [0u8; 1];
        // SAFETY: b is a valid one-byte buffer.
        let n = unsafe {
            libc::recv(
                self.sock.as_raw_fd(),
                b.as_mut_ptr().cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if n > 0 {
            return true;
        }
        if n == 0 {
            return false;
        }
        !codes::closes(last_errno())
    }

    /// `['port' => .., 'host' => ..]` of the local end.
    pub fn local_name(&self) -> Result<(i64, String), i64> {
        let a = self.sock.local_addr().map_err(|e| errno(&e))?;
        Ok(name_of(&a, self.kind))
    }

    /// The peer of a stream, or the last datagram's sender.
    pub fn peer_name(&self) -> Result<(i64, String), i64> {
        if self.kind.is_stream() {
            let a = self.sock.peer_addr().map_err(|e| errno(&e))?;
            return Ok(name_of(&a, self.kind));
        }
        Ok(match &self.remote {
            Some(a) => name_of(a, self.kind),
            None => match self.kind {
                Kind::Udp => (0, "0.0.0.0".into()),
                Kind::Udp6 => (0, "::".into()),
                _ => (0, String::new()),
            },
        })
    }
}

impl Drop for Sock {
    fn drop(&mut self) {
        if let Some(p) = self.bound_path.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// `local_name()` / a stream's `peer_name()` of a descriptor, read from
/// the kernel alone: what a socket's name needs while another coroutine
/// is inside a call on it (an `accept()` waiting on it, say).
pub fn name_of_fd(fd: i32, kind: Kind, peer: bool) -> Result<(i64, String), i64> {
    if fd < 0 {
        return Err(i64::from(libc::EBADF));
    }
    // SAFETY: the caller's open descriptor, borrowed for these calls only.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let sock = socket2::SockRef::from(&borrowed);
    let a = if peer {
        sock.peer_addr()
    } else {
        sock.local_addr()
    }
    .map_err(|e| errno(&e))?;
    Ok(name_of(&a, kind))
}

/// (port, host) of an address as Swoole prints it: the unix path with port 0.
pub fn name_of(a: &SockAddr, kind: Kind) -> (i64, String) {
    if let Some(s) = a.as_socket() {
        return (i64::from(s.port()), s.ip().to_string());
    }
    if kind.is_unix() {
        let path = a
            .as_pathname()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        return (0, path);
    }
    (0, "unknown".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_names_are_resolved() {
        assert_eq!(
            name_to_resolve(b"localhost:6379"),
            Some(("localhost".into(), 6379))
        );
        assert_eq!(
            name_to_resolve(b"redis.internal:1"),
            Some(("redis.internal".into(), 1))
        );
        assert_eq!(name_to_resolve(b"127.0.0.1:6379"), None);
        assert_eq!(name_to_resolve(b"[::1]:6379"), None);
        assert_eq!(name_to_resolve(b"[fe80::1]"), None);
        assert_eq!(name_to_resolve(b"localhost"), None);
        assert_eq!(name_to_resolve(b"localhost:http"), None);
        assert_eq!(name_to_resolve(b"localhost:70000"), None);
        assert_eq!(name_to_resolve(b":80"), None);
        assert_eq!(name_to_resolve(b"/tmp/x.sock"), None);
        assert_eq!(name_to_resolve(&[0xff, b':', b'1']), None);
    }

    #[test]
    fn stream_timeouts_as_waits() {
        assert_eq!(timeval_ms(-1, 0), -1);
        assert_eq!(timeval_ms(0, 0), 0);
        assert_eq!(timeval_ms(0, 1), 1);
        assert_eq!(timeval_ms(2, 500_000), 2500);
        assert_eq!(timeval_ms(i64::MAX, 0), i32::MAX);
    }

    use std::io::{Read, Write};
    use std::net::{TcpListener, UdpSocket};
    use std::os::unix::net::{UnixDatagram, UnixListener};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::super::testing::{echo, tcp_server, TempDir};
    use super::*;

    fn connected_tcp(port: u16) -> Sock {
        let mut s = Sock::new(Kind::Tcp).expect("socket");
        s.timeouts.set_all(2.0);
        let addr = s.address("127.0.0.1", i64::from(port)).expect("address");
        assert_eq!(s.connect_stream(&addr, false), Ok(true));
        s
    }

    #[test]
    fn kind_strips_swooles_flag_bits() {
        let tcp_ssl_keep = 1 | FLAG_SSL | FLAG_KEEP | FLAG_SYNC;
        assert_eq!(Kind::from_type(tcp_ssl_keep), Ok(Kind::Tcp));
        assert_eq!(Kind::from_type(6 | FLAG_ASYNC), Ok(Kind::UnixDgram));
        assert_eq!(Kind::from_type(7 | FLAG_KEEP), Err(7));
        assert!(Kind::UnixStream.is_stream() && Kind::UnixStream.is_unix());
        assert!(!Kind::Udp6.is_stream() && !Kind::Udp6.is_tcp());
    }

    #[test]
    fn connect_timeout_zero_keeps_the_timeouts() {
        let mut t = Timeouts::default();
        t.set_all(0.0);
        t.set_all(f64::NAN);
        assert_eq!((t.connect, t.read, t.write), (10.0, 60.0, 60.0));
        t.set_all(0.5);
        assert_eq!((t.connect, t.read, t.write), (0.5, 0.5, 0.5));
    }

    #[test]
    fn addresses_fail_with_swooles_codes() {
        let tcp = Sock::new(Kind::Tcp).expect("socket");
        assert_eq!(tcp.address("127.0.0.1", 70000).err(), Some(codes::BAD_PORT));
        assert_eq!(tcp.address("127.0.0.1", -1).err(), Some(codes::BAD_PORT));
        // An IPv6 literal for an IPv4 socket resolves to nothing.
        assert_eq!(
            tcp.address("::1", 80).err(),
            Some(codes::DNSLOOKUP_RESOLVE_FAILED)
        );
        assert_eq!(
            tcp.address("no-such-host.invalid", 80).err(),
            Some(codes::DNSLOOKUP_RESOLVE_FAILED)
        );
        let a = tcp.address("127.0.0.1", 8080).expect("literal");
        assert_eq!(name_of(&a, Kind::Tcp), (8080, "127.0.0.1".to_string()));
        let unix = Sock::new(Kind::UnixStream).expect("socket");
        let long = "/tmp/".to_string() + &"x".repeat(110);
        assert_eq!(unix.address(&long, 0).err(), Some(codes::NAME_TOO_LONG));
    }

    #[test]
    fn tcp_connect_send_recv() {
        let (port, server) = tcp_server(echo);
        let s = connected_tcp(port);
        assert_eq!(s.send_stream(b"hello", 0), Ok(5));
        let mut buf = [0u8; 64];
        let n = s.recv_stream(&mut buf, 0).expect("recv");
        assert_eq!(&buf[..n], b"hello");
        let (_, host) = s.local_name().expect("local");
        assert_eq!(host, "127.0.0.1");
        assert_eq!(s.peer_name(), Ok((i64::from(port), "127.0.0.1".into())));
        drop(s);
        server.join().expect("server");
    }

    #[test]
    fn wait_all_reads_until_the_buffer_is_full_and_zero_is_a_close() {
        let (port, server) = tcp_server(|mut t| {
            for part in [&b"ab"[..], b"cd", b"ef"] {
                t.write_all(part).expect("write");
                std::thread::sleep(Duration::from_millis(30));
            }
        });
        let s = connected_tcp(port);
        let mut buf = [0u8; 6];
        assert_eq!(s.recv_stream(&mut buf, libc::MSG_WAITALL), Ok(6));
        assert_eq!(&buf, b"abcdef");
        server.join().expect("server");
        assert_eq!(s.recv_stream(&mut buf, 0), Ok(0));
    }

    #[test]
    fn connect_refused_is_econnrefused() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let mut s = Sock::new(Kind::Tcp).expect("socket");
        let addr = s.address("127.0.0.1", i64::from(port)).expect("address");
        assert_eq!(s.connect_stream(&addr, false), Err(111));
        assert!(codes::closes(111));
    }

    #[test]
    fn recv_timeout_is_eagain() {
        let (hold, held) = mpsc::channel::<()>();
        let (port, server) = tcp_server(move |_t| {
            let _ = held.recv();
        });
        let mut s = connected_tcp(port);
        s.timeouts.read = 0.2;
        let started = Instant::now();
        let mut buf = [0u8; 16];
        assert_eq!(s.recv_stream(&mut buf, 0), Err(11));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(150), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        assert!(!codes::closes(11));
        drop(hold);
        server.join().expect("server");
    }

    #[test]
    fn send_to_a_closed_peer_fails_without_sigpipe() {
        let (port, server) = tcp_server(drop);
        let s = connected_tcp(port);
        server.join().expect("server");
        let chunk = [0u8; 65536];
        let mut err = None;
        for _ in 0..64 {
            if let Err(e) = s.send_stream(&chunk, 0) {
                err = Some(e);
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let e = err.expect("a send to a closed peer fails");
        assert!(e == 32 || e == 104, "EPIPE or ECONNRESET, got {e}");
        assert!(!s.is_alive());
    }

    #[test]
    fn udp_round_trip_remembers_the_sender() {
        let srv = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = srv.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let (n, from) = srv.recv_from(&mut buf).expect("recv");
            srv.send_to(&buf[..n], from).expect("send");
        });
        let mut s = Sock::new(Kind::Udp).expect("socket");
        assert_eq!(s.peer_name(), Ok((0, "0.0.0.0".into())));
        s.timeouts.set_all(2.0);
        let addr = s.address("127.0.0.1", i64::from(port)).expect("address");
        s.connect_dgram(&addr, false).expect("connect");
        assert_eq!(s.send_dgram(b"ping", None), Ok(4));
        let mut buf = [0u8; 64];
        let n = s.recv_dgram(&mut buf, 0).expect("recv");
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(s.peer_name(), Ok((i64::from(port), "127.0.0.1".into())));
        server.join().expect("server");
    }

    #[test]
    fn udp_recv_times_out_with_the_kernel_timeout() {
        let srv = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = srv.local_addr().expect("addr").port();
        let mut s = Sock::new(Kind::Udp).expect("socket");
        s.timeouts.set_all(0.2);
        let addr = s.address("127.0.0.1", i64::from(port)).expect("address");
        s.connect_dgram(&addr, true).expect("connect");
        let mut buf = [0u8; 16];
        assert_eq!(s.recv_dgram(&mut buf, 0), Err(11));
    }

    #[test]
    fn unix_stream_round_trip() {
        let dir = TempDir::new("unix-stream");
        let path = dir.path("srv.sock");
        let l = UnixListener::bind(&path).expect("bind");
        let server = std::thread::spawn(move || {
            let (t, _) = l.accept().expect("accept");
            echo(t);
        });
        let mut s = Sock::new(Kind::UnixStream).expect("socket");
        s.timeouts.set_all(2.0);
        let p = path.to_str().expect("utf-8 path");
        let addr = s.address(p, 0).expect("address");
        assert_eq!(s.connect_stream(&addr, false), Ok(true));
        assert_eq!(s.send_stream(b"over unix", 0), Ok(9));
        let mut buf = [0u8; 64];
        let n = s.recv_stream(&mut buf, 0).expect("recv");
        assert_eq!(&buf[..n], b"over unix");
        assert_eq!(s.peer_name(), Ok((0, p.to_string())));
        drop(s);
        server.join().expect("server");
    }

    #[test]
    fn unix_dgram_round_trip_binds_and_removes_its_own_path() {
        let dir = TempDir::new("unix-dgram");
        let path = dir.path("srv.sock");
        let srv = UnixDatagram::bind(&path).expect("bind");
        let server = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let (n, from) = srv.recv_from(&mut buf).expect("recv");
            let back = from.as_pathname().expect("the client has a path");
            srv.send_to(&buf[..n], back).expect("send");
        });
        let mut s = Sock::new(Kind::UnixDgram).expect("socket");
        s.timeouts.set_all(2.0);
        let p = path.to_str().expect("utf-8 path");
        let addr = s.address(p, 0).expect("address");
        s.connect_dgram(&addr, false).expect("connect");
        let own = s.bound_path.clone().expect("a path of its own");
        assert!(own.exists());
        assert_eq!(s.send_dgram(b"dgram", None), Ok(5));
        let mut buf = [0u8; 64];
        let n = s.recv_dgram(&mut buf, 0).expect("recv");
        assert_eq!(&buf[..n], b"dgram");
        assert_eq!(s.peer_name(), Ok((0, p.to_string())));
        server.join().expect("server");
        drop(s);
        assert!(!own.exists(), "the client's path is removed on close");
    }

    #[test]
    fn sendfile_sends_the_range() {
        let dir = TempDir::new("sendfile");
        let file = dir.path("f");
        std::fs::write(&file, b"0123456789").expect("write");
        let (got, rx) = mpsc::channel();
        let (port, server) = tcp_server(move |mut t| {
            let mut buf = [0u8; 4];
            t.read_exact(&mut buf).expect("read");
            got.send(buf).expect("send");
        });
        let s = connected_tcp(port);
        let f = std::fs::File::open(&file).expect("open");
        assert_eq!(s.sendfile(&f, 3, 7), Ok(()));
        assert_eq!(&rx.recv().expect("received"), b"3456");
        server.join().expect("server");
    }

    #[test]
    fn default_timeouts_change_only_for_given_non_zero_values() {
        // The process-wide defaults: Swoole's, then what set() gives.
        set_default_timeouts(None, Some(0.0), None);
        let t = Timeouts::default();
        assert_eq!((t.connect, t.read, t.write), (10.0, 60.0, 60.0));
        set_default_timeouts(Some(2.5), None, None);
        assert_eq!(Timeouts::default().connect, 2.5);
        set_default_timeouts(Some(10.0), None, None);
    }
}
