//! Shared drivers for the fuzz targets in `fuzz_targets/`.
//!
//! Each target is a thin `fuzz_target!` around one function here, so the
//! invariants live in one place. The frame targets check the real
//! [`MessageAssembler`] against [`Model`], a deliberately naive re-statement of
//! RFC 6455's rules (whole-buffer UTF-8 checks instead of the incremental
//! validator, one-shot inflation with a small scratch buffer instead of the
//! fragment-wise one), so a disagreement is a bug in one of the two.

use bytes::{Bytes, BytesMut};
use flate2::{Decompress, FlushDecompress, Status};
use swoole::protocol::close;
use swoole::protocol::deflate::{self, Inflater};
use swoole::protocol::frame::{self, opcode, Frame, FrameError, Header};
use swoole::protocol::message::{AssemblerConfig, Event, MessageAssembler, Violation};
use swoole::protocol::pack::{FLAG_COMPRESS, FLAG_FIN, FLAG_MASK, FLAG_RSV1};

// ---------------------------------------------------------------------------
// Frame decoder + message assembler
// ---------------------------------------------------------------------------

/// Message limits the first input byte selects from (bits 1-2).
pub const FRAME_MAX: [usize; 4] = [8, 125, 1000, 70_000];
/// How the stream is cut into reads (bits 3-5); 0 = one read.
pub const FRAME_CHUNK: [usize; 8] = [0, 1, 2, 3, 7, 16, 64, 200];

/// Configuration byte of the frame targets.
///
/// - bit 0: `require_mask` (a server's setting; off lets unmasked frames in,
///   which makes deflate data much easier for the fuzzer to reach)
/// - bits 1-2: [`FRAME_MAX`] (both `Frame::decode`'s limit and the
///   assembler's `max_message`, as the runtime uses one setting for both)
/// - bits 3-5: [`FRAME_CHUNK`]
/// - bit 6: the inflater has no context takeover (deflate target only)
#[derive(Debug, Clone, Copy)]
pub struct FrameCfg {
    pub require_mask: bool,
    pub max: usize,
    pub chunk: usize,
    pub no_context_takeover: bool,
}

impl FrameCfg {
    pub fn from_byte(b: u8) -> FrameCfg {
        FrameCfg {
            require_mask: b & 1 != 0,
            max: FRAME_MAX[usize::from((b >> 1) & 3)],
            chunk: FRAME_CHUNK[usize::from((b >> 3) & 7)],
            no_context_takeover: b & 0x40 != 0,
        }
    }
}

/// Runs one byte stream through `Frame::decode` and the assembler, the way
/// the runtime's frame loop does, checking every step.
pub fn run_frames(data: &[u8], deflate: bool) {
    let Some((&cfg_byte, stream)) = data.split_first() else {
        return;
    };
    let cfg = FrameCfg::from_byte(cfg_byte);
    let mut asm = MessageAssembler::new(AssemblerConfig {
        max_message: cfg.max,
        require_mask: cfg.require_mask,
        deflate,
    });
    let mut inflater = deflate.then(|| Inflater::new(cfg.no_context_takeover, 15));
    let mut model = Model::new(cfg, deflate);
    let mut buf = BytesMut::new();
    let chunk = if cfg.chunk == 0 {
        stream.len().max(1)
    } else {
        cfg.chunk
    };
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            let Some(frame) = decode_checked(&mut buf, cfg.max) else {
                break;
            };
            let Some(frame) = frame else {
                return; // TooLarge: the connection is failed
            };
            let res = asm.push(frame.clone(), inflater.as_mut());
            check_event(&res, cfg.max);
            let failed = res.is_err();
            model.check(&frame, &res, &asm);
            if failed {
                assert!(!asm.in_message(), "a violation must reset the assembler");
                return;
            }
            assert!(
                asm.buffered() <= cfg.max,
                "buffered {} over max {}",
                asm.buffered(),
                cfg.max
            );
        }
    }
    assert_eq!(asm.in_message(), model.open.is_some(), "open message state");
}

/// One `Frame::decode` with its invariants. `None`: need more bytes.
/// `Some(None)`: TooLarge. `Some(Some(frame))`: a frame.
fn decode_checked(buf: &mut BytesMut, max: usize) -> Option<Option<Frame>> {
    let before = Bytes::copy_from_slice(buf);
    let header = Header::parse(&before);
    // The same bytes with no practical limit must not panic (overflow paths).
    let mut copy = BytesMut::from(&before[..]);
    let unlimited = Frame::decode(&mut copy, usize::MAX);
    match Frame::decode(buf, max) {
        Ok(None) => {
            assert_eq!(&buf[..], &before[..], "Ok(None) must consume nothing");
            if let Some(h) = header {
                assert!(h.payload_len <= max as u64);
                assert!(
                    (h.header_len as u64).saturating_add(h.payload_len) > before.len() as u64,
                    "a whole frame was there but decode asked for more"
                );
            }
            None
        }
        Err(FrameError::TooLarge { len, max: m }) => {
            let h = header.expect("TooLarge needs a complete header");
            assert_eq!(len, h.payload_len);
            assert_eq!(m, max);
            assert!(len > max as u64, "TooLarge for {len} <= {max}");
            Some(None)
        }
        Ok(Some(f)) => {
            let h = header.expect("a frame needs a complete header");
            let consumed = before.len() - buf.len();
            assert!(consumed <= before.len());
            assert_eq!(&buf[..], &before[consumed..], "decode must take a prefix");
            assert_eq!(consumed as u64, h.header_len as u64 + h.payload_len);
            assert_eq!(frame::expected_len(&before), Some(consumed as u64));
            assert!(f.payload.len() <= max);
            assert_eq!(f.payload.len() as u64, h.payload_len);
            assert_eq!(f.fin, h.first & 0x80 != 0);
            assert_eq!(f.rsv_bits(), h.first & 0x70);
            assert_eq!(f.opcode, h.first & 0x0f);
            assert_eq!(f.masked, h.mask.is_some());
            let mut raw = before[h.header_len..consumed].to_vec();
            if let Some(key) = h.mask {
                frame::apply_mask(&mut raw, key);
            }
            assert_eq!(
                &raw[..],
                &f.payload[..],
                "payload must be the unmasked bytes"
            );
            match unlimited {
                Ok(Some(g)) => assert_eq!(g, f),
                other => panic!("usize::MAX limit disagrees: {other:?}"),
            }
            // Re-encoding (shortest length form) decodes to the same frame.
            let mut enc = Vec::new();
            frame::encode(&mut enc, f.fin, f.rsv_bits(), f.opcode, h.mask, &f.payload);
            assert!(enc.len() <= consumed);
            let mut eb = BytesMut::from(&enc[..]);
            assert_eq!(Frame::decode(&mut eb, max), Ok(Some(f.clone())));
            assert!(eb.is_empty());
            Some(Some(f))
        }
    }
}

/// Invariants of any assembler answer, whatever came before.
fn check_event(res: &Result<Option<Event>, Violation>, max: usize) {
    match res {
        Ok(None) => {}
        Ok(Some(Event::Message {
            opcode: op,
            payload,
            flags,
        })) => {
            assert!(*op == opcode::TEXT || *op == opcode::BINARY, "opcode {op}");
            assert!(payload.len() <= max, "message {} over {max}", payload.len());
            if *op == opcode::TEXT {
                assert!(
                    std::str::from_utf8(payload).is_ok(),
                    "text message is not UTF-8"
                );
            }
            assert!(flags & FLAG_FIN != 0);
            assert_eq!(
                flags & !(FLAG_FIN | FLAG_COMPRESS | FLAG_RSV1 | FLAG_MASK),
                0
            );
            assert_eq!(flags & FLAG_COMPRESS != 0, flags & FLAG_RSV1 != 0);
        }
        Ok(Some(Event::Ping(p) | Event::Pong(p))) => assert!(p.len() <= 125),
        Ok(Some(Event::Close {
            code,
            reason,
            payload,
        })) => {
            assert!(payload.len() <= 125);
            match code {
                None => assert!(payload.is_empty() && reason.is_empty()),
                Some(c) => {
                    assert!(close::is_valid_close_code(*c), "close code {c}");
                    assert_eq!(&payload[..2], &c.to_be_bytes());
                    assert_eq!(&payload[2..], reason.as_bytes());
                }
            }
        }
        Err(v) => assert!(
            matches!(v.code, 1002 | 1007 | 1009),
            "unexpected close code {v:?}"
        ),
    }
}

/// A message the model has open.
#[derive(Debug)]
struct Open {
    opcode: u8,
    flags: u8,
    compressed: bool,
    /// Plain payload so far, or (compressed) the raw deflate bytes so far.
    data: Vec<u8>,
}

/// The naive reference assembler.
#[derive(Debug)]
pub struct Model {
    cfg: FrameCfg,
    deflate: bool,
    open: Option<Open>,
    /// The model's own inflater (context takeover kept across messages).
    inflate: Decompress,
}

/// Expected answer for one frame; `Loose` means "a compressed message, check
/// it with [`Model::check_compressed`]".
enum Want {
    Exact(Result<Option<Event>, u16>),
    Loose { fin: bool },
}

/// Valid UTF-8 so far: only an incomplete sequence at the end is allowed.
fn utf8_prefix_ok(d: &[u8]) -> bool {
    match std::str::from_utf8(d) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

fn model_close(p: &Bytes) -> Result<Option<Event>, u16> {
    match &p[..] {
        [] => Ok(Some(Event::Close {
            code: None,
            reason: String::new(),
            payload: p.clone(),
        })),
        [_] => Err(1002),
        [hi, lo, rest @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
                return Err(1002);
            }
            let reason = std::str::from_utf8(rest).map_err(|_| 1007u16)?;
            Ok(Some(Event::Close {
                code: Some(code),
                reason: reason.to_owned(),
                payload: p.clone(),
            }))
        }
    }
}

/// Outcome of the model's inflate.
#[derive(Debug, PartialEq)]
enum Inflated {
    Ok(Vec<u8>),
    /// Produced more than `cap` bytes.
    Cap,
    Corrupt(Vec<u8>),
}

impl Model {
    pub fn new(cfg: FrameCfg, deflate: bool) -> Model {
        Model {
            cfg,
            deflate,
            open: None,
            inflate: Decompress::new(false),
        }
    }

    fn want(&mut self, f: &Frame) -> Want {
        let max = self.cfg.max;
        let op = f.opcode;
        let exact = |r| Want::Exact(r);
        if !matches!(op, 0 | 1 | 2 | 8 | 9 | 10) || f.rsv2 || f.rsv3 {
            return exact(Err(1002));
        }
        if self.cfg.require_mask && !f.masked {
            return exact(Err(1002));
        }
        if op >= 8 {
            if f.rsv1 || !f.fin || f.payload.len() > 125 {
                return exact(Err(1002));
            }
            return exact(match op {
                9 => Ok(Some(Event::Ping(f.payload.clone()))),
                10 => Ok(Some(Event::Pong(f.payload.clone()))),
                _ => model_close(&f.payload),
            });
        }
        if op == 0 {
            if f.rsv1 {
                return exact(Err(1002));
            }
            let Some(open) = self.open.as_mut() else {
                return exact(Err(1002));
            };
            open.data.extend_from_slice(&f.payload);
            if open.compressed {
                return Want::Loose { fin: f.fin };
            }
            if open.data.len() > max {
                return exact(Err(1009));
            }
            let text = open.opcode == 1;
            if text && !utf8_prefix_ok(&open.data) {
                return exact(Err(1007));
            }
            if !f.fin {
                return exact(Ok(None));
            }
            if text && std::str::from_utf8(&open.data).is_err() {
                return exact(Err(1007));
            }
            let open = self.open.take().unwrap();
            return exact(Ok(Some(Event::Message {
                opcode: open.opcode,
                payload: Bytes::from(open.data),
                flags: open.flags,
            })));
        }
        if self.open.is_some() {
            return exact(Err(1002));
        }
        if f.rsv1 && !self.deflate {
            return exact(Err(1002));
        }
        let mut flags = FLAG_FIN;
        if f.masked {
            flags |= FLAG_MASK;
        }
        if f.rsv1 {
            flags |= FLAG_COMPRESS | FLAG_RSV1;
            self.open = Some(Open {
                opcode: op,
                flags,
                compressed: true,
                data: f.payload.to_vec(),
            });
            return Want::Loose { fin: f.fin };
        }
        if f.payload.len() > max {
            return exact(Err(1009));
        }
        let text = op == 1;
        if f.fin {
            if text && std::str::from_utf8(&f.payload).is_err() {
                return exact(Err(1007));
            }
            return exact(Ok(Some(Event::Message {
                opcode: op,
                payload: f.payload.clone(),
                flags,
            })));
        }
        if text && !utf8_prefix_ok(&f.payload) {
            return exact(Err(1007));
        }
        self.open = Some(Open {
            opcode: op,
            flags,
            compressed: false,
            data: f.payload.to_vec(),
        });
        exact(Ok(None))
    }

    /// Compares the real answer for frame `f` with the model's.
    pub fn check(
        &mut self,
        f: &Frame,
        real: &Result<Option<Event>, Violation>,
        asm: &MessageAssembler,
    ) {
        let real_cmp = real.clone().map_err(|v| v.code);
        match self.want(f) {
            Want::Exact(want) => {
                assert_eq!(real_cmp, want, "assembler and model disagree on {f:?}");
                if want.is_err() {
                    self.open = None;
                }
                if let Some(open) = &self.open {
                    if !open.compressed {
                        assert_eq!(asm.buffered(), open.data.len());
                    }
                }
            }
            Want::Loose { fin } => self.check_compressed(fin, real_cmp),
        }
    }

    /// Inflates `input` with the model's inflater, producing at most `cap`
    /// bytes (reporting `Cap` beyond), in 1000-byte steps.
    fn inflate(&mut self, input: &[u8], flush: FlushDecompress, cap: usize) -> (Inflated, bool) {
        let mut out = Vec::new();
        let mut rest = input;
        let mut scratch = [0u8; 1000];
        loop {
            let room = (cap + 1 - out.len().min(cap + 1)).min(scratch.len());
            if room == 0 {
                return (Inflated::Cap, false);
            }
            let (i0, o0) = (self.inflate.total_in(), self.inflate.total_out());
            let res = self.inflate.decompress(rest, &mut scratch[..room], flush);
            let used = (self.inflate.total_in() - i0) as usize;
            let produced = (self.inflate.total_out() - o0) as usize;
            rest = &rest[used..];
            out.extend_from_slice(&scratch[..produced]);
            // A call that fails may have produced output first; the real
            // inflater, cut at other places, may see that output (and stop
            // at the limit) before it sees the error.
            if out.len() > cap {
                return (Inflated::Cap, false);
            }
            let Ok(st) = res else {
                return (Inflated::Corrupt(out), false);
            };
            if st == Status::StreamEnd {
                return (Inflated::Ok(out), true);
            }
            if rest.is_empty() && produced < room {
                return (Inflated::Ok(out), false);
            }
            if used == 0 && produced == 0 {
                return (Inflated::Corrupt(out), false);
            }
        }
    }

    /// A frame of a compressed message: the real assembler inflates fragment
    /// by fragment; the model inflates the whole message at the end.
    fn check_compressed(&mut self, fin: bool, real: Result<Option<Event>, u16>) {
        let max = self.cfg.max;
        let open = self.open.as_ref().expect("compressed message open");
        let (opcode, flags) = (open.opcode, open.flags);
        let mut raw = open.data.clone();
        match real {
            Ok(None) => {
                assert!(!fin, "a final frame must end the message");
            }
            Ok(Some(Event::Message {
                opcode: op,
                payload,
                flags: fl,
            })) => {
                assert!(fin);
                assert_eq!((op, fl), (opcode, flags));
                self.open = None;
                raw.extend_from_slice(&deflate::TRAILER);
                let (got, ended) = self.inflate(&raw, FlushDecompress::Sync, max);
                assert_eq!(
                    got,
                    Inflated::Ok(payload.to_vec()),
                    "inflated message differs from a one-shot inflate"
                );
                if self.cfg.no_context_takeover || ended {
                    self.inflate.reset(false);
                }
            }
            Ok(Some(other)) => panic!("data frame gave {other:?}"),
            Err(code) => {
                // The stream ends here; the model's inflater is not reused.
                let text = opcode == opcode::TEXT;
                if fin {
                    raw.extend_from_slice(&deflate::TRAILER);
                }
                let (got, _) = self.inflate(&raw, FlushDecompress::Sync, max);
                // Corrupt data whose output also passes the limit may be
                // reported either way: miniz_oxide finds an error in input
                // it has read ahead while the output before it is still
                // being handed out, so which comes first depends on the
                // output buffer's size (32 KiB there, 1000 bytes here).
                match code {
                    1009 => assert!(
                        matches!(got, Inflated::Cap | Inflated::Corrupt(_)),
                        "1009 but the message inflates to {got:?}"
                    ),
                    1007 => match got {
                        Inflated::Corrupt(_) | Inflated::Cap => {}
                        Inflated::Ok(out) if text => assert!(
                            !utf8_prefix_ok(&out) || (fin && std::str::from_utf8(&out).is_err()),
                            "1007 but the inflated text is valid so far"
                        ),
                        other => panic!("1007 but the model inflated {other:?}"),
                    },
                    c => panic!("compressed message failed with {c}"),
                }
                self.open = None;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// HTTP request parser
// ---------------------------------------------------------------------------

use swoole::protocol::http::{self, HttpError, Limits, Request, RequestParser};
use swoole::protocol::multipart;

/// Limits the first input byte selects from.
pub const HTTP_MAX_HEADER_BYTES: [usize; 4] = [64, 256, 1024, 8192];
pub const HTTP_MAX_HEADERS: [usize; 4] = [1, 4, 16, 64];
pub const HTTP_MAX_BODY: [usize; 4] = [0, 16, 100, 4096];
/// Read sizes for the incremental parser; 0 = one read.
pub const HTTP_CHUNK: [usize; 4] = [0, 1, 7, 64];

/// Configuration byte of the HTTP target: bits 0-1 max_header_bytes, 2-3
/// max_headers, 4-5 max_body, 6-7 how the stream is cut into reads.
pub fn http_cfg(b: u8) -> (Limits, usize) {
    let sel = |shift: u8| usize::from((b >> shift) & 3);
    (
        Limits {
            max_header_bytes: HTTP_MAX_HEADER_BYTES[sel(0)],
            max_headers: HTTP_MAX_HEADERS[sel(2)],
            max_body: HTTP_MAX_BODY[sel(4)],
            // Uploads past max_body are the same parser with a larger
            // limit: the body limits above cover it.
            max_upload: 0,
        },
        HTTP_CHUNK[sel(6)],
    )
}

/// What a pipeline of requests ended with.
#[derive(Debug, Clone, PartialEq)]
enum End {
    Pending,
    Error(HttpError),
}

/// Parses `stream` as pipelined requests with the stateless `parse_request`
/// (what the runtime calls after every read), checking each request.
fn stateless_pipeline(stream: &[u8], limits: &Limits) -> (Vec<(Request, usize)>, End, usize) {
    let mut reqs = Vec::new();
    let mut at = 0;
    loop {
        let rest = &stream[at..];
        match http::parse_request(rest, limits) {
            Ok(Some((req, n))) => {
                check_request(&req, n, rest, limits);
                at += n;
                reqs.push((req, n));
            }
            Ok(None) => return (reqs, End::Pending, at),
            Err(e) => {
                assert!(matches!(e.status(), 400 | 413 | 431 | 501));
                assert!(!e.to_string().is_empty());
                return (reqs, End::Error(e), at);
            }
        }
    }
}

/// The same stream through one stateful `RequestParser`, delivered `chunk`
/// bytes at a time (the caller's contract: only appends, drains after a request).
fn stateful_pipeline(stream: &[u8], limits: &Limits, chunk: usize) -> (Vec<(Request, usize)>, End) {
    let mut p = RequestParser::new(*limits);
    let mut reqs = Vec::new();
    let mut start = 0;
    let mut end = 0;
    let chunk = if chunk == 0 {
        stream.len().max(1)
    } else {
        chunk
    };
    loop {
        end = (end + chunk).min(stream.len());
        loop {
            match p.parse(&stream[start..end]) {
                Ok(Some((req, n))) => {
                    assert!(p.pending_head().is_none());
                    start += n;
                    reqs.push((req, n));
                }
                Ok(None) => break,
                Err(e) => return (reqs, End::Error(e)),
            }
        }
        if end == stream.len() {
            return (reqs, End::Pending);
        }
    }
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Invariants of one parsed request that took `n` bytes of `buf`.
fn check_request(req: &Request, n: usize, buf: &[u8], limits: &Limits) {
    assert!(n > 0 && n <= buf.len(), "took {n} of {}", buf.len());
    assert!(req.body.len() <= limits.max_body, "body over max_body");
    assert!(req.headers.len() <= limits.max_headers);
    assert!(!req.method.is_empty() && !req.target.is_empty());
    assert!(req.minor_version <= 1);
    assert!(!req.path.is_empty());
    assert_ne!(req.query.as_deref(), Some(""));
    for (name, value) in &req.headers {
        assert!(!name.is_empty());
        assert!(
            !name.bytes().any(|b| b.is_ascii_uppercase()),
            "name {name:?}"
        );
        assert!(
            !value.first().is_some_and(|&b| is_ows(b)),
            "untrimmed value"
        );
        assert!(!value.last().is_some_and(|&b| is_ows(b)), "untrimmed value");
        assert!(!value.contains(&b'\n') && !value.contains(&b'\r'));
    }
    let te = req.header("transfer-encoding").is_some();
    assert_eq!(req.chunked, te);
    if req.chunked {
        assert_eq!(req.minor_version, 1);
        assert!(req.header("content-length").is_none());
    } else {
        let head = n - req.body.len();
        assert!(head <= limits.max_header_bytes, "head {head} over limit");
        assert_eq!(
            &buf[head..n],
            &req.body[..],
            "body is not the bytes after the head"
        );
        if let Some(cl) = req.header("content-length") {
            let first = cl.split(|&b| b == b',').next().unwrap_or_default();
            let first = std::str::from_utf8(http::trim_ows(first)).unwrap();
            assert_eq!(first.parse::<u64>().ok(), Some(req.body.len() as u64));
        } else {
            assert!(req.body.is_empty());
        }
    }
    let _ = req.keep_alive();
    let _ = req.protocol();
    for (k, v) in http::parse_cookies_raw(&req.header_all("cookie").collect::<Vec<_>>()) {
        assert!(!k.is_empty());
        assert!(!k.first().is_some_and(u8::is_ascii_whitespace));
        let _ = v;
    }
    let _ = req.cookies();
    if let Some(q) = &req.query {
        let _ = http::url_decode(q.as_bytes());
    }
    let (path, query) = http::split_target(&req.target);
    assert_eq!((&path, &query), (&req.path, &req.query));
    reserialize(req);
    if let Some(b) = req.header("content-type").and_then(multipart::boundary) {
        assert!(!b.is_empty());
        if let Ok(parts) = multipart::parse(&req.body, &b) {
            for part in parts {
                assert!(
                    part.data.is_empty() || memchr::memmem::find(&req.body, &part.data).is_some(),
                    "part data is not a slice of the body"
                );
            }
        }
    }
}

/// Writes the request back out (lower-case names, trimmed values, the body
/// chunked in 3-byte chunks or with a Content-Length) and parses it again:
/// the same request must come out.
fn reserialize(req: &Request) {
    let mut out = Vec::new();
    out.extend_from_slice(req.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(req.target.as_bytes());
    out.extend_from_slice(if req.minor_version == 1 {
        b" HTTP/1.1\r\n"
    } else {
        b" HTTP/1.0\r\n"
    });
    for (name, value) in &req.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if req.chunked {
        for c in req.body.chunks(3) {
            out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            out.extend_from_slice(c);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
    } else {
        out.extend_from_slice(&req.body);
    }
    let big = Limits {
        max_header_bytes: 1 << 20,
        max_headers: 1024,
        max_body: 1 << 20,
        max_upload: 0,
    };
    match http::parse_request(&out, &big) {
        Ok(Some((again, n))) => {
            assert_eq!(n, out.len(), "re-serialized request not taken whole");
            assert_eq!(&again, req, "re-serialized request parses differently");
        }
        other => panic!(
            "re-serialized request fails: {other:?}\n{:?}",
            String::from_utf8_lossy(&out)
        ),
    }
}

/// `expects_continue` against the parser's view of the same buffer.
fn check_expect(buf: &[u8], limits: &Limits) {
    let e = http::expects_continue(buf);
    if e {
        assert!(memchr::memmem::find(buf, b"\r\n\r\n").is_some());
        let lower = buf.to_ascii_lowercase();
        assert!(memchr::memmem::find(&lower, b"100-continue").is_some());
        let mut more = buf.to_vec();
        more.extend_from_slice(b"xyz\r\n\r\n");
        assert!(
            http::expects_continue(&more),
            "expects_continue is not monotone"
        );
    }
    // The runtime asks only when parse_request said "need more bytes"; the
    // request whose body is awaited then must get its 100 Continue, at
    // least in the plain form curl sends (CRLF lines, no leading empty line).
    let mut p = RequestParser::new(*limits);
    if p.parse(buf) != Ok(None) {
        return;
    }
    let Some(head) = p.pending_head() else {
        return;
    };
    let wants = head.minor_version == 1
        && head
            .header_all("expect")
            .any(|v| v.eq_ignore_ascii_case(b"100-continue"));
    // "Plain": no leading empty line, and every line of the head ends in CRLF.
    let plain = !buf.starts_with(b"\r")
        && !buf.starts_with(b"\n")
        && memchr::memmem::find(buf, b"\r\n\r\n").is_some_and(|end| {
            buf[..end + 4]
                .iter()
                .enumerate()
                .all(|(i, &b)| b != b'\n' || (i > 0 && buf[i - 1] == b'\r'))
        });
    if wants && plain {
        assert!(
            e,
            "body awaited with Expect: 100-continue, but no 100 Continue"
        );
    }
}

pub fn run_http(data: &[u8]) {
    let Some((&cfg, stream)) = data.split_first() else {
        return;
    };
    let (limits, chunk) = http_cfg(cfg);
    let (reqs, end, at) = stateless_pipeline(stream, &limits);
    let (sreqs, send) = stateful_pipeline(stream, &limits, chunk);
    let k = reqs.len().min(sreqs.len());
    assert_eq!(
        reqs[..k],
        sreqs[..k],
        "stateful and stateless parsers disagree"
    );
    match (&end, &send) {
        (End::Pending, End::Pending) | (End::Error(_), End::Error(_)) => {
            assert_eq!(reqs.len(), sreqs.len(), "{end:?} / {send:?}");
        }
        // The stateful parser looks at the request line once, early, and
        // then waits for the end of the head: a bad header line in an
        // unfinished head is found by the stateless parser first.
        (End::Error(HttpError::Malformed | HttpError::TooManyHeaders), End::Pending) => {
            assert_eq!(reqs.len(), sreqs.len());
        }
        _ => panic!(
            "stateless {end:?} after {} requests, stateful {send:?} after {}",
            reqs.len(),
            sreqs.len()
        ),
    }
    if end == End::Pending {
        check_expect(&stream[at..], &limits);
    }
    let _ = http::expects_continue(stream);
}

// ---------------------------------------------------------------------------
// Handshake checks
// ---------------------------------------------------------------------------

use swoole::protocol::deflate::DeflateParams;
use swoole::protocol::handshake;

fn token_model(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| http::trim_ows(t).eq_ignore_ascii_case(token.as_bytes()))
}

fn check_offer(value: &[u8]) {
    let Some(p) = deflate::parse_extension_offer(value) else {
        return;
    };
    let lower = value.to_ascii_lowercase();
    assert!(memchr::memmem::find(&lower, b"permessage-deflate").is_some());
    for bits in [p.client_max_window_bits, p.server_max_window_bits]
        .into_iter()
        .flatten()
    {
        assert!((8..=15).contains(&bits), "window bits {bits}");
    }
    let resp = p.response_header_value();
    assert!(!resp.contains([',', '\r', '\n']));
    // The agreement written out reads back as the same parameters (a
    // client_max_window_bits of 15 is the default and is left out).
    let back = deflate::parse_extension_offer(resp.as_bytes()).expect("own response parses");
    let want = DeflateParams {
        client_max_window_bits: p.client_max_window_bits.filter(|&b| b < 15),
        ..p
    };
    assert_eq!(back, want, "response {resp:?} reads back differently");
}

fn check_handshake(req: &Request) {
    let upgrade = handshake::is_websocket_upgrade(req);
    assert_eq!(
        upgrade,
        req.header_all("upgrade")
            .any(|v| token_model(v, "websocket"))
    );
    let key = handshake::validate_key(req);
    match (key, req.header("sec-websocket-key")) {
        (Some(k), Some(h)) => {
            assert_eq!(k, h);
            assert_eq!(k.len(), handshake::KEY_LEN);
        }
        (None, Some(h)) => assert_ne!(h.len(), handshake::KEY_LEN),
        (None, None) => {}
        (Some(_), None) => panic!("a key without a header"),
    }
    let accept = key.map(handshake::accept_key);
    if let Some(a) = &accept {
        assert_eq!(a.len(), 28);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    }
    let protos = handshake::offered_subprotocols(req);
    let mut expected = 0;
    for v in req.header_all("sec-websocket-protocol") {
        expected += v
            .split(|&b| b == b',')
            .filter(|t| !http::trim_ows(t).is_empty())
            .count();
    }
    assert_eq!(protos.len(), expected);
    for p in &protos {
        assert!(!p.is_empty());
        assert!(!p.contains([',', '\r', '\n']));
        assert!(!p.starts_with([' ', '\t']) && !p.ends_with([' ', '\t']));
    }
    let mut ext = None;
    for v in req.header_all("sec-websocket-extensions") {
        check_offer(v);
        ext = ext.or(deflate::parse_extension_offer(v));
    }
    // The 101 the runtime would build from this request is a valid HTTP
    // response carrying the accept key.
    let accept = accept.unwrap_or_else(|| handshake::accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
    let ext_value = ext.map(|_| deflate::SWOOLE_RESPONSE_VALUE);
    let resp = handshake::response_101(
        &accept,
        protos.first().map(String::as_str),
        ext_value,
        "Sun, 22 Nov 2026 02:51:39 GMT",
    );
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut r = httparse::Response::new(&mut headers);
    match r.parse(&resp) {
        Ok(httparse::Status::Complete(n)) => assert_eq!(n, resp.len()),
        other => panic!(
            "101 does not parse: {other:?} {:?}",
            String::from_utf8_lossy(&resp)
        ),
    }
    assert_eq!(r.code, Some(101));
    assert!(r
        .headers
        .iter()
        .any(|h| h.name == "Sec-WebSocket-Accept" && h.value == accept.as_bytes()));
}

/// Byte 0 bit 0 picks the mode: 0 = the rest is a whole request; 1 = the
/// rest is one header value, put into a request as Upgrade, Key, Protocol
/// and Extensions (and given to the value parsers directly).
pub fn run_handshake(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_header_bytes: 8192,
        max_headers: 64,
        max_body: 4096,
        max_upload: 0,
    };
    if mode & 1 == 0 {
        if let Ok(Some((req, _))) = http::parse_request(rest, &limits) {
            check_handshake(&req);
        }
        return;
    }
    check_offer(rest);
    let _ = handshake::header_has_token(rest, "websocket");
    let mut buf = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: ".to_vec();
    for name in [
        "\r\nSec-WebSocket-Key: ",
        "\r\nSec-WebSocket-Protocol: ",
        "\r\nSec-WebSocket-Extensions: ",
    ] {
        buf.extend_from_slice(rest);
        buf.extend_from_slice(name.as_bytes());
    }
    buf.extend_from_slice(rest);
    buf.extend_from_slice(b"\r\n\r\n");
    if let Ok(Some((req, _))) = http::parse_request(&buf, &limits) {
        check_handshake(&req);
    }
}

// ---------------------------------------------------------------------------
// pack / unpack
// ---------------------------------------------------------------------------

use swoole::protocol::pack::{self, UnpackError, FLAG_RSV2, FLAG_RSV3};

fn check_unpack(data: &[u8]) -> Option<pack::Unpacked> {
    let res = pack::unpack(data);
    match &res {
        Err(UnpackError::TooShort) => assert!(data.len() < 2),
        Err(UnpackError::Incomplete { expected, actual }) => {
            assert_eq!(*actual, data.len());
            assert!(
                *expected > *actual as u64,
                "incomplete but {expected} <= {actual}"
            );
        }
        Err(UnpackError::Inflate(_)) => assert!(data[0] & frame::RSV1 != 0),
        Ok(u) => {
            let h = Header::parse(data).expect("unpacked without a header");
            let total = h.header_len as u64 + h.payload_len;
            assert!(total <= data.len() as u64);
            assert_eq!(u.opcode, data[0] & 0x0f);
            assert_eq!(u.fin, data[0] & 0x80 != 0);
            assert_eq!(u.flags & !pack::FLAGS_ALL, 0);
            assert_eq!(u.flags & FLAG_FIN != 0, u.fin);
            assert_eq!(u.flags & FLAG_MASK != 0, h.mask.is_some());
            assert_eq!(u.flags & FLAG_RSV2 != 0, data[0] & frame::RSV2 != 0);
            assert_eq!(u.flags & FLAG_RSV3 != 0, data[0] & frame::RSV3 != 0);
            let rsv1 = data[0] & frame::RSV1 != 0;
            assert_eq!(u.flags & (FLAG_COMPRESS | FLAG_RSV1) != 0, rsv1);
            assert!(u.payload.len() <= pack::UNPACK_INFLATE_MAX);
            let mut raw = data[h.header_len..total as usize].to_vec();
            if let Some(k) = h.mask {
                frame::apply_mask(&mut raw, k);
            }
            if u.opcode == opcode::CLOSE {
                assert!(u.payload.is_empty());
                assert!(u.close.is_some());
                if !rsv1 {
                    let (code, reason) = u.close.clone().unwrap();
                    if raw.len() >= 2 {
                        assert_eq!(code, u16::from_be_bytes([raw[0], raw[1]]));
                        assert_eq!(reason, String::from_utf8_lossy(&raw[2..]));
                    } else {
                        assert_eq!((code, reason.as_str()), (1000, ""));
                    }
                }
            } else {
                assert!(u.close.is_none());
                if !rsv1 {
                    assert_eq!(u.payload, raw);
                }
            }
        }
    }
    res.ok()
}

/// Byte 0: opcode (mod 12, so 11 is the too-large case), byte 1: flags;
/// the rest is the payload to pack. The whole input is also unpacked.
pub fn run_pack(data: &[u8]) {
    check_unpack(data);
    let [op, flags, payload @ ..] = data else {
        return;
    };
    let op = op % 12;
    let packed = match pack::pack(payload, op, *flags) {
        Ok(p) => p,
        Err(pack::PackError::OpcodeTooLarge) => {
            assert!(op > pack::OPCODE_MAX);
            return;
        }
        Err(pack::PackError::ReasonTooLong) => {
            assert_eq!(op, opcode::CLOSE);
            return;
        }
    };
    assert!(op <= pack::OPCODE_MAX);
    let flags = flags & pack::FLAGS_ALL;
    let compressed = flags & FLAG_COMPRESS != 0 && !payload.is_empty();
    // RSV1 without COMPRESS sets the bit on plain data, which unpack() then
    // tries to inflate: it may fail, and there is nothing to compare.
    let rsv1_only = flags & FLAG_RSV1 != 0 && !compressed;
    // A close frame with COMPRESS has its reason deflated after the plain
    // 2-byte code (Swoole's layout) but RSV1 on the whole frame, so unpack()
    // inflates code + reason and fails: not an inverse either.
    let close_compressed = op == opcode::CLOSE && compressed;
    let Some(u) = check_unpack(&packed) else {
        assert!(
            rsv1_only || close_compressed,
            "own pack() output does not unpack"
        );
        return;
    };
    if close_compressed {
        return;
    }
    assert_eq!(u.opcode, op);
    assert_eq!(u.fin, flags & FLAG_FIN != 0 || opcode::is_control(op));
    assert_eq!(u.flags & FLAG_MASK, flags & FLAG_MASK);
    if rsv1_only {
        return;
    }
    if op == opcode::CLOSE {
        assert_eq!(
            u.close,
            Some((0, String::from_utf8_lossy(payload).into_owned()))
        );
    } else {
        assert_eq!(u.payload, payload, "pack/unpack round trip");
    }
}

// ---------------------------------------------------------------------------
// IPC codec (messages between worker processes)
// ---------------------------------------------------------------------------

use swoole::worker::ipc::{self, Message, Reassembler};

/// Packet header size and the batch flag (`worker::ipc` keeps its own
/// private; the layout is documented there).
const IPC_HEADER: usize = 8;
const IPC_BATCH: u8 = 4;

/// Bytes `Message::decode` accepts are canonical (they encode back to the
/// very same bytes, which decode to the same message) and cross the packet
/// layer whole, alone or batched.
fn check_ipc_message(bytes: &[u8]) {
    let Ok(m) = Message::decode(bytes) else {
        return;
    };
    let enc = m.encode();
    assert_eq!(enc, bytes, "decode then encode changed the bytes: {m:?}");
    assert_eq!(Message::decode(&enc).as_ref(), Ok(&m));
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    for p in ipc::packets(3, &enc) {
        r.feed_into(&p, &mut got);
    }
    assert_eq!(got, vec![(3, enc.clone())], "packets do not join back");
    let mut got = Vec::new();
    for p in ipc::batch_packets(4, &[enc.clone(), enc.clone()]) {
        r.feed_into(&p, &mut got);
    }
    assert_eq!(
        got,
        vec![(4, enc.clone()), (4, enc)],
        "batch does not split back"
    );
}

/// Byte 0 bit 0 picks the mode: 0 = the rest is one encoded message
/// ([`check_ipc_message`]); 1 = the rest is a stream of packets, each a
/// length byte and that many bytes (fewer at the end), fed to one
/// [`Reassembler`], and every message it completes is checked as in mode 0.
pub fn run_ipc(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        check_ipc_message(rest);
        return;
    }
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    let mut stream = rest;
    while let Some((&len, tail)) = stream.split_first() {
        let (p, tail) = tail.split_at(usize::from(len).min(tail.len()));
        stream = tail;
        let before = got.len();
        r.feed_into(p, &mut got);
        let new = &got[before..];
        if p.len() < IPC_HEADER {
            assert!(new.is_empty(), "a message from a packet without a header");
            continue;
        }
        let body = &p[IPC_HEADER..];
        let batch = p[4] & IPC_BATCH != 0;
        if batch {
            // Each message is a length-prefixed slice of the body, in order.
            let total: usize = new.iter().map(|(_, m)| 4 + m.len()).sum();
            assert!(total <= body.len(), "batch messages longer than the packet");
        } else {
            assert!(
                new.len() <= 1,
                "one packet completed {} messages",
                new.len()
            );
        }
        for (from, m) in new {
            assert_eq!(from.to_le_bytes(), p[..4], "sender id");
            if !batch {
                assert!(
                    m.ends_with(body),
                    "a message not ending with its last chunk"
                );
            }
            assert!(m.len() <= ipc::MAX_MESSAGE);
        }
    }
    for (_, m) in &got {
        check_ipc_message(m);
    }
}

// ---------------------------------------------------------------------------
// HTTP responses (the coroutine HTTP client)
// ---------------------------------------------------------------------------

use swoole::protocol::http_client::{ParseError, Parsed, Response, ResponseParser};

/// What a stream of responses parsed to: the responses, then how it ended.
#[derive(Debug, PartialEq)]
enum ResponsesEnd {
    /// More bytes were wanted; at the server's close the pending one gave
    /// this.
    Pending(Result<Response, ParseError>),
    Error(ParseError),
}

/// Parses `stream` fed `chunk` bytes at a time (0: all at once).
fn parse_responses(
    stream: &[u8],
    chunk: usize,
    head: bool,
    max_body: usize,
) -> (Vec<Response>, ResponsesEnd) {
    let mut p = ResponseParser::new(head, max_body);
    let mut buf = bytes::BytesMut::new();
    let mut out = Vec::new();
    let step = if chunk == 0 {
        stream.len().max(1)
    } else {
        chunk
    };
    for piece in stream.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            match p.feed(&mut buf) {
                Ok(Parsed::Done(r)) => {
                    assert!(r.body.len() <= max_body || r.header("content-encoding").is_some());
                    out.push(r);
                }
                Ok(Parsed::NeedMore) => break,
                Err(e) => return (out, ResponsesEnd::Error(e)),
            }
        }
    }
    (out, ResponsesEnd::Pending(p.eof()))
}

/// The response parser: 1 config byte (bit 0 HEAD request, bits 1-2 body
/// limit 16/100/4096/1 MiB, bits 3-4 read size 1/7/64/all), then the bytes
/// a server sends. Fed at once and in pieces, it gives the same responses
/// and the same end; no body over the limit (before decoding).
pub fn run_http_response(data: &[u8]) {
    let Some((&cfg, stream)) = data.split_first() else {
        return;
    };
    let head = cfg & 1 != 0;
    let max_body = [16, 100, 4096, 1 << 20][usize::from((cfg >> 1) & 3)];
    let chunk = [1, 7, 64, 0][usize::from((cfg >> 3) & 3)];
    let whole = parse_responses(stream, 0, head, max_body);
    let pieces = parse_responses(stream, chunk, head, max_body);
    assert_eq!(
        whole.0, pieces.0,
        "responses differ when read in pieces of {chunk}"
    );
    match (&whole.1, &pieces.1) {
        (ResponsesEnd::Error(_), ResponsesEnd::Error(_)) => {}
        (a, b) => assert_eq!(a, b),
    }
    let _ = swoole::protocol::http_client::parse_set_cookie(stream);
    let _ = swoole::protocol::http_client::urldecode(stream);
}
