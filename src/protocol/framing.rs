//! Swoole's stream framing for plain TCP ports: how received bytes become
//! the packets `onReceive` gets. No IO: the runtime appends what it read to
//! a buffer and asks [`Framer::next`] for complete packets.
//!
//! The framings are Swoole's port settings:
//! - none: each read is delivered as it came ([`Framing::Raw`]);
//! - `open_length_check`: a length field (`package_length_type`, a `pack()`
//!   code, at `package_length_offset`) gives the body length after a header
//!   of `package_body_offset` bytes ([`Framing::Length`]), or
//!   `package_length_func` computes the packet length ([`Framing::LengthFunc`]);
//! - `open_eof_check`: data is delivered once the buffer ends with
//!   `package_eof` (several packets may come together), and with
//!   `open_eof_split` cut after every `package_eof` ([`Framing::Eof`]).
//!
//! `package_max_length` bounds every packet: a longer one is an error that
//! closes the connection, as in Swoole.
//!
//! `runtime/server.rs::serve_stream` runs it for every plain TCP port; the rules are Swoole 6.2's `src/protocol/base.cc`, read, not copied.

use bytes::{Bytes, BytesMut};

/// A `package_length_type`: one of `pack()`'s integer codes that Swoole
/// accepts for a length field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthType {
    /// `c`: signed 8 bit.
    I8,
    /// `C`: unsigned 8 bit.
    U8,
    /// `s`: signed 16 bit, host order.
    I16,
    /// `S`: unsigned 16 bit, host order.
    U16,
    /// `n`: unsigned 16 bit, big endian.
    U16Be,
    /// `v`: unsigned 16 bit, little endian.
    U16Le,
    /// `l`: signed 32 bit, host order.
    I32,
    /// `L`: unsigned 32 bit, host order.
    U32,
    /// `N`: unsigned 32 bit, big endian.
    U32Be,
    /// `V`: unsigned 32 bit, little endian.
    U32Le,
    /// `q`: signed 64 bit, host order.
    I64,
    /// `Q`: unsigned 64 bit, host order.
    U64,
    /// `J`: unsigned 64 bit, big endian.
    U64Be,
    /// `P`: unsigned 64 bit, little endian.
    U64Le,
}

impl LengthType {
    /// The type for a `pack()` code; None for a code Swoole refuses
    /// ("unknown package_length_type").
    pub fn from_code(code: u8) -> Option<LengthType> {
        Some(match code {
            b'c' => LengthType::I8,
            b'C' => LengthType::U8,
            b's' => LengthType::I16,
            b'S' => LengthType::U16,
            b'n' => LengthType::U16Be,
            b'v' => LengthType::U16Le,
            b'l' => LengthType::I32,
            b'L' => LengthType::U32,
            b'N' => LengthType::U32Be,
            b'V' => LengthType::U32Le,
            b'q' => LengthType::I64,
            b'Q' => LengthType::U64,
            b'J' => LengthType::U64Be,
            b'P' => LengthType::U64Le,
            _ => return None,
        })
    }

    /// The field's width in bytes.
    pub fn size(self) -> usize {
        match self {
            LengthType::I8 | LengthType::U8 => 1,
            LengthType::I16 | LengthType::U16 | LengthType::U16Be | LengthType::U16Le => 2,
            LengthType::I32 | LengthType::U32 | LengthType::U32Be | LengthType::U32Le => 4,
            LengthType::I64 | LengthType::U64 | LengthType::U64Be | LengthType::U64Le => 8,
        }
    }

    /// The field's value read from the start of `b` (at least
    /// [`LengthType::size`] bytes), as Swoole reads it into a signed 64-bit
    /// number: an unsigned 64-bit length over `i64::MAX` comes out negative.
    pub fn read(self, b: &[u8]) -> Option<i64> {
        let mut a8 = [0u8; 8];
        let n = self.size();
        a8[..n].copy_from_slice(b.get(..n)?);
        let [b0, b1, b2, b3, ..] = a8;
        Some(match self {
            LengthType::I8 => i64::from(b0 as i8),
            LengthType::U8 => i64::from(b0),
            LengthType::I16 => i64::from(i16::from_ne_bytes([b0, b1])),
            LengthType::U16 => i64::from(u16::from_ne_bytes([b0, b1])),
            LengthType::U16Be => i64::from(u16::from_be_bytes([b0, b1])),
            LengthType::U16Le => i64::from(u16::from_le_bytes([b0, b1])),
            LengthType::I32 => i64::from(i32::from_ne_bytes([b0, b1, b2, b3])),
            LengthType::U32 => i64::from(u32::from_ne_bytes([b0, b1, b2, b3])),
            LengthType::U32Be => i64::from(u32::from_be_bytes([b0, b1, b2, b3])),
            LengthType::U32Le => i64::from(u32::from_le_bytes([b0, b1, b2, b3])),
            LengthType::I64 => i64::from_ne_bytes(a8),
            LengthType::U64 => u64::from_ne_bytes(a8) as i64,
            LengthType::U64Be => u64::from_be_bytes(a8) as i64,
            LengthType::U64Le => u64::from_le_bytes(a8) as i64,
        })
    }
}

/// How a port's byte stream is cut into packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// No framing: every read is one packet.
    Raw,
    /// A length field: the packet is `body_offset + length` bytes.
    Length {
        ty: LengthType,
        length_offset: usize,
        body_offset: usize,
    },
    /// `package_length_func`: the caller's function gives the packet length
    /// from the bytes buffered so far (0: not known yet; negative: invalid).
    LengthFunc,
    /// `package_eof`: `split` cuts after every occurrence (each packet ends
    /// with it), otherwise the whole buffer goes once it ends with it.
    Eof { eof: Vec<u8>, split: bool },
}

/// Why a connection's stream cannot be framed: Swoole closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingError {
    /// A negative length (Swoole: "received N bytes of malformed data").
    Malformed { buffered: usize },
    /// A packet over `package_max_length` (Swoole: "the received packet
    /// length N is too large").
    TooLarge { length: u64 },
}

/// One connection's framing state.
#[derive(Debug, Clone)]
pub struct Framer {
    framing: Framing,
    max_length: usize,
    /// Eof: where the next search for the delimiter starts (what was
    /// searched before holds no delimiter but may end with part of one).
    scanned: usize,
}

impl Framer {
    pub fn new(framing: Framing, max_length: usize) -> Framer {
        Framer {
            framing,
            max_length,
            scanned: 0,
        }
    }

    /// Whether packets end with `package_eof` (for the error's wording).
    pub fn is_eof(&self) -> bool {
        matches!(self.framing, Framing::Eof { .. })
    }

    /// How much of the stream Swoole has read from the socket when it
    /// reports a framing error at the front of the buffer: a length
    /// header alone, or an EOF buffer up to `package_max_length`. None
    /// when it may have read anything (a length function, no framing).
    /// What lies beyond is unread data in Swoole's socket, so its close
    /// is a reset.
    pub fn read_at_error(&self) -> Option<usize> {
        match &self.framing {
            Framing::Length {
                ty, length_offset, ..
            } => Some(length_offset.saturating_add(ty.size())),
            Framing::Eof { .. } => Some(self.max_length),
            Framing::Raw | Framing::LengthFunc => None,
        }
    }

    /// The next complete packet at the front of `buf`, taken out of it;
    /// None when more bytes are needed. `length_func` serves
    /// [`Framing::LengthFunc`] only. Call again until None: one read may
    /// bring several packets.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        length_func: &mut dyn FnMut(&[u8]) -> i64,
    ) -> Result<Option<Bytes>, FramingError> {
        if buf.is_empty() {
            return Ok(None);
        }
        match &self.framing {
            Framing::Raw => Ok(Some(buf.split().freeze())),
            Framing::Length {
                ty,
                length_offset,
                body_offset,
            } => {
                let end = length_offset.saturating_add(ty.size());
                if buf.len() < end {
                    return Ok(None);
                }
                let length = ty.read(&buf[*length_offset..end]).unwrap_or(-1);
                if length < 0 {
                    // Swoole reads a packet's header alone, then judges it.
                    return Err(FramingError::Malformed { buffered: end });
                }
                let total = (*body_offset as u64).saturating_add(length as u64);
                self.take_length(buf, total)
            }
            Framing::LengthFunc => match length_func(buf) {
                0 => Ok(None),
                n if n < 0 => Err(FramingError::Malformed {
                    buffered: buf.len(),
                }),
                n => self.take_length(buf, n as u64),
            },
            Framing::Eof { eof, split } => {
                let eof_len = eof.len().max(1);
                // Swoole never buffers past package_max_length: a delimiter
                // beyond it is never reached.
                let limit = buf.len().min(self.max_length);
                if *split {
                    let from = self.scanned.min(limit);
                    if let Some(at) = memchr::memmem::find(&buf[from..limit], eof) {
                        self.scanned = 0;
                        let end = from + at + eof.len();
                        return Ok(Some(buf.split_to(end).freeze()));
                    }
                    // The tail may hold the start of a delimiter.
                    self.scanned = limit.saturating_sub(eof_len - 1);
                } else if buf[..limit].ends_with(eof) {
                    return Ok(Some(buf.split_to(limit).freeze()));
                }
                if buf.len() >= self.max_length {
                    return Err(FramingError::TooLarge {
                        length: buf.len() as u64,
                    });
                }
                Ok(None)
            }
        }
    }

    fn take_length(&self, buf: &mut BytesMut, total: u64) -> Result<Option<Bytes>, FramingError> {
        if total > self.max_length as u64 {
            return Err(FramingError::TooLarge { length: total });
        }
        // total <= max_length, a usize.
        let total = total as usize;
        if buf.len() < total {
            // Room for the whole packet at once, not grown read by read.
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        Ok(Some(buf.split_to(total).freeze()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_func(_: &[u8]) -> i64 {
        panic!("no length function here")
    }

    /// Feeds `chunks` one read at a time; returns the packets (or the error).
    fn frame(framer: &mut Framer, chunks: &[&[u8]]) -> Result<Vec<Vec<u8>>, FramingError> {
        let mut buf = BytesMut::new();
        let mut out = vec![];
        for c in chunks {
            buf.extend_from_slice(c);
            while let Some(p) = framer.next(&mut buf, &mut no_func)? {
                out.push(p.to_vec());
            }
        }
        Ok(out)
    }

    fn length(ty: u8, length_offset: usize, body_offset: usize, max: usize) -> Framer {
        let ty = LengthType::from_code(ty).unwrap();
        Framer::new(
            Framing::Length {
                ty,
                length_offset,
                body_offset,
            },
            max,
        )
    }

    #[test]
    fn length_types_read_as_swoole_reads_them() {
        assert_eq!(
            LengthType::from_code(b'N').unwrap().read(&[0, 0, 1, 2]),
            Some(258)
        );
        assert_eq!(
            LengthType::from_code(b'n').unwrap().read(&[1, 2]),
            Some(258)
        );
        assert_eq!(
            LengthType::from_code(b'V').unwrap().read(&[2, 1, 0, 0]),
            Some(258)
        );
        assert_eq!(
            LengthType::from_code(b'v').unwrap().read(&[2, 1]),
            Some(258)
        );
        assert_eq!(LengthType::from_code(b'c').unwrap().read(&[0xff]), Some(-1));
        assert_eq!(
            LengthType::from_code(b'C').unwrap().read(&[0xff]),
            Some(255)
        );
        assert_eq!(
            LengthType::from_code(b'J')
                .unwrap()
                .read(&[0, 0, 0, 0, 0, 0, 1, 0]),
            Some(256)
        );
        assert_eq!(
            LengthType::from_code(b'P').unwrap().read(&[0xff; 8]),
            Some(-1)
        );
        assert_eq!(LengthType::from_code(b'l').unwrap().read(&[1, 2]), None);
        for code in [b'i', b'I', b'x', b'a', 0] {
            assert_eq!(LengthType::from_code(code), None);
        }
        let sizes: Vec<usize> = b"cCsSnvlLNVqQJP"
            .iter()
            .map(|&c| LengthType::from_code(c).unwrap().size())
            .collect();
        assert_eq!(sizes, [1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8]);
    }

    #[test]
    fn length_check_cuts_packets_split_over_reads_and_many_in_one_read() {
        // 'N' length at offset 0, body after the 4-byte header.
        let mut f = length(b'N', 0, 4, 1024);
        let p1 = b"\x00\x00\x00\x05hello";
        let p2 = b"\x00\x00\x00\x00";
        let p3 = b"\x00\x00\x00\x03abc";
        let all: Vec<u8> = [&p1[..], p2, p3].concat();
        assert_eq!(frame(&mut f, &[&all]).unwrap(), [&p1[..], p2, p3]);
        // The same bytes one at a time.
        let bytes: Vec<&[u8]> = all.chunks(1).collect();
        assert_eq!(frame(&mut f, &bytes).unwrap(), [&p1[..], p2, p3]);
        // A header before the length field, and a body offset past it.
        let mut f = length(b'n', 2, 6, 1024);
        let p = b"HD\x00\x03xyabc";
        assert_eq!(frame(&mut f, &[&p[..5], &p[5..]]).unwrap(), [&p[..]]);
    }

    #[test]
    fn bad_and_oversized_lengths_are_errors() {
        let mut f = length(b'l', 0, 4, 1024);
        assert_eq!(
            frame(&mut f, &[&(-5i32).to_ne_bytes()]),
            Err(FramingError::Malformed { buffered: 4 })
        );
        // What follows the header is not counted: Swoole reads the header
        // alone.
        let mut f = length(b'c', 0, 1, 1024);
        assert_eq!(
            frame(&mut f, &[b"\xffxyz"]),
            Err(FramingError::Malformed { buffered: 1 })
        );
        assert_eq!(f.read_at_error(), Some(1));
        let mut f = length(b'N', 0, 4, 100);
        assert_eq!(
            frame(&mut f, &[b"\x00\x00\x00\x61"]),
            Err(FramingError::TooLarge { length: 101 })
        );
        // Exactly the limit is fine.
        let mut f = length(b'N', 0, 4, 100);
        let p = [&b"\x00\x00\x00\x60"[..], &[7u8; 96]].concat();
        assert_eq!(frame(&mut f, &[&p]).unwrap(), vec![p]);
        // An unsigned 64-bit length over i64::MAX reads negative.
        let mut f = length(b'J', 0, 8, 100);
        assert!(matches!(
            frame(&mut f, &[&[0xff; 8]]),
            Err(FramingError::Malformed { .. })
        ));
    }

    #[test]
    fn a_length_function_decides_the_packet_length() {
        let mut f = Framer::new(Framing::LengthFunc, 64);
        let mut buf = BytesMut::from(&b"3:abc2:de"[..]);
        let mut func = |b: &[u8]| match b.iter().position(|&c| c == b':') {
            Some(i) => match std::str::from_utf8(&b[..i]).unwrap().parse::<i64>() {
                Ok(n) => i as i64 + 1 + n,
                Err(_) => -1,
            },
            None => 0,
        };
        assert_eq!(
            f.next(&mut buf, &mut func).unwrap().as_deref(),
            Some(&b"3:abc"[..])
        );
        assert_eq!(
            f.next(&mut buf, &mut func).unwrap().as_deref(),
            Some(&b"2:de"[..])
        );
        assert_eq!(f.next(&mut buf, &mut func).unwrap(), None);
        buf.extend_from_slice(b"x:");
        assert!(f.next(&mut buf, &mut func).is_err());
    }

    #[test]
    fn eof_split_cuts_after_every_delimiter_even_across_reads() {
        let eof = Framing::Eof {
            eof: b"\r\n".to_vec(),
            split: true,
        };
        let mut f = Framer::new(eof.clone(), 1024);
        assert_eq!(
            frame(&mut f, &[b"a\r\nbb\r", b"\nccc", b"\r\n"]).unwrap(),
            [&b"a\r\n"[..], b"bb\r\n", b"ccc\r\n"]
        );
        let mut f = Framer::new(eof.clone(), 8);
        assert_eq!(
            frame(&mut f, &[b"0123", b"4567"]),
            Err(FramingError::TooLarge { length: 8 })
        );
        let mut f = Framer::new(eof, 8);
        assert_eq!(
            frame(&mut f, &[b"012345\r\n9"]).unwrap(),
            [&b"012345\r\n"[..]]
        );
        assert!(frame(&mut f, &[b"0123456\r\n"]).is_err());
    }

    #[test]
    fn eof_check_without_split_delivers_the_buffer_when_it_ends_with_the_delimiter() {
        let mut f = Framer::new(
            Framing::Eof {
                eof: b"\n".to_vec(),
                split: false,
            },
            1024,
        );
        // Two packets in one read come together, as in Swoole.
        assert_eq!(frame(&mut f, &[b"a\nb", b"\n"]).unwrap(), [&b"a\nb\n"[..]]);
        // Nothing past package_max_length is ever a packet.
        let mut f = Framer::new(
            Framing::Eof {
                eof: b"\n".to_vec(),
                split: false,
            },
            4,
        );
        assert_eq!(frame(&mut f, &[b"abc\nd"]).unwrap(), [&b"abc\n"[..]]);
        assert!(frame(&mut f, &[b"abcd\n"]).is_err());
    }

    #[test]
    fn raw_delivers_each_read_as_it_came() {
        let mut f = Framer::new(Framing::Raw, 1024);
        assert_eq!(frame(&mut f, &[b"ab", b"c"]).unwrap(), [&b"ab"[..], b"c"]);
    }
}
