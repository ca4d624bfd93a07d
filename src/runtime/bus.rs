//! The cluster bus: nodes (separate swoole-rs servers, usually on separate
//! machines) exchange broadcasts and room publishes over a Redis pub/sub
//! channel, the bus their operators already run.
//!
//! Two kinds of task, both on a runtime's own thread, never on PHP's time:
//! - a [`Publisher`] per process that runs PHP (`broadcast()`/`publish()`
//!   hand it an envelope and return at once; one connection, so a process's
//!   messages reach every node in the order it sent them);
//! - a subscriber per runtime that owns connections ([`subscribe`]): it
//!   reads the channel and writes what other nodes sent straight to its own
//!   connections, framed once by the sender.
//!
//! Redis going away never stops local delivery: both reconnect with backoff,
//! the node logs once per outage, and a publish while the bus is down is
//! refused at once (the caller warns and returns false) rather than dropped
//! in silence.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::log;
use super::rooms::RoomMap;
use super::Server;
use crate::protocol::bus::{Envelope, Target};
use crate::protocol::resp::{self, Reply};

/// How long a connection attempt to Redis may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Reconnection backoff: first wait, and the longest.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// Bytes a publisher may hold for Redis before publishes are refused.
const MAX_BACKLOG: usize = 64 * 1024 * 1024;

/// The `cluster` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusConfig {
    /// As given, for messages (without the password).
    pub url: String,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `/db` of the address. Pub/sub channels are the same in every
    /// database, so nothing is SELECTed: it is checked and kept.
    pub db: u32,
    pub channel: Vec<u8>,
    /// Refuse to start when Redis cannot be reached.
    pub required: bool,
}

impl BusConfig {
    /// Parses `redis://[[user]:password@]host[:port][/db]` (user and
    /// password percent-decoded, an IPv6 host in brackets).
    pub fn new(url: &str, channel: &[u8], required: bool) -> Result<BusConfig, String> {
        // A redis address has no fragment: a '#' can only be part of the
        // user or password (as the address was always read), so it is
        // taken literally rather than as the start of a fragment.
        let literal = url.replace('#', "%23");
        let parsed = url::Url::parse(&literal)
            .map_err(|e| format!("invalid redis address '{}': {e}", hide_password(url)))?;
        if parsed.scheme() != "redis" {
            return Err(format!(
                "'redis' must be a redis:// address (got '{}')",
                hide_password(url)
            ));
        }
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(format!("no host in redis address '{}'", hide_password(url))),
        };
        if host.is_empty() {
            return Err(format!("no host in redis address '{}'", hide_password(url)));
        }
        let port = parsed.port().unwrap_or(6379);
        let decode = |s: &str| -> Result<String, String> {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| "the redis user and password must be UTF-8".to_string())
        };
        let username = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(decode)
            .transpose()?;
        // "user:@host" is an empty password, which the url crate reports
        // as none.
        let userinfo = literal
            .split_once("//")
            .and_then(|(_, rest)| rest.rsplit_once('@'))
            .map(|(info, _)| info);
        let password = match parsed.password() {
            Some(p) => Some(decode(p)?),
            None if userinfo.is_some_and(|i| i.contains(':')) => Some(String::new()),
            None => None,
        };
        // A user without a password authenticates nothing: Redis' AUTH
        // takes a password (a bare "user@host" is taken as the password,
        // as redis-cli does).
        let (username, password) = match (username, password) {
            (Some(u), None) => (None, Some(u)),
            other => other,
        };
        let db = match parsed.path().trim_start_matches('/') {
            "" => 0,
            n => n.parse::<u32>().map_err(|_| {
                format!(
                    "invalid database '{n}' in redis address '{}'",
                    hide_password(url)
                )
            })?,
        };
        if channel.is_empty() {
            return Err("'channel' must not be empty".into());
        }
        // Shown as written: the port only when the address has one.
        let mut hostport = match parsed.host() {
            Some(url::Host::Ipv6(_)) => format!("[{host}]"),
            _ => host.clone(),
        };
        if let Some(p) = parsed.port() {
            hostport.push_str(&format!(":{p}"));
        }
        let shown = match password {
            Some(_) => format!("redis://***@{hostport}"),
            None => format!("redis://{hostport}"),
        };
        Ok(BusConfig {
            url: shown,
            host,
            port,
            username,
            password,
            db,
            channel: channel.to_vec(),
            required,
        })
    }

    fn auth_command(&self) -> Option<Vec<u8>> {
        let password = self.password.as_deref()?;
        Some(match self.username.as_deref() {
            Some(user) => resp::command(&[b"AUTH", user.as_bytes(), password.as_bytes()]),
            None => resp::command(&[b"AUTH", password.as_bytes()]),
        })
    }
}

/// `url` with anything between `//` and `@` replaced, for messages: an
/// address that does not parse must not print its password either.
fn hide_password(url: &str) -> String {
    let Some(at) = url.rfind('@') else {
        return url.to_string();
    };
    let start = url
        .find("//")
        .map(|i| i + 2)
        .or_else(|| url.find(':').map(|i| i + 1))
        .unwrap_or(0);
    if start <= at {
        format!("{}***{}", &url[..start], &url[at..])
    } else {
        url.to_string()
    }
}

/// A random id for this node, shared by its processes (made before forking).
pub fn new_node_id() -> u64 {
    let mut id = [0u8; 8];
    // SAFETY: filling our own 8-byte buffer.
    let n = unsafe { libc::getrandom(id.as_mut_ptr().cast(), id.len(), 0) };
    if n != 8 {
        // No entropy source: the pid and the clock still tell nodes apart.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        return t ^ (u64::from(std::process::id()) << 40);
    }
    u64::from_ne_bytes(id)
}

/// Checks, blocking, that Redis answers PING (`'required' => true` at start).
pub fn probe(cfg: &BusConfig) -> io::Result<()> {
    use std::io::{Read, Write};
    use std::net::ToSocketAddrs;
    let addr = (cfg.host.as_str(), cfg.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host not found"))?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    s.set_read_timeout(Some(CONNECT_TIMEOUT))?;
    let mut out = cfg.auth_command().unwrap_or_default();
    out.extend_from_slice(&resp::command(&[b"PING"]));
    s.write_all(&out)?;
    let wanted = if cfg.password.is_some() { 2 } else { 1 };
    let mut buf = Vec::new();
    let mut got = 0;
    let mut chunk = [0u8; 512];
    while got < wanted {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some((reply, used)) = Reply::decode(&buf).map_err(io::Error::other)? {
            buf.drain(..used);
            if let Reply::Error(e) = reply {
                return Err(io::Error::other(String::from_utf8_lossy(&e).into_owned()));
            }
            got += 1;
        }
    }
    Ok(())
}

/// Connects and authenticates (tokio).
async fn connect(cfg: &BusConfig) -> io::Result<TcpStream> {
    let stream = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((cfg.host.as_str(), cfg.port)),
    )
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connection timed out"))??;
    stream.set_nodelay(true)?;
    let mut stream = stream;
    if let Some(auth) = cfg.auth_command() {
        stream.write_all(&auth).await?;
        let mut buf = BytesMut::with_capacity(256);
        loop {
            if stream.read_buf(&mut buf).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            match Reply::decode(&buf).map_err(io::Error::other)? {
                Some((Reply::Error(e), _)) => {
                    return Err(io::Error::other(format!(
                        "AUTH refused: {}",
                        String::from_utf8_lossy(&e)
                    )))
                }
                Some(_) => break,
                None => continue,
            }
        }
    }
    Ok(stream)
}

/// The next backoff after `d`.
fn next_backoff(d: Duration) -> Duration {
    (d * 2).min(BACKOFF_MAX)
}

/// Whether a publisher's link to Redis takes messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkState {
    /// First connection under way: messages are queued for it.
    Connecting,
    Up,
    /// Between attempts after a failure: publishes are refused.
    Down,
}

/// This process's sending end of the bus.
pub struct Publisher {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    shared: Rc<PublisherState>,
    pub node: u64,
}

struct PublisherState {
    state: Cell<LinkState>,
    backlog: Cell<usize>,
    last_error: RefCell<String>,
}

impl Publisher {
    /// Starts the publishing task on the current `LocalSet`.
    pub fn start(cfg: Arc<BusConfig>, node: u64) -> Rc<Publisher> {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Rc::new(PublisherState {
            state: Cell::new(LinkState::Connecting),
            backlog: Cell::new(0),
            last_error: RefCell::new(String::new()),
        });
        tokio::task::spawn_local(publisher_task(cfg, rx, shared.clone()));
        Rc::new(Publisher { tx, shared, node })
    }

    /// Queues `frame` for the other nodes. Err says why it will not reach
    /// them (the bus is down, or too far behind).
    pub fn publish(&self, target: Target<'_>, frame: &[u8]) -> Result<(), String> {
        match self.shared.state.get() {
            LinkState::Down => {
                return Err(format!(
                    "Redis unavailable ({})",
                    self.shared.last_error.borrow()
                ))
            }
            LinkState::Connecting | LinkState::Up => {}
        }
        if self.shared.backlog.get() > MAX_BACKLOG {
            return Err(format!(
                "more than {} MiB waiting for Redis",
                MAX_BACKLOG >> 20
            ));
        }
        let bytes = Envelope {
            origin: self.node,
            target,
            frame,
        }
        .encode();
        self.shared
            .backlog
            .set(self.shared.backlog.get() + bytes.len());
        self.tx
            .send(bytes)
            .map_err(|_| "the bus has stopped".to_string())
    }
}

async fn publisher_task(
    cfg: Arc<BusConfig>,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    st: Rc<PublisherState>,
) {
    let mut backoff = BACKOFF_FIRST;
    loop {
        let result = match connect(&cfg).await {
            Ok(stream) => {
                st.state.set(LinkState::Up);
                backoff = BACKOFF_FIRST;
                publish_session(&cfg, stream, &mut rx, &st).await
            }
            Err(e) => Err((e, 0)),
        };
        match result {
            Ok(()) => return, // every Publisher handle is gone
            Err((e, in_flight)) => {
                st.state.set(LinkState::Down);
                *st.last_error.borrow_mut() = format!("{}: {e}", cfg.url);
                if in_flight > 0 {
                    log::write(
                        log::Level::Warning,
                        true,
                        &format!(
                            "cluster: {in_flight} message(s) sent to Redis at {} just before the connection failed ({e}) may not have reached the other nodes",
                            cfg.url
                        ),
                    );
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = next_backoff(backoff);
    }
}

/// Writes queued messages as PUBLISH commands (everything queued goes in
/// one write) and counts Redis's replies. Ok when the queue closed; Err with
/// the number of messages written but not acknowledged.
async fn publish_session(
    cfg: &BusConfig,
    stream: TcpStream,
    rx: &mut mpsc::UnboundedReceiver<Vec<u8>>,
    st: &PublisherState,
) -> Result<(), (io::Error, usize)> {
    let (mut rd, mut wr) = stream.into_split();
    let mut in_flight = 0usize;
    let mut buf = BytesMut::with_capacity(1024);
    let mut out = Vec::new();
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let Some(first) = msg else { return Ok(()) };
                out.clear();
                let mut n = 0;
                let mut next = Some(first);
                while let Some(m) = next {
                    st.backlog.set(st.backlog.get().saturating_sub(m.len()));
                    out.extend_from_slice(&resp::command(&[b"PUBLISH", &cfg.channel, &m]));
                    n += 1;
                    next = if out.len() < 1 << 20 { rx.try_recv().ok() } else { None };
                }
                in_flight += n;
                if let Err(e) = wr.write_all(&out).await {
                    return Err((e, in_flight));
                }
            }
            read = rd.read_buf(&mut buf) => {
                match read {
                    Ok(0) => return Err((io::Error::new(io::ErrorKind::UnexpectedEof, "Redis closed the connection"), in_flight)),
                    Ok(_) => {}
                    Err(e) => return Err((e, in_flight)),
                }
                loop {
                    match Reply::decode(&buf) {
                        Ok(Some((reply, used))) => {
                            buf.advance(used);
                            in_flight = in_flight.saturating_sub(1);
                            if let Reply::Error(e) = reply {
                                log::write(log::Level::Warning, true, &format!(
                                    "cluster: Redis refused a PUBLISH: {}", String::from_utf8_lossy(&e)));
                            }
                        }
                        Ok(None) => break,
                        Err(e) => return Err((io::Error::other(e), in_flight)),
                    }
                }
            }
        }
    }
}

/// Receives what other nodes publish and delivers it to `rt`'s connections,
/// for as long as the runtime's event loop runs. `log_outages`: this task
/// speaks for the node in the log (one line when Redis goes away, one when
/// it is back).
pub async fn subscribe(
    cfg: Arc<BusConfig>,
    node: u64,
    rt: Rc<Server>,
    rooms: Option<&'static RoomMap>,
    log_outages: bool,
) {
    let mut backoff = BACKOFF_FIRST;
    let mut outage = false;
    loop {
        let mut came_up = false;
        let err = match connect(&cfg).await {
            Ok(stream) => {
                subscribe_session(&cfg, stream, node, &rt, rooms, &mut || {
                    came_up = true;
                    if outage && log_outages {
                        log::write(
                            log::Level::Notice,
                            true,
                            &format!("cluster: reconnected to Redis at {}", cfg.url),
                        );
                    }
                    outage = false;
                })
                .await
            }
            Err(e) => e,
        };
        if came_up {
            backoff = BACKOFF_FIRST;
        }
        if !outage {
            outage = true;
            if log_outages {
                log::write(
                    log::Level::Warning,
                    true,
                    &format!(
                        "cluster: Redis at {} unavailable ({err}); local delivery goes on, reconnecting",
                        cfg.url
                    ),
                );
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = next_backoff(backoff);
    }
}

/// One subscribed connection: returns why it ended.
async fn subscribe_session(
    cfg: &BusConfig,
    mut stream: TcpStream,
    node: u64,
    rt: &Server,
    rooms: Option<&'static RoomMap>,
    on_up: &mut dyn FnMut(),
) -> io::Error {
    if let Err(e) = stream
        .write_all(&resp::command(&[b"SUBSCRIBE", &cfg.channel]))
        .await
    {
        return e;
    }
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        match stream.read_buf(&mut buf).await {
            Ok(0) => {
                return io::Error::new(io::ErrorKind::UnexpectedEof, "Redis closed the connection")
            }
            Ok(_) => {}
            Err(e) => return e,
        }
        loop {
            let (reply, used) = match Reply::decode(&buf) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => return io::Error::other(e),
            };
            buf.advance(used);
            match reply {
                Reply::Array(items) => match items.first().and_then(Reply::as_bytes) {
                    Some(b"subscribe") => on_up(),
                    Some(b"message") => {
                        if let Some(payload) = items.get(2).and_then(Reply::as_bytes) {
                            deliver(payload, node, rt, rooms);
                        }
                    }
                    _ => {}
                },
                Reply::Error(e) => {
                    return io::Error::other(format!(
                        "SUBSCRIBE refused: {}",
                        String::from_utf8_lossy(&e)
                    ))
                }
                _ => {}
            }
        }
    }
}

/// Writes one message from another node to this runtime's connections.
fn deliver(payload: &[u8], node: u64, rt: &Server, rooms: Option<&'static RoomMap>) {
    let env = match Envelope::decode(payload) {
        Ok(e) => e,
        Err(e) => {
            log::write(
                log::Level::Warning,
                true,
                &format!("cluster: ignored a message on the channel: {e}"),
            );
            return;
        }
    };
    if env.origin == node {
        return;
    }
    let frame = Bytes::copy_from_slice(env.frame);
    match env.target {
        Target::Everyone => {
            rt.broadcast(&frame, &[]);
        }
        Target::Room(room) => {
            if let Some(rooms) = rooms {
                rt.multicast(&frame, &rooms.members(room));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_redis_addresses() {
        let c = BusConfig::new("redis://127.0.0.1:6380", b"app", false).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.password.as_deref()),
            ("127.0.0.1", 6380, None)
        );
        assert_eq!(c.url, "redis://127.0.0.1:6380");
        let c = BusConfig::new("redis://:secret@redis.local/0", b"app", true).unwrap();
        assert_eq!((c.host.as_str(), c.port), ("redis.local", 6379));
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (None, Some("secret"))
        );
        assert_eq!(
            c.url, "redis://***@redis.local",
            "the password is never shown"
        );
        assert_eq!(
            c.auth_command().unwrap(),
            resp::command(&[b"AUTH", b"secret"])
        );
        let c = BusConfig::new("redis://user:pw@[::1]:7000", b"app", false).unwrap();
        assert_eq!((c.host.as_str(), c.port), ("::1", 7000));
        assert_eq!(
            c.auth_command().unwrap(),
            resp::command(&[b"AUTH", b"user", b"pw"])
        );
        for bad in [
            "http://x",
            "redis://",
            "redis://h:port",
            "redis://h:70000",
            "redis://h/db",
            "h:6379",
        ] {
            assert!(BusConfig::new(bad, b"app", false).is_err(), "{bad}");
        }
        assert!(BusConfig::new("redis://h", b"", false).is_err());
    }

    #[test]
    fn reads_percent_encoded_passwords_and_the_database() {
        let c = BusConfig::new(
            "redis://us%40er:p%3Aw%2F%40d@10.0.0.5:6390/3",
            b"app",
            false,
        )
        .unwrap();
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("us@er"), Some("p:w/@d"))
        );
        assert_eq!((c.host.as_str(), c.port, c.db), ("10.0.0.5", 6390, 3));
        assert_eq!(c.url, "redis://***@10.0.0.5:6390");
        let c = BusConfig::new("redis://secret@h", b"app", false).unwrap();
        assert_eq!((c.username, c.password.as_deref()), (None, Some("secret")));
        let c = BusConfig::new("redis://[::1]/0", b"app", false).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.db, c.url.as_str()),
            ("::1", 6379, 0, "redis://[::1]")
        );
        let e = BusConfig::new("redis://:hunter2@h:99999", b"app", false).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = BusConfig::new("redis:/:hunter2@h", b"app", false).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        // '#' is part of a password, as it always was; an empty password
        // is still sent.
        let c = BusConfig::new("redis://u:pa#ss@h", b"app", false).unwrap();
        assert_eq!(
            (
                c.username.as_deref(),
                c.password.as_deref(),
                c.host.as_str()
            ),
            (Some("u"), Some("pa#ss"), "h")
        );
        let c = BusConfig::new("redis://user:@h", b"app", false).unwrap();
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("user"), Some(""))
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut d = BACKOFF_FIRST;
        let mut seen = vec![];
        for _ in 0..8 {
            seen.push(d.as_millis());
            d = next_backoff(d);
        }
        assert_eq!(seen, vec![100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    }

    #[test]
    fn node_ids_differ() {
        assert_ne!(new_node_id(), new_node_id());
    }

    #[test]
    fn probe_reports_a_closed_port() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let c = BusConfig::new(&format!("redis://127.0.0.1:{port}"), b"app", true).unwrap();
        assert!(probe(&c).is_err());
    }

    #[test]
    fn probe_speaks_resp_to_a_fake_redis() {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut got = Vec::new();
            let mut chunk = [0u8; 256];
            while !got.ends_with(b"PING\r\n") {
                let n = s.read(&mut chunk).unwrap();
                assert!(n > 0);
                got.extend_from_slice(&chunk[..n]);
            }
            s.write_all(b"+OK\r\n+PONG\r\n").unwrap();
            got
        });
        let c = BusConfig::new(&format!("redis://:pw@127.0.0.1:{port}"), b"app", true).unwrap();
        probe(&c).unwrap();
        let sent = server.join().unwrap();
        let mut want = resp::command(&[b"AUTH", b"pw"]);
        want.extend_from_slice(&resp::command(&[b"PING"]));
        assert_eq!(sent, want);
    }
}
