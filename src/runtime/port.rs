//! A server's listening ports: the main one (`new Swoole\Server(...)`) and
//! those `listen()` / `addListener()` add. Each has its own socket, its own
//! protocol settings (`$port->set()`) and its own TLS, and every process or
//! thread that accepts connections accepts on all of them.
//!
//! A connection knows its port by the listening socket's descriptor
//! (`server_fd`), as in Swoole: the descriptors are made before any fork,
//! so they name the same port in every process.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;

use super::settings::Settings;
use crate::protocol::framing::Framing;

/// What a port's connections speak, decided once from its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP requests, and WebSocket after an upgrade when
    /// `open_websocket_protocol` is on.
    Http,
    /// A plain byte stream cut into `onReceive` packets.
    Stream(Framing),
}

/// One port's configuration, shared (read-only) by everything that serves
/// its connections.
pub struct Port {
    /// The listening socket's descriptor: the port's identity.
    pub server_fd: i32,
    /// The port's settings: its own after `$port->set()`, the main
    /// server's otherwise (Swoole's rule).
    pub settings: Settings,
    pub protocol: Protocol,
    /// Set for `SWOOLE_SSL` ports: every connection starts with a TLS
    /// handshake.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Port {
    /// A port of these settings: HTTP when `open_http_protocol` or
    /// `open_websocket_protocol` is on (the WebSocket one implies HTTP, as
    /// in Swoole), a framed stream otherwise.
    pub fn new(server_fd: i32, settings: Settings, tls: Option<Arc<rustls::ServerConfig>>) -> Port {
        let protocol = if settings.open_http_protocol || settings.open_websocket_protocol {
            Protocol::Http
        } else {
            Protocol::Stream(settings.framing())
        };
        Port {
            server_fd,
            settings,
            protocol,
            tls: tls.map(tokio_rustls::TlsAcceptor::from),
        }
    }

    /// Whether an upgrade request may become a WebSocket here.
    pub fn websocket(&self) -> bool {
        self.settings.open_websocket_protocol
    }
}

/// Swoole's socket types (`SWOOLE_SOCK_*`, the low byte of `$sock_type`).
pub mod sock_type {
    pub const TCP: i64 = 1;
    pub const UDP: i64 = 2;
    pub const TCP6: i64 = 3;
    pub const UDP6: i64 = 4;
    pub const UNIX_STREAM: i64 = 5;
    pub const UNIX_DGRAM: i64 = 6;
}

/// A bound socket of one of Swoole's types, before any event loop.
pub enum Socket {
    Tcp(std::net::TcpListener),
    Unix(std::os::unix::net::UnixListener),
    Udp(std::net::UdpSocket),
    UnixDgram(std::os::unix::net::UnixDatagram),
}

/// A port's socket inside an event loop.
pub enum Joined {
    Tcp(tokio::net::TcpListener),
    Unix(tokio::net::UnixListener),
    Udp(tokio::net::UdpSocket),
    UnixDgram(tokio::net::UnixDatagram),
}

impl Socket {
    pub fn try_clone(&self) -> io::Result<Socket> {
        Ok(match self {
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
            Socket::Udp(s) => Socket::Udp(s.try_clone()?),
            Socket::UnixDgram(s) => Socket::UnixDgram(s.try_clone()?),
        })
    }

    pub fn fd(&self) -> i32 {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
            Socket::Udp(s) => s.as_raw_fd(),
            Socket::UnixDgram(s) => s.as_raw_fd(),
        }
    }

    /// The bound port (0 for unix sockets).
    pub fn local_port(&self) -> u16 {
        match self {
            Socket::Tcp(s) => s.local_addr().map_or(0, |a| a.port()),
            Socket::Udp(s) => s.local_addr().map_or(0, |a| a.port()),
            Socket::Unix(_) | Socket::UnixDgram(_) => 0,
        }
    }

    /// A datagram socket (UDP, unix datagram): `onPacket`, no connections.
    pub fn is_datagram(&self) -> bool {
        matches!(self, Socket::Udp(_) | Socket::UnixDgram(_))
    }

    fn join_loop(self) -> io::Result<Joined> {
        Ok(match self {
            Socket::Tcp(s) => Joined::Tcp(tokio::net::TcpListener::from_std(s)?),
            Socket::Unix(s) => Joined::Unix(tokio::net::UnixListener::from_std(s)?),
            Socket::Udp(s) => Joined::Udp(tokio::net::UdpSocket::from_std(s)?),
            Socket::UnixDgram(s) => Joined::UnixDgram(tokio::net::UnixDatagram::from_std(s)?),
        })
    }
}

/// Binds a socket of Swoole's `sock_type` (its low byte; `SWOOLE_SSL` and
/// other flags above it are the caller's) the way Swoole does: TCP with
/// `SO_REUSEADDR` and the backlog, UDP bound, unix sockets at the path
/// `host`. Non-blocking, before the event loop starts, so that the
/// constructor or `listen()` can report the error.
pub fn bind(host: &str, port: u16, sock_type: i64, backlog: i32) -> io::Result<Socket> {
    match sock_type & 0xff {
        sock_type::TCP | sock_type::TCP6 => {
            Ok(Socket::Tcp(super::server::bind(host, port, backlog)?))
        }
        sock_type::UDP | sock_type::UDP6 => {
            let addr = inet_addr(host, port)?;
            let domain = socket2::Domain::for_address(addr);
            let socket =
                socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.set_nonblocking(true)?;
            Ok(Socket::Udp(socket.into()))
        }
        sock_type::UNIX_STREAM => {
            let l = std::os::unix::net::UnixListener::bind(host)?;
            l.set_nonblocking(true)?;
            Ok(Socket::Unix(l))
        }
        sock_type::UNIX_DGRAM => {
            let s = std::os::unix::net::UnixDatagram::bind(host)?;
            s.set_nonblocking(true)?;
            Ok(Socket::UnixDgram(s))
        }
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "unknown socket type",
        )),
    }
}

/// `host:port` as a socket address (IPv6 with or without brackets).
pub fn inet_addr(host: &str, port: u16) -> io::Result<std::net::SocketAddr> {
    let text = if host.contains(':') {
        format!("[{}]:{}", host.trim_matches(|c| c == '[' || c == ']'), port)
    } else {
        format!("{host}:{port}")
    };
    text.parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "invalid address"))
}

/// Who sent a datagram: an internet address, or a unix socket's path
/// (empty for an unbound client).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DatagramFrom {
    Inet(std::net::SocketAddr),
    Unix(String),
}

/// A bound socket with its port. Cloned (the descriptor duplicated) for
/// each process and reactor thread that serves it.
pub struct Listener {
    pub socket: Socket,
    pub port: Arc<Port>,
}

impl Listener {
    /// The socket as the event loop's (inside the loop only): an error if
    /// it cannot be registered.
    pub fn join_loop(self) -> io::Result<(Joined, Arc<Port>)> {
        Ok((self.socket.join_loop()?, self.port))
    }

    pub fn try_clone(&self) -> io::Result<Listener> {
        Ok(Listener {
            socket: self.socket.try_clone()?,
            port: self.port.clone(),
        })
    }
}

/// Duplicates every listener (for a forked process or a thread).
pub fn try_clone_all(listeners: &[Listener]) -> io::Result<Vec<Listener>> {
    listeners.iter().map(Listener::try_clone).collect()
}

/// Sends one datagram from the port socket `fd` (`sendto()`): to `to`, an
/// IP address or (starting with `/`) a unix socket path. The socket is
/// non-blocking: a full send buffer is an error, not a wait.
pub fn send_datagram(fd: i32, to: &str, port: u16, data: &[u8]) -> io::Result<usize> {
    let addr = if to.starts_with('/') {
        socket2::SockAddr::unix(to)?
    } else {
        inet_addr(to, port)?.into()
    };
    // SAFETY: `fd` is one of this process's port sockets, open for as long
    // as the server runs; borrowed for this one call.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    socket2::SockRef::from(&fd).send_to(data, &addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::SettingValue;

    #[test]
    fn the_protocol_follows_the_settings() {
        let mut s = Settings::default();
        assert_eq!(Port::new(3, s.clone(), None).protocol, Protocol::Http);
        s.open_http_protocol = false;
        // WebSocket implies HTTP.
        assert_eq!(Port::new(3, s.clone(), None).protocol, Protocol::Http);
        s.open_websocket_protocol = false;
        assert_eq!(
            Port::new(3, s.clone(), None).protocol,
            Protocol::Stream(Framing::Raw)
        );
        s.apply("open_eof_split", &SettingValue::Bool(true));
        assert!(matches!(
            Port::new(3, s, None).protocol,
            Protocol::Stream(Framing::Eof { split: true, .. })
        ));
    }

    #[test]
    fn every_socket_type_binds_and_a_datagram_can_be_sent_from_it() {
        let udp = bind("127.0.0.1", 0, sock_type::UDP, 16).expect("udp");
        assert!(udp.is_datagram());
        let port = udp.local_port();
        assert_ne!(port, 0);
        let client = std::net::UdpSocket::bind("127.0.0.1:0").expect("client");
        let to = client.local_addr().expect("addr");
        let sent = send_datagram(udp.fd(), "127.0.0.1", to.port(), b"hi").expect("send");
        assert_eq!(sent, 2);
        let mut buf = [0u8; 8];
        let (n, from) = client.recv_from(&mut buf).expect("recv");
        assert_eq!((&buf[..n], from.port()), (&b"hi"[..], port));

        let dir = std::env::temp_dir().join(format!("swoole-rs-port-{}", std::process::id()));
        let _ = std::fs::create_dir(&dir);
        let stream_path = dir.join("s.sock");
        let dgram_path = dir.join("d.sock");
        let stream =
            bind(stream_path.to_str().unwrap(), 0, sock_type::UNIX_STREAM, 16).expect("unix");
        assert!(!stream.is_datagram());
        assert!(std::os::unix::net::UnixStream::connect(&stream_path).is_ok());
        let dgram =
            bind(dgram_path.to_str().unwrap(), 0, sock_type::UNIX_DGRAM, 16).expect("dgram");
        let peer_path = dir.join("p.sock");
        let peer = std::os::unix::net::UnixDatagram::bind(&peer_path).expect("peer");
        send_datagram(dgram.fd(), peer_path.to_str().unwrap(), 0, b"x").expect("send");
        assert_eq!(peer.recv(&mut buf).expect("recv"), 1);
        // A taken address is the caller's error to report.
        assert!(bind(stream_path.to_str().unwrap(), 0, sock_type::UNIX_STREAM, 16).is_err());
        assert!(bind("127.0.0.1", 0, 99, 16).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
