//! One lifecycle for every process shape that serves: the single-process
//! server, a BASE or PROCESS event worker, a task worker, the PROCESS
//! master and its extra reactor threads.
//!
//! Each used to have its own copy of "install signals, start the inbox,
//! attach the cluster node, run the start callbacks, serve, run the stop
//! callbacks", and each new shape (ports, coroutines, user processes) would
//! have been one more copy. Here it is written once: a [`Role`] says which
//! callbacks a shape runs and when, and the PHP layer plugs in only what a
//! callback is, through [`Script`]. Nothing here knows about PHP values.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use crate::runtime::{self, EventHandler};

use super::event_loop;

/// Which shape of process is serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The whole server in the process that called `start()`.
    Single,
    /// Worker `id` of a multi-process server (an event worker accepts in
    /// BASE mode, gets relayed events in PROCESS mode; a task worker only
    /// reads its inbox).
    Worker { id: usize, task: bool },
    /// The SWOOLE_PROCESS master's main reactor (it owns the connections).
    Master,
    /// One of the master's extra reactor threads: no PHP at all.
    Reactor,
    /// A process `addProcess()` added (id `id`, after the task workers):
    /// it runs the script's own callable, no lifecycle callbacks.
    UserProcess { id: usize },
}

/// A lifecycle event the script may have a callback for (Swoole's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// onStart.
    Start,
    /// onWorkerStart($id).
    WorkerStart(usize),
    /// onWorkerExit($id): a `reload_async` worker is about to stop.
    WorkerExit(usize),
    /// onWorkerStop($id).
    WorkerStop(usize),
    /// onShutdown.
    Shutdown,
    /// onManagerStart.
    ManagerStart,
    /// onManagerStop.
    ManagerStop,
    /// onBeforeShutdown, in the master (the manager in SWOOLE_BASE), as a
    /// shutdown begins.
    BeforeShutdown,
    /// onBeforeReload, in the manager, before a reload restarts workers.
    BeforeReload,
    /// onAfterReload, in the manager, once they are restarted.
    AfterReload,
    /// onWorkerError($id, $pid, $exit_code, $signal).
    WorkerError {
        id: usize,
        pid: i32,
        code: i32,
        signal: i32,
    },
}

impl Role {
    /// The callbacks a role runs once it is ready to serve, in order.
    pub fn start_events(self) -> Vec<Event> {
        match self {
            // onStart and onWorkerStart, both in the one process.
            Role::Single => vec![Event::Start, Event::WorkerStart(0)],
            Role::Worker { id, .. } => vec![Event::WorkerStart(id)],
            Role::Master => vec![Event::Start],
            Role::Reactor | Role::UserProcess { .. } => vec![],
        }
    }

    /// The callbacks a role runs once it stopped serving, in order (the
    /// master's onShutdown comes after its workers are gone: its caller's).
    pub fn stop_events(self) -> Vec<Event> {
        match self {
            Role::Single => vec![Event::WorkerStop(0), Event::Shutdown],
            Role::Worker { id, .. } => vec![Event::WorkerStop(id)],
            Role::Master | Role::Reactor | Role::UserProcess { .. } => vec![],
        }
    }

    /// The worker id callbacks are given.
    pub fn worker_id(self) -> usize {
        match self {
            Role::Worker { id, .. } | Role::UserProcess { id } => id,
            _ => 0,
        }
    }

    /// Whether this process speaks for the node on the cluster bus (logs
    /// its outages once, not once per process).
    fn speaks_for_node(self, owns_connections: bool) -> bool {
        match self {
            Role::Single | Role::Master => true,
            Role::Worker { id, .. } => owns_connections && id == 0,
            Role::Reactor | Role::UserProcess { .. } => false,
        }
    }
}

/// Which process this is, as the script reads it from `$server`
/// (`master_pid`, `manager_pid`, `worker_id`, `worker_pid`): set once per
/// process shape, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub master_pid: i64,
    /// 0 where there is no manager (a single process).
    pub manager_pid: i64,
    /// -1 in the manager and the PROCESS master.
    pub worker_id: i64,
    pub worker_pid: i64,
}

/// What the PHP layer plugs into the lifecycle.
pub trait Script {
    /// Runs the script's callback for `event`; false if it has none.
    fn call(&self, event: Event) -> bool;
    /// `exit()` or a fatal error in a callback ended the script: no more
    /// callbacks, and no serving.
    fn aborted(&self) -> bool;
    /// Attaches the rooms/cluster node to this process's server: as the
    /// owner of connections, and as the one that logs bus outages.
    fn attach(&self, rt: &Rc<runtime::Server>, owner: bool, speaker: bool);
    /// The `reload_async` setting: onWorkerExit before onWorkerStop.
    fn reload_async(&self) -> bool {
        false
    }
    /// Whether the stopping loop still has work: timers, or waits that
    /// hold the loop (a `reload_async` worker runs until it has none).
    fn busy(&self) -> bool {
        !super::timers::timers().is_idle()
    }
    /// How long a stopping `reload_async` worker may run on
    /// (`max_wait_time`).
    fn max_wait(&self) -> Duration {
        Duration::from_secs(3)
    }
}

/// How often a stopping `reload_async` worker looks whether its loop has
/// run out of work.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// A task that runs beside serving for as long as the loop does (an
/// inbox reader, a stop watcher).
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Everything one process serves with.
pub struct Serve {
    pub role: Role,
    pub server: Rc<runtime::Server>,
    /// The ports to accept on; none for processes that only read their
    /// inbox (task workers, PROCESS workers).
    pub listeners: Vec<runtime::port::Listener>,
    pub handler: Rc<dyn EventHandler>,
    /// Spawned once the loop runs, before any callback.
    pub tasks: Vec<Task>,
    /// The signals this process handles (raw sigaction) and what a caught
    /// one does: false stops listening for more.
    pub signals: &'static [libc::c_int],
    pub on_signal: Box<dyn FnMut(libc::c_int) -> bool>,
}

/// Runs one process's event loop from its start callbacks to its stop
/// callbacks. An error is one of the loop itself (the runtime or the
/// listener could not be set up).
pub fn run(serve: Serve, script: &dyn Script) -> io::Result<()> {
    event_loop::run(serve_loop(serve, script))?
}

async fn serve_loop(s: Serve, script: &dyn Script) -> io::Result<()> {
    let Serve {
        role,
        server,
        listeners,
        handler,
        tasks,
        signals,
        on_signal,
    } = s;
    // Dropping the guard restores the handlers: it lives as long as this.
    let _signals = if signals.is_empty() {
        None
    } else {
        event_loop::on_signals(signals, on_signal)
    };
    // A listener that cannot join the loop fails start() before any
    // callback runs.
    let accepting = listeners
        .into_iter()
        .map(runtime::port::Listener::join_loop)
        .collect::<io::Result<Vec<_>>>()?;
    for task in tasks {
        tokio::task::spawn_local(task);
    }
    let owner = !accepting.is_empty();
    script.attach(&server, owner, role.speaks_for_node(owner));
    let id = role.worker_id();
    for event in role.start_events() {
        script.call(event);
    }
    if !script.aborted() {
        if owner {
            server.clone().serve(accepting, handler).await
        } else {
            server.wait_stopped().await
        }
    }
    if script.aborted() {
        return Ok(());
    }
    // reload_async: a stopping worker whose loop still has work (timers,
    // coroutines) gets onWorkerExit (timers can be cleared there) and runs
    // on until the work is done, at most max_wait_time; then onWorkerStop.
    // An idle one stops at once, without onWorkerExit (as Swoole's).
    if matches!(role, Role::Worker { .. } | Role::Single) && script.reload_async() {
        let deadline = tokio::time::Instant::now() + script.max_wait();
        let mut told = false;
        while script.busy() {
            if !told {
                told = true;
                if script.call(Event::WorkerExit(id)) {
                    tokio::task::yield_now().await;
                    // exit() or a fatal error in onWorkerExit: no onWorkerStop.
                    if script.aborted() {
                        return Ok(());
                    }
                    continue;
                }
            }
            if tokio::time::Instant::now() >= deadline {
                runtime::log::write(
                    runtime::log::Level::Warning,
                    true,
                    "Worker_reactor_try_to_exit() (ERRNO 9101): worker exit timeout, forced termination",
                );
                break;
            }
            tokio::time::sleep(EXIT_POLL).await;
        }
    }
    for event in role.stop_events() {
        script.call(event);
    }
    Ok(())
}

/// The server a process serves with: its own connection table, or its view
/// of the shared one (several processes).
pub fn server(
    settings: runtime::Settings,
    table: Option<runtime::ConnectionTable>,
) -> Rc<runtime::Server> {
    Rc::new(match table {
        Some(table) => runtime::Server::with_table(settings, table),
        None => runtime::Server::new(settings),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Recorder {
        calls: RefCell<Vec<Event>>,
        attached: RefCell<Vec<(bool, bool)>>,
        reload_async: bool,
        /// The callback that "calls exit()".
        exits_in: Option<Event>,
        exited: std::cell::Cell<bool>,
        /// How many more times the stopping loop reports work left.
        busy_turns: std::cell::Cell<u32>,
    }

    impl Script for Recorder {
        fn call(&self, event: Event) -> bool {
            self.calls.borrow_mut().push(event);
            if self.exits_in == Some(event) {
                self.exited.set(true);
            }
            // The start callbacks stop the server at once, as a script
            // calling $server->shutdown() in onWorkerStart would.
            true
        }
        fn aborted(&self) -> bool {
            self.exited.get()
        }
        fn attach(&self, _rt: &Rc<runtime::Server>, owner: bool, speaker: bool) {
            self.attached.borrow_mut().push((owner, speaker));
        }
        fn reload_async(&self) -> bool {
            self.reload_async
        }
        fn busy(&self) -> bool {
            let left = self.busy_turns.get();
            self.busy_turns.set(left.saturating_sub(1));
            left > 0
        }
        fn max_wait(&self) -> Duration {
            Duration::from_secs(5)
        }
    }

    struct NoEvents;
    impl EventHandler for NoEvents {
        fn on_connect(&self, _: &Rc<runtime::Connection>) {}
        fn has_request_handler(&self, _: &runtime::Connection) -> bool {
            false
        }
        fn on_request(&self, _: &Rc<runtime::Connection>, _: crate::protocol::http::Request) {}
        fn has_handshake_handler(&self, _: &runtime::Connection) -> bool {
            false
        }
        fn on_handshake(&self, _: &Rc<runtime::Connection>, _: crate::protocol::http::Request) {}
        fn on_open(&self, _: &Rc<runtime::Connection>, _: crate::protocol::http::Request) {}
        fn on_message(&self, _: &Rc<runtime::Connection>, _: crate::protocol::message::Event) {}
        fn on_close(&self, _: &Rc<runtime::Connection>, _: i32) {}
    }

    /// Runs `role` with a server that is already stopping, so serving
    /// returns at once and the whole order of callbacks is seen.
    fn lifecycle(role: Role, listener: bool, reload_async: bool) -> Recorder {
        lifecycle_exiting(role, listener, reload_async, None)
    }

    /// As [`lifecycle`], with a loop that still has work for a few turns
    /// once it stops.
    fn lifecycle_busy(role: Role, reload_async: bool, exits_in: Option<Event>) -> Recorder {
        run_recorder(role, false, reload_async, exits_in, 3)
    }

    fn lifecycle_exiting(
        role: Role,
        listener: bool,
        reload_async: bool,
        exits_in: Option<Event>,
    ) -> Recorder {
        run_recorder(role, listener, reload_async, exits_in, 0)
    }

    fn run_recorder(
        role: Role,
        listener: bool,
        reload_async: bool,
        exits_in: Option<Event>,
        busy_turns: u32,
    ) -> Recorder {
        let script = Recorder {
            reload_async,
            exits_in,
            busy_turns: std::cell::Cell::new(busy_turns),
            ..Recorder::default()
        };
        let server = server(runtime::Settings::default(), None);
        server.begin_shutdown();
        let listeners = if listener {
            let socket = runtime::server::bind("127.0.0.1", 0, 16).unwrap();
            let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
            let port = runtime::port::Port::new(fd, runtime::Settings::default(), None);
            vec![runtime::port::Listener {
                socket: runtime::port::Socket::Tcp(socket),
                port: std::sync::Arc::new(port),
            }]
        } else {
            vec![]
        };
        let serve = Serve {
            role,
            server,
            listeners,
            handler: Rc::new(NoEvents),
            tasks: vec![],
            signals: &[],
            on_signal: Box::new(|_| false),
        };
        run(serve, &script).unwrap();
        script
    }

    #[test]
    fn each_role_runs_its_callbacks_in_swooles_order() {
        let single = lifecycle(Role::Single, true, false);
        assert_eq!(
            *single.calls.borrow(),
            [
                Event::Start,
                Event::WorkerStart(0),
                Event::WorkerStop(0),
                Event::Shutdown
            ]
        );
        assert_eq!(*single.attached.borrow(), [(true, true)]);

        let worker = lifecycle(Role::Worker { id: 3, task: false }, true, false);
        assert_eq!(
            *worker.calls.borrow(),
            [Event::WorkerStart(3), Event::WorkerStop(3)]
        );
        // Only worker 0 speaks for the node.
        assert_eq!(*worker.attached.borrow(), [(true, false)]);

        // reload_async: onWorkerExit once while the loop has work left,
        // none for an idle loop, none without reload_async.
        let task = lifecycle_busy(Role::Worker { id: 0, task: true }, true, None);
        assert_eq!(
            *task.calls.borrow(),
            [
                Event::WorkerStart(0),
                Event::WorkerExit(0),
                Event::WorkerStop(0)
            ]
        );
        assert_eq!(*task.attached.borrow(), [(false, false)]);
        assert_eq!(task.busy_turns.get(), 0, "ran until the work was done");
        let idle = lifecycle(Role::Worker { id: 0, task: true }, false, true);
        assert_eq!(
            *idle.calls.borrow(),
            [Event::WorkerStart(0), Event::WorkerStop(0)]
        );
        let not_async = lifecycle_busy(Role::Worker { id: 2, task: false }, false, None);
        assert_eq!(
            *not_async.calls.borrow(),
            [Event::WorkerStart(2), Event::WorkerStop(2)]
        );

        let master = lifecycle(Role::Master, true, false);
        assert_eq!(*master.calls.borrow(), [Event::Start]);
        let reactor = lifecycle(Role::Reactor, true, false);
        assert!(reactor.calls.borrow().is_empty());
        assert_eq!(*reactor.attached.borrow(), [(true, false)]);
    }

    #[test]
    fn an_exit_in_a_callback_ends_the_callbacks_there() {
        let worker = Role::Worker { id: 1, task: false };
        let r = lifecycle_busy(worker, true, Some(Event::WorkerExit(1)));
        assert_eq!(
            *r.calls.borrow(),
            [Event::WorkerStart(1), Event::WorkerExit(1)]
        );
        let r = lifecycle_exiting(Role::Single, true, false, Some(Event::Start));
        // onWorkerStart was due in the same breath; nothing is served or
        // stopped after it.
        assert_eq!(*r.calls.borrow(), [Event::Start, Event::WorkerStart(0)]);
        let r = lifecycle_exiting(Role::Single, true, false, Some(Event::WorkerStop(0)));
        assert_eq!(
            *r.calls.borrow(),
            [
                Event::Start,
                Event::WorkerStart(0),
                Event::WorkerStop(0),
                Event::Shutdown
            ]
        );
        let reactor = lifecycle(Role::Reactor, true, false);
        assert!(reactor.calls.borrow().is_empty());
        assert_eq!(*reactor.attached.borrow(), [(true, false)]);
    }
}
