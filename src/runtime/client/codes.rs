//! The error numbers `Swoole\Client` sets (errno below 500, Swoole's own
//! above) and `swoole_strerror()`'s text for them.

pub const PHP_FATAL_ERROR: i64 = 503;
pub const NAME_TOO_LONG: i64 = 504;
pub const INVALID_PARAMS: i64 = 505;
pub const OPERATION_NOT_SUPPORT: i64 = 507;
pub const PHP_RUNTIME_NOTICE: i64 = 510;
pub const FILE_EMPTY: i64 = 702;
pub const DNSLOOKUP_RESOLVE_FAILED: i64 = 711;
pub const BAD_PORT: i64 = 723;
pub const SSL_VERIFY_FAILED: i64 = 1014;
pub const SSL_BAD_PROTOCOL: i64 = 1016;
pub const SSL_HANDSHAKE_FAILED: i64 = 1018;
pub const SSL_CREATE_CONTEXT_FAILED: i64 = 1019;
pub const SSL_CREATE_SESSION_FAILED: i64 = 1020;
pub const CLIENT_NO_CONNECTION: i64 = 5001;

/// `swoole_strerror()`'s text for the codes a client sets: Swoole's words
/// for its own codes, strerror(3)'s for an errno. `None` for the rest,
/// which the PHP layer words as it words the server's errors (no PHP here).
pub fn text(code: i64) -> Option<String> {
    let own = match code {
        NAME_TOO_LONG => "Name too long",
        INVALID_PARAMS => "Invalid params",
        OPERATION_NOT_SUPPORT => "Operation not support",
        PHP_RUNTIME_NOTICE => "PHP runtime notice",
        FILE_EMPTY => "File empty",
        DNSLOOKUP_RESOLVE_FAILED => "DNS Lookup resolve failed",
        722 => "Bad host addr",
        BAD_PORT => "Bad port",
        SSL_VERIFY_FAILED => "SSL verify failed",
        SSL_BAD_PROTOCOL => "SSL bad protocol",
        SSL_HANDSHAKE_FAILED => "SSL handshake failed",
        SSL_CREATE_CONTEXT_FAILED => "SSL create context failed",
        SSL_CREATE_SESSION_FAILED => "SSL create session failed",
        CLIENT_NO_CONNECTION => "Client no connection",
        1013 => "SSL empty peer certificate",
        7102 => "Http invalid protocol",
        8505 => "Websocket pack failed",
        10001 => "Coroutine out of coroutine",
        10002 => "Coroutine has been bound",
        10015 => "Coroutine cannot cancel",
        10016 => "Coroutine not exists",
        10017 => "Coroutine canceled",
        10018 => "Coroutine timedout",
        10019 => "Coroutine socket close wait",
        6002 => "Socket poll timeout",
        _ => "",
    };
    if !own.is_empty() {
        return Some(own.to_string());
    }
    if (1..500).contains(&code) {
        // "Connection refused (os error 111)" without the suffix, as
        // strerror(3) words it.
        let s = std::io::Error::from_raw_os_error(code as i32).to_string();
        return Some(match s.rfind(" (os error ") {
            Some(i) => s[..i].to_string(),
            None => s,
        });
    }
    None
}

/// Swoole's `catch_error() == SW_CLOSE`: errors after which a connection is
/// not worth keeping.
pub fn closes(code: i64) -> bool {
    matches!(
        code as i32,
        libc::ECONNRESET
            | libc::ECONNABORTED
            | libc::EPIPE
            | libc::ENOTCONN
            | libc::ETIMEDOUT
            | libc::ECONNREFUSED
            | libc::ENETDOWN
            | libc::ENETUNREACH
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
    ) || code == 1015
        || code == 1017
}
