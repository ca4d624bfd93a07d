//! A server's listening ports: the main one (`new Swoole\Server(...)`) and
//! those `listen()` / `addListener()` add. Each has its own socket, its own
//! protocol settings (`$port->set()`) and its own TLS, and every process or
//! thread that accepts connections accepts on all of them.
//!
//! A connection knows its port by the listening socket's descriptor
//! (`server_fd`), as in Swoole: the descriptors are made before any fork,
//! so they name the same port in every process.

use std::io;
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

/// A listening socket with its port. Cloned (the descriptor duplicated)
/// for each process and reactor thread that accepts on it.
pub struct Listener {
    pub socket: std::net::TcpListener,
    pub port: Arc<Port>,
}

impl Listener {
    /// The socket as the event loop's (inside the loop only): an error if
    /// it cannot be registered.
    pub fn join_loop(self) -> io::Result<(tokio::net::TcpListener, Arc<Port>)> {
        Ok((tokio::net::TcpListener::from_std(self.socket)?, self.port))
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
}
