//! Swoole's last-error code (`swoole_last_error()`, `$server->getLastError()`)
//! and the error numbers the server sets.

use std::cell::Cell;

pub const PHP_FATAL_ERROR: i64 = 503;
pub const INVALID_PARAMS: i64 = 505;
pub const PROTOCOL_ERROR: i64 = 508;
pub const NO_PAYLOAD: i64 = 550;
pub const SESSION_CLOSED: i64 = 1004;
pub const SESSION_NOT_EXIST: i64 = 1005;
pub const OUTPUT_BUFFER_OVERFLOW: i64 = 1009;
pub const OUTPUT_SEND_YIELD: i64 = 1010;
pub const PACKAGE_LENGTH_TOO_LARGE: i64 = 1201;
pub const SERVER_NOT_RUNNING: i64 = 9005;
/// SWOOLE_ERROR_SSL_CREATE_CONTEXT_FAILED: the certificate or key is unusable.
pub const SSL_ERROR: i64 = 1019;
pub const WEBSOCKET_UNCONNECTED: i64 = 8503;
pub const WEBSOCKET_PACK_FAILED: i64 = 8505;
pub const WEBSOCKET_INCOMPLETE_PACKET: i64 = 8507;

thread_local! {
    static LAST_ERROR: Cell<i64> = const { Cell::new(0) };
}

/// Swoole's log line (its logger's `WARNING`, not a PHP warning), marked
/// as a worker's while a server runs in this process.
pub fn log_warning(msg: &str) {
    crate::runtime::log::write(
        crate::runtime::log::Level::Warning,
        super::state::current().is_some(),
        msg,
    );
}

/// As [`log_warning`], at the notice level.
pub fn log_notice(msg: &str) {
    crate::runtime::log::write(
        crate::runtime::log::Level::Notice,
        super::state::current().is_some(),
        msg,
    );
}

pub fn set_last_error(code: i64) {
    LAST_ERROR.with(|c| c.set(code));
}

pub fn last_error() -> i64 {
    LAST_ERROR.with(|c| c.get())
}

/// The OS's text for `errno`, without Rust's " (os error N)" suffix, as
/// Swoole's warnings show it ("Address already in use").
pub fn os_error_text(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    match text.split_once(" (os error") {
        Some((t, _)) => t.to_string(),
        None => text,
    }
}

/// `swoole_strerror()` texts for the codes this extension sets; the rest
/// fall back to the OS's strerror, as Swoole's do below 500.
pub fn strerror(code: i64) -> String {
    let known = match code {
        0 => "Success",
        PHP_FATAL_ERROR => "PHP fatal error",
        PROTOCOL_ERROR => "Protocol error",
        SESSION_CLOSED => "Session closed",
        SESSION_NOT_EXIST => "Session does not exist",
        PACKAGE_LENGTH_TOO_LARGE => "Package length too large",
        SERVER_NOT_RUNNING => "Server is not running",
        WEBSOCKET_UNCONNECTED => "Websocket unconnected",
        WEBSOCKET_PACK_FAILED => "Websocket pack failed",
        WEBSOCKET_INCOMPLETE_PACKET => "Websocket incomplete packet",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    if (1..500).contains(&code) {
        return os_error_text(code as i32);
    }
    format!("Unknown error {code}")
}
