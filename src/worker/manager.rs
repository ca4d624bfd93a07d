//! The manager: forks the worker processes, respawns the ones that exit,
//! restarts them on reload, and stops them all on shutdown.
//!
//! In SWOOLE_BASE mode with several workers the process that called
//! `start()` becomes the manager, as in Swoole: it runs no event loop (so no
//! tokio runtime exists when it forks), only this blocking loop over a
//! signal pipe. Workers are numbered 0..N-1 (event workers) and N..N+T-1
//! (task workers); a respawned worker keeps its number.
//!
//! The hooks ([`PoolHooks`]) are the PHP surface's: what a worker runs, and
//! the callbacks (onManagerStart, onWorkerError, onManagerStop). A worker's
//! `run_worker` must return (never unwind) and its process then `_exit`s: a
//! forked child never returns into the script.

use std::collections::HashMap;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::ipc::poll_fd;
use super::signals;
use crate::runtime::shared::SharedTable;

/// A worker's status once it left the pool (`Process\Pool::detach()`):
/// the manager starts another in its place (on SIGWINCH) and no longer
/// stops or replaces the one that left.
pub const WORKER_DETACHED: u32 = 3;

/// What the pool runs.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    pub event_workers: usize,
    pub task_workers: usize,
    /// `addProcess()`'s processes, after the task workers: started,
    /// respawned and stopped with the workers, never reloaded.
    pub user_processes: usize,
    /// How long workers may take to stop on shutdown or reload before they
    /// are killed (Swoole's `max_wait_time`).
    pub max_wait: Duration,
    /// SWOOLE_PROCESS: the master's pid. When the master is gone the
    /// manager stops the workers instead of leaving them orphaned.
    pub master_pid: Option<i32>,
}

/// How a worker process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: i32,
    pub signal: i32,
}

impl ExitStatus {
    fn from_wait(status: libc::c_int) -> ExitStatus {
        if libc::WIFSIGNALED(status) {
            ExitStatus {
                code: 0,
                signal: libc::WTERMSIG(status),
            }
        } else {
            ExitStatus {
                code: libc::WEXITSTATUS(status),
                signal: 0,
            }
        }
    }

    /// Swoole reports any non-zero status or signal as an abnormal exit.
    pub fn is_abnormal(&self) -> bool {
        self.code != 0 || self.signal != 0
    }
}

/// The PHP surface's side of the pool.
pub trait PoolHooks {
    /// Called before each fork: flush output so children do not repeat it.
    fn before_fork(&mut self);
    /// Runs worker `id` in the freshly forked child; returns its exit code.
    fn run_worker(&mut self, id: usize) -> i32;
    /// Every worker has been forked (onManagerStart).
    fn manager_start(&mut self);
    /// A worker exited abnormally and is about to be respawned
    /// (onWorkerError).
    fn worker_error(&mut self, id: usize, pid: i32, status: ExitStatus);
    /// Every worker has stopped (onManagerStop).
    fn manager_stop(&mut self);
    /// The signals are in place, no worker is forked yet (SWOOLE_BASE's
    /// onStart: a `shutdown()` there is then a signal the pool takes).
    fn pool_start(&mut self) {}
    /// The pool is asked to stop (onBeforeShutdown).
    fn before_shutdown(&mut self) {}
    /// A reload is about to restart workers (onBeforeReload).
    fn before_reload(&mut self) {}
    /// A reload has restarted them (onAfterReload).
    fn after_reload(&mut self) {}
}

/// How long after `max_wait` the manager kills a worker that has not
/// exited: the worker's own forced stop at `max_wait` comes first.
const KILL_GRACE: Duration = Duration::from_millis(500);

/// What a reload restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reload {
    All,
    TaskWorkers,
}

struct Pool<'a, H: PoolHooks> {
    shared: &'static SharedTable,
    cfg: PoolConfig,
    hooks: &'a mut H,
    /// Live children: pid -> worker id.
    children: HashMap<i32, usize>,
    started: HashMap<usize, Instant>,
}

/// Restores default dispositions in a new child: the manager's handlers
/// write to the manager's signal pipe, which a child must never do.
fn reset_child_signals() {
    for sig in [
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGCHLD,
        libc::SIGUSR1,
        libc::SIGUSR2,
    ] {
        let disposition = if sig == libc::SIGUSR1 || sig == libc::SIGUSR2 {
            libc::SIG_IGN
        } else {
            libc::SIG_DFL
        };
        // SAFETY: setting a standard disposition.
        unsafe {
            libc::signal(sig, disposition);
        }
    }
}

impl<H: PoolHooks> Pool<'_, H> {
    fn total(&self) -> usize {
        self.core() + self.cfg.user_processes
    }

    /// Event and task workers: what a reload restarts.
    fn core(&self) -> usize {
        self.cfg.event_workers + self.cfg.task_workers
    }

    fn spawn(&mut self, id: usize) -> io::Result<()> {
        self.hooks.before_fork();
        // The manager is single-threaded (no runtime, no helper threads);
        // the child only runs the worker and then exits.
        let pid = super::process::fork_child(|| {
            reset_child_signals();
            self.shared.set_worker_pid(id, super::process::pid());
            self.hooks.run_worker(id)
        })?;
        self.shared.set_worker_pid(id, pid);
        self.children.insert(pid, id);
        self.started.insert(id, Instant::now());
        Ok(())
    }

    /// Reaps every exited child; returns (worker id, pid, status) of each.
    fn reap(&mut self) -> Vec<(usize, i32, ExitStatus)> {
        let mut out = Vec::new();
        loop {
            let mut status = 0;
            // SAFETY: non-blocking wait for any child.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                return out;
            }
            if let Some(id) = self.children.remove(&pid) {
                if self.shared.worker_pid(id) == pid {
                    self.shared.set_worker_pid(id, 0);
                }
                // The dead worker's sockets are gone with it.
                self.shared.remove_owned_by(id as u32);
                out.push((id, pid, ExitStatus::from_wait(status)));
            }
        }
    }

    /// Respawns a worker that exited on its own; reports abnormal exits.
    fn respawn_after_exit(&mut self, id: usize, pid: i32, status: ExitStatus) {
        if status.is_abnormal() {
            crate::runtime::log::write(
                crate::runtime::log::Level::Warning,
                false,
                &format!(
                    "Worker::report_error(): worker(pid={pid}, id={id}) abnormal exit, status={}, signal={}",
                    status.code, status.signal
                ),
            );
            self.hooks.worker_error(id, pid, status);
        }
        // A worker that dies at once of its own (a fatal error or a crash
        // in onWorkerStart) must not make the manager spin. One that
        // stopped cleanly (a SIGTERM it handled) or was killed from outside
        // is replaced at once, however young, as Swoole's manager does
        // (scripts and tests kill workers in a row).
        let killed = [
            libc::SIGKILL,
            libc::SIGTERM,
            libc::SIGINT,
            libc::SIGQUIT,
            libc::SIGHUP,
        ]
        .contains(&status.signal);
        if status.is_abnormal()
            && !killed
            && self
                .started
                .get(&id)
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Err(e) = self.spawn(id) {
            crate::runtime::log::write(
                crate::runtime::log::Level::Error,
                false,
                &format!("Manager::spawn(): fork() failed for worker#{id}: {e}"),
            );
        }
    }

    /// Replaces the workers that detached themselves (their processes go
    /// on by themselves, out of the pool).
    fn replace_detached(&mut self) {
        for id in 0..self.total() {
            if self.shared.worker_status(id) != WORKER_DETACHED {
                continue;
            }
            let pid = self.shared.worker_pid(id);
            self.children.remove(&pid);
            self.shared.set_worker_status(id, 0);
            if let Err(e) = self.spawn(id) {
                crate::runtime::log::write(
                    crate::runtime::log::Level::Error,
                    false,
                    &format!("Manager::spawn(): fork() failed for worker#{id}: {e}"),
                );
            }
        }
    }

    fn signal_all(&self, sig: libc::c_int) {
        for &pid in self.children.keys() {
            super::process::signal(pid, sig);
        }
    }

    /// Waits until `done` says so or `max_wait` (and a grace) passes,
    /// reaping children (and respawning none). Returns the statuses reaped.
    fn wait_children(
        &mut self,
        sig_read: &mut std::os::unix::net::UnixStream,
        mut done: impl FnMut(&Self) -> bool,
    ) -> Vec<(usize, i32, ExitStatus)> {
        // A stopping worker ends its own wait at max_wait (onWorkerStop
        // then runs); the kill is for one that cannot, so it comes later.
        let deadline = Instant::now() + self.cfg.max_wait + KILL_GRACE;
        let mut reaped = Vec::new();
        loop {
            reaped.extend(self.reap());
            if done(self) {
                return reaped;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return reaped;
            }
            if poll_fd(
                sig_read.as_raw_fd(),
                false,
                left.as_millis().min(100) as i32,
            ) {
                let mut buf = [0u8; 64];
                let _ = sig_read.read(&mut buf);
            }
        }
    }

    /// Rolling restart: one worker at a time, each stopped (SIGTERM, then
    /// SIGKILL after max_wait) and replaced before the next.
    fn reload(&mut self, which: Reload, sig_read: &mut std::os::unix::net::UnixStream) {
        let ids: Vec<usize> = match which {
            Reload::All => (0..self.core()).collect(),
            Reload::TaskWorkers => (self.cfg.event_workers..self.core()).collect(),
        };
        self.hooks.before_reload();
        self.restart_each(ids, sig_read);
        if !self.shared.is_shutting_down() {
            self.hooks.after_reload();
        }
    }

    fn restart_each(&mut self, ids: Vec<usize>, sig_read: &mut std::os::unix::net::UnixStream) {
        for id in ids {
            let pid = self.shared.worker_pid(id);
            if pid <= 0 || !self.children.contains_key(&pid) {
                continue;
            }
            super::process::signal(pid, libc::SIGTERM);
            let reaped = self.wait_children(sig_read, |p| !p.children.contains_key(&pid));
            if self.children.contains_key(&pid) {
                super::process::signal(pid, libc::SIGKILL);
                let more = self.wait_children(sig_read, |p| !p.children.contains_key(&pid));
                self.after_reload_reap(more, pid);
            }
            self.after_reload_reap(reaped, pid);
            if self.shared.is_shutting_down() {
                return;
            }
        }
    }

    /// Replaces the reloaded worker; other workers that died meanwhile are
    /// handled as any exit.
    fn after_reload_reap(&mut self, reaped: Vec<(usize, i32, ExitStatus)>, reloaded: i32) {
        for (id, pid, status) in reaped {
            if pid == reloaded {
                let _ = self.spawn(id);
            } else {
                self.respawn_after_exit(id, pid, status);
            }
        }
    }

    fn shutdown(&mut self, sig_read: &mut std::os::unix::net::UnixStream) {
        self.shared.set_shutting_down();
        self.signal_all(libc::SIGTERM);
        self.wait_children(sig_read, |p| p.children.is_empty());
        if !self.children.is_empty() {
            self.signal_all(libc::SIGKILL);
            self.cfg.max_wait = Duration::from_secs(5);
            self.wait_children(sig_read, |p| p.children.is_empty());
        }
    }
}

/// Runs the pool until SIGTERM/SIGINT (or a worker's `shutdown()`); returns
/// once every worker has stopped. SIGUSR1 reloads every worker, SIGUSR2 the
/// task workers.
pub fn run<H: PoolHooks>(
    shared: &'static SharedTable,
    cfg: PoolConfig,
    hooks: &mut H,
) -> io::Result<()> {
    let (guard, mut sig_read) = signals::install(&[
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGCHLD,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGWINCH,
    ])?;
    shared.set_manager_pid(super::process::pid());
    let mut pool = Pool {
        shared,
        cfg,
        hooks,
        children: HashMap::new(),
        started: HashMap::new(),
    };
    pool.hooks.pool_start();
    for id in 0..pool.total() {
        if let Err(e) = pool.spawn(id) {
            pool.shutdown(&mut sig_read);
            drop(guard);
            return Err(e);
        }
    }
    pool.hooks.manager_start();
    loop {
        if cfg
            .master_pid
            .is_some_and(|m| std::os::unix::process::parent_id() as i32 != m)
        {
            pool.shutdown(&mut sig_read);
            break;
        }
        if !poll_fd(sig_read.as_raw_fd(), false, 1000) {
            // Also catches a SIGCHLD lost to a full pipe.
            for (id, pid, status) in pool.reap() {
                pool.respawn_after_exit(id, pid, status);
            }
            continue;
        }
        let mut buf = [0u8; 64];
        let n = sig_read.read(&mut buf).unwrap_or(0);
        let sigs: Vec<libc::c_int> = buf[..n].iter().map(|&b| libc::c_int::from(b)).collect();
        // Shutdown first: a Ctrl-C reaches the workers too, and their exits
        // must not be taken for crashes to respawn.
        if sigs.contains(&libc::SIGTERM)
            || sigs.contains(&libc::SIGINT)
            || shared.is_shutting_down()
        {
            pool.hooks.before_shutdown();
            pool.shutdown(&mut sig_read);
            break;
        }
        if sigs.contains(&libc::SIGWINCH) {
            pool.replace_detached();
        }
        if sigs.contains(&libc::SIGUSR1) {
            pool.reload(Reload::All, &mut sig_read);
        } else if sigs.contains(&libc::SIGUSR2) {
            pool.reload(Reload::TaskWorkers, &mut sig_read);
        }
        for (id, pid, status) in pool.reap() {
            if shared.is_shutting_down() {
                continue;
            }
            pool.respawn_after_exit(id, pid, status);
        }
        if shared.is_shutting_down() {
            pool.shutdown(&mut sig_read);
            break;
        }
    }
    pool.hooks.manager_stop();
    drop(guard);
    Ok(())
}
