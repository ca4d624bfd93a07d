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

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ext_php_rs::types::Zval;

use super::handler::PhpHandler;
use super::state::ServerState;
use super::zend::{self, zbool, zlong, zstr, Callback};
use crate::runtime::log;
use crate::runtime::panic::contain;
use crate::worker::cluster::{
    cluster, is_process_worker, mirror, stop_worker, Cluster, TaskOrigin, WORKER_BUSY, WORKER_IDLE,
};
use crate::worker::ipc::{self, Message};
use crate::worker::relay;

thread_local! {
    /// Finish callbacks given to task(), by task id (PHP values: they stay
    /// in this layer, beside the cluster).
    static FINISH_CALLBACKS: RefCell<HashMap<i64, Callback>> = RefCell::new(HashMap::new());
    /// Tasks a coroutine waits for (`taskCo()`, `taskwait()` in a
    /// coroutine), with the slot of each one's result.
    static CO_TASKS: RefCell<HashMap<i64, CoTaskSlot>> = RefCell::new(HashMap::new());
}

/// A task a coroutine waits for: its wait and the slot of its result.
type CoTaskSlot = (Rc<RefCell<CoTasks>>, usize);

/// One coroutine's wait for the results of its tasks.
struct CoTasks {
    cid: i64,
    results: Vec<Option<Zval>>,
    /// Slots in the order their results arrived (Swoole's result array
    /// is keyed in that order).
    arrived: Vec<usize>,
    pending: usize,
}

thread_local! {
    /// Tasks whose coroutine stopped waiting: their late result is
    /// dropped with Swoole's log line.
    static CO_EXPIRED: RefCell<std::collections::HashSet<i64>> = RefCell::new(Default::default());
}

/// Reads this worker's inbox for as long as its event loop runs, each
/// message to the script's callbacks.
pub(super) async fn inbox_loop(cluster: Rc<Cluster>, st: Rc<ServerState>) {
    let reader = cluster.clone();
    // Consecutive WebSocket messages of one read are one coroutine batch
    // (as a BASE reader hands them over): ended before any other message
    // is handled and before the inbox waits for more.
    let batch = std::cell::Cell::new(false);
    let me = cluster.my_id() as usize;
    let end_batch = || {
        if batch.replace(false) {
            // The worker is busy while their callbacks run.
            cluster.shared.set_worker_status(me, WORKER_BUSY);
            contain("running a batch of messages", || {
                super::coroutine::close_batch(true)
            });
            cluster.shared.set_worker_status(me, WORKER_IDLE);
        }
    };
    reader
        .serve_inbox(
            |from, msg| {
                let message = matches!(
                    msg,
                    Message::Relay {
                        event: ipc::RelayEvent::Message(_),
                        ..
                    }
                );
                if !message {
                    end_batch();
                } else if !batch.replace(true) {
                    super::coroutine::open_batch();
                }
                contain("handling an inbox message", || {
                    handle(&cluster, &st, from, msg)
                })
            },
            end_batch,
        )
        .await;
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
        | Message::Pause { .. }
        | Message::Reset { .. }
        | Message::ResponseDone { .. }
        | Message::H2 { .. } => {
            if let Some(rt) = &rt {
                if !is_process_worker() {
                    relay::apply(rt, msg);
                }
            }
        }
        Message::Packet {
            server_fd,
            from,
            data,
        } => {
            use crate::runtime::EventHandler;
            PhpHandler::new(st.clone()).on_packet(server_fd, bytes::Bytes::from(data), from);
        }
        Message::Pipe { data, serialized } => {
            if let Some(cb) = &st.callbacks().pipe_message {
                let value = decode_value(&data, serialized);
                if st.settings.borrow().event_object {
                    let m = super::server::pipe_message_object(
                        i64::from(from),
                        cluster.worker_id.get(),
                        crate::runtime::connection::unix_time(),
                        value,
                    );
                    st.invoke(cb, &mut [st.this_zval(), m]);
                } else {
                    st.invoke(cb, &mut [st.this_zval(), zlong(i64::from(from)), value]);
                }
            }
        }
        Message::Task {
            task_id,
            wait,
            reply,
            data,
            serialized,
        } => {
            let origin = TaskOrigin {
                task_id,
                from,
                reply,
            };
            run_task(cluster, st, origin, wait, &data, serialized)
        }
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
            if CO_EXPIRED.with(|e| e.borrow_mut().remove(&task_id)) {
                log::write(
                    log::Level::Warning,
                    true,
                    &format!(
                        "php_swoole_server_onFinish() (ERRNO 2003): task[{task_id}] has expired"
                    ),
                );
                return;
            }
            if let Some((waiter, slot)) = CO_TASKS.with(|t| t.borrow_mut().remove(&task_id)) {
                let done = {
                    let mut w = waiter.borrow_mut();
                    if let Some(r) = w.results.get_mut(slot) {
                        *r = Some(decode_value(&data, serialized));
                    }
                    w.arrived.push(slot);
                    w.pending = w.pending.saturating_sub(1);
                    (w.pending == 0).then_some(w.cid)
                };
                if let Some(cid) = done {
                    super::coroutine::wake(cid, zlong(1));
                }
                return;
            }
            let value = decode_value(&data, serialized);
            let own = FINISH_CALLBACKS.with(|f| f.borrow_mut().remove(&task_id));
            let cbs = st.callbacks();
            let cb = own.as_ref().or(cbs.finish.as_ref());
            match cb {
                Some(cb) if st.settings.borrow().event_object => {
                    let r = super::server::task_result_object(
                        task_id,
                        i64::from(from),
                        crate::runtime::connection::unix_time(),
                        value,
                    );
                    st.invoke(cb, &mut [st.this_zval(), r]);
                }
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
        RelayEvent::Request(req) if req.stream_id != 0 => {
            // HTTP/2: the answer goes back to the master step by step.
            let c = cluster.clone();
            let stream = crate::worker::h2_relay::RelayedStream::new(
                session,
                req.stream_id,
                Box::new(move |m: &ipc::Message| c.send(reactor, m)),
            );
            handler.on_h2_request(&conn, req, Rc::new(stream));
        }
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
        RelayEvent::Receive(data) => handler.on_receive(&conn, data),
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
    origin: TaskOrigin,
    wait: bool,
    data: &[u8],
    serialized: bool,
) {
    let cbs = st.callbacks();
    let Some(cb) = &cbs.task else { return };
    let me = cluster.my_id() as usize;
    cluster.shared.set_worker_status(me, WORKER_BUSY);
    let value = decode_value(data, serialized);
    let (in_coroutine, as_object) = {
        let s = st.settings.borrow();
        (
            s.task_enable_coroutine,
            s.task_enable_coroutine || s.task_object || s.event_object,
        )
    };
    if in_coroutine {
        // onTask($server, Task) in a coroutine: it answers with
        // $task->finish(); what it returns is not used.
        let task = super::server::task_object(origin, wait, serialized, value);
        let c = cluster.clone();
        let st2 = st.clone();
        let done = Box::new(move || {
            c.shared.set_worker_status(c.my_id() as usize, WORKER_IDLE);
            count_request(&st2);
        });
        st.invoke_then(cb, vec![st.this_zval(), task], Some(done));
        return;
    }
    cluster.current_task.set(Some(origin));
    cluster.finished.set(false);
    let mut args = if as_object {
        vec![
            st.this_zval(),
            super::server::task_object(origin, wait, serialized, value),
        ]
    } else {
        vec![
            st.this_zval(),
            zlong(origin.task_id),
            zlong(i64::from(origin.from)),
            value,
        ]
    };
    let mut result = None;
    let outcome = cb.call_with(&mut args, |rv| {
        if !rv.is_null() {
            result = encode_value(rv);
        }
    });
    st.after_call(outcome);
    // A value returned is a result even after finish(): Swoole sends both
    // to onFinish. A waiting sender takes only the first.
    if let Some((data, serialized)) = result {
        if !(wait && cluster.finished.get()) {
            send_result(cluster, origin, data, serialized);
        }
    }
    cluster.current_task.set(None);
    cluster.shared.set_worker_status(me, WORKER_IDLE);
    count_request(st);
}

/// Counts one handled event toward `max_request`; past it, the worker
/// stops serving and exits, and the manager starts a fresh one.
/// [`count_request`] as a callback's follow-up, for when it ends; None
/// where nothing is counted (no `max_request`): no closure per event then.
pub fn request_counter(st: &Rc<ServerState>) -> Option<Box<dyn FnOnce()>> {
    if request_limit(st) == 0 {
        return None;
    }
    let st = Rc::clone(st);
    Some(Box::new(move || count_request(&st)))
}

thread_local! {
    /// This worker's request limit, drawn once per process (its grace is
    /// random): see [`runtime::Settings::worker_request_limit`].
    static REQUEST_LIMIT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// How many events this worker handles before it is replaced (0: no
/// limit); task workers by `task_max_request`.
fn request_limit(st: &ServerState) -> u64 {
    if let Some(limit) = REQUEST_LIMIT.with(Cell::get) {
        return limit;
    }
    let Some(c) = cluster() else {
        // One process serves everything: nothing retires it, ever.
        REQUEST_LIMIT.with(|l| l.set(Some(0)));
        return 0;
    };
    if c.worker_id.get() < 0 {
        return 0;
    }
    let mut random = [0u8; 4];
    crate::runtime::random_bytes(&mut random);
    let limit = st
        .settings
        .borrow()
        .worker_request_limit(c.is_task_worker(), u32::from_le_bytes(random));
    REQUEST_LIMIT.with(|l| l.set(Some(limit)));
    limit
}

/// One more request served here (`stats()`'s counts), and the worker
/// retired once it reaches its `max_request`.
pub fn count_request(st: &ServerState) {
    SERVED.with(|n| n.set(n.get() + 1));
    let Some(c) = cluster() else { return };
    let served = c.shared.count_request(c.my_id() as usize);
    let max = request_limit(st);
    if max > 0 && served >= max {
        if let Some(rt) = st.runtime() {
            stop_worker(&rt);
        }
    }
}

thread_local! {
    /// Requests (and tasks) this process has served.
    static SERVED: Cell<u64> = const { Cell::new(0) };
}

/// Requests (and tasks) this process has served (`stats()`).
pub fn served_here() -> u64 {
    SERVED.with(Cell::get)
}

// ---- the PHP API's cross-process parts ------------------------------------

/// The cluster, when this process may send task `index` (Swoole's checks
/// and warnings, in its order). `wait_here` is the warning for a process
/// that is not an event worker, for the calls that wait for the result;
/// `task()` is for any process but a task worker.
fn task_sender(index: i64, wait_here: Option<&str>) -> Option<Rc<Cluster>> {
    let c = cluster();
    if let Some(not_here) = wait_here {
        // No cluster: one BASE process, an event worker.
        if c.as_ref().is_some_and(|c| !c.is_event_worker()) {
            zend::warning_docref(not_here);
            return None;
        }
    }
    let c = match c {
        Some(c) if c.task_workers > 0 => c,
        _ => {
            zend::warning_docref("task method can't be executed without task worker");
            return None;
        }
    };
    if index >= c.task_workers as i64 {
        zend::warning_docref(&format!(
            "worker_id must be less than task_worker_num[{}]",
            c.task_workers
        ));
        return None;
    }
    if c.is_task_worker() {
        zend::warning_docref("Server->task() cannot use in the task-worker");
        return None;
    }
    Some(c)
}

/// `task($data, $dstWorkerId, $finishCallback)`: the task id, or None after
/// a warning. From the manager, the master or an `addProcess()` process the
/// task goes without a way back (the finish callback is not kept).
pub fn task(data: &Zval, index: i64, finish: Option<Callback>) -> Option<i64> {
    let c = task_sender(index, None)?;
    let (bytes, serialized) = encode_value(data)?;
    let task_id = c.next_task_id();
    let reply = c.is_event_worker();
    if let Some(cb) = finish.filter(|_| reply) {
        FINISH_CALLBACKS.with(|f| f.borrow_mut().insert(task_id, cb));
    }
    let dest = c.pick_task_worker(index);
    let ok = c.send(
        dest,
        &Message::Task {
            task_id,
            wait: false,
            reply,
            data: bytes,
            serialized,
        },
    );
    ok.then_some(task_id)
}

/// `taskCo($tasks, $timeout)` (and `taskwait()` in a coroutine): sends
/// every task, then the running coroutine waits (the worker serving
/// others meanwhile) until all results are in or `timeout` seconds pass.
/// (slot, result) in the order the results arrived, then (slot, None)
/// for each task that failed or timed out; None after a warning when
/// nothing could be sent.
pub fn task_co(
    tasks: Vec<Zval>,
    timeout: f64,
    index: i64,
    not_here: &str,
) -> Option<Vec<(usize, Option<Zval>)>> {
    let c = task_sender(index, Some(not_here))?;
    let cid = super::coroutine::current();
    let waiter = Rc::new(RefCell::new(CoTasks {
        cid,
        results: (0..tasks.len()).map(|_| None).collect(),
        arrived: Vec::new(),
        pending: 0,
    }));
    let mut sent = Vec::new();
    for (slot, data) in tasks.iter().enumerate() {
        let Some((bytes, serialized)) = encode_value(data) else {
            continue;
        };
        let task_id = c.next_task_id();
        let dest = c.pick_task_worker(index);
        let message = Message::Task {
            task_id,
            wait: true,
            reply: true,
            data: bytes,
            serialized,
        };
        if c.send(dest, &message) {
            CO_TASKS.with(|t| t.borrow_mut().insert(task_id, (waiter.clone(), slot)));
            waiter.borrow_mut().pending += 1;
            sent.push(task_id);
        }
    }
    if sent.is_empty() {
        return None;
    }
    let ms = super::coroutine::seconds_to_ms(timeout.max(0.001));
    if !super::coroutine::wait_woken(cid, Some(ms)) {
        // Results arriving later are dropped, not taken for onFinish.
        for task_id in sent {
            if CO_TASKS.with(|t| t.borrow_mut().remove(&task_id)).is_some() {
                CO_EXPIRED.with(|e| e.borrow_mut().insert(task_id));
            }
        }
    }
    let mut w = waiter.borrow_mut();
    let mut results = std::mem::take(&mut w.results);
    let mut out: Vec<(usize, Option<Zval>)> = w
        .arrived
        .iter()
        .map(|&slot| (slot, results.get_mut(slot).and_then(Option::take)))
        .collect();
    for slot in 0..results.len() {
        if !w.arrived.contains(&slot) {
            out.push((slot, None));
        }
    }
    Some(out)
}

/// `taskwait($data, $timeout, $dstWorkerId)`: blocks this worker until the
/// result arrives (in a coroutine, only the coroutine waits); None
/// (false) on timeout or error.
pub fn taskwait(data: &Zval, timeout: f64, index: i64) -> Option<Zval> {
    const NOT_HERE: &str = "taskwait method can only be used in the worker process";
    if super::coroutine::current() >= 0 {
        return task_co(vec![zend::zcopy(data)], timeout, index, NOT_HERE)?
            .pop()
            .and_then(|(_, r)| r);
    }
    let c = task_sender(index, Some(NOT_HERE))?;
    let (bytes, serialized) = encode_value(data)?;
    let task_id = c.next_task_id();
    let dest = c.pick_task_worker(index);
    if !c.send(
        dest,
        &Message::Task {
            task_id,
            wait: true,
            reply: true,
            data: bytes,
            serialized,
        },
    ) {
        return None;
    }
    // Flush what did not fit right away: the event loop is blocked here.
    c.ep.flush_blocking(dest);
    let deadline = Instant::now() + Duration::from_secs_f64(timeout.clamp(0.001, 86_400.0));
    c.wait_for_finish(task_id, deadline)
        .map(|(data, serialized)| decode_value(&data, serialized))
}

/// `Swoole\Server\Task::finish($data)`: the result of task `task_id`
/// to worker `from`.
pub fn finish_task(origin: TaskOrigin, data: &Zval) -> bool {
    let Some(c) = cluster().filter(|c| c.task_workers > 0) else {
        return false;
    };
    let Some((bytes, serialized)) = encode_value(data) else {
        return false;
    };
    // onTask's own task: its returned value is not sent to a waiting sender
    // after this (the same rule as finish()).
    if c.current_task.get() == Some(origin) {
        c.finished.set(true);
    }
    send_result(&c, origin, bytes, serialized)
}

/// Sends a task's result to the worker waiting for it, at once: the task
/// worker's next task may keep its loop busy for long. A task sent with no
/// way back gets Swoole's log line and false.
fn send_result(c: &Rc<Cluster>, origin: TaskOrigin, data: Vec<u8>, serialized: bool) -> bool {
    if !origin.reply {
        log::write(
            log::Level::Warning,
            true,
            "Server::finish(): Server::finish() can only be used in the worker process",
        );
        return false;
    }
    let from = origin.from as usize;
    let sent = c.send(
        from,
        &Message::Finish {
            task_id: origin.task_id,
            data,
            serialized,
        },
    );
    c.ep.flush_blocking(from);
    sent
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
    let Some(origin) = c.current_task.get() else {
        zend::warning_docref(
            "Server::finish() can only be used in the task worker's onTask callback",
        );
        return false;
    };
    let Some((bytes, serialized)) = encode_value(data) else {
        return false;
    };
    c.finished.set(true);
    send_result(&c, origin, bytes, serialized)
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
