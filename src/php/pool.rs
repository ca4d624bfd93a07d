//! `Swoole\Process\Pool`: a manager process running N workers of the
//! script's own (queue consumers, daemons), started, respawned when they
//! end and stopped by the same manager as a server's workers
//! (`worker::manager`).
//!
//! `start()` makes this process the manager until SIGTERM/SIGINT or a
//! worker's `shutdown()`; each worker runs onWorkerStart($pool, $id) (in a
//! coroutine with `$enable_coroutine`, the loop then running what it left),
//! then, with `SWOOLE_IPC_UNIXSOCK` and an onMessage callback, serves the
//! messages `sendMessage()` sends it until SIGTERM, then onWorkerStop.
//! A worker whose onWorkerStart returned and that has nothing left to
//! serve ends, and the manager starts it again, as Swoole's.
//!
//! With `SWOOLE_IPC_SOCKET` the workers take turns accepting on the port
//! `listen()` opened: each connection carries one message (a 4-byte
//! big-endian length, then the bytes) for onMessage, whose `write()`s are
//! sent back the same way before the connection is closed (Swoole's stream
//! protocol).
//!
//! `detach()` takes a worker out of the pool: the manager starts another
//! in its place, and the detached process stops serving messages and goes
//! on by itself.
//!
//! With `SWOOLE_IPC_MSGQUEUE` the workers take the messages of the System
//! V queue of `$msgqueue_key` (what `Process::push()` or `msg_send()` put
//! there) for onMessage.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, Class, ClassSlot, Default, PUBLIC};
use super::zend::{self, zbool, zlong, CallOutcome, Callback};
use crate::runtime::shared::SharedTable;
use crate::worker::manager::{self, ExitStatus, PoolConfig, PoolHooks};
use crate::worker::msg_queue::{MsgQueue, MSG_MAX};
use crate::worker::{process as os, timers};

pub static POOL: ClassSlot = ClassSlot::new();

const IPC_NONE: i64 = 0;
const IPC_UNIXSOCK: i64 = 1;
const IPC_MSGQUEUE: i64 = 2;
const IPC_SOCKET: i64 = 3;
/// The largest message of the stream protocol (Swoole's default
/// `max_package_size`).
const MAX_PACKET: usize = 2 * 1024 * 1024;

#[derive(Default)]
struct Callbacks {
    worker_start: Option<Callback>,
    worker_stop: Option<Callback>,
    message: Option<Callback>,
    start: Option<Callback>,
    shutdown: Option<Callback>,
}

struct PoolState {
    worker_num: usize,
    ipc: i64,
    enable_coroutine: bool,
    callbacks: Rc<RefCell<Callbacks>>,
    /// The workers' message sockets (`SWOOLE_IPC_UNIXSOCK`), made by
    /// `start()` before the workers fork: worker i reads `inbox[i].0`,
    /// anyone writes `inbox[i].1`.
    inboxes: Vec<(UnixDatagram, UnixDatagram)>,
    shared: Option<&'static SharedTable>,
    /// This process's worker id (-1: not a worker).
    worker_id: i64,
    /// `listen()`'s socket (`SWOOLE_IPC_SOCKET`).
    listener: Option<socket2::Socket>,
    /// What onMessage `write()`s, sent back when it returns.
    response: Option<Vec<u8>>,
    /// `SWOOLE_IPC_MSGQUEUE`: the queue's key, and the queue once started.
    msgqueue_key: i64,
    queue: Option<MsgQueue>,
}

thread_local! {
    static POOLS: RefCell<HashMap<u32, PoolState>> = RefCell::new(HashMap::new());
}

/// A worker's SIGTERM installation: its byte arrives on the socket.
type Term<'a> = Option<&'a (
    crate::worker::signals::SignalGuard,
    std::os::unix::net::UnixStream,
)>;

/// A SIGTERM reached this worker (it stops serving messages).
static STOPPING: AtomicBool = AtomicBool::new(false);

pub fn register() {
    let mut c = Class::new("Swoole\\Process\\Pool");
    c.props = vec![
        ("master_pid", Default::Long(-1), PUBLIC),
        ("workerPid", Default::Long(-1), PUBLIC),
        ("workerId", Default::Long(-1), PUBLIC),
        ("workers", Default::Null, PUBLIC),
        ("workerRunning", Default::Bool(false), PUBLIC),
        ("running", Default::Bool(false), PUBLIC),
    ];
    c.methods = vec![
        m(
            "__construct",
            pool_construct,
            "int $worker_num, int $ipc_type = SWOOLE_IPC_NONE, int $msgqueue_key = 0, bool $enable_coroutine = false",
            "",
        ),
        m("set", pool_set, "array $settings", "void"),
        m("on", pool_on, "string $name, callable $callback", "bool"),
        m("getProcess", pool_get_process, "int $work_id = -1", "Swoole\\Process|false"),
        m("listen", pool_listen, "string $host, int $port = 0, int $backlog = 2048", "bool"),
        m("write", pool_write, "string $data", "bool"),
        m("sendMessage", pool_send_message, "string $data, int $dst_worker_id", "bool"),
        m("detach", pool_detach, "", "bool"),
        m("start", pool_start, "", "null|false"),
        m("stop", pool_stop, "", "void"),
        m("shutdown", pool_shutdown, "", "bool"),
    ];
    POOL.set(c.register());
}

fn with<R>(
    ex: &mut ExecuteData,
    f: impl FnOnce(&mut PoolState, *mut ext_php_rs::ffi::zend_object) -> R,
) -> Option<R> {
    let (h, o) = zend::this_object(ex)?;
    POOLS.with(|p| p.borrow_mut().get_mut(&h).map(|s| f(s, o)))
}

fn pool_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 4) else {
        return;
    };
    let (Some(worker_num), Some(ipc), Some(msgqueue_key), Some(coroutine)) = (
        args.long(0, "worker_num"),
        args.long_or(1, "ipc_type", IPC_NONE),
        args.long_or(2, "msgqueue_key", 0),
        args.bool_or(3, "enable_coroutine", false),
    ) else {
        return;
    };
    if worker_num <= 0 {
        zend::throw(
            super::server::EXCEPTION.get(),
            "the parameter $worker_num must be greater than 0",
            0,
        );
        return;
    }
    if ![IPC_NONE, IPC_UNIXSOCK, IPC_MSGQUEUE, IPC_SOCKET].contains(&ipc) {
        zend::warning_docref(&format!(
            "ipc_type {ipc} is not supported by swoole-rs yet (see the compatibility table in its README)"
        ));
    }
    let Some((h, _)) = zend::this_object(ex) else {
        return;
    };
    let state = PoolState {
        worker_num: worker_num as usize,
        ipc,
        enable_coroutine: coroutine,
        callbacks: Rc::new(RefCell::new(Callbacks::default())),
        inboxes: Vec::new(),
        shared: None,
        worker_id: -1,
        listener: None,
        response: None,
        msgqueue_key,
        queue: None,
    };
    POOLS.with(|p| p.borrow_mut().insert(h, state));
}

fn pool_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.array(0, "settings") else {
        return;
    };
    let coroutine = settings.get("enable_coroutine").map(Zval::is_true);
    with(ex, |s, _| {
        if let Some(c) = coroutine {
            s.enable_coroutine = c;
        }
    });
    rv.set_null();
}

fn pool_on(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(name) = args.string(0, "name") else {
        return;
    };
    let Some(cb) = args.get(1).and_then(Callback::new) else {
        let fname = super::args::function_name(ex);
        zend::throw_type_error(&format!(
            "{fname}(): Argument #2 ($callback) must be a valid callback"
        ));
        return;
    };
    rv.set_bool(false);
    let ipc = with(ex, |s, _| s.ipc).unwrap_or(IPC_NONE);
    let Some(callbacks) = with(ex, |s, _| s.callbacks.clone()) else {
        return;
    };
    let mut c = callbacks.borrow_mut();
    match name.to_ascii_lowercase().as_str() {
        "workerstart" => c.worker_start = Some(cb),
        "workerstop" => c.worker_stop = Some(cb),
        "message" => {
            if ipc == IPC_NONE {
                drop(c);
                zend::throw(
                    super::server::EXCEPTION.get(),
                    "cannot set `onMessage` event with ipc_type=0",
                    crate::php::errors::INVALID_PARAMS,
                );
                return;
            }
            c.message = Some(cb);
        }
        "start" => c.start = Some(cb),
        "shutdown" => c.shutdown = Some(cb),
        _ => {
            drop(c);
            zend::warning_docref(&format!("unknown event type[{name}]"));
            return;
        }
    }
    rv.set_bool(true);
}

/// The manager's side of the pool.
struct Hooks {
    pool: Zval,
    handle: u32,
}

impl PoolHooks for Hooks {
    fn before_fork(&mut self) {
        zend::flush_output();
    }

    fn run_worker(&mut self, id: usize) -> i32 {
        super::signal::forget_in_child();
        run_worker(&self.pool, self.handle, id)
    }

    fn manager_start(&mut self) {
        let cb = callbacks(self.handle).and_then(|c| c.borrow().start.clone());
        if let Some(cb) = cb {
            cb.call(&mut [zend::zcopy(&self.pool)]);
        }
    }

    fn worker_error(&mut self, _id: usize, _pid: i32, _status: ExitStatus) {}

    fn manager_stop(&mut self) {}
}

fn callbacks(h: u32) -> Option<Rc<RefCell<Callbacks>>> {
    POOLS.with(|p| p.borrow().get(&h).map(|s| s.callbacks.clone()))
}

fn pool_start(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    rv.set_bool(false);
    let Some((h, o)) = zend::this_object(ex) else {
        return;
    };
    let Some((workers, ipc)) = POOLS.with(|p| p.borrow().get(&h).map(|s| (s.worker_num, s.ipc)))
    else {
        return;
    };
    let shared = match SharedTable::create(1) {
        Ok(s) => s,
        Err(e) => {
            zend::warning_docref(&format!("unable to create the pool's shared memory: {e}"));
            return;
        }
    };
    let mut queue = None;
    if ipc == IPC_MSGQUEUE {
        let key = POOLS.with(|p| p.borrow().get(&h).map_or(0, |s| s.msgqueue_key));
        match MsgQueue::open(key as libc::key_t, true) {
            Ok(q) => queue = Some(q),
            Err(e) => {
                super::client::sys_warning("msgget() failed", i64::from(e));
                return;
            }
        }
    }
    let mut inboxes = Vec::new();
    if ipc == IPC_UNIXSOCK {
        for _ in 0..workers {
            match UnixDatagram::pair() {
                Ok(pair) => inboxes.push(pair),
                Err(e) => {
                    zend::warning_docref(&format!("socketpair() failed: {e}"));
                    return;
                }
            }
        }
    }
    POOLS.with(|p| {
        if let Some(s) = p.borrow_mut().get_mut(&h) {
            s.inboxes = inboxes;
            s.shared = Some(shared);
            s.queue = queue;
        }
    });
    let pid = os::pid();
    zend::set_prop(o, "master_pid", zlong(i64::from(pid)));
    let cfg = PoolConfig {
        event_workers: workers,
        task_workers: 0,
        user_processes: 0,
        max_wait: std::time::Duration::from_secs(3),
        master_pid: None,
    };
    let mut hooks = Hooks {
        pool: zend::new_ref_to(o),
        handle: h,
    };
    let result = manager::run(shared, cfg, &mut hooks);
    let cb = callbacks(h).and_then(|c| c.borrow().shutdown.clone());
    if let Some(cb) = cb {
        cb.call(&mut [zend::new_ref_to(o)]);
    }
    match result {
        Ok(()) => rv.set_null(),
        Err(e) => zend::warning_docref(&format!("the pool's manager failed: {e}")),
    }
}

/// Worker `id`'s body in its forked process; its exit code.
fn run_worker(pool: &Zval, h: u32, id: usize) -> i32 {
    let Some(o) = zend::obj_ptr(pool) else {
        return 1;
    };
    let Some((callbacks, coroutine, inbox, listener, queue)) = POOLS.with(|p| {
        let mut p = p.borrow_mut();
        let s = p.get_mut(&h)?;
        s.worker_id = id as i64;
        let inbox = s.inboxes.get(id).and_then(|(r, _)| r.try_clone().ok());
        let listener = s.listener.as_ref().and_then(|l| l.try_clone().ok());
        Some((
            s.callbacks.clone(),
            s.enable_coroutine,
            inbox,
            listener,
            s.queue,
        ))
    }) else {
        return 1;
    };
    STOPPING.store(false, Ordering::Relaxed);
    timers::timers().clear_all();
    zend::set_prop(o, "running", zbool(true));
    zend::set_prop(o, "workerRunning", zbool(true));
    zend::set_prop(o, "workerPid", zlong(i64::from(os::pid())));
    zend::set_prop(o, "workerId", zlong(id as i64));
    let (start, message, stop) = {
        let c = callbacks.borrow();
        (
            c.worker_start.clone(),
            c.message.clone(),
            c.worker_stop.clone(),
        )
    };
    let args = || vec![zend::zcopy(pool), zlong(id as i64)];
    let mut outcome = CallOutcome::Ok;
    let serves = message.is_some() && (inbox.is_some() || listener.is_some() || queue.is_some());
    // SIGTERM ends a worker that serves messages or runs coroutines
    // gracefully (onWorkerStop runs); otherwise it is the default (death).
    let installed =
        (serves || coroutine).then(|| crate::worker::signals::install(&[libc::SIGTERM]).ok());
    let term = installed.as_ref().and_then(|t| t.as_ref());
    let mut inbox = inbox;
    if coroutine {
        if let Some(cb) = start {
            super::coroutine::spawn_callback(cb, args(), None);
        }
        // Unix-socket messages come in the loop, each in a coroutine.
        if let (Some(cb), Some(inbox)) = (message.clone(), inbox.take()) {
            serve_in_loop(pool, cb, inbox);
        }
        super::timer::wait_for_timers();
    } else if let Some(cb) = start {
        outcome = cb.call(&mut args());
    }
    // The other messages are served here; the stream protocol answers each
    // connection when onMessage returns, so its callbacks run to their end
    // even with coroutines.
    if let (Some(cb), CallOutcome::Ok) = (message, outcome) {
        if let Some(inbox) = inbox {
            outcome = serve_blocking(pool, &cb, &inbox, term);
        } else if let Some(l) = listener {
            outcome = serve_connections(pool, h, &cb, &l, term);
        } else if let Some(q) = queue {
            outcome = serve_queue(pool, &cb, q, term);
        }
    }
    zend::set_prop(o, "running", zbool(false));
    zend::set_prop(o, "workerRunning", zbool(false));
    if let (Some(cb), CallOutcome::Ok) = (stop, outcome) {
        cb.call(&mut args());
    }
    zend::flush_output();
    match outcome {
        CallOutcome::Bailout => 255,
        _ => zend::exit_status(),
    }
}

/// Serves messages in the loop (a coroutine each) until SIGTERM.
fn serve_in_loop(pool: &Zval, cb: Callback, inbox: UnixDatagram) {
    let pool = zend::zcopy(pool);
    let hold = timers::timers().hold();
    timers::defer_or_now(Box::new(move || {
        let Ok(sock) = inbox
            .set_nonblocking(true)
            .and_then(|()| tokio::net::UnixDatagram::from_std(inbox))
        else {
            return;
        };
        tokio::task::spawn_local(async move {
            let _hold = hold;
            let mut buf = vec![0u8; 1 << 16];
            while !STOPPING.load(Ordering::Relaxed) {
                let Ok(n) = sock.recv(&mut buf).await else {
                    break;
                };
                let args = vec![zend::zcopy(&pool), zend::zstr(&buf[..n])];
                super::coroutine::spawn_callback(cb.clone(), args, None);
            }
        });
    }));
}

/// Serves messages on the PHP thread, waiting for each, until SIGTERM
/// (its byte arrives on `term`'s socket) or an uncaught error.
fn serve_blocking(pool: &Zval, cb: &Callback, inbox: &UnixDatagram, term: Term<'_>) -> CallOutcome {
    let mut buf = vec![0u8; 1 << 16];
    while readable_unless_term(inbox.as_raw_fd(), term) {
        let Ok(n) = inbox.recv(&mut buf) else {
            return CallOutcome::Ok;
        };
        let outcome = cb.call(&mut [zend::zcopy(pool), zend::zstr(&buf[..n])]);
        if outcome != CallOutcome::Ok || STOPPING.load(Ordering::Relaxed) {
            return outcome;
        }
    }
    CallOutcome::Ok
}

/// Waits until `fd` is readable or SIGTERM arrives (its byte on `term`'s
/// socket): false for SIGTERM.
fn readable_unless_term(fd: i32, term: Term<'_>) -> bool {
    loop {
        let mut fds = vec![libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        }];
        if let Some((_, t)) = term {
            fds.push(libc::pollfd {
                fd: t.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // SAFETY: a valid array of pollfds with its length.
        if unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) } < 0 {
            continue;
        }
        if fds.get(1).is_some_and(|f| f.revents != 0) {
            return false;
        }
        if fds[0].revents != 0 {
            return true;
        }
    }
}

/// `SWOOLE_IPC_SOCKET`: accepts connections, one message each (see the
/// module doc), until SIGTERM or an uncaught error.
fn serve_connections(
    pool: &Zval,
    h: u32,
    cb: &Callback,
    listener: &socket2::Socket,
    term: Term<'_>,
) -> CallOutcome {
    use std::io::{Read, Write};
    while readable_unless_term(listener.as_raw_fd(), term) {
        let Ok((conn, _)) = listener.accept() else {
            continue;
        };
        let _ = conn.set_nonblocking(false);
        let mut conn = std::net::TcpStream::from(conn);
        let mut head = [0u8; 4];
        if conn.read_exact(&mut head).is_err() {
            continue;
        }
        let len = u32::from_be_bytes(head) as usize;
        if len == 0 || len > MAX_PACKET {
            continue;
        }
        let mut body = vec![0u8; len];
        if conn.read_exact(&mut body).is_err() {
            continue;
        }
        set_response(h, Some(Vec::new()));
        let outcome = cb.call(&mut [zend::zcopy(pool), zend::zstr(&body)]);
        let reply = set_response(h, None).unwrap_or_default();
        if !reply.is_empty() {
            let mut out = (reply.len() as u32).to_be_bytes().to_vec();
            out.extend_from_slice(&reply);
            let _ = conn.write_all(&out);
        }
        drop(conn);
        if outcome != CallOutcome::Ok || STOPPING.load(Ordering::Relaxed) {
            return outcome;
        }
    }
    CallOutcome::Ok
}

/// `SWOOLE_IPC_MSGQUEUE`: any message of the queue, for onMessage, until
/// SIGTERM. A System V queue cannot be polled: it is tried without
/// waiting, and while empty the worker waits up to 10 ms for SIGTERM.
fn serve_queue(pool: &Zval, cb: &Callback, queue: MsgQueue, term: Term<'_>) -> CallOutcome {
    let nowait = queue.without_waiting();
    while !STOPPING.load(Ordering::Relaxed) {
        match nowait.pop(0, MSG_MAX) {
            Ok(data) => {
                let outcome = cb.call(&mut [zend::zcopy(pool), zend::zstr(&data)]);
                if outcome != CallOutcome::Ok {
                    return outcome;
                }
            }
            Err(e) if e == libc::ENOMSG || e == libc::EINTR => {
                let Some((_, t)) = term else {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                };
                let mut fd = libc::pollfd {
                    fd: t.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                if unsafe { libc::poll(&mut fd, 1, 10) } > 0 {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    CallOutcome::Ok
}

/// Replaces the pending response of pool `h`; the one it had.
fn set_response(h: u32, new: Option<Vec<u8>>) -> Option<Vec<u8>> {
    POOLS.with(|p| {
        p.borrow_mut()
            .get_mut(&h)
            .and_then(|s| std::mem::replace(&mut s.response, new))
    })
}

/// `listen($host, $port = 0, $backlog = 2048)`: the port the workers
/// accept on (`SWOOLE_IPC_SOCKET`), opened before `start()`.
fn pool_listen(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let (Some(host), Some(port), Some(backlog)) = (
        args.string(0, "host"),
        args.long_or(1, "port", 0),
        args.long_or(2, "backlog", 2048),
    ) else {
        return;
    };
    rv.set_bool(false);
    if with(ex, |s, _| s.ipc).is_some_and(|ipc| ipc != IPC_SOCKET) {
        zend::warning_docref("unsupported ipc type, must be SWOOLE_IPC_SOCKET");
        return;
    }
    let bound = (|| -> std::io::Result<socket2::Socket> {
        let port =
            u16::try_from(port).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))?
            .next()
            .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EINVAL))?;
        let sock = socket2::Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::STREAM,
            None,
        )?;
        sock.set_reuse_address(true)?;
        sock.bind(&addr.into())?;
        sock.listen(i32::try_from(backlog).unwrap_or(2048))?;
        Ok(sock)
    })();
    match bound {
        Ok(sock) => {
            with(ex, |s, _| s.listener = Some(sock));
            rv.set_bool(true);
        }
        Err(e) => super::client::sys_warning(
            &format!("failed to listen server port[{host}:{port}]"),
            i64::from(e.raw_os_error().unwrap_or(0)),
        ),
    }
}

/// `write($data)`: in onMessage of `SWOOLE_IPC_SOCKET`, adds `$data` to
/// the answer of the connection.
fn pool_write(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    let ok = !data.is_empty()
        && with(ex, |s, _| match s.response.as_mut() {
            Some(r) => {
                r.extend_from_slice(&data);
                true
            }
            None => false,
        })
        .unwrap_or(false);
    if !ok {
        crate::php::errors::set_last_error(crate::php::errors::INVALID_PARAMS);
    }
    rv.set_bool(ok);
}

fn pool_send_message(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let (Some(data), Some(dst)) = (args.bytes(0, "data"), args.long(1, "dst_worker_id")) else {
        return;
    };
    rv.set_bool(false);
    let target = with(ex, |s, _| {
        if s.ipc != IPC_UNIXSOCK {
            return Err("the ipc_type is not SWOOLE_IPC_UNIXSOCK");
        }
        let Ok(i) = usize::try_from(dst) else {
            return Err("invalid worker_id");
        };
        s.inboxes
            .get(i)
            .and_then(|(_, w)| w.try_clone().ok())
            .ok_or("invalid worker_id")
    });
    match target {
        Some(Ok(sock)) => rv.set_bool(sock.send(&data).is_ok()),
        Some(Err(why)) => zend::warning_docref(why),
        None => {}
    }
}

fn pool_get_process(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(id) = args.long_or(0, "work_id", -1) else {
        return;
    };
    rv.set_bool(false);
    let Some((me, shared, workers)) = with(ex, |s, _| (s.worker_id, s.shared, s.worker_num)) else {
        return;
    };
    let id = if id < 0 { me } else { id };
    if id < 0 || id as usize >= workers {
        zend::warning_docref(&format!("invalid worker_id[{id}]"));
        return;
    }
    let pid = if id == me {
        i64::from(os::pid())
    } else {
        shared.map_or(-1, |s| i64::from(s.worker_pid(id as usize)))
    };
    let Some(process) = super::process::detached(pid, id) else {
        return;
    };
    *rv = process;
}

fn pool_detach(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    rv.set_bool(false);
    let Some((id, shared)) = with(ex, |s, _| (s.worker_id, s.shared)) else {
        return;
    };
    let (Ok(id), Some(shared)) = (usize::try_from(id), shared) else {
        return;
    };
    shared.set_worker_status(id, manager::WORKER_DETACHED);
    STOPPING.store(true, Ordering::Relaxed);
    rv.set_bool(os::signal(shared.manager_pid(), libc::SIGWINCH));
}

fn pool_stop(ex: &mut ExecuteData, rv: &mut Zval) {
    let _ = Args::parse(ex, 0, 0);
    STOPPING.store(true, Ordering::Relaxed);
    // SAFETY: a signal to this very process, which its pool worker turns
    // into a graceful stop.
    unsafe { libc::raise(libc::SIGTERM) };
    rv.set_null();
}

fn pool_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    let master = with(ex, |_, o| {
        zend::get_prop(o, "master_pid").and_then(|z| z.long())
    })
    .flatten()
    .unwrap_or(-1);
    rv.set_bool(master > 0 && os::signal(master as i32, libc::SIGTERM));
}

/// Drops every pool's state at request end.
pub fn request_shutdown() {
    POOLS.with(|p| p.borrow_mut().clear());
}
