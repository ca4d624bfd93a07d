//! The one server of this process (Swoole allows one) and its callbacks.
//!
//! The PHP object is the source of truth for callbacks (declared private
//! properties, visible to PHP's GC); [`Callbacks`] is a resolved cache of
//! them, rebuilt whenever `on()` changes one.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ext_php_rs::ffi::zend_object;
use ext_php_rs::types::Zval;

use super::zend::{self, zlong, CallOutcome, Callback};
use crate::runtime::{self, Settings};
use crate::worker::cluster;
use crate::worker::lifecycle::{Event, Identity, Script};

/// Where an event's callback is stored: on the server object or its port.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Owner {
    Server,
    Port,
}

/// Swoole's event names: (lower-case name, property, owner).
pub const EVENTS: &[(&str, &str, Owner)] = &[
    ("start", "onStart", Owner::Server),
    ("beforeshutdown", "onBeforeShutdown", Owner::Server),
    ("shutdown", "onShutdown", Owner::Server),
    ("workerstart", "onWorkerStart", Owner::Server),
    ("workerstop", "onWorkerStop", Owner::Server),
    ("beforereload", "onBeforeReload", Owner::Server),
    ("afterreload", "onAfterReload", Owner::Server),
    ("workerexit", "onWorkerExit", Owner::Server),
    ("workererror", "onWorkerError", Owner::Server),
    ("task", "onTask", Owner::Server),
    ("finish", "onFinish", Owner::Server),
    ("managerstart", "onManagerStart", Owner::Server),
    ("managerstop", "onManagerStop", Owner::Server),
    ("pipemessage", "onPipeMessage", Owner::Server),
    ("connect", "onConnect", Owner::Port),
    ("receive", "onReceive", Owner::Port),
    ("close", "onClose", Owner::Port),
    ("packet", "onPacket", Owner::Port),
    ("bufferfull", "onBufferFull", Owner::Port),
    ("bufferempty", "onBufferEmpty", Owner::Port),
    ("request", "onRequest", Owner::Port),
    ("handshake", "onHandshake", Owner::Port),
    ("open", "onOpen", Owner::Port),
    ("message", "onMessage", Owner::Port),
    ("disconnect", "onDisconnect", Owner::Port),
    (
        "beforehandshakeresponse",
        "onBeforeHandshakeResponse",
        Owner::Port,
    ),
];

pub fn event(name: &str) -> Option<(&'static str, Owner)> {
    let lower = name.to_ascii_lowercase();
    EVENTS
        .iter()
        .find(|(n, _, _)| *n == lower)
        .map(|(_, prop, owner)| (*prop, *owner))
}

/// Resolved callbacks of the running server.
#[derive(Default)]
pub struct Callbacks {
    pub start: Option<Callback>,
    pub shutdown: Option<Callback>,
    pub before_shutdown: Option<Callback>,
    pub worker_start: Option<Callback>,
    pub worker_stop: Option<Callback>,
    pub worker_exit: Option<Callback>,
    pub worker_error: Option<Callback>,
    pub manager_start: Option<Callback>,
    pub manager_stop: Option<Callback>,
    pub before_reload: Option<Callback>,
    pub after_reload: Option<Callback>,
    pub task: Option<Callback>,
    pub finish: Option<Callback>,
    pub pipe_message: Option<Callback>,
    pub connect: Option<Callback>,
    pub close: Option<Callback>,
    pub request: Option<Callback>,
    pub handshake: Option<Callback>,
    pub before_handshake_response: Option<Callback>,
    pub open: Option<Callback>,
    pub message: Option<Callback>,
    pub disconnect: Option<Callback>,
    pub receive: Option<Callback>,
    pub packet: Option<Callback>,
    /// The port's `package_length_func` setting.
    pub length_func: Option<Callback>,
}

/// One of the server's ports as PHP sees it: its `Swoole\Server\Port`
/// object, its socket until start() takes it, and its own settings once
/// `$port->set()` was called.
pub struct PortState {
    /// The `Swoole\Server\Port` object; a reference is held while the
    /// state lives.
    pub obj: *mut zend_object,
    pub sock_type: i64,
    /// The listening socket's descriptor (the port's identity).
    pub server_fd: i32,
    /// The bound port (0 for unix sockets).
    pub port: u16,
    /// A UDP or unix datagram port.
    pub datagram: bool,
    pub listener: Option<runtime::port::Socket>,
    /// `$port->set()`'s settings; None: the port takes the server's (the
    /// main port always does).
    pub settings: Option<Settings>,
    /// Decided at start(): the port speaks HTTP, and WebSocket.
    pub http: bool,
    pub websocket: bool,
}

impl PortState {
    pub fn new(obj: *mut zend_object, sock_type: i64, listener: runtime::port::Socket) -> Self {
        // SAFETY: obj is a live Port object; keep it alive with the state.
        unsafe { (*obj).gc.refcount += 1 };
        PortState {
            obj,
            sock_type,
            server_fd: listener.fd(),
            port: listener.local_port(),
            datagram: listener.is_datagram(),
            listener: Some(listener),
            settings: None,
            http: false,
            websocket: false,
        }
    }

    pub fn ssl(&self) -> bool {
        self.sock_type & super::server::SWOOLE_SSL != 0
    }
}

impl Drop for PortState {
    fn drop(&mut self) {
        // SAFETY: releases the reference taken in `new` (OBJ_RELEASE).
        unsafe { ext_php_rs::ffi::ext_php_rs_zend_object_release(self.obj) };
    }
}

/// Kind of server class: decides which callback `start()` requires.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Tcp,
    Http,
    WebSocket,
}

pub struct ServerState {
    /// The PHP `$server` object; a reference is held while the state lives.
    pub obj: *mut zend_object,
    pub kind: Kind,
    pub mode: i64,
    pub settings: RefCell<Settings>,
    /// `$server->ports`: the main port first, then those `listen()` added.
    pub ports: RefCell<Vec<PortState>>,
    pub runtime: RefCell<Option<Rc<runtime::Server>>>,
    /// The resolved callbacks of each port, in `ports` order (a port's
    /// own, else the main port's, as in Swoole).
    pub callbacks: RefCell<Vec<(i32, Rc<Callbacks>)>>,
    pub running: Cell<bool>,
    /// `exit()` or a fatal error happened in a callback: stop and unwind.
    pub abort: Cell<Option<CallOutcome>>,
    pub worker_pid: Cell<i64>,
    /// Rooms and the cluster bus, made by start() (swoole-rs).
    pub node: RefCell<Option<runtime::node::Node>>,
    /// This process's sending end of the cluster bus.
    pub publisher: RefCell<Option<Rc<runtime::bus::Publisher>>>,
    /// The `Swoole\Process` objects `addProcess()` added, in order.
    pub user_processes: RefCell<Vec<Zval>>,
}

impl Drop for ServerState {
    fn drop(&mut self) {
        // SAFETY: releases the reference taken in `new` (OBJ_RELEASE).
        unsafe { ext_php_rs::ffi::ext_php_rs_zend_object_release(self.obj) };
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<ServerState>>> = const { RefCell::new(None) };
}

pub fn current() -> Option<Rc<ServerState>> {
    CURRENT.with(|c| c.borrow().clone())
}

pub fn set_current(s: Option<Rc<ServerState>>) {
    let old = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), s));
    drop(old);
}

impl ServerState {
    pub fn new(obj: *mut zend_object, kind: Kind, mode: i64) -> Self {
        // SAFETY: obj is the live object under construction; keep it alive.
        unsafe { (*obj).gc.refcount += 1 };
        ServerState {
            obj,
            kind,
            mode,
            // A plain Swoole\Server speaks no HTTP unless told to.
            settings: RefCell::new(match kind {
                Kind::Tcp => Settings::plain_port(),
                Kind::Http | Kind::WebSocket => Settings::default(),
            }),
            ports: RefCell::new(Vec::new()),
            runtime: RefCell::new(None),
            callbacks: RefCell::new(Vec::new()),
            running: Cell::new(false),
            abort: Cell::new(None),
            worker_pid: Cell::new(0),
            node: RefCell::new(None),
            publisher: RefCell::new(None),
            user_processes: RefCell::new(Vec::new()),
        }
    }

    /// Inside this process's event loop: hooks `rt` to the node's rooms
    /// and bus (`owner`: its connections are real, not mirrors; `log_outages`:
    /// it speaks for the node about bus outages) and starts the publisher.
    pub fn attach_node(&self, rt: &Rc<runtime::Server>, owner: bool, log_outages: bool) {
        let Some(node) = self.node.borrow().clone() else {
            return;
        };
        if owner {
            node.attach_owner(rt, log_outages);
        }
        *self.publisher.borrow_mut() = node.start_publisher();
    }

    /// `$server` as a zval for a callback argument.
    pub fn this_zval(&self) -> Zval {
        // obj is alive while the state holds its reference.
        zend::new_ref_to(self.obj)
    }

    pub fn runtime(&self) -> Option<Rc<runtime::Server>> {
        self.runtime.borrow().clone()
    }

    /// The object an event's callback is kept on: the server, or `port`
    /// (the main port when None).
    fn owner_obj(&self, owner: Owner, port: Option<*mut zend_object>) -> *mut zend_object {
        match owner {
            Owner::Server => self.obj,
            Owner::Port => port.unwrap_or_else(|| {
                self.ports
                    .borrow()
                    .first()
                    .map_or(std::ptr::null_mut(), |p| p.obj)
            }),
        }
    }

    /// The stored callback value of an event property on the server or a
    /// port (the main port when None), if set.
    pub fn callback_value(
        &self,
        prop: &str,
        owner: Owner,
        port: Option<*mut zend_object>,
    ) -> Option<Zval> {
        let obj = self.owner_obj(owner, port);
        if obj.is_null() {
            return None;
        }
        let scope = match owner {
            Owner::Server => super::server::SERVER.get(),
            Owner::Port => super::server::PORT.get(),
        };
        zend::get_prop_scoped(scope, obj, prop)
            .filter(|z| !z.is_null())
            .map(zend::zcopy)
    }

    pub fn store_callback(
        &self,
        prop: &str,
        owner: Owner,
        port: Option<*mut zend_object>,
        value: Zval,
    ) {
        let obj = self.owner_obj(owner, port);
        if obj.is_null() {
            return;
        }
        let scope = match owner {
            Owner::Server => super::server::SERVER.get(),
            Owner::Port => super::server::PORT.get(),
        };
        zend::set_prop_scoped(scope, obj, prop, value);
        if self.running.get() {
            self.resolve_callbacks();
        }
    }

    /// Whether `obj` is one of this server's ports.
    pub fn is_port(&self, obj: *mut zend_object) -> bool {
        self.ports.borrow().iter().any(|p| std::ptr::eq(p.obj, obj))
    }

    /// Rebuilds the resolved callback cache from the properties: for each
    /// port, its own callback of each port event, else the main port's.
    pub fn resolve_callbacks(&self) {
        let get = |prop: &str, owner, port| {
            self.callback_value(prop, owner, port)
                .or_else(|| match port {
                    Some(_) => self.callback_value(prop, owner, None),
                    None => None,
                })
                .and_then(|v| Callback::new(&v))
        };
        let ports: Vec<(i32, *mut zend_object, bool)> = self
            .ports
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, p)| (p.server_fd, p.obj, i > 0))
            .collect();
        let drop_unsafe = self.drops_unsafe_events();
        let mut all = Vec::with_capacity(ports.len().max(1));
        for (server_fd, obj, side) in ports {
            let port = side.then_some(obj);
            // The main port's settings are the server's `setting`.
            let settings_obj = if side { obj } else { self.obj };
            let length_func = zend::get_prop(settings_obj, "setting")
                .and_then(|z| z.array())
                .and_then(|a| a.get("package_length_func"))
                .and_then(Callback::new);
            let unsafe_event = |prop| get(prop, Owner::Port, port).filter(|_| !drop_unsafe);
            let cbs = Callbacks {
                start: get("onStart", Owner::Server, None),
                shutdown: get("onShutdown", Owner::Server, None),
                before_shutdown: get("onBeforeShutdown", Owner::Server, None),
                worker_start: get("onWorkerStart", Owner::Server, None),
                worker_stop: get("onWorkerStop", Owner::Server, None),
                worker_exit: get("onWorkerExit", Owner::Server, None),
                worker_error: get("onWorkerError", Owner::Server, None),
                manager_start: get("onManagerStart", Owner::Server, None),
                manager_stop: get("onManagerStop", Owner::Server, None),
                before_reload: get("onBeforeReload", Owner::Server, None),
                after_reload: get("onAfterReload", Owner::Server, None),
                task: get("onTask", Owner::Server, None),
                finish: get("onFinish", Owner::Server, None),
                pipe_message: get("onPipeMessage", Owner::Server, None),
                connect: unsafe_event("onConnect"),
                close: unsafe_event("onClose"),
                request: get("onRequest", Owner::Port, port),
                handshake: get("onHandshake", Owner::Port, port),
                before_handshake_response: get("onBeforeHandshakeResponse", Owner::Port, port),
                open: get("onOpen", Owner::Port, port),
                message: get("onMessage", Owner::Port, port),
                // Swoole runs it from onClose.
                disconnect: unsafe_event("onDisconnect"),
                receive: get("onReceive", Owner::Port, port),
                packet: get("onPacket", Owner::Port, port),
                length_func,
            };
            all.push((server_fd, Rc::new(cbs)));
        }
        self.set_callbacks(all);
    }

    /// Swoole's `start_check()`: SWOOLE_PROCESS with a `dispatch_mode`
    /// that does not send a connection's events to one worker cannot keep
    /// them in order, so onConnect and onClose (with the onDisconnect it
    /// runs) are not called, unless `enable_unsafe_event` is set.
    pub fn drops_unsafe_events(&self) -> bool {
        let s = self.settings.borrow();
        self.mode == super::server::SWOOLE_PROCESS
            && !s.enable_unsafe_event
            && !crate::worker::relay::hashes_connections(s.dispatch_mode)
    }

    /// Replaces the callback cache. The old one is dropped after the borrow
    /// ends: dropping a closure can run PHP destructors, which may call
    /// back into the server (`on()`, `close()`, ...).
    pub fn set_callbacks(&self, cbs: Vec<(i32, Rc<Callbacks>)>) {
        let old = std::mem::replace(&mut *self.callbacks.borrow_mut(), cbs);
        drop(old);
    }

    /// Every port's callbacks.
    pub fn all_callbacks(&self) -> Vec<Rc<Callbacks>> {
        self.callbacks
            .borrow()
            .iter()
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// The main port's callbacks (and the server's).
    pub fn callbacks(&self) -> Rc<Callbacks> {
        self.callbacks
            .borrow()
            .first()
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }

    /// The callbacks of the port whose listening socket is `server_fd`.
    pub fn callbacks_for(&self, server_fd: i32) -> Rc<Callbacks> {
        let all = self.callbacks.borrow();
        all.iter()
            .find(|(fd, _)| *fd == server_fd)
            .or_else(|| all.first())
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }

    /// What `f` reads from the port whose listening socket is `server_fd`.
    fn with_port<R>(&self, server_fd: i32, f: impl FnOnce(&PortState) -> R) -> Option<R> {
        self.ports
            .borrow()
            .iter()
            .find(|p| p.server_fd == server_fd)
            .map(f)
    }

    /// The socket type (`SWOOLE_SOCK_*`, no flags) of the port whose socket
    /// is `server_fd`.
    pub fn port_sock_type(&self, server_fd: i32) -> Option<i64> {
        self.with_port(server_fd, |p| p.sock_type & 0xff)
    }

    /// The port number of the port whose socket is `server_fd` (0: unix).
    pub fn port_number(&self, server_fd: i32) -> u16 {
        self.with_port(server_fd, |p| p.port).unwrap_or(0)
    }

    /// Whether the port of `server_fd` speaks WebSocket (decided at start()).
    pub fn websocket_port(&self, server_fd: i32) -> bool {
        self.with_port(server_fd, |p| p.websocket).unwrap_or(false)
    }

    /// Whether the port of `server_fd` speaks HTTP (decided at start()).
    pub fn http_port(&self, server_fd: i32) -> bool {
        self.with_port(server_fd, |p| p.http).unwrap_or(false)
    }

    /// Runs a callback; an `exit()` or fatal error stops the server. With
    /// `enable_coroutine` (Swoole's default) it runs in a new coroutine,
    /// so that it can wait (`Co::sleep()`, a channel) while the worker
    /// serves others; what went wrong in it is handled when it happens.
    pub fn invoke(&self, cb: &Callback, args: &mut [Zval]) -> CallOutcome {
        if !self.coroutines() {
            return self.invoke_sync(cb, args);
        }
        self.invoke_then(cb, args.iter().map(zend::zcopy).collect(), None)
    }

    /// [`ServerState::invoke`], then `then` once the callback has ended
    /// (at once, or when its coroutine ends).
    /// The arguments are the callback's own: `then` may rely on nobody
    /// else holding them once the callback ended.
    pub fn invoke_then(
        &self,
        cb: &Callback,
        mut args: Vec<Zval>,
        then: Option<Box<dyn FnOnce()>>,
    ) -> CallOutcome {
        if self.coroutines() {
            if super::coroutine::spawn_callback(cb.clone(), args, then).is_some() {
                return CallOutcome::Ok;
            }
            return CallOutcome::Reported;
        }
        let outcome = self.invoke_sync(cb, &mut args);
        drop(args);
        if let Some(then) = then {
            then();
        }
        outcome
    }

    /// [`ServerState::invoke_then`] for an event read together with others:
    /// in a coroutine, its start may wait for the end of the batch
    /// (`coroutine::spawn_queued`), and it is dropped if `conn` is closing
    /// by then.
    pub fn invoke_queued(
        &self,
        cb: &Callback,
        mut args: Vec<Zval>,
        conn: &Rc<crate::runtime::Connection>,
        then: Option<Box<dyn FnOnce()>>,
    ) {
        if !self.coroutines() {
            self.invoke_sync(cb, &mut args);
            drop(args);
            if let Some(then) = then {
                then();
            }
            return;
        }
        if super::coroutine::spawn_queued(cb.clone(), args, then, conn).is_none() {
            self.after_call(CallOutcome::Reported);
        }
    }

    /// Runs a callback to its end, never in a coroutine of its own (those
    /// whose result the caller needs at once).
    pub fn invoke_sync(&self, cb: &Callback, args: &mut [Zval]) -> CallOutcome {
        let outcome = cb.call(args);
        self.after_call(outcome);
        outcome
    }

    /// Whether callbacks run in coroutines: `enable_coroutine`, unless
    /// this already runs in one.
    fn coroutines(&self) -> bool {
        self.settings.borrow().enable_coroutine && super::coroutine::current() < 0
    }

    /// Starts a graceful shutdown: onBeforeShutdown, then every client gets
    /// a 1001 close frame and `start()` returns once queues drained.
    pub fn begin_shutdown(&self) {
        let Some(rt) = self.runtime() else { return };
        if rt.is_stopping() {
            return;
        }
        if let Some(cb) = &self.callbacks().before_shutdown {
            self.invoke_sync(cb, &mut [self.this_zval()]);
        }
        rt.begin_shutdown();
    }

    pub fn after_call(&self, outcome: CallOutcome) {
        // With a manager to start a new one, a worker ends on an uncaught
        // exception as Swoole's does (a PHP fatal error: exit status 255,
        // onWorkerError); a lone process reports it and goes on serving.
        let outcome = if outcome == CallOutcome::Reported && cluster::is_worker_process() {
            CallOutcome::Bailout
        } else {
            outcome
        };
        if matches!(outcome, CallOutcome::Exit | CallOutcome::Bailout) {
            if self.abort.get().is_none() {
                self.abort.set(Some(outcome));
            }
            if let Some(rt) = self.runtime() {
                cluster::stop_worker(&rt);
            }
        }
    }
}

/// The script's side of the one lifecycle (`worker::lifecycle`): its
/// callbacks, and whether one of them ended it.
impl Script for ServerState {
    fn call(&self, event: Event) -> bool {
        let cbs = self.callbacks();
        let id = |id: usize| zlong(id as i64);
        let (cb, mut args) = match event {
            Event::Start => (&cbs.start, vec![]),
            Event::WorkerStart(w) => (&cbs.worker_start, vec![id(w)]),
            Event::WorkerExit(w) => (&cbs.worker_exit, vec![id(w)]),
            Event::WorkerStop(w) => (&cbs.worker_stop, vec![id(w)]),
            Event::Shutdown => (&cbs.shutdown, vec![]),
            Event::ManagerStart => (&cbs.manager_start, vec![]),
            Event::ManagerStop => (&cbs.manager_stop, vec![]),
            Event::BeforeShutdown => (&cbs.before_shutdown, vec![]),
            Event::BeforeReload => (&cbs.before_reload, vec![]),
            Event::AfterReload => (&cbs.after_reload, vec![]),
            Event::WorkerError {
                id: w,
                pid,
                code,
                signal,
            } if self.settings.borrow().event_object => (
                &cbs.worker_error,
                vec![super::server::status_info_object(
                    w as i64,
                    i64::from(pid),
                    i64::from(code),
                    i64::from(signal),
                )],
            ),
            Event::WorkerError {
                id: w,
                pid,
                code,
                signal,
            } => (
                &cbs.worker_error,
                vec![
                    id(w),
                    zlong(i64::from(pid)),
                    zlong(i64::from(code)),
                    zlong(i64::from(signal)),
                ],
            ),
        };
        if let Event::WorkerStart(w) = event {
            // A BASE worker's reactor holds timer id 1 in Swoole, so the
            // script's first timer there is 2; task workers start at 1.
            let event_worker = (w as i64) < self.settings.borrow().worker_num;
            if self.mode == super::server::SWOOLE_BASE && event_worker {
                crate::worker::timers::timers().reserve_ids_to(1);
            }
        }
        let Some(cb) = cb else { return false };
        args.insert(0, self.this_zval());
        // onWorkerStart runs in a coroutine, as Swoole's; the others run
        // to their end before the process goes on.
        if matches!(event, Event::WorkerStart(_)) {
            self.invoke(cb, &mut args);
        } else {
            self.invoke_sync(cb, &mut args);
        }
        true
    }

    fn aborted(&self) -> bool {
        self.abort.get().is_some()
    }

    fn attach(&self, rt: &Rc<runtime::Server>, owner: bool, speaker: bool) {
        self.attach_node(rt, owner, speaker);
    }

    fn reload_async(&self) -> bool {
        self.settings.borrow().reload_async
    }

    fn busy(&self) -> bool {
        !crate::worker::timers::timers().is_idle() || super::coroutine::count() > 0
    }

    fn max_wait(&self) -> std::time::Duration {
        self.settings.borrow().max_wait_time
    }
}

impl ServerState {
    /// `$server->master_pid`, `manager_pid`, `worker_id` and `worker_pid`
    /// for the process this is.
    pub fn set_identity(&self, who: Identity) {
        zend::set_prop(self.obj, "master_pid", zlong(who.master_pid));
        zend::set_prop(self.obj, "manager_pid", zlong(who.manager_pid));
        zend::set_prop(self.obj, "worker_id", zlong(who.worker_id));
        zend::set_prop(self.obj, "worker_pid", zlong(who.worker_pid));
    }
}
