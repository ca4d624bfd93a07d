//! Swoole's own log lines (not PHP warnings): protocol trouble that no PHP
//! call caused, e.g. an oversized message from a client.
//!
//! Format as Swoole's logger: `[2026-11-22 02:51:39 *1234.0]\tWARNING\tmsg`,
//! written straight to standard output like Swoole's default log target.

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Notice,
    Warning,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Notice => "NOTICE",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }
}

/// `'*'` inside a server worker, `'%'` outside a server (as Swoole marks the
/// process type in its log prefix).
pub fn write(level: Level, in_worker: bool, msg: &str) {
    let line = format_line(level, in_worker, msg, local_time_string());
    // Standard output is PHP's too: write the whole line in one call so it
    // never interleaves with a script's echo.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

fn format_line(level: Level, in_worker: bool, msg: &str, time: String) -> String {
    format!(
        "[{} {}{}.0]\t{}\t{}\n",
        time,
        if in_worker { '*' } else { '%' },
        std::process::id(),
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
    fn local_time_has_fixed_width() {
        assert_eq!(local_time_string().len(), 19);
    }
}
