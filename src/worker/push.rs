//! The one push operation: what `push()`, a pushed `Frame`/`CloseFrame`,
//! `disconnect()`, `send()`, `close()` and the PROCESS relay do to a
//! connection, wherever it lives.
//!
//! A push is validated once, here, before it is framed locally or forwarded
//! to the worker (or master) that owns the connection: so a forwarded push
//! fails with exactly the warning and result a local one does, and the
//! owner frames what it receives with the same function, never a copy that
//! could disagree (it once truncated an opcode the local path refused).
//! The PHP layer only reads arguments and reports a [`PushError`] as
//! Swoole's warning.

use std::rc::Rc;

use bytes::Bytes;

use super::ipc::Message;
use crate::protocol::frame::opcode;
use crate::protocol::pack::{self, PackError, FLAG_MASK};
use crate::runtime::{self, Connection, SendError, SessionId};

/// A WebSocket frame's shape, checked: what `push()` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushFrame {
    pub opcode: u8,
    /// Swoole's `SWOOLE_WEBSOCKET_FLAG_*` bits; a server never masks, so
    /// the mask bit is always clear.
    pub flags: u8,
    /// A close frame's (code, reason), from a `CloseFrame` or
    /// `disconnect()`; the payload is then unused.
    pub close: Option<(u16, Vec<u8>)>,
}

impl PushFrame {
    /// A data or control frame: `opcode` must be 0..=10 (Swoole's
    /// `pack()` limit); only the low 8 bits of `flags` count.
    #[inline]
    pub fn new(opcode: i64, flags: i64) -> Result<Self, PackError> {
        Ok(PushFrame {
            opcode: checked_opcode(opcode)?,
            flags: (flags & 0xff) as u8,
            close: None,
        })
    }

    /// The frame as a server sends it: never masked (`pack()` may mask
    /// with Swoole's fixed key; a push never does).
    #[inline]
    pub fn unmasked(mut self) -> Self {
        self.flags &= !FLAG_MASK;
        self
    }

    /// A frame from a `Frame` object: a `CloseFrame` (opcode 8 with a code)
    /// carries its code and reason, checked against Swoole's 125-byte limit.
    /// The code keeps its low 16 bits, as Swoole's `uint16_t` does.
    pub fn with_close(mut self, close: Option<(i64, Vec<u8>)>) -> Result<Self, PackError> {
        if let Some((code, reason)) = close.filter(|_| self.opcode == opcode::CLOSE) {
            if reason.len() > pack::CLOSE_REASON_MAX {
                return Err(PackError::ReasonTooLong);
            }
            self.close = Some((code as u16, reason));
        }
        Ok(self)
    }

    /// What framing `payload` would refuse, checked without framing it: a
    /// close opcode without a code sends the payload as its reason.
    pub fn check_payload(&self, payload: &[u8]) -> Result<(), PackError> {
        if self.opcode == opcode::CLOSE
            && self.close.is_none()
            && payload.len() > pack::CLOSE_REASON_MAX
        {
            return Err(PackError::ReasonTooLong);
        }
        Ok(())
    }

    /// The frame's bytes for `conn`, whose permessage-deflate agreement
    /// decides whether it is compressed ([`pack::pack_push`]; None:
    /// `pack()`'s stand-alone compression by `FLAG_COMPRESS`).
    #[inline]
    pub fn encode(&self, payload: &[u8], conn: Option<&Connection>) -> Result<Vec<u8>, PackError> {
        match &self.close {
            Some((code, reason)) => pack::pack_close(*code, reason, self.flags),
            None => encode_checked(self.opcode, self.flags, payload, conn),
        }
    }

    /// The message that asks `session`'s owner to frame and send it, once
    /// the frame passed every check the owner's framing makes.
    pub fn forward(&self, session: SessionId, payload: &[u8]) -> Result<Message, PackError> {
        self.check_payload(payload)?;
        Ok(Message::Push {
            session,
            opcode: i64::from(self.opcode),
            flags: i64::from(self.flags),
            data: payload.to_vec(),
            close: self
                .close
                .as_ref()
                .map(|(code, reason)| (i64::from(*code), reason.clone())),
        })
    }
}

/// Opcodes 0..=10 (Swoole's `pack()` limit).
#[inline]
fn checked_opcode(opcode: i64) -> Result<u8, PackError> {
    u8::try_from(opcode)
        .ok()
        .filter(|&op| op <= pack::OPCODE_MAX)
        .ok_or(PackError::OpcodeTooLarge)
}

/// [`PushFrame::new`] then [`PushFrame::encode`] for a frame without a
/// close code, with no frame value made in between: `push()`'s hot path.
#[inline]
pub fn encode_data(
    opcode: i64,
    flags: i64,
    payload: &[u8],
    conn: Option<&Connection>,
) -> Result<Vec<u8>, PackError> {
    encode_checked(checked_opcode(opcode)?, (flags & 0xff) as u8, payload, conn)
}

/// Payloads at least this long are pushed by [`push_large`].
pub const WRITE_THROUGH_MIN: usize = 16 * 1024;

/// `push()` of a large payload to a connection without permessage-deflate:
/// only the header is framed, and header and payload go to the socket side
/// by side ([`Connection::send_parts`]), so the payload is not copied into
/// a frame first. None where that does not apply (a small payload,
/// compression agreed, a masked or close frame, an invalid opcode): the
/// caller frames it as usual, and reports what is wrong.
pub fn push_large(
    conn: &Rc<Connection>,
    opcode: i64,
    flags: i64,
    payload: &[u8],
) -> Option<Result<(), PushError>> {
    if payload.len() < WRITE_THROUGH_MIN || conn.deflate().is_some() {
        return None;
    }
    let opcode = checked_opcode(opcode).ok()?;
    let header = pack::plain_push_header(opcode, (flags & 0xff) as u8, payload.len()).ok()??;
    Some(conn.send_parts(&header, payload).map_err(PushError::Send))
}

#[inline]
fn encode_checked(
    opcode: u8,
    flags: u8,
    payload: &[u8],
    conn: Option<&Connection>,
) -> Result<Vec<u8>, PackError> {
    match conn {
        Some(conn) => conn.with_compressor(|c| pack::pack_push(payload, opcode, flags, c)),
        None => pack::pack(payload, opcode, flags),
    }
}

/// Why a push or send did not go out (the PHP layer words the warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// The frame itself is invalid (opcode, close reason).
    Pack(PackError),
    /// The connection refused it (closed, or its queue is full).
    Send(SendError),
    /// The owner's inbox could not take it.
    Forward,
    /// `close()`/`disconnect()` of a connection already closing.
    Closing,
}

/// Where a connection lives, as seen from this process.
pub enum Target {
    /// Served by this process.
    Local(Rc<Connection>),
    /// Owned by this worker (or the master's inbox): forwarded to it.
    Remote(u32),
}

/// Why an action found no connection to act on (the PHP layer words
/// Swoole's warning for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No open connection has this id.
    NoSession,
    /// The connection is not an established WebSocket (or is closing).
    NotWebSocket,
}

/// The connection `fd` as this process serves it, if it does. A
/// SWOOLE_PROCESS worker serves none: its table only holds mirrors of the
/// master's connections (for the event being handled), so every action
/// goes to the master.
#[inline]
pub fn served_here(rt: &runtime::Server, fd: SessionId) -> Option<Rc<Connection>> {
    if super::cluster::is_process_worker() {
        return None;
    }
    rt.table.get(fd)
}

/// Where the open connection `fd` is (`send()`, `close()`).
pub fn locate(rt: &runtime::Server, fd: SessionId) -> Result<Target, Missing> {
    match served_here(rt, fd) {
        Some(conn) if !conn.is_closing() => Ok(Target::Local(conn)),
        Some(_) => Err(Missing::NoSession),
        None => super::cluster::remote_session(fd)
            .map(|info| Target::Remote(info.owner))
            .ok_or(Missing::NoSession),
    }
}

/// Where the established WebSocket connection `fd` is (`push()`,
/// `disconnect()`).
#[inline]
pub fn locate_websocket(rt: &runtime::Server, fd: SessionId) -> Result<Target, Missing> {
    if let Some(conn) = served_here(rt, fd) {
        return if conn.is_websocket() {
            Ok(Target::Local(conn))
        } else {
            Err(Missing::NotWebSocket)
        };
    }
    match super::cluster::remote_session(fd) {
        Some(info) if info.ws_status == runtime::connection::ws_status::ACTIVE => {
            Ok(Target::Remote(info.owner))
        }
        Some(_) => Err(Missing::NotWebSocket),
        None => Err(Missing::NoSession),
    }
}

/// What a script sends to one connection.
pub enum Outbound<'a> {
    /// `push()`: a checked frame and its payload.
    Frame(&'a PushFrame, &'a [u8]),
    /// `send()`, `sendfile()`: bytes as they are.
    Bytes(Vec<u8>),
    /// `close()`: what is queued goes out, then the TCP close.
    Close,
    /// `close($fd, true)`: what is queued is dropped, the peer gets a RST.
    Reset,
    /// `disconnect()`: a close frame with this code and reason, then the
    /// close.
    Disconnect(u16, &'a [u8]),
    /// `pause()` (true) / `resume()` (false): stop or restart reading.
    Pause(bool),
}

/// Delivers `out` to connection `session`: framed and queued here when
/// this process serves it, else forwarded to its owner (`forward` sends to
/// an owner's inbox), which applies it with [`apply_forwarded`].
pub fn deliver(
    rt: &runtime::Server,
    target: &Target,
    session: SessionId,
    out: Outbound<'_>,
    forward: impl FnOnce(u32, &Message) -> bool,
) -> Result<(), PushError> {
    match target {
        Target::Local(conn) => deliver_local(rt, conn, out),
        Target::Remote(owner) => {
            let msg = match out {
                Outbound::Frame(frame, payload) => {
                    frame.forward(session, payload).map_err(PushError::Pack)?
                }
                Outbound::Bytes(data) => Message::Send { session, data },
                Outbound::Close => Message::Close { session },
                Outbound::Reset => Message::Reset { session },
                Outbound::Disconnect(code, reason) => Message::Disconnect {
                    session,
                    code: i64::from(code),
                    reason: reason.to_vec(),
                },
                Outbound::Pause(paused) => Message::Pause { session, paused },
            };
            forwarded(forward(*owner, &msg))
        }
    }
}

fn deliver_local(
    rt: &runtime::Server,
    conn: &Rc<Connection>,
    out: Outbound<'_>,
) -> Result<(), PushError> {
    match out {
        Outbound::Frame(frame, payload) => {
            let bytes = frame.encode(payload, Some(conn)).map_err(PushError::Pack)?;
            send_bytes(conn, Bytes::from(bytes))
        }
        Outbound::Bytes(data) => send_bytes(conn, Bytes::from(data)),
        Outbound::Close => closed(rt.close_connection(conn, None, -1)),
        Outbound::Reset => closed(rt.reset_connection(conn, -1)),
        Outbound::Disconnect(code, reason) => {
            closed(rt.close_connection(conn, Some((code, reason)), -1))
        }
        Outbound::Pause(paused) => {
            if conn.is_closing() {
                return Err(PushError::Closing);
            }
            conn.set_paused(paused);
            Ok(())
        }
    }
}

fn closed(done: bool) -> Result<(), PushError> {
    if done {
        Ok(())
    } else {
        Err(PushError::Closing)
    }
}

/// Queues already framed bytes (a cached broadcast frame).
#[inline]
pub fn send_bytes(conn: &Rc<Connection>, bytes: Bytes) -> Result<(), PushError> {
    conn.send(bytes).map_err(PushError::Send)
}

/// The result of handing a message to an owner's inbox.
fn forwarded(sent: bool) -> Result<(), PushError> {
    if sent {
        Ok(())
    } else {
        Err(PushError::Forward)
    }
}

/// The owner's side (BASE worker or PROCESS master) of what
/// [`deliver`] forwarded: the same checks and the same framing as a local
/// delivery. The sender already reported any error to its script, so what
/// fails here (a connection that closed meanwhile) is dropped. Returns the
/// message back if it is not one of these.
pub fn apply_forwarded(rt: &runtime::Server, msg: Message) -> Option<Message> {
    match msg {
        Message::Push {
            session,
            opcode,
            flags,
            data,
            close,
        } => {
            // Another process's push: like its sends, never refused (the
            // sender reads the shared table's mark to hold back).
            let conn = rt.table.get(session).filter(|c| c.is_websocket())?;
            let frame = PushFrame::new(opcode, flags).and_then(|f| f.unmasked().with_close(close));
            if let Ok(bytes) = frame.and_then(|f| f.encode(&data, Some(&conn))) {
                let _ = conn.send_forwarded(Bytes::from(bytes));
            }
        }
        Message::Send { session, data } => {
            // What a SWOOLE_PROCESS worker wrote: it reads the shared
            // table's mark to hold back, so nothing it sent is refused.
            let conn = rt.table.get(session).filter(|c| !c.is_closing())?;
            let _ = conn.send_forwarded(Bytes::from(data));
        }
        Message::Close { session } => {
            let conn = rt.table.get(session)?;
            let _ = deliver_local(rt, &conn, Outbound::Close);
        }
        Message::Reset { session } => {
            let conn = rt.table.get(session)?;
            let _ = deliver_local(rt, &conn, Outbound::Reset);
        }
        Message::Disconnect {
            session,
            code,
            reason,
        } => {
            let conn = rt.table.get(session).filter(|c| c.is_websocket())?;
            let _ = deliver_local(rt, &conn, Outbound::Disconnect(code as u16, &reason));
        }
        Message::Pause { session, paused } => {
            let conn = rt.table.get(session)?;
            let _ = deliver_local(rt, &conn, Outbound::Pause(paused));
        }
        other => return Some(other),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::frame::Frame;

    fn decode(bytes: &[u8]) -> Frame {
        let mut buf = bytes::BytesMut::from(bytes);
        match Frame::decode(&mut buf, 1 << 20) {
            Ok(Some(f)) => f,
            other => panic!("not one frame: {other:?}"),
        }
    }

    #[test]
    fn opcodes_outside_0_to_10_are_refused_before_anything_is_sent() {
        for op in [11, 255, 256, 266, -1, i64::MAX, i64::MIN] {
            assert_eq!(
                PushFrame::new(op, 1),
                Err(PackError::OpcodeTooLarge),
                "{op}"
            );
        }
        for op in 0..=10 {
            assert_eq!(PushFrame::new(op, 1).map(|f| f.opcode), Ok(op as u8));
        }
    }

    #[test]
    fn the_mask_flag_is_dropped_and_only_the_low_byte_of_flags_counts() {
        let f = PushFrame::new(1, i64::from(FLAG_MASK) | 1 | 0x100).unwrap();
        assert_eq!(f.flags, FLAG_MASK | 1, "pack() may mask");
        let f = f.unmasked();
        assert_eq!(f.flags, 1);
        let frame = decode(&f.encode(b"hi", None).unwrap());
        assert!(frame.fin);
        assert_eq!(&frame.payload[..], b"hi");
    }

    #[test]
    fn a_close_frame_keeps_its_code_and_checks_its_reason() {
        let f = PushFrame::new(8, 1)
            .and_then(|f| f.with_close(Some((4000, b"bye".to_vec()))))
            .unwrap();
        let frame = decode(&f.encode(b"ignored", None).unwrap());
        assert_eq!(&frame.payload[..], b"\x0f\xa0bye");
        let long = PushFrame::new(8, 1).and_then(|f| f.with_close(Some((1000, vec![b'x'; 126]))));
        assert_eq!(long, Err(PackError::ReasonTooLong));
        // A code only counts on a close opcode.
        let text = PushFrame::new(1, 1).and_then(|f| f.with_close(Some((1000, vec![b'x'; 200]))));
        assert_eq!(text.map(|f| f.close), Ok(None));
        // A close opcode without a code sends its payload as the reason.
        let bare = PushFrame::new(8, 1).unwrap();
        assert_eq!(
            bare.check_payload(&[b'x'; 126]),
            Err(PackError::ReasonTooLong)
        );
        assert_eq!(
            bare.forward(1, &[b'x'; 126]).err(),
            Some(PackError::ReasonTooLong)
        );
        assert_eq!(
            bare.encode(&[b'x'; 126], None).err(),
            Some(PackError::ReasonTooLong)
        );
        assert!(bare.check_payload(&[b'x'; 125]).is_ok());
    }

    #[test]
    fn a_forwarded_push_is_framed_by_the_owner_exactly_as_a_local_one() {
        let frame = PushFrame::new(2, 1).unwrap();
        let Message::Push {
            session,
            opcode,
            flags,
            data,
            close,
        } = frame.forward(7, b"abc").unwrap()
        else {
            panic!("not a push");
        };
        assert_eq!(session, 7);
        let again = PushFrame::new(opcode, flags)
            .and_then(|f| f.with_close(close))
            .unwrap();
        assert_eq!(again, frame);
        assert_eq!(again.encode(&data, None), frame.encode(b"abc", None));
        assert!(again.encode(&data, None).is_ok());
    }

    #[test]
    fn connections_are_located_as_each_action_needs_them() {
        let rt = runtime::Server::new(runtime::Settings::default());
        assert_eq!(locate(&rt, 1).err(), Some(Missing::NoSession));
        assert_eq!(locate_websocket(&rt, 1).err(), Some(Missing::NoSession));
        let addr: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        let conn = Rc::new(Connection::new(1, addr, addr, -1, -1, 1 << 20));
        assert!(rt.table.insert(conn.clone()));
        // Open but still HTTP: send() finds it, push() does not.
        assert!(matches!(locate(&rt, 1), Ok(Target::Local(_))));
        assert_eq!(locate_websocket(&rt, 1).err(), Some(Missing::NotWebSocket));
        conn.set_ws_status(runtime::connection::ws_status::ACTIVE);
        assert!(matches!(locate_websocket(&rt, 1), Ok(Target::Local(_))));
        // Closing: gone for every action.
        conn.close_with_frame(None);
        assert_eq!(locate(&rt, 1).err(), Some(Missing::NoSession));
        assert_eq!(locate_websocket(&rt, 1).err(), Some(Missing::NotWebSocket));
    }

    #[test]
    fn deliver_reports_a_full_inbox_and_forwards_the_checked_frame() {
        let frame = PushFrame::new(1, 1).unwrap();
        let mut seen = None;
        let rt = runtime::Server::new(runtime::Settings::default());
        let out = Outbound::Frame(&frame, b"x");
        let r = deliver(&rt, &Target::Remote(3), 9, out, |owner, msg| {
            seen = Some((owner, msg.clone()));
            false
        });
        assert_eq!(r, Err(PushError::Forward));
        let (owner, msg) = seen.unwrap();
        assert_eq!(owner, 3);
        assert!(matches!(
            msg,
            Message::Push {
                session: 9,
                opcode: 1,
                ..
            }
        ));
    }
}
