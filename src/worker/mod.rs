//! The worker: the PHP thread's event loop, timers, deferred calls and
//! signals. Holds callbacks as opaque Rust closures, so nothing here knows
//! about PHP values.

pub mod cluster;
pub mod event_loop;
pub mod h2_relay;
pub mod ipc;
pub mod lifecycle;
pub mod manager;
pub mod msg_queue;
pub mod process;
pub mod push;
pub mod relay;
pub mod signals;
pub mod table;
pub mod timers;
