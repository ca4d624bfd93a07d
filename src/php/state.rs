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
    /// The Port object in `$server->ports[0]` holding port callbacks.
    pub port_obj: Cell<*mut zend_object>,
    pub kind: Kind,
    pub mode: i64,
    /// The listener was created with `SWOOLE_SSL`.
    pub ssl: Cell<bool>,
    pub settings: RefCell<Settings>,
    pub listener: RefCell<Option<std::net::TcpListener>>,
    pub runtime: RefCell<Option<Rc<runtime::Server>>>,
    pub callbacks: RefCell<Rc<Callbacks>>,
    pub running: Cell<bool>,
    /// `exit()` or a fatal error happened in a callback: stop and unwind.
    pub abort: Cell<Option<CallOutcome>>,
    pub worker_pid: Cell<i64>,
    /// Rooms and the cluster bus, made by start() (swoole-rs).
    pub node: RefCell<Option<runtime::node::Node>>,
    /// This process's sending end of the cluster bus.
    pub publisher: RefCell<Option<Rc<runtime::bus::Publisher>>>,
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
            port_obj: Cell::new(std::ptr::null_mut()),
            kind,
            mode,
            ssl: Cell::new(false),
            settings: RefCell::new(Settings::default()),
            listener: RefCell::new(None),
            runtime: RefCell::new(None),
            callbacks: RefCell::new(Rc::new(Callbacks::default())),
            running: Cell::new(false),
            abort: Cell::new(None),
            worker_pid: Cell::new(0),
            node: RefCell::new(None),
            publisher: RefCell::new(None),
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
        let mut z = Zval::new();
        // SAFETY: obj is alive while the state holds its reference.
        unsafe { z.set_object(&mut *self.obj) };
        z
    }

    pub fn runtime(&self) -> Option<Rc<runtime::Server>> {
        self.runtime.borrow().clone()
    }

    fn owner_obj(&self, owner: Owner) -> *mut zend_object {
        match owner {
            Owner::Server => self.obj,
            Owner::Port => self.port_obj.get(),
        }
    }

    /// The stored callback value of an event property, if set.
    pub fn callback_value(&self, prop: &str, owner: Owner) -> Option<Zval> {
        let obj = self.owner_obj(owner);
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

    pub fn store_callback(&self, prop: &str, owner: Owner, value: Zval) {
        let obj = self.owner_obj(owner);
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

    /// Rebuilds the resolved callback cache from the properties.
    pub fn resolve_callbacks(&self) {
        let get = |prop: &str, owner| {
            self.callback_value(prop, owner)
                .and_then(|v| Callback::new(&v))
        };
        let cbs = Callbacks {
            start: get("onStart", Owner::Server),
            shutdown: get("onShutdown", Owner::Server),
            before_shutdown: get("onBeforeShutdown", Owner::Server),
            worker_start: get("onWorkerStart", Owner::Server),
            worker_stop: get("onWorkerStop", Owner::Server),
            worker_exit: get("onWorkerExit", Owner::Server),
            worker_error: get("onWorkerError", Owner::Server),
            manager_start: get("onManagerStart", Owner::Server),
            manager_stop: get("onManagerStop", Owner::Server),
            task: get("onTask", Owner::Server),
            finish: get("onFinish", Owner::Server),
            pipe_message: get("onPipeMessage", Owner::Server),
            connect: get("onConnect", Owner::Port),
            close: get("onClose", Owner::Port),
            request: get("onRequest", Owner::Port),
            handshake: get("onHandshake", Owner::Port),
            before_handshake_response: get("onBeforeHandshakeResponse", Owner::Port),
            open: get("onOpen", Owner::Port),
            message: get("onMessage", Owner::Port),
            disconnect: get("onDisconnect", Owner::Port),
        };
        self.set_callbacks(Rc::new(cbs));
    }

    /// Replaces the callback cache. The old one is dropped after the borrow
    /// ends: dropping a closure can run PHP destructors, which may call
    /// back into the server (`on()`, `close()`, ...).
    pub fn set_callbacks(&self, cbs: Rc<Callbacks>) {
        let old = std::mem::replace(&mut *self.callbacks.borrow_mut(), cbs);
        drop(old);
    }

    pub fn callbacks(&self) -> Rc<Callbacks> {
        self.callbacks.borrow().clone()
    }

    /// Runs a callback; an `exit()` or fatal error stops the server.
    pub fn invoke(&self, cb: &Callback, args: &mut [Zval]) -> CallOutcome {
        let outcome = cb.call(args);
        self.after_call(outcome);
        outcome
    }

    /// Starts a graceful shutdown: onBeforeShutdown, then every client gets
    /// a 1001 close frame and `start()` returns once queues drained.
    pub fn begin_shutdown(&self) {
        let Some(rt) = self.runtime() else { return };
        if rt.is_stopping() {
            return;
        }
        if let Some(cb) = &self.callbacks().before_shutdown {
            self.invoke(cb, &mut [self.this_zval()]);
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
        let Some(cb) = cb else { return false };
        args.insert(0, self.this_zval());
        self.invoke(cb, &mut args);
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
