//! Messages between worker processes: one inbox per worker.
//!
//! Two halves, because they are tested differently: `codec` turns messages
//! into packets and back and is pure (no descriptors, no IO), so it can be
//! fuzzed on its own with every byte a broken or hostile peer could send
//! (`fuzz/`, target `ipc_decode`); `transport` moves those packets over the
//! inbox sockets. Both are re-exported here: users name `ipc::Message`,
//! `ipc::Endpoint` and never the halves.

mod codec;
mod transport;

pub use codec::*;
pub use transport::*;
