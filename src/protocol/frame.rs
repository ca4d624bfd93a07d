//! RFC 6455 §5.2 frame codec.
//!
//! Decoding is incremental: [`Frame::decode`] looks at the front of a
//! connection's read buffer and either takes exactly one whole frame out of it
//! or leaves it untouched and asks for more bytes. It is deliberately
//! permissive: reserved bits, reserved opcodes and unmasked frames are
//! *reported* in the [`Frame`], not rejected, because what to do about them
//! (close with 1002, or accept them as Swoole does) is a policy decision that
//! belongs to [`crate::protocol::message`] and to the `pack`/`unpack` helpers.
//! The one thing decided here is the size limit, because it must be enforced
//! before the payload is buffered.

use bytes::{Buf, Bytes, BytesMut};
use std::fmt;

/// Frame opcodes (RFC 6455 §5.2, §11.8).
pub mod opcode {
    /// Continues a fragmented TEXT or BINARY message.
    pub const CONTINUATION: u8 = 0;
    /// First frame of a UTF-8 text message.
    pub const TEXT: u8 = 1;
    /// First frame of a binary message.
    pub const BINARY: u8 = 2;
    /// Close handshake.
    pub const CLOSE: u8 = 8;
    /// Ping; the peer answers with a pong carrying the same payload.
    pub const PING: u8 = 9;
    /// Pong (answer to a ping, or an unsolicited heartbeat).
    pub const PONG: u8 = 10;

    /// Control opcodes are those with the high bit of the nibble set (8-15),
    /// including the reserved ones, because RFC 6455 §5.5 defines control
    /// frames by that bit and the restrictions on them (FIN set, payload of at
    /// most 125 bytes) apply whether or not the opcode is known.
    pub fn is_control(op: u8) -> bool {
        op & 0x08 != 0
    }

    /// The opcodes RFC 6455 defines; everything else (3-7, 11-15) is reserved.
    pub fn is_known(op: u8) -> bool {
        matches!(op, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG)
    }
}

/// RSV1 as it sits in the first header byte (permessage-deflate's "compressed" bit).
pub const RSV1: u8 = 0x40;
/// RSV2 as it sits in the first header byte.
pub const RSV2: u8 = 0x20;
/// RSV3 as it sits in the first header byte.
pub const RSV3: u8 = 0x10;

/// Largest payload a control frame may carry (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// Most capacity [`Frame::decode`] reserves ahead of received bytes.
pub const RESERVE_AHEAD: usize = 64 * 1024;

/// Longest possible frame header: 2 bytes, 8 bytes of extended length, 4 of mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Final fragment of a message.
    pub fin: bool,
    /// Reserved bit 1 (permessage-deflate: "this message is compressed").
    pub rsv1: bool,
    /// Reserved bit 2 (no extension we support uses it).
    pub rsv2: bool,
    /// Reserved bit 3 (no extension we support uses it).
    pub rsv3: bool,
    /// The 4-bit opcode, unvalidated.
    pub opcode: u8,
    /// Whether the frame carried a masking key (client-to-server frames must).
    pub masked: bool,
    /// The payload, already unmasked.
    pub payload: Bytes,
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The header declares a payload longer than the configured maximum
    /// (Swoole's `package_max_length`). Detected from the header alone, so
    /// the payload is never buffered.
    TooLarge {
        /// The declared payload length.
        len: u64,
        /// The limit it exceeds.
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { len, max } => write!(
                f,
                "the received packet length {len} is too large (maximum {max})"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// A parsed frame header: what [`Frame::decode`] and [`expected_len`] share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// First header byte as sent (FIN, RSV1-3, opcode).
    pub first: u8,
    /// Mask key, if the MASK bit was set.
    pub mask: Option<[u8; 4]>,
    /// Bytes taken by the header, including extended length and mask key.
    pub header_len: usize,
    /// Declared payload length.
    pub payload_len: u64,
}

impl Header {
    /// Parses a frame header from the front of `buf`; `None` when `buf` does
    /// not hold the whole header yet.
    pub fn parse(buf: &[u8]) -> Option<Header> {
        let (&b0, rest) = buf.split_first()?;
        let (&b1, rest) = rest.split_first()?;
        let masked = b1 & 0x80 != 0;
        let (payload_len, ext_len) = match b1 & 0x7f {
            126 => {
                let ext: [u8; 2] = rest.get(..2)?.try_into().ok()?;
                (u64::from(u16::from_be_bytes(ext)), 2)
            }
            127 => {
                let ext: [u8; 8] = rest.get(..8)?.try_into().ok()?;
                (u64::from_be_bytes(ext), 8)
            }
            n => (u64::from(n), 0),
        };
        let mask = if masked {
            let key: [u8; 4] = rest.get(ext_len..ext_len + 4)?.try_into().ok()?;
            Some(key)
        } else {
            None
        };
        Some(Header {
            first: b0,
            mask,
            header_len: 2 + ext_len + if masked { 4 } else { 0 },
            payload_len,
        })
    }
}

/// Total length (header + payload) of the frame at the front of `buf`, once
/// its header is complete. Used for Swoole's "incomplete packet, expected
/// length is N, actual length is M" message.
pub fn expected_len(buf: &[u8]) -> Option<u64> {
    let h = Header::parse(buf)?;
    Some((h.header_len as u64).saturating_add(h.payload_len))
}

impl Frame {
    /// Decodes one frame from the front of `buf`.
    ///
    /// On `Ok(Some(_))` exactly that frame's bytes have been removed from
    /// `buf` (the payload is split off without copying). On `Ok(None)` nothing
    /// was consumed; the buffer's capacity may have been grown to fit the rest
    /// of the frame (up to [`RESERVE_AHEAD`]) so the next read lands in place.
    /// A declared length above
    /// `max_payload` fails as soon as the header is complete.
    pub fn decode(buf: &mut BytesMut, max_payload: usize) -> Result<Option<Frame>, FrameError> {
        let Some(h) = Header::parse(buf) else {
            return Ok(None);
        };
        if h.payload_len > max_payload as u64 {
            return Err(FrameError::TooLarge {
                len: h.payload_len,
                max: max_payload,
            });
        }
        // `payload_len <= max_payload`, so the cast is lossless; the sum can
        // still overflow when `max_payload` is close to `usize::MAX`.
        let Some(total) = h.header_len.checked_add(h.payload_len as usize) else {
            return Err(FrameError::TooLarge {
                len: h.payload_len,
                max: max_payload,
            });
        };
        if buf.len() < total {
            // Make room for the rest of the frame, but at most 64 KiB ahead of
            // the bytes actually received: a client announcing a 2 MiB frame
            // and sending nothing must not cost 2 MiB per connection.
            buf.reserve((total - buf.len()).min(RESERVE_AHEAD));
            return Ok(None);
        }
        let mut payload = buf.split_to(total);
        payload.advance(h.header_len);
        if let Some(key) = h.mask {
            apply_mask(&mut payload, key);
        }
        Ok(Some(Frame {
            fin: h.first & 0x80 != 0,
            rsv1: h.first & RSV1 != 0,
            rsv2: h.first & RSV2 != 0,
            rsv3: h.first & RSV3 != 0,
            opcode: h.first & 0x0f,
            masked: h.mask.is_some(),
            payload: payload.freeze(),
        }))
    }

    /// The RSV bits as they sit in the first header byte (see [`RSV1`]).
    pub fn rsv_bits(&self) -> u8 {
        (if self.rsv1 { RSV1 } else { 0 })
            | (if self.rsv2 { RSV2 } else { 0 })
            | (if self.rsv3 { RSV3 } else { 0 })
    }
}

/// XORs `data` with the 4-byte masking key (RFC 6455 §5.3), starting at key
/// offset 0. Masking is on the path of every byte a client sends, so the
/// aligned middle of `data` is done 16 bytes at a time (which the compiler
/// turns into vector instructions); a byte loop is many times slower.
pub fn apply_mask(data: &mut [u8], mask: [u8; 4]) {
    // SAFETY: every bit pattern is a valid u128, and `align_to_mut` only
    // splits `data` at the alignment boundaries.
    let (head, words, tail) = unsafe { data.align_to_mut::<u128>() };
    for (i, b) in head.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
    // The key offset where the aligned words start; 16 is a multiple of 4,
    // so the tail starts at the same offset.
    let at = head.len() & 3;
    let key = [
        mask[at],
        mask[(at + 1) & 3],
        mask[(at + 2) & 3],
        mask[(at + 3) & 3],
    ];
    let mut repeated = [0u8; 16];
    for (i, b) in repeated.iter_mut().enumerate() {
        *b = key[i & 3];
    }
    let word = u128::from_ne_bytes(repeated);
    for w in words.iter_mut() {
        *w ^= word;
    }
    for (i, b) in tail.iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// Writes a frame header with the shortest length encoding.
///
/// `rsv_bits` are the reserved bits as they sit in the first byte
/// ([`RSV1`] = 0x40, [`RSV2`] = 0x20, [`RSV3`] = 0x10); other bits are ignored.
pub fn encode_header(
    out: &mut Vec<u8>,
    fin: bool,
    rsv_bits: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload_len: usize,
) {
    let b0 = (if fin { 0x80 } else { 0 }) | (rsv_bits & 0x70) | (opcode & 0x0f);
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    out.push(b0);
    if payload_len < 126 {
        out.push(mask_bit | payload_len as u8);
    } else if let Ok(len16) = u16::try_from(payload_len) {
        out.push(mask_bit | 126);
        out.extend_from_slice(&len16.to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(payload_len as u64).to_be_bytes());
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
}

/// The length of the header [`encode_header`] writes.
pub fn header_len(masked: bool, payload_len: usize) -> usize {
    let len = if payload_len < 126 {
        2
    } else if payload_len <= usize::from(u16::MAX) {
        4
    } else {
        10
    };
    len + if masked { 4 } else { 0 }
}

/// Writes a whole frame: header, then the payload (masked with `mask` when given).
pub fn encode(
    out: &mut Vec<u8>,
    fin: bool,
    rsv_bits: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    // Exactly: a frame whose Vec is full becomes `Bytes` without another
    // allocation.
    out.reserve_exact(header_len(mask.is_some(), payload.len()) + payload.len());
    encode_header(out, fin, rsv_bits, opcode, mask, payload.len());
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        apply_mask(&mut out[start..], key);
    }
}

/// Encodes a frame into shareable bytes: the runtime encodes a push once and
/// hands the same buffer to every connection it goes to.
pub fn encode_to_bytes(
    fin: bool,
    rsv_bits: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) -> Bytes {
    let mut out = Vec::new();
    encode(&mut out, fin, rsv_bits, opcode, mask, payload);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_are_allocated_exactly() {
        for len in [0usize, 1, 125, 126, 65535, 65536, 70000] {
            for mask in [None, Some([1, 2, 3, 4])] {
                let payload = vec![7u8; len];
                let mut out = Vec::new();
                encode(&mut out, true, 0, 2, mask, &payload);
                assert_eq!(out.len(), header_len(mask.is_some(), len) + len);
                assert_eq!(out.capacity(), out.len(), "len {len} mask {mask:?}");
            }
        }
    }

    use super::*;

    fn enc(fin: bool, rsv: u8, op: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode(&mut v, fin, rsv, op, mask, payload);
        v
    }

    fn dec_all(bytes: &[u8], max: usize) -> Result<Option<Frame>, FrameError> {
        let mut b = BytesMut::from(bytes);
        Frame::decode(&mut b, max)
    }

    #[test]
    fn opcode_classes() {
        for op in 0..16u8 {
            assert_eq!(opcode::is_control(op), op >= 8, "op {op}");
            assert_eq!(
                opcode::is_known(op),
                matches!(op, 0 | 1 | 2 | 8 | 9 | 10),
                "op {op}"
            );
        }
    }

    #[test]
    fn encode_short_text() {
        assert_eq!(enc(true, 0, 1, None, b"hello"), b"\x81\x05hello");
        assert_eq!(enc(false, 0, 1, None, b"hello"), b"\x01\x05hello");
        assert_eq!(enc(true, 0, 1, None, b""), b"\x81\x00");
        assert_eq!(enc(true, RSV1, 1, None, b"x")[0], 0xc1);
        assert_eq!(enc(true, 0xff, 0x1f, None, b"")[0], 0x80 | 0x70 | 0x0f);
    }

    #[test]
    fn encode_masked_matches_rfc_example() {
        // RFC 6455 §5.7: masked "Hello".
        let v = enc(true, 0, 1, Some([0x37, 0xfa, 0x21, 0x3d]), b"Hello");
        assert_eq!(
            v,
            [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
    }

    #[test]
    fn length_encodings_are_shortest() {
        for (len, hdr) in [
            (0usize, 2usize),
            (125, 2),
            (126, 4),
            (65535, 4),
            (65536, 10),
            (70000, 10),
        ] {
            let payload = vec![0xabu8; len];
            let v = enc(true, 0, 2, None, &payload);
            assert_eq!(v.len(), hdr + len, "len {len}");
            assert_eq!(expected_len(&v), Some((hdr + len) as u64));
            let f = dec_all(&v, usize::MAX).unwrap().unwrap();
            assert_eq!(f.payload.len(), len);
            assert_eq!(f.opcode, 2);
        }
        let v = enc(true, 0, 1, None, &[0; 126]);
        assert_eq!(&v[..4], &[0x81, 126, 0, 126]);
        let v = enc(true, 0, 1, None, &[0; 65536]);
        assert_eq!(&v[..10], &[0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
        let v = enc(true, 0, 1, Some(*b"abcd"), &[0; 126]);
        assert_eq!(&v[..8], &[0x81, 0x80 | 126, 0, 126, b'a', b'b', b'c', b'd']);
    }

    #[test]
    fn decode_masked_roundtrip_all_small_lengths() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for len in 0..300usize {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let v = enc(true, 0, 2, Some(key), &payload);
            let mut b = BytesMut::from(&v[..]);
            let f = Frame::decode(&mut b, 1 << 20).unwrap().unwrap();
            assert!(b.is_empty());
            assert!(f.masked && f.fin && !f.rsv1);
            assert_eq!(&f.payload[..], &payload[..], "len {len}");
        }
    }

    #[test]
    fn decode_reports_bits_without_rejecting() {
        let v = [0x7b, 0x00]; // FIN=0, RSV1..3 set, opcode 11, unmasked
        let f = dec_all(&v, 10).unwrap().unwrap();
        assert!(!f.fin && f.rsv1 && f.rsv2 && f.rsv3 && !f.masked);
        assert_eq!(f.opcode, 11);
        assert_eq!(f.rsv_bits(), 0x70);
    }

    #[test]
    fn decode_partial_at_every_boundary_consumes_nothing() {
        let mut stream = enc(true, 0, 1, Some(*b"258E"), b"first frame");
        stream.extend(enc(true, 0, 2, None, &[9u8; 300]));
        stream.extend(enc(false, 0, 1, Some(*b"wxyz"), &[1u8; 70000]));
        for cut in 0..stream.len() {
            let mut b = BytesMut::from(&stream[..cut]);
            let mut got = Vec::new();
            while let Some(f) = Frame::decode(&mut b, 1 << 20).unwrap() {
                got.push(f);
            }
            // whatever is left must be a strict prefix of the next frame
            let consumed = cut - b.len();
            assert_eq!(&stream[consumed..cut], &b[..]);
            b.extend_from_slice(&stream[cut..]);
            while let Some(f) = Frame::decode(&mut b, 1 << 20).unwrap() {
                got.push(f);
            }
            assert!(b.is_empty());
            assert_eq!(got.len(), 3, "cut {cut}");
            assert_eq!(&got[0].payload[..], b"first frame");
            assert_eq!(got[1].payload.len(), 300);
            assert_eq!(got[2].payload.len(), 70000);
            assert!(!got[2].fin);
            if cut > 400 {
                // only check a few cuts in the big frame to keep it fast
                break;
            }
        }
    }

    #[test]
    fn too_large_rejected_from_header_alone() {
        // 16-bit length header only, no payload bytes at all
        let err = dec_all(&[0x82, 126, 0x01, 0x00], 255).unwrap_err();
        assert_eq!(err, FrameError::TooLarge { len: 256, max: 255 });
        // exactly at the limit is fine (waits for payload)
        assert_eq!(dec_all(&[0x82, 126, 0x00, 0xff], 255).unwrap(), None);
        // 64-bit length with the MSB set: too large, no overflow
        let mut v = vec![0x82, 127];
        v.extend_from_slice(&u64::MAX.to_be_bytes());
        let err = dec_all(&v, usize::MAX).unwrap_err();
        assert!(matches!(err, FrameError::TooLarge { len: u64::MAX, .. }));
        assert!(err.to_string().contains("too large"));
        // 7-bit length over a tiny limit
        assert!(dec_all(&[0x81, 0x05], 4).is_err());
    }

    #[test]
    fn announced_size_does_not_reserve_everything() {
        let mut b = BytesMut::from(&[0x82u8, 127, 0, 0, 0, 0, 0, 0x10, 0, 0][..]);
        assert_eq!(Frame::decode(&mut b, 2 << 20), Ok(None));
        assert_eq!(b.len(), 10);
        assert!(b.capacity() >= 10 + 1024);
        assert!(b.capacity() < 1 << 20, "capacity {}", b.capacity());
    }

    #[test]
    fn expected_len_needs_complete_header() {
        assert_eq!(expected_len(b""), None);
        assert_eq!(expected_len(b"\x81"), None);
        assert_eq!(expected_len(b"\x81\x85abc"), None);
        assert_eq!(expected_len(b"\x81\x85abcd"), Some(11));
        assert_eq!(expected_len(b"garbage"), Some(99));
        assert_eq!(expected_len(&[0x81, 126, 0]), None);
        assert_eq!(expected_len(&[0x81, 127, 0, 0, 0, 0, 0, 0, 0]), None);
        let mut v = vec![0x81, 127];
        v.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(expected_len(&v), Some(u64::MAX));
    }

    #[test]
    fn apply_mask_matches_bytewise_and_is_involution() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        // Every start alignment (a payload sits after a 2- to 14-byte
        // header) and lengths around the 16-byte words.
        let mut backing = [0u8; 200];
        for start in 0..17 {
            for len in 0..150 {
                let orig: Vec<u8> = (0..len).map(|i| (i * 7 + start) as u8).collect();
                let fast = &mut backing[start..start + len];
                fast.copy_from_slice(&orig);
                apply_mask(fast, key);
                let slow: Vec<u8> = orig
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ key[i % 4])
                    .collect();
                assert_eq!(fast, &slow[..], "start {start} len {len}");
                apply_mask(fast, key);
                assert_eq!(fast, &orig[..]);
            }
        }
    }

    #[test]
    fn encode_to_bytes_same_as_encode() {
        let b = encode_to_bytes(true, 0, 9, None, b"hi");
        assert_eq!(&b[..], b"\x89\x02hi");
    }
}
