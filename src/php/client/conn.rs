//! The connection a coroutine socket object holds (`Coroutine\Client`,
//! `Coroutine\Socket`, and the socket a client exports): a [`Client`]
//! whose waits suspend the calling coroutine.
//!
//! As in Swoole, one coroutine may read while another writes: a plain
//! stream socket sends through its [`Writer`] without touching the
//! client a reader has borrowed for the whole of its wait. Two readers
//! (or two writers) at once are Swoole's fatal error
//! (SW_ERROR_CO_HAS_BEEN_BOUND), as is anything that needs the client
//! while a reader holds it (a TLS socket's send: one TLS session serves
//! both directions).

use std::cell::{Cell, RefCell, RefMut};
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use crate::runtime::client::socket::{Kind, Sock, Writer};
use crate::runtime::client::state::Client;

pub struct Conn {
    client: RefCell<Client>,
    /// The coroutine inside a call on the client (-1: none).
    holder: Cell<i64>,
    /// The sending side of a plain stream socket (None: sends borrow the
    /// client).
    writer: Cell<Option<Writer>>,
    /// The coroutine sending through `writer` (-1: none).
    sender: Cell<i64>,
    /// `close()` was called: nothing more goes through it.
    closed: Cell<bool>,
    /// The descriptor as last seen, for a close from another coroutine
    /// while one waits on it (the client is borrowed then).
    last_fd: Cell<i32>,
}

/// Another coroutine is inside a call on this socket: the one that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound(pub i64);

/// The client, held by the running coroutine until dropped.
pub struct Held<'a> {
    client: RefMut<'a, Client>,
    holder: &'a Cell<i64>,
}

impl Deref for Held<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.holder.set(-1);
    }
}

pub type SharedConn = Rc<Conn>;

impl Conn {
    pub fn new(client: Client) -> SharedConn {
        let conn = Rc::new(Conn {
            client: RefCell::new(client),
            holder: Cell::new(-1),
            writer: Cell::new(None),
            sender: Cell::new(-1),
            closed: Cell::new(false),
            last_fd: Cell::new(-1),
        });
        conn.refresh_writer();
        conn
    }

    /// The client for a call that reads or changes it (waits included);
    /// `Bound` while another coroutine holds it.
    pub fn client(&self) -> Result<Held<'_>, Bound> {
        if self.closed.get() {
            return Err(Bound(-1));
        }
        let client = self
            .client
            .try_borrow_mut()
            .map_err(|_| Bound(self.holder.get()))?;
        self.holder.set(crate::php::coroutine::current());
        self.last_fd.set(client.sock.fd() as i32);
        Ok(Held {
            client,
            holder: &self.holder,
        })
    }

    /// The socket's descriptor (None while another coroutine holds it).
    pub fn fd(&self) -> Option<i32> {
        self.client.try_borrow().ok().map(|c| c.sock.fd() as i32)
    }

    /// The socket's descriptor, also while another coroutine holds it (the
    /// one it held then): to cancel that coroutine's wait.
    pub fn fd_even_if_held(&self) -> Option<i32> {
        self.fd().or(Some(self.last_fd.get())).filter(|fd| *fd >= 0)
    }

    /// Whether the connection is still usable: not closed, and connected.
    pub fn is_open(&self) -> bool {
        !self.closed.get() && self.client.try_borrow().map_or(true, |c| c.active)
    }

    /// Ends the connection: both directions shut down (the descriptor
    /// goes with the last holder); later calls fail.
    pub fn close(&self) {
        if self.closed.replace(true) {
            return;
        }
        self.writer.set(None);
        if let Ok(c) = self.client.try_borrow() {
            let _ = c.sock.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Whether no coroutine is inside a call on it.
    pub fn idle(&self) -> bool {
        self.sender.get() < 0 && self.client.try_borrow_mut().is_ok()
    }

    /// Takes the client's current sending side (after connect(), TLS, a
    /// new write timeout): plain connected stream sockets only.
    pub fn refresh_writer(&self) {
        if let Ok(c) = self.client.try_borrow() {
            let plain = c.sock.kind.is_stream() && c.tls.is_none() && c.active;
            self.writer.set(plain.then(|| c.sock.writer()));
        }
    }

    /// Sends all of `data`, within `timeout` seconds when not 0 (else the
    /// write timeout): the bytes sent, or the errno (Err(Ok)), or the
    /// coroutine already sending (Err(Err)).
    pub fn send_all(&self, data: &[u8], timeout: f64) -> Result<usize, Result<i64, Bound>> {
        if self.closed.get() {
            return Err(Ok(i64::from(libc::EBADF)));
        }
        let timeout_given = timeout != 0.0 && !timeout.is_nan();
        if let Some(mut w) = self.writer.get() {
            if self.sender.get() >= 0 {
                return Err(Err(Bound(self.sender.get())));
            }
            self.sender.set(crate::php::coroutine::current().max(0));
            if timeout_given {
                w.timeout = timeout;
            }
            let r = w.send_all(data, 0);
            self.sender.set(-1);
            return r.map_err(Ok);
        }
        let mut c = self.client().map_err(Err)?;
        c.with_timeout(timeout, false, |c| c.send(data, 0))
            .map_err(Ok)
    }
}

/// Swoole's fatal error for a second coroutine reading (or writing) a
/// socket another one is inside: a `Swoole\Error` nothing can catch.
pub fn bound_fatal(fd: i64, bound: Bound, reading: bool) {
    let what = if reading { "reading" } else { "writing" };
    crate::php::zend::throw(
        crate::php::coroutine::ERROR.get(),
        &format!(
            "Socket#{fd} has already been bound to another coroutine#{}, {what} of the same socket in coroutine#{} at the same time is not allowed",
            bound.0,
            crate::php::coroutine::current()
        ),
        10002,
    );
    crate::php::zend::pending_exception_is_fatal();
}

/// The arguments of a coroutine server's constructor:
/// `(string $host, int $port = 0, bool $ssl = false, bool $reuse_port = false)`.
pub struct ListenArgs {
    pub host: String,
    pub port: i64,
    pub ssl: bool,
    pub reuse_port: bool,
}

impl ListenArgs {
    pub fn parse(ex: &mut ext_php_rs::zend::ExecuteData) -> Option<ListenArgs> {
        let args = crate::php::args::Args::parse(ex, 1, 4)?;
        Some(ListenArgs {
            host: args.string(0, "host")?,
            port: args.long_or(1, "port", 0)?,
            ssl: args.bool_or(2, "ssl", false)?,
            reuse_port: args.bool_or(3, "reuse_port", false)?,
        })
    }

    /// A socket of `kind` listening on `addr` and this port, waiting as
    /// coroutines do; else the exception's message and the errno.
    pub fn listen(&self, kind: Kind, addr: &str) -> Result<SharedConn, (String, i64)> {
        let sock = Sock::new(kind)
            .and_then(|s| s.with_wait_hook(crate::php::coroutine::io::wait_fd))
            .map_err(|code| ("socket() failed".to_string(), code))?;
        if self.reuse_port {
            let _ = sock.sock.set_reuse_port(true);
        }
        let (host, port) = (&self.host, self.port);
        sock.bind(addr, port)
            .map_err(|code| (format!("bind({host}:{port}) failed"), code))?;
        sock.listen(512)
            .map_err(|code| ("listen() failed".to_string(), code))?;
        Ok(Conn::new(Client::new(sock, false, false, String::new())))
    }
}

/// Accepts on `listener` while `running()` says so, handing each new
/// connection to `serve`, as Swoole's coroutine servers do: with too many
/// open files it waits a second and tries again, a timed-out wait goes on.
/// How it stopped: None (stopped, or the wait was canceled by a
/// shutdown), or the errno of a failure.
pub fn accept_loop(
    listener: &SharedConn,
    running: impl Fn() -> bool,
    mut serve: impl FnMut(SharedConn),
) -> Option<i64> {
    while running() {
        let accepted = match listener.client() {
            Ok(c) => c.sock.accept(-1.0),
            Err(_) => return None,
        };
        match accepted {
            Ok(sock) => {
                let mut client = Client::new(sock, false, false, String::new());
                client.active = true;
                serve(Conn::new(client));
            }
            Err(code) if code == i64::from(libc::EMFILE) || code == i64::from(libc::ENFILE) => {
                crate::php::coroutine::io::blocking(|| {
                    std::thread::sleep(std::time::Duration::from_secs(1))
                });
            }
            Err(code) if code == i64::from(libc::ETIMEDOUT) => {}
            Err(code) if code == i64::from(libc::ECANCELED) => return None,
            Err(code) => return Some(code),
        }
    }
    None
}
