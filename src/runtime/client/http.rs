//! The connection under a `Coroutine\Http\Client`: HTTP/1.1 requests and
//! responses, then, after an upgrade, WebSocket frames. No PHP values: the
//! PHP layer turns the client's properties into bytes to send and reads
//! back a [`Response`] or a [`WsEvent`].
//!
//! It is a [`Client`] (socket, TLS) used without framing; bytes read past a
//! response (frames a server sends right after its 101) stay in the
//! connection's buffer for the next read.

use bytes::BytesMut;
use std::time::{Duration, Instant};

use crate::protocol::frame::{opcode, Frame};
use crate::protocol::http_client::{Parsed, Response, ResponseParser};
use crate::protocol::message::{AssemblerConfig, Event, MessageAssembler};

use super::state::{Client, Recv, RECV_MAX};

/// SW_ERROR_HTTP_INVALID_PROTOCOL.
pub const HTTP_INVALID_PROTOCOL: i64 = 7102;
/// The largest response body accepted (Swoole has no limit but memory).
const MAX_BODY: usize = 1 << 30;
/// The largest WebSocket message accepted.
const MAX_MESSAGE: usize = 1 << 30;
/// Swoole masks every client frame with this fixed key.
const MASK_KEY: [u8; 4] = *b"258E";

/// Why a request failed, as `statusCode` and `errCode` tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Could not connect (-1).
    Connect(i64),
    /// No (complete) response in time (-2).
    Timeout,
    /// The server closed or reset the connection, or the read failed (-3).
    Reset(i64),
    /// The response is not HTTP (-3, SW_ERROR_HTTP_INVALID_PROTOCOL).
    Invalid,
    /// The request could not be sent (-4).
    Send(i64),
}

impl Failure {
    /// `statusCode` after it: `SWOOLE_HTTP_CLIENT_ESTATUS_*`.
    pub fn status(self) -> i64 {
        match self {
            Failure::Connect(_) => -1,
            Failure::Timeout => -2,
            Failure::Reset(_) | Failure::Invalid => -3,
            Failure::Send(_) => -4,
        }
    }

    /// `errCode` after it.
    pub fn code(self) -> i64 {
        match self {
            Failure::Connect(c) | Failure::Reset(c) | Failure::Send(c) => c,
            Failure::Timeout => i64::from(libc::ETIMEDOUT),
            Failure::Invalid => HTTP_INVALID_PROTOCOL,
        }
    }
}

/// Which control frames `recv()` returns instead of handling them
/// (`open_websocket_{ping,pong,close}_frame`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ControlFrames {
    pub ping: bool,
    pub pong: bool,
    pub close: bool,
}

pub struct HttpConn {
    pub client: Client,
    buf: BytesMut,
    ws: Option<MessageAssembler>,
    /// Mask the frames sent (`websocket_mask`, on by default).
    pub mask: bool,
}

impl HttpConn {
    pub fn new(client: Client) -> HttpConn {
        HttpConn {
            client,
            buf: BytesMut::new(),
            ws: None,
            mask: true,
        }
    }

    /// Whether an idle keep-alive connection can take another request:
    /// the server has not closed it meanwhile.
    pub fn reusable(&self) -> bool {
        self.ws.is_none() && self.buf.is_empty() && self.client.sock.is_alive()
    }

    pub fn is_websocket(&self) -> bool {
        self.ws.is_some()
    }

    /// Sends all of `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), i64> {
        self.client.send(bytes, 0).map(|_| ())
    }

    /// Reads more bytes into the buffer within the read timeout; false at
    /// the server's close.
    fn fill(&mut self) -> Result<bool, Failure> {
        match self.client.recv(RECV_MAX, 0) {
            Recv::Data(v) if v.is_empty() => Ok(false),
            Recv::TooLarge(_) => Ok(false),
            Recv::Data(v) => {
                self.buf.extend_from_slice(&v);
                Ok(true)
            }
            // A coroutine's wait times out with ETIMEDOUT, a blocking poll
            // with EAGAIN.
            Recv::Failed(code)
                if code == i64::from(libc::ETIMEDOUT) || code == i64::from(libc::EAGAIN) =>
            {
                Err(Failure::Timeout)
            }
            Recv::Failed(code) => Err(Failure::Reset(code)),
            Recv::NoEof => Err(Failure::Invalid),
        }
    }

    /// Reads one response within `timeout` seconds in all (the client's
    /// read timeout when 0), as Swoole's client counts it: a server that
    /// trickles bytes does not hold the request past it.
    pub fn read_response(&mut self, head_request: bool, timeout: f64) -> Result<Response, Failure> {
        let saved = self.client.sock.timeouts;
        if timeout != 0.0 && !timeout.is_nan() {
            self.client.sock.timeouts.read = timeout;
        }
        let r = self.read_response_inner(head_request);
        self.client.sock.timeouts = saved;
        r
    }

    fn read_response_inner(&mut self, head_request: bool) -> Result<Response, Failure> {
        let mut parser = ResponseParser::new(head_request, MAX_BODY);
        let total = self.client.sock.timeouts.read;
        let deadline = (total > 0.0 && total.is_finite())
            .then(|| Instant::now() + Duration::from_secs_f64(total.min(1e9)));
        loop {
            match parser.feed(&mut self.buf) {
                Ok(Parsed::Done(r)) => return Ok(r),
                Ok(Parsed::NeedMore) => {}
                Err(_) => return Err(Failure::Invalid),
            }
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Failure::Timeout);
                }
                self.client.sock.timeouts.read = left.as_secs_f64();
            }
            if !self.fill()? {
                return parser
                    .eof()
                    .map_err(|_| Failure::Reset(i64::from(libc::ECONNRESET)));
            }
        }
    }

    /// The response to an upgrade request was a 101 to WebSocket: frames
    /// follow from now on (any already read included).
    pub fn start_websocket(&mut self) {
        self.ws = Some(MessageAssembler::new(AssemblerConfig {
            max_message: MAX_MESSAGE,
            require_mask: false,
            deflate: false,
        }));
    }

    /// Sends one frame, masked unless `websocket_mask` is off.
    pub fn push(&mut self, op: u8, fin: bool, payload: &[u8]) -> Result<(), i64> {
        let mut out = Vec::new();
        let mask = self.mask.then_some(MASK_KEY);
        crate::protocol::frame::encode(&mut out, fin, 0, op, mask, payload);
        self.send(&out)
    }

    /// The next frame, reading as needed; None at the server's close.
    fn next_frame(&mut self) -> Result<Option<Frame>, Failure> {
        loop {
            match Frame::decode(&mut self.buf, MAX_MESSAGE) {
                Ok(Some(f)) => return Ok(Some(f)),
                Ok(None) => {}
                Err(_) => return Err(Failure::Invalid),
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// The next message or returned control frame, within `timeout`
    /// seconds per read (the read timeout when 0); None when the server
    /// closed the connection. Pings are answered and a close is echoed
    /// unless `ctl` asks for them; pongs are dropped unless asked for.
    pub fn recv_ws(&mut self, ctl: ControlFrames, timeout: f64) -> Result<Option<Event>, Failure> {
        let saved = self.client.sock.timeouts;
        if timeout != 0.0 && !timeout.is_nan() {
            self.client.sock.timeouts.read = timeout;
        }
        let r = self.recv_ws_inner(ctl);
        self.client.sock.timeouts = saved;
        r
    }

    fn recv_ws_inner(&mut self, ctl: ControlFrames) -> Result<Option<Event>, Failure> {
        loop {
            let Some(frame) = self.next_frame()? else {
                return Ok(None);
            };
            let Some(asm) = self.ws.as_mut() else {
                return Err(Failure::Invalid);
            };
            let event = match asm.push(frame, None) {
                Ok(Some(e)) => e,
                Ok(None) => continue,
                Err(_) => return Err(Failure::Invalid),
            };
            match &event {
                Event::Message { .. } => return Ok(Some(event)),
                Event::Ping(_) if ctl.ping => return Ok(Some(event)),
                Event::Ping(p) => {
                    let p = p.clone();
                    self.push(opcode::PONG, true, &p).map_err(Failure::Reset)?;
                }
                Event::Pong(_) if ctl.pong => return Ok(Some(event)),
                Event::Pong(_) => {}
                Event::Close { .. } if ctl.close => return Ok(Some(event)),
                Event::Close { payload, .. } => {
                    // Echoed; the server's close of the connection ends it.
                    let p = payload.clone();
                    let _ = self.push(opcode::CLOSE, true, &p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;
    use crate::runtime::client::testing::{tcp_client, tcp_server};

    fn conn(port: u16) -> HttpConn {
        HttpConn::new(tcp_client(port, &[]))
    }

    #[test]
    fn a_response_split_over_reads_and_keep_alive_reuse() {
        let (port, _t) = tcp_server(|mut s| {
            let mut b = [0u8; 1024];
            for _ in 0..2 {
                let _ = s.read(&mut b);
                for part in [
                    &b"HTTP/1.1 200 OK\r\nContent-"[..],
                    b"Length: 2\r\n\r\n",
                    b"ok",
                ] {
                    s.write_all(part).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            }
        });
        let mut c = conn(port);
        for _ in 0..2 {
            c.send(b"GET / HTTP/1.1\r\n\r\n").unwrap();
            let r = c.read_response(false, 2.0).unwrap();
            assert_eq!((r.status, &r.body[..]), (200, &b"ok"[..]));
        }
    }

    #[test]
    fn failures_say_what_status_code_and_err_code_become() {
        // The server closes without answering: -3, ECONNRESET.
        let (port, _t) = tcp_server(|mut s| {
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
        });
        let mut c = conn(port);
        c.send(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let f = c.read_response(false, 2.0).unwrap_err();
        assert_eq!((f.status(), f.code()), (-3, 104));

        // Garbage: -3, 7102.
        let (port, _t) = tcp_server(|mut s| {
            s.write_all(b"XTTP/1.1 200 OK\r\n\r\n").unwrap();
            std::thread::sleep(std::time::Duration::from_millis(200));
        });
        let mut c = conn(port);
        let f = c.read_response(false, 2.0).unwrap_err();
        assert_eq!((f.status(), f.code()), (-3, HTTP_INVALID_PROTOCOL));

        // Silence: -2.
        let (port, _t) = tcp_server(|_s| std::thread::sleep(std::time::Duration::from_millis(500)));
        let mut c = conn(port);
        let f = c.read_response(false, 0.1).unwrap_err();
        assert_eq!(f.status(), -2);
    }

    #[test]
    fn websocket_frames_after_the_101_pings_answered_and_fragments_joined() {
        let (port, _t) = tcp_server(|mut s| {
            let mut out =
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
            crate::protocol::frame::encode(&mut out, true, 0, opcode::TEXT, None, b"first");
            crate::protocol::frame::encode(&mut out, false, 0, opcode::TEXT, None, b"a");
            crate::protocol::frame::encode(&mut out, true, 0, opcode::PING, None, b"p");
            crate::protocol::frame::encode(&mut out, true, 0, opcode::CONTINUATION, None, b"b");
            s.write_all(&out).unwrap();
            // The pong comes back masked with "258E".
            let mut b = [0u8; 7];
            s.read_exact(&mut b).unwrap();
            assert_eq!(&b[..6], &[0x8a, 0x81, b'2', b'5', b'8', b'E']);
            assert_eq!(b[6] ^ b'2', b'p');
        });
        let mut c = conn(port);
        let r = c.read_response(false, 2.0).unwrap();
        assert_eq!(r.status, 101);
        c.start_websocket();
        let ctl = ControlFrames::default();
        match c.recv_ws(ctl, 2.0).unwrap() {
            Some(Event::Message {
                opcode,
                payload,
                flags,
            }) => assert_eq!((opcode, &payload[..], flags), (1, &b"first"[..], 1)),
            other => panic!("{other:?}"),
        }
        match c.recv_ws(ctl, 2.0).unwrap() {
            Some(Event::Message { payload, .. }) => assert_eq!(&payload[..], b"ab"),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.recv_ws(ctl, 2.0).unwrap(), None);
    }
}
