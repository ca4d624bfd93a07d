//! `start()` and what ends a server (`shutdown()`, `stop()`, `reload()`):
//! the checks Swoole makes, the settings, then one of the process shapes
//! run by `worker::lifecycle`.

use super::*;

pub(super) fn server_start(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 0) else {
        return;
    };
    let Some(st) = startable(ex, rv) else {
        return;
    };
    let Some((listeners, settings)) = prepare(&st) else {
        return;
    };
    let pid_file = settings.pid_file.clone();
    // Several processes: SWOOLE_PROCESS always (this process becomes the
    // master, owning the connections); SWOOLE_BASE with any of worker_num
    // > 1, task workers, max_request or addProcess() (this process becomes
    // the manager).
    let process_mode = st.mode == SWOOLE_PROCESS;
    let several = process_mode
        || settings.worker_num > 1
        || settings.task_worker_num > 0
        || settings.max_request > 0
        || !st.user_processes.borrow().is_empty();
    let result = if several {
        st.running.set(true);
        let spec = super::super::processes::WorkerSpec {
            st: st.clone(),
            listeners,
            settings,
        };
        let run = if process_mode {
            super::super::processes::run_process_mode
        } else {
            super::super::processes::run_manager
        };
        run(spec).map_err(|e| ("failed to start the workers", e))
    } else {
        run_single(&st, listeners, settings).map_err(|e| ("failed to start the event loop", e))
    };
    if let Some(path) = &pid_file {
        process::remove_pid_file(path);
    }
    // The server is over: let go of what it held while PHP can free it.
    // Its loop was the one the script's earlier timers needed (Swoole frees
    // the reactor here): nothing is left for the shutdown to run.
    timers::timers().clear_all();
    super::super::timer::loop_consumed();
    super::super::push_cache::clear();
    st.running.set(false);
    let runtime = st.runtime.borrow_mut().take();
    drop(runtime);
    st.set_callbacks(Vec::new());
    zend::set_prop(st.obj, "worker_id", zlong(-1));
    // A callback's exit() or fatal error ends the script here; in the
    // manager or master the processes were already told to stop.
    let abort = st.abort.take().filter(|_| !several);
    drop(st);
    if let Err((what, e)) = result {
        throw_swoole(
            &format!("{what}: {e}"),
            i64::from(e.raw_os_error().unwrap_or(-1)),
        );
        return;
    }
    match abort {
        // exit() in a callback: its pending unwind exception ends the script.
        Some(CallOutcome::Exit) => {}
        // A fatal error in a callback: finish what PHP started.
        // SAFETY: nothing on this frame needs dropping past this point.
        Some(CallOutcome::Bailout) => unsafe { ext_php_rs::zend::bailout() },
        _ => rv.set_bool(true),
    }
}

/// The server `start()` was called on, if it may start now; otherwise
/// Swoole's warning (rv false) or fatal error.
fn startable(ex: &mut ExecuteData, rv: &mut Zval) -> Option<Rc<ServerState>> {
    let refuse = |rv: &mut Zval, msg: &str| {
        zend::warning_docref(msg);
        rv.set_bool(false);
        None
    };
    let Some(st) = state_for(ex) else {
        return refuse(rv, "server is not created");
    };
    // SAFETY: obj is $this.
    let class = unsafe { &*st.obj }.get_class_name().unwrap_or_default();
    if st.running.get() {
        return refuse(
            rv,
            &format!("The server is running, unable to execute {class}->start()"),
        );
    }
    // Its listening sockets went with its first run.
    if st.ports.borrow().iter().any(|p| p.listener.is_none()) {
        return refuse(
            rv,
            &format!("The server have been shutdown, unable to execute {class}->start()"),
        );
    }
    // A loop runs (a timer's or Event::wait()'s, a coroutine's: Co\run()
    // made one before its function runs).
    if super::super::timer::in_event_loop()
        || tokio::runtime::Handle::try_current().is_ok()
        || super::super::coroutine::current() > 0
    {
        return refuse(
            rv,
            &format!("The event-loop has already been created, unable to start {class}"),
        );
    }
    if st.drops_unsafe_events() {
        warn_unsafe_events(&st);
    }
    st.resolve_callbacks();
    let cbs = st.callbacks();
    match st.kind {
        Kind::WebSocket if cbs.message.is_none() => {
            fatal("require onMessage callback");
            None
        }
        Kind::Http if cbs.request.is_none() => {
            fatal("require onRequest callback");
            None
        }
        _ => Some(st),
    }
}

/// Swoole's warning for each connection callback that
/// [`ServerState::drops_unsafe_events`] drops, when some port set it.
fn warn_unsafe_events(st: &ServerState) {
    let mode = st.settings.borrow().dispatch_mode;
    let ports: Vec<Option<*mut zend_object>> = st
        .ports
        .borrow()
        .iter()
        .enumerate()
        .map(|(i, p)| (i > 0).then_some(p.obj))
        .collect();
    for prop in ["onConnect", "onClose", "onBufferFull", "onBufferEmpty"] {
        let set = ports
            .iter()
            .any(|&port| st.callback_value(prop, Owner::Port, port).is_some());
        if set {
            log::write(
                log::Level::Warning,
                false,
                &format!(
                    "Server::start_check() (ERRNO 9015): cannot set '{prop}' event when using dispatch_mode={mode}"
                ),
            );
        }
    }
}

/// The settings each port starts with: the main port's are the server's
/// (an HTTP or WebSocket server's always speak its protocol); another
/// port's are its own after `$port->set()`, else the server's (Swoole's
/// rule: such a port is set with `$server->setting`).
fn port_settings(st: &ServerState, main: &runtime::Settings) -> Vec<runtime::Settings> {
    st.ports
        .borrow()
        .iter()
        .enumerate()
        .map(|(i, p)| match (&p.settings, i) {
            (Some(own), 1..) => own.clone(),
            _ => main.clone(),
        })
        .collect()
}

/// Everything `start()` sets up before any process or loop exists: the
/// ports (with TLS), the settings as started, the cluster node,
/// daemonizing, the log and the pid file. None after Swoole's warning,
/// exception or fatal error.
fn prepare(st: &ServerState) -> Option<(Vec<runtime::port::Listener>, runtime::Settings)> {
    let mut settings = st.settings.borrow().clone();
    settings.start();
    match st.kind {
        // A plain HTTP server hands upgrade requests to onRequest.
        Kind::Http => {
            settings.open_http_protocol = true;
            settings.open_websocket_protocol = false;
        }
        Kind::WebSocket => {
            settings.open_http_protocol = true;
            settings.open_websocket_protocol = true;
        }
        Kind::Tcp => {}
    }
    let mut per_port = port_settings(st, &settings);
    for s in &mut per_port {
        s.start();
    }
    // Each datagram port needs onPacket, each plain stream port
    // onReceive (its own or the main port's).
    for (i, s) in per_port.iter().enumerate() {
        let http = s.open_http_protocol || s.open_websocket_protocol;
        let (fd, datagram) = {
            let p = &st.ports.borrow()[i];
            (p.server_fd, p.datagram)
        };
        let cbs = st.callbacks_for(fd);
        if datagram && cbs.packet.is_none() {
            fatal("require onPacket callback");
            return None;
        }
        if !datagram && !http && cbs.receive.is_none() {
            fatal("require onReceive callback");
            return None;
        }
        if http && st.kind == Kind::Tcp && cbs.request.is_some() {
            // SAFETY: obj is $this.
            let class = unsafe { &*st.obj }.get_class_name().unwrap_or_default();
            zend::warning_docref(&format!(
                "use {class} class and open http related protocols may lead to some errors (inconsistent class type)"
            ));
        }
    }
    // TLS first: a bad or missing certificate fails start() with a clear
    // exception, before anything runs.
    let mut tls = Vec::with_capacity(per_port.len());
    for (i, s) in per_port.iter().enumerate() {
        if !st.ports.borrow()[i].ssl() || st.ports.borrow()[i].datagram {
            tls.push(None);
            continue;
        }
        let h2 = s.open_http2_protocol && s.open_http_protocol;
        match runtime::tls::server_config(s.ssl_cert_file.as_deref(), s.ssl_key_file.as_deref(), h2)
        {
            Ok(config) => tls.push(Some(config)),
            Err(e) => {
                throw_swoole(&e, errors::SSL_ERROR);
                return None;
            }
        }
    }
    if settings.task_worker_num > 0 && st.callbacks().task.is_none() {
        fatal("require onTask callback");
        return None;
    }
    fill_default_settings(st, &settings);
    // Rooms and the cluster bus (swoole-rs), before any fork.
    match runtime::node::Node::new(&settings) {
        Ok(node) => *st.node.borrow_mut() = Some(node),
        Err(e) => {
            // Nothing started: the script may fix the setting and start again.
            throw_swoole(&e, 0);
            return None;
        }
    }
    if settings.daemonize {
        zend::flush_output();
        if let Err(e) = process::daemonize(settings.log_file.as_deref()) {
            throw_swoole(
                &format!("daemonize failed: {e}"),
                i64::from(e.raw_os_error().unwrap_or(-1)),
            );
            return None;
        }
    }
    log::configure(settings.log_level, settings.log_file.as_deref());
    if let Some(path) = &settings.pid_file {
        if let Err(e) = process::write_pid_file(path) {
            log::write(
                log::Level::Warning,
                false,
                &format!("cannot write pid_file {path}: {e}"),
            );
        }
    }
    let mut listeners = Vec::with_capacity(per_port.len());
    for ((p, port_settings), tls) in st.ports.borrow_mut().iter_mut().zip(per_port).zip(tls) {
        let Some(socket) = p.listener.take() else {
            continue;
        };
        let port = runtime::port::Port::new(p.server_fd, port_settings, tls);
        p.http = !p.datagram && port.protocol == runtime::port::Protocol::Http;
        p.websocket = p.http && port.websocket();
        listeners.push(runtime::port::Listener {
            socket,
            port: std::sync::Arc::new(port),
        });
    }
    Some((listeners, settings))
}

/// The whole server in this process (SWOOLE_BASE, one worker).
fn run_single(
    st: &Rc<ServerState>,
    listeners: Vec<runtime::port::Listener>,
    settings: runtime::Settings,
) -> std::io::Result<()> {
    let pid = i64::from(process::pid());
    st.worker_pid.set(pid);
    st.set_identity(lifecycle::Identity {
        master_pid: pid,
        manager_pid: 0,
        worker_id: 0,
        worker_pid: pid,
    });
    let rt = lifecycle::server(settings, None);
    *st.runtime.borrow_mut() = Some(rt.clone());
    st.running.set(true);
    st.abort.set(None);
    process::drop_privileges_logged(&rt.settings);
    let st_sig = st.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::Single,
        server: rt,
        listeners,
        handler: Rc::new(PhpHandler::new(st.clone())),
        tasks: vec![],
        signals: &[libc::SIGTERM, libc::SIGINT],
        on_signal: Box::new(move |_| {
            st_sig.begin_shutdown();
            false
        }),
    };
    lifecycle::run(serve, &**st)
}

/// Adds the keys Swoole fills into `$server->setting` at start when the
/// script did not set them (scripts read `$server->setting['worker_num']`).
pub(super) fn fill_default_settings(st: &ServerState, settings: &runtime::Settings) {
    let mut merged = match zend::get_prop(st.obj, "setting").and_then(|z| z.array()) {
        Some(a) => a.to_owned(),
        None => ZendHashTable::new(),
    };
    let mut defaults = vec![
        ("worker_num", zlong(settings.worker_num)),
        ("task_worker_num", zlong(settings.task_worker_num)),
        (
            "output_buffer_size",
            zlong(settings.buffer_output_size as i64),
        ),
        ("max_connection", zlong(settings.max_connection)),
    ];
    // Only an HTTP or WebSocket server adds its protocols.
    if st.kind != Kind::Tcp {
        defaults.push(("open_http_protocol", zbool(true)));
        defaults.push(("open_websocket_protocol", zbool(st.kind == Kind::WebSocket)));
    }
    for (key, value) in defaults {
        if merged.get(key).is_none() {
            let _ = merged.insert(key, value);
        }
    }
    zend::set_prop(st.obj, "setting", zarray(merged));
}

/// An E_ERROR from the running method: ends the script as Swoole does.
pub(super) fn fatal(msg: &str) {
    let m = std::ffi::CString::new(msg).unwrap_or_default();
    // SAFETY: E_ERROR bails out to the engine's catch point; no Rust value
    // that needs dropping lives on the frames it crosses beyond this call.
    unsafe {
        ext_php_rs::ffi::php_error_docref(
            std::ptr::null(),
            zend::E_ERROR,
            c"%s".as_ptr(),
            m.as_ptr(),
        )
    };
}

pub(super) fn server_shutdown(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(_args) = Args::parse(ex, 0, 1) else {
        return;
    };
    if cluster::cluster().is_some() {
        rv.set_bool(cluster::signal_manager(libc::SIGTERM));
        return;
    }
    let Some((st, _rt)) = running_runtime() else {
        rv.set_bool(false);
        return;
    };
    // After the calling callback, as Swoole's reactor takes it: the
    // script's onBeforeShutdown never runs inside its own shutdown() call.
    crate::worker::timers::defer(Box::new(move || st.begin_shutdown()));
    rv.set_bool(true);
}

pub(super) fn server_reload(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(only_task) = args.bool_or(0, "only_reload_taskworker", false) else {
        return;
    };
    if cluster::cluster().is_none() {
        zend::warning_docref("not supported with single process mode");
        rv.set_bool(false);
        return;
    }
    let sig = if only_task {
        libc::SIGUSR2
    } else {
        libc::SIGUSR1
    };
    rv.set_bool(cluster::signal_manager(sig));
}

/// `stop($workerId = -1)`: the worker stops serving and exits (the manager
/// starts a new one); in a single-process server, the server stops.
pub(super) fn server_stop(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 2) else {
        return;
    };
    let Some(id) = args.long_or(0, "workerId", -1) else {
        return;
    };
    let Some(c) = cluster::cluster() else {
        server_shutdown(ex, rv);
        return;
    };
    if id == -1 || id == c.worker_id.get() {
        match state::current().and_then(|s| s.runtime()) {
            Some(rt) => {
                cluster::stop_worker(&rt);
                rv.set_bool(true);
            }
            None => rv.set_bool(false),
        }
        return;
    }
    let pid = usize::try_from(id).map_or(0, |id| c.shared.worker_pid(id));
    // SAFETY: signalling a worker process of this server.
    rv.set_bool(pid > 0 && unsafe { libc::kill(pid, libc::SIGTERM) } == 0);
}
