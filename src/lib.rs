//! swoole-rs: Swoole's WebSocket server API for PHP, implemented in Rust.
//!
//! The crate is split into four layers, each a folder, each depending only on
//! the ones above it in this list:
//!
//! 1. [`protocol`]: RFC 6455 / HTTP/1.1 / RFC 7692 codecs. No IO, no PHP.
//! 2. [`runtime`]: tokio listeners, connections and the connection table, and
//!    `Swoole\Client`'s blocking client. No PHP.
//! 3. [`worker`]: the PHP-thread event loop, timers and signals. No PHP values.
//! 4. `php`: the ext-php-rs surface that translates PHP values to the layers below.
//!
//! The PHP surface is left out of `cargo test` builds: a test executable cannot
//! link against the PHP engine's symbols, which only exist inside `php`.

pub mod protocol;
pub mod runtime;
pub mod worker;

#[cfg(not(test))]
mod php;

/// The Swoole API level this extension implements (`SWOOLE_VERSION`).
pub const SWOOLE_API_VERSION: &str = "6.2.2";
/// `SWOOLE_VERSION_ID` for [`SWOOLE_API_VERSION`].
pub const SWOOLE_API_VERSION_ID: i64 = 60202;
/// The version of swoole-rs itself.
pub const SWOOLE_RS_VERSION: &str = env!("CARGO_PKG_VERSION");
