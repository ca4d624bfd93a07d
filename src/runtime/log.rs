//! Swoole's own log lines (not PHP warnings): protocol trouble that no PHP
//! call caused, e.g. an oversized message from a client.
//!
//! Format as Swoole's logger: `[2026-11-22 02:51:39 *1234.0]\tWARNING\tmsg`,
//! written to standard output like Swoole's default log target, or to the
//! `log_file` setting's file; `log_level` drops lines below it.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use parking_lot::Mutex;

/// The least level written (`log_level`, Swoole's `SWOOLE_LOG_*` numbers).
static MIN_LEVEL: AtomicU8 = AtomicU8::new(0);
/// This process's mark and worker id in the prefix: `*` worker, `^` task
/// worker, `$` manager (as Swoole marks them).
static ROLE: AtomicU8 = AtomicU8::new(b'*');
static WORKER_ID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Sets what the log prefix says this process is (after a fork).
pub fn set_process(role: u8, worker_id: i32) {
    ROLE.store(role, Ordering::Relaxed);
    WORKER_ID.store(worker_id, Ordering::Relaxed);
}

/// `log_file`, opened for appending; None: standard output.
static LOG_FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Applies `log_level` and `log_file` (at `start()`). A file that cannot
/// be opened leaves logging on standard output, and says so there.
pub fn configure(level: Option<i64>, file: Option<&str>) {
    MIN_LEVEL.store(level.unwrap_or(0).clamp(0, 6) as u8, Ordering::Relaxed);
    let opened = file.map(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| (path.to_string(), e))
    });
    let mut target = LOG_FILE.lock();
    *target = None;
    match opened {
        Some(Ok(f)) => *target = Some(f),
        Some(Err((path, e))) => {
            drop(target);
            write(
                Level::Warning,
                false,
                &format!("cannot open log_file {path}: {e}"),
            );
        }
        None => {}
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Notice,
    Warning,
    Error,
}

impl Level {
    /// Swoole's `SWOOLE_LOG_*` number.
    fn number(self) -> u8 {
        match self {
            Level::Notice => 3,
            Level::Warning => 4,
            Level::Error => 5,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Level::Notice => "NOTICE",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }
}

/// `'*'` inside a server worker (`'^'` a task worker, `'$'` the manager; see
/// [`set_process`]), `'%'` outside a server (as Swoole marks the process
/// type in its log prefix).
pub fn write(level: Level, in_worker: bool, msg: &str) {
    if level.number() < MIN_LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let line = format_line(level, in_worker, msg, local_time_string());
    if let Some(file) = LOG_FILE.lock().as_mut() {
        let _ = file.write_all(line.as_bytes());
        return;
    }
    // Standard output is PHP's too: write the whole line in one call so it
    // never interleaves with a script's echo.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

fn format_line(level: Level, in_worker: bool, msg: &str, time: String) -> String {
    let role = ROLE.load(Ordering::Relaxed);
    let (mark, id) = match (in_worker, role) {
        (_, b'$') => ('$', 0),
        (true, r) => (char::from(r), WORKER_ID.load(Ordering::Relaxed)),
        (false, _) => ('%', 0),
    };
    format!(
        "[{} {}{}.{}]\t{}\t{}\n",
        time,
        mark,
        std::process::id(),
        id,
        level.as_str(),
        msg
    )
}

/// Local time as `YYYY-MM-DD HH:MM:SS`, via libc so the TZ is honoured.
fn local_time_string() -> String {
    // SAFETY: time/localtime_r only write into the tm we pass.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return String::from("1970-01-01 00:00:00");
        }
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format_matches_swoole() {
        let line = format_line(Level::Warning, true, "boom", "2026-11-22 01:02:03".into());
        let pid = std::process::id();
        assert_eq!(
            line,
            format!("[2026-11-22 01:02:03 *{pid}.0]\tWARNING\tboom\n")
        );
    }

    #[test]
    fn log_file_and_level() {
        let path = std::env::temp_dir().join(format!("swoole-rs-log-{}", std::process::id()));
        let p = path.to_str().expect("utf-8 path");
        configure(Some(5), Some(p));
        write(Level::Warning, true, "dropped below log_level");
        write(Level::Error, true, "kept");
        configure(None, None);
        let text = std::fs::read_to_string(&path).expect("log written");
        assert!(text.ends_with("\tERROR\tkept\n"), "{text}");
        assert!(!text.contains("dropped"), "{text}");
        std::fs::remove_file(&path).expect("cleanup");
    }

    #[test]
    fn local_time_has_fixed_width() {
        assert_eq!(local_time_string().len(), 19);
    }
}
