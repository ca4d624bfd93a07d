//! `Swoole\Process` (`swoole_process`): a child process running a PHP
//! callable, with a socket pair between parent and child (`write()`,
//! `read()`, the child's stdin/stdout redirected to it on request), and
//! the static helpers scripts use around children (`wait()`, `kill()`,
//! `daemon()`).
//!
//! The child runs the callable (in a coroutine with `$enable_coroutine`),
//! then the event loop while timers or coroutines are left, flushes PHP's
//! output and ends with the script's exit status; it never returns into
//! the parent's script (`worker::process::fork_child`). Unlike Swoole's,
//! it runs no destructors and no shutdown functions of the parent's script
//! on the way out.
//!
//! `signal()` and `alarm()` are in `signal.rs`.
//!
//! The message queue (`useQueue`, `push`, `pop`, `statQueue`,
//! `freeQueue`) is a System V queue (`worker/msg_queue.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

use super::args::Args;
use super::classes::{m, sm, Class, ClassSlot, Default, PUBLIC};
use super::errors;
use super::zend::{self, zlong, zstr, CallOutcome, Callback};
use crate::worker::msg_queue::{MsgQueue, MSG_MAX};
use crate::worker::process as os;

pub static PROCESS: ClassSlot = ClassSlot::new();

/// `PIPE_TYPE_*`, `PIPE_*` (close()).
const PIPE_TYPE_NONE: i64 = 0;
const PIPE_TYPE_STREAM: i64 = 1;
const PIPE_MASTER: i64 = 1;
const PIPE_WORKER: i64 = 2;
const PIPE_READ: i64 = 3;
const PIPE_WRITE: i64 = 4;

struct Proc {
    /// The parent's end of the pipe, and the child's.
    master: Option<OwnedFd>,
    worker: Option<OwnedFd>,
    /// This process is the child (it uses the worker end).
    in_child: bool,
    redirect: bool,
    enable_coroutine: bool,
    blocking: bool,
    pid: i32,
    /// `useQueue()`'s queue and mode (SWOOLE_MSGQUEUE_ORIENT: each process
    /// its own message type; SWOOLE_MSGQUEUE_BALANCE: any message).
    queue: Option<(MsgQueue, i64)>,
}

impl Proc {
    /// The end this process reads and writes.
    fn current(&self) -> Option<RawFd> {
        let end = if self.in_child {
            &self.worker
        } else {
            &self.master
        };
        end.as_ref().map(AsRawFd::as_raw_fd)
    }
}

thread_local! {
    static PROCS: RefCell<HashMap<u32, Proc>> = RefCell::new(HashMap::new());
}

pub fn register() {
    let mut c = Class::new("Swoole\\Process");
    c.constants = vec![
        ("IPC_NOWAIT", 256),
        ("PIPE_MASTER", PIPE_MASTER),
        ("PIPE_WORKER", PIPE_WORKER),
        ("PIPE_READ", PIPE_READ),
        ("PIPE_WRITE", PIPE_WRITE),
        ("PIPE_TYPE_NONE", PIPE_TYPE_NONE),
        ("PIPE_TYPE_STREAM", PIPE_TYPE_STREAM),
        ("PIPE_TYPE_DGRAM", 2),
    ];
    c.props = vec![
        ("pipe", Default::Null, PUBLIC),
        ("msgQueueId", Default::Null, PUBLIC),
        ("msgQueueKey", Default::Null, PUBLIC),
        ("pid", Default::Null, PUBLIC),
        ("id", Default::Null, PUBLIC),
        ("callback", Default::Null, 4 /* ZEND_ACC_PRIVATE */),
    ];
    c.methods = vec![
        m(
            "__construct",
            p_construct,
            "callable $callback, bool $redirect_stdin_and_stdout = false, int $pipe_type = SOCK_DGRAM, bool $enable_coroutine = false",
            "",
        ),
        m("__destruct", p_destruct, "", ""),
        sm("wait", p_wait, "bool $blocking = true", "array|false"),
        sm("signal", super::signal::p_signal, "int $signal_no, ?callable $callback = null", "bool"),
        sm("alarm", super::signal::p_alarm, "int $usec, int $type = 0", "bool"),
        sm("kill", p_kill, "int $pid, int $signal_no = SIGTERM", "bool"),
        sm(
            "daemon",
            p_daemon,
            "bool $nochdir = true, bool $noclose = true, array $pipes = []",
            "bool",
        ),
        m(
            "setPriority",
            p_set_priority,
            "int $which, int $priority, ?int $who = null",
            "bool",
        ),
        m("getPriority", p_get_priority, "int $which, ?int $who = null", "int|false"),
        sm("setAffinity", p_set_affinity, "array $cpu_settings", "bool"),
        sm("getAffinity", p_get_affinity, "", "array"),
        m("set", p_set, "array $settings", "void"),
        m("setTimeout", p_set_timeout, "float $seconds", "bool"),
        m("setBlocking", p_set_blocking, "bool $blocking", "bool"),
        m("useQueue", p_use_queue, "int $key = 0, int $mode = 2, int $capacity = -1", "bool"),
        m("statQueue", p_stat_queue, "", "array|false"),
        m("freeQueue", p_free_queue, "", "bool"),
        m("start", p_start, "", "bool|int"),
        m("write", p_write, "string $data", "false|int"),
        m("close", p_close, "int $which = 0", "bool"),
        m("read", p_read, "int $size = 8192", "false|string"),
        m("push", p_push, "string $data", "bool"),
        m("pop", p_pop, "int $size = 65536", "string|false"),
        m("exit", p_exit, "int $exit_code = 0", "void"),
        m("exec", p_exec, "string $exec_file, array $args", "bool"),
        m(
            "exportSocket",
            p_export_socket,
            "",
            "Swoole\\Coroutine\\Socket|false",
        ),
        m("name", p_name, "string $process_name", "bool"),
    ];
    PROCESS.set(c.register());
    super::classes::alias("swoole_process", PROCESS.get());
}

pub fn request_shutdown() {
    let all = PROCS.with(|p| std::mem::take(&mut *p.borrow_mut()));
    drop(all);
}

fn handle(ex: &mut ExecuteData) -> Option<(u32, *mut ext_php_rs::ffi::zend_object)> {
    zend::this_object(ex)
}

fn with<R>(h: u32, f: impl FnOnce(&mut Proc) -> R) -> Option<R> {
    PROCS.with(|p| p.borrow_mut().get_mut(&h).map(f))
}

fn errno() -> i64 {
    i64::from(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// A warning with the errno's text, as `php_swoole_sys_error`.
fn sys_warn(msg: &str) {
    super::client::sys_warning(msg, errno());
}

fn p_construct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 4) else {
        return;
    };
    let Some(callback) = args
        .get(0)
        .filter(|z| Callback::new(z).is_some())
        .map(zend::zcopy)
    else {
        zend::throw_type_error(
            "Swoole\\Process::__construct(): Argument #1 ($callback) must be a valid callback",
        );
        return;
    };
    let Some(redirect) = args.bool_or(1, "redirect_stdin_and_stdout", false) else {
        return;
    };
    let Some(mut pipe_type) = args.long_or(2, "pipe_type", i64::from(libc::SOCK_DGRAM)) else {
        return;
    };
    let Some(enable_coroutine) = args.bool_or(3, "enable_coroutine", false) else {
        return;
    };
    let Some((h, o)) = handle(ex) else { return };
    if redirect {
        // The child's stdout is a byte stream.
        pipe_type = PIPE_TYPE_STREAM;
    }
    let (master, worker) = if pipe_type == PIPE_TYPE_NONE {
        (None, None)
    } else {
        let ty = if pipe_type == PIPE_TYPE_STREAM {
            libc::SOCK_STREAM
        } else {
            libc::SOCK_DGRAM
        };
        let mut fds = [0; 2];
        // SAFETY: a valid array for the two descriptors.
        if unsafe { libc::socketpair(libc::AF_UNIX, ty | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) }
            < 0
        {
            sys_warn("socketpair() failed");
            zend::throw(
                super::server::EXCEPTION.get(),
                "failed to create pipe",
                errno(),
            );
            return;
        }
        // SAFETY: socketpair() just made both; each is owned once.
        unsafe {
            (
                Some(OwnedFd::from_raw_fd(fds[0])),
                Some(OwnedFd::from_raw_fd(fds[1])),
            )
        }
    };
    if let Some(m) = &master {
        zend::set_prop(o, "pipe", zlong(i64::from(m.as_raw_fd())));
    }
    zend::set_prop_scoped(PROCESS.get(), o, "callback", callback);
    let proc = Proc {
        master,
        worker,
        in_child: false,
        redirect,
        enable_coroutine,
        blocking: true,
        pid: 0,
        queue: None,
    };
    PROCS.with(|p| p.borrow_mut().insert(h, proc));
}

fn p_destruct(ex: &mut ExecuteData, _rv: &mut Zval) {
    let Some((h, _)) = handle(ex) else { return };
    let gone = PROCS.with(|p| p.borrow_mut().remove(&h));
    drop(gone);
}

/// `start()`: forks; the parent gets the child's pid, the child runs the
/// callable and ends.
fn p_start(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, o)) = handle(ex) else { return };
    let Some((pid, redirect, coroutine)) = with(h, |p| (p.pid, p.redirect, p.enable_coroutine))
    else {
        return;
    };
    if pid > 0 && os::signal(pid, 0) {
        super::client::fatal_warning("process has already been started");
        return;
    }
    let Some(callback) = zend::get_prop_scoped(PROCESS.get(), o, "callback").map(zend::zcopy)
    else {
        return;
    };
    // What PHP buffered goes out once, from the parent.
    zend::flush_output();
    // SAFETY: fork(2); the child below never returns from this call (it
    // ends with _exit), so no Rust frame of the parent is unwound twice.
    let child = unsafe { libc::fork() };
    if child < 0 {
        sys_warn("fork() failed");
        return;
    }
    if child > 0 {
        with(h, |p| p.pid = child);
        zend::set_prop(o, "pid", zlong(i64::from(child)));
        rv.set_long(i64::from(child));
        return;
    }
    // The child.
    become_child(h, o, redirect);
    let this = zend::new_ref_to(o);
    let outcome = if coroutine {
        if super::coroutine::spawn(&callback, vec![this]).is_some() {
            super::timer::wait_for_timers();
        }
        CallOutcome::Ok
    } else {
        let outcome = Callback::new(&callback).map_or(CallOutcome::Ok, |cb| cb.call(&mut [this]));
        if outcome == CallOutcome::Ok {
            // Timers and coroutines the child left run before it ends.
            super::timer::wait_for_timers();
        }
        outcome
    };
    let status = match outcome {
        CallOutcome::Bailout => 255,
        _ => zend::exit_status(),
    };
    end_child(status);
}

/// Makes this (new) process the child of process object `o`: its end of
/// the pipe, its pid, stdin and stdout on the pipe with `redirect`.
fn become_child(h: u32, o: *mut ext_php_rs::ffi::zend_object, redirect: bool) {
    super::signal::forget_in_child();
    // The parent's timers are not the child's (Swoole frees them at fork).
    crate::worker::timers::timers().forget_in_child();
    let me = os::pid();
    let fd = with(h, |p| {
        p.in_child = true;
        p.pid = me;
        p.current()
    })
    .flatten();
    if redirect {
        if let Some(fd) = fd {
            // SAFETY: dup2 of an open descriptor onto stdin and stdout.
            unsafe {
                libc::dup2(fd, libc::STDIN_FILENO);
                libc::dup2(fd, libc::STDOUT_FILENO);
            }
        }
    }
    zend::set_prop(o, "pid", zlong(i64::from(me)));
    if let Some(fd) = fd {
        zend::set_prop(o, "pipe", zlong(i64::from(fd)));
    }
}

/// Starts the body of a process `addProcess()` added, in the process the
/// server's manager forked for it: `$process` becomes the child (as after
/// `start()`), `$process->id` its worker id, and its callable runs (in a
/// coroutine with `$enable_coroutine`). What it leaves running (timers,
/// coroutines) goes on in the caller's loop. How the call ended.
///
/// `before_blocking` runs just before a callable that is not in a
/// coroutine: it will hold the loop until it returns.
pub fn start_added(process: &Zval, worker_id: i64, before_blocking: impl FnOnce()) -> CallOutcome {
    let Some(o) = zend::obj_ptr(process) else {
        return CallOutcome::Ok;
    };
    // SAFETY: a live object's handle.
    let h = unsafe { (*o).handle };
    let Some((redirect, coroutine)) = with(h, |p| (p.redirect, p.enable_coroutine)) else {
        return CallOutcome::Ok;
    };
    let Some(callback) = zend::get_prop_scoped(PROCESS.get(), o, "callback").map(zend::zcopy)
    else {
        return CallOutcome::Ok;
    };
    become_child(h, o, redirect);
    zend::set_prop(o, "id", zlong(worker_id));
    let this = zend::new_ref_to(o);
    if coroutine {
        super::coroutine::spawn(&callback, vec![this]);
        return CallOutcome::Ok;
    }
    before_blocking();
    Callback::new(&callback).map_or(CallOutcome::Ok, |cb| cb.call(&mut [this]))
}

/// Ends this (child) process: PHP's output flushed, then `_exit`.
fn end_child(status: i32) -> ! {
    zend::flush_output();
    // SAFETY: ends the process without running the parent's exit path.
    unsafe { libc::_exit(status) }
}

fn p_write(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    rv.set_bool(false);
    let Some((h, _)) = handle(ex) else { return };
    if data.is_empty() {
        super::client::fatal_warning("the data to send is empty");
        return;
    }
    let Some(fd) = with(h, |p| p.current()).flatten() else {
        super::client::fatal_warning("no pipe, cannot write into pipe");
        return;
    };
    let mut sent = 0;
    while sent < data.len() {
        // SAFETY: a valid buffer of the given length; fd is open.
        let n = unsafe {
            libc::send(
                fd,
                data[sent..].as_ptr().cast(),
                data.len() - sent,
                libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            if errno() == i64::from(libc::EINTR) {
                continue;
            }
            if sent == 0 {
                sys_warn("write() failed");
                return;
            }
            break;
        }
        sent += n as usize;
    }
    rv.set_long(sent as i64);
}

fn p_read(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(size) = args.long_or(0, "size", 8192) else {
        return;
    };
    rv.set_bool(false);
    let Some((h, _)) = handle(ex) else { return };
    let Some(fd) = with(h, |p| p.current()).flatten() else {
        super::client::fatal_warning("no pipe, cannot read from pipe");
        return;
    };
    let mut buf = vec![0u8; usize::try_from(size).unwrap_or(0).clamp(1, 64 << 20)];
    loop {
        // SAFETY: a writable buffer of buf.len() bytes; fd is open.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            if errno() == i64::from(libc::EINTR) {
                continue;
            }
            return;
        }
        buf.truncate(n as usize);
        *rv = zstr(buf);
        return;
    }
}

fn p_set_blocking(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(blocking) = args.bool(0, "blocking") else {
        return;
    };
    let Some((h, _)) = handle(ex) else { return };
    let ok = with(h, |p| {
        p.blocking = blocking;
        p.current()
            .is_some_and(|fd| os::set_nonblocking(fd, !blocking))
    });
    rv.set_bool(ok == Some(true));
}

fn p_set_timeout(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let seconds = args.float_or(0, 0.0);
    let Some((h, _)) = handle(ex) else { return };
    let ok = with(h, |p| {
        p.current().is_some_and(|fd| {
            let t = seconds.max(0.0);
            let tv = libc::timeval {
                tv_sec: t.trunc() as libc::time_t,
                tv_usec: (t.fract() * 1e6) as libc::suseconds_t,
            };
            [libc::SO_RCVTIMEO, libc::SO_SNDTIMEO].iter().all(|opt| {
                // SAFETY: a timeval option of the right size on an open fd.
                unsafe {
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        *opt,
                        (&tv as *const libc::timeval).cast(),
                        std::mem::size_of::<libc::timeval>() as libc::socklen_t,
                    ) == 0
                }
            })
        })
    });
    rv.set_bool(ok == Some(true));
}

fn p_close(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(which) = args.long_or(0, "which", 0) else {
        return;
    };
    let Some((h, _)) = handle(ex) else { return };
    let ok = with(h, |p| match which {
        PIPE_READ | PIPE_WRITE => p.current().is_some_and(|fd| {
            let how = if which == PIPE_READ {
                libc::SHUT_RD
            } else {
                libc::SHUT_WR
            };
            // SAFETY: shutdown of an open socket.
            unsafe { libc::shutdown(fd, how) == 0 }
        }),
        PIPE_MASTER => p.master.take().is_some(),
        PIPE_WORKER => p.worker.take().is_some(),
        _ => {
            let had = p.master.is_some() || p.worker.is_some();
            p.master = None;
            p.worker = None;
            had
        }
    });
    rv.set_bool(ok == Some(true));
}

/// `exit($code)`: ends this process with `$code`.
fn p_exit(ex: &mut ExecuteData, _rv: &mut Zval) {
    let code = Args::parse(ex, 0, 1)
        .and_then(|a| a.long_or(0, "exit_code", 0))
        .unwrap_or(0);
    end_child(i32::try_from(code & 0xff).unwrap_or(0));
}

fn p_exec(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 2) else {
        return;
    };
    let Some(file) = args.string(0, "exec_file") else {
        return;
    };
    let Some(list) = args.array(1, "args") else {
        return;
    };
    rv.set_bool(false);
    let to_c = |s: &[u8]| {
        std::ffi::CString::new(s.iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>())
            .unwrap_or_default()
    };
    let path = to_c(file.as_bytes());
    let mut argv: Vec<std::ffi::CString> = vec![path.clone()];
    for v in list.values() {
        argv.push(to_c(
            &zend::str_bytes(v)
                .map(<[u8]>::to_vec)
                .unwrap_or_else(|| v.coerce_to_string().unwrap_or_default().into_bytes()),
        ));
    }
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    zend::flush_output();
    // SAFETY: a NUL-terminated path and argument list that outlive the
    // call; execv only returns on failure.
    unsafe { libc::execv(path.as_ptr(), ptrs.as_ptr()) };
    sys_warn(&format!("execv({file}) failed"));
}

fn p_export_socket(ex: &mut ExecuteData, rv: &mut Zval) {
    rv.set_bool(false);
    let Some((h, _)) = handle(ex) else { return };
    let Some(fd) = with(h, |p| p.current()).flatten() else {
        super::client::fatal_warning("no pipe, cannot export stream");
        return;
    };
    // SAFETY: dup of an open descriptor: the socket object owns the copy.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        sys_warn("dup() failed");
        return;
    }
    // SAFETY: the fresh duplicate is owned once, here.
    let owned = unsafe { OwnedFd::from_raw_fd(dup) };
    if let Some(sock) = super::client::socket_from_fd(owned) {
        *rv = sock;
    }
}

fn p_name(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(name) = args.string(0, "process_name") else {
        return;
    };
    rv.set_bool(super::set_process_title(&name));
}

fn p_set(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(settings) = args.array(0, "settings") else {
        return;
    };
    let Some((h, _)) = handle(ex) else { return };
    if let Some(v) = settings.get("enable_coroutine").and_then(|z| z.bool()) {
        with(h, |p| p.enable_coroutine = v);
    }
    rv.set_null();
}

/// `Process::wait($blocking)`: a child that ended, as
/// `['pid' => .., 'code' => .., 'signal' => ..]`; false when none did
/// (or there is no child).
fn p_wait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(blocking) = args.bool_or(0, "blocking", true) else {
        return;
    };
    rv.set_bool(false);
    let mut status = 0;
    let pid = loop {
        // SAFETY: waitpid with a valid status pointer.
        let r = unsafe { libc::waitpid(-1, &mut status, if blocking { 0 } else { libc::WNOHANG }) };
        if r < 0 && errno() == i64::from(libc::EINTR) {
            continue;
        }
        break r;
    };
    if pid > 0 {
        *rv = super::coroutine::exit_array(pid, status);
    }
}

/// `Process::kill($pid, $signo)`: false (with errno set, as
/// `swoole_errno()` reads it) when it fails.
fn p_kill(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(pid) = args.long(0, "pid") else {
        return;
    };
    let Some(sig) = args.long_or(1, "signal_no", i64::from(libc::SIGTERM)) else {
        return;
    };
    let pid = i32::try_from(pid).unwrap_or(-1);
    let sig = i32::try_from(sig).unwrap_or(-1);
    // SAFETY: kill(2) with plain numbers; errno says why it failed.
    let ok = unsafe { libc::kill(pid, sig) } == 0;
    if !ok {
        let code = errno();
        if code != i64::from(libc::ESRCH) {
            zend::warning_docref(&format!(
                "kill({pid}, {sig}) failed, Error: {}[{code}]",
                errors::os_error_text(code as i32)
            ));
        }
        // The warning machinery may touch errno: set it back.
        // SAFETY: writes this thread's errno.
        unsafe { *libc::__errno_location() = code as i32 };
        errors::set_last_error(code);
    }
    rv.set_bool(ok);
}

fn p_daemon(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 3) else {
        return;
    };
    let Some(nochdir) = args.bool_or(0, "nochdir", true) else {
        return;
    };
    let Some(noclose) = args.bool_or(1, "noclose", true) else {
        return;
    };
    zend::flush_output();
    // SAFETY: daemon(3) forks; the parent _exits inside it, the child
    // returns here and goes on with the script (Swoole's semantics).
    let ok = unsafe { libc::daemon(i32::from(nochdir), i32::from(noclose)) } == 0;
    rv.set_bool(ok);
}

fn p_set_priority(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let (Some(which), Some(prio)) = (args.long(0, "which"), args.long(1, "priority")) else {
        return;
    };
    let who = args.get(2).and_then(|z| z.long()).unwrap_or(0);
    // SAFETY: setpriority(2) with plain numbers.
    let r = unsafe {
        libc::setpriority(
            which as libc::__priority_which_t,
            who as libc::id_t,
            prio as i32,
        )
    };
    rv.set_bool(r == 0);
}

fn p_get_priority(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(which) = args.long(0, "which") else {
        return;
    };
    let who = args.get(1).and_then(|z| z.long()).unwrap_or(0);
    // SAFETY: errno is cleared first: -1 is also a valid priority.
    unsafe { *libc::__errno_location() = 0 };
    // SAFETY: getpriority(2) with plain numbers.
    let p = unsafe { libc::getpriority(which as libc::__priority_which_t, who as libc::id_t) };
    if p == -1 && errno() != 0 {
        rv.set_bool(false);
    } else {
        rv.set_long(i64::from(p));
    }
}

// ---- the message queue -----------------------------------------------------

/// `SWOOLE_MSGQUEUE_BALANCE`, `SWOOLE_IPC_NOWAIT`.
const MSGQUEUE_BALANCE: i64 = 2;
const MSGQUEUE_NOWAIT: i64 = 256;

extern "C" {
    fn zend_get_executed_filename() -> *const std::ffi::c_char;
}

/// Swoole's warning for a failed queue call: its text, then the error.
fn queue_warning(what: &str, code: i32) {
    super::client::sys_warning(&format!("{what} failed"), i64::from(code));
}

/// `useQueue($key = 0, $mode = SWOOLE_MSGQUEUE_BALANCE, $capacity = -1)`:
/// the System V queue of `$key` (0: one for this script's file), shared
/// with every process forked from here on.
fn p_use_queue(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 3) else {
        return;
    };
    let (Some(key), Some(mode), Some(capacity)) = (
        args.long_or(0, "key", 0),
        args.long_or(1, "mode", MSGQUEUE_BALANCE),
        args.long_or(2, "capacity", -1),
    ) else {
        return;
    };
    rv.set_bool(false);
    let Some((h, o)) = handle(ex) else { return };
    let key = if key > 0 {
        key as libc::key_t
    } else {
        // SAFETY: the engine's name of the running file (NUL-terminated),
        // handed to ftok(3).
        unsafe { libc::ftok(zend_get_executed_filename(), 1) }
    };
    let queue = match MsgQueue::open(key, mode & MSGQUEUE_NOWAIT != 0) {
        Ok(q) => q,
        Err(e) => return queue_warning("msgget()", e),
    };
    if capacity > 0 {
        if let Err(e) = queue.set_capacity(capacity as u64) {
            queue_warning(
                &format!(
                    "msgctl(msqid={}, IPC_SET, msg_qbytes={capacity})",
                    queue.id()
                ),
                e,
            );
        }
    }
    with(h, |p| p.queue = Some((queue, mode & !MSGQUEUE_NOWAIT)));
    zend::set_prop(o, "msgQueueId", zlong(i64::from(queue.id())));
    zend::set_prop(o, "msgQueueKey", zlong(i64::from(key)));
    rv.set_bool(true);
}

/// This object's queue and mode, and the message type of this process
/// (`$process->id + 1`, as Swoole's).
fn queue_of(ex: &mut ExecuteData, method: &str) -> Option<(MsgQueue, i64, i64)> {
    let (h, o) = handle(ex)?;
    let Some((q, mode)) = with(h, |p| p.queue).flatten() else {
        zend::warning_docref(&format!("no msgqueue, cannot use {method}()"));
        return None;
    };
    let id = zend::get_prop(o, "id").and_then(|z| z.long()).unwrap_or(0);
    Some((q, mode, id + 1))
}

fn p_push(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(data) = args.bytes(0, "data") else {
        return;
    };
    rv.set_bool(false);
    if data.is_empty() {
        zend::warning_docref("the data to push is empty");
        return;
    }
    if data.len() >= MSG_MAX {
        zend::warning_docref("the data to push is too big");
        return;
    }
    let Some((q, _, mtype)) = queue_of(ex, "push") else {
        return;
    };
    match q.push(mtype, &data) {
        Ok(()) => rv.set_bool(true),
        Err(e) if e == libc::EAGAIN => errors::set_last_error(i64::from(e)),
        Err(e) => queue_warning(&format!("msgsnd({}, {}, {mtype})", q.id(), data.len()), e),
    }
}

fn p_pop(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let Some(size) = args.long_or(0, "size", MSG_MAX as i64) else {
        return;
    };
    rv.set_bool(false);
    let size = if size <= 0 || size > MSG_MAX as i64 {
        MSG_MAX
    } else {
        size as usize
    };
    let Some((q, mode, mtype)) = queue_of(ex, "pop") else {
        return;
    };
    let mtype = if mode == MSGQUEUE_BALANCE { 0 } else { mtype };
    match q.pop(mtype, size) {
        Ok(data) => *rv = zstr(data),
        Err(e) if e == libc::ENOMSG || e == libc::EINTR => errors::set_last_error(i64::from(e)),
        Err(e) => queue_warning(&format!("msgrcv({}, {size}, {mtype})", q.id()), e),
    }
}

fn p_stat_queue(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    rv.set_bool(false);
    let Some((h, _)) = handle(ex) else { return };
    let Some((q, _)) = with(h, |p| p.queue).flatten() else {
        zend::warning_docref("no queue, can't get stats of the queue");
        return;
    };
    if let Ok((num, bytes)) = q.stat() {
        let mut a = ext_php_rs::types::ZendHashTable::new();
        zend::ht_set(&mut a, "queue_num", zlong(num as i64));
        zend::ht_set(&mut a, "queue_bytes", zlong(bytes as i64));
        *rv = zend::zarray(a);
    }
}

fn p_free_queue(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    rv.set_bool(false);
    let Some((h, _)) = handle(ex) else { return };
    let Some((q, _)) = with(h, |p| p.queue).flatten() else {
        return;
    };
    match q.destroy() {
        Ok(()) => {
            with(h, |p| p.queue = None);
            rv.set_bool(true);
        }
        Err(e) => queue_warning(&format!("msgctl({}, IPC_RMID)", q.id()), e),
    }
}

// ---- CPU affinity ------------------------------------------------------------

/// `setAffinity(array $cpu_settings)`: the CPUs this process may run on.
fn p_set_affinity(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(cpus) = args.array(0, "cpu_settings") else {
        return;
    };
    rv.set_bool(false);
    if cpus.is_empty() {
        return;
    }
    // SAFETY: a zeroed cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
    if cpus.len() > max {
        zend::warning_docref("More than the number of CPU");
        return;
    }
    for v in cpus.values() {
        let cpu = v.long().unwrap_or(-1);
        if cpu < 0 || cpu as usize >= max {
            zend::warning_docref(&format!("invalid cpu id [{cpu}]"));
            return;
        }
        // SAFETY: cpu < CPU_SETSIZE.
        unsafe { libc::CPU_SET(cpu as usize, &mut set) };
    }
    // SAFETY: our own pid and a cpu_set_t of its size.
    if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) } < 0 {
        sys_warn("sched_setaffinity() failed");
        return;
    }
    rv.set_bool(true);
}

/// `getAffinity()`: the CPUs this process may run on.
fn p_get_affinity(ex: &mut ExecuteData, rv: &mut Zval) {
    if Args::parse(ex, 0, 0).is_none() {
        return;
    }
    // SAFETY: a zeroed cpu_set_t, filled by the kernel.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: our own pid and a cpu_set_t of its size.
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } < 0 {
        sys_warn("sched_getaffinity() failed");
        rv.set_bool(false);
        return;
    }
    let mut a = ext_php_rs::types::ZendHashTable::new();
    for cpu in 0..8 * std::mem::size_of::<libc::cpu_set_t>() {
        // SAFETY: cpu < CPU_SETSIZE.
        if unsafe { libc::CPU_ISSET(cpu, &set) } {
            let _ = a.push(zlong(cpu as i64));
        }
    }
    *rv = zend::zarray(a);
}

/// A `Swoole\Process` object for a process this one did not start (a
/// pool's worker: `Pool::getProcess()`): its pid and id, no callable.
pub fn detached(pid: i64, id: i64) -> Option<Zval> {
    let z = zend::new_object(PROCESS.get());
    let o = zend::obj_ptr(&z)?;
    zend::set_prop(o, "pid", zlong(pid));
    zend::set_prop(o, "id", zlong(id));
    Some(z)
}
