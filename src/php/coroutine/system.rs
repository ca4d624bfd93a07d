//! `Swoole\Coroutine\System` (`Co\System`): the blocking calls of a script
//! (DNS, files, child processes) made without blocking the worker. Each
//! runs on the runtime's blocking threads ([`io::blocking`]) while the
//! calling coroutine waits; `waitEvent()` waits on the loop's reactor,
//! `waitSignal()` for a signal caught as `Process::signal()` catches one.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;

use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

use super::super::args::Args;
use super::super::classes::{sm, Class, ClassSlot};
use super::super::errors;
use super::super::zend::{self, zarray, zlong, zstr};
use super::{current, io, throw_out_of_coroutine};
use crate::runtime::client::socket::Event;

pub static SYSTEM: ClassSlot = ClassSlot::new();

/// SW_ERROR_DNSLOOKUP_RESOLVE_FAILED.
const DNS_FAILED: i64 = 711;
/// `SWOOLE_EVENT_READ`, `SWOOLE_EVENT_WRITE`.
const EVENT_READ: i64 = 512;
const EVENT_WRITE: i64 = 1024;
/// `FILE_APPEND`.
const FILE_APPEND: i64 = 8;

pub fn register() {
    let mut c = Class::new("Swoole\\Coroutine\\System");
    c.methods = vec![sm("sleep", super::co_sleep, "float $seconds", "bool")];
    c.methods.extend(methods());
    SYSTEM.set(c.register());
    super::super::classes::alias("Co\\System", SYSTEM.get());
}

/// System's methods but sleep(): `Swoole\Coroutine` has them too.
pub fn methods() -> Vec<super::super::classes::Method> {
    vec![
        sm(
            "gethostbyname",
            sys_gethostbyname,
            "string $domain_name, int $type = AF_INET, float $timeout = -1",
            "string|false",
        ),
        sm(
            "dnsLookup",
            sys_dns_lookup,
            "string $domain_name, float $timeout = 60, int $type = AF_INET",
            "string|false",
        ),
        sm(
            "getaddrinfo",
            sys_getaddrinfo,
            "string $domain, int $family = AF_INET, int $socktype = SOCK_STREAM, int $protocol = STREAM_IPPROTO_TCP, ?string $service = null, float $timeout = -1",
            "array|bool",
        ),
        sm(
            "exec",
            sys_exec,
            "string $command, bool $get_error_stream = false",
            "array|false",
        ),
        sm(
            "readFile",
            sys_read_file,
            "string $filename, int $flag = 0",
            "string|false",
        ),
        sm(
            "writeFile",
            sys_write_file,
            "string $filename, string $fileContent, int $flags = 0",
            "int|false",
        ),
        sm("statvfs", sys_statvfs, "string $path", "array"),
        sm("wait", sys_wait, "float $timeout = -1", "array|false"),
        sm(
            "waitPid",
            sys_wait_pid,
            "int $pid, float $timeout = -1",
            "array|false",
        ),
        sm(
            "waitSignal",
            sys_wait_signal,
            "array|int $signals, float $timeout = -1",
            "int|false",
        ),
        sm(
            "waitEvent",
            sys_wait_event,
            "mixed $socket, int $events = SWOOLE_EVENT_READ, float $timeout = -1",
            "int|false",
        ),
    ]
}

/// Swoole's `Coroutine::get_current_safe()`: these calls need a coroutine.
fn in_coroutine() -> bool {
    if current() < 0 {
        throw_out_of_coroutine();
        return false;
    }
    true
}

/// A Swoole log line from a system call that failed (Swoole logs these
/// rather than warning).
fn log_failure(call: &str, e: &std::io::Error) {
    let code = e.raw_os_error().unwrap_or(libc::EIO);
    errors::log_warning(&format!(
        "{call} failed, Error: {}[{code}]",
        errors::os_error_text(code)
    ));
}

/// Whether `family` is AF_INET or AF_INET6 (Swoole's warning otherwise).
fn family_ok(family: i64) -> bool {
    if family == i64::from(libc::AF_INET) || family == i64::from(libc::AF_INET6) {
        return true;
    }
    errors::set_last_error(errors::PHP_FATAL_ERROR);
    zend::warning_docref("unknown protocol family, must be AF_INET or AF_INET6");
    false
}

/// The addresses of `host` in `family`, resolved on a blocking thread.
fn resolve(host: String, family: i64, timeout_ms: Option<u64>) -> Vec<String> {
    let v6 = family == i64::from(libc::AF_INET6);
    let lookup = move || {
        use std::net::ToSocketAddrs;
        (host.as_str(), 0)
            .to_socket_addrs()
            .map(|addrs| {
                let mut seen = Vec::new();
                for a in addrs.filter(|a| a.is_ipv6() == v6) {
                    let ip = a.ip().to_string();
                    if !seen.contains(&ip) {
                        seen.push(ip);
                    }
                }
                seen
            })
            .unwrap_or_default()
    };
    let found = match timeout_ms {
        // The lookup keeps its thread; the coroutine stops waiting for it.
        Some(ms) if current() >= 0 => io::await_as(current(), async move {
            let job = tokio::task::spawn_blocking(lookup);
            tokio::time::timeout(std::time::Duration::from_millis(ms), job)
                .await
                .ok()
                .and_then(Result::ok)
        })
        .flatten(),
        _ => io::blocking(lookup),
    };
    let found = found.unwrap_or_default();
    if found.is_empty() {
        errors::set_last_error(DNS_FAILED);
    }
    found
}

fn timeout_ms(seconds: f64) -> Option<u64> {
    (seconds > 0.0).then(|| super::seconds_to_ms(seconds))
}

fn sys_gethostbyname(ex: &mut ExecuteData, rv: &mut Zval) {
    if !in_coroutine() {
        return;
    }
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(host) = args.string(0, "domain_name") else {
        return;
    };
    let Some(family) = args.long_or(1, "type", i64::from(libc::AF_INET)) else {
        return;
    };
    let timeout = args.float_or(2, -1.0);
    first_address(rv, host, family, timeout);
}

fn sys_dns_lookup(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(host) = args.string(0, "domain_name") else {
        return;
    };
    let timeout = args.float_or(1, 60.0);
    let Some(family) = args.long_or(2, "type", i64::from(libc::AF_INET)) else {
        return;
    };
    first_address(rv, host, family, timeout);
}

/// `gethostbyname()` and `dnsLookup()`: the first address of `host`, or
/// false (with Swoole's warnings for an empty name or a bad family).
fn first_address(rv: &mut Zval, host: String, family: i64, timeout: f64) {
    rv.set_bool(false);
    if host.is_empty() {
        errors::set_last_error(errors::PHP_FATAL_ERROR);
        zend::warning_docref("domain name is empty");
        return;
    }
    if !family_ok(family) {
        return;
    }
    if let Some(ip) = resolve(host, family, timeout_ms(timeout))
        .into_iter()
        .next()
    {
        *rv = zstr(ip);
    }
}

fn sys_getaddrinfo(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 6) else {
        return;
    };
    let Some(host) = args.string(0, "domain") else {
        return;
    };
    let Some(family) = args.long_or(1, "family", i64::from(libc::AF_INET)) else {
        return;
    };
    let timeout = args.float_or(5, -1.0);
    rv.set_bool(false);
    if host.is_empty() {
        errors::set_last_error(errors::PHP_FATAL_ERROR);
        zend::warning_docref("hostname is empty");
        return;
    }
    if !family_ok(family) {
        return;
    }
    let found = resolve(host, family, timeout_ms(timeout));
    if found.is_empty() {
        return;
    }
    let mut a = ZendHashTable::new();
    for ip in found {
        let _ = a.push(zstr(ip));
    }
    *rv = zarray(a);
}

fn sys_exec(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(command) = args.string(0, "command") else {
        return;
    };
    let Some(with_stderr) = args.bool_or(1, "get_error_stream", false) else {
        return;
    };
    rv.set_bool(false);
    let run = move || {
        // The shell's stderr joins its stdout in the pipe when asked, else
        // goes where ours goes, as Swoole's exec does.
        let script = if with_stderr {
            format!("exec 2>&1; {command}")
        } else {
            command
        };
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
    };
    let Some(out) = io::blocking(run) else {
        return;
    };
    match out {
        Ok(out) => {
            let mut a = ZendHashTable::new();
            zend::ht_set(
                &mut a,
                "code",
                zlong(i64::from(out.status.code().unwrap_or(0))),
            );
            zend::ht_set(
                &mut a,
                "signal",
                zlong(i64::from(out.status.signal().unwrap_or(0))),
            );
            zend::ht_set(&mut a, "output", zstr(out.stdout));
            *rv = zarray(a);
        }
        Err(e) => log_failure("System::exec(): fork()", &e),
    }
}

/// A path argument: Swoole's ValueError for an empty one.
fn path_arg(args: &Args, i: usize, name: &str, what: &str) -> Option<String> {
    let p = args.string(i, name)?;
    if p.is_empty() {
        zend::throw_value_error(&format!("{what} cannot be empty"));
        return None;
    }
    Some(p)
}

fn sys_read_file(ex: &mut ExecuteData, rv: &mut Zval) {
    if !in_coroutine() {
        return;
    }
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(path) = path_arg(&args, 0, "filename", "Filename") else {
        return;
    };
    rv.set_bool(false);
    let shown = path.clone();
    match io::blocking(move || std::fs::read(path)) {
        Some(Ok(data)) => *rv = zstr(data),
        Some(Err(e)) => log_failure(&format!("System::read_file(): open({shown}, O_RDONLY)"), &e),
        None => {}
    }
}

fn sys_write_file(ex: &mut ExecuteData, rv: &mut Zval) {
    if !in_coroutine() {
        return;
    }
    let Some(args) = Args::parse(ex, 2, 3) else {
        return;
    };
    let Some(path) = path_arg(&args, 0, "filename", "Filename") else {
        return;
    };
    let Some(data) = args.bytes(1, "fileContent") else {
        return;
    };
    let Some(flags) = args.long_or(2, "flags", 0) else {
        return;
    };
    rv.set_bool(false);
    let append = flags & FILE_APPEND != 0;
    let open_flags = libc::O_CREAT
        | libc::O_WRONLY
        | libc::O_NOFOLLOW
        | if append {
            libc::O_APPEND
        } else {
            libc::O_TRUNC
        };
    let shown = path.clone();
    let write = move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .append(append)
            .truncate(!append)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(0o644)
            .open(path)?;
        f.write_all(&data)?;
        Ok::<usize, std::io::Error>(data.len())
    };
    match io::blocking(write) {
        Some(Ok(n)) => rv.set_long(n as i64),
        Some(Err(e)) => log_failure(
            &format!("System::write_file(): open({shown}, {open_flags})"),
            &e,
        ),
        None => {}
    }
}

fn sys_statvfs(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 1) else {
        return;
    };
    let Some(path) = path_arg(&args, 0, "path", "Path") else {
        return;
    };
    let st = nix_statvfs(&path);
    let mut a = ZendHashTable::new();
    for (k, v) in st {
        zend::ht_set(&mut a, k, zlong(v));
    }
    *rv = zarray(a);
}

/// statvfs(3) of `path`, zeros when it fails (as Swoole leaves them).
fn nix_statvfs(path: &str) -> [(&'static str, i64); 11] {
    // SAFETY: an all-zero statvfs is a valid value of the plain C struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if let Ok(c) = std::ffi::CString::new(path) {
        // SAFETY: a NUL-terminated path and a writable statvfs.
        unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    }
    [
        ("bsize", st.f_bsize as i64),
        ("frsize", st.f_frsize as i64),
        ("blocks", st.f_blocks as i64),
        ("bfree", st.f_bfree as i64),
        ("bavail", st.f_bavail as i64),
        ("files", st.f_files as i64),
        ("ffree", st.f_ffree as i64),
        ("favail", st.f_favail as i64),
        ("fsid", st.f_fsid as i64),
        ("flag", st.f_flag as i64),
        ("namemax", st.f_namemax as i64),
    ]
}

/// Waits for child `pid` (-1: any) to end, at most `timeout` seconds
/// (negative: no limit): `[pid, status]`, or None (timed out, ETIMEDOUT;
/// no such child, ECHILD).
fn wait_child(pid: i32, timeout: f64) -> Option<(i32, i32)> {
    let deadline = (timeout >= 0.0)
        .then(|| std::time::Instant::now() + std::time::Duration::from_secs_f64(timeout.min(1e9)));
    let poll = move || loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r > 0 {
            return Ok((r, status));
        }
        if r < 0 {
            let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(libc::ETIMEDOUT);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    match io::blocking(poll) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            errors::set_last_error(i64::from(e));
            None
        }
        None => None,
    }
}

fn wait_result(rv: &mut Zval, r: Option<(i32, i32)>) {
    match r {
        Some((pid, status)) => *rv = exit_array(pid, status),
        None => rv.set_bool(false),
    }
}

/// `['pid' => .., 'code' => .., 'signal' => ..]` of a child that ended
/// with waitpid(2) `status` (`System::wait()`, `Process::wait()`).
pub(in crate::php) fn exit_array(pid: i32, status: i32) -> Zval {
    let mut a = ZendHashTable::new();
    zend::ht_set(&mut a, "pid", zlong(i64::from(pid)));
    zend::ht_set(&mut a, "code", zlong(i64::from(libc::WEXITSTATUS(status))));
    let signal = if libc::WIFSIGNALED(status) {
        libc::WTERMSIG(status)
    } else {
        0
    };
    zend::ht_set(&mut a, "signal", zlong(i64::from(signal)));
    zarray(a)
}

fn sys_wait(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 0, 1) else {
        return;
    };
    let timeout = args.float_or(0, -1.0);
    if !in_coroutine() {
        return;
    }
    wait_result(rv, wait_child(-1, timeout));
}

fn sys_wait_pid(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let Some(pid) = args.long(0, "pid") else {
        return;
    };
    let timeout = args.float_or(1, -1.0);
    if !in_coroutine() {
        return;
    }
    let pid = i32::try_from(pid).unwrap_or(-1);
    wait_result(rv, wait_child(pid, timeout));
}

/// `waitEvent($socket, $events, $timeout)`: waits until a stream, socket
/// or descriptor number is readable or writable; which one it is.
fn sys_wait_event(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 3) else {
        return;
    };
    let Some(events) = args.long_or(1, "events", EVENT_READ) else {
        return;
    };
    let timeout = args.float_or(2, -1.0);
    rv.set_bool(false);
    let Some(fd) = args.get(0).and_then(zend::fd_of) else {
        errors::set_last_error(errors::PHP_FATAL_ERROR);
        zend::warning_docref("unknown fd type");
        return;
    };
    if !in_coroutine() {
        return;
    }
    let ev = if events & EVENT_READ != 0 {
        Event::Read
    } else {
        Event::Write
    };
    let ms = if timeout > 0.0 {
        i32::try_from(super::seconds_to_ms(timeout)).unwrap_or(i32::MAX)
    } else {
        -1
    };
    match io::wait_fd(fd, ev, ms) {
        Ok(()) => rv.set_long(match ev {
            Event::Read => EVENT_READ,
            Event::Write => EVENT_WRITE,
        }),
        Err(code) => errors::set_last_error(code),
    }
}

/// `waitSignal($signals, $timeout = -1)`: the calling coroutine waits until
/// one of `$signals` (a number or an array of them) arrives, at most
/// `$timeout` seconds; the signal's number, or false (last error
/// SWOOLE_ERROR_CO_TIMEDOUT). As Swoole: refused while `Process::signal()` callbacks are
/// registered, SIGCHLD and numbers out of range are invalid, and the
/// signals' former dispositions come back once the wait ends.
fn sys_wait_signal(ex: &mut ExecuteData, rv: &mut Zval) {
    let Some(args) = Args::parse(ex, 1, 2) else {
        return;
    };
    let timeout = args.float_or(1, -1.0);
    rv.set_bool(false);
    let wanted: Vec<i64> = match args.get(0) {
        Some(z) => match z.array() {
            Some(a) => a.iter().map(|(_, v)| long_of(v)).collect(),
            None => vec![long_of(z)],
        },
        None => return,
    };
    if !in_coroutine() {
        return;
    }
    if super::super::signal::has_callbacks() {
        zend::warning_docref("Unable to wait signal, async signal listener has been registered");
        errors::set_last_error(i64::from(libc::EBUSY));
        return;
    }
    let valid = |s: &i64| {
        (0..super::super::signal::SIGNO_MAX).contains(s) && *s != i64::from(libc::SIGCHLD)
    };
    if !wanted.iter().all(valid) {
        zend::warning_docref("Invalid signal in the given list");
        errors::set_last_error(i64::from(libc::EINVAL));
        return;
    }
    let signals: Vec<libc::c_int> = wanted.iter().map(|&s| s as libc::c_int).collect();
    let (guard, read) = match crate::worker::signals::install(&signals) {
        Ok(installed) => installed,
        Err(e) => {
            log_failure("sigaction", &e);
            return;
        }
    };
    let limit =
        (timeout > 0.0).then(|| std::time::Duration::from_millis(super::seconds_to_ms(timeout)));
    let caught = io::await_as(current(), async move {
        // Registered with the loop's reactor, so made inside it.
        let sock = tokio::net::UnixStream::from_std(read).ok()?;
        let next = crate::worker::event_loop::next_signal(&sock);
        match limit {
            Some(t) => tokio::time::timeout(t, next).await.ok().flatten(),
            None => next.await,
        }
    });
    drop(guard);
    match caught {
        Some(Some(signo)) => rv.set_long(i64::from(signo)),
        Some(None) => errors::set_last_error(super::CO_TIMEDOUT),
        // Canceled (Coroutine::cancel()).
        None => errors::set_last_error(i64::from(libc::ECANCELED)),
    }
}

/// A value as PHP's `zval_get_long()` reads it (numbers, numeric strings,
/// true as 1; anything else 0).
fn long_of(z: &Zval) -> i64 {
    z.long()
        .or_else(|| z.double().map(|d| d as i64))
        .or_else(|| z.bool().map(i64::from))
        .or_else(|| z.string().and_then(|s| s.trim().parse().ok()))
        .unwrap_or(0)
}
