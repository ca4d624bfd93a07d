//! One `Swoole\Client`'s connection: its socket, TLS session, framing
//! buffer, and the pool of SWOOLE_KEEP connections. No PHP values.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use bytes::BytesMut;
use rustls::ClientConnection;

use crate::protocol::framing::{Framer, Framing, FramingError};

use super::codes;
use super::options::Options;
use super::socket::Sock;
use super::tls::{self, TlsOptions};

/// What `recv()` got.
#[derive(Debug, PartialEq, Eq)]
pub enum Recv {
    /// A packet, or '' (the peer closed, or a length-framed packet was
    /// malformed or too large, as Swoole answers those).
    Data(Vec<u8>),
    /// A failed read: `recv() failed` with this code.
    Failed(i64),
    /// EOF framing filled `package_max_length` without a delimiter.
    NoEof,
    /// A length-framed packet of this length, over `package_max_length`:
    /// '' to the script, after Swoole's log line.
    TooLarge(u64),
}

/// How `connect()` ended.
pub enum Connected {
    Yes,
    /// `$sock_flag` asked for a non-blocking connect still in progress.
    InProgress,
}

/// The largest read of one `recv()` without MSG_WAITALL
/// (`SW_PHP_CLIENT_BUFFER_SIZE`).
pub const RECV_MAX: i64 = 65535;
/// What a framed `recv()` reads at a time (`SW_BUFFER_SIZE_BIG`).
const CHUNK: usize = 65536;

/// `package_length_func` as the framing asks it: the length of the
/// packet at the front of the buffer (0: more bytes needed, negative: an
/// error).
pub type LengthFunc = Box<dyn FnMut(&[u8]) -> i64>;

pub struct Client {
    pub sock: Sock,
    pub tls: Option<Box<ClientConnection>>,
    pub tls_opts: TlsOptions,
    /// SWOOLE_SSL: the handshake runs at connect().
    pub ssl: bool,
    pub active: bool,
    pub async_connect: bool,
    pub keep: bool,
    /// The SWOOLE_KEEP pool key: `$id`, or "host:port".
    pub key: String,
    pub reuse_count: i64,
    framer: Option<Framer>,
    /// `package_length_func`: the length of the packet at the front of
    /// the buffer (0: more bytes needed, negative: an error).
    length_func: Option<LengthFunc>,
    /// The framer cuts at a delimiter (else at a length).
    eof: bool,
    /// `package_max_length`.
    max_length: usize,
    buf: BytesMut,
    shut_rd: bool,
    shut_wr: bool,
    shut_rdwr: bool,
}

impl Client {
    pub fn new(sock: Sock, ssl: bool, keep: bool, key: String) -> Client {
        Client {
            sock,
            tls: None,
            tls_opts: TlsOptions::default(),
            ssl,
            active: false,
            async_connect: false,
            keep,
            key,
            reuse_count: 0,
            framer: None,
            length_func: None,
            eof: false,
            max_length: 0,
            buf: BytesMut::new(),
            shut_rd: false,
            shut_wr: false,
            shut_rdwr: false,
        }
    }

    /// Sets the function `package_length_func` framing asks.
    pub fn set_length_func(&mut self, f: LengthFunc) {
        self.length_func = Some(f);
    }

    /// Applies the settings before connecting; `Err` is the errno of a
    /// failed bind.
    pub fn apply(&mut self, o: &Options) -> Result<(), i64> {
        self.framer = match o.framing {
            Framing::Raw => None,
            ref f => Some(Framer::new(f.clone(), o.max_length)),
        };
        self.eof = matches!(o.framing, Framing::Eof { .. });
        self.max_length = o.max_length;
        if let Some(n) = o.buffer_size {
            let _ = self.sock.sock.set_send_buffer_size(n);
            let _ = self.sock.sock.set_recv_buffer_size(n);
        }
        if let Some((host, port)) = &o.bind {
            self.sock.bind(host, *port)?;
        }
        if o.nodelay && self.sock.kind.is_tcp() {
            let _ = self.sock.sock.set_tcp_nodelay(true);
        }
        self.tls_opts = o.tls.clone();
        Ok(())
    }

    pub fn connect(&mut self, host: &str, port: i64, sock_flag: i64) -> Result<Connected, i64> {
        let addr = self.sock.address(host, port)?;
        if self.sock.kind.is_stream() {
            if !self.sock.connect_stream(&addr, sock_flag != 0)? {
                self.async_connect = true;
                return Ok(Connected::InProgress);
            }
            self.active = true;
            if self.ssl {
                self.tls = Some(tls::handshake(&self.tls_opts, &self.sock)?);
            }
        } else {
            self.sock.connect_dgram(&addr, sock_flag == 1)?;
            self.active = true;
            if self.ssl {
                // DTLS is not implemented.
                return Err(codes::OPERATION_NOT_SUPPORT);
            }
        }
        Ok(Connected::Yes)
    }

    /// A non-blocking connect found finished (or failed) on first use.
    pub fn finish_async_connect(&mut self) -> bool {
        self.async_connect = false;
        if self.sock.take_error().is_ok() {
            self.active = true;
        }
        self.active
    }

    pub fn start_tls(&mut self) -> Result<(), i64> {
        self.tls = Some(tls::handshake(&self.tls_opts, &self.sock)?);
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], flags: i32) -> Result<usize, i64> {
        if let Some(conn) = self.tls.as_deref_mut() {
            return tls::recv(conn, &self.sock, buf, flags & libc::MSG_WAITALL != 0);
        }
        if self.sock.kind.is_stream() {
            self.sock.recv_stream(buf, flags)
        } else {
            self.sock.recv_dgram(buf, flags)
        }
    }

    pub fn recv(&mut self, size: i64, flags: i32) -> Recv {
        let Some(mut framer) = self.framer.take() else {
            return self.recv_raw(size, flags);
        };
        let out = self.recv_framed(&mut framer);
        self.framer = Some(framer);
        out
    }

    /// One read of at most `size` bytes (all of them with MSG_WAITALL),
    /// framing or not; '' when the peer closed.
    pub fn recv_raw(&mut self, size: i64, flags: i32) -> Recv {
        let size = if flags & libc::MSG_WAITALL == 0 {
            size.min(RECV_MAX)
        } else {
            size
        };
        let Ok(size) = usize::try_from(size) else {
            return Recv::Data(Vec::new());
        };
        let mut v = Vec::new();
        if v.try_reserve_exact(size).is_err() {
            return Recv::Failed(i64::from(libc::ENOMEM));
        }
        v.resize(size, 0);
        match self.read(&mut v, flags) {
            Ok(n) => {
                v.truncate(n);
                Recv::Data(v)
            }
            Err(code) => Recv::Failed(code),
        }
    }

    /// One whole packet: from what is buffered, else read until there is
    /// one. Bytes after it stay for the next call.
    fn recv_framed(&mut self, framer: &mut Framer) -> Recv {
        let eof = self.eof;
        let mut chunk = vec![0u8; CHUNK];
        let mut no_func = |_: &[u8]| -1;
        loop {
            let length_func: &mut dyn FnMut(&[u8]) -> i64 = match self.length_func.as_mut() {
                Some(f) => f.as_mut(),
                None => &mut no_func,
            };
            match framer.next(&mut self.buf, length_func) {
                Ok(Some(p)) => return Recv::Data(p.to_vec()),
                Ok(None) => {}
                Err(FramingError::TooLarge { .. }) if eof => {
                    self.buf.clear();
                    return Recv::NoEof;
                }
                Err(FramingError::TooLarge { length }) => {
                    self.buf.clear();
                    return Recv::TooLarge(length);
                }
                Err(_) => {
                    self.buf.clear();
                    return Recv::Data(Vec::new());
                }
            }
            let want = if eof {
                // Swoole never buffers past package_max_length.
                self.max_length
                    .saturating_sub(self.buf.len())
                    .clamp(1, CHUNK)
            } else {
                CHUNK
            };
            match self.read(&mut chunk[..want], 0) {
                Ok(0) => {
                    self.buf.clear();
                    return Recv::Data(Vec::new());
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(code) => {
                    self.buf.clear();
                    return Recv::Failed(code);
                }
            }
        }
    }

    /// Bytes up to and including the next `\n` (`Coroutine\Socket::
    /// recvLine`), at most `max`; what is left at the peer's close. Bytes
    /// past it stay buffered for the next buffered read.
    pub fn recv_line(&mut self, max: usize) -> Recv {
        self.recv_buffered(max, true)
    }

    /// What is buffered, else one read into the buffer, at most `max`
    /// bytes (`recvWithBuffer`).
    pub fn recv_with_buffer(&mut self, max: usize) -> Recv {
        self.recv_buffered(max, false)
    }

    fn recv_buffered(&mut self, max: usize, line: bool) -> Recv {
        let max = max.max(1);
        let mut chunk = vec![0u8; CHUNK];
        loop {
            let end = if line {
                self.buf.iter().position(|&b| b == b'\n').map(|i| i + 1)
            } else {
                (!self.buf.is_empty()).then_some(self.buf.len())
            };
            if let Some(end) = end
                .map(|e| e.min(max))
                .or((self.buf.len() >= max).then_some(max))
            {
                return Recv::Data(self.buf.split_to(end).to_vec());
            }
            match self.read(&mut chunk, 0) {
                Ok(0) => return Recv::Data(self.buf.split().to_vec()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(code) => return Recv::Failed(code),
            }
        }
    }

    /// Runs `f` with the read (`read`) or write timeout set to `t` seconds
    /// when `t` is not 0, then puts it back (Swoole's `TimeoutSetter`: a
    /// call's own `$timeout`).
    pub fn with_timeout<R>(&mut self, t: f64, read: bool, f: impl FnOnce(&mut Client) -> R) -> R {
        let saved = self.sock.timeouts;
        if t != 0.0 && !t.is_nan() {
            if read {
                self.sock.timeouts.read = t;
            } else {
                self.sock.timeouts.write = t;
            }
        }
        let r = f(self);
        self.sock.timeouts = saved;
        r
    }

    pub fn send(&mut self, data: &[u8], flags: i32) -> Result<usize, i64> {
        if let Some(conn) = self.tls.as_deref_mut() {
            return tls::send(conn, &self.sock, data);
        }
        if self.sock.kind.is_stream() {
            self.sock.send_stream(data, flags)
        } else {
            self.sock.send_dgram(data, None)
        }
    }

    /// `sendto()`: datagram clients only (SWOOLE_ERROR_OPERATION_NOT_SUPPORT).
    pub fn send_to(&mut self, host: &str, port: i64, data: &[u8]) -> Result<(), i64> {
        if self.sock.kind.is_stream() {
            return Err(codes::OPERATION_NOT_SUPPORT);
        }
        let to = self.sock.address(host, port)?;
        self.sock.send_dgram(data, Some(&to)).map(|_| ())
    }

    /// `sendfile()`: `[offset, offset + length)` of a file (the rest of it
    /// when `length` is 0).
    pub fn sendfile(&mut self, path: &str, offset: i64, length: i64) -> Result<(), i64> {
        let file = std::fs::File::open(path)
            .map_err(|e| i64::from(e.raw_os_error().unwrap_or(libc::ENOENT)))?;
        let size = file
            .metadata()
            .map_err(|e| i64::from(e.raw_os_error().unwrap_or(libc::EIO)))?
            .len() as i64;
        if size == 0 {
            return Err(codes::FILE_EMPTY);
        }
        let end = if length == 0 {
            size
        } else {
            offset.saturating_add(length)
        };
        if offset < 0 || end > size {
            return Err(codes::INVALID_PARAMS);
        }
        if let Some(conn) = self.tls.as_deref_mut() {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = file;
            file.seek(SeekFrom::Start(offset as u64))
                .map_err(|e| i64::from(e.raw_os_error().unwrap_or(libc::EIO)))?;
            let mut left = (end - offset) as usize;
            let mut chunk = vec![0u8; CHUNK];
            while left > 0 {
                let n = file
                    .read(&mut chunk[..left.min(CHUNK)])
                    .map_err(|e| i64::from(e.raw_os_error().unwrap_or(libc::EIO)))?;
                if n == 0 {
                    break;
                }
                tls::send(conn, &self.sock, &chunk[..n])?;
                left -= n;
            }
            return Ok(());
        }
        self.sock.sendfile(&file, offset, end)
    }

    /// Swoole's `Client::shutdown`: each direction once; SHUT_RDWR ends both.
    pub fn shutdown(&mut self, how: i64) -> Result<(), i64> {
        use std::net::Shutdown;
        match how as i32 {
            libc::SHUT_RD => {
                if self.shut_rd || self.shut_rdwr || !self.sock.shutdown(Shutdown::Read) {
                    return Err(0);
                }
                self.shut_rd = true;
            }
            libc::SHUT_WR => {
                if self.shut_wr || self.shut_rdwr || !self.sock.shutdown(Shutdown::Write) {
                    return Err(0);
                }
                self.shut_wr = true;
            }
            libc::SHUT_RDWR => {
                if self.shut_rdwr || !self.sock.shutdown(Shutdown::Both) {
                    return Err(0);
                }
                self.shut_rd = true;
                self.shut_wr = true;
                self.shut_rdwr = true;
            }
            _ => return Err(i64::from(libc::EINVAL)),
        }
        Ok(())
    }

    /// `close()` without `$force`, and `__destruct`: a live SWOOLE_KEEP
    /// connection goes back to the pool for the next connect() to the same
    /// key, unless `last_error` says it is broken (Swoole's
    /// `catch_error() == SW_CLOSE`); any other connection ends.
    pub fn release(self, force: bool, last_error: i64) {
        if force || !self.keep || !self.active || codes::closes(last_error) {
            self.close();
        } else {
            pool_put(self);
        }
    }

    /// Ends the connection (close_notify first on TLS); the socket closes
    /// when the client is dropped.
    pub fn close(mut self) {
        if let Some(conn) = self.tls.as_deref_mut() {
            tls::close(conn, &self.sock);
        }
    }
}

thread_local! {
    /// SWOOLE_KEEP connections put back by close(), by key, oldest first.
    /// They outlive the request, as Swoole's do.
    static POOL: RefCell<HashMap<String, VecDeque<Client>>> = RefCell::new(HashMap::new());
}

/// A pooled connection for `key` that is still open, if any.
pub fn pool_take(key: &str) -> Option<Client> {
    loop {
        let c = POOL.with(|p| {
            let mut p = p.borrow_mut();
            let q = p.get_mut(key)?;
            let c = q.pop_front();
            if q.is_empty() {
                p.remove(key);
            }
            c
        })?;
        if c.sock.is_alive() {
            return Some(c);
        }
        c.close();
    }
}

pub fn pool_put(mut c: Client) {
    // The script's function does not outlive its request; whoever takes
    // the connection sets its own.
    c.length_func = None;
    POOL.with(|p| {
        p.borrow_mut()
            .entry(c.key.clone())
            .or_default()
            .push_back(c)
    });
}

#[cfg(test)]
mod line_tests {
    use std::io::Write;

    use super::*;
    use crate::runtime::client::testing::{tcp_client, tcp_server};

    #[test]
    fn lines_and_buffered_reads_share_one_buffer() {
        let (port, t) = tcp_server(|mut s| {
            s.write_all(b"one\ntw").unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
            s.write_all(b"o\nrest").unwrap();
        });
        let mut c = tcp_client(port, &[]);
        assert_eq!(c.recv_line(100), Recv::Data(b"one\n".to_vec()));
        assert_eq!(c.recv_line(100), Recv::Data(b"two\n".to_vec()));
        assert_eq!(c.recv_with_buffer(2), Recv::Data(b"re".to_vec()));
        assert_eq!(c.recv_line(100), Recv::Data(b"st".to_vec()));
        assert_eq!(c.recv_line(100), Recv::Data(Vec::new()));
        t.join().unwrap();
    }

    #[test]
    fn a_calls_own_timeout_holds_for_that_call_only() {
        let (port, t) = tcp_server(|_s| {});
        let mut c = tcp_client(port, &[]);
        let before = c.sock.timeouts;
        let inside = c.with_timeout(0.25, true, |c| c.sock.timeouts);
        assert_eq!((inside.read, inside.write), (0.25, before.write));
        assert_eq!(c.sock.timeouts.read, before.read);
        let unchanged = c.with_timeout(0.0, false, |c| c.sock.timeouts.write);
        assert_eq!(unchanged, before.write);
        t.join().unwrap();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::time::Duration;

    use crate::runtime::settings::SettingValue;

    use super::super::socket::Kind;
    use super::super::testing::{echo, tcp_client, tcp_server, TempDir};
    use super::*;

    fn int(n: i64) -> SettingValue {
        SettingValue::Int(n)
    }

    fn text(s: &str) -> SettingValue {
        SettingValue::Str(s.into())
    }

    /// `open_length_check` with a 4-byte big-endian length before the body.
    fn length_settings(max: i64) -> Vec<(&'static str, SettingValue)> {
        vec![
            ("open_length_check", SettingValue::Bool(true)),
            ("package_length_type", text("N")),
            ("package_length_offset", int(0)),
            ("package_body_offset", int(4)),
            ("package_max_length", int(max)),
        ]
    }

    fn packet(body: &[u8]) -> Vec<u8> {
        let mut p = (body.len() as u32).to_be_bytes().to_vec();
        p.extend_from_slice(body);
        p
    }

    fn data(b: &[u8]) -> Recv {
        Recv::Data(b.to_vec())
    }

    /// Writes each part, pausing between them so they arrive apart.
    fn write_apart(t: &mut TcpStream, parts: &[&[u8]]) {
        t.set_nodelay(true).expect("nodelay");
        for part in parts {
            t.write_all(part).expect("write");
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    fn keep_client(port: u16, key: &str) -> Client {
        let mut sock = Sock::new(Kind::Tcp).expect("socket");
        sock.timeouts.set_all(2.0);
        let mut c = Client::new(sock, false, true, key.into());
        c.connect("127.0.0.1", i64::from(port), 0).expect("connect");
        c
    }

    /// An echo server that reports when its peer has closed.
    fn echo_reporting_close() -> (u16, std::thread::JoinHandle<()>, mpsc::Receiver<()>) {
        let (closed, rx) = mpsc::channel();
        let (port, h) = tcp_server(move |t| {
            echo(t);
            let _ = closed.send(());
        });
        (port, h, rx)
    }

    #[test]
    fn raw_recv_returns_what_arrived_and_empty_once_closed() {
        let (port, server) = tcp_server(|mut t| {
            let mut b = [0u8; 5];
            t.read_exact(&mut b).expect("read");
            t.write_all(&b).expect("write");
        });
        let mut c = tcp_client(port, &[]);
        assert_eq!(c.send(b"hello", 0), Ok(5));
        assert_eq!(c.recv(65536, 0), data(b"hello"));
        server.join().expect("server");
        assert_eq!(c.recv(65536, 0), data(b""));
    }

    #[test]
    fn raw_recv_reads_at_most_size() {
        let (port, server) = tcp_server(|mut t| t.write_all(b"abcdef").expect("write"));
        let mut c = tcp_client(port, &[]);
        server.join().expect("server");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(c.recv(4, 0), data(b"abcd"));
        assert_eq!(c.recv(4, 0), data(b"ef"));
    }

    #[test]
    fn connect_refused_is_111() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let mut c = Client::new(
            Sock::new(Kind::Tcp).expect("socket"),
            false,
            false,
            "".into(),
        );
        assert!(matches!(
            c.connect("127.0.0.1", i64::from(port), 0),
            Err(111)
        ));
        assert!(!c.active);
    }

    #[test]
    fn recv_timeout_fails_with_eagain() {
        let (hold, held) = mpsc::channel::<()>();
        let (port, server) = tcp_server(move |_t| {
            let _ = held.recv();
        });
        let mut c = tcp_client(port, &length_settings(1024));
        c.sock.timeouts.read = 0.2;
        assert_eq!(c.recv(65536, 0), Recv::Failed(11));
        drop(hold);
        server.join().expect("server");
    }

    #[test]
    fn length_framing_cuts_two_packets_sent_in_one_write() {
        let mut both = packet(b"first");
        both.extend(packet(b"second"));
        let (port, server) = tcp_server(move |mut t| t.write_all(&both).expect("write"));
        let mut c = tcp_client(port, &length_settings(1024));
        assert_eq!(c.recv(65536, 0), Recv::Data(packet(b"first")));
        assert_eq!(c.recv(65536, 0), Recv::Data(packet(b"second")));
        server.join().expect("server");
        assert_eq!(c.recv(65536, 0), data(b""));
    }

    #[test]
    fn a_length_func_cuts_packets_and_keeps_what_follows() {
        let first = b"\x00\x03one\x00\x05three\x00".to_vec();
        let tail = b"\x04four".to_vec();
        let (port, server) = tcp_server(move |mut t| write_apart(&mut t, &[&first, &tail]));
        let mut c = tcp_client(port, &[("package_length_func", SettingValue::Bool(true))]);
        c.set_length_func(Box::new(|d: &[u8]| match d {
            [hi, lo, ..] => 2 + i64::from(u16::from_be_bytes([*hi, *lo])),
            _ => 0,
        }));
        assert_eq!(c.recv(65536, 0), data(b"\x00\x03one"));
        assert_eq!(c.recv(65536, 0), data(b"\x00\x05three"));
        assert_eq!(c.recv(65536, 0), data(b"\x00\x04four"));
        server.join().expect("server");
        // A length the function refuses: the empty string.
        let (port, server) = tcp_server(move |mut t| t.write_all(b"xx").expect("write"));
        let mut c = tcp_client(port, &[("package_length_func", SettingValue::Bool(true))]);
        c.set_length_func(Box::new(|_: &[u8]| -1));
        assert_eq!(c.recv(65536, 0), data(b""));
        server.join().expect("server");
    }

    #[test]
    fn length_framing_joins_a_packet_sent_over_several_writes() {
        let p = packet(b"hello world");
        let (port, server) = tcp_server(move |mut t| {
            write_apart(&mut t, &[&p[..2], &p[2..6], &p[6..9], &p[9..]]);
        });
        let mut c = tcp_client(port, &length_settings(1024));
        assert_eq!(c.recv(65536, 0), Recv::Data(packet(b"hello world")));
        server.join().expect("server");
    }

    #[test]
    fn length_framing_keeps_what_follows_a_packet_for_the_next_recv() {
        let a = packet(b"one");
        let b = packet(b"two two");
        let mut first = a.clone();
        first.extend_from_slice(&b[..5]);
        let rest = b[5..].to_vec();
        let (port, server) = tcp_server(move |mut t| write_apart(&mut t, &[&first, &rest]));
        let mut c = tcp_client(port, &length_settings(1024));
        assert_eq!(c.recv(65536, 0), Recv::Data(a));
        assert_eq!(c.recv(65536, 0), Recv::Data(b));
        server.join().expect("server");
    }

    #[test]
    fn a_length_over_package_max_length_is_reported_with_its_length() {
        let (done, rx) = mpsc::channel::<()>();
        let (port, server) = tcp_server(move |mut t| {
            let mut p = 1000u32.to_be_bytes().to_vec();
            p.extend_from_slice(b"body");
            t.write_all(&p).expect("write");
            let _ = rx.recv();
        });
        let mut c = tcp_client(port, &length_settings(64));
        // The script gets '' after Swoole's log line, which names the
        // length (header included).
        assert_eq!(c.recv(65536, 0), Recv::TooLarge(1004));
        drop(done);
        server.join().expect("server");
    }

    #[test]
    fn a_close_in_the_middle_of_a_packet_is_an_empty_string() {
        let p = packet(b"cut short");
        let (port, server) = tcp_server(move |mut t| t.write_all(&p[..7]).expect("write"));
        let mut c = tcp_client(port, &length_settings(1024));
        assert_eq!(c.recv(65536, 0), data(b""));
        server.join().expect("server");
    }

    #[test]
    fn eof_framing_returns_one_packet_per_recv() {
        let (port, server) = tcp_server(|mut t| {
            write_apart(&mut t, &[b"one\r\ntwo\r\nthr", b"ee\r", b"\n"]);
        });
        let eof = [
            ("open_eof_check", SettingValue::Bool(true)),
            ("package_eof", text("\r\n")),
        ];
        let mut c = tcp_client(port, &eof);
        assert_eq!(c.recv(65536, 0), data(b"one\r\n"));
        assert_eq!(c.recv(65536, 0), data(b"two\r\n"));
        assert_eq!(c.recv(65536, 0), data(b"three\r\n"));
        server.join().expect("server");
    }

    #[test]
    fn eof_framing_without_a_delimiter_within_max_length_is_no_eof() {
        let (done, rx) = mpsc::channel::<()>();
        let (port, server) = tcp_server(move |mut t| {
            t.write_all(b"no delimiter anywhere here").expect("write");
            let _ = rx.recv();
        });
        let eof = [
            ("open_eof_check", SettingValue::Bool(true)),
            ("package_eof", text("\r\n")),
            ("package_max_length", int(8)),
        ];
        let mut c = tcp_client(port, &eof);
        assert_eq!(c.recv(65536, 0), Recv::NoEof);
        drop(done);
        server.join().expect("server");
    }

    #[test]
    fn release_pools_a_live_keep_connection_and_force_closes_it() {
        let (port, server, closed) = echo_reporting_close();
        let key = format!("release-test:{port}");
        let mut c = keep_client(port, &key);
        c.send(b"1", 0).expect("send");
        assert_eq!(c.recv(16, 0), data(b"1"));
        let fd = c.sock.fd();
        c.release(false, 0);
        assert!(
            closed.recv_timeout(Duration::from_millis(200)).is_err(),
            "a pooled connection stays open"
        );
        let mut again = pool_take(&key).expect("the pooled connection");
        assert_eq!(again.sock.fd(), fd);
        assert!(pool_take(&key).is_none(), "taken once");
        again.send(b"2", 0).expect("send");
        assert_eq!(again.recv(16, 0), data(b"2"));
        again.release(true, 0);
        closed
            .recv_timeout(Duration::from_secs(5))
            .expect("force closes");
        assert!(pool_take(&key).is_none());
        server.join().expect("server");
    }

    #[test]
    fn release_closes_a_plain_or_broken_connection() {
        let (port, server, closed) = echo_reporting_close();
        let mut sock = Sock::new(Kind::Tcp).expect("socket");
        sock.timeouts.set_all(2.0);
        let key = format!("plain-test:{port}");
        let mut c = Client::new(sock, false, false, key.clone());
        c.connect("127.0.0.1", i64::from(port), 0).expect("connect");
        c.release(false, 0);
        closed.recv_timeout(Duration::from_secs(5)).expect("closed");
        assert!(pool_take(&key).is_none());
        server.join().expect("server");

        let (port, server, closed) = echo_reporting_close();
        let key = format!("broken-test:{port}");
        let c = keep_client(port, &key);
        c.release(false, i64::from(libc::ECONNRESET));
        closed.recv_timeout(Duration::from_secs(5)).expect("closed");
        assert!(pool_take(&key).is_none());
        server.join().expect("server");
    }

    #[test]
    fn pool_take_skips_a_connection_the_peer_closed() {
        let (port, server) = tcp_server(drop);
        let key = format!("dead-test:{port}");
        let c = keep_client(port, &key);
        c.release(false, 0);
        server.join().expect("server");
        std::thread::sleep(Duration::from_millis(20));
        assert!(pool_take(&key).is_none());
    }

    #[test]
    fn shutdown_each_direction_once() {
        let (eof, saw_eof) = mpsc::channel();
        let (hold, held) = mpsc::channel::<()>();
        let (port, server) = tcp_server(move |mut t| {
            let mut b = [0u8; 16];
            assert_eq!(t.read(&mut b).expect("read"), 0);
            let _ = eof.send(());
            // Open until the test is done: shutdown(2) of a socket whose
            // peer has gone is ENOTCONN.
            let _ = held.recv();
        });
        let mut c = tcp_client(port, &[]);
        assert_eq!(c.shutdown(i64::from(libc::SHUT_WR)), Ok(()));
        saw_eof
            .recv_timeout(Duration::from_secs(5))
            .expect("the server sees EOF");
        assert_eq!(c.shutdown(i64::from(libc::SHUT_WR)), Err(0));
        assert_eq!(c.shutdown(99), Err(i64::from(libc::EINVAL)));
        assert_eq!(c.shutdown(i64::from(libc::SHUT_RDWR)), Ok(()));
        assert_eq!(c.shutdown(i64::from(libc::SHUT_RD)), Err(0));
        assert_eq!(c.shutdown(i64::from(libc::SHUT_RDWR)), Err(0));
        drop(hold);
        server.join().expect("server");
    }

    #[test]
    fn sendto_and_sendfile_errors() {
        let (port, server) = tcp_server(echo);
        let mut c = tcp_client(port, &[]);
        assert_eq!(
            c.send_to("127.0.0.1", 9, b"x"),
            Err(codes::OPERATION_NOT_SUPPORT)
        );
        let dir = TempDir::new("state-sendfile");
        let empty = dir.path("empty");
        std::fs::write(&empty, b"").expect("write");
        let full = dir.path("full");
        std::fs::write(&full, b"0123456789").expect("write");
        let p = |f: &std::path::Path| f.to_str().expect("utf-8").to_string();
        assert_eq!(c.sendfile(&p(&empty), 0, 0), Err(codes::FILE_EMPTY));
        assert_eq!(c.sendfile(&p(&full), 8, 5), Err(codes::INVALID_PARAMS));
        assert_eq!(
            c.sendfile(&p(&dir.path("missing")), 0, 0),
            Err(i64::from(libc::ENOENT))
        );
        assert_eq!(c.sendfile(&p(&full), 6, 0), Ok(()));
        let mut got = Vec::new();
        while got.len() < 4 {
            match c.recv(16, 0) {
                Recv::Data(d) if !d.is_empty() => got.extend(d),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(got, b"6789");
        drop(c);
        server.join().expect("server");
    }

    #[test]
    fn ssl_over_a_datagram_socket_is_not_supported() {
        let srv = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = srv.local_addr().expect("addr").port();
        let mut c = Client::new(
            Sock::new(Kind::Udp).expect("socket"),
            true,
            false,
            "".into(),
        );
        assert!(matches!(
            c.connect("127.0.0.1", i64::from(port), 0),
            Err(codes::OPERATION_NOT_SUPPORT)
        ));
    }
}
