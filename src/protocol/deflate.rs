//! permessage-deflate (RFC 7692) on top of flate2's raw deflate.
//!
//! One [`Deflater`] and one [`Inflater`] per connection and direction. A
//! message is compressed as a whole with a sync flush and the trailing
//! `00 00 ff ff` removed (§7.2.1); on receipt the trailer is put back before
//! the final inflate (§7.2.2). With "no context takeover" the (de)compressor is
//! reset after every message, otherwise the LZ77 window carries over.
//!
//! flate2 runs on the zlib-rs backend (pure Rust, zlib's algorithms), which
//! takes a window size: a compressor honours a negotiated
//! `server_max_window_bits` (9-15; zlib cannot compress raw deflate with an
//! 8-bit window, so negotiation declines an offer asking for 8), and an
//! inflater keeps only the window the client agreed to. Back-references
//! before the start of the data are rejected as zlib does ("invalid distance
//! too far back"), where miniz_oxide read them as zeros.
//!
//! Inflation is bounded: [`Inflater`] never produces more than `max_out + 1`
//! bytes, so a small "decompression bomb" cannot allocate more than the
//! message limit allows.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::fmt;

/// The 4 bytes a sync flush ends with, removed on send and restored on receipt.
pub const TRAILER: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The extension value Swoole answers with when `websocket_compression` is on
/// and the client offers permessage-deflate (reference §1), whatever the offer's
/// parameters were.
pub const SWOOLE_RESPONSE_VALUE: &str =
    "permessage-deflate; client_no_context_takeover; server_no_context_takeover";

/// The largest (and default) LZ77 window: 32 KiB.
pub const MAX_WINDOW_BITS: u8 = 15;

/// The smallest window zlib's raw deflate can compress or inflate with.
const MIN_BACKEND_WINDOW_BITS: u8 = 9;

/// Output is produced in pieces this big at most, so the limit check runs
/// before much more than the limit is ever allocated.
const SCRATCH: usize = 32 * 1024;

/// Why an inflate failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeflateError {
    /// Inflating would produce more than `max` bytes.
    TooLarge {
        /// The output limit that was hit.
        max: usize,
    },
    /// The compressed data is not valid deflate data.
    Corrupt(String),
}

impl fmt::Display for DeflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeflateError::TooLarge { max } => {
                write!(f, "inflated message exceeds {max} bytes")
            }
            DeflateError::Corrupt(e) => write!(f, "invalid compressed data: {e}"),
        }
    }
}

impl std::error::Error for DeflateError {}

/// Per-connection message compressor (one per direction).
pub struct Deflater {
    c: Compress,
    no_context_takeover: bool,
    window_bits: u8,
}

impl fmt::Debug for Deflater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("window_bits", &self.window_bits)
            .finish()
    }
}

impl Deflater {
    /// A compressor at zlib's default level (6), which is what Swoole uses.
    pub fn new(no_context_takeover: bool, window_bits: u8) -> Deflater {
        Deflater::with_level(
            no_context_takeover,
            window_bits,
            Compression::default().level(),
        )
    }

    /// A compressor at an explicit level (0-9, clamped).
    pub fn with_level(no_context_takeover: bool, window_bits: u8, level: u32) -> Deflater {
        Deflater {
            c: Compress::new_with_window_bits(
                Compression::new(level.min(9)),
                false,
                window_bits.clamp(MIN_BACKEND_WINDOW_BITS, MAX_WINDOW_BITS),
            ),
            no_context_takeover,
            window_bits,
        }
    }

    /// The negotiated window bits this compressor was created for.
    pub fn window_bits(&self) -> u8 {
        self.window_bits
    }

    /// Compresses one whole message and appends it to `out`, without the
    /// trailing `00 00 ff ff` (RFC 7692 §7.2.1).
    pub fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        // zlib's deflateBound, plus the sync marker: the whole message fits.
        out.reserve(data.len() + (data.len() >> 3) + (data.len() >> 6) + 64);
        let mut input = data;
        let mut stalls = 0;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(input.len().max(4096));
            }
            let (in0, out0) = (self.c.total_in(), self.c.total_out());
            let res = self.c.compress_vec(input, out, FlushCompress::Sync);
            let used = (self.c.total_in() - in0) as usize;
            let produced = self.c.total_out() - out0;
            input = input.get(used..).unwrap_or_default();
            // Compression of in-memory data cannot fail except through misuse;
            // stop rather than loop if it ever does.
            if res.is_err() {
                break;
            }
            // The sync flush is complete once its empty stored block (ending
            // in 00 00 ff ff) is out. Free room in the buffer proves nothing:
            // miniz_oxide may return with room left and the flush unfinished
            // (Autobahn 12.2.9 caught messages cut short that way).
            if input.is_empty() && out.len() >= start + 4 && out[out.len() - 4..] == TRAILER {
                break;
            }
            if used == 0 && produced == 0 {
                stalls += 1;
                if stalls > 8 {
                    break;
                }
            } else {
                stalls = 0;
            }
        }
        if out.len() >= start + 4 && out[out.len() - 4..] == TRAILER {
            out.truncate(out.len() - 4);
        } else if out.len() == start {
            // zlib makes no output for an empty message right after a sync
            // flush (nothing to flush). The stream is byte-aligned there, so
            // an empty stored block minus its trailer, a single 0x00, is the
            // empty message (RFC 7692 §7.2.3.6).
            out.push(0x00);
        }
        if self.no_context_takeover {
            self.c.reset();
        }
    }

    /// Compresses `data` as one message with a fresh compressor (what Swoole's
    /// static `pack()` does with `SWOOLE_WEBSOCKET_FLAG_COMPRESS`).
    pub fn compress_once(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Deflater::compress_message(data, MAX_WINDOW_BITS, &mut out);
        out
    }

    /// Compresses `data` as one standalone message (no context takeover) with
    /// a `window_bits` window, appending to `out`. The compressor is this
    /// thread's, reset after each message: a compressor is ~370 KiB, too
    /// much to allocate per message or to keep per connection.
    pub fn compress_message(data: &[u8], window_bits: u8, out: &mut Vec<u8>) {
        thread_local! {
            static CACHED: std::cell::RefCell<Vec<Deflater>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let bits = window_bits.clamp(MIN_BACKEND_WINDOW_BITS, MAX_WINDOW_BITS);
        let taken = CACHED.with(|c| {
            let mut c = c.borrow_mut();
            let i = c.iter().position(|d| d.window_bits == bits)?;
            Some(c.swap_remove(i))
        });
        let mut d = taken.unwrap_or_else(|| Deflater::new(true, bits));
        d.compress(data, out);
        // compress() resets a no-context-takeover compressor after the message.
        CACHED.with(|c| c.borrow_mut().push(d));
    }
}

/// Per-connection message decompressor (one per direction).
pub struct Inflater {
    d: Decompress,
    no_context_takeover: bool,
    window_bits: u8,
    /// The peer ended the deflate stream (BFINAL) inside the current message.
    ended: bool,
}

impl fmt::Debug for Inflater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("window_bits", &self.window_bits)
            .finish()
    }
}

impl Inflater {
    /// A decompressor for a peer that compresses with `window_bits` (8-15;
    /// 8 is inflated with a 9-bit window, which accepts every 8-bit stream).
    pub fn new(no_context_takeover: bool, window_bits: u8) -> Inflater {
        Inflater {
            d: Decompress::new_with_window_bits(
                false,
                window_bits.clamp(MIN_BACKEND_WINDOW_BITS, MAX_WINDOW_BITS),
            ),
            no_context_takeover,
            window_bits,
            ended: false,
        }
    }

    /// The negotiated window bits this decompressor was created for.
    pub fn window_bits(&self) -> u8 {
        self.window_bits
    }

    /// Inflates one whole message (trailer restored), appending to `out`.
    /// Fails if `out.len()` would exceed `max_out`.
    pub fn decompress(
        &mut self,
        data: &[u8],
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), DeflateError> {
        self.decompress_part(data, out, max_out)?;
        self.finish(out, max_out)
    }

    /// Inflates one fragment of a message, appending to `out`, so that size
    /// limits and UTF-8 checks can fail before the last fragment arrives.
    /// Fails if `out.len()` would exceed `max_out`. Call [`Inflater::finish`]
    /// after the last fragment.
    pub fn decompress_part(
        &mut self,
        data: &[u8],
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), DeflateError> {
        if self.ended {
            // The peer closed the deflate stream (BFINAL) earlier in this
            // message; anything after it is padding and carries no data.
            return Ok(());
        }
        self.run(data, out, max_out, FlushDecompress::None)
    }

    /// Ends a message: restores the `00 00 ff ff` trailer, flushes, and resets
    /// the window when context takeover is off.
    pub fn finish(&mut self, out: &mut Vec<u8>, max_out: usize) -> Result<(), DeflateError> {
        let res = if self.ended {
            Ok(())
        } else {
            self.run(&TRAILER, out, max_out, FlushDecompress::Sync)
        };
        if self.no_context_takeover || self.ended {
            self.reset();
        }
        res
    }

    /// Forgets the window and any partial state.
    pub fn reset(&mut self) {
        self.d.reset(false);
        self.ended = false;
    }

    fn run(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        max_out: usize,
        flush: FlushDecompress,
    ) -> Result<(), DeflateError> {
        // Start with a piece sized to the input (small messages stay cheap)
        // and grow it while the output keeps filling it.
        let mut piece = input.len().saturating_mul(4).clamp(1024, SCRATCH);
        loop {
            // Never produce more than one byte past the limit.
            let room = max_out
                .saturating_add(1)
                .saturating_sub(out.len())
                .min(piece);
            if room == 0 {
                return Err(DeflateError::TooLarge { max: max_out });
            }
            piece = (piece * 2).min(SCRATCH);
            let (in0, out0) = (self.d.total_in(), self.d.total_out());
            // Inflate straight into `out` (no per-connection scratch buffer:
            // an idle connection keeps only the inflate state).
            let len = out.len();
            out.resize(len + room, 0);
            let res = self.d.decompress(input, &mut out[len..], flush);
            let used = (self.d.total_in() - in0) as usize;
            let produced = (self.d.total_out() - out0) as usize;
            out.truncate(len + produced);
            let status = res.map_err(|e| DeflateError::Corrupt(e.to_string()))?;
            input = input.get(used..).unwrap_or_default();
            if out.len() > max_out {
                return Err(DeflateError::TooLarge { max: max_out });
            }
            if status == Status::StreamEnd {
                // BFINAL: the stream is over; bytes after it (RFC 7692
                // §7.2.3.5 shows a padding 0x00) carry no data. The window is
                // reset when the message ends.
                self.ended = true;
                return Ok(());
            }
            if input.is_empty() && produced < room {
                return Ok(());
            }
            if used == 0 && produced == 0 {
                return Err(DeflateError::Corrupt("inflate made no progress".into()));
            }
        }
    }
}

/// Parameters of one permessage-deflate offer or agreement (RFC 7692 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflateParams {
    /// The client will not (offer) / must not (response) reuse its window.
    pub client_no_context_takeover: bool,
    /// The server must not reuse its window between messages.
    pub server_no_context_takeover: bool,
    /// Window bits the client compresses with. In an offer, a bare
    /// `client_max_window_bits` (the client merely supports the parameter) is
    /// recorded as `Some(15)`.
    pub client_max_window_bits: Option<u8>,
    /// Window bits the server must compress with.
    pub server_max_window_bits: Option<u8>,
}

impl DeflateParams {
    /// Swoole's fixed answer (see [`SWOOLE_RESPONSE_VALUE`]).
    pub fn swoole() -> DeflateParams {
        DeflateParams {
            client_no_context_takeover: true,
            server_no_context_takeover: true,
            client_max_window_bits: None,
            server_max_window_bits: None,
        }
    }

    /// The `Sec-WebSocket-Extensions` value for a response agreeing to these
    /// parameters. Parameter order matches Swoole's answer, so
    /// `DeflateParams::swoole().response_header_value()` is its exact string.
    /// `client_max_window_bits=15` is left out (it is the default).
    pub fn response_header_value(&self) -> String {
        let mut s = String::from("permessage-deflate");
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if let Some(b) = self.server_max_window_bits {
            s.push_str(&format!("; server_max_window_bits={b}"));
        }
        if let Some(b) = self.client_max_window_bits.filter(|&b| b < 15) {
            s.push_str(&format!("; client_max_window_bits={b}"));
        }
        s
    }
}

/// What the server is willing to agree to (from the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflatePolicy {
    /// Keep the server's LZ77 window across messages when the client allows
    /// it. Costs a compressor per connection that receives compressed
    /// pushes, and a compressed push can no longer be shared between
    /// connections.
    pub server_context_takeover: bool,
    /// Let the client keep its window across messages. Costs an inflate
    /// window per connection that sends compressed messages.
    pub client_context_takeover: bool,
}

/// The permessage-deflate parameters agreed for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// What the response announces.
    pub response: DeflateParams,
    /// Window bits the server compresses with (9-15).
    pub server_window_bits: u8,
    /// Window bits the client may compress with (8-15).
    pub client_window_bits: u8,
}

impl Agreement {
    /// An agreement reached elsewhere (another process's handshake).
    pub fn from_parts(
        client_no_context_takeover: bool,
        server_no_context_takeover: bool,
        server_window_bits: u8,
        client_window_bits: u8,
    ) -> Agreement {
        let bits = |b: u8| b.clamp(8, MAX_WINDOW_BITS);
        Agreement {
            response: DeflateParams {
                client_no_context_takeover,
                server_no_context_takeover,
                client_max_window_bits: None,
                server_max_window_bits: None,
            },
            server_window_bits: bits(server_window_bits).max(MIN_BACKEND_WINDOW_BITS),
            client_window_bits: bits(client_window_bits),
        }
    }

    /// The server resets its compressor after every message.
    pub fn server_no_context_takeover(&self) -> bool {
        self.response.server_no_context_takeover
    }

    /// The client resets its compressor after every message.
    pub fn client_no_context_takeover(&self) -> bool {
        self.response.client_no_context_takeover
    }

    /// The `Sec-WebSocket-Extensions` value of the 101 response.
    pub fn response_header_value(&self) -> String {
        self.response.response_header_value()
    }

    /// A compressor for this connection's outgoing messages.
    pub fn deflater(&self) -> Deflater {
        Deflater::new(self.server_no_context_takeover(), self.server_window_bits)
    }

    /// A decompressor for this connection's incoming messages.
    pub fn inflater(&self) -> Inflater {
        Inflater::new(self.client_no_context_takeover(), self.client_window_bits)
    }
}

/// Negotiates permessage-deflate (RFC 7692 §7.1) from the request's
/// `Sec-WebSocket-Extensions` header lines, in order: the first offer that is
/// valid and that we can honour is accepted; None declines them all.
///
/// - `server_no_context_takeover` offered: agreed. Not offered: agreed anyway
///   unless the policy keeps the server's window (a server may always add it).
/// - `client_no_context_takeover`: mirrored, and added when the policy does
///   not want to keep an inflate window per connection (also always allowed).
/// - `server_max_window_bits=N`: agreed with the same N (9-15); an offer
///   asking for 8 is declined, since zlib cannot compress with a 256-byte
///   window.
/// - `client_max_window_bits=N`: echoed (the client then compresses with at
///   most N bits and the inflater is sized to it); bare or absent: 15.
pub fn negotiate<'a>(
    header_values: impl IntoIterator<Item = &'a [u8]>,
    policy: DeflatePolicy,
) -> Option<Agreement> {
    header_values
        .into_iter()
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(','))
        .filter_map(parse_one_offer)
        .find_map(|offer| agree(offer, policy))
}

fn agree(offer: DeflateParams, policy: DeflatePolicy) -> Option<Agreement> {
    if offer.server_max_window_bits == Some(8) {
        return None;
    }
    let response = DeflateParams {
        client_no_context_takeover: offer.client_no_context_takeover
            || !policy.client_context_takeover,
        server_no_context_takeover: offer.server_no_context_takeover
            || !policy.server_context_takeover,
        client_max_window_bits: offer
            .client_max_window_bits
            .filter(|&b| b < MAX_WINDOW_BITS),
        server_max_window_bits: offer.server_max_window_bits,
    };
    Some(Agreement {
        response,
        server_window_bits: offer.server_max_window_bits.unwrap_or(MAX_WINDOW_BITS),
        client_window_bits: offer.client_max_window_bits.unwrap_or(MAX_WINDOW_BITS),
    })
}

/// Finds the first valid permessage-deflate offer in a
/// `Sec-WebSocket-Extensions` value (offers are comma-separated, parameters
/// semicolon-separated, values optionally quoted). An offer with an unknown or
/// repeated parameter, or a window size outside 8-15, is skipped as RFC 7692
/// §7.1 requires ("decline"), and the next one is tried.
pub fn parse_extension_offer(header_value: &[u8]) -> Option<DeflateParams> {
    let text = std::str::from_utf8(header_value).ok()?;
    text.split(',').find_map(parse_one_offer)
}

fn parse_one_offer(offer: &str) -> Option<DeflateParams> {
    let mut parts = offer.split(';').map(|p| p.trim());
    if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
        return None;
    }
    let mut p = DeflateParams::default();
    let mut seen = [false; 4];
    for part in parts {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                (n.trim(), Some(v))
            }
            None => (part, None),
        };
        let idx = match name.to_ascii_lowercase().as_str() {
            "client_no_context_takeover" if value.is_none() => {
                p.client_no_context_takeover = true;
                0
            }
            "server_no_context_takeover" if value.is_none() => {
                p.server_no_context_takeover = true;
                1
            }
            "client_max_window_bits" => {
                p.client_max_window_bits = Some(match value {
                    None => 15,
                    Some(v) => window_bits(v)?,
                });
                2
            }
            "server_max_window_bits" => {
                p.server_max_window_bits = Some(window_bits(value?)?);
                3
            }
            _ => return None,
        };
        if std::mem::replace(&mut seen[idx], true) {
            return None;
        }
    }
    Some(p)
}

fn window_bits(v: &str) -> Option<u8> {
    // RFC 7692 §7.1.2.1: 1*DIGIT, no leading zero, 8..=15.
    if v.starts_with('0') || v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u8 = v.parse().ok()?;
    (8..=15).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_matches_swoole_bytes() {
        let out = Deflater::compress_once(b"hello");
        assert_eq!(out, [0xca, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        let mut d = Deflater::new(false, 15);
        let mut v = Vec::new();
        d.compress(b"hello", &mut v);
        assert_eq!(v, [0xca, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    }

    #[test]
    fn rfc7692_examples_inflate() {
        // §7.2.3.1 "Hello" (the same bytes as the "hello" compressed above,
        // with a capital H).
        let mut i = Inflater::new(false, 15);
        let mut out = Vec::new();
        i.decompress(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out, 100)
            .unwrap();
        assert_eq!(out, b"Hello");
        // §7.2.3.2 second message with context takeover uses back-reference
        out.clear();
        i.decompress(&[0xf2, 0x00, 0x11, 0x00, 0x00], &mut out, 100)
            .unwrap();
        assert_eq!(out, b"Hello");
        // §7.2.3.3 uncompressed (stored) block
        let mut i = Inflater::new(true, 15);
        out.clear();
        i.decompress(
            &[
                0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
            ],
            &mut out,
            100,
        )
        .unwrap();
        assert_eq!(out, b"Hello");
        // §7.2.3.5 BFINAL set on the last block; then another message works
        let mut i = Inflater::new(false, 15);
        out.clear();
        i.decompress(
            &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00],
            &mut out,
            100,
        )
        .unwrap();
        assert_eq!(out, b"Hello");
        out.clear();
        i.decompress(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out, 100)
            .unwrap();
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn roundtrip_with_and_without_context_takeover() {
        for nct in [false, true] {
            let mut d = Deflater::new(nct, 15);
            let mut i = Inflater::new(nct, 15);
            for n in 0..20usize {
                let msg: Vec<u8> = (0..n * 997).map(|k| (k % 251) as u8 ^ (n as u8)).collect();
                let mut c = Vec::new();
                d.compress(&msg, &mut c);
                assert!(!c.ends_with(&TRAILER) || c.is_empty());
                let mut out = Vec::new();
                i.decompress(&c, &mut out, msg.len()).unwrap();
                assert_eq!(out, msg, "nct {nct} n {n}");
            }
        }
    }

    #[test]
    fn empty_message() {
        let c = Deflater::compress_once(b"");
        assert_eq!(c, [0x00]);
        let mut out = Vec::new();
        Inflater::new(true, 15).decompress(&c, &mut out, 0).unwrap();
        assert!(out.is_empty());
        // An empty payload (nothing at all) is also a valid empty message.
        Inflater::new(true, 15)
            .decompress(b"", &mut out, 0)
            .unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn fragmented_inflate_matches_whole() {
        let msg = "grüße ".repeat(5000);
        let c = Deflater::compress_once(msg.as_bytes());
        for step in [1usize, 7, 100, 4096] {
            let mut i = Inflater::new(true, 15);
            let mut out = Vec::new();
            for chunk in c.chunks(step) {
                i.decompress_part(chunk, &mut out, msg.len()).unwrap();
            }
            i.finish(&mut out, msg.len()).unwrap();
            assert_eq!(out, msg.as_bytes());
        }
    }

    #[test]
    fn bomb_is_bounded() {
        let big = vec![0u8; 10 * 1024 * 1024];
        let c = Deflater::compress_once(&big);
        assert!(c.len() < 20_000);
        let mut out = Vec::new();
        let err = Inflater::new(true, 15)
            .decompress(&c, &mut out, 1024 * 1024)
            .unwrap_err();
        assert_eq!(err, DeflateError::TooLarge { max: 1024 * 1024 });
        assert!(out.len() <= 1024 * 1024 + 1);
        // exactly at the limit is fine
        let mut out = Vec::new();
        let c = Deflater::compress_once(&big[..1000]);
        Inflater::new(true, 15)
            .decompress(&c, &mut out, 1000)
            .unwrap();
        assert_eq!(out.len(), 1000);
        let mut out = Vec::new();
        assert!(Inflater::new(true, 15)
            .decompress(&c, &mut out, 999)
            .is_err());
    }

    #[test]
    fn corrupt_input() {
        let mut out = Vec::new();
        let err = Inflater::new(true, 15)
            .decompress(&[0xff, 0xff, 0xff, 0xff], &mut out, 100)
            .unwrap_err();
        assert!(matches!(err, DeflateError::Corrupt(_)));
        assert!(err.to_string().starts_with("invalid compressed data"));
    }

    #[test]
    fn offers() {
        assert_eq!(
            parse_extension_offer(b"permessage-deflate"),
            Some(DeflateParams::default())
        );
        assert_eq!(
            parse_extension_offer(b"permessage-deflate; client_max_window_bits"),
            Some(DeflateParams {
                client_max_window_bits: Some(15),
                ..Default::default()
            })
        );
        assert_eq!(
            parse_extension_offer(
                b"Permessage-Deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=\"10\"; client_max_window_bits=9"
            ),
            Some(DeflateParams {
                client_no_context_takeover: true,
                server_no_context_takeover: true,
                client_max_window_bits: Some(9),
                server_max_window_bits: Some(10),
            })
        );
        // invalid first offer is declined, second accepted
        assert_eq!(
            parse_extension_offer(
                b"permessage-deflate; server_max_window_bits=7, permessage-deflate"
            ),
            Some(DeflateParams::default())
        );
        assert_eq!(parse_extension_offer(b"permessage-deflate; foo"), None);
        assert_eq!(
            parse_extension_offer(b"permessage-deflate; server_max_window_bits"),
            None
        );
        assert_eq!(
            parse_extension_offer(b"permessage-deflate; server_max_window_bits=08"),
            None
        );
        assert_eq!(
            parse_extension_offer(b"permessage-deflate; server_max_window_bits=16"),
            None
        );
        assert_eq!(
            parse_extension_offer(
                b"permessage-deflate; client_no_context_takeover; client_no_context_takeover"
            ),
            None
        );
        assert_eq!(
            parse_extension_offer(b"permessage-deflate; server_no_context_takeover=1"),
            None
        );
        assert_eq!(parse_extension_offer(b"x-webkit-deflate-frame"), None);
        assert_eq!(parse_extension_offer(b"\xff"), None);
        assert_eq!(
            parse_extension_offer(b"x-foo, permessage-deflate;client_max_window_bits"),
            Some(DeflateParams {
                client_max_window_bits: Some(15),
                ..Default::default()
            })
        );
    }

    fn swoole_policy() -> DeflatePolicy {
        DeflatePolicy::default()
    }

    fn takeover_policy() -> DeflatePolicy {
        DeflatePolicy {
            server_context_takeover: true,
            client_context_takeover: true,
        }
    }

    #[test]
    fn negotiation_without_takeover_answers_like_swoole() {
        let a = negotiate(
            [&b"permessage-deflate; client_max_window_bits"[..]],
            swoole_policy(),
        )
        .unwrap();
        assert_eq!(a.response_header_value(), SWOOLE_RESPONSE_VALUE);
        assert!(a.server_no_context_takeover() && a.client_no_context_takeover());
        assert_eq!((a.server_window_bits, a.client_window_bits), (15, 15));
    }

    #[test]
    fn negotiation_with_takeover_follows_the_offer() {
        // What browsers send: both sides keep their windows.
        let a = negotiate(
            [&b"permessage-deflate; client_max_window_bits"[..]],
            takeover_policy(),
        )
        .unwrap();
        assert_eq!(a.response_header_value(), "permessage-deflate");
        assert!(!a.server_no_context_takeover() && !a.client_no_context_takeover());
        // The client's no_context_takeover requests are honoured.
        let a = negotiate(
            [&b"permessage-deflate; server_no_context_takeover; client_no_context_takeover"[..]],
            takeover_policy(),
        )
        .unwrap();
        assert_eq!(a.response_header_value(), SWOOLE_RESPONSE_VALUE);
        // Window sizes are agreed as offered.
        let a = negotiate(
            [&b"permessage-deflate; server_max_window_bits=10; client_max_window_bits=12"[..]],
            takeover_policy(),
        )
        .unwrap();
        assert_eq!(
            a.response_header_value(),
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12"
        );
        assert_eq!((a.server_window_bits, a.client_window_bits), (10, 12));
        assert_eq!(a.deflater().window_bits(), 10);
        assert_eq!(a.inflater().window_bits(), 12);
    }

    #[test]
    fn negotiation_declines_what_it_cannot_honour() {
        // An 8-bit server window is declined; the next offer is taken.
        let a = negotiate(
            [
                &b"permessage-deflate; server_max_window_bits=8"[..],
                &b"permessage-deflate; server_max_window_bits=9, permessage-deflate"[..],
            ],
            swoole_policy(),
        )
        .unwrap();
        assert_eq!(a.server_window_bits, 9);
        assert_eq!(
            negotiate(
                [&b"permessage-deflate; server_max_window_bits=8"[..]],
                swoole_policy()
            ),
            None
        );
        assert_eq!(
            negotiate([&b"permessage-deflate; bogus"[..]], swoole_policy()),
            None
        );
        assert_eq!(negotiate(Vec::<&[u8]>::new(), swoole_policy()), None);
        // A client window of 8 bits is fine to inflate.
        let a = negotiate(
            [&b"permessage-deflate; client_max_window_bits=8"[..]],
            swoole_policy(),
        )
        .unwrap();
        assert_eq!(a.client_window_bits, 8);
    }

    #[test]
    fn small_window_round_trips_and_stays_within_it() {
        // 2 KiB of text that repeats every 1000 bytes: a 9-bit (512 byte)
        // window cannot reach the repeats, a 15-bit one can.
        let unit: Vec<u8> = (0..1000u32)
            .map(|i| b'a' + ((i * 7919) % 26) as u8)
            .collect();
        let data = [unit.clone(), unit].concat();
        let mut small = Vec::new();
        Deflater::new(true, 9).compress(&data, &mut small);
        let mut big = Vec::new();
        Deflater::new(true, 15).compress(&data, &mut big);
        assert!(big.len() < small.len(), "{} vs {}", big.len(), small.len());
        let mut out = Vec::new();
        Inflater::new(true, 9)
            .decompress(&small, &mut out, 1 << 20)
            .unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn distance_before_the_stream_start_is_refused() {
        // A fixed-Huffman block whose first symbol is a match (length 3,
        // distance 1) with nothing before it: zlib says "too far back".
        let mut out = Vec::new();
        let err = Inflater::new(true, 15).decompress(&[0x03, 0x02, 0x00], &mut out, 100);
        assert!(
            matches!(err, Err(DeflateError::Corrupt(_))),
            "{err:?} {out:?}"
        );
    }

    #[test]
    fn response_values() {
        assert_eq!(
            DeflateParams::swoole().response_header_value(),
            SWOOLE_RESPONSE_VALUE
        );
        assert_eq!(
            DeflateParams::default().response_header_value(),
            "permessage-deflate"
        );
        let p = DeflateParams {
            server_max_window_bits: Some(15),
            client_max_window_bits: Some(10),
            ..Default::default()
        };
        assert_eq!(
            p.response_header_value(),
            "permessage-deflate; server_max_window_bits=15; client_max_window_bits=10"
        );
    }

    /// Autobahn 12.2.9: 64 KiB of random text, compressed by us, must
    /// inflate to all 64 KiB.
    #[test]
    fn large_random_text_round_trips() {
        let mut seed: u32 = 12345;
        for len in [1000usize, 16 * 1024, 65536, 65536 + 17, 200_000] {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    b'a' + ((seed >> 16) % 26) as u8
                })
                .collect();
            let packed = Deflater::compress_once(&data);
            let mut inf = Inflater::new(true, 15);
            let mut out = Vec::new();
            inf.decompress(&packed, &mut out, usize::MAX / 2)
                .expect("inflate");
            assert_eq!(out.len(), data.len(), "len {len}");
            assert!(out == data, "len {len}");
        }
    }

    /// Image-like data (gradients with noise) of every entropy round-trips
    /// whole. (The bitmap chunks with which Autobahn 12.2.9 caught an
    /// unfinished sync flush are not ours to ship; the Autobahn run in
    /// `make test` covers them.)
    #[test]
    fn image_like_data_round_trips() {
        let mut seed: u32 = 99;
        let mut rand = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            seed >> 16
        };
        for round in 0..64 {
            let len = 65536;
            let data: Vec<u8> = (0..len)
                .map(|i| {
                    let (x, y) = (i % 512, i / 512);
                    let noise = rand() % (4 + round as u32 * 4);
                    ((x / 3 + y * (round + 1) + noise as usize) & 0xff) as u8
                })
                .collect();
            let mut out = Vec::new();
            Deflater::new(true, 15).compress(&data, &mut out);
            let mut back = Vec::new();
            let mut d = flate2::Decompress::new(false);
            let mut framed = out.clone();
            framed.extend_from_slice(&TRAILER);
            back.reserve(len + 1024);
            d.decompress_vec(&framed, &mut back, flate2::FlushDecompress::Sync)
                .expect("inflate");
            assert_eq!(back.len(), len, "round {round}: cut short");
            assert!(back == data, "round {round}");
        }
    }
}
