//! Several worker processes: `worker_num > 1`, task workers, `max_request`.
//!
//! `start()` maps the shared connection table, makes one inbox per worker
//! and hands over to the manager (`worker::manager`), which forks the
//! workers. Each event worker accepts on the shared listening socket and
//! runs the same event loop as a single-process server, with its
//! connections published in the shared table; task workers run only their
//! inbox. What crosses processes goes through the inboxes as
//! [`Message`]s: pushes, sends and closes for a connection another worker
//! owns, `sendMessage()`, tasks and their results.
//!
//! This module is the glue between those layers and PHP: it decides which
//! callback a message calls and with what arguments.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ext_php_rs::types::Zval;

use super::handler::PhpHandler;
use super::state::ServerState;
use super::zend::{self, zbool, zlong, zstr, CallOutcome, Callback};
use crate::runtime::{self, log, ConnectionTable};
use crate::worker::cluster::{
    self, cluster, is_process_worker, mirror, stop_worker, Cluster, WORKER_BUSY, WORKER_IDLE,
};
use crate::worker::ipc::{self, Message};
use crate::worker::lifecycle::{self, Event, Script};
use crate::worker::manager::{self, ExitStatus, PoolHooks};
use crate::worker::relay;
use crate::worker::{process, timers};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

thread_local! {
    /// Finish callbacks given to task(), by task id (PHP values: they stay
    /// in this layer, beside the cluster).
    static FINISH_CALLBACKS: RefCell<HashMap<i64, Callback>> = RefCell::new(HashMap::new());
}

/// Reads this worker's inbox for as long as its event loop runs.
async fn inbox_loop(cluster: Rc<Cluster>, st: Rc<ServerState>) {
    let Some(afd) = cluster.ep.readable_inbox() else {
        return;
    };
    loop {
        loop {
            let next = cluster.backlog.borrow_mut().pop_front();
            let Some((from, msg)) = next else { break };
            handle(&cluster, &st, from, msg);
        }
        tokio::select! {
            ready = afd.readable() => {
                let Ok(mut guard) = ready else { return };
                let messages = cluster.read_inbox();
                if messages.is_empty() {
                    guard.clear_ready();
                }
                for (from, msg) in messages {
                    handle(&cluster, &st, from, msg);
                }
            }
            _ = cluster.backlog_wake.notified() => {}
        }
    }
}

// ---- values across processes -------------------------------------------

/// Strings travel as they are; anything else as `serialize()`d text (as
/// Swoole does for tasks and pipe messages).
pub fn encode_value(v: &Zval) -> Option<(Vec<u8>, bool)> {
    if let Some(b) = zend::str_bytes(v) {
        return Some((b.to_vec(), false));
    }
    call_php("serialize", zend::zcopy(v))
        .and_then(|r| zend::str_bytes(&r).map(|b| (b.to_vec(), true)))
}

pub fn decode_value(data: &[u8], serialized: bool) -> Zval {
    if !serialized {
        return zstr(data);
    }
    call_php("unserialize", zstr(data)).unwrap_or_else(|| zbool(false))
}

fn call_php(function: &str, arg: Zval) -> Option<Zval> {
    let cb = Callback::new(&zstr(function))?;
    let mut out = None;
    cb.call_with(&mut [arg], |rv| out = Some(zend::zcopy(rv)));
    out
}

// ---- what an inbox message does ------------------------------------------

fn handle(cluster: &Rc<Cluster>, st: &Rc<ServerState>, from: u32, msg: Message) {
    let rt = st.runtime();
    match msg {
        // A connection of this worker: the same as a master's reactor does.
        Message::Push { .. }
        | Message::Send { .. }
        | Message::Close { .. }
        | Message::Disconnect { .. }
        | Message::Broadcast { .. }
        | Message::Multicast { .. }
        | Message::ResponseDone { .. } => {
            if let Some(rt) = &rt {
                if !is_process_worker() {
                    relay::apply(rt, msg);
                }
            }
        }
        Message::Pipe { data, serialized } => {
            if let Some(cb) = &st.callbacks().pipe_message {
                let value = decode_value(&data, serialized);
                st.invoke(cb, &mut [st.this_zval(), zlong(i64::from(from)), value]);
            }
        }
        Message::Task {
            task_id,
            data,
            serialized,
            ..
        } => run_task(cluster, st, from, task_id, &data, serialized),
        Message::Relay {
            session,
            info,
            event,
        } => on_relay(cluster, st, from as usize, session, info, event),
        Message::Finish {
            task_id,
            data,
            serialized,
        } => {
            if cluster.abandoned.borrow_mut().remove(&task_id) {
                return;
            }
            let value = decode_value(&data, serialized);
            let own = FINISH_CALLBACKS.with(|f| f.borrow_mut().remove(&task_id));
            let cbs = st.callbacks();
            let cb = own.as_ref().or(cbs.finish.as_ref());
            match cb {
                Some(cb) => {
                    st.invoke(cb, &mut [st.this_zval(), zlong(task_id), value]);
                }
                None => zend::warning_docref("require onFinish callback"),
            }
        }
    }
}

/// A SWOOLE_PROCESS worker runs the callback of a master's connection
/// event, on a mirror of the connection: what the callback writes to it
/// (a Response, pushes through it) is shipped back to the master as bytes.
fn on_relay(
    cluster: &Rc<Cluster>,
    st: &Rc<ServerState>,
    reactor: usize,
    session: i64,
    info: ipc::ConnInfo,
    event: ipc::RelayEvent,
) {
    use crate::runtime::EventHandler;
    use ipc::RelayEvent;
    let Some(rt) = st.runtime() else { return };
    let conn = mirror(cluster, &rt, reactor, session, &info);
    let handler = PhpHandler::new(st.clone());
    cluster
        .shared
        .set_worker_status(cluster.my_id() as usize, WORKER_BUSY);
    match event {
        RelayEvent::Connect => handler.on_connect(&conn),
        RelayEvent::Request(req) => {
            cluster.responses.borrow_mut().insert(session);
            conn.begin_response(req.keep_alive());
            handler.on_request(&conn, req);
        }
        RelayEvent::Handshake(req) => {
            cluster.responses.borrow_mut().insert(session);
            conn.begin_response(true);
            handler.on_handshake(&conn, req);
        }
        RelayEvent::Open(req) => handler.on_open(&conn, req),
        RelayEvent::Message(ev) => handler.on_message(&conn, ev),
        RelayEvent::Close {
            reactor_id,
            callback,
        } => {
            if callback {
                handler.on_close(&conn, reactor_id);
            }
            rt.table.remove(session);
            conn.writer_wake.notify_one();
        }
    }
    cluster
        .shared
        .set_worker_status(cluster.my_id() as usize, WORKER_IDLE);
}

fn run_task(
    cluster: &Rc<Cluster>,
    st: &Rc<ServerState>,
    from: u32,
    task_id: i64,
    data: &[u8],
    serialized: bool,
) {
    let cbs = st.callbacks();
    let Some(cb) = &cbs.task else { return };
    let me = cluster.my_id() as usize;
    cluster.shared.set_worker_status(me, WORKER_BUSY);
    cluster.current_task.set(Some((task_id, from)));
    cluster.finished.set(false);
    let value = decode_value(data, serialized);
    let mut result = None;
    let outcome = cb.call_with(
        &mut [
            st.this_zval(),
            zlong(task_id),
            zlong(i64::from(from)),
            value,
        ],
        |rv| {
            if !rv.is_null() {
                result = encode_value(rv);
            }
        },
    );
    st.after_call(outcome);
    if let Some((data, serialized)) = result {
        if !cluster.finished.get() {
            cluster.send(
                from as usize,
                &Message::Finish {
                    task_id,
                    data,
                    serialized,
                },
            );
        }
    }
    cluster.current_task.set(None);
    cluster.shared.set_worker_status(me, WORKER_IDLE);
    count_request(st);
}

/// Counts one handled event toward `max_request`; past it, the worker
/// stops serving and exits, and the manager starts a fresh one.
pub fn count_request(st: &ServerState) {
    let Some(c) = cluster() else { return };
    let max = st.settings.borrow().max_request;
    if max <= 0 || c.worker_id.get() < 0 {
        return;
    }
    if c.shared.count_request(c.my_id() as usize) >= max as u64 {
        if let Some(rt) = st.runtime() {
            stop_worker(&rt);
        }
    }
}

// ---- the PHP API's cross-process parts ------------------------------------

/// The cluster, when this process may send task `index` (Swoole's checks
/// and warnings); `not_here` is the warning outside an event worker.
fn task_sender(index: i64, not_here: &str) -> Option<Rc<Cluster>> {
    let c = match cluster() {
        Some(c) if c.task_workers > 0 => c,
        _ => {
            zend::warning_docref("task method can't be executed without task worker");
            return None;
        }
    };
    if c.is_task_worker() || c.worker_id.get() < 0 {
        zend::warning_docref(not_here);
        return None;
    }
    if index >= c.task_workers as i64 {
        zend::warning_docref(&format!(
            "worker_id must be less than task_worker_num[{}]",
            c.task_workers
        ));
        return None;
    }
    Some(c)
}

/// `task($data, $dstWorkerId, $finishCallback)`: the task id, or None after
/// a warning.
pub fn task(data: &Zval, index: i64, finish: Option<Callback>) -> Option<i64> {
    let c = task_sender(index, "Server->task() cannot use in the task-worker")?;
    let (bytes, serialized) = encode_value(data)?;
    let task_id = c.next_task_id();
    if let Some(cb) = finish {
        FINISH_CALLBACKS.with(|f| f.borrow_mut().insert(task_id, cb));
    }
    let dest = c.pick_task_worker(index);
    let ok = c.send(
        dest,
        &Message::Task {
            task_id,
            wait: false,
            data: bytes,
            serialized,
        },
    );
    ok.then_some(task_id)
}

/// `taskwait($data, $timeout, $dstWorkerId)`: blocks this worker until the
/// result arrives; None (false) on timeout or error.
pub fn taskwait(data: &Zval, timeout: f64, index: i64) -> Option<Zval> {
    let c = task_sender(
        index,
        "taskwait method can only be used in the worker process",
    )?;
    let (bytes, serialized) = encode_value(data)?;
    let task_id = c.next_task_id();
    let dest = c.pick_task_worker(index);
    if !c.send(
        dest,
        &Message::Task {
            task_id,
            wait: true,
            data: bytes,
            serialized,
        },
    ) {
        return None;
    }
    // Flush what did not fit right away: the event loop is blocked here.
    c.ep.flush_blocking(dest);
    let deadline = Instant::now() + Duration::from_secs_f64(timeout.clamp(0.001, 86_400.0));
    let rx = c.ep.inbox_fd()?;
    let mut result = None;
    'wait: loop {
        for (from, msg) in c.read_inbox() {
            match msg {
                Message::Finish {
                    task_id: id,
                    data,
                    serialized,
                } if id == task_id && result.is_none() => {
                    result = Some(decode_value(&data, serialized));
                }
                other => c.backlog.borrow_mut().push_back((from, other)),
            }
        }
        if result.is_some() {
            break 'wait;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        ipc::poll_fd(rx, false, left.as_millis().clamp(1, 100) as i32);
    }
    if !c.backlog.borrow().is_empty() {
        c.backlog_wake.notify_one();
    }
    if result.is_none() {
        c.abandoned.borrow_mut().insert(task_id);
    }
    result
}

/// `finish($data)` inside onTask.
pub fn finish(data: &Zval) -> bool {
    let Some(c) = cluster().filter(|c| c.task_workers > 0) else {
        log::write(
            log::Level::Warning,
            true,
            "Server::finish(): cannot use Server::task()/Server::finish() method, because no set [task_worker_num]",
        );
        return false;
    };
    let Some((task_id, from)) = c.current_task.get() else {
        zend::warning_docref(
            "Server::finish() can only be used in the task worker's onTask callback",
        );
        return false;
    };
    let Some((bytes, serialized)) = encode_value(data) else {
        return false;
    };
    c.finished.set(true);
    c.send(
        from as usize,
        &Message::Finish {
            task_id,
            data: bytes,
            serialized,
        },
    )
}

/// `sendMessage($message, $dstWorkerId)`.
pub fn send_message(st: &ServerState, data: &Zval, dest: i64) -> bool {
    if st.callbacks().pipe_message.is_none() {
        zend::warning_docref("onPipeMessage is null, can't use sendMessage");
        return false;
    }
    let Some(c) = cluster() else {
        if dest == 0 {
            zend::warning_docref("can't send messages to self");
        } else {
            zend::warning_docref(&format!("worker_id[{dest}] is invalid"));
        }
        return false;
    };
    if dest == c.worker_id.get() {
        zend::warning_docref("can't send messages to self");
        return false;
    }
    if dest < 0 || dest >= c.total() as i64 {
        zend::warning_docref(&format!("worker_id[{dest}] is invalid"));
        return false;
    }
    let Some((bytes, serialized)) = encode_value(data) else {
        return false;
    };
    c.send(
        dest as usize,
        &Message::Pipe {
            data: bytes,
            serialized,
        },
    )
}

// ---- starting the processes ----------------------------------------------

/// Everything a worker needs to start, kept by the manager for respawns.
pub struct WorkerSpec {
    pub st: Rc<ServerState>,
    pub listener: std::net::TcpListener,
    pub settings: runtime::Settings,
    pub tls: Option<std::sync::Arc<rustls::ServerConfig>>,
}

struct Hooks {
    spec: WorkerSpec,
    cluster: Rc<Cluster>,
}

impl PoolHooks for Hooks {
    fn before_fork(&mut self) {
        zend::flush_output();
    }

    fn run_worker(&mut self, id: usize) -> i32 {
        run_worker(&self.spec, &self.cluster, id)
    }

    fn manager_start(&mut self) {
        self.spec.st.call(Event::ManagerStart);
    }

    fn worker_error(&mut self, id: usize, pid: i32, status: ExitStatus) {
        self.spec.st.call(Event::WorkerError {
            id,
            pid,
            code: status.code,
            signal: status.signal,
        });
    }

    fn manager_stop(&mut self) {
        self.spec.st.call(Event::ManagerStop);
    }
}

/// SWOOLE_BASE with several processes: this (the start()) process becomes
/// the manager and runs until the server shuts down. Errors are for
/// `start()` to throw.
pub fn run_manager(spec: WorkerSpec) -> std::io::Result<()> {
    let cluster = cluster::create(&spec.settings, false)?;
    let shared = cluster.shared;
    let pid = i64::from(process::pid());
    shared.set_master_pid(pid as i32);
    shared.set_manager_pid(pid as i32);
    let st = spec.st.clone();
    zend::set_prop(st.obj, "master_pid", zlong(pid));
    zend::set_prop(st.obj, "manager_pid", zlong(pid));
    zend::set_prop(st.obj, "worker_id", zlong(-1));
    zend::set_prop(st.obj, "worker_pid", zlong(pid));
    log::set_process(b'$', 0);
    let cfg = cluster::pool_config(&cluster, &spec.settings, None);
    // onStart once, in the process that called start() (the manager), as
    // Swoole 4 did in BASE mode: it only prints and names processes.
    st.call(Event::Start);
    let mut hooks = Hooks {
        spec,
        cluster: cluster.clone(),
    };
    let result = manager::run(shared, cfg, &mut hooks);
    st.call(Event::Shutdown);
    cluster::leave();
    log::set_process(b'*', 0);
    result
}

/// SWOOLE_PROCESS: this (the start()) process becomes the master, which
/// owns every connection and relays events to the workers; a forked
/// manager runs the workers. Returns once the server has shut down.
pub fn run_process_mode(mut spec: WorkerSpec) -> std::io::Result<()> {
    // A push may come from any worker: with a window kept across messages
    // the connection's compressor would have to live in one process.
    spec.settings.websocket_compression_server_context_takeover = false;
    let cluster = cluster::create(&spec.settings, true)?;
    let shared = cluster.shared;
    let master_pid = process::pid();
    shared.set_master_pid(master_pid);
    let st = spec.st.clone();
    let cfg = cluster::pool_config(&cluster, &spec.settings, Some(master_pid));
    zend::flush_output();
    // No runtime or helper thread exists yet. The child runs the manager
    // and exits; the parent keeps the spec (the child took its own copy).
    let mut manager_spec = Some(spec);
    let manager_pid = process::fork_child(|| {
        let Some(spec) = manager_spec.take() else {
            return 1;
        };
        let pid = i64::from(process::pid());
        zend::set_prop(st.obj, "master_pid", zlong(i64::from(master_pid)));
        zend::set_prop(st.obj, "manager_pid", zlong(pid));
        zend::set_prop(st.obj, "worker_id", zlong(-1));
        zend::set_prop(st.obj, "worker_pid", zlong(pid));
        log::set_process(b'$', 0);
        let mut hooks = Hooks {
            spec,
            cluster: cluster.clone(),
        };
        let code = i32::from(manager::run(shared, cfg, &mut hooks).is_err());
        zend::flush_output();
        code
    })?;
    let Some(spec) = manager_spec else {
        return Ok(());
    };
    shared.set_manager_pid(manager_pid);
    zend::set_prop(st.obj, "master_pid", zlong(i64::from(master_pid)));
    zend::set_prop(st.obj, "manager_pid", zlong(i64::from(manager_pid)));
    zend::set_prop(st.obj, "worker_id", zlong(-1));
    zend::set_prop(st.obj, "worker_pid", zlong(i64::from(master_pid)));
    log::set_process(b'#', 0);
    cluster.worker_id.set(cluster.master() as i64);
    cluster.ep.set_me(cluster.master() as u32);

    let table = ConnectionTable::with_shared(shared, cluster.master() as u32);
    let rt = lifecycle::server(spec.settings.clone(), Some(table), spec.tls.clone());
    *st.runtime.borrow_mut() = Some(rt.clone());
    st.abort.set(None);
    let cbs = st.callbacks();
    let callbacks = relay::Callbacks {
        connect: cbs.connect.is_some(),
        request: cbs.request.is_some(),
        handshake: cbs.handshake.is_some(),
    };
    let relay_handler = Rc::new(relay::RelayHandler::new(
        Rc::new(relay::EndpointLink {
            ep: cluster.ep.clone(),
            shared,
            workers: cluster.event_workers,
        }),
        spec.settings.dispatch_mode,
        callbacks,
    ));
    // reactor_num: the main thread is reactor 0; the others are threads
    // with no PHP in them, each accepting on the same socket.
    let stop = Arc::new(AtomicBool::new(false));
    let mut reactors = Vec::new();
    for r in 1..spec.settings.reactor_num.max(1) as usize {
        let reactor = relay::ReactorSpec {
            inbox: (cluster.master() + r) as u32,
            fds: cluster.ep.dup_fds()?,
            listener: spec.listener.try_clone()?,
            settings: spec.settings.clone(),
            tls: spec.tls.clone(),
            shared,
            workers: cluster.event_workers,
            dispatch_mode: spec.settings.dispatch_mode,
            callbacks,
            stop: stop.clone(),
            node: st.node.borrow().clone(),
        };
        reactors.push(
            std::thread::Builder::new()
                .name(format!("reactor-{r}"))
                .spawn(move || relay::run_reactor(reactor))?,
        );
    }
    let rt_sig = rt.clone();
    let stop2 = stop.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::Master,
        server: rt.clone(),
        listener: Some(spec.listener.try_clone()?),
        handler: relay_handler,
        tasks: vec![Box::pin(relay::reactor_inbox(cluster.ep.clone(), rt))],
        // SIGTERM/SIGINT stop the server; SIGUSR1/SIGUSR2 (reload) are the
        // manager's business: pass them on.
        signals: &[libc::SIGTERM, libc::SIGINT, libc::SIGUSR1, libc::SIGUSR2],
        on_signal: Box::new(move |signo| {
            if signo == libc::SIGUSR1 || signo == libc::SIGUSR2 {
                process::signal(manager_pid, signo);
                return true;
            }
            stop2.store(true, Ordering::Release);
            rt_sig.begin_shutdown();
            false
        }),
    };
    let result = lifecycle::run(serve, &*st);
    cluster.ep.flush_all_blocking();
    // The other reactors drain too; then stop the workers (they may still
    // be finishing events), then report.
    stop.store(true, Ordering::Release);
    for r in reactors {
        let _ = r.join();
    }
    shared.set_shutting_down();
    process::stop_child(manager_pid);
    st.call(Event::Shutdown);
    let runtime = st.runtime.borrow_mut().take();
    drop(runtime);
    cluster::leave();
    log::set_process(b'*', 0);
    result
}

/// The body of worker `id` in its forked process; returns the exit code.
fn run_worker(spec: &WorkerSpec, cluster: &Rc<Cluster>, id: usize) -> i32 {
    let st = spec.st.clone();
    let task_worker = id >= cluster.event_workers;
    cluster.worker_id.set(id as i64);
    cluster.ep.set_me(id as u32);
    cluster.shared.set_worker_status(id, WORKER_IDLE);
    log::set_process(if task_worker { b'^' } else { b'*' }, id as i32);
    let pid = i64::from(process::pid());
    st.worker_pid.set(pid);
    zend::set_prop(st.obj, "worker_id", zlong(id as i64));
    zend::set_prop(st.obj, "worker_pid", zlong(pid));
    zend::set_prop(st.obj, "taskworker", zbool(task_worker));
    // Timers of the manager's script do not carry into workers.
    timers::timers().clear_all();

    let table = ConnectionTable::with_shared(cluster.shared, id as u32);
    let rt = lifecycle::server(spec.settings.clone(), Some(table), spec.tls.clone());
    *st.runtime.borrow_mut() = Some(rt.clone());
    st.running.set(true);
    st.abort.set(None);
    zend::set_prop(
        st.obj,
        "master_pid",
        zlong(i64::from(cluster.shared.master_pid())),
    );
    zend::set_prop(
        st.obj,
        "manager_pid",
        zlong(i64::from(cluster.shared.manager_pid())),
    );
    // SWOOLE_PROCESS workers accept nothing: the master relays events.
    let listener = if task_worker || cluster.process_mode {
        None
    } else {
        spec.listener.try_clone().ok()
    };
    crate::worker::process::drop_privileges_logged(&spec.settings);
    let rt_sig = rt.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::Worker {
            id,
            task: task_worker,
        },
        server: rt,
        listener,
        handler: Rc::new(PhpHandler::new(st.clone())),
        tasks: vec![Box::pin(inbox_loop(cluster.clone(), st.clone()))],
        signals: &[libc::SIGTERM, libc::SIGINT],
        on_signal: Box::new(move |_| {
            stop_worker(&rt_sig);
            false
        }),
    };
    let result = lifecycle::run(serve, &*st);
    // Whatever this worker's last callbacks sent is delivered before it
    // exits (its loop's flush tasks are gone).
    cluster.ep.flush_all_blocking();
    timers::timers().clear_all();
    super::push_cache::clear();
    st.running.set(false);
    let code = match (result, st.abort.get()) {
        (Err(e), _) => {
            log::write(log::Level::Error, true, &format!("event loop: {e}"));
            1
        }
        (Ok(()), Some(CallOutcome::Exit)) => zend::exit_status(),
        (Ok(()), Some(CallOutcome::Bailout)) => 255,
        (Ok(()), _) => 0,
    };
    zend::flush_output();
    code
}
