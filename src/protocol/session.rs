//! One connection's protocol states, as a state machine without IO.
//!
//! A connection starts as HTTP/1.1 (keep-alive, pipelined requests), may be
//! upgraded to WebSocket, and ends. Which of these it is in and what the
//! bytes it receives mean is decided here; reading, writing, waiting and
//! time are the runtime's ([`crate::runtime::server`]). The split is the one
//! quinn-proto and hyper make: the runtime appends what it read to a buffer
//! and calls [`Session::poll`], which says what to do next as an [`Output`]
//! (read more, hand a request or a message to the script, send a pong, fail
//! the connection with a close code, ...). Where the flow waits on something
//! outside the protocol (the script's response, its handshake callback),
//! the runtime reports it through the transition methods
//! ([`Session::await_response`], [`Session::response_done`],
//! [`Session::open`], ...). So every state and every transition can be
//! tested, and fuzzed, by feeding bytes, with no socket and no executor.
//!
//! ```text
//! Http ── poll: Request, answered at once (static file, 400) ──► Http
//! Http ── await_response ──► AwaitingResponse ── response_done ──► Http
//!                                             (not keep-alive) ──► Closing
//! Http ── await_handshake ──► AwaitingResponse ── open ──► WebSocket
//!                                  (refused: close) ──► Closing
//! Http ── accept_upgrade, open ──► WebSocket
//! WebSocket ── poll: CloseEcho, Fail ──► Closing
//! Http ── poll: Reject; timed_out; close ──► Closing
//! ```
//!
//! The machine holds no timer and no socket, so it is small: it lives in
//! every connection's reader task, idle or not.

use bytes::{Buf, Bytes, BytesMut};

use super::date::http_date;
use super::deflate::{self, Agreement, DeflatePolicy, Inflater};
use super::frame::{self, Frame, FrameError};
use super::handshake;
use super::http::{self, HttpError, Request};
use super::message::{AssemblerConfig, Event, MessageAssembler};

/// The most bytes of request head buffered before the request is refused.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 128;

/// What a client that sent `Expect: 100-continue` waits for.
pub const RESPONSE_100_CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
/// A request that did not arrive in time (`http_request_timeout`).
pub const RESPONSE_408: &[u8] =
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
/// A request body over `package_max_length`.
pub const RESPONSE_413: &[u8] =
    b"HTTP/1.1 413 Request Entity Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/// onClose's reactor id for a connection the peer ended (its close frame,
/// EOF, a protocol violation, an unacceptable request), as Swoole reports it.
pub const CLOSED_BY_PEER: i32 = 0;
/// onClose's reactor id for a connection the server ended.
pub const CLOSED_BY_SERVER: i32 = -1;

/// The settings the protocol states depend on, copied out of the server's
/// settings once per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// `package_max_length`: the largest request body, frame payload and
    /// (reassembled, inflated) message.
    pub max_length: usize,
    /// `open_websocket_protocol`: upgrade requests are upgraded (else they
    /// are plain requests).
    pub websocket: bool,
    /// `open_websocket_ping_frame`: pings go to the script, which answers
    /// them, instead of an automatic pong.
    pub ping_frame: bool,
    /// `open_websocket_pong_frame`: pongs go to the script.
    pub pong_frame: bool,
    /// `open_websocket_close_frame`: the client's close frame goes to the
    /// script (before the echo).
    pub close_frame: bool,
    /// `upload_max_filesize` (0: off): a `multipart/form-data` body may be
    /// this large even over `max_length`, as Swoole takes such uploads.
    pub max_upload: usize,
}

impl Default for Config {
    /// Swoole's defaults: 2 MiB, WebSocket on, control frames handled here.
    fn default() -> Config {
        Config {
            max_length: 2 * 1024 * 1024,
            websocket: true,
            ping_frame: false,
            pong_frame: false,
            close_frame: false,
            max_upload: 0,
        }
    }
}

/// Where inflaters (~46 KiB of state each) come from and go back to. The
/// runtime keeps a few per thread, handed from connection to connection
/// while each needs one only for the message it is receiving; the machine
/// only says when it needs one and when it is done with it.
pub trait InflaterPool {
    /// An inflater for a compressed message under `agreement`.
    fn take(&mut self, agreement: &Agreement) -> Box<Inflater>;
    /// `inflater` (reset at its message's end) is not needed any more.
    fn give_back(&mut self, inflater: Box<Inflater>);
}

/// No pool: a new inflater when one is needed, dropped when done.
#[derive(Debug, Default, Clone, Copy)]
pub struct FreshInflaters;

impl InflaterPool for FreshInflaters {
    fn take(&mut self, agreement: &Agreement) -> Box<Inflater> {
        Box::new(agreement.inflater())
    }

    fn give_back(&mut self, _inflater: Box<Inflater>) {}
}

/// What the runtime is to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// Read more bytes, append them to the buffer and poll again.
    NeedMore,
    /// Send [`RESPONSE_100_CONTINUE`] (the request's head asked for it
    /// before sending its body), then read more as for [`Output::NeedMore`].
    SendContinue,
    /// A complete HTTP request that is not an upgrade; its bytes are gone
    /// from the buffer. Either answer it at once (the machine stays in
    /// [`State::Http`]) or hand it to the script and
    /// [`Session::await_response`].
    Request(Request),
    /// A WebSocket upgrade request: answer it through the script's
    /// handshake callback ([`Session::await_handshake`]) or built in
    /// ([`Session::accept_upgrade`]); then [`Session::open`].
    Upgrade(Request),
    /// A request that cannot be served: send `response`, then close
    /// ([`CLOSED_BY_PEER`]). `too_large`: the body length over the limit,
    /// for the log.
    Reject {
        response: &'static [u8],
        too_large: Option<u64>,
    },
    /// A message, or a control frame the settings pass to the script.
    Dispatch(Event),
    /// A ping answered without the script: send a pong with this payload.
    SendPong(Bytes),
    /// A pong the settings keep from the script: nothing to send.
    PongReceived,
    /// The client's close frame: hand `dispatch` to the script if it is
    /// there (`open_websocket_close_frame`), then echo `payload` in a close
    /// frame and end ([`CLOSED_BY_PEER`]).
    CloseEcho {
        payload: Bytes,
        dispatch: Option<Event>,
    },
    /// Fail the connection: send a close frame with `code` and end
    /// ([`CLOSED_BY_PEER`]). `too_large`: the frame's whole length
    /// (header and payload) when it was over the limit, for the log.
    Fail { code: u16, too_large: Option<u64> },
    /// A response is pending: nothing to parse until
    /// [`Session::response_done`] or [`Session::open`]. What arrives
    /// meanwhile is buffered, up to [`Session::buffer_limit`].
    AwaitingResponse,
    /// The machine has ended the connection: nothing more to do.
    Closed,
}

/// Which of its protocol states a connection is in.
#[derive(Debug)]
pub enum State {
    /// Reading HTTP requests.
    Http {
        /// `package_max_length`, the body limit.
        max_length: usize,
        /// `100 Continue` was sent for the request being received.
        continue_sent: bool,
    },
    /// A request (or an upgrade request) is with the script, which has not
    /// ended its response yet.
    AwaitingResponse {
        /// `package_max_length`.
        max_length: usize,
        /// Whether the request asked to keep the connection open.
        keep_alive: bool,
        /// The script's handshake callback is answering an upgrade.
        handshake: bool,
    },
    /// Upgraded: reading frames.
    WebSocket(WebSocket),
    /// Ending: nothing more is read.
    Closing,
}

/// The WebSocket state: message reassembly and inflate state.
#[derive(Debug)]
pub struct WebSocket {
    assembler: MessageAssembler,
    agreement: Option<Agreement>,
    /// Taken on the first compressed frame: a connection that negotiated
    /// permessage-deflate but never compresses costs no inflate state.
    inflater: Option<Box<Inflater>>,
}

/// The built-in handshake's answer to an upgrade request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The `101 Switching Protocols` response.
    pub response: Vec<u8>,
    /// The permessage-deflate agreement it announces, if any.
    pub agreement: Option<Agreement>,
}

impl Handshake {
    /// Adds header lines (`onBeforeHandshakeResponse`'s) to the 101.
    /// A name or value with a line break or NUL would inject headers: that
    /// pair is left out.
    pub fn add_headers(&mut self, extra: &[(String, Vec<u8>)]) {
        let response = &mut self.response;
        if extra.is_empty() || !response.ends_with(b"\r\n\r\n") {
            return;
        }
        response.truncate(response.len() - 2);
        for (name, value) in extra {
            if name
                .bytes()
                .chain(value.iter().copied())
                .any(|b| matches!(b, b'\r' | b'\n' | 0))
            {
                continue;
            }
            response.extend_from_slice(name.as_bytes());
            response.extend_from_slice(b": ");
            response.extend_from_slice(value);
            response.extend_from_slice(b"\r\n");
        }
        response.extend_from_slice(b"\r\n");
    }
}

/// What the built-in handshake may agree to.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpgradePolicy<'a> {
    /// `websocket_subprotocol`: announced only when the client offered it.
    pub subprotocol: Option<&'a str>,
    /// `websocket_compression`: permessage-deflate within this policy.
    pub compression: Option<DeflatePolicy>,
}

/// One connection's protocol state machine. `P` supplies inflaters.
///
/// It lives in every connection's reader task, idle or not, so it is kept
/// at the size of its largest state: the length limit rides in the states
/// (the WebSocket state's is its assembler's) rather than in a copy of
/// [`Config`] beside them.
#[derive(Debug)]
pub struct Session<P: InflaterPool = FreshInflaters> {
    state: State,
    flags: Flags,
    pool: P,
}

/// [`Config`]'s switches.
#[derive(Debug, Clone, Copy)]
struct Flags {
    websocket: bool,
    ping_frame: bool,
    pong_frame: bool,
    close_frame: bool,
    /// `upload_max_filesize` in bytes (at most 4 GiB; it fits in the
    /// room the flags leave, so a connection stays as small).
    max_upload: u32,
}

impl Session<FreshInflaters> {
    /// A connection that has sent nothing yet.
    pub fn new(cfg: Config) -> Self {
        Session::with_pool(cfg, FreshInflaters)
    }
}

impl<P: InflaterPool> Session<P> {
    /// A connection that has sent nothing yet, with inflaters from `pool`.
    pub fn with_pool(cfg: Config, pool: P) -> Self {
        Session {
            state: State::Http {
                max_length: cfg.max_length,
                continue_sent: false,
            },
            flags: Flags {
                websocket: cfg.websocket,
                ping_frame: cfg.ping_frame,
                pong_frame: cfg.pong_frame,
                close_frame: cfg.close_frame,
                max_upload: u32::try_from(cfg.max_upload).unwrap_or(u32::MAX),
            },
            pool,
        }
    }

    /// The state the connection is in.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// `package_max_length`, wherever the state keeps it (none once closing).
    fn max_length(&self) -> Option<usize> {
        match &self.state {
            State::Http { max_length, .. } | State::AwaitingResponse { max_length, .. } => {
                Some(*max_length)
            }
            State::WebSocket(ws) => Some(ws.assembler.config().max_message),
            State::Closing => None,
        }
    }

    /// Consumes what it can from the front of `buf` and says what to do
    /// next. Never panics on what a peer sends.
    ///
    /// Inlined into the runtime's frame loop with the WebSocket state's
    /// part, the path of every message; the other states' part is a call.
    #[inline(always)]
    pub fn poll(&mut self, buf: &mut BytesMut) -> Output {
        if let State::WebSocket(_) = self.state {
            return poll_websocket(&mut self.state, buf, self.flags, &mut self.pool);
        }
        self.poll_http(buf)
    }

    /// [`Session::poll`] outside the WebSocket state: once per request,
    /// not per message, so not inlined.
    #[inline(never)]
    fn poll_http(&mut self, buf: &mut BytesMut) -> Output {
        match &mut self.state {
            State::WebSocket(_) => poll_websocket(&mut self.state, buf, self.flags, &mut self.pool),
            State::Http {
                max_length,
                continue_sent,
            } => {
                let limits = http::Limits {
                    max_header_bytes: MAX_HEADER_BYTES,
                    max_headers: MAX_HEADERS,
                    max_body: *max_length,
                    max_upload: self.flags.max_upload as usize,
                };
                let parsed = if buf.is_empty() {
                    Ok(None)
                } else {
                    http::parse_request(buf, &limits)
                };
                match parsed {
                    Ok(Some((req, used))) => {
                        buf.advance(used);
                        *continue_sent = false;
                        if self.flags.websocket && handshake::is_websocket_upgrade(&req) {
                            Output::Upgrade(req)
                        } else {
                            Output::Request(req)
                        }
                    }
                    Ok(None) => {
                        // curl and other clients send `Expect: 100-continue`
                        // before a large body and wait for this before
                        // sending it.
                        if !*continue_sent && http::expects_continue(buf) {
                            *continue_sent = true;
                            Output::SendContinue
                        } else {
                            Output::NeedMore
                        }
                    }
                    Err(HttpError::BodyTooLarge { len }) => {
                        self.state = State::Closing;
                        Output::Reject {
                            response: RESPONSE_413,
                            too_large: Some(len),
                        }
                    }
                    Err(_) => {
                        self.state = State::Closing;
                        Output::Reject {
                            response: handshake::RESPONSE_400_UNPARSEABLE,
                            too_large: None,
                        }
                    }
                }
            }
            State::AwaitingResponse { .. } => Output::AwaitingResponse,
            State::Closing => Output::Closed,
        }
    }

    /// Whether the HTTP request timeout runs while reading into `buf`:
    /// only a request that has started may time out; an idle keep-alive
    /// connection is the heartbeat's business.
    pub fn request_started(&self, buf: &[u8]) -> bool {
        matches!(self.state, State::Http { .. }) && !buf.is_empty()
    }

    /// The request did not arrive in time: the response to send before
    /// closing ([`CLOSED_BY_SERVER`]).
    pub fn timed_out(&mut self) -> &'static [u8] {
        self.state = State::Closing;
        RESPONSE_408
    }

    /// The [`Output::Request`] went to the script; wait for its response.
    pub fn await_response(&mut self, keep_alive: bool) {
        if let State::Http { max_length, .. } = self.state {
            self.state = State::AwaitingResponse {
                max_length,
                keep_alive,
                handshake: false,
            };
        }
    }

    /// The [`Output::Upgrade`] went to the script's handshake callback;
    /// wait for its response, then [`Session::open`] (it accepted) or
    /// [`Session::close`].
    pub fn await_handshake(&mut self) {
        if let State::Http { max_length, .. } = self.state {
            self.state = State::AwaitingResponse {
                max_length,
                keep_alive: true,
                handshake: true,
            };
        }
    }

    /// How many received bytes to buffer while a response is pending (a
    /// pipelined request; frames sent right after the handshake, bounded
    /// like one message) before reading stops until it is done.
    pub fn buffer_limit(&self) -> usize {
        match self.state {
            State::AwaitingResponse {
                max_length,
                handshake: true,
                ..
            } => max_length.saturating_add(64),
            _ => MAX_HEADER_BYTES,
        }
    }

    /// The script ended its response: true to go on reading requests,
    /// false to close ([`CLOSED_BY_SERVER`]): the request did not ask to
    /// keep the connection open.
    pub fn response_done(&mut self) -> bool {
        match self.state {
            State::AwaitingResponse {
                max_length,
                keep_alive: true,
                ..
            } => {
                self.state = State::Http {
                    max_length,
                    continue_sent: false,
                };
                true
            }
            State::AwaitingResponse { .. } | State::Closing => {
                self.state = State::Closing;
                false
            }
            _ => true,
        }
    }

    /// Answers an [`Output::Upgrade`] request the built-in way: the 101
    /// with the negotiated subprotocol and permessage-deflate, for
    /// [`Session::open`] once it is sent; or, for a missing or malformed
    /// key, the 400 to send before closing ([`CLOSED_BY_SERVER`]).
    /// `now`: the Unix time, for the Date header.
    pub fn accept_upgrade(
        &mut self,
        req: &Request,
        policy: &UpgradePolicy<'_>,
        now: u64,
    ) -> Result<Handshake, Vec<u8>> {
        let Some(key) = handshake::validate_key(req) else {
            self.state = State::Closing;
            return Err(handshake::response_400_bad_key(&http_date(now)));
        };
        let accept = handshake::accept_key(key);
        // Deviation from Swoole (see README): the configured subprotocol is
        // only announced when the client offered it, as RFC 6455 requires.
        let subprotocol = policy
            .subprotocol
            .filter(|p| handshake::offered_subprotocols(req).iter().any(|o| o == p));
        // permessage-deflate: by default Swoole's answer (both sides reset
        // their window after each message); context takeover where the
        // settings allow it and the client offers it.
        let agreement = policy.compression.and_then(|policy| {
            deflate::negotiate(
                req.headers
                    .iter()
                    .filter(|(name, _)| name == "sec-websocket-extensions")
                    .map(|(_, value)| &value[..]),
                policy,
            )
        });
        let extension = agreement.map(|a| a.response_header_value());
        let response =
            handshake::response_101(&accept, subprotocol, extension.as_deref(), &http_date(now));
        Ok(Handshake {
            response,
            agreement,
        })
    }

    /// The upgrade is complete (the 101 went out): frames from here on,
    /// with permessage-deflate if `agreement`. Bytes the client sent right
    /// after its upgrade request are still in the buffer: the next
    /// [`Session::poll`] decodes them.
    pub fn open(&mut self, agreement: Option<Agreement>) {
        let Some(max_length) = self.max_length() else {
            return;
        };
        self.state = State::WebSocket(WebSocket {
            assembler: MessageAssembler::new(AssemblerConfig {
                max_message: max_length,
                require_mask: true,
                deflate: agreement.is_some(),
            }),
            agreement,
            inflater: None,
        });
    }

    /// The connection ends for a reason outside the protocol (the runtime
    /// closed it, the peer went away, the handshake callback refused).
    pub fn close(&mut self) {
        self.state = State::Closing;
    }
}

/// The WebSocket state's [`Session::poll`]: decodes frames until one
/// produces an output (fragments are only buffered) or more bytes are
/// needed. Takes the whole state, not the [`WebSocket`] in it, so that an
/// ending output moves it to [`State::Closing`] on the spot and every
/// output is built where the caller receives it (no copy of the
/// [`Output`] on the way, on the path of every message).
#[inline(always)]
fn poll_websocket<P: InflaterPool>(
    state: &mut State,
    buf: &mut BytesMut,
    flags: Flags,
    pool: &mut P,
) -> Output {
    let State::WebSocket(ws) = state else {
        return Output::Closed;
    };
    let max_length = ws.assembler.config().max_message;
    loop {
        let frame = match Frame::decode(buf, max_length) {
            Ok(Some(f)) => f,
            Ok(None) => return Output::NeedMore,
            Err(FrameError::TooLarge { len, .. }) => {
                // Swoole reports the whole packet: header and payload.
                let len = frame::expected_len(buf).unwrap_or(len);
                *state = State::Closing;
                return Output::Fail {
                    code: super::close::TOO_BIG,
                    too_large: Some(len),
                };
            }
        };
        if let Some(a) = ws.agreement.filter(|_| frame.rsv1 && ws.inflater.is_none()) {
            ws.inflater = Some(pool.take(&a));
        }
        let pushed = ws.assembler.push(frame, ws.inflater.as_deref_mut());
        // Without client context takeover nothing is kept between
        // messages: hand the inflate state back for the next one.
        if matches!(pushed, Ok(Some(_)))
            && !ws.assembler.in_message()
            && ws.agreement.is_some_and(|a| a.client_no_context_takeover())
        {
            if let Some(inf) = ws.inflater.take() {
                pool.give_back(inf);
            }
        }
        // Each event is moved once, from the assembler's answer into the
        // output: this is the path of every message.
        return match pushed {
            Ok(Some(event @ Event::Message { .. })) => Output::Dispatch(event),
            Ok(Some(Event::Ping(payload))) if !flags.ping_frame => Output::SendPong(payload),
            Ok(Some(event @ Event::Ping(_))) => Output::Dispatch(event),
            Ok(Some(event @ Event::Pong(_))) if flags.pong_frame => Output::Dispatch(event),
            Ok(Some(Event::Pong(_))) => Output::PongReceived,
            Ok(Some(Event::Close {
                code,
                reason,
                payload,
            })) => {
                *state = State::Closing;
                Output::CloseEcho {
                    payload: payload.clone(),
                    dispatch: flags.close_frame.then_some(Event::Close {
                        code,
                        reason,
                        payload,
                    }),
                }
            }
            Ok(None) => continue,
            Err(violation) => {
                *state = State::Closing;
                Output::Fail {
                    code: violation.code,
                    too_large: None,
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::close;
    use crate::protocol::deflate::Deflater;
    use crate::protocol::frame::opcode;

    const MASK: [u8; 4] = [0x11, 0x22, 0x33, 0x44];
    const GET: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const UPGRADE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

    /// A client frame: masked unless `mask` is None.
    fn client_frame(fin: bool, rsv: u8, op: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        frame::encode(&mut out, fin, rsv, op, mask, payload);
        out
    }

    fn masked(op: u8, payload: &[u8]) -> Vec<u8> {
        client_frame(true, 0, op, Some(MASK), payload)
    }

    /// A session already upgraded (built-in handshake, no extension).
    fn websocket(cfg: Config) -> Session {
        let mut s = Session::new(cfg);
        s.open(None);
        s
    }

    /// Polls until the machine needs bytes; every output before that.
    fn drain<P: InflaterPool>(s: &mut Session<P>, buf: &mut BytesMut) -> Vec<Output> {
        let mut outs = Vec::new();
        for _ in 0..1000 {
            match s.poll(buf) {
                Output::NeedMore | Output::AwaitingResponse | Output::Closed => return outs,
                out => {
                    let ends = matches!(
                        out,
                        Output::Fail { .. } | Output::CloseEcho { .. } | Output::Reject { .. }
                    );
                    outs.push(out);
                    if ends {
                        return outs;
                    }
                }
            }
        }
        panic!("the machine never asked for more bytes");
    }

    fn text(payload: &str) -> Output {
        Output::Dispatch(Event::Message {
            opcode: opcode::TEXT,
            payload: Bytes::copy_from_slice(payload.as_bytes()),
            flags: 33,
        })
    }

    #[test]
    fn an_http_request_in_one_feed_or_byte_by_byte() {
        let mut s = Session::new(Config::default());
        let mut buf = BytesMut::from(GET);
        let Output::Request(req) = s.poll(&mut buf) else {
            panic!("no request");
        };
        assert_eq!(req.path, "/a");
        assert!(buf.is_empty());
        assert_eq!(s.poll(&mut buf), Output::NeedMore);
        assert!(!s.request_started(&buf));

        let mut s = Session::new(Config::default());
        let mut buf = BytesMut::new();
        for (i, &b) in GET.iter().enumerate() {
            buf.extend_from_slice(&[b]);
            match s.poll(&mut buf) {
                Output::NeedMore => {
                    assert!(i + 1 < GET.len());
                    assert!(s.request_started(&buf));
                }
                Output::Request(req) => {
                    assert_eq!(i + 1, GET.len());
                    assert_eq!(req.path, "/a");
                }
                other => panic!("{other:?} at byte {i}"),
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn pipelined_requests_wait_for_the_response_and_keep_alive() {
        let mut s = Session::new(Config::default());
        let mut buf = BytesMut::new();
        buf.extend_from_slice(GET);
        buf.extend_from_slice(b"GET /b HTTP/1.1\r\nConnection: close\r\n\r\n");
        let Output::Request(first) = s.poll(&mut buf) else {
            panic!("no first request");
        };
        assert_eq!(first.path, "/a");
        s.await_response(first.keep_alive());
        assert!(matches!(s.state(), State::AwaitingResponse { .. }));
        // Nothing is parsed while the response is pending.
        assert_eq!(s.poll(&mut buf), Output::AwaitingResponse);
        assert_eq!(s.buffer_limit(), MAX_HEADER_BYTES);
        assert!(s.response_done());
        let Output::Request(second) = s.poll(&mut buf) else {
            panic!("no second request");
        };
        assert_eq!(second.path, "/b");
        s.await_response(second.keep_alive());
        assert!(!s.response_done(), "Connection: close keeps the connection");
        assert!(matches!(s.state(), State::Closing));
        assert_eq!(s.poll(&mut buf), Output::Closed);
    }

    #[test]
    fn expect_continue_is_answered_once() {
        let mut s = Session::new(Config::default());
        let mut buf = BytesMut::from(
            &b"POST /u HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"[..],
        );
        assert_eq!(s.poll(&mut buf), Output::SendContinue);
        assert_eq!(s.poll(&mut buf), Output::NeedMore);
        buf.extend_from_slice(b"ab");
        assert_eq!(s.poll(&mut buf), Output::NeedMore);
        buf.extend_from_slice(b"cd");
        let Output::Request(req) = s.poll(&mut buf) else {
            panic!("no request");
        };
        assert_eq!(&req.body[..], b"abcd");
    }

    #[test]
    fn unacceptable_requests_are_rejected() {
        let cfg = Config {
            max_length: 10,
            ..Config::default()
        };
        let mut s = Session::new(cfg);
        let mut buf = BytesMut::from(&b"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"[..]);
        assert_eq!(
            s.poll(&mut buf),
            Output::Reject {
                response: RESPONSE_413,
                too_large: Some(11)
            }
        );
        assert_eq!(s.poll(&mut buf), Output::Closed);

        let mut s = Session::new(cfg);
        let mut buf = BytesMut::from(&b"\x00\x01garbage\r\n\r\n"[..]);
        assert_eq!(
            s.poll(&mut buf),
            Output::Reject {
                response: handshake::RESPONSE_400_UNPARSEABLE,
                too_large: None
            }
        );

        let mut s = Session::new(cfg);
        let mut buf = BytesMut::from(&b"GET / HTTP/1.1\r\n"[..]);
        assert_eq!(s.poll(&mut buf), Output::NeedMore);
        assert_eq!(s.timed_out(), RESPONSE_408);
        assert_eq!(s.poll(&mut buf), Output::Closed);
    }

    #[test]
    fn an_upgrade_followed_by_a_frame_in_the_same_bytes() {
        let mut s = Session::new(Config::default());
        let mut buf = BytesMut::from(UPGRADE);
        buf.extend_from_slice(&masked(opcode::TEXT, b"early"));
        let Output::Upgrade(req) = s.poll(&mut buf) else {
            panic!("no upgrade");
        };
        let policy = UpgradePolicy {
            subprotocol: Some("chat"),
            compression: None,
        };
        let mut hs = s.accept_upgrade(&req, &policy, 0).expect("101");
        assert!(hs
            .response
            .starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
        let head = String::from_utf8(hs.response.clone()).expect("ascii");
        assert!(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(!head.contains("Sec-WebSocket-Protocol"), "not offered");
        assert_eq!(hs.agreement, None);
        hs.add_headers(&[
            ("X-A".into(), b"1".to_vec()),
            ("X-Bad".into(), b"1\r\nInjected: 1".to_vec()),
        ]);
        let head = String::from_utf8(hs.response).expect("ascii");
        assert!(head.ends_with("\r\nX-A: 1\r\n\r\n"), "{head}");
        assert!(!head.contains("Injected"));
        s.open(hs.agreement);
        assert_eq!(s.poll(&mut buf), text("early"));
        assert_eq!(s.poll(&mut buf), Output::NeedMore);
    }

    #[test]
    fn upgrades_only_when_websocket_is_on_and_the_key_is_valid() {
        let mut s = Session::new(Config {
            websocket: false,
            ..Config::default()
        });
        let mut buf = BytesMut::from(UPGRADE);
        assert!(matches!(s.poll(&mut buf), Output::Request(_)));

        let mut s = Session::new(Config::default());
        let mut buf = BytesMut::from(
            &b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: short\r\n\r\n"[..],
        );
        let Output::Upgrade(req) = s.poll(&mut buf) else {
            panic!("no upgrade");
        };
        let err = s
            .accept_upgrade(&req, &UpgradePolicy::default(), 0)
            .expect_err("a bad key");
        assert!(err.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(s.poll(&mut buf), Output::Closed);
    }

    #[test]
    fn the_handshake_callback_buffers_a_message_and_opens_or_refuses() {
        let cfg = Config {
            max_length: 1000,
            ..Config::default()
        };
        let mut s = Session::new(cfg);
        let mut buf = BytesMut::from(UPGRADE);
        assert!(matches!(s.poll(&mut buf), Output::Upgrade(_)));
        s.await_handshake();
        assert_eq!(s.buffer_limit(), 1064);
        buf.extend_from_slice(&masked(opcode::BINARY, b"\x01\x02"));
        assert_eq!(s.poll(&mut buf), Output::AwaitingResponse);
        s.open(None);
        assert_eq!(
            s.poll(&mut buf),
            Output::Dispatch(Event::Message {
                opcode: opcode::BINARY,
                payload: Bytes::from_static(b"\x01\x02"),
                flags: 33,
            })
        );

        let mut s = Session::new(cfg);
        let mut buf = BytesMut::from(UPGRADE);
        assert!(matches!(s.poll(&mut buf), Output::Upgrade(_)));
        s.await_handshake();
        s.close();
        assert_eq!(s.poll(&mut buf), Output::Closed);
    }

    #[test]
    fn masked_and_fragmented_messages() {
        let mut s = websocket(Config::default());
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&masked(opcode::TEXT, b"hello"));
        buf.extend_from_slice(&client_frame(false, 0, opcode::TEXT, Some(MASK), b"fr"));
        // A ping between the fragments is answered; the message goes on.
        buf.extend_from_slice(&masked(opcode::PING, b"p"));
        buf.extend_from_slice(&client_frame(
            false,
            0,
            opcode::CONTINUATION,
            Some(MASK),
            b"ag",
        ));
        buf.extend_from_slice(&client_frame(
            true,
            0,
            opcode::CONTINUATION,
            Some(MASK),
            b"ment",
        ));
        let all = buf.clone();
        assert_eq!(
            drain(&mut s, &mut buf),
            [
                text("hello"),
                Output::SendPong(Bytes::from_static(b"p")),
                text("fragment")
            ]
        );
        assert!(buf.is_empty());

        // The same bytes, a byte at a time.
        let mut s = websocket(Config::default());
        let mut buf = BytesMut::new();
        let mut outs = Vec::new();
        for &b in &all[..] {
            buf.extend_from_slice(&[b]);
            outs.extend(drain(&mut s, &mut buf));
        }
        assert_eq!(
            outs,
            [
                text("hello"),
                Output::SendPong(Bytes::from_static(b"p")),
                text("fragment")
            ]
        );
    }

    #[test]
    fn control_frames_follow_the_settings() {
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&masked(opcode::PING, b"hi"));
        buf.extend_from_slice(&masked(opcode::PONG, b"ho"));
        let bytes = buf.clone();

        let mut s = websocket(Config::default());
        assert_eq!(
            drain(&mut s, &mut buf),
            [
                Output::SendPong(Bytes::from_static(b"hi")),
                Output::PongReceived
            ]
        );

        let mut s = websocket(Config {
            ping_frame: true,
            pong_frame: true,
            ..Config::default()
        });
        let mut buf = bytes.clone();
        assert_eq!(
            drain(&mut s, &mut buf),
            [
                Output::Dispatch(Event::Ping(Bytes::from_static(b"hi"))),
                Output::Dispatch(Event::Pong(Bytes::from_static(b"ho")))
            ]
        );
    }

    #[test]
    fn a_close_frame_is_echoed_and_ends_the_connection() {
        let payload = [0x03, 0xe8, b'b', b'y', b'e'];
        for close_frame in [false, true] {
            let mut s = websocket(Config {
                close_frame,
                ..Config::default()
            });
            let mut buf = BytesMut::new();
            buf.extend_from_slice(&masked(opcode::CLOSE, &payload));
            buf.extend_from_slice(&masked(opcode::TEXT, b"after the close"));
            let Output::CloseEcho {
                payload: echo,
                dispatch,
            } = s.poll(&mut buf)
            else {
                panic!("no close");
            };
            assert_eq!(&echo[..], &payload);
            match dispatch {
                Some(Event::Close { code, reason, .. }) => {
                    assert!(close_frame);
                    assert_eq!((code, reason.as_str()), (Some(1000), "bye"));
                }
                None => assert!(!close_frame),
                Some(other) => panic!("{other:?}"),
            }
            assert!(matches!(s.state(), State::Closing));
            assert_eq!(s.poll(&mut buf), Output::Closed, "nothing read after it");
        }
    }

    #[test]
    fn a_frame_over_the_limit_fails_with_1009_from_its_header() {
        let mut s = websocket(Config {
            max_length: 100,
            ..Config::default()
        });
        let frame = masked(opcode::BINARY, &[0u8; 101]);
        // The header alone is enough: the payload is never buffered.
        let mut buf = BytesMut::from(&frame[..8]);
        assert_eq!(
            s.poll(&mut buf),
            Output::Fail {
                code: close::TOO_BIG,
                too_large: Some(frame.len() as u64)
            }
        );
        assert_eq!(s.poll(&mut buf), Output::Closed);
    }

    #[test]
    fn an_unmasked_frame_is_a_protocol_error() {
        let mut s = websocket(Config::default());
        let mut buf = BytesMut::from(&client_frame(true, 0, opcode::TEXT, None, b"x")[..]);
        assert_eq!(
            s.poll(&mut buf),
            Output::Fail {
                code: close::PROTOCOL_ERROR,
                too_large: None
            }
        );
        assert_eq!(s.poll(&mut buf), Output::Closed);
    }

    /// Counts what the machine takes from and gives back to its pool.
    #[derive(Default)]
    struct CountingPool {
        taken: usize,
        given_back: usize,
    }

    impl InflaterPool for &mut CountingPool {
        fn take(&mut self, a: &Agreement) -> Box<Inflater> {
            self.taken += 1;
            Box::new(a.inflater())
        }
        fn give_back(&mut self, _inf: Box<Inflater>) {
            self.given_back += 1;
        }
    }

    #[test]
    fn compressed_messages_borrow_an_inflater_per_message() {
        let mut pool = CountingPool::default();
        let mut s = Session::with_pool(Config::default(), &mut pool);
        let mut buf = BytesMut::from(
            &b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"[..],
        );
        let Output::Upgrade(req) = s.poll(&mut buf) else {
            panic!("no upgrade");
        };
        let policy = UpgradePolicy {
            subprotocol: None,
            compression: Some(DeflatePolicy::default()),
        };
        let hs = s.accept_upgrade(&req, &policy, 0).expect("101");
        let agreement = hs.agreement.expect("deflate agreed");
        assert!(agreement.client_no_context_takeover());
        s.open(Some(agreement));
        let c = Deflater::compress_once(b"squeeze me");
        buf.extend_from_slice(&client_frame(
            true,
            frame::RSV1,
            opcode::TEXT,
            Some(MASK),
            &c,
        ));
        buf.extend_from_slice(&masked(opcode::TEXT, b"plain"));
        buf.extend_from_slice(&client_frame(
            true,
            frame::RSV1,
            opcode::TEXT,
            Some(MASK),
            &c,
        ));
        let outs = drain(&mut s, &mut buf);
        assert_eq!(outs.len(), 3);
        for (out, want) in outs.iter().zip(["squeeze me", "plain", "squeeze me"]) {
            let Output::Dispatch(Event::Message { payload, .. }) = out else {
                panic!("{out:?}");
            };
            assert_eq!(&payload[..], want.as_bytes());
        }
        drop(s);
        assert_eq!((pool.taken, pool.given_back), (2, 2));
    }

    #[test]
    fn garbage_never_panics() {
        // A deterministic pseudo-random byte stream, fed in odd-sized
        // chunks to a machine in each state.
        let mut x: u32 = 0x1234_5678;
        let mut noise = Vec::new();
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x as u8);
        }
        for start in [0, 1] {
            let mut s = if start == 0 {
                Session::new(Config::default())
            } else {
                websocket(Config {
                    max_length: 1000,
                    ..Config::default()
                })
            };
            let mut buf = BytesMut::new();
            for chunk in noise.chunks(37) {
                buf.extend_from_slice(chunk);
                drain(&mut s, &mut buf);
                if matches!(s.state(), State::Closing) {
                    break;
                }
            }
            // Ending is all garbage can do.
            assert!(matches!(s.state(), State::Closing), "{:?}", s.state());
        }
    }
}
