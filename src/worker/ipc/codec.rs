//! The IPC wire format: messages to bytes and back, and bytes to packets and
//! back. Pure: no descriptors, no system calls, no runtime.
//!
//! A message is a kind byte, then its fields: integers as 8-byte
//! little-endian `i64`, byte strings as an 8-byte length then the bytes,
//! booleans and option tags as one byte, 0 or 1. [`Message::decode`] reads
//! bytes another process wrote, so it checks every length against what is
//! left of the input before allocating, rejects anything the encoder would
//! not write, and never panics. An encoding is canonical: whatever decodes
//! encodes back to the same bytes (the `ipc_decode` fuzz target checks it).
//!
//! A packet is an 8-byte header (sender's worker id, `u32` little-endian;
//! flags: `FIRST`, `LAST`, `BATCH`; three zero bytes), then a chunk of
//! one message, or (batch) several whole messages each `u32`-length-prefixed.
//! A message larger than one packet is cut in chunks and the receiver joins
//! them per sender ([`Reassembler`]): a sender's chunks arrive in order,
//! though other senders' chunks may come between them.
//!
//! What a message means ([`Message`]) is decided here; what to do with one
//! is the PHP surface's business.

use std::collections::HashMap;

use bytes::Bytes;

use crate::runtime::port::DatagramFrom;

use crate::protocol::http::Request;
use crate::protocol::message::Event;

/// Payload bytes per packet (the kernel's default socket buffer holds a few).
const CHUNK: usize = 60 * 1024;
/// Sender id (4 bytes), flags, 3 bytes of padding.
const HEADER: usize = 8;
/// The most one packet may be: what a receiver must have room for.
pub(super) const MAX_PACKET: usize = HEADER + CHUNK;
/// Packet flag: the first chunk of a message.
const FIRST: u8 = 1;
/// Packet flag: the last chunk of a message.
const LAST: u8 = 2;
/// Packet flag: the packet carries several whole messages, each `u32`
/// length-prefixed.
const BATCH: u8 = 4;

/// The most a message may be: bounds what a broken peer can make us buffer.
pub const MAX_MESSAGE: usize = 512 * 1024 * 1024;

/// One message between workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Push a WebSocket frame to a connection this worker owns.
    Push {
        session: i64,
        opcode: i64,
        flags: i64,
        data: Vec<u8>,
        /// A close frame's code and reason (a `CloseFrame` object).
        close: Option<(i64, Vec<u8>)>,
    },
    /// Send raw bytes to a connection (`send()`).
    Send { session: i64, data: Vec<u8> },
    /// Close a connection (`close()`).
    Close { session: i64 },
    /// Close a WebSocket connection with a close frame (`disconnect()`).
    Disconnect {
        session: i64,
        code: i64,
        reason: Vec<u8>,
    },
    /// `sendMessage()`: for onPipeMessage.
    Pipe { data: Vec<u8>, serialized: bool },
    /// `task()` / `taskwait()`: for onTask in a task worker.
    Task {
        task_id: i64,
        /// Whether the sender waits for the result (taskwait(),
        /// taskWaitMulti(), taskCo()).
        wait: bool,
        /// Whether a result can go back: false when the sender is not an
        /// event worker (the manager, the PROCESS master, an `addProcess()`
        /// process), Swoole's `SW_TASK_NOREPLY`, so the task worker's
        /// `finish()` fails instead of answering a process that never
        /// asked.
        reply: bool,
        data: Vec<u8>,
        serialized: bool,
    },
    /// A task's result (`finish()` or onTask's return value), for onFinish
    /// or the waiting taskwait().
    Finish {
        task_id: i64,
        data: Vec<u8>,
        serialized: bool,
    },
    /// SWOOLE_PROCESS, master to worker: a connection event to run the
    /// script's callback for.
    Relay {
        session: i64,
        info: ConnInfo,
        event: RelayEvent,
    },
    /// SWOOLE_PROCESS, worker to master: the HTTP response (or custom
    /// handshake) of `session` has been ended; `ws_status` is what the
    /// connection became (ACTIVE after a custom 101).
    ResponseDone { session: i64, ws_status: u8 },
    /// `$server->broadcast()`: an already framed message for every
    /// WebSocket connection of the receiving process, but the excluded.
    Broadcast { frame: Vec<u8>, exclude: Vec<i64> },
    /// A room publish: an already framed message for the listed sessions
    /// the receiving process owns.
    Multicast { frame: Vec<u8>, sessions: Vec<i64> },
    /// `close($fd, true)`: drop what is queued and reset the connection.
    Reset { session: i64 },
    /// `pause()` / `resume()` of a connection this process owns.
    Pause { session: i64, paused: bool },
    /// SWOOLE_PROCESS, master to worker: a datagram of a UDP or unix
    /// datagram port, for onPacket.
    Packet {
        server_fd: i32,
        from: DatagramFrom,
        data: Vec<u8>,
    },
    /// SWOOLE_PROCESS, worker to master: a step of the script's answer on
    /// HTTP/2 stream `stream_id` of connection `session` (the master's
    /// `h2` connection takes it, see `worker/h2_relay.rs`).
    H2 {
        session: i64,
        stream_id: u32,
        step: H2Step,
    },
}

/// One step of a script's answer on an HTTP/2 stream, as
/// `runtime::http2::H2Answer` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum H2Step {
    Head {
        status: u16,
        fields: Vec<(String, Vec<u8>)>,
        /// No body follows.
        end: bool,
    },
    Data {
        data: Vec<u8>,
        end: bool,
    },
    Trailers(Vec<(String, Vec<u8>)>),
    Reset,
    Ping,
    GoAway(u32),
}

/// What a worker needs to know about a connection it did not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    pub peer: std::net::SocketAddr,
    pub local: std::net::SocketAddr,
    pub socket_fd: i32,
    pub server_fd: i32,
    pub ws_status: u8,
    /// permessage-deflate, when agreed: the response parameters
    /// (client_no_context_takeover, server_no_context_takeover) and the
    /// window bits (server, client).
    pub deflate: Option<(bool, bool, u8, u8)>,
}

/// A connection event, as the master relays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    Connect,
    Request(Request),
    Handshake(Request),
    Open(Request),
    Message(Event),
    /// A packet of a plain TCP port (`onReceive`).
    Receive(Bytes),
    /// `callback`: run onClose (false: only forget the connection).
    Close {
        reactor_id: i32,
        callback: bool,
    },
}

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(&'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad IPC message: {}", self.0)
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A count, then the numbers (session ids).
    fn ids(&mut self, v: &[i64]) -> &mut Self {
        self.i64(v.len() as i64);
        for &id in v {
            self.i64(id);
        }
        self
    }
    fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.0.extend_from_slice(&(v.len() as u64).to_le_bytes());
        self.0.extend_from_slice(v);
        self
    }
    fn request(&mut self, r: &Request) -> &mut Self {
        self.bytes(r.method.as_bytes())
            .bytes(r.target.as_bytes())
            .bytes(r.path.as_bytes());
        match &r.query {
            Some(q) => self.u8(1).bytes(q.as_bytes()),
            None => self.u8(0),
        };
        self.u8(r.minor_version).i64(r.headers.len() as i64);
        for (n, v) in &r.headers {
            self.bytes(n.as_bytes()).bytes(v);
        }
        self.bytes(&r.body)
            .u8(u8::from(r.chunked))
            .i64(i64::from(r.stream_id))
    }
    /// Header fields: a count, then each name and value.
    fn fields(&mut self, fields: &[(String, Vec<u8>)]) -> &mut Self {
        self.i64(fields.len() as i64);
        for (n, v) in fields {
            self.bytes(n.as_bytes()).bytes(v);
        }
        self
    }
    /// A socket address in binary: family, address bytes (and the IPv6
    /// scope), port. Every relayed event carries two: no text formatting
    /// and parsing on that path.
    fn addr(&mut self, a: &std::net::SocketAddr) -> &mut Self {
        match a {
            std::net::SocketAddr::V4(v4) => {
                self.u8(4).0.extend_from_slice(&v4.ip().octets());
            }
            std::net::SocketAddr::V6(v6) => {
                self.u8(6).0.extend_from_slice(&v6.ip().octets());
                self.0.extend_from_slice(&v6.scope_id().to_le_bytes());
            }
        }
        self.0.extend_from_slice(&a.port().to_le_bytes());
        self
    }
    fn info(&mut self, i: &ConnInfo) -> &mut Self {
        self.addr(&i.peer)
            .addr(&i.local)
            .i64(i64::from(i.socket_fd))
            .i64(i64::from(i.server_fd))
            .u8(i.ws_status);
        match i.deflate {
            Some((c, s, sb, cb)) => self.u8(1).u8(u8::from(c)).u8(u8::from(s)).u8(sb).u8(cb),
            None => self.u8(0),
        }
    }
    fn event(&mut self, e: &Event) -> &mut Self {
        match e {
            Event::Message {
                opcode,
                payload,
                flags,
            } => self.u8(1).u8(*opcode).u8(*flags).bytes(payload),
            Event::Ping(p) => self.u8(2).bytes(p),
            Event::Pong(p) => self.u8(3).bytes(p),
            Event::Close {
                code,
                reason,
                payload,
            } => {
                self.u8(4);
                match code {
                    Some(c) => self.u8(1).i64(i64::from(*c)),
                    None => self.u8(0),
                };
                self.bytes(reason.as_bytes()).bytes(payload)
            }
        }
    }
}

/// Reads fields off the front of an input. Every read checks what is left
/// first: a short input is an error, never a panic or an allocation.
struct Reader<'a>(&'a [u8]);

const TRUNCATED: DecodeError = DecodeError("truncated");

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(TRUNCATED)?;
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.take(N)?.try_into().map_err(|_| TRUNCATED)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        let [b] = self.array()?;
        Ok(b)
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// An `i32` the encoder widened to `i64`; out of range is an error (not
    /// a silently truncated descriptor or reactor id).
    fn i32(&mut self) -> Result<i32, DecodeError> {
        i32::try_from(self.i64()?).map_err(|_| DecodeError("bad number"))
    }
    /// A count of items that take at least `min_size` bytes each: more than
    /// the rest of the input can hold is an error before anything is
    /// allocated for them.
    fn count(&mut self, min_size: usize) -> Result<usize, DecodeError> {
        let n = usize::try_from(self.i64()?).map_err(|_| DecodeError("bad count"))?;
        if n > self.0.len() / min_size {
            return Err(TRUNCATED);
        }
        Ok(n)
    }
    fn ids(&mut self) -> Result<Vec<i64>, DecodeError> {
        let n = self.count(8)?;
        (0..n).map(|_| self.i64()).collect()
    }
    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        let n = usize::try_from(self.i64()?).map_err(|_| DecodeError("bad length"))?;
        Ok(self.take(n)?.to_vec())
    }
    /// 0 or 1, as the encoder writes it (so an encoding is canonical).
    fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError("bad flag")),
        }
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        String::from_utf8(self.bytes()?).map_err(|_| DecodeError("bad text"))
    }
    fn request(&mut self) -> Result<Request, DecodeError> {
        let method = self.string()?;
        let target = self.string()?;
        let path = self.string()?;
        let query = if self.bool()? {
            Some(self.string()?)
        } else {
            None
        };
        let minor_version = self.u8()?;
        let headers = self.fields()?;
        Ok(Request {
            method,
            target,
            path,
            query,
            minor_version,
            headers,
            body: Bytes::from(self.bytes()?),
            chunked: self.bool()?,
            stream_id: self.u32()?,
        })
    }
    fn fields(&mut self) -> Result<Vec<(String, Vec<u8>)>, DecodeError> {
        // A field is two byte strings: at least two 8-byte lengths.
        let n = self.count(16)?;
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            fields.push((self.string()?, self.bytes()?));
        }
        Ok(fields)
    }
    /// A `u32` written as an `i64`.
    fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.i64()?).map_err(|_| DecodeError("bad u32"))
    }
    fn addr(&mut self) -> Result<std::net::SocketAddr, DecodeError> {
        use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
        let addr = match self.u8()? {
            4 => {
                let ip: [u8; 4] = self.array()?;
                let port = u16::from_le_bytes(self.array()?);
                SocketAddr::from((Ipv4Addr::from(ip), port))
            }
            6 => {
                let ip: [u8; 16] = self.array()?;
                let scope = u32::from_le_bytes(self.array()?);
                let port = u16::from_le_bytes(self.array()?);
                SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, scope))
            }
            _ => return Err(DecodeError("bad address")),
        };
        Ok(addr)
    }
    fn info(&mut self) -> Result<ConnInfo, DecodeError> {
        let peer = self.addr()?;
        let local = self.addr()?;
        let socket_fd = self.i32()?;
        let server_fd = self.i32()?;
        let ws_status = self.u8()?;
        let deflate = if self.bool()? {
            Some((self.bool()?, self.bool()?, self.u8()?, self.u8()?))
        } else {
            None
        };
        Ok(ConnInfo {
            peer,
            local,
            socket_fd,
            server_fd,
            ws_status,
            deflate,
        })
    }
    fn event(&mut self) -> Result<Event, DecodeError> {
        Ok(match self.u8()? {
            1 => {
                let opcode = self.u8()?;
                let flags = self.u8()?;
                Event::Message {
                    opcode,
                    flags,
                    payload: Bytes::from(self.bytes()?),
                }
            }
            2 => Event::Ping(Bytes::from(self.bytes()?)),
            3 => Event::Pong(Bytes::from(self.bytes()?)),
            4 => {
                let code = if self.bool()? {
                    Some(u16::try_from(self.i64()?).map_err(|_| DecodeError("bad code"))?)
                } else {
                    None
                };
                Event::Close {
                    code,
                    reason: self.string()?,
                    payload: Bytes::from(self.bytes()?),
                }
            }
            _ => return Err(DecodeError("bad event")),
        })
    }
}

impl Message {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        match self {
            Message::Push {
                session,
                opcode,
                flags,
                data,
                close,
            } => {
                w.u8(1).i64(*session).i64(*opcode).i64(*flags).bytes(data);
                match close {
                    Some((code, reason)) => w.u8(1).i64(*code).bytes(reason),
                    None => w.u8(0),
                };
            }
            Message::Send { session, data } => {
                w.u8(2).i64(*session).bytes(data);
            }
            Message::Close { session } => {
                w.u8(3).i64(*session);
            }
            Message::Disconnect {
                session,
                code,
                reason,
            } => {
                w.u8(4).i64(*session).i64(*code).bytes(reason);
            }
            Message::Pipe { data, serialized } => {
                w.u8(5).u8(u8::from(*serialized)).bytes(data);
            }
            Message::Task {
                task_id,
                wait,
                reply,
                data,
                serialized,
            } => {
                w.u8(6)
                    .i64(*task_id)
                    .u8(u8::from(*wait))
                    .u8(u8::from(*reply))
                    .u8(u8::from(*serialized))
                    .bytes(data);
            }
            Message::Finish {
                task_id,
                data,
                serialized,
            } => {
                w.u8(7).i64(*task_id).u8(u8::from(*serialized)).bytes(data);
            }
            Message::Relay {
                session,
                info,
                event,
            } => {
                w.u8(8).i64(*session).info(info);
                match event {
                    RelayEvent::Connect => w.u8(1),
                    RelayEvent::Request(r) => w.u8(2).request(r),
                    RelayEvent::Handshake(r) => w.u8(3).request(r),
                    RelayEvent::Open(r) => w.u8(4).request(r),
                    RelayEvent::Message(e) => w.u8(5).event(e),
                    RelayEvent::Close {
                        reactor_id,
                        callback,
                    } => w.u8(6).i64(i64::from(*reactor_id)).u8(u8::from(*callback)),
                    RelayEvent::Receive(data) => w.u8(7).bytes(data),
                };
            }
            Message::ResponseDone { session, ws_status } => {
                w.u8(9).i64(*session).u8(*ws_status);
            }
            Message::Broadcast { frame, exclude } => {
                w.u8(10).bytes(frame).ids(exclude);
            }
            Message::Multicast { frame, sessions } => {
                w.u8(11).bytes(frame).ids(sessions);
            }
            Message::Reset { session } => {
                w.u8(14).i64(*session);
            }
            Message::Pause { session, paused } => {
                w.u8(13).i64(*session).u8(u8::from(*paused));
            }
            Message::Packet {
                server_fd,
                from,
                data,
            } => {
                w.u8(12).i64(i64::from(*server_fd));
                match from {
                    DatagramFrom::Inet(a) => w.u8(1).addr(a),
                    DatagramFrom::Unix(path) => w.u8(2).bytes(path.as_bytes()),
                };
                w.bytes(data);
            }
            Message::H2 {
                session,
                stream_id,
                step,
            } => {
                w.u8(15).i64(*session).i64(i64::from(*stream_id));
                match step {
                    H2Step::Head {
                        status,
                        fields,
                        end,
                    } => w
                        .u8(1)
                        .i64(i64::from(*status))
                        .fields(fields)
                        .u8(u8::from(*end)),
                    H2Step::Data { data, end } => w.u8(2).bytes(data).u8(u8::from(*end)),
                    H2Step::Trailers(fields) => w.u8(3).fields(fields),
                    H2Step::Reset => w.u8(4),
                    H2Step::Ping => w.u8(5),
                    H2Step::GoAway(code) => w.u8(6).i64(i64::from(*code)),
                };
            }
        }
        w.0
    }

    pub fn decode(buf: &[u8]) -> Result<Message, DecodeError> {
        let mut r = Reader(buf);
        let msg = match r.u8()? {
            1 => {
                let session = r.i64()?;
                let opcode = r.i64()?;
                let flags = r.i64()?;
                let data = r.bytes()?;
                let close = if r.bool()? {
                    Some((r.i64()?, r.bytes()?))
                } else {
                    None
                };
                Message::Push {
                    session,
                    opcode,
                    flags,
                    data,
                    close,
                }
            }
            2 => Message::Send {
                session: r.i64()?,
                data: r.bytes()?,
            },
            3 => Message::Close { session: r.i64()? },
            4 => Message::Disconnect {
                session: r.i64()?,
                code: r.i64()?,
                reason: r.bytes()?,
            },
            5 => {
                let serialized = r.bool()?;
                Message::Pipe {
                    data: r.bytes()?,
                    serialized,
                }
            }
            6 => {
                let task_id = r.i64()?;
                let wait = r.bool()?;
                let reply = r.bool()?;
                let serialized = r.bool()?;
                Message::Task {
                    task_id,
                    wait,
                    reply,
                    data: r.bytes()?,
                    serialized,
                }
            }
            7 => {
                let task_id = r.i64()?;
                let serialized = r.bool()?;
                Message::Finish {
                    task_id,
                    data: r.bytes()?,
                    serialized,
                }
            }
            8 => {
                let session = r.i64()?;
                let info = r.info()?;
                let event = match r.u8()? {
                    1 => RelayEvent::Connect,
                    2 => RelayEvent::Request(r.request()?),
                    3 => RelayEvent::Handshake(r.request()?),
                    4 => RelayEvent::Open(r.request()?),
                    5 => RelayEvent::Message(r.event()?),
                    6 => RelayEvent::Close {
                        reactor_id: r.i32()?,
                        callback: r.bool()?,
                    },
                    7 => RelayEvent::Receive(Bytes::from(r.bytes()?)),
                    _ => return Err(DecodeError("bad relay event")),
                };
                Message::Relay {
                    session,
                    info,
                    event,
                }
            }
            9 => Message::ResponseDone {
                session: r.i64()?,
                ws_status: r.u8()?,
            },
            10 => Message::Broadcast {
                frame: r.bytes()?,
                exclude: r.ids()?,
            },
            11 => Message::Multicast {
                frame: r.bytes()?,
                sessions: r.ids()?,
            },
            14 => Message::Reset { session: r.i64()? },
            13 => Message::Pause {
                session: r.i64()?,
                paused: r.bool()?,
            },
            12 => Message::Packet {
                server_fd: r.i32()?,
                from: match r.u8()? {
                    1 => DatagramFrom::Inet(r.addr()?),
                    2 => DatagramFrom::Unix(
                        String::from_utf8(r.bytes()?).map_err(|_| DecodeError("bad path"))?,
                    ),
                    _ => return Err(DecodeError("bad datagram sender")),
                },
                data: r.bytes()?,
            },
            15 => Message::H2 {
                session: r.i64()?,
                stream_id: r.u32()?,
                step: match r.u8()? {
                    1 => H2Step::Head {
                        status: u16::try_from(r.i64()?).map_err(|_| DecodeError("bad status"))?,
                        fields: r.fields()?,
                        end: r.bool()?,
                    },
                    2 => H2Step::Data {
                        data: r.bytes()?,
                        end: r.bool()?,
                    },
                    3 => H2Step::Trailers(r.fields()?),
                    4 => H2Step::Reset,
                    5 => H2Step::Ping,
                    6 => H2Step::GoAway(r.u32()?),
                    _ => return Err(DecodeError("bad HTTP/2 step")),
                },
            },
            _ => return Err(DecodeError("unknown kind")),
        };
        if !r.0.is_empty() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(msg)
    }
}

/// Cuts an encoded message into packets from worker `from`.
pub fn packets(from: u32, message: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(message.len() / CHUNK + 1);
    let mut chunks = message.chunks(CHUNK).peekable();
    let mut first = true;
    loop {
        let chunk = chunks.next().unwrap_or_default();
        let last = chunks.peek().is_none();
        let mut p = Vec::with_capacity(HEADER + chunk.len());
        p.extend_from_slice(&from.to_le_bytes());
        p.push(if first { FIRST } else { 0 } | if last { LAST } else { 0 });
        p.extend_from_slice(&[0, 0, 0]);
        p.extend_from_slice(chunk);
        out.push(p);
        first = false;
        if last {
            return out;
        }
    }
}

/// Packs small encoded messages into as few batch packets as fit.
pub fn batch_packets(from: u32, messages: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut p: Vec<u8> = Vec::new();
    for m in messages {
        if !p.is_empty() && p.len() + 4 + m.len() > HEADER + CHUNK {
            out.push(std::mem::take(&mut p));
        }
        if p.is_empty() {
            p.extend_from_slice(&from.to_le_bytes());
            p.extend_from_slice(&[FIRST | LAST | BATCH, 0, 0, 0]);
        }
        p.extend_from_slice(&(m.len() as u32).to_le_bytes());
        p.extend_from_slice(m);
    }
    if !p.is_empty() {
        out.push(p);
    }
    out
}

/// Joins packets into messages, per sender.
#[derive(Default)]
pub struct Reassembler {
    partial: HashMap<u32, Vec<u8>>,
}

impl Reassembler {
    /// Feeds one packet; returns `(sender, message bytes)` when it completes
    /// one. Malformed packets (or a sender restarting mid-message, as a
    /// respawned worker does) drop the partial message, never panic.
    pub fn feed(&mut self, packet: &[u8]) -> Option<(u32, Vec<u8>)> {
        let mut out = Vec::new();
        self.feed_into(packet, &mut out);
        out.pop()
    }

    /// Feeds one packet; appends every message it completes (a batch packet
    /// completes several).
    pub fn feed_into(&mut self, packet: &[u8], out: &mut Vec<(u32, Vec<u8>)>) {
        let Some((header, body)) = packet.split_first_chunk::<HEADER>() else {
            return;
        };
        let from = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let flags = header[4];
        if flags & BATCH != 0 {
            // Whole messages, each u32-length-prefixed; a length past the end
            // of the packet ends it (what came before it stands).
            let mut body = body;
            while let Some((len, rest)) = body.split_first_chunk::<4>() {
                let Ok(n) = usize::try_from(u32::from_le_bytes(*len)) else {
                    return;
                };
                let Some((m, rest)) = rest.split_at_checked(n) else {
                    return;
                };
                out.push((from, m.to_vec()));
                body = rest;
            }
            return;
        }
        if let Some(m) = self.feed_one(from, flags, body) {
            out.push(m);
        }
    }

    fn feed_one(&mut self, from: u32, flags: u8, body: &[u8]) -> Option<(u32, Vec<u8>)> {
        if flags & FIRST != 0 {
            self.partial.remove(&from);
            if flags & LAST != 0 {
                return Some((from, body.to_vec()));
            }
            if body.len() > MAX_MESSAGE {
                return None;
            }
            self.partial.insert(from, body.to_vec());
            return None;
        }
        let buf = self.partial.get_mut(&from)?;
        if buf.len().saturating_add(body.len()) > MAX_MESSAGE {
            self.partial.remove(&from);
            return None;
        }
        buf.extend_from_slice(body);
        if flags & LAST != 0 {
            return self.partial.remove(&from).map(|m| (from, m));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<Message> {
        vec![
            Message::Push {
                session: 7,
                opcode: 1,
                flags: 3,
                data: b"hello".to_vec(),
                close: None,
            },
            Message::Push {
                session: 8,
                opcode: 8,
                flags: 1,
                data: vec![],
                close: Some((4000, b"bye".to_vec())),
            },
            Message::Send {
                session: 1,
                data: vec![0; 3],
            },
            Message::Close { session: 9 },
            Message::Disconnect {
                session: 2,
                code: 1000,
                reason: b"r".to_vec(),
            },
            Message::Pipe {
                data: b"x".to_vec(),
                serialized: true,
            },
            Message::Task {
                task_id: 5,
                wait: true,
                reply: true,
                data: b"t".to_vec(),
                serialized: false,
            },
            Message::Task {
                task_id: 6,
                wait: false,
                reply: false,
                data: b"t".to_vec(),
                serialized: false,
            },
            Message::Finish {
                task_id: 5,
                data: b"done".to_vec(),
                serialized: false,
            },
            Message::ResponseDone {
                session: 3,
                ws_status: 3,
            },
            Message::Broadcast {
                frame: vec![0x81, 1, b'x'],
                exclude: vec![3, 9],
            },
            Message::Multicast {
                frame: vec![0x81, 1, b'y'],
                sessions: vec![1, 2, 7],
            },
            Message::Packet {
                server_fd: 5,
                from: DatagramFrom::Inet("[::1]:53".parse().unwrap()),
                data: b"q".to_vec(),
            },
            Message::Pause {
                session: 4,
                paused: true,
            },
            Message::Reset { session: 8 },
            Message::Packet {
                server_fd: 6,
                from: DatagramFrom::Unix("/tmp/c.sock".into()),
                data: vec![],
            },
        ]
        .into_iter()
        .chain(h2_steps())
        .chain(relay_kinds())
        .collect()
    }

    /// Every HTTP/2 step, on stream ids up to the largest HTTP/2 allows.
    fn h2_steps() -> Vec<Message> {
        let fields = vec![
            ("content-type".to_string(), b"text/plain".to_vec()),
            ("x".to_string(), vec![0xff]),
        ];
        [
            H2Step::Head {
                status: 200,
                fields: fields.clone(),
                end: false,
            },
            H2Step::Head {
                status: 404,
                fields: vec![],
                end: true,
            },
            H2Step::Data {
                data: b"body".to_vec(),
                end: true,
            },
            H2Step::Trailers(fields),
            H2Step::Reset,
            H2Step::Ping,
            H2Step::GoAway(11),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, step)| Message::H2 {
            session: 4,
            stream_id: if i == 0 {
                (1 << 31) - 1
            } else {
                2 * i as u32 + 1
            },
            step,
        })
        .collect()
    }

    fn relay_kinds() -> Vec<Message> {
        let info = ConnInfo {
            peer: "[::1]:5000".parse().unwrap(),
            local: "127.0.0.1:9501".parse().unwrap(),
            socket_fd: 12,
            server_fd: 3,
            ws_status: 3,
            deflate: Some((true, true, 15, 12)),
        };
        let req = Request {
            method: "GET".into(),
            target: "/chat?x=1".into(),
            path: "/chat".into(),
            query: Some("x=1".into()),
            minor_version: 1,
            headers: vec![("host".into(), b"h".to_vec()), ("x".into(), vec![0xff])],
            body: Bytes::from_static(b"body"),
            chunked: true,
            stream_id: 0,
        };
        let events = vec![
            RelayEvent::Connect,
            RelayEvent::Request(req.clone()),
            RelayEvent::Request(Request {
                stream_id: 5,
                ..req.clone()
            }),
            RelayEvent::Handshake(req.clone()),
            RelayEvent::Open(Request { query: None, ..req }),
            RelayEvent::Message(Event::Message {
                opcode: 2,
                payload: Bytes::from_static(b"\x00\x01"),
                flags: 33,
            }),
            RelayEvent::Message(Event::Ping(Bytes::from_static(b"p"))),
            RelayEvent::Message(Event::Pong(Bytes::new())),
            RelayEvent::Message(Event::Close {
                code: Some(4000),
                reason: "bye".into(),
                payload: Bytes::from_static(b"\x0f\xa0bye"),
            }),
            RelayEvent::Message(Event::Close {
                code: None,
                reason: String::new(),
                payload: Bytes::new(),
            }),
            RelayEvent::Close {
                reactor_id: -1,
                callback: true,
            },
            RelayEvent::Receive(Bytes::from_static(b"\x00\x00\x00\x02hi")),
        ];
        let plain = ConnInfo {
            deflate: None,
            ..info.clone()
        };
        events
            .into_iter()
            .map(|event| Message::Relay {
                session: 9,
                info: plain.clone(),
                event,
            })
            .chain([Message::Relay {
                session: 1,
                info,
                event: RelayEvent::Connect,
            }])
            .collect()
    }

    #[test]
    fn messages_round_trip() {
        for m in all_kinds() {
            assert_eq!(Message::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for m in all_kinds() {
            let e = m.encode();
            for cut in 0..e.len() {
                assert!(Message::decode(&e[..cut]).is_err());
            }
            let mut longer = e.clone();
            longer.push(0);
            assert!(Message::decode(&longer).is_err());
        }
        assert!(Message::decode(&[99]).is_err());
        // a huge length does not allocate
        let mut bad = vec![2];
        bad.extend_from_slice(&1i64.to_le_bytes());
        bad.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(Message::decode(&bad).is_err());
    }

    #[test]
    fn every_kind_and_relay_event_is_covered() {
        let all = all_kinds();
        let kinds: std::collections::BTreeSet<u8> = all.iter().map(|m| m.encode()[0]).collect();
        assert_eq!(kinds, (1..=15).collect());
        let events: std::collections::BTreeSet<u8> = all
            .iter()
            .filter_map(|m| match m {
                Message::Relay { event, .. } => Some(match event {
                    RelayEvent::Connect => 1,
                    RelayEvent::Request(_) => 2,
                    RelayEvent::Handshake(_) => 3,
                    RelayEvent::Open(_) => 4,
                    RelayEvent::Message(_) => 5,
                    RelayEvent::Close { .. } => 6,
                    RelayEvent::Receive(_) => 7,
                }),
                _ => None,
            })
            .collect();
        assert_eq!(events, (1..=7).collect());
    }

    #[test]
    fn any_one_byte_change_is_an_error_or_encodes_back_the_same() {
        for m in all_kinds() {
            let e = m.encode();
            for i in 0..e.len() {
                for v in [0, 1, 2, 4, 6, 0x7f, 0x80, 0xff] {
                    let mut bad = e.clone();
                    bad[i] = v;
                    if let Ok(d) = Message::decode(&bad) {
                        assert_eq!(d.encode(), bad, "{m:?} byte {i} = {v}");
                    }
                }
            }
        }
    }

    /// A kind byte and a session, then `len` as a byte string's length
    /// followed by `have` bytes.
    fn send_with_length(len: i64, have: usize) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.u8(2).i64(1).i64(len).0.extend(vec![b'x'; have]);
        w.0
    }

    #[test]
    fn a_length_past_the_end_is_an_error() {
        assert_eq!(
            Message::decode(&send_with_length(3, 3)),
            Ok(Message::Send {
                session: 1,
                data: b"xxx".to_vec()
            })
        );
        assert_eq!(Message::decode(&send_with_length(4, 3)), Err(TRUNCATED));
        assert_eq!(
            Message::decode(&send_with_length(i64::MAX, 3)),
            Err(TRUNCATED)
        );
        assert_eq!(
            Message::decode(&send_with_length(-1, 3)),
            Err(DecodeError("bad length"))
        );
        // A count of session ids more than the rest can hold (two here).
        for (count, want) in [(2, Ok(())), (3, Err(TRUNCATED)), (i64::MAX, Err(TRUNCATED))] {
            let mut w = Writer(Vec::new());
            w.u8(11).bytes(b"f").i64(count).i64(5).i64(6);
            assert_eq!(Message::decode(&w.0).map(|_| ()), want, "count {count}");
        }
        assert_eq!(
            Message::decode(&Writer(vec![11]).bytes(b"f").i64(-1).0),
            Err(DecodeError("bad count"))
        );
    }

    /// A relayed request whose header count is `count`, with one header.
    fn request_with_headers(count: i64) -> Vec<u8> {
        let info = ConnInfo {
            peer: "127.0.0.1:1".parse().unwrap(),
            local: "127.0.0.1:2".parse().unwrap(),
            socket_fd: 4,
            server_fd: 3,
            ws_status: 0,
            deflate: None,
        };
        let mut w = Writer(Vec::new());
        w.u8(8).i64(1).info(&info).u8(2);
        w.bytes(b"GET")
            .bytes(b"/")
            .bytes(b"/")
            .u8(0)
            .u8(1)
            .i64(count);
        w.bytes(b"host").bytes(b"h").bytes(b"").u8(0).i64(0);
        w.0
    }

    #[test]
    fn a_header_count_past_the_end_is_an_error_before_allocating() {
        assert!(matches!(
            Message::decode(&request_with_headers(1)),
            Ok(Message::Relay {
                event: RelayEvent::Request(_),
                ..
            })
        ));
        // Used to reserve room for min(count, 1024) headers before reading
        // any; now the count is checked against the input first (the 38
        // bytes left have room for two headers of 16 bytes at least).
        for count in [3, 1 << 40, i64::MAX] {
            assert_eq!(
                Message::decode(&request_with_headers(count)),
                Err(TRUNCATED),
                "count {count}"
            );
        }
    }

    /// A relayed connect with these descriptors.
    fn connect_with_fds(socket_fd: i64, server_fd: i64) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.u8(8).i64(1);
        w.addr(&"127.0.0.1:1".parse().unwrap())
            .addr(&"127.0.0.1:2".parse().unwrap());
        w.i64(socket_fd).i64(server_fd).u8(3).u8(0).u8(1);
        w.0
    }

    #[test]
    fn numbers_out_of_i32_range_are_errors_not_truncated() {
        let ok = Message::decode(&connect_with_fds(7, -1)).unwrap();
        assert!(
            matches!(ok, Message::Relay { info, .. } if info.socket_fd == 7 && info.server_fd == -1)
        );
        // 1 << 32 used to decode as descriptor 0.
        for (s, f) in [(1 << 32, 3), (3, 1 << 32), (i64::from(i32::MIN) - 1, 3)] {
            assert_eq!(
                Message::decode(&connect_with_fds(s, f)),
                Err(DecodeError("bad number"))
            );
        }
        let mut close = Message::Relay {
            session: 1,
            info: ConnInfo {
                peer: "127.0.0.1:1".parse().unwrap(),
                local: "127.0.0.1:2".parse().unwrap(),
                socket_fd: 4,
                server_fd: 3,
                ws_status: 0,
                deflate: None,
            },
            event: RelayEvent::Close {
                reactor_id: i32::MIN,
                callback: false,
            },
        }
        .encode();
        assert!(Message::decode(&close).is_ok());
        // The reactor id is the 8 bytes before the final flag.
        let at = close.len() - 9;
        close[at..at + 8].copy_from_slice(&(i64::from(i32::MIN) - 1).to_le_bytes());
        assert_eq!(Message::decode(&close), Err(DecodeError("bad number")));
    }

    #[test]
    fn flags_other_than_0_and_1_are_errors() {
        let pipe = |flag: u8| {
            let mut w = Writer(Vec::new());
            w.u8(5).u8(flag).bytes(b"x");
            Message::decode(&w.0)
        };
        assert_eq!(
            pipe(1),
            Ok(Message::Pipe {
                data: b"x".to_vec(),
                serialized: true
            })
        );
        // 2 used to read as true (and encode back as 1).
        assert_eq!(pipe(2), Err(DecodeError("bad flag")));
        assert_eq!(pipe(0xff), Err(DecodeError("bad flag")));
    }

    #[test]
    fn a_batch_length_past_the_packet_ends_it() {
        let mut p = batch_packets(5, &[b"one".to_vec()]).remove(0);
        p.extend_from_slice(&u32::MAX.to_le_bytes());
        p.extend_from_slice(b"two");
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        r.feed_into(&p, &mut got);
        assert_eq!(got, vec![(5, b"one".to_vec())]);
        // every prefix of a packet: no panic, nothing made up
        for cut in 0..=p.len() {
            let mut got = Vec::new();
            r.feed_into(&p[..cut], &mut got);
            assert!(got.len() <= 1);
            assert!(got.iter().all(|(from, m)| *from == 5 && m == b"one"));
        }
    }

    #[test]
    fn chunks_join_per_sender_even_interleaved() {
        let big: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let a = packets(1, &big);
        let b = packets(2, b"small");
        assert!(a.len() > 2);
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        for (i, p) in a.iter().enumerate() {
            if i == 1 {
                got.extend(r.feed(&b[0]));
            }
            got.extend(r.feed(p));
        }
        assert_eq!(got, vec![(2, b"small".to_vec()), (1, big)]);
        // an empty message is one packet
        assert_eq!(r.feed(&packets(3, b"")[0]), Some((3, vec![])));
        // a stray continuation is ignored
        assert_eq!(r.feed(&a[1]), None);
        assert_eq!(r.feed(&[1, 2]), None);
    }

    #[test]
    fn batches_split_back_into_messages() {
        let msgs: Vec<Vec<u8>> = (0..3000u32)
            .map(|i| i.to_le_bytes().repeat((i % 50) as usize))
            .collect();
        let packets = batch_packets(7, &msgs);
        assert!(packets.len() > 1 && packets.len() < 20, "{}", packets.len());
        assert!(packets.iter().all(|p| p.len() <= HEADER + CHUNK));
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        for p in &packets {
            r.feed_into(p, &mut got);
        }
        assert_eq!(got.len(), msgs.len());
        assert!(got
            .iter()
            .zip(&msgs)
            .all(|((from, m), want)| *from == 7 && m == want));
        // a truncated batch yields what is whole and no panic
        let mut got = Vec::new();
        r.feed_into(&packets[0][..packets[0].len() - 1], &mut got);
        assert!(!got.is_empty());
    }
}
