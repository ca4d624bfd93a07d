//! Starting the processes of a multi-process server: the BASE manager, the
//! SWOOLE_PROCESS master (which forks the manager) and each worker. Each
//! hands its process shape to `worker::lifecycle` with this script's
//! callbacks; the cross-process plumbing is in `worker::cluster`.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::handler::PhpHandler;
use super::state::ServerState;
use super::workers::inbox_loop;
use super::zend::{self, zbool, CallOutcome};
use crate::runtime::{self, log, ConnectionTable};
use crate::worker::cluster::{self, stop_worker, Cluster, WORKER_IDLE};
use crate::worker::lifecycle::{self, Event, Identity, Script};
use crate::worker::manager::{self, ExitStatus, PoolHooks};
use crate::worker::relay;
use crate::worker::{process, timers};

/// Everything a worker needs to start, kept by the manager for respawns.
pub struct WorkerSpec {
    pub st: Rc<ServerState>,
    /// Every port of the server, each with its settings and TLS.
    pub listeners: Vec<runtime::port::Listener>,
    pub settings: runtime::Settings,
}

struct Hooks {
    spec: WorkerSpec,
    cluster: Rc<Cluster>,
    /// SWOOLE_BASE: the manager is the master too (onStart,
    /// onBeforeShutdown run here).
    base_master: bool,
}

impl PoolHooks for Hooks {
    fn before_fork(&mut self) {
        zend::flush_output();
    }

    fn run_worker(&mut self, id: usize) -> i32 {
        super::signal::forget_in_child();
        run_worker(&self.spec, &self.cluster, id)
    }

    fn pool_start(&mut self) {
        // onStart once, in the process that called start(), as Swoole
        // does in BASE mode.
        if self.base_master {
            self.spec.st.call(Event::Start);
        }
    }

    fn before_shutdown(&mut self) {
        if self.base_master {
            self.spec.st.call(Event::BeforeShutdown);
        }
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

    fn before_reload(&mut self) {
        self.spec.st.call(Event::BeforeReload);
    }

    fn after_reload(&mut self) {
        self.spec.st.call(Event::AfterReload);
    }
}

/// SWOOLE_BASE with several processes: this (the start()) process becomes
/// the manager and runs until the server shuts down. Errors are for
/// `start()` to throw.
pub fn run_manager(spec: WorkerSpec) -> std::io::Result<()> {
    let users = spec.st.user_processes.borrow().len();
    let cluster = cluster::create(&spec.settings, false, users)?;
    let shared = cluster.shared;
    let pid = i64::from(process::pid());
    shared.set_master_pid(pid as i32);
    shared.set_manager_pid(pid as i32);
    let st = spec.st.clone();
    st.set_identity(Identity {
        master_pid: pid,
        manager_pid: pid,
        worker_id: -1,
        worker_pid: pid,
    });
    log::set_process(b'$', 0);
    let cfg = cluster::pool_config(&cluster, &spec.settings, None);
    let mut hooks = Hooks {
        spec,
        cluster: cluster.clone(),
        base_master: true,
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
    let users = spec.st.user_processes.borrow().len();
    let cluster = cluster::create(&spec.settings, true, users)?;
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
        st.set_identity(Identity {
            master_pid: i64::from(master_pid),
            manager_pid: pid,
            worker_id: -1,
            worker_pid: pid,
        });
        log::set_process(b'$', 0);
        let mut hooks = Hooks {
            spec,
            cluster: cluster.clone(),
            base_master: false,
        };
        let code = i32::from(manager::run(shared, cfg, &mut hooks).is_err());
        zend::flush_output();
        code
    })?;
    let Some(spec) = manager_spec else {
        return Ok(());
    };
    shared.set_manager_pid(manager_pid);
    st.set_identity(Identity {
        master_pid: i64::from(master_pid),
        manager_pid: i64::from(manager_pid),
        worker_id: -1,
        worker_pid: i64::from(master_pid),
    });
    log::set_process(b'#', 0);
    cluster.worker_id.set(cluster.master() as i64);
    cluster.ep.set_me(cluster.master() as u32);

    let table = ConnectionTable::with_shared(shared, cluster.master() as u32);
    let rt = lifecycle::server(spec.settings.clone(), Some(table));
    *st.runtime.borrow_mut() = Some(rt.clone());
    st.abort.set(None);
    // Which events to relay at all: those some port has a callback for
    // (the worker calls the connection's port's own).
    let all = st.all_callbacks();
    let callbacks = relay::Callbacks {
        connect: all.iter().any(|c| c.connect.is_some()),
        request: all.iter().any(|c| c.request.is_some()),
        handshake: all.iter().any(|c| c.handshake.is_some()),
        close_event: !st.drops_unsafe_events(),
    };
    let mut relay_handler = relay::RelayHandler::new(
        Rc::new(relay::EndpointLink {
            ep: cluster.ep.clone(),
            shared,
            workers: cluster.event_workers,
        }),
        spec.settings.dispatch_mode,
        callbacks,
    );
    // A package_length_func is PHP: it runs here, on the main reactor,
    // which then is the only one (as Swoole's `single_thread`).
    let length_func = all.iter().any(|c| c.length_func.is_some());
    if length_func {
        let handler = PhpHandler::new(st.clone());
        relay_handler = relay_handler.with_length_func(Box::new(move |conn, data| {
            runtime::EventHandler::package_length(&handler, conn, data)
        }));
    }
    // dispatch_func: the script picks the worker, on this thread too.
    let dispatch_func = zend::get_prop(st.obj, "setting")
        .and_then(|z| z.array())
        .and_then(|a| a.get("dispatch_func"))
        .and_then(zend::Callback::new);
    let has_dispatch_func = dispatch_func.is_some();
    if let Some(cb) = dispatch_func {
        let st = st.clone();
        let workers = cluster.event_workers;
        relay_handler = relay_handler.with_dispatch_func(Box::new(move |fd, event_type, data| {
            let mut answer = None;
            let outcome = cb.call_with(
                &mut [
                    st.this_zval(),
                    zend::zlong(fd),
                    zend::zlong(event_type),
                    zend::zstr(data),
                ],
                |rv| {
                    answer = if rv.is_null() {
                        None
                    } else {
                        rv.long().or(Some(-1))
                    }
                },
            );
            st.after_call(outcome);
            if let Some(id) = answer.filter(|&id| id >= workers as i64) {
                zend::warning_docref(&format!("invalid target worker-id[{id}]"));
            }
            relay::Dispatch::from_answer(answer, workers)
        }));
    }
    let relay_handler = Rc::new(relay_handler);
    let reactor_num = if length_func || has_dispatch_func {
        1
    } else {
        spec.settings.reactor_num.max(1) as usize
    };
    // reactor_num: the main thread is reactor 0; the others are threads
    // with no PHP in them, each accepting on the same socket.
    let stop = Arc::new(AtomicBool::new(false));
    let mut reactors = Vec::new();
    for r in 1..reactor_num {
        let reactor = relay::ReactorSpec {
            inbox: (cluster.master() + r) as u32,
            fds: cluster.ep.dup_fds()?,
            listeners: runtime::port::try_clone_all(&spec.listeners)?,
            settings: spec.settings.clone(),
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
    let st_sig = st.clone();
    let stop2 = stop.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::Master,
        server: rt.clone(),
        listeners: runtime::port::try_clone_all(&spec.listeners)?,
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
            // onBeforeShutdown, then the 1001 closes and the drain.
            st_sig.begin_shutdown();
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
    if cluster.is_user_process(id) {
        return run_user_process(spec, cluster, id);
    }
    let st = spec.st.clone();
    let task_worker = id >= cluster.event_workers;
    let log_kind = if task_worker { b'^' } else { b'*' };
    let rt = enter_cluster(spec, cluster, id, log_kind, id as i64);
    zend::set_prop(st.obj, "taskworker", zbool(task_worker));
    // SWOOLE_PROCESS workers accept nothing: the master relays events.
    let listeners = if task_worker || cluster.process_mode {
        vec![]
    } else {
        runtime::port::try_clone_all(&spec.listeners).unwrap_or_default()
    };
    crate::worker::process::drop_privileges_logged(&spec.settings);
    let rt_sig = rt.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::Worker {
            id,
            task: task_worker,
        },
        server: rt,
        listeners,
        handler: Rc::new(PhpHandler::new(st.clone())),
        tasks: vec![Box::pin(inbox_loop(cluster.clone(), st.clone()))],
        signals: &[libc::SIGTERM, libc::SIGINT],
        on_signal: Box::new(move |_| {
            stop_worker(&rt_sig);
            false
        }),
    };
    let result = lifecycle::run(serve, &*st);
    end_process(&st, cluster, result)
}

/// What a worker or an added process does once its loop ended: what its
/// last callbacks sent is delivered (its loop's flush tasks are gone), its
/// timers and caches go; its exit code.
fn end_process(st: &ServerState, cluster: &Cluster, result: std::io::Result<()>) -> i32 {
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

/// Makes this (forked) process member `id` of the cluster: its inbox, its
/// status, its log mark, `$server`'s identity (`worker_id` as given) and
/// a server runtime over the shared connection table (so `send()` and
/// `push()` reach any connection). Timers of the manager's script do not
/// carry over. The runtime.
fn enter_cluster(
    spec: &WorkerSpec,
    cluster: &Cluster,
    id: usize,
    log_kind: u8,
    worker_id: i64,
) -> Rc<runtime::Server> {
    let st = &spec.st;
    cluster.worker_id.set(id as i64);
    cluster.ep.set_me(id as u32);
    cluster.shared.set_worker_status(id, WORKER_IDLE);
    log::set_process(log_kind, id as i32);
    let pid = i64::from(process::pid());
    st.worker_pid.set(pid);
    st.set_identity(Identity {
        master_pid: i64::from(cluster.shared.master_pid()),
        manager_pid: i64::from(cluster.shared.manager_pid()),
        worker_id,
        worker_pid: pid,
    });
    timers::timers().clear_all();
    let table = ConnectionTable::with_shared(cluster.shared, id as u32);
    let rt = lifecycle::server(spec.settings.clone(), Some(table));
    *st.runtime.borrow_mut() = Some(rt.clone());
    st.running.set(true);
    st.abort.set(None);
    rt
}

/// The body of `addProcess()`'s process `id` (numbered after the task
/// workers) in its forked process; returns the exit code. It is a member
/// of the cluster like a worker, so `$server->send()`, `push()` and
/// `sendMessage()` reach connections and workers of either mode, and
/// messages sent to it arrive in `onPipeMessage`; it serves no port and
/// runs no lifecycle callbacks. Its callable runs first; the process
/// ends (and the manager starts it again) once the callable returned and
/// nothing it left (timers, coroutines) is running, or at shutdown.
fn run_user_process(spec: &WorkerSpec, cluster: &Rc<Cluster>, id: usize) -> i32 {
    let st = spec.st.clone();
    let index = id - cluster.core_workers();
    let Some(process) = st.user_processes.borrow().get(index).map(zend::zcopy) else {
        return 1;
    };
    // `$server->worker_id` stays -1 there, as in Swoole (the process's
    // id is `$process->id`).
    let rt = enter_cluster(spec, cluster, id, b'@', -1);
    crate::worker::process::drop_privileges_logged(&spec.settings);
    let body = {
        let rt = rt.clone();
        let st = st.clone();
        let cluster = cluster.clone();
        Box::pin(async move {
            // A callable that never gives the loop a turn (no coroutines)
            // must still get its messages out, from its first one on.
            let outcome =
                super::process::start_added(&process, id as i64, || cluster.ep.send_at_once());
            st.after_call(outcome);
            timers::timers().wait_empty().await;
            stop_worker(&rt);
        })
    };
    let rt_sig = rt.clone();
    let serve = lifecycle::Serve {
        role: lifecycle::Role::UserProcess { id },
        server: rt,
        listeners: vec![],
        handler: Rc::new(PhpHandler::new(st.clone())),
        tasks: vec![Box::pin(inbox_loop(cluster.clone(), st.clone())), body],
        signals: &[libc::SIGTERM, libc::SIGINT],
        on_signal: Box::new(move |_| {
            stop_worker(&rt_sig);
            false
        }),
    };
    let result = lifecycle::run(serve, &*st);
    end_process(&st, cluster, result)
}
