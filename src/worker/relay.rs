//! SWOOLE_PROCESS: the master's side of the relay.
//!
//! The master owns every connection: it accepts, parses HTTP, does the
//! built-in WebSocket handshake, assembles messages, answers pings and runs
//! the close handshake, exactly as a single-process server does. Instead of
//! calling PHP, its [`EventHandler`] is a [`RelayHandler`], which sends each
//! event to a worker process (chosen by `dispatch_mode`) as a
//! [`Message::Relay`]. What workers send back (bytes to write, closes,
//! finished responses) is applied by the master's inbox loop.
//!
//! Because the sockets and the protocol state stay in the master, a worker
//! that dies loses nothing but the event it was running: its connections
//! stay open, and the events queued in its inbox wait for the respawned
//! worker.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::ipc::{ConnInfo, Endpoint, Message, RelayEvent};
use crate::protocol::http::Request;
use crate::protocol::message::Event;
use crate::runtime::http2::H2Answer;
use crate::runtime::port::DatagramFrom;
use crate::runtime::shared::SharedTable;
use crate::runtime::{self, Connection, ConnectionTable, EventHandler};

/// How the master reaches the workers.
pub trait WorkerLink {
    /// Queues `msg` for event worker `worker`.
    fn send_to(&self, worker: usize, msg: &Message) -> bool;
    /// How many event workers there are.
    fn workers(&self) -> usize;
    /// Whether the worker is waiting for work (for `dispatch_mode` 3).
    fn is_idle(&self, worker: usize) -> bool;
}

/// Which callbacks the script set (decided once, in the master).
#[derive(Debug, Clone, Copy, Default)]
pub struct Callbacks {
    pub connect: bool,
    pub request: bool,
    pub handshake: bool,
    /// Whether a close is dispatched to a worker as an event. Not where
    /// Swoole's `disable_notify` holds (SWOOLE_PROCESS with dispatch_mode
    /// 1/3/5 without `enable_unsafe_event`): a close then takes no turn of
    /// the round robin, and only forgets the connection in every worker.
    pub close_event: bool,
}

/// `package_length_func` for the master's connections: the script's
/// function, run on the master's PHP thread (so a server with one has one
/// reactor, as Swoole's does).
pub type LengthFunc = Box<dyn Fn(&Rc<Connection>, &[u8]) -> i64>;

/// What the script's `dispatch_func` decided for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// This worker runs it.
    Worker(usize),
    /// Swoole's -1 (and a bad answer): the event is dropped.
    Discard,
    /// -2: meant to close the connection; Swoole 6.2.2 drops the event
    /// and leaves the connection open, and so does this.
    Close,
    /// -3: `dispatch_mode` decides.
    Fallback,
}

impl Dispatch {
    /// The script's answer as Swoole reads it (`workers`: the event
    /// worker count; an id past it is a bad answer).
    pub fn from_answer(answer: Option<i64>, workers: usize) -> Dispatch {
        match answer {
            Some(-2) => Dispatch::Close,
            Some(-3) => Dispatch::Fallback,
            Some(id) if id >= 0 && (id as u64) < workers as u64 => Dispatch::Worker(id as usize),
            _ => Dispatch::Discard,
        }
    }
}

/// Swoole's event types as `dispatch_func` sees them
/// (`SW_SERVER_EVENT_*`).
pub mod event_type {
    pub const RECV_DATA: i64 = 0;
    pub const CLOSE: i64 = 4;
    pub const CONNECT: i64 = 5;
}

/// The worker that every event of connection `session` goes to, for the
/// dispatch modes that hash: 4 (IPMOD) by the client's address (an IPv4
/// address as a number, modulo the workers, as Swoole computes it), so
/// every connection from one address meets the same worker; 5 (UIDMOD) by
/// the uid `bind()` set, by session until then; any other by session
/// (2, FDMOD).
pub fn hashed_worker(
    dispatch_mode: i64,
    session: i64,
    peer: std::net::IpAddr,
    uid: u32,
    workers: usize,
) -> usize {
    let n = workers.max(1) as u64;
    let key = match dispatch_mode {
        4 => match peer {
            std::net::IpAddr::V4(v4) => u64::from(u32::from(v4)),
            // Swoole hashes the whole IPv6 socket address; any stable hash
            // of the address keeps the rule (one address, one worker).
            std::net::IpAddr::V6(v6) => v6
                .octets()
                .iter()
                .fold(5381u64, |h, &b| h.wrapping_mul(33) ^ u64::from(b)),
        },
        5 if uid != 0 => u64::from(uid),
        _ => session.unsigned_abs(),
    };
    (key % n) as usize
}

/// Where `close()`/`disconnect()` of a SWOOLE_PROCESS worker runs onClose
/// (Swoole's `ProcessFactory::end`): with a dispatch mode that hashes a
/// connection to one worker (2, 4, 8) in that worker, so `Some` of it;
/// with the others (1, 3, 5, 6, 7) in whichever event worker closes
/// (None). It runs inside the call, before the close reaches the master.
pub fn close_runs_in(
    dispatch_mode: i64,
    session: i64,
    peer: std::net::IpAddr,
    uid: u32,
    workers: usize,
) -> Option<usize> {
    hashes_connections(dispatch_mode)
        .then(|| hashed_worker(dispatch_mode, session, peer, uid, workers))
}

/// Whether `dispatch_mode` sends every event of a connection to one
/// worker (Swoole's hash modes: 2 FDMOD, 4 IPMOD, 8 CO_CONN_LB). With the
/// others SWOOLE_PROCESS cannot keep a connection's events in order, so
/// Swoole drops onConnect and onClose unless `enable_unsafe_event`.
pub fn hashes_connections(dispatch_mode: i64) -> bool {
    matches!(dispatch_mode, 2 | 4 | 8)
}

/// `dispatch_func($server, $fd, $type, $data)`: the script picks the
/// worker; run on the master's PHP thread, like [`LengthFunc`].
pub type DispatchFunc = Box<dyn Fn(i64, i64, &[u8]) -> Dispatch>;

pub struct RelayHandler<L: WorkerLink> {
    link: Rc<L>,
    dispatch_mode: i64,
    callbacks: Callbacks,
    next: Cell<usize>,
    length_func: Option<LengthFunc>,
    dispatch_func: Option<DispatchFunc>,
}

/// What a worker needs to know about `conn`.
pub fn conn_info(conn: &Connection) -> ConnInfo {
    ConnInfo {
        peer: conn.peer,
        local: conn.local,
        socket_fd: conn.socket_fd,
        server_fd: conn.server_fd,
        ws_status: conn.ws_status(),
        deflate: conn.deflate().map(|a| {
            (
                a.client_no_context_takeover(),
                a.server_no_context_takeover(),
                a.server_window_bits,
                a.client_window_bits,
            )
        }),
    }
}

impl<L: WorkerLink> RelayHandler<L> {
    pub fn new(link: Rc<L>, dispatch_mode: i64, callbacks: Callbacks) -> Self {
        RelayHandler {
            link,
            dispatch_mode,
            callbacks,
            next: Cell::new(0),
            length_func: None,
            dispatch_func: None,
        }
    }

    /// Lets the script's `dispatch_func` pick workers (main reactor only).
    pub fn with_dispatch_func(mut self, f: DispatchFunc) -> Self {
        self.dispatch_func = Some(f);
        self
    }

    /// The worker for an event, the script's `dispatch_func` first: None
    /// when it discards the event.
    fn choose(&self, conn: &Connection, event_type: i64, data: &[u8]) -> Option<usize> {
        let Some(f) = &self.dispatch_func else {
            return Some(self.pick_for(conn));
        };
        match f(conn.id, event_type, data) {
            Dispatch::Worker(w) => Some(w),
            Dispatch::Fallback => Some(self.pick_for(conn)),
            Dispatch::Discard => None,
            // Swoole 6.2.2 drops the event and leaves the connection
            // open (its close is a TODO there).
            Dispatch::Close => None,
        }
    }

    /// Frames with the script's `package_length_func` (main reactor only).
    pub fn with_length_func(mut self, f: LengthFunc) -> Self {
        self.length_func = Some(f);
        self
    }

    /// The worker for an event of `session` (Swoole's dispatch modes: 1
    /// round robin, 3 the first idle worker, otherwise 2: fd modulo).
    pub fn pick(&self, session: i64) -> usize {
        let n = self.link.workers().max(1);
        let round_robin = || {
            let w = self.next.get() % n;
            self.next.set((w + 1) % n);
            w
        };
        match self.dispatch_mode {
            1 => round_robin(),
            3 => {
                let start = self.next.get();
                match (0..n)
                    .map(|i| (start + i) % n)
                    .find(|&w| self.link.is_idle(w))
                {
                    Some(w) => {
                        self.next.set((w + 1) % n);
                        w
                    }
                    None => round_robin(),
                }
            }
            _ => (session.unsigned_abs() % n as u64) as usize,
        }
    }

    /// The worker for an event of `conn`: with `dispatch_mode` 4 (IPMOD)
    /// or 5 (UIDMOD) see [`hashed_worker`]; otherwise
    /// [`RelayHandler::pick`].
    pub fn pick_for(&self, conn: &Connection) -> usize {
        if matches!(self.dispatch_mode, 4 | 5) {
            return hashed_worker(
                self.dispatch_mode,
                conn.id,
                conn.peer.ip(),
                conn.uid(),
                self.link.workers(),
            );
        }
        self.pick(conn.id)
    }

    /// Sends `event` to the worker chosen for it; false when the script's
    /// `dispatch_func` discarded it.
    fn relay(&self, conn: &Connection, event: RelayEvent) -> bool {
        let (event_type, data): (i64, &[u8]) = match &event {
            RelayEvent::Connect => (event_type::CONNECT, b""),
            RelayEvent::Receive(data) => (event_type::RECV_DATA, data),
            RelayEvent::Message(Event::Message { payload, .. }) => (event_type::RECV_DATA, payload),
            RelayEvent::Request(r) | RelayEvent::Handshake(r) | RelayEvent::Open(r) => {
                (event_type::RECV_DATA, &r.body)
            }
            RelayEvent::Message(_) => (event_type::RECV_DATA, b""),
            RelayEvent::Close { .. } => (event_type::CLOSE, b""),
        };
        let Some(worker) = self.choose(conn, event_type, data) else {
            return false;
        };
        self.link.send_to(
            worker,
            &Message::Relay {
                session: conn.id,
                info: conn_info(conn),
                event,
            },
        )
    }
}

impl<L: WorkerLink> EventHandler for RelayHandler<L> {
    fn on_connect(&self, conn: &Rc<Connection>) {
        if self.callbacks.connect {
            self.relay(conn, RelayEvent::Connect);
        }
    }

    /// The stream stays here, in the reactor whose `h2` connection it
    /// belongs to; the worker's answer comes back as steps
    /// ([`super::h2_relay`]).
    fn on_h2_request(&self, conn: &Rc<Connection>, req: Request, stream: Rc<dyn H2Answer>) {
        super::h2_relay::hold(conn.id, stream.clone());
        if !self.relay(conn, RelayEvent::Request(req)) {
            // Discarded by dispatch_func: nobody will answer it.
            super::h2_relay::forget_session_stream(conn.id, stream.stream_id());
            stream.reset();
        }
    }

    fn has_request_handler(&self, _conn: &Connection) -> bool {
        self.callbacks.request
    }

    fn on_request(&self, conn: &Rc<Connection>, req: Request) {
        self.relay(conn, RelayEvent::Request(req));
    }

    fn has_handshake_handler(&self, _conn: &Connection) -> bool {
        self.callbacks.handshake
    }

    fn on_handshake(&self, conn: &Rc<Connection>, req: Request) {
        self.relay(conn, RelayEvent::Handshake(req));
    }

    fn on_open(&self, conn: &Rc<Connection>, req: Request) {
        self.relay(conn, RelayEvent::Open(req));
    }

    fn on_message(&self, conn: &Rc<Connection>, event: Event) {
        self.relay(conn, RelayEvent::Message(event));
    }

    fn on_receive(&self, conn: &Rc<Connection>, data: Bytes) {
        self.relay(conn, RelayEvent::Receive(data));
    }

    /// A datagram goes to one worker, the same for every datagram from one
    /// sender (its address hashed) so that a client's packets keep order.
    fn on_packet(&self, server_fd: i32, data: Bytes, from: DatagramFrom) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        from.hash(&mut h);
        let worker = (h.finish() % self.link.workers().max(1) as u64) as usize;
        self.link.send_to(
            worker,
            &Message::Packet {
                server_fd,
                from,
                data: data.to_vec(),
            },
        );
    }

    fn package_length(&self, conn: &Rc<Connection>, data: &[u8]) -> i64 {
        self.length_func.as_ref().map_or(-1, |f| f(conn, data))
    }

    fn on_close(&self, conn: &Rc<Connection>, reactor_id: i32) {
        super::h2_relay::forget_session(conn.id);
        // A worker that closed the connection itself ran onClose already
        // (it claimed it in the shared table); else the callback is
        // claimed here for the worker this goes to.
        let claimed = conn
            .shared_slot()
            .is_none_or(|(t, idx)| t.claim_close_at(idx, conn.id));
        // A discarded close still forgets the connection everywhere.
        let worker = if self.callbacks.close_event {
            self.choose(conn, event_type::CLOSE, b"")
        } else {
            None
        };
        let info = conn_info(conn);
        // With fd or address hashing only that worker ever saw the
        // connection; otherwise every worker may hold a mirror of it.
        let spread = self.dispatch_func.is_some() || !matches!(self.dispatch_mode, 2 | 4);
        for w in 0..self.link.workers() {
            if Some(w) != worker && !spread {
                continue;
            }
            self.link.send_to(
                w,
                &Message::Relay {
                    session: conn.id,
                    info: info.clone(),
                    event: RelayEvent::Close {
                        reactor_id,
                        callback: claimed && Some(w) == worker,
                    },
                },
            );
        }
    }
}

/// A [`WorkerLink`] over an inbox [`Endpoint`].
pub struct EndpointLink {
    pub ep: Rc<Endpoint>,
    pub shared: &'static SharedTable,
    pub workers: usize,
}

impl WorkerLink for EndpointLink {
    fn send_to(&self, worker: usize, msg: &Message) -> bool {
        self.ep.send(worker, msg)
    }
    fn workers(&self) -> usize {
        self.workers
    }
    fn is_idle(&self, worker: usize) -> bool {
        // Swoole's SWOOLE_WORKER_IDLE.
        self.shared.worker_status(worker) == 2
    }
}

/// Applies what a worker sent back to one of this reactor's connections:
/// bytes to write, a push to frame, a close, a finished response.
pub fn apply(rt: &runtime::Server, msg: Message) {
    let Some(msg) = super::push::apply_forwarded(rt, msg) else {
        return;
    };
    match msg {
        Message::ResponseDone { session, ws_status } => {
            if let Some(conn) = rt.table.get(session) {
                if !conn.is_closing() && ws_status != conn.ws_status() {
                    conn.set_ws_status(ws_status);
                }
                conn.finish_response();
            }
        }
        Message::Broadcast { frame, exclude } => {
            rt.broadcast(&Bytes::from(frame), &exclude);
        }
        Message::Multicast { frame, sessions } => {
            rt.multicast(&Bytes::from(frame), &sessions);
        }
        Message::H2 {
            session,
            stream_id,
            step,
        } => super::h2_relay::apply(session, stream_id, step),
        // Worker-to-worker messages never reach a reactor.
        _ => {}
    }
}

/// Reads a reactor's inbox and applies what the workers send, for as long
/// as the reactor's event loop runs.
pub async fn reactor_inbox(ep: Rc<Endpoint>, rt: Rc<runtime::Server>) {
    let Some(afd) = ep.readable_inbox() else {
        return;
    };
    loop {
        let Ok(mut guard) = afd.readable().await else {
            return;
        };
        let messages = ep.read();
        if messages.is_empty() {
            guard.clear_ready();
        }
        for m in messages {
            match m {
                Ok((_, msg)) => {
                    runtime::panic::contain("applying a worker's message", || apply(&rt, msg))
                }
                Err(e) => runtime::log::write(runtime::log::Level::Warning, true, &e.to_string()),
            }
        }
    }
}

/// Everything an extra reactor thread of the master needs (all `Send`).
pub struct ReactorSpec {
    /// This reactor's inbox index.
    pub inbox: u32,
    pub fds: (Vec<std::os::fd::OwnedFd>, Vec<std::os::fd::OwnedFd>),
    /// The server's ports (each socket duplicated for this thread).
    pub listeners: Vec<runtime::port::Listener>,
    pub settings: runtime::Settings,
    pub shared: &'static SharedTable,
    pub workers: usize,
    pub dispatch_mode: i64,
    pub callbacks: Callbacks,
    /// Set by the main thread when the server shuts down.
    pub stop: Arc<AtomicBool>,
    /// The node's rooms and cluster bus.
    pub node: Option<runtime::node::Node>,
}

/// An extra reactor thread of the master (`reactor_num` > 1): accepts on
/// the shared listening socket and serves its connections exactly as the
/// main thread does, relaying their events. No PHP runs here.
pub fn run_reactor(spec: ReactorSpec) {
    let ep = Rc::new(Endpoint::with_fds(spec.fds.0, spec.fds.1, spec.inbox));
    let table = ConnectionTable::with_shared(spec.shared, spec.inbox);
    let server = super::lifecycle::server(spec.settings, Some(table));
    let relay = Rc::new(RelayHandler::new(
        Rc::new(EndpointLink {
            ep: ep.clone(),
            shared: spec.shared,
            workers: spec.workers,
        }),
        spec.dispatch_mode,
        spec.callbacks,
    ));
    // No signals here: the main reactor catches them and raises `stop`.
    let watcher = server.clone();
    let stop = spec.stop.clone();
    let stop_watcher = async move {
        while !stop.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        watcher.begin_shutdown();
    };
    let serve = super::lifecycle::Serve {
        role: super::lifecycle::Role::Reactor,
        server: server.clone(),
        listeners: spec.listeners,
        handler: relay,
        tasks: vec![
            Box::pin(reactor_inbox(ep.clone(), server)),
            Box::pin(stop_watcher),
        ],
        signals: &[],
        on_signal: Box::new(|_| false),
    };
    if let Err(e) = super::lifecycle::run(serve, &ReactorScript(spec.node)) {
        runtime::log::write(runtime::log::Level::Error, false, &format!("reactor: {e}"));
    }
    // Events relayed in the last turn of the loop still reach the workers.
    ep.flush_all_blocking();
}

/// A reactor thread runs no PHP: it only attaches the cluster node to its
/// connections.
struct ReactorScript(Option<runtime::node::Node>);

impl super::lifecycle::Script for ReactorScript {
    fn call(&self, _event: super::lifecycle::Event) -> bool {
        false
    }
    fn aborted(&self) -> bool {
        false
    }
    fn attach(&self, rt: &Rc<runtime::Server>, owner: bool, speaker: bool) {
        if let Some(node) = self.0.as_ref().filter(|_| owner) {
            node.attach_owner(rt, speaker);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Recorder {
        n: usize,
        idle: Vec<bool>,
        sent: RefCell<Vec<(usize, Message)>>,
    }

    impl WorkerLink for Recorder {
        fn send_to(&self, worker: usize, msg: &Message) -> bool {
            self.sent.borrow_mut().push((worker, msg.clone()));
            true
        }
        fn workers(&self) -> usize {
            self.n
        }
        fn is_idle(&self, worker: usize) -> bool {
            self.idle[worker]
        }
    }

    fn handler(mode: i64, idle: Vec<bool>) -> RelayHandler<Recorder> {
        handler_with(
            mode,
            idle,
            Callbacks {
                close_event: true,
                ..Callbacks::default()
            },
        )
    }

    fn handler_with(mode: i64, idle: Vec<bool>, callbacks: Callbacks) -> RelayHandler<Recorder> {
        let link = Rc::new(Recorder {
            n: idle.len(),
            idle,
            sent: RefCell::new(Vec::new()),
        });
        RelayHandler::new(link, mode, callbacks)
    }

    /// Where Swoole's `disable_notify` holds, a close takes no turn of the
    /// round robin (data keeps going to the workers in turn) and only
    /// forgets the connection in every worker, with no callback.
    #[test]
    fn a_close_without_an_event_takes_no_round_robin_turn() {
        let h = handler_with(1, vec![true; 3], Callbacks::default());
        assert_eq!(h.pick(1), 0);
        let a: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        let conn = Rc::new(Connection::new(1, a, a, 9, 3, 1024));
        h.on_close(&conn, -1);
        assert_eq!(close_events(&h), [(0, false), (1, false), (2, false)]);
        assert_eq!(h.pick(2), 1, "the close took no turn");
    }

    #[test]
    fn dispatch_modes() {
        let h = handler(2, vec![true; 4]);
        assert_eq!(
            (1..=6).map(|s| h.pick(s)).collect::<Vec<_>>(),
            [1, 2, 3, 0, 1, 2]
        );
        let h = handler(1, vec![true; 3]);
        assert_eq!(
            (0..5).map(|_| h.pick(7)).collect::<Vec<_>>(),
            [0, 1, 2, 0, 1]
        );
        let h = handler(3, vec![false, false, true, false]);
        assert_eq!(h.pick(1), 2);
        assert_eq!(h.pick(1), 2);
        let h = handler(3, vec![false; 2]);
        assert_eq!((0..3).map(|_| h.pick(1)).collect::<Vec<_>>(), [0, 1, 0]);
        // IPMOD: the address as a number modulo the workers, whatever the
        // session.
        let h = handler(4, vec![true; 3]);
        let conn = |id, addr: &str| {
            let a: std::net::SocketAddr = addr.parse().unwrap();
            Connection::new(id, a, a, 9, 3, 1024)
        };
        // 127.0.0.1 = 2130706433 = 3 * 710235477 + 2.
        assert_eq!(h.pick_for(&conn(1, "127.0.0.1:1000")), 2);
        assert_eq!(h.pick_for(&conn(2, "127.0.0.1:2000")), 2);
        assert_eq!(h.pick_for(&conn(3, "127.0.0.2:2000")), 0);
        let v6 = h.pick_for(&conn(4, "[::1]:1"));
        assert_eq!(h.pick_for(&conn(5, "[::1]:2")), v6);
        // UIDMOD: by fd until bound, then by uid, whatever the fd.
        let h = handler(5, vec![true; 3]);
        let c = conn(7, "127.0.0.1:1");
        assert_eq!(h.pick_for(&c), 1);
        assert!(c.bind_uid(11));
        assert!(!c.bind_uid(12), "bound once");
        assert_eq!(h.pick_for(&c), 2);
    }

    #[test]
    fn dispatch_func_answers_as_swoole_reads_them() {
        assert_eq!(Dispatch::from_answer(Some(1), 2), Dispatch::Worker(1));
        assert_eq!(Dispatch::from_answer(Some(2), 2), Dispatch::Discard);
        assert_eq!(Dispatch::from_answer(Some(-1), 2), Dispatch::Discard);
        assert_eq!(Dispatch::from_answer(None, 2), Dispatch::Discard);
        assert_eq!(Dispatch::from_answer(Some(-2), 2), Dispatch::Close);
        assert_eq!(Dispatch::from_answer(Some(-3), 2), Dispatch::Fallback);
        // The function sees the event type and data; its answer routes.
        let h = handler(2, vec![true; 3]).with_dispatch_func(Box::new(|_, ty, data| {
            match (ty, data) {
                (event_type::RECV_DATA, b"two") => Dispatch::Worker(2),
                (event_type::RECV_DATA, b"drop") => Dispatch::Discard,
                _ => Dispatch::Fallback,
            }
        }));
        let a: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        let conn = Rc::new(Connection::new(4, a, a, 9, 3, 1024));
        h.on_receive(&conn, Bytes::from_static(b"two"));
        h.on_receive(&conn, Bytes::from_static(b"drop"));
        h.on_receive(&conn, Bytes::from_static(b"x"));
        let sent: Vec<usize> = h.link.sent.borrow().iter().map(|(w, _)| *w).collect();
        assert_eq!(sent, [2, 1], "4 % 3 on fallback; the dropped one nowhere");
    }

    #[test]
    fn close_reaches_every_worker_that_may_hold_the_connection() {
        let a: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        let conn = Rc::new(Connection::new(5, a, a, 9, 3, 1024));
        let h = handler(2, vec![true; 3]);
        h.on_close(&conn, 0);
        let sent = h.link.sent.borrow();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, 2);
        let h = handler(1, vec![true; 3]);
        h.on_close(&conn, -1);
        assert_eq!(close_events(&h), [(0, true), (1, false), (2, false)]);
    }

    fn close_events(h: &RelayHandler<Recorder>) -> Vec<(usize, bool)> {
        h.link
            .sent
            .borrow()
            .iter()
            .map(|(w, m)| match m {
                Message::Relay {
                    event: RelayEvent::Close { callback, .. },
                    ..
                } => (*w, *callback),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_close_a_worker_claimed_is_relayed_without_its_callback() {
        let shared = crate::runtime::shared::SharedTable::create(8).unwrap();
        let table = crate::runtime::ConnectionTable::with_shared(shared, 2);
        let a: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        let open = |table: &crate::runtime::ConnectionTable| {
            let conn = Rc::new(Connection::new(table.next_id(), a, a, 9, 3, 1024));
            assert!(table.insert(conn.clone()));
            conn
        };
        let h = handler(2, vec![true; 2]);
        let conn = open(&table);
        h.on_close(&conn, 0);
        assert_eq!(close_events(&h), [(1, true)], "session 1: worker 1");
        assert!(!shared.claim_close(conn.id), "the master claimed it");
        let h = handler(2, vec![true; 2]);
        let conn = open(&table);
        assert!(shared.claim_close(conn.id), "a worker's close()");
        h.on_close(&conn, -1);
        assert_eq!(close_events(&h), [(0, false)], "the mirror still goes");
    }

    #[test]
    fn close_runs_in_the_hashed_worker_or_in_the_caller() {
        let v4: std::net::IpAddr = "10.0.0.3".parse().unwrap();
        assert_eq!(close_runs_in(2, 5, v4, 0, 2), Some(1));
        assert_eq!(close_runs_in(8, 6, v4, 0, 4), Some(2));
        assert_eq!(close_runs_in(4, 5, v4, 0, 2), Some(1), "by address");
        assert_eq!(hashed_worker(4, 6, v4, 0, 4), 3);
        for mode in [1, 3, 5, 6, 7] {
            assert_eq!(close_runs_in(mode, 5, v4, 0, 2), None, "{mode}");
        }
        assert_eq!(hashed_worker(5, 5, v4, 8, 3), 2, "by uid");
        assert_eq!(hashed_worker(5, 5, v4, 0, 3), 2, "by session until bound");
        assert_eq!(hashed_worker(2, 5, v4, 0, 0), 0, "no workers: no panic");
    }
}
