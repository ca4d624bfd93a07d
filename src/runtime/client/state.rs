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
pub enum Recv {
    /// A packet, or '' (the peer closed, or a length-framed packet was
    /// malformed or too large, as Swoole answers those).
    Data(Vec<u8>),
    /// A failed read: `recv() failed` with this code.
    Failed(i64),
    /// EOF framing filled `package_max_length` without a delimiter.
    NoEof,
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
            eof: false,
            max_length: 0,
            buf: BytesMut::new(),
            shut_rd: false,
            shut_wr: false,
            shut_rdwr: false,
        }
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

    fn recv_raw(&mut self, size: i64, flags: i32) -> Recv {
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
        loop {
            match framer.next(&mut self.buf, &mut |_| 0) {
                Ok(Some(p)) => return Recv::Data(p.to_vec()),
                Ok(None) => {}
                Err(FramingError::TooLarge { .. }) if eof => {
                    self.buf.clear();
                    return Recv::NoEof;
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

pub fn pool_put(c: Client) {
    POOL.with(|p| {
        p.borrow_mut()
            .entry(c.key.clone())
            .or_default()
            .push_back(c)
    });
}
