//! The blocking client under `Swoole\Client`: its socket and Swoole's
//! waiting rules (`socket.rs`), the connection with its framing buffer and
//! the SWOOLE_KEEP pool (`state.rs`), `set()`'s settings (`options.rs`),
//! TLS over rustls (`tls.rs`) and the error numbers it sets (`codes.rs`).
//!
//! It lives in `runtime/` because it holds no PHP values, so it is unit
//! tested with real sockets; `php/client/` is only the PHP surface over
//! it. It uses no tokio: `Swoole\Client` is called from plain PHP (PHP-FPM,
//! the CLI) outside any event loop, so every call blocks the calling thread
//! with `poll()` and the socket's timeouts.

pub mod codes;
pub mod http;
pub mod options;
pub mod socket;
pub mod state;
pub mod tls;

#[cfg(test)]
mod testing;
