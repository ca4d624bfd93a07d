//! Processes: forking a child that never returns into the script,
//! signalling and reaping children, the process name, and the
//! process-level settings (`daemonize`, `pid_file`, `user` / `group`).
//! Every process call the server makes is here or in the manager, never in
//! the PHP layer.

use std::ffi::CString;
use std::io;

use nix::sys::signal::{self as nix_signal, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

/// This process's id.
pub fn pid() -> i32 {
    std::process::id() as i32
}

/// Sends signal `sig` to process `pid`; false if there is no such process
/// (or `pid` is not a single process, or `sig` is not a signal).
pub fn signal(pid: i32, sig: libc::c_int) -> bool {
    if pid <= 0 {
        return false;
    }
    let sig = if sig == 0 {
        // Signal 0 only checks that the process exists.
        None
    } else {
        match Signal::try_from(sig) {
            Ok(s) => Some(s),
            Err(_) => return false,
        }
    };
    nix_signal::kill(Pid::from_raw(pid), sig).is_ok()
}

/// Asks child `pid` to stop (SIGTERM) and waits until it has.
pub fn stop_child(pid: i32) {
    if signal(pid, libc::SIGTERM) {
        let _ = waitpid(Pid::from_raw(pid), None);
    }
}

/// Forks a child that runs `child` and exits with the code it returns:
/// the child never returns into the script. Returns the child's pid.
/// Callers flush PHP's output first, and no thread may be running.
pub fn fork_child(child: impl FnOnce() -> i32) -> io::Result<i32> {
    // SAFETY: the caller runs no other thread; the child only runs `child`
    // and then _exits, so it never unwinds or returns into the parent's
    // frames.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(255);
        // SAFETY: ends the child without running the parent's exit path.
        unsafe { libc::_exit(code) };
    }
    Ok(pid)
}

/// Sets the name `ps` and `top` show (`swoole_set_process_name()`): the
/// kernel keeps the first 15 bytes.
/// Puts descriptor `fd` in (or out of) non-blocking mode; false when
/// `fcntl` failed.
pub fn set_nonblocking(fd: libc::c_int, nonblocking: bool) -> bool {
    // SAFETY: fcntl on a descriptor the caller holds open.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 {
            return false;
        }
        let flags = if nonblocking {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        libc::fcntl(fd, libc::F_SETFL, flags) == 0
    }
}

pub fn set_name(name: &str) -> bool {
    let Ok(c) = CString::new(name) else {
        return false;
    };
    // SAFETY: prctl(PR_SET_NAME) copies at most 16 bytes of the string.
    unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr() as libc::c_ulong, 0, 0, 0) == 0 }
}

/// Detaches from the terminal as Swoole does: fork (the parent exits 0 at
/// once), start a new session, and point stdin at /dev/null and
/// stdout/stderr at `log_file` (appended) or /dev/null. Callers flush PHP's
/// output first.
pub fn daemonize(log_file: Option<&str>) -> io::Result<()> {
    // SAFETY: no threads run yet (the event loop starts after this); the
    // parent leaves with _exit without touching anything else.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid > 0 {
        // SAFETY: ends the parent without running PHP's shutdown.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: plain system calls on our own descriptors.
    unsafe {
        libc::setsid();
        let null = CString::new("/dev/null").unwrap_or_default();
        let fd_in = libc::open(null.as_ptr(), libc::O_RDONLY);
        if fd_in >= 0 {
            libc::dup2(fd_in, 0);
            libc::close(fd_in);
        }
        let out_path = log_file.and_then(|p| CString::new(p).ok()).unwrap_or(null);
        let fd_out = libc::open(
            out_path.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND,
            0o644,
        );
        if fd_out >= 0 {
            libc::dup2(fd_out, 1);
            libc::dup2(fd_out, 2);
            libc::close(fd_out);
        }
    }
    Ok(())
}

/// Writes this process's pid to `path` (`pid_file`).
pub fn write_pid_file(path: &str) -> io::Result<()> {
    std::fs::write(path, std::process::id().to_string())
}

/// Removes the pid file if it still names this process.
pub fn remove_pid_file(path: &str) {
    if std::fs::read_to_string(path).is_ok_and(|s| s.trim() == std::process::id().to_string()) {
        let _ = std::fs::remove_file(path);
    }
}

/// [`drop_privileges`] with `settings`' user and group; a failure is logged
/// as Swoole does (the process goes on with the privileges it has).
pub fn drop_privileges_logged(settings: &crate::runtime::Settings) {
    if let Err(e) = drop_privileges(settings.user.as_deref(), settings.group.as_deref()) {
        crate::runtime::log::write(crate::runtime::log::Level::Warning, true, &e);
    }
}

/// Drops root privileges to `group` and `user` (Swoole's `group` / `user`
/// settings, applied in worker processes). Does nothing unless running as
/// root. Errors name what could not be applied.
pub fn drop_privileges(user: Option<&str>, group: Option<&str>) -> Result<(), String> {
    // SAFETY: getuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    if let Some(group) = group {
        let name = CString::new(group).map_err(|_| format!("bad group name {group:?}"))?;
        // SAFETY: getgrnam returns a pointer into static storage or null.
        let gr = unsafe { libc::getgrnam(name.as_ptr()) };
        if gr.is_null() {
            return Err(format!("group [{group}] not found"));
        }
        // SAFETY: gr is non-null.
        if unsafe { libc::setgid((*gr).gr_gid) } != 0 {
            return Err(format!(
                "setgid to [{group}] failed: {}",
                io::Error::last_os_error()
            ));
        }
    }
    if let Some(user) = user {
        let name = CString::new(user).map_err(|_| format!("bad user name {user:?}"))?;
        // SAFETY: getpwnam returns a pointer into static storage or null.
        let pw = unsafe { libc::getpwnam(name.as_ptr()) };
        if pw.is_null() {
            return Err(format!("user [{user}] not found"));
        }
        // SAFETY: pw is non-null; initgroups/setuid are plain calls.
        unsafe {
            let gid = if group.is_some() {
                libc::getgid()
            } else {
                (*pw).pw_gid
            };
            if group.is_none() && libc::setgid(gid) != 0 {
                return Err(format!(
                    "setgid for [{user}] failed: {}",
                    io::Error::last_os_error()
                ));
            }
            libc::initgroups(name.as_ptr(), gid);
            if libc::setuid((*pw).pw_uid) != 0 {
                return Err(format!(
                    "setuid to [{user}] failed: {}",
                    io::Error::last_os_error()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_file_round_trip() {
        let path = std::env::temp_dir().join(format!("swrs-pid-{}", std::process::id()));
        let p = path.to_str().unwrap();
        write_pid_file(p).unwrap();
        assert_eq!(
            std::fs::read_to_string(p).unwrap(),
            std::process::id().to_string()
        );
        remove_pid_file(p);
        assert!(!path.exists());
        // another process's pid file is left alone
        std::fs::write(p, "1").unwrap();
        remove_pid_file(p);
        assert!(path.exists());
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn unknown_user_is_an_error_as_root() {
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        // Checked in a child: success would change this process's uid.
        // SAFETY: the child only calls drop_privileges and _exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let bad = drop_privileges(Some("no-such-user-swrs"), None).is_err();
            // SAFETY: geteuid cannot fail.
            let good =
                drop_privileges(Some("nobody"), None).is_ok() && unsafe { libc::geteuid() } != 0;
            // SAFETY: the forked child ends here, without unwinding into
            // the test harness's copy.
            unsafe { libc::_exit(if bad && good { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(status, 0);
    }
}
