//! A connection's state machine (`protocol::session`), driven the way the
//! runtime drives it, on bytes cut into reads.
//!
//! The first byte configures the run:
//!
//! - bits 0-1: `package_max_length` from [`MAX`]
//! - bits 2-4: read size from [`CHUNK`] (0 = one read)
//! - bit 5: `open_websocket_protocol` off (upgrade requests are requests)
//! - bit 6: ping, pong and close frames go to the script
//! - bit 7: upgrades are answered by a handshake callback (else built in,
//!   permessage-deflate allowed)
//!
//! Beyond "no panic": every poll either consumes, changes state or asks for
//! bytes (no loop without progress); a request body, a message and a
//! control payload stay within their limits; text is UTF-8; an ending
//! output leaves the machine closed for good.
#![no_main]

use bytes::BytesMut;
use swoole::protocol::close;
use swoole::protocol::deflate::DeflatePolicy;
use swoole::protocol::frame::{opcode, MAX_CONTROL_PAYLOAD};
use swoole::protocol::message::Event;
use swoole::protocol::session::{Config, Output, Session, State, UpgradePolicy};

const MAX: [usize; 4] = [8, 125, 1000, 70_000];
const CHUNK: [usize; 8] = [0, 1, 2, 3, 7, 16, 64, 200];

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    let Some((&cfg_byte, stream)) = data.split_first() else {
        return;
    };
    let max = MAX[usize::from(cfg_byte & 3)];
    let chunk = match CHUNK[usize::from((cfg_byte >> 2) & 7)] {
        0 => stream.len().max(1),
        n => n,
    };
    let control_frames = cfg_byte & 0x40 != 0;
    let callback = cfg_byte & 0x80 != 0;
    let cfg = Config {
        max_length: max,
        websocket: cfg_byte & 0x20 == 0,
        ping_frame: control_frames,
        pong_frame: control_frames,
        close_frame: control_frames,
        max_upload: 0,
    };
    let mut s = Session::new(cfg);
    let mut buf = BytesMut::new();
    let mut requests = 0usize;
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        // Each output takes at least a byte, except the transitions below,
        // which are bounded by the bytes too: a loop longer than this is
        // one that makes no progress.
        let mut budget = 2 * buf.len() + 8;
        loop {
            budget = budget.checked_sub(1).expect("poll loops without progress");
            match s.poll(&mut buf) {
                Output::NeedMore | Output::SendContinue => break,
                Output::AwaitingResponse => panic!("nothing awaits a response here"),
                Output::Closed => {
                    assert!(matches!(s.state(), State::Closing));
                    return;
                }
                Output::Request(req) => {
                    assert!(req.body.len() <= max, "body over the limit");
                    requests += 1;
                    if requests % 2 == 0 {
                        // Answered at once (a static file): still HTTP.
                        assert!(matches!(s.state(), State::Http { .. }));
                        continue;
                    }
                    s.await_response(req.keep_alive());
                    assert_eq!(s.poll(&mut buf), Output::AwaitingResponse);
                    if !s.response_done() {
                        assert!(!req.keep_alive());
                        assert_eq!(s.poll(&mut buf), Output::Closed);
                        return;
                    }
                }
                Output::Upgrade(req) => {
                    assert!(cfg.websocket);
                    if callback {
                        s.await_handshake();
                        assert_eq!(s.buffer_limit(), max.saturating_add(64));
                        if requests % 2 == 0 {
                            s.open(None);
                        } else {
                            s.close();
                        }
                        requests += 1;
                        continue;
                    }
                    let policy = UpgradePolicy {
                        subprotocol: Some("chat"),
                        compression: Some(DeflatePolicy::default()),
                    };
                    match s.accept_upgrade(&req, &policy, 1_700_000_000) {
                        Ok(hs) => {
                            assert!(hs.response.starts_with(b"HTTP/1.1 101 "));
                            assert!(hs.response.ends_with(b"\r\n\r\n"));
                            s.open(hs.agreement);
                        }
                        Err(response) => {
                            assert!(response.starts_with(b"HTTP/1.1 400 "));
                            assert_eq!(s.poll(&mut buf), Output::Closed);
                            return;
                        }
                    }
                }
                Output::Reject {
                    response,
                    too_large,
                } => {
                    assert!(response.starts_with(b"HTTP/1.1 4"));
                    assert!(too_large.is_none_or(|len| len > max as u64));
                    assert_eq!(s.poll(&mut buf), Output::Closed);
                    return;
                }
                Output::Dispatch(event) => {
                    assert!(matches!(s.state(), State::WebSocket(_)));
                    match event {
                        Event::Message {
                            opcode: op,
                            payload,
                            ..
                        } => {
                            assert!(payload.len() <= max, "message over the limit");
                            if op == opcode::TEXT {
                                assert!(std::str::from_utf8(&payload).is_ok());
                            }
                        }
                        Event::Ping(p) | Event::Pong(p) => {
                            assert!(control_frames);
                            assert!(p.len() <= MAX_CONTROL_PAYLOAD);
                        }
                        Event::Close { .. } => panic!("a close comes as CloseEcho"),
                    }
                }
                Output::SendPong(p) => {
                    assert!(!control_frames);
                    assert!(p.len() <= MAX_CONTROL_PAYLOAD);
                }
                Output::PongReceived => assert!(!control_frames),
                Output::CloseEcho { payload, dispatch } => {
                    assert!(payload.len() <= MAX_CONTROL_PAYLOAD);
                    assert_eq!(dispatch.is_some(), control_frames);
                    assert_eq!(s.poll(&mut buf), Output::Closed);
                    return;
                }
                Output::Fail { code, too_large } => {
                    assert!(
                        matches!(
                            code,
                            close::PROTOCOL_ERROR
                                | close::INVALID_PAYLOAD
                                | close::TOO_BIG
                                | close::SERVER_ERROR
                        ),
                        "close code {code}"
                    );
                    if let Some(len) = too_large {
                        assert_eq!(code, close::TOO_BIG);
                        assert!(len > max as u64);
                    }
                    assert_eq!(s.poll(&mut buf), Output::Closed);
                    return;
                }
            }
        }
    }
}
