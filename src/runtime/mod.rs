//! The tokio side of the server: listeners, connection tasks, the connection
//! table and heartbeats. No PHP here: events go to an [`EventHandler`], which
//! the PHP surface implements by calling the script's callbacks.
//!
//! [`client`] is the exception to tokio: `Swoole\Client`'s blocking client,
//! which runs in plain PHP outside any event loop.

pub mod atomic;
pub mod bus;
pub mod client;
pub mod connection;
pub mod flush;
pub mod http2;
pub mod keepalive;
pub mod local_notify;
pub mod lock;
pub mod log;
pub mod node;
pub mod panic;
pub mod port;
pub mod rooms;
pub mod server;
pub mod settings;
pub mod shared;
pub mod static_files;
pub mod table;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
pub mod tls;

use std::rc::Rc;

pub use connection::{Connection, SendError, SessionId};
pub use server::Server;
pub use settings::{SettingValue, Settings};
pub use table::ConnectionTable;

use crate::protocol::http::Request;
use crate::protocol::message::Event;

/// Runs `f` as the server runs its tasks: a current-thread runtime with a
/// `LocalSet` (tests of code that spawns local tasks or holds `Rc`s).
#[cfg(test)]
pub(crate) fn run_local<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    tokio::task::LocalSet::new().block_on(&rt, f)
}

/// The IPv4 addresses of the machine's interfaces but loopback, with their
/// interface names (`swoole_get_local_ip()`), in the kernel's order.
pub fn local_ipv4() -> Vec<(String, std::net::Ipv4Addr)> {
    let mut out = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we free below; each entry's pointers
    // are valid until then, and an AF_INET address is a sockaddr_in.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return out;
        }
        let mut cur = list;
        while let Some(ifa) = cur.as_ref() {
            let addr = ifa.ifa_addr;
            if !addr.is_null() && i32::from((*addr).sa_family) == libc::AF_INET {
                let sin = &*(addr as *const libc::sockaddr_in);
                let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                if !ip.is_loopback() {
                    let name = std::ffi::CStr::from_ptr(ifa.ifa_name).to_string_lossy();
                    out.push((name.into_owned(), ip));
                }
            }
            cur = ifa.ifa_next;
        }
        libc::freeifaddrs(list);
    }
    out
}

/// The bytes `sendfile($file, $offset, $length)` sends: from `offset`,
/// `length` bytes (0 or less: to the end), clamped to the file.
pub fn file_range(path: &str, offset: i64, length: i64) -> std::io::Result<Vec<u8>> {
    let mut content = std::fs::read(path)?;
    let start = usize::try_from(offset.max(0))
        .unwrap_or(usize::MAX)
        .min(content.len());
    let end = match usize::try_from(length) {
        Ok(len) if len > 0 => start.saturating_add(len).min(content.len()),
        _ => content.len(),
    };
    content.truncate(end);
    content.drain(..start);
    Ok(content)
}

/// Fills `buf` with random bytes (the kernel's; the clock's when it has
/// none): WebSocket masking keys, multipart boundaries. Not for secrets.
pub fn random_bytes(buf: &mut [u8]) {
    // SAFETY: getrandom fills at most buf.len() bytes of a valid buffer.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < buf.len() as isize {
        // Not a secret: any varying bytes do.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(31);
        }
    }
}

/// Receives connection events on the worker's thread. In BASE mode the
/// connection tasks call it directly: no channel, no copy.
///
/// Implementations may call back into the [`Server`] (push, close, list)
/// from any of these methods.
pub trait EventHandler {
    /// A TCP connection was accepted (`onConnect`).
    fn on_connect(&self, conn: &Rc<Connection>);
    /// Whether an `onRequest` callback is set: without one, plain HTTP
    /// requests get Swoole's 400 page.
    fn has_request_handler(&self, _conn: &Connection) -> bool;
    /// A plain HTTP request. The handler must eventually call
    /// [`Connection::finish_response`] (the PHP `Response::end()` does).
    fn on_request(&self, conn: &Rc<Connection>, req: Request);
    /// An HTTP/2 request (`open_http2_protocol`): answered on `stream`.
    fn on_h2_request(
        &self,
        _conn: &Rc<Connection>,
        _req: Request,
        stream: Rc<dyn http2::H2Answer>,
    ) {
        stream.send_head(404, &[], true);
    }
    /// Whether an `onHandshake` callback replaces the built-in handshake.
    fn has_handshake_handler(&self, _conn: &Connection) -> bool;
    /// A WebSocket upgrade request to answer by hand: the handler writes the
    /// response, sets the status to ACTIVE on a 101, and finishes it.
    fn on_handshake(&self, conn: &Rc<Connection>, req: Request);
    /// Before the built-in handshake's 101 goes out
    /// (`onBeforeHandshakeResponse`): header lines the script adds to it
    /// (its `header()` and `cookie()` calls), as (name, value) pairs.
    fn before_handshake_response(
        &self,
        _conn: &Rc<Connection>,
        _req: &Request,
    ) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }
    /// The built-in handshake completed (`onOpen`).
    fn on_open(&self, conn: &Rc<Connection>, req: Request);
    /// A complete message, or a control frame the settings pass to PHP.
    fn on_message(&self, conn: &Rc<Connection>, event: Event);
    /// Events handed over between `begin_batch` and `end_batch` were read
    /// together: the handler may hold their callbacks back until
    /// `end_batch`, to run them one after the other at less cost, in the
    /// order given. The runtime ends a batch before it acts on anything
    /// else (a close, a pong, the next read). `run` is false only when the
    /// task unwinds from a panic: what is held back is dropped.
    fn begin_batch(&self) {}
    fn end_batch(&self, _run: bool) {}
    /// A packet of a plain TCP port, as its framing cut it (`onReceive`).
    fn on_receive(&self, _conn: &Rc<Connection>, _data: bytes::Bytes) {}
    /// A datagram on a UDP or unix datagram port (`onPacket`).
    fn on_packet(&self, _server_fd: i32, _data: bytes::Bytes, _from: port::DatagramFrom) {}
    /// `package_length_func`: the length of the packet at the front of
    /// `data` (0: not known yet, negative: malformed). Only ports with
    /// that setting ask.
    fn package_length(&self, _conn: &Rc<Connection>, _data: &[u8]) -> i64 {
        -1
    }
    /// The connection is gone (`onClose`): `reactor_id` is -1 when the
    /// server closed it, 0 when the client did.
    fn on_close(&self, conn: &Rc<Connection>, reactor_id: i32);
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_range_clamps_offset_and_length() {
        let path = std::env::temp_dir().join(format!("swoole-rs-range-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").expect("write");
        let p = path.to_str().expect("utf-8 path");
        assert_eq!(super::file_range(p, 0, 0).expect("read"), b"0123456789");
        assert_eq!(super::file_range(p, 2, 3).expect("read"), b"234");
        assert_eq!(super::file_range(p, -5, 2).expect("read"), b"01");
        assert_eq!(super::file_range(p, 8, 100).expect("read"), b"89");
        assert_eq!(super::file_range(p, 50, 1).expect("read"), b"");
        std::fs::remove_file(&path).expect("remove");
        assert!(super::file_range(p, 0, 0).is_err());
    }
}
