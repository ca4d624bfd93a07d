//! The processes of a multi-process server as one of them sees them: the
//! shared connection table, every process's inbox, which worker this is,
//! and the state that crosses processes (tasks in flight, responses the
//! master waits for, mirrors of the master's connections).
//!
//! No PHP values live here (the PHP layer keeps its task callbacks
//! itself), so everything below is reachable by `cargo test`.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::rc::Rc;
use std::time::Instant;

use tokio::sync::Notify;

use super::ipc::{self, Endpoint, Message};
use super::manager::PoolConfig;
use super::process;
use crate::runtime::shared::SharedTable;
use crate::runtime::{self, log};

/// Swoole's worker states (`getWorkerStatus()`).
pub const WORKER_BUSY: u32 = 1;
pub const WORKER_IDLE: u32 = 2;
pub const WORKER_EXIT: u32 = 3;

/// Where a task came from, as its task worker answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskOrigin {
    pub task_id: i64,
    /// The sending process's worker id.
    pub from: u32,
    /// Whether the sender takes a result (an event worker does; the
    /// manager, the master and `addProcess()` processes do not).
    pub reply: bool,
}

/// The processes of a multi-process server, as this process sees them.
pub struct Cluster {
    pub shared: &'static SharedTable,
    pub event_workers: usize,
    pub task_workers: usize,
    /// Processes `addProcess()` added: ids after the task workers (as
    /// Swoole numbers them), each with an inbox of its own.
    pub user_processes: usize,
    /// SWOOLE_PROCESS: the master owns the connections; its inbox comes
    /// after the workers' and its "worker id" is that index.
    pub process_mode: bool,
    /// SWOOLE_PROCESS: how many reactor threads (inboxes) the master has.
    pub reactors: usize,
    /// This process's worker id; -1 in the manager.
    pub worker_id: Cell<i64>,
    /// SWOOLE_PROCESS worker: sessions whose HTTP response (or custom
    /// handshake) the master waits for.
    pub responses: RefCell<HashSet<i64>>,
    /// This process's end of the inboxes.
    pub ep: Rc<Endpoint>,
    /// Messages read while taskwait() waited for its result.
    pub backlog: RefCell<VecDeque<(u32, Message)>>,
    pub backlog_wake: Notify,
    next_task_id: Cell<i64>,
    /// taskwait() ids that timed out: their late results are dropped.
    pub abandoned: RefCell<HashSet<i64>>,
    /// In a task worker, inside onTask: the task `finish()` answers, and
    /// whether it did (a waiting sender takes one result).
    pub current_task: Cell<Option<TaskOrigin>>,
    pub finished: Cell<bool>,
    next_task_worker: Cell<usize>,
}

thread_local! {
    static CLUSTER: RefCell<Option<Rc<Cluster>>> = const { RefCell::new(None) };
}

/// The cluster this process belongs to, if the server runs several
/// processes.
pub fn cluster() -> Option<Rc<Cluster>> {
    CLUSTER.with(|c| c.borrow().clone())
}

/// [`cluster`], safe to call while this thread's locals are being torn
/// down (from a destructor): None then.
pub fn try_cluster() -> Option<Rc<Cluster>> {
    CLUSTER
        .try_with(|c| c.try_borrow().ok().and_then(|c| c.clone()))
        .ok()
        .flatten()
}

/// True in a worker process of a multi-process server (not the manager,
/// not a PROCESS-mode master).
pub fn is_worker_process() -> bool {
    cluster().is_some_and(|c| c.is_worker())
}

/// True in a SWOOLE_PROCESS worker: connections belong to the master.
pub fn is_process_worker() -> bool {
    cluster().is_some_and(|c| c.process_mode && c.is_worker())
}

impl Cluster {
    /// A worker (event or task), not the manager or the PROCESS master.
    pub fn is_worker(&self) -> bool {
        let id = self.worker_id.get();
        id >= 0 && (id as usize) < self.total()
    }

    /// A new task id (per process: results come back to the sender).
    pub fn next_task_id(&self) -> i64 {
        let id = self.next_task_id.get();
        self.next_task_id.set(id + 1);
        id
    }

    pub fn total(&self) -> usize {
        self.event_workers + self.task_workers + self.user_processes
    }

    /// Event and task workers (what a reload restarts).
    pub fn core_workers(&self) -> usize {
        self.event_workers + self.task_workers
    }

    /// Whether `id` is one of `addProcess()`'s processes.
    pub fn is_user_process(&self, id: usize) -> bool {
        id >= self.core_workers() && id < self.total()
    }

    /// The inbox of the master's main reactor (SWOOLE_PROCESS); reactor
    /// thread r reads inbox `master() + r`.
    pub fn master(&self) -> usize {
        self.total()
    }

    /// An event worker: the processes that may wait for a task's result.
    pub fn is_event_worker(&self) -> bool {
        let id = self.worker_id.get();
        id >= 0 && id < self.event_workers as i64
    }

    pub fn is_task_worker(&self) -> bool {
        let id = self.worker_id.get();
        id >= self.event_workers as i64 && id < self.core_workers() as i64
    }

    pub fn my_id(&self) -> u32 {
        self.worker_id.get().max(0) as u32
    }

    /// Sends `msg` to inbox `dest` (see [`Endpoint::send`]).
    pub fn send(&self, dest: usize, msg: &Message) -> bool {
        self.ep.send(dest, msg)
    }

    /// Reads every complete message waiting in this worker's inbox.
    pub fn read_inbox(&self) -> Vec<(u32, Message)> {
        self.ep
            .read()
            .into_iter()
            .filter_map(|m| {
                m.map_err(|e| log::write(log::Level::Warning, true, &e.to_string()))
                    .ok()
            })
            .collect()
    }

    /// Reads this process's inbox for as long as the event loop runs,
    /// handing each message to `handle` (messages put aside by a
    /// `taskwait()` first).
    ///
    /// `idle` runs whenever the messages at hand are handled, before it
    /// waits for more (the handler may hold back what a batch of messages
    /// asked for until then).
    pub async fn serve_inbox(&self, mut handle: impl FnMut(u32, Message), mut idle: impl FnMut()) {
        let Some(afd) = self.ep.readable_inbox() else {
            return;
        };
        loop {
            loop {
                let next = self.backlog.borrow_mut().pop_front();
                let Some((from, msg)) = next else { break };
                handle(from, msg);
            }
            idle();
            tokio::select! {
                ready = afd.readable() => {
                    let Ok(mut guard) = ready else { return };
                    let messages = self.read_inbox();
                    if messages.is_empty() {
                        guard.clear_ready();
                    }
                    for (from, msg) in messages {
                        handle(from, msg);
                    }
                    idle();
                }
                _ = self.backlog_wake.notified() => {}
            }
        }
    }

    /// `taskwait()`: blocks (the event loop with it) until task `task_id`'s
    /// result arrives or `deadline` passes. Other messages read meanwhile
    /// are kept, in order, for the inbox loop; a result that comes too late
    /// will be dropped.
    pub fn wait_for_finish(&self, task_id: i64, deadline: Instant) -> Option<(Vec<u8>, bool)> {
        let rx = self.ep.inbox_fd()?;
        let mut result = None;
        loop {
            for (from, msg) in self.read_inbox() {
                match msg {
                    Message::Finish {
                        task_id: id,
                        data,
                        serialized,
                    } if id == task_id && result.is_none() => result = Some((data, serialized)),
                    other => self.backlog.borrow_mut().push_back((from, other)),
                }
            }
            if result.is_some() {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            ipc::poll_fd(rx, false, left.as_millis().clamp(1, 100) as i32);
        }
        if !self.backlog.borrow().is_empty() {
            self.backlog_wake.notify_one();
        }
        if result.is_none() {
            self.abandoned.borrow_mut().insert(task_id);
        }
        result
    }

    /// Picks a task worker: the one asked for, else the next idle one.
    pub fn pick_task_worker(&self, index: i64) -> usize {
        if index >= 0 {
            return self.event_workers + index as usize;
        }
        let n = self.task_workers.max(1);
        let start = self.next_task_worker.get();
        let pick = (0..n)
            .map(|i| (start + i) % n)
            .find(|&i| self.shared.worker_status(self.event_workers + i) != WORKER_BUSY)
            .unwrap_or(start % n);
        self.next_task_worker.set((pick + 1) % n);
        self.event_workers + pick
    }
}

pub fn create(
    settings: &runtime::Settings,
    process_mode: bool,
    user_processes: usize,
) -> std::io::Result<Rc<Cluster>> {
    let shared = SharedTable::create(settings.max_connection.clamp(1, 1_000_000) as usize)?;
    shared.start_session_ids_after(settings.start_session_id);
    let event_workers = settings.worker_num.max(1) as usize;
    let task_workers = settings.task_worker_num.max(0) as usize;
    // One inbox per worker, plus one per master reactor thread in
    // SWOOLE_PROCESS.
    let reactors = if process_mode {
        settings.reactor_num.max(1) as usize
    } else {
        0
    };
    let ep = Rc::new(Endpoint::create(
        event_workers + task_workers + user_processes + reactors,
    )?);
    let cluster = Rc::new(Cluster {
        shared,
        event_workers,
        task_workers,
        user_processes,
        process_mode,
        reactors,
        worker_id: Cell::new(-1),
        responses: RefCell::new(HashSet::new()),
        ep,
        backlog: RefCell::new(VecDeque::new()),
        backlog_wake: Notify::new(),
        next_task_id: Cell::new(0),
        abandoned: RefCell::new(HashSet::new()),
        current_task: Cell::new(None),
        finished: Cell::new(false),
        next_task_worker: Cell::new(0),
    });
    CLUSTER.with(|c| *c.borrow_mut() = Some(cluster.clone()));
    Ok(cluster)
}

/// This process leaves the cluster (the server has stopped).
pub fn leave() {
    CLUSTER.with(|c| c.borrow_mut().take());
}

pub fn pool_config(
    cluster: &Cluster,
    settings: &runtime::Settings,
    master_pid: Option<i32>,
) -> PoolConfig {
    PoolConfig {
        event_workers: cluster.event_workers,
        task_workers: cluster.task_workers,
        user_processes: cluster.user_processes,
        max_wait: settings.max_wait_time,
        master_pid,
    }
}

/// What the shared table says about `session` when another worker owns it
/// (None: no such open connection, or it is this worker's own).
pub fn remote_session(session: i64) -> Option<crate::runtime::shared::SlotInfo> {
    let c = cluster()?;
    let info = c.shared.get(session)?;
    (i64::from(info.owner) != c.worker_id.get()).then_some(info)
}

/// Whether the owner of `session` marked its output buffer full (None:
/// not open, or one process serves everything).
pub fn output_full(session: i64) -> Option<bool> {
    cluster()?.shared.output_full(session)
}

/// `bind()` of a connection another process owns, in the shared table;
/// false when there is none, it is not open, or it is bound already.
pub fn bind_remote(session: i64, uid: u32) -> bool {
    cluster().is_some_and(|c| c.shared.bind_uid(session, uid))
}

/// Sends `msg` to worker `owner` (a connection's owner).
pub fn forward(owner: u32, msg: &Message) -> bool {
    cluster().is_some_and(|c| c.send(owner as usize, msg))
}

/// `broadcast()` beyond this process: to every other event worker (BASE),
/// or to every reactor of the master (PROCESS). Returns whether all were
/// sent. None when this process is the whole server.
pub fn broadcast_elsewhere(frame: &[u8], exclude: &[i64]) -> Option<bool> {
    let c = cluster()?;
    let me = c.worker_id.get();
    let targets: Vec<usize> = if c.process_mode {
        (c.master()..c.master() + c.reactors).collect()
    } else {
        (0..c.event_workers).filter(|&w| w as i64 != me).collect()
    };
    let msg = Message::Broadcast {
        frame: frame.to_vec(),
        exclude: exclude.to_vec(),
    };
    Some(targets.iter().all(|&t| c.send(t, &msg)))
}

/// Every open session id of the server, ascending; None when this process
/// is the whole server.
pub fn all_sessions() -> Option<Vec<i64>> {
    cluster().map(|c| c.shared.sessions())
}

/// The listening socket (port) of open connection `session`, from the
/// shared table.
pub fn session_port(session: i64) -> Option<i32> {
    cluster()?.shared.get(session).map(|i| i.server_fd)
}

/// Signals the manager (`reload()`, `shutdown()`); false without one.
pub fn signal_manager(sig: libc::c_int) -> bool {
    let Some(c) = cluster() else { return false };
    let pid = if sig == libc::SIGTERM {
        // The whole server stops: the master (the manager itself in BASE
        // mode) stops the manager, which stops the workers.
        if !c.process_mode {
            c.shared.set_shutting_down();
        }
        c.shared.master_pid()
    } else {
        c.shared.manager_pid()
    };
    process::signal(pid, sig)
}

/// This worker stops serving (it exits and the manager starts another). A
/// SWOOLE_PROCESS worker only forgets its mirrors: the connections are the
/// master's and stay open.
pub fn stop_worker(rt: &runtime::Server) {
    if is_process_worker() {
        for conn in rt.table.snapshot() {
            rt.table.remove(conn.id);
            conn.writer_wake.notify_one();
        }
    }
    rt.begin_shutdown();
}

// ---- SWOOLE_PROCESS workers: mirrors of the master's connections -------

/// This worker's mirror of the master's connection `session` (made on its
/// first event here, kept until the connection closes).
pub fn mirror(
    cluster: &Rc<Cluster>,
    rt: &Rc<runtime::Server>,
    reactor: usize,
    session: i64,
    info: &ipc::ConnInfo,
) -> Rc<runtime::Connection> {
    if let Some(conn) = rt.table.get(session) {
        if !conn.is_closing() {
            conn.set_ws_status(info.ws_status);
        }
        return conn;
    }
    let conn = Rc::new(stand_in(
        rt,
        session,
        (info.peer, info.local),
        (info.socket_fd, info.server_fd),
        info.ws_status,
    ));
    conn.set_deflate(
        info.deflate
            .map(|(c, s, sb, cb)| crate::protocol::deflate::Agreement::from_parts(c, s, sb, cb)),
    );
    rt.table.insert_mirror(conn.clone());
    tokio::task::spawn_local(forward_mirror(
        cluster.clone(),
        rt.clone(),
        reactor,
        conn.clone(),
    ));
    conn
}

/// SWOOLE_PROCESS: `close()`/`disconnect()` of `session` in this event
/// worker runs onClose right here, inside the call and before the close
/// goes to the master, when this is the worker Swoole runs it in
/// ([`super::relay::close_runs_in`]); the master then relays the close
/// without a callback. Returns the connection to report the close of
/// (its mirror, else one made from the shared table) once this process
/// claimed the callback; None when it runs elsewhere or ran already.
pub fn claim_close_here(
    rt: &runtime::Server,
    session: i64,
    dispatch_mode: i64,
) -> Option<Rc<runtime::Connection>> {
    let c = cluster()?;
    let me = c.worker_id.get();
    if !c.process_mode || me < 0 || me as usize >= c.event_workers {
        return None;
    }
    let info = c.shared.get(session)?;
    let runs_in = super::relay::close_runs_in(
        dispatch_mode,
        session,
        info.peer.ip(),
        info.uid,
        c.event_workers,
    );
    if runs_in.is_some_and(|w| w != me as usize) || !c.shared.claim_close(session) {
        return None;
    }
    if let Some(conn) = rt.table.get(session) {
        return Some(conn);
    }
    Some(Rc::new(stand_in(
        rt,
        session,
        (info.peer, info.local),
        (info.socket_fd, info.server_fd),
        info.ws_status,
    )))
}

/// A connection object standing in, in this worker, for the master's (or
/// another worker's) connection `session`: its addresses (peer, local),
/// descriptors (socket, listener) and WebSocket status as they are there.
fn stand_in(
    rt: &runtime::Server,
    session: i64,
    (peer, local): (std::net::SocketAddr, std::net::SocketAddr),
    (socket_fd, server_fd): (i32, i32),
    ws_status: u8,
) -> runtime::Connection {
    let conn = runtime::Connection::new(
        session,
        peer,
        local,
        socket_fd,
        server_fd,
        rt.settings.output_queue_limit(),
    );
    conn.set_ws_status(ws_status);
    conn
}

/// Ships what the script queued on a mirror to the master, in order: the
/// bytes, then "response ended" or "close" as they happen.
async fn forward_mirror(
    cluster: Rc<Cluster>,
    rt: Rc<runtime::Server>,
    master: usize,
    conn: Rc<runtime::Connection>,
) {
    let session = conn.id;
    loop {
        let (queue, close_after) = conn.take_outbound();
        if !queue.is_empty() {
            let mut data = Vec::with_capacity(queue.iter().map(|b| b.len()).sum());
            for b in &queue {
                data.extend_from_slice(b);
            }
            conn.written(data.len());
            conn.wake_drain_waiters();
            cluster.send(master, &Message::Send { session, data });
        }
        if !conn.response_pending() && cluster.responses.borrow_mut().remove(&session) {
            cluster.send(
                master,
                &Message::ResponseDone {
                    session,
                    ws_status: conn.ws_status(),
                },
            );
        }
        let current = rt.table.get(session).is_some_and(|c| Rc::ptr_eq(&c, &conn));
        if close_after {
            cluster.send(master, &Message::Close { session });
            if current {
                rt.table.remove(session);
            }
            return;
        }
        if !current {
            return;
        }
        tokio::select! {
            _ = conn.writer_wake.notified() => {}
            _ = conn.response_done.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(workers: i64, task_workers: i64) -> runtime::Settings {
        runtime::Settings {
            worker_num: workers,
            task_worker_num: task_workers,
            max_connection: 64,
            ..runtime::Settings::default()
        }
    }

    #[test]
    fn forwards_and_broadcasts_reach_the_other_workers_inboxes() {
        let c = create(&settings(3, 0), false, 0).unwrap();
        c.worker_id.set(0);
        c.ep.set_me(0);
        assert!(forward(2, &Message::Close { session: 5 }));
        assert_eq!(broadcast_elsewhere(b"frame", &[7]), Some(true));
        // Worker 2 got the close, then the broadcast; worker 1 only the
        // broadcast; worker 0 (the sender) nothing.
        c.ep.set_me(2);
        let got = c.read_inbox();
        let broadcast = Message::Broadcast {
            frame: b"frame".to_vec(),
            exclude: vec![7],
        };
        assert_eq!(
            got,
            [(0, Message::Close { session: 5 }), (0, broadcast.clone())]
        );
        c.ep.set_me(1);
        assert_eq!(c.read_inbox(), [(0, broadcast)]);
        c.ep.set_me(0);
        assert!(c.read_inbox().is_empty());
        leave();
        assert!(cluster().is_none());
        assert!(!forward(1, &Message::Close { session: 5 }));
    }

    #[test]
    fn task_workers_are_picked_in_turn_skipping_busy_ones() {
        let c = create(&settings(2, 3), false, 0).unwrap();
        // Task workers are 2, 3, 4; an explicit index is taken as asked.
        assert_eq!(c.pick_task_worker(1), 3);
        assert_eq!(c.pick_task_worker(-1), 2);
        c.shared.set_worker_status(3, WORKER_BUSY);
        assert_eq!(c.pick_task_worker(-1), 4);
        assert_eq!(c.pick_task_worker(-1), 2);
        // All busy: the next in turn all the same.
        for w in 2..5 {
            c.shared.set_worker_status(w, WORKER_BUSY);
        }
        assert_eq!(c.pick_task_worker(-1), 3);
        assert_eq!((c.next_task_id(), c.next_task_id()), (0, 1));
        leave();
    }

    #[test]
    fn taskwait_takes_its_result_and_keeps_the_rest_in_order() {
        use std::time::Duration;
        let c = create(&settings(1, 1), false, 0).unwrap();
        // The task worker (1) answers worker 0, after a pipe message.
        c.ep.set_me(1);
        let pipe = Message::Pipe {
            data: b"p".to_vec(),
            serialized: false,
        };
        assert!(c.send(0, &pipe));
        let finish = |task_id| Message::Finish {
            task_id,
            data: b"r".to_vec(),
            serialized: true,
        };
        assert!(c.send(0, &finish(4)));
        assert!(c.send(0, &finish(5)));
        c.ep.set_me(0);
        let soon = Instant::now() + Duration::from_secs(5);
        assert_eq!(c.wait_for_finish(5, soon), Some((b"r".to_vec(), true)));
        // What was not the result waits for the inbox loop, in order.
        let kept: Vec<_> = c.backlog.borrow_mut().drain(..).collect();
        assert_eq!(kept, [(1, pipe), (1, finish(4))]);
        // No result in time: None, and its late result will be dropped.
        let now = Instant::now() + Duration::from_millis(20);
        assert_eq!(c.wait_for_finish(6, now), None);
        assert!(c.abandoned.borrow().contains(&6));
        leave();
    }

    #[test]
    fn added_processes_come_after_the_task_workers() {
        let c = create(&settings(2, 1), true, 2).unwrap();
        // Workers 0-1, task worker 2, added processes 3-4, then the master.
        assert_eq!((c.core_workers(), c.total(), c.master()), (3, 5, 5));
        assert!(!c.is_user_process(2) && c.is_user_process(3) && c.is_user_process(4));
        assert!(!c.is_user_process(5));
        c.worker_id.set(3);
        assert!(!c.is_task_worker() && c.is_worker());
        // Each has an inbox: a worker's message reaches an added process.
        c.ep.set_me(0);
        let msg = Message::Pipe {
            data: b"hi".to_vec(),
            serialized: false,
        };
        assert!(c.send(4, &msg));
        c.ep.set_me(4);
        assert_eq!(c.read_inbox(), [(0, msg)]);
        leave();
    }

    #[test]
    fn the_process_roles_are_told_apart() {
        let c = create(&settings(2, 1), true, 0).unwrap();
        assert_eq!((c.total(), c.master()), (3, 3));
        // The manager (-1) and the master are not workers.
        assert!(!is_worker_process() && !is_process_worker());
        c.worker_id.set(c.master() as i64);
        assert!(!is_worker_process() && !is_process_worker());
        c.worker_id.set(1);
        assert!(is_worker_process() && is_process_worker() && !c.is_task_worker());
        c.worker_id.set(2);
        assert!(c.is_task_worker());
        leave();
    }
}
