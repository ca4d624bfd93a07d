//! Layer 1: wire protocols, with no IO, no tokio and no PHP.
//!
//! Everything here is a pure function or an explicit state machine over byte
//! buffers, so the runtime can drive it from any executor and the tests can
//! feed it input split at every byte boundary. Input that comes from a peer is
//! never trusted: no `unwrap()` or indexing that can panic on it, and every
//! length a peer declares is checked against a limit before memory is reserved
//! for it.
//!
//! - [`frame`]: RFC 6455 frame codec (incremental decode, encode, masking).
//! - [`message`]: per-connection reassembly of frames into messages, with the
//!   RFC checks (control frames, reserved bits and opcodes, UTF-8, limits).
//! - [`close`]: close-frame payloads and close codes.
//! - [`handshake`]: the HTTP upgrade (key checks, accept key, 101/400 bytes).
//! - [`deflate`]: permessage-deflate (RFC 7692) on top of flate2.
//! - [`session`]: one connection's states (HTTP, awaiting a response,
//!   WebSocket, closing) as a state machine fed received bytes.
//! - [`pack`]: Swoole's static `Server::pack()` / `Server::unpack()`.
//! - [`http`]: HTTP/1.1 request parsing (httparse), bodies, cookies.
//! - [`response`]: HTTP response heads written the way Swoole writes them.
//! - [`multipart`]: `multipart/form-data` bodies.
//! - [`date`]: HTTP dates without a date library.
//! - [`resp`]: the Redis protocol, as much as a pub/sub client needs.
//! - [`bus`]: the messages nodes of a cluster exchange over Redis.

pub mod bus;
pub mod byte_range;
pub mod close;
pub mod date;
pub mod deflate;
pub mod frame;
pub mod framing;
pub mod handshake;
pub mod http;
pub mod http_client;
pub mod http_compression;
pub mod message;
pub mod mime;
pub mod multipart;
pub mod pack;
pub mod resp;
pub mod response;
pub mod session;
