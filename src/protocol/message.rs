//! Reassembly of frames into messages, with RFC 6455 enforcement.
//!
//! One [`MessageAssembler`] per connection. The runtime decodes frames with
//! [`Frame::decode`](super::frame::Frame::decode) and pushes each one here; the
//! assembler answers with nothing (a fragment was buffered), an [`Event`], or a
//! [`Violation`] carrying the close code to fail the connection with.
//!
//! Swoole itself accepts unmasked frames, reserved bits and invalid UTF-8; the
//! project's compatibility policy (DESIGN.md) follows the RFC there, so every
//! check below is strict. Control frames may arrive between the fragments of a
//! message; they come out as their own events while the message keeps
//! assembling.

use super::close;
use super::deflate::{DeflateError, Inflater};
use super::frame::{opcode, Frame, MAX_CONTROL_PAYLOAD};
use super::pack::{FLAG_COMPRESS, FLAG_FIN, FLAG_MASK, FLAG_RSV1};
use bytes::Bytes;
use std::fmt;

/// Per-connection limits and negotiated features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssemblerConfig {
    /// Largest message (after inflation) accepted: Swoole's `package_max_length`.
    pub max_message: usize,
    /// Reject unmasked frames (a server must: RFC 6455 §5.1).
    pub require_mask: bool,
    /// permessage-deflate was negotiated: RSV1 is allowed on the first frame of
    /// a data message and means "compressed".
    pub deflate: bool,
}

/// What a pushed frame produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A complete TEXT or BINARY message.
    Message {
        /// [`opcode::TEXT`] or [`opcode::BINARY`].
        opcode: u8,
        /// The whole (reassembled, inflated) payload.
        payload: Bytes,
        /// Swoole's frame flags: FIN(1) | COMPRESS(2) | RSV1(4) | MASK(32) as
        /// they apply; a plain masked client message gives 33.
        flags: u8,
    },
    /// A ping, to be answered with a pong carrying the same payload.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame with a valid payload.
    Close {
        /// Status code, if the payload had one.
        code: Option<u16>,
        /// Reason (valid UTF-8, possibly empty).
        reason: String,
        /// The raw payload, for echoing it back as Swoole does.
        payload: Bytes,
    },
}

/// A protocol violation: the connection must be failed with `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    /// Close code to send: 1002 (protocol error), 1007 (invalid payload data)
    /// or 1009 (message too big); 1011 only for a runtime misuse.
    pub code: u16,
    /// Human-readable cause, short enough for a close reason.
    pub reason: &'static str,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.code)
    }
}

impl std::error::Error for Violation {}

const fn violation(code: u16, reason: &'static str) -> Violation {
    Violation { code, reason }
}

const TOO_BIG: Violation = violation(close::TOO_BIG, "message too big");
const BAD_UTF8: Violation = violation(close::INVALID_PAYLOAD, "invalid UTF-8 in text message");

/// Whether `data` is all UTF-8. Every text message's bytes pass through
/// here, so with SIMD (simdutf8 picks AVX2 or SSE4.2 at run time): several
/// times faster than `std::str::from_utf8` on large messages.
#[inline]
pub fn is_utf8(data: &[u8]) -> bool {
    simdutf8::basic::from_utf8(data).is_ok()
}

/// Incremental UTF-8 validation across fragment boundaries.
///
/// Each chunk is checked as it arrives, so an invalid sequence fails before
/// the final fragment (fail-fast, as RFC 6455 §8.1 allows and Autobahn's 6.x
/// cases expect), while a code point split across chunks is held back (at most
/// 3 bytes) and completed by the next chunk.
#[derive(Debug, Clone, Default)]
pub struct Utf8Validator {
    pending: [u8; 4],
    len: usize,
}

impl Utf8Validator {
    /// Checks the next chunk. `Err` means the text is invalid whatever follows.
    #[allow(clippy::result_unit_err)]
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), ()> {
        if self.len > 0 {
            let need = sequence_len(self.pending[0])
                .saturating_sub(self.len)
                .min(4 - self.len);
            let take = need.min(data.len());
            let (head, rest) = data.split_at(take);
            self.pending[self.len..self.len + take].copy_from_slice(head);
            self.len += take;
            data = rest;
            match std::str::from_utf8(&self.pending[..self.len]) {
                Ok(_) => self.len = 0,
                Err(e) if e.error_len().is_none() => return Ok(()),
                Err(_) => return Err(()),
            }
        }
        if is_utf8(data) {
            return Ok(());
        }
        match std::str::from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(()),
            Err(e) => {
                let rest = data.get(e.valid_up_to()..).unwrap_or_default();
                if rest.len() > 3 {
                    return Err(());
                }
                self.pending[..rest.len()].copy_from_slice(rest);
                self.len = rest.len();
                Ok(())
            }
        }
    }

    /// Ends the text: a code point still incomplete makes it invalid.
    #[allow(clippy::result_unit_err)]
    pub fn finish(&mut self) -> Result<(), ()> {
        let ok = self.len == 0;
        self.len = 0;
        if ok {
            Ok(())
        } else {
            Err(())
        }
    }
}

/// Length of the UTF-8 sequence a (valid) lead byte starts.
fn sequence_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// A fragmented (or compressed) message being assembled.
#[derive(Debug)]
struct Partial {
    opcode: u8,
    flags: u8,
    compressed: bool,
    data: Vec<u8>,
    utf8: Option<Utf8Validator>,
}

/// Per-connection message reassembly state machine.
#[derive(Debug)]
pub struct MessageAssembler {
    cfg: AssemblerConfig,
    partial: Option<Partial>,
}

impl MessageAssembler {
    /// A fresh assembler (no message in progress).
    pub fn new(cfg: AssemblerConfig) -> MessageAssembler {
        MessageAssembler { cfg, partial: None }
    }

    /// The configuration in force.
    pub fn config(&self) -> &AssemblerConfig {
        &self.cfg
    }

    /// Whether a fragmented message is being assembled.
    pub fn in_message(&self) -> bool {
        self.partial.is_some()
    }

    /// Bytes buffered for the message in progress (for `recv_queued_bytes`).
    pub fn buffered(&self) -> usize {
        self.partial.as_ref().map_or(0, |p| p.data.len())
    }

    /// Feeds one frame. `inflater` must be given when permessage-deflate was
    /// negotiated (it is only used for compressed messages).
    ///
    /// After a `Violation` the connection is to be failed; the assembler is
    /// reset and holds no partial message.
    pub fn push(
        &mut self,
        frame: Frame,
        inflater: Option<&mut Inflater>,
    ) -> Result<Option<Event>, Violation> {
        let res = self.push_inner(frame, inflater);
        if res.is_err() {
            self.partial = None;
        }
        res
    }

    fn push_inner(
        &mut self,
        frame: Frame,
        inflater: Option<&mut Inflater>,
    ) -> Result<Option<Event>, Violation> {
        let op = frame.opcode;
        if !opcode::is_known(op) {
            return Err(violation(close::PROTOCOL_ERROR, "reserved opcode"));
        }
        if frame.rsv2 || frame.rsv3 {
            return Err(violation(close::PROTOCOL_ERROR, "reserved bits set"));
        }
        if self.cfg.require_mask && !frame.masked {
            return Err(violation(close::PROTOCOL_ERROR, "unmasked client frame"));
        }
        if opcode::is_control(op) {
            return control(frame).map(Some);
        }
        let mut inflater = inflater;
        if op == opcode::CONTINUATION {
            if frame.rsv1 {
                return Err(violation(
                    close::PROTOCOL_ERROR,
                    "RSV1 set on a continuation frame",
                ));
            }
            let Some(partial) = self.partial.as_mut() else {
                return Err(violation(
                    close::PROTOCOL_ERROR,
                    "continuation frame without a started message",
                ));
            };
            append(
                partial,
                &frame.payload,
                inflater.as_deref_mut(),
                self.cfg.max_message,
            )?;
            if !frame.fin {
                return Ok(None);
            }
            return match self.partial.take() {
                Some(p) => finish(p, inflater, self.cfg.max_message).map(Some),
                None => Ok(None),
            };
        }

        // TEXT or BINARY: the first frame of a message.
        if self.partial.is_some() {
            return Err(violation(
                close::PROTOCOL_ERROR,
                "new data frame while a fragmented message is open",
            ));
        }
        if frame.rsv1 && !self.cfg.deflate {
            return Err(violation(
                close::PROTOCOL_ERROR,
                "RSV1 set without permessage-deflate",
            ));
        }
        let mut flags = FLAG_FIN;
        if frame.masked {
            flags |= FLAG_MASK;
        }
        if frame.rsv1 {
            flags |= FLAG_COMPRESS | FLAG_RSV1;
        }
        if frame.fin && !frame.rsv1 {
            // Fast path: one uncompressed frame, payload handed over as is.
            if frame.payload.len() > self.cfg.max_message {
                return Err(TOO_BIG);
            }
            if op == opcode::TEXT && !is_utf8(&frame.payload) {
                return Err(BAD_UTF8);
            }
            return Ok(Some(Event::Message {
                opcode: op,
                payload: frame.payload,
                flags,
            }));
        }
        let mut partial = Partial {
            opcode: op,
            flags,
            compressed: frame.rsv1,
            data: Vec::new(),
            utf8: (op == opcode::TEXT).then(Utf8Validator::default),
        };
        append(
            &mut partial,
            &frame.payload,
            inflater.as_deref_mut(),
            self.cfg.max_message,
        )?;
        if frame.fin {
            return finish(partial, inflater, self.cfg.max_message).map(Some);
        }
        self.partial = Some(partial);
        Ok(None)
    }

    /// Drops any message in progress (e.g. when the connection is reused).
    pub fn reset(&mut self) {
        self.partial = None;
    }
}

fn control(frame: Frame) -> Result<Event, Violation> {
    if frame.rsv1 {
        return Err(violation(
            close::PROTOCOL_ERROR,
            "RSV1 set on a control frame",
        ));
    }
    if !frame.fin {
        return Err(violation(close::PROTOCOL_ERROR, "fragmented control frame"));
    }
    if frame.payload.len() > MAX_CONTROL_PAYLOAD {
        return Err(violation(
            close::PROTOCOL_ERROR,
            "control frame payload longer than 125 bytes",
        ));
    }
    Ok(match frame.opcode {
        opcode::PING => Event::Ping(frame.payload),
        opcode::PONG => Event::Pong(frame.payload),
        _ => {
            let (code, reason) = close::parse_close_payload(&frame.payload)?;
            Event::Close {
                code,
                reason,
                payload: frame.payload,
            }
        }
    })
}

fn append(
    p: &mut Partial,
    payload: &[u8],
    inflater: Option<&mut Inflater>,
    max: usize,
) -> Result<(), Violation> {
    let before = p.data.len();
    if p.compressed {
        let Some(inf) = inflater else {
            return Err(violation(
                close::SERVER_ERROR,
                "no inflater for a compressed message",
            ));
        };
        inf.decompress_part(payload, &mut p.data, max)
            .map_err(deflate_violation)?;
    } else {
        if payload.len() > max.saturating_sub(before) {
            return Err(TOO_BIG);
        }
        p.data.extend_from_slice(payload);
    }
    if let Some(v) = p.utf8.as_mut() {
        v.feed(p.data.get(before..).unwrap_or_default())
            .map_err(|()| BAD_UTF8)?;
    }
    Ok(())
}

fn finish(mut p: Partial, inflater: Option<&mut Inflater>, max: usize) -> Result<Event, Violation> {
    if p.compressed {
        let before = p.data.len();
        let Some(inf) = inflater else {
            return Err(violation(
                close::SERVER_ERROR,
                "no inflater for a compressed message",
            ));
        };
        inf.finish(&mut p.data, max).map_err(deflate_violation)?;
        if let Some(v) = p.utf8.as_mut() {
            v.feed(p.data.get(before..).unwrap_or_default())
                .map_err(|()| BAD_UTF8)?;
        }
    }
    if let Some(v) = p.utf8.as_mut() {
        v.finish().map_err(|()| BAD_UTF8)?;
    }
    Ok(Event::Message {
        opcode: p.opcode,
        payload: Bytes::from(p.data),
        flags: p.flags,
    })
}

fn deflate_violation(e: DeflateError) -> Violation {
    match e {
        DeflateError::TooLarge { .. } => TOO_BIG,
        DeflateError::Corrupt(_) => violation(close::INVALID_PAYLOAD, "invalid compressed data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::deflate::Deflater;

    const MAX: usize = 1000;

    fn cfg() -> AssemblerConfig {
        AssemblerConfig {
            max_message: MAX,
            require_mask: true,
            deflate: false,
        }
    }

    fn fr(fin: bool, op: u8, payload: &[u8]) -> Frame {
        Frame {
            fin,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode: op,
            masked: true,
            payload: Bytes::copy_from_slice(payload),
        }
    }

    fn msg(op: u8, payload: &[u8], flags: u8) -> Option<Event> {
        Some(Event::Message {
            opcode: op,
            payload: Bytes::copy_from_slice(payload),
            flags,
        })
    }

    fn push(a: &mut MessageAssembler, f: Frame) -> Result<Option<Event>, Violation> {
        a.push(f, None)
    }

    #[test]
    fn single_frames() {
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(
            push(&mut a, fr(true, 1, b"hello")),
            Ok(msg(1, b"hello", 33))
        );
        assert_eq!(
            push(&mut a, fr(true, 2, b"\xff\x00")),
            Ok(msg(2, b"\xff\x00", 33))
        );
        assert_eq!(push(&mut a, fr(true, 1, b"")), Ok(msg(1, b"", 33)));
        assert!(!a.in_message());
    }

    #[test]
    fn unmasked_allowed_when_not_required() {
        let mut a = MessageAssembler::new(AssemblerConfig {
            require_mask: false,
            ..cfg()
        });
        let mut f = fr(true, 1, b"hi");
        f.masked = false;
        assert_eq!(push(&mut a, f), Ok(msg(1, b"hi", 1)));
        let mut a = MessageAssembler::new(cfg());
        let mut f = fr(true, 1, b"hi");
        f.masked = false;
        assert_eq!(push(&mut a, f).unwrap_err().code, 1002);
    }

    #[test]
    fn fragmented_with_interleaved_control() {
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(false, 1, b"hel")), Ok(None));
        assert!(a.in_message());
        assert_eq!(a.buffered(), 3);
        assert_eq!(
            push(&mut a, fr(true, 9, b"p")),
            Ok(Some(Event::Ping(Bytes::from_static(b"p"))))
        );
        assert_eq!(push(&mut a, fr(false, 0, b"")), Ok(None));
        assert_eq!(
            push(&mut a, fr(true, 10, b"")),
            Ok(Some(Event::Pong(Bytes::new())))
        );
        assert_eq!(push(&mut a, fr(true, 0, b"lo")), Ok(msg(1, b"hello", 33)));
        assert!(!a.in_message());
        // a close between fragments is reported too
        assert_eq!(push(&mut a, fr(false, 2, b"a")), Ok(None));
        assert!(matches!(
            push(&mut a, fr(true, 8, b"\x03\xe8")),
            Ok(Some(Event::Close {
                code: Some(1000),
                ..
            }))
        ));
    }

    #[test]
    fn control_frame_rules() {
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(false, 9, b"")).unwrap_err().code, 1002);
        assert_eq!(push(&mut a, fr(true, 9, &[0; 126])).unwrap_err().code, 1002);
        assert!(push(&mut a, fr(true, 9, &[0; 125])).is_ok());
        let mut f = fr(true, 9, b"");
        f.rsv1 = true;
        assert_eq!(push(&mut a, f).unwrap_err().code, 1002);
    }

    #[test]
    fn close_payloads() {
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(
            push(&mut a, fr(true, 8, b"\x03\xe8done")),
            Ok(Some(Event::Close {
                code: Some(1000),
                reason: "done".into(),
                payload: Bytes::from_static(b"\x03\xe8done")
            }))
        );
        assert_eq!(
            push(&mut a, fr(true, 8, b"")),
            Ok(Some(Event::Close {
                code: None,
                reason: String::new(),
                payload: Bytes::new()
            }))
        );
        assert_eq!(push(&mut a, fr(true, 8, b"\x03")).unwrap_err().code, 1002);
        assert_eq!(
            push(&mut a, fr(true, 8, b"\x03\xed")).unwrap_err().code,
            1002
        );
        assert_eq!(
            push(&mut a, fr(true, 8, b"\x03\xe8\xc0")).unwrap_err().code,
            1007
        );
    }

    #[test]
    fn reserved_opcodes_and_bits() {
        let mut a = MessageAssembler::new(cfg());
        for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
            assert_eq!(
                push(&mut a, fr(true, op, b"")).unwrap_err().code,
                1002,
                "op {op}"
            );
        }
        for (r1, r2, r3) in [
            (true, false, false),
            (false, true, false),
            (false, false, true),
        ] {
            let mut f = fr(true, 1, b"x");
            f.rsv1 = r1;
            f.rsv2 = r2;
            f.rsv3 = r3;
            assert_eq!(push(&mut a, f).unwrap_err().code, 1002);
        }
        // with deflate negotiated RSV2/RSV3 are still errors, and RSV1 on a
        // continuation or control frame too
        let mut a = MessageAssembler::new(AssemblerConfig {
            deflate: true,
            ..cfg()
        });
        let mut inf = Inflater::new(true, 15);
        let mut f = fr(true, 1, b"x");
        f.rsv2 = true;
        assert_eq!(a.push(f, Some(&mut inf)).unwrap_err().code, 1002);
        assert_eq!(a.push(fr(false, 1, b"x"), Some(&mut inf)), Ok(None));
        let mut f = fr(true, 0, b"x");
        f.rsv1 = true;
        assert_eq!(a.push(f, Some(&mut inf)).unwrap_err().code, 1002);
        assert!(!a.in_message(), "violation resets the state");
    }

    #[test]
    fn sequencing_errors() {
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(true, 0, b"x")).unwrap_err().code, 1002);
        assert_eq!(push(&mut a, fr(false, 0, b"x")).unwrap_err().code, 1002);
        assert_eq!(push(&mut a, fr(false, 1, b"x")), Ok(None));
        assert_eq!(push(&mut a, fr(true, 1, b"x")).unwrap_err().code, 1002);
        assert_eq!(push(&mut a, fr(false, 2, b"x")), Ok(None));
        assert_eq!(push(&mut a, fr(false, 2, b"x")).unwrap_err().code, 1002);
    }

    #[test]
    fn size_limits() {
        let mut a = MessageAssembler::new(cfg());
        assert!(push(&mut a, fr(true, 2, &[0; MAX])).is_ok());
        assert_eq!(
            push(&mut a, fr(true, 2, &[0; MAX + 1])).unwrap_err().code,
            1009
        );
        assert_eq!(push(&mut a, fr(false, 2, &[0; 600])), Ok(None));
        assert_eq!(push(&mut a, fr(false, 0, &[0; 400])), Ok(None));
        assert_eq!(push(&mut a, fr(true, 0, &[0; 1])).unwrap_err().code, 1009);
        assert_eq!(push(&mut a, fr(false, 2, &[0; 600])), Ok(None));
        assert!(push(&mut a, fr(true, 0, &[0; 400])).is_ok());
    }

    #[test]
    fn utf8_whole_and_fragmented() {
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(true, 1, b"\xff")).unwrap_err().code, 1007);
        assert_eq!(push(&mut a, fr(true, 1, b"\xce")).unwrap_err().code, 1007);
        // binary is not checked
        assert!(push(&mut a, fr(true, 2, b"\xff")).is_ok());
        // "κόσμε" split at every byte boundary into two fragments
        let text = "κόσμε-𝄞-€".as_bytes();
        for cut in 0..=text.len() {
            let mut a = MessageAssembler::new(cfg());
            assert_eq!(
                push(&mut a, fr(false, 1, &text[..cut])),
                Ok(None),
                "cut {cut}"
            );
            assert_eq!(
                push(&mut a, fr(true, 0, &text[cut..])),
                Ok(msg(1, text, 33))
            );
        }
        // one byte per fragment
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(false, 1, b"")), Ok(None));
        for b in text {
            assert_eq!(push(&mut a, fr(false, 0, &[*b])), Ok(None));
        }
        assert_eq!(push(&mut a, fr(true, 0, b"")), Ok(msg(1, text, 33)));
    }

    #[test]
    fn utf8_fails_fast() {
        // invalid byte in the first fragment: fails before FIN
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(
            push(&mut a, fr(false, 1, b"ok\xffmore")).unwrap_err().code,
            1007
        );
        // invalid continuation of a split code point, in the second fragment
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(false, 1, b"\xe2\x82")), Ok(None));
        assert_eq!(push(&mut a, fr(false, 0, b"(")).unwrap_err().code, 1007);
        // an invalid prefix (surrogate range) fails at once
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(
            push(&mut a, fr(false, 1, b"\xed\xa0")).unwrap_err().code,
            1007
        );
        // beyond U+10FFFF
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(
            push(&mut a, fr(false, 1, b"\xf4\x90")).unwrap_err().code,
            1007
        );
        // incomplete at the end of the message
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(push(&mut a, fr(false, 1, b"a\xf0\x9d")), Ok(None));
        assert_eq!(push(&mut a, fr(true, 0, b"\x84")).unwrap_err().code, 1007);
    }

    #[test]
    fn validator_direct() {
        let mut v = Utf8Validator::default();
        assert!(v.feed(b"\xf0").is_ok());
        assert!(v.feed(b"").is_ok());
        assert!(v.feed(b"\x9f").is_ok());
        assert!(v.feed(b"\x98\x80abc").is_ok());
        assert!(v.finish().is_ok());
        assert!(v.feed(b"\xc3").is_ok());
        assert!(v.finish().is_err());
        let mut v = Utf8Validator::default();
        assert!(v.feed(b"\xc0\x80").is_err()); // overlong
    }

    fn compressed(f_fin: bool, op: u8, data: &[u8]) -> Frame {
        let mut f = fr(f_fin, op, data);
        f.rsv1 = true;
        f
    }

    #[test]
    fn compressed_messages() {
        let mut a = MessageAssembler::new(AssemblerConfig {
            deflate: true,
            ..cfg()
        });
        let mut inf = Inflater::new(false, 15);
        let mut def = Deflater::new(false, 15);
        for text in ["hello", "hello", "", "grüße"] {
            let mut c = Vec::new();
            def.compress(text.as_bytes(), &mut c);
            assert_eq!(
                a.push(compressed(true, 1, &c), Some(&mut inf)),
                Ok(msg(1, text.as_bytes(), 1 | 2 | 4 | 32))
            );
        }
        // fragmented compressed message, split everywhere
        let body = "ab€".repeat(100);
        let c = Deflater::compress_once(body.as_bytes());
        for cut in 0..=c.len() {
            let mut a = MessageAssembler::new(AssemblerConfig {
                deflate: true,
                ..cfg()
            });
            let mut inf = Inflater::new(true, 15);
            assert_eq!(
                a.push(compressed(false, 1, &c[..cut]), Some(&mut inf)),
                Ok(None)
            );
            assert_eq!(
                a.push(fr(true, 0, &c[cut..]), Some(&mut inf)),
                Ok(msg(1, body.as_bytes(), 39))
            );
        }
        // RSV1 without negotiation
        let mut a = MessageAssembler::new(cfg());
        assert_eq!(
            push(&mut a, compressed(true, 1, &c)).unwrap_err().code,
            1002
        );
    }

    #[test]
    fn compressed_limits_and_errors() {
        let mut a = MessageAssembler::new(AssemblerConfig {
            deflate: true,
            ..cfg()
        });
        let mut inf = Inflater::new(true, 15);
        // bomb: small on the wire, too big inflated
        let c = Deflater::compress_once(&[b'a'; 100_000]);
        assert!(c.len() < MAX);
        assert_eq!(
            a.push(compressed(true, 2, &c), Some(&mut inf))
                .unwrap_err()
                .code,
            1009
        );
        // corrupt data
        let mut inf = Inflater::new(true, 15);
        assert_eq!(
            a.push(compressed(true, 2, b"\xff\xff\xff"), Some(&mut inf))
                .unwrap_err()
                .code,
            1007
        );
        // invalid UTF-8 inside compressed text
        let mut inf = Inflater::new(true, 15);
        let c = Deflater::compress_once(b"ok\xff");
        assert_eq!(
            a.push(compressed(true, 1, &c), Some(&mut inf))
                .unwrap_err()
                .code,
            1007
        );
        // missing inflater is a runtime bug, reported as 1011
        let c = Deflater::compress_once(b"x");
        assert_eq!(
            a.push(compressed(true, 1, &c), None).unwrap_err().code,
            1011
        );
    }

    #[test]
    fn violation_display() {
        let v = Violation {
            code: 1002,
            reason: "reserved opcode",
        };
        assert_eq!(v.to_string(), "reserved opcode (1002)");
    }

    /// Small deterministic xorshift generator for the no-panic sweeps.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            let len = (rng(&mut seed) % 96) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| rng(&mut seed) as u8).collect();
            // bias towards small lengths so whole frames actually occur
            if let Some(b) = data.get_mut(1) {
                *b &= 0x87;
            }
            let mut buf = bytes::BytesMut::from(&data[..]);
            let mut a = MessageAssembler::new(AssemblerConfig {
                max_message: 64,
                require_mask: rng(&mut seed).is_multiple_of(2),
                deflate: true,
            });
            let mut inf = Inflater::new(false, 15);
            while let Ok(Some(f)) = Frame::decode(&mut buf, 64) {
                if a.push(f, Some(&mut inf)).is_err() {
                    break;
                }
            }
        }
    }
}
