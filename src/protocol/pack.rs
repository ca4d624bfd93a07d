//! Swoole's static `Server::pack()` / `Frame::pack()` / `Server::unpack()`.
//!
//! These are user-facing helpers, not the server's wire path, so they follow
//! Swoole byte for byte (reference §6) rather than the RFC: `pack()` accepts
//! reserved opcodes and flags, masks with Swoole's fixed key `"258E"`, and
//! `unpack()` accepts anything that has a complete frame header and payload.

use super::close::NORMAL;
use super::deflate::{Deflater, Inflater, MAX_WINDOW_BITS};
use super::frame::{self, opcode, Header};
use std::fmt;

/// `SWOOLE_WEBSOCKET_FLAG_FIN`.
pub const FLAG_FIN: u8 = 1;
/// `SWOOLE_WEBSOCKET_FLAG_COMPRESS`: compress the payload (permessage-deflate).
pub const FLAG_COMPRESS: u8 = 2;
/// `SWOOLE_WEBSOCKET_FLAG_RSV1`.
pub const FLAG_RSV1: u8 = 4;
/// `SWOOLE_WEBSOCKET_FLAG_RSV2`.
pub const FLAG_RSV2: u8 = 8;
/// `SWOOLE_WEBSOCKET_FLAG_RSV3`.
pub const FLAG_RSV3: u8 = 16;
/// `SWOOLE_WEBSOCKET_FLAG_MASK`.
pub const FLAG_MASK: u8 = 32;
/// All flag bits Swoole keeps (`FLAGS_ALL`).
pub const FLAGS_ALL: u8 = 63;

/// The fixed masking key Swoole uses when asked to mask (`SW_WEBSOCKET_MASK_DATA`).
pub const SWOOLE_MASK_KEY: [u8; 4] = *b"258E";

/// Largest opcode `pack()` accepts.
pub const OPCODE_MAX: u8 = 10;

/// Largest close reason `pack_close()` accepts (Swoole's limit; the 127-byte
/// payload it allows is above RFC 6455's 125 for control frames).
pub const CLOSE_REASON_MAX: usize = 125;

/// Largest inflated payload `unpack()` produces; bounds what a malicious
/// compressed frame passed to `unpack()` can allocate.
pub const UNPACK_INFLATE_MAX: usize = 64 * 1024 * 1024;

/// Why `pack()` failed; `Display` is Swoole's warning text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackError {
    /// Opcode above 10.
    OpcodeTooLarge,
    /// Close reason above 125 bytes.
    ReasonTooLong,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackError::OpcodeTooLarge => {
                write!(f, "the maximum value of opcode is {OPCODE_MAX}")
            }
            PackError::ReasonTooLong => {
                write!(f, "the max length of close reason is {CLOSE_REASON_MAX}")
            }
        }
    }
}

impl std::error::Error for PackError {}

/// Why `unpack()` failed (PHP sees `false` and last error 508 in every case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnpackError {
    /// Fewer than 2 bytes: Swoole fails without logging.
    TooShort,
    /// The frame is cut short; `Display` is Swoole's log message.
    Incomplete {
        /// Length the header announces (header + payload), or the header
        /// length alone when even the header is incomplete.
        expected: u64,
        /// Bytes given.
        actual: usize,
    },
    /// RSV1 was set but the payload does not inflate.
    Inflate(String),
}

impl fmt::Display for UnpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnpackError::TooShort => write!(f, "packet is too short"),
            UnpackError::Incomplete { expected, actual } => write!(
                f,
                "incomplete packet, expected length is {expected}, actual length is {actual}"
            ),
            UnpackError::Inflate(e) => write!(f, "inflate failed: {e}"),
        }
    }
}

impl std::error::Error for UnpackError {}

/// The result of `unpack()`, ready to become a `Frame` or `CloseFrame`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// The opcode as sent.
    pub opcode: u8,
    /// Swoole flags: FIN(1), COMPRESS|RSV1 (6) when inflated, RSV2, RSV3, MASK(32).
    pub flags: u8,
    /// FIN bit (`$frame->finish`).
    pub fin: bool,
    /// Payload, unmasked and inflated; empty for close frames (Swoole puts
    /// the code and reason in their own properties and leaves `data` empty).
    pub payload: Vec<u8>,
    /// For close frames: `(code, reason)`, code 1000 when the payload has none.
    pub close: Option<(u16, String)>,
}

fn rsv_bits(flags: u8) -> u8 {
    (if flags & FLAG_RSV1 != 0 {
        frame::RSV1
    } else {
        0
    }) | (if flags & FLAG_RSV2 != 0 {
        frame::RSV2
    } else {
        0
    }) | (if flags & FLAG_RSV3 != 0 {
        frame::RSV3
    } else {
        0
    })
}

fn mask_of(flags: u8) -> Option<[u8; 4]> {
    (flags & FLAG_MASK != 0).then_some(SWOOLE_MASK_KEY)
}

/// How a payload that carries `FLAG_COMPRESS` is compressed.
#[derive(Debug)]
pub enum Compressor<'a> {
    /// permessage-deflate is not on for the target: the flag is dropped, as
    /// Swoole does.
    Off,
    /// Each message stands alone (no context takeover), compressed with this
    /// window. The output depends only on the payload, so one compressed
    /// frame can be shared by every connection with the same agreement.
    PerMessage {
        /// Window bits agreed (`server_max_window_bits`, 15 by default).
        window_bits: u8,
    },
    /// The connection's own compressor, which keeps its window between
    /// messages (server context takeover).
    Stream(&'a mut Deflater),
}

impl Compressor<'_> {
    fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Compressor::Off => out.extend_from_slice(data),
            Compressor::PerMessage { window_bits } => {
                Deflater::compress_message(data, *window_bits, &mut out)
            }
            Compressor::Stream(d) => d.compress(data, &mut out),
        }
        out
    }
}

/// Swoole's `pack($data, $opcode, $flags)`.
///
/// Control opcodes are always FIN and never compressed (nor marked RSV1, as
/// Swoole's "control frame can not compress" test expects).
/// `FLAG_COMPRESS` deflates a non-empty payload with a fresh compressor and
/// sets RSV1; `FLAG_RSV1` alone sets the bit without compressing. Opcode
/// CLOSE packs a close frame with code 0 and the data as reason, as Swoole
/// does for a string.
pub fn pack(payload: &[u8], opcode: u8, flags: u8) -> Result<Vec<u8>, PackError> {
    pack_ex(
        payload,
        opcode,
        flags,
        Compressor::PerMessage {
            window_bits: MAX_WINDOW_BITS,
        },
    )
}

/// [`pack`] with the target connection's `compressor`: `FLAG_COMPRESS` is
/// honoured with it and dropped when permessage-deflate is off there.
pub fn pack_ex(
    payload: &[u8],
    opcode: u8,
    flags: u8,
    mut compressor: Compressor<'_>,
) -> Result<Vec<u8>, PackError> {
    if opcode == opcode::CLOSE {
        return pack_close(0, payload, flags);
    }
    let plan = FramePlan::new(opcode, flags, !matches!(compressor, Compressor::Off))?;
    let compressed;
    let data = if plan.compress && !payload.is_empty() {
        compressed = compressor.compress(payload);
        &compressed[..]
    } else {
        payload
    };
    let rsv = plan.rsv_bits(!payload.is_empty());
    let mut out = Vec::new();
    frame::encode(&mut out, plan.fin, rsv, opcode, plan.mask, data);
    Ok(out)
}

/// How [`pack_ex`] frames a non-close payload: its flags, normalised once
/// for every caller.
struct FramePlan {
    fin: bool,
    /// The RSV bits asked for, before compression adds RSV1.
    rsv: u8,
    compress: bool,
    mask: Option<[u8; 4]>,
}

impl FramePlan {
    /// `compressing`: the target has a compressor (`FLAG_COMPRESS` is
    /// dropped where it has none). Control frames are FIN and never
    /// compressed nor RSV1.
    fn new(opcode: u8, flags: u8, compressing: bool) -> Result<FramePlan, PackError> {
        if opcode > OPCODE_MAX {
            return Err(PackError::OpcodeTooLarge);
        }
        let mut flags = flags & FLAGS_ALL;
        if !compressing {
            flags &= !FLAG_COMPRESS;
        }
        if opcode::is_control(opcode) {
            flags &= !(FLAG_COMPRESS | FLAG_RSV1);
        }
        Ok(FramePlan {
            fin: flags & FLAG_FIN != 0 || opcode::is_control(opcode),
            rsv: rsv_bits(flags),
            compress: flags & FLAG_COMPRESS != 0,
            mask: mask_of(flags),
        })
    }

    /// The header's RSV bits: a compressed (non-empty) payload sets RSV1.
    fn rsv_bits(&self, non_empty: bool) -> u8 {
        if self.compress && non_empty {
            self.rsv | frame::RSV1
        } else {
            self.rsv
        }
    }
}

/// The frame header [`pack_push`] puts before a `payload_len`-byte payload
/// when the connection has no compressor and the payload goes out as it is
/// (not masked): what lets a large push be written straight from the
/// script's string, header and payload side by side, instead of being
/// copied into a frame first. None when the payload would be changed or
/// the frame is a close frame (their payload is built).
pub fn plain_push_header(
    opcode: u8,
    flags: u8,
    payload_len: usize,
) -> Result<Option<Vec<u8>>, PackError> {
    if opcode == opcode::CLOSE {
        return Ok(None);
    }
    let plan = FramePlan::new(opcode, flags, false)?;
    if plan.mask.is_some() {
        return Ok(None);
    }
    let mut header = Vec::with_capacity(frame::MAX_HEADER_LEN);
    frame::encode_header(&mut header, plan.fin, plan.rsv, opcode, None, payload_len);
    Ok(Some(header))
}

/// A push's frame for a connection (`$server->push()`), with its
/// `compressor`. As Swoole does: where permessage-deflate was agreed, every
/// text or binary frame with FIN set is compressed, whatever its flags (a
/// script that turns `websocket_compression` on gets it without
/// `SWOOLE_WEBSOCKET_FLAG_COMPRESS`); a fragment without FIN is not (RSV1
/// belongs to a message's first frame); where it was not agreed, nothing
/// is.
pub fn pack_push(
    payload: &[u8],
    opcode: u8,
    flags: u8,
    compressor: Compressor<'_>,
) -> Result<Vec<u8>, PackError> {
    let whole_data = flags & FLAG_FIN != 0 && (opcode == opcode::TEXT || opcode == opcode::BINARY);
    let flags = if whole_data && !matches!(compressor, Compressor::Off) {
        flags | FLAG_COMPRESS
    } else {
        flags
    };
    pack_ex(payload, opcode, flags, compressor)
}

/// Swoole's close-frame packing (`CloseFrame` objects, `disconnect()`). A
/// close frame is a control frame: never compressed, never RSV1.
pub fn pack_close(code: u16, reason: &[u8], flags: u8) -> Result<Vec<u8>, PackError> {
    let flags = flags & FLAGS_ALL & !(FLAG_COMPRESS | FLAG_RSV1);
    if reason.len() > CLOSE_REASON_MAX {
        return Err(PackError::ReasonTooLong);
    }
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(reason);
    let mut out = Vec::new();
    frame::encode(
        &mut out,
        true,
        rsv_bits(flags),
        opcode::CLOSE,
        mask_of(flags),
        &payload,
    );
    Ok(out)
}

/// Swoole's `unpack($data)`: decodes the first frame in `data` (trailing
/// bytes are ignored), unmasking and inflating it.
pub fn unpack(data: &[u8]) -> Result<Unpacked, UnpackError> {
    if data.len() < 2 {
        return Err(UnpackError::TooShort);
    }
    let Some(h) = Header::parse(data) else {
        return Err(UnpackError::Incomplete {
            expected: partial_header_len(data),
            actual: data.len(),
        });
    };
    let total = (h.header_len as u64).saturating_add(h.payload_len);
    if (data.len() as u64) < total {
        return Err(UnpackError::Incomplete {
            expected: total,
            actual: data.len(),
        });
    }
    // `total <= data.len()`, so it fits in usize.
    let mut payload = data
        .get(h.header_len..total as usize)
        .unwrap_or_default()
        .to_vec();
    let mut flags = 0;
    if h.first & 0x80 != 0 {
        flags |= FLAG_FIN;
    }
    if h.first & frame::RSV1 != 0 {
        flags |= FLAG_RSV1;
    }
    if h.first & frame::RSV2 != 0 {
        flags |= FLAG_RSV2;
    }
    if h.first & frame::RSV3 != 0 {
        flags |= FLAG_RSV3;
    }
    if let Some(key) = h.mask {
        flags |= FLAG_MASK;
        frame::apply_mask(&mut payload, key);
    }
    if h.first & frame::RSV1 != 0 {
        let mut out = Vec::new();
        Inflater::new(true, MAX_WINDOW_BITS)
            .decompress(&payload, &mut out, UNPACK_INFLATE_MAX)
            .map_err(|e| UnpackError::Inflate(e.to_string()))?;
        payload = out;
        flags |= FLAG_COMPRESS;
    }
    let op = h.first & 0x0f;
    let close = (op == opcode::CLOSE).then(|| {
        let (code, reason) = match payload.as_slice() {
            [hi, lo, reason @ ..] => (u16::from_be_bytes([*hi, *lo]), reason),
            _ => (NORMAL, &[][..]),
        };
        (code, String::from_utf8_lossy(reason).into_owned())
    });
    if close.is_some() {
        payload.clear();
    }
    Ok(Unpacked {
        opcode: op,
        flags,
        fin: h.first & 0x80 != 0,
        payload,
        close,
    })
}

/// Header length as far as it can be known from an incomplete header.
fn partial_header_len(data: &[u8]) -> u64 {
    let b1 = data.get(1).copied().unwrap_or(0);
    let ext = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn a_plain_push_header_is_what_pack_push_puts_before_the_payload() {
        for opcode in 0..=OPCODE_MAX {
            if opcode == opcode::CLOSE {
                // Its payload is built (code and reason).
                assert!(plain_push_header(opcode, FLAG_FIN, 2).unwrap().is_none());
                continue;
            }
            for flags in 0..=u8::MAX {
                for len in [0usize, 5, 125, 126, 200, 65_535, 65_536, 70_000] {
                    let payload = vec![b'x'; len];
                    let packed = pack_push(&payload, opcode, flags, Compressor::Off).unwrap();
                    match plain_push_header(opcode, flags, len).unwrap() {
                        Some(header) => {
                            assert_eq!(
                                [&header[..], &payload[..]].concat(),
                                packed,
                                "opcode {opcode} flags {flags} len {len}"
                            );
                        }
                        // Only a masked frame is built.
                        None => assert!(flags & FLAG_MASK != 0, "opcode {opcode} flags {flags}"),
                    }
                }
            }
        }
        assert_eq!(
            plain_push_header(OPCODE_MAX + 1, FLAG_FIN, 1).unwrap_err(),
            PackError::OpcodeTooLarge
        );
    }

    #[test]
    fn reference_pack_vectors() {
        assert_eq!(pack(b"hello", 1, FLAG_FIN).unwrap(), hex("810568656c6c6f"));
        assert_eq!(pack(b"hello", 2, FLAG_FIN).unwrap(), hex("820568656c6c6f"));
        assert_eq!(pack(b"hello", 1, 0).unwrap(), hex("010568656c6c6f"));
        assert_eq!(
            pack(b"hello", 1, FLAG_FIN | FLAG_MASK).unwrap(),
            hex("8185 32353845 5a5054295d")
        );
        assert_eq!(
            pack(b"hello", 1, FLAG_FIN | FLAG_COMPRESS).unwrap(),
            hex("c107ca48cdc9c90700")
        );
        assert_eq!(
            pack(b"hello", 1, FLAG_FIN | FLAG_RSV1).unwrap(),
            hex("c10568656c6c6f")
        );
        assert_eq!(pack(b"", 1, FLAG_FIN).unwrap(), hex("8100"));
        assert_eq!(pack(b"12345", 1, FLAG_FIN).unwrap(), hex("81053132333435"));
        assert_eq!(pack(b"ping!", 9, 0).unwrap(), hex("890570696e6721"));
        assert_eq!(pack(b"bye", 8, FLAG_FIN).unwrap(), hex("88050000627965"));
        assert_eq!(pack(b"x", 3, FLAG_FIN).unwrap(), hex("830178"));
        let v = pack(&[b'a'; 126], 1, FLAG_FIN).unwrap();
        assert_eq!(&v[..4], &hex("817e007e")[..]);
        assert_eq!(v.len(), 130);
        let v = pack(&vec![b'a'; 65536], 1, FLAG_FIN).unwrap();
        assert_eq!(&v[..10], &hex("817f0000000000010000")[..]);
        assert_eq!(v.len(), 65546);
    }

    #[test]
    fn pack_errors() {
        assert_eq!(
            pack(b"x", 16, FLAG_FIN).unwrap_err(),
            PackError::OpcodeTooLarge
        );
        assert_eq!(
            pack(b"x", 11, FLAG_FIN).unwrap_err(),
            PackError::OpcodeTooLarge
        );
        assert!(pack(b"x", 10, FLAG_FIN).is_ok());
        assert_eq!(
            PackError::OpcodeTooLarge.to_string(),
            "the maximum value of opcode is 10"
        );
        assert_eq!(
            pack_close(1000, &[b'r'; 126], FLAG_FIN).unwrap_err(),
            PackError::ReasonTooLong
        );
        assert_eq!(
            PackError::ReasonTooLong.to_string(),
            "the max length of close reason is 125"
        );
        assert_eq!(
            pack(&[b'r'; 126], 8, FLAG_FIN).unwrap_err(),
            PackError::ReasonTooLong
        );
        // 125 accepted although the payload is 127 bytes
        let v = pack_close(1000, &[b'r'; 125], FLAG_FIN).unwrap();
        assert_eq!(&v[..4], &[0x88, 126, 0, 127]);
    }

    #[test]
    fn reference_close_vectors() {
        assert_eq!(pack_close(1000, b"", FLAG_FIN).unwrap(), hex("880203e8"));
        assert_eq!(
            pack_close(4000, b"bye", FLAG_FIN).unwrap(),
            hex("88050fa0627965")
        );
        assert_eq!(
            pack_close(4001, b"closeframe", FLAG_FIN).unwrap(),
            hex("880c0fa1636c6f73656672616d65")
        );
        // control frames are FIN even without the flag
        assert_eq!(pack_close(1000, b"", 0).unwrap(), hex("880203e8"));
    }

    #[test]
    fn push_without_negotiated_compression() {
        assert_eq!(
            pack_ex(b"hello", 1, FLAG_FIN | FLAG_COMPRESS, Compressor::Off).unwrap(),
            hex("810568656c6c6f")
        );
        assert_eq!(
            pack_ex(
                b"hello",
                1,
                FLAG_FIN | FLAG_COMPRESS,
                Compressor::PerMessage { window_bits: 15 }
            )
            .unwrap(),
            hex("c107ca48cdc9c90700")
        );
        assert_eq!(
            pack_ex(b"bye", 8, FLAG_FIN | FLAG_COMPRESS, Compressor::Off).unwrap(),
            hex("88050000627965")
        );
        assert_eq!(
            pack_ex(b"x", 11, FLAG_FIN, Compressor::Off).unwrap_err(),
            PackError::OpcodeTooLarge
        );
    }

    #[test]
    fn control_frames_are_never_compressed() {
        let all = FLAG_FIN | FLAG_COMPRESS | FLAG_RSV1;
        assert_eq!(pack(b"bye", 8, all).unwrap(), hex("88050000627965"));
        assert_eq!(pack_close(1000, b"hahahahaha", all).unwrap()[0], 0x88);
        assert_eq!(pack(b"ping!", 9, all).unwrap(), hex("890570696e6721"));
        assert_eq!(pack(b"", 10, all).unwrap(), hex("8a00"));
        // Data frames keep RSV1 and compress.
        assert_eq!(
            pack(b"hello", 1, FLAG_FIN | FLAG_RSV1).unwrap(),
            hex("c10568656c6c6f")
        );
    }

    #[test]
    fn where_deflate_was_agreed_every_whole_data_frame_is_compressed() {
        let agreed = || Compressor::PerMessage { window_bits: 15 };
        let x50 = [b'x'; 50];
        // Default flags (FIN), text and binary: RSV1 and a 6-byte payload,
        // as Swoole sends 50 bytes of 'x'.
        for op in [1u8, 2] {
            let f = pack_push(&x50, op, FLAG_FIN, agreed()).unwrap();
            assert_eq!(f[0], 0xc0 | op);
            assert_eq!(f[1], 6);
        }
        // A fragment (no FIN), a continuation, a ping and an empty
        // payload stay plain.
        assert_eq!(pack_push(&x50, 1, 0, agreed()).unwrap()[0], 0x01);
        assert_eq!(pack_push(&x50, 0, FLAG_FIN, agreed()).unwrap()[0], 0x80);
        assert_eq!(pack_push(b"hi", 9, FLAG_FIN, agreed()).unwrap()[0], 0x89);
        assert_eq!(pack_push(b"", 1, FLAG_FIN, agreed()).unwrap(), hex("8100"));
        // Not agreed: plain, whatever the flags.
        assert_eq!(
            pack_push(&x50, 1, FLAG_FIN | FLAG_COMPRESS, Compressor::Off).unwrap()[0],
            0x81
        );
    }

    #[test]
    fn stream_compressor_keeps_its_window() {
        let mut d = Deflater::new(false, 15);
        let first = pack_ex(
            b"hello hello",
            1,
            FLAG_FIN | FLAG_COMPRESS,
            Compressor::Stream(&mut d),
        )
        .unwrap();
        let second = pack_ex(
            b"hello hello",
            1,
            FLAG_FIN | FLAG_COMPRESS,
            Compressor::Stream(&mut d),
        )
        .unwrap();
        // The repeat refers back into the previous message: shorter.
        assert!(second.len() < first.len(), "{first:02x?} {second:02x?}");
        let mut inf = Inflater::new(false, 15);
        for f in [&first, &second] {
            let mut out = Vec::new();
            inf.decompress(&f[2..], &mut out, 100).unwrap();
            assert_eq!(out, b"hello hello");
        }
    }

    #[test]
    fn compress_empty_is_plain() {
        assert_eq!(pack(b"", 1, FLAG_FIN | FLAG_COMPRESS).unwrap(), hex("8100"));
    }

    #[test]
    fn reference_unpack_vectors() {
        let u = unpack(&hex("810568656c6c6f")).unwrap();
        assert_eq!(
            u,
            Unpacked {
                opcode: 1,
                flags: 1,
                fin: true,
                payload: b"hello".to_vec(),
                close: None
            }
        );
        let u = unpack(&hex("8185 32353845 5a5054295d")).unwrap();
        assert_eq!((u.flags, &u.payload[..]), (33, &b"hello"[..]));
        let u = unpack(&hex("010568656c6c6f")).unwrap();
        assert_eq!((u.flags, u.fin), (0, false));
        let u = unpack(&hex("c107ca48cdc9c90700")).unwrap();
        assert_eq!((u.flags, &u.payload[..]), (7, &b"hello"[..]));
        let u = unpack(&hex("88050fa0627965")).unwrap();
        assert_eq!(u.close, Some((4000, "bye".to_owned())));
        assert!(u.payload.is_empty());
        assert_eq!(u.opcode, 8);
        let u = unpack(&hex("8800")).unwrap();
        assert_eq!(u.close, Some((1000, String::new())));
        // trailing bytes ignored
        let u = unpack(&hex("810568656c6c6f 8100 ffff")).unwrap();
        assert_eq!(u.payload, b"hello");
        // roundtrips
        for flags in [0, FLAG_FIN, FLAG_FIN | FLAG_MASK, FLAG_FIN | FLAG_COMPRESS] {
            let u = unpack(&pack(b"roundtrip", 2, flags).unwrap()).unwrap();
            assert_eq!(u.payload, b"roundtrip");
            assert_eq!(u.opcode, 2);
        }
        let u = unpack(&pack(b"x", 1, FLAG_FIN | FLAG_COMPRESS | FLAG_MASK).unwrap()).unwrap();
        assert_eq!(u.flags, 39);
    }

    #[test]
    fn unpack_errors() {
        assert_eq!(unpack(b"").unwrap_err(), UnpackError::TooShort);
        assert_eq!(unpack(b"x").unwrap_err(), UnpackError::TooShort);
        let e = unpack(b"garbage").unwrap_err();
        assert_eq!(
            e,
            UnpackError::Incomplete {
                expected: 99,
                actual: 7
            }
        );
        assert_eq!(
            e.to_string(),
            "incomplete packet, expected length is 99, actual length is 7"
        );
        assert_eq!(
            unpack(&[0x81, 0xfe, 0]).unwrap_err(),
            UnpackError::Incomplete {
                expected: 8,
                actual: 3
            }
        );
        assert_eq!(
            unpack(&[0x81, 0x7f, 0, 0]).unwrap_err(),
            UnpackError::Incomplete {
                expected: 10,
                actual: 4
            }
        );
        assert!(matches!(
            unpack(&hex("c103ffffff")).unwrap_err(),
            UnpackError::Inflate(_)
        ));
    }

    /// Small deterministic xorshift generator for the no-panic sweeps.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn unpack_random_never_panics() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        for _ in 0..5000 {
            let len = (rng(&mut seed) % 40) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng(&mut seed) as u8).collect();
            let _ = unpack(&data);
        }
    }
}
