//! Swoole's TCP stream framing (`protocol::framing`), on bytes cut into
//! reads.
//!
//! The first byte configures the run:
//!
//! - bits 0-1: the framing: length field, length function, EOF split, EOF
//!   check without split
//! - bits 2-5: the length type (a `pack()` code from [`CODES`]) or the
//!   delimiter's length (1-4 bytes, taken from the input)
//! - bits 6-7: the read size from [`CHUNK`]
//!
//! Beyond "no panic": the packets are the input's bytes in order, none
//! over `package_max_length`; a length-framed packet is exactly its header
//! plus the length it declares; an EOF-split packet ends with the
//! delimiter and holds no other; an error is final.
#![no_main]

use bytes::BytesMut;
use swoole::protocol::framing::{Framer, Framing, LengthType};

const CODES: &[u8] = b"cCsSnvlLNVqQJP";
const CHUNK: [usize; 4] = [1, 3, 16, 4096];
const MAX: usize = 300;

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let pick = usize::from((cfg >> 2) & 15);
    let (framing, stream) = match cfg & 3 {
        0 => {
            let Some(ty) = LengthType::from_code(CODES[pick % CODES.len()]) else {
                return;
            };
            let length_offset = pick % 3;
            let framing = Framing::Length {
                ty,
                length_offset,
                body_offset: length_offset + ty.size(),
            };
            (framing, rest)
        }
        1 => (Framing::LengthFunc, rest),
        n => {
            let eof_len = 1 + pick % 4;
            if rest.len() < eof_len {
                return;
            }
            let (eof, stream) = rest.split_at(eof_len);
            let framing = Framing::Eof {
                eof: eof.to_vec(),
                split: n == 2,
            };
            (framing, stream)
        }
    };
    let chunk = CHUNK[usize::from(cfg >> 6)];
    let mut framer = Framer::new(framing.clone(), MAX);
    // The length function: the first byte is the packet's total length.
    let mut length_func = |b: &[u8]| i64::from(b[0] as i8);
    let mut buf = BytesMut::new();
    let mut out: Vec<u8> = Vec::new();
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match framer.next(&mut buf, &mut length_func) {
                Ok(Some(p)) => {
                    assert!(
                        !p.is_empty() && p.len() <= MAX,
                        "packet of {} bytes",
                        p.len()
                    );
                    check_packet(&framing, &p);
                    out.extend_from_slice(&p);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    // Delivered, then still buffered: exactly the input, in order.
    out.extend_from_slice(&buf);
    assert_eq!(out, stream);
}

fn check_packet(framing: &Framing, p: &[u8]) {
    match framing {
        Framing::Length {
            ty,
            length_offset,
            body_offset,
        } => {
            let declared = ty.read(&p[*length_offset..]).unwrap_or(-1);
            assert_eq!(p.len() as i64, *body_offset as i64 + declared);
        }
        Framing::LengthFunc => assert_eq!(p.len() as i64, i64::from(p[0] as i8)),
        // The packet ends at the first delimiter it holds.
        Framing::Eof { eof, split: true } => {
            let first_end = memchr::memmem::find(p, eof).map(|i| i + eof.len());
            assert_eq!(first_end, Some(p.len()));
        }
        Framing::Eof { eof, split: false } => assert!(p.ends_with(eof)),
        Framing::Raw => {}
    }
}
