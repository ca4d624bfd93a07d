//! The ceiling of this stack: a pure-Rust tokio WebSocket echo server with
//! no PHP, to compare swoole-rs against. One thread (like one SWOOLE_BASE
//! worker), a reader that decodes every frame a read brings, unmasks it and
//! writes all the echoes of that read in one write, straight from the reader
//! (a writer task takes over only while the socket is full).
//!
//!   ceiling PORT [tcp]
//!
//! A text message starting with "BCAST" (or "NBCAST", the bench's name for
//! swoole-rs's `broadcast()`) goes to every open connection, in
//! the least work a server can do for it: the frame is built once and
//! written straight into each receiver's socket, one `send` per receiver
//! (queued to the receiver's writer only if that one is busy or full).
//! With `tcp` it is a raw TCP echo instead (what `onReceive` -> `send()`
//! does): every read is written straight back, the least work a TCP echo
//! server on one thread can do.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A connection as a broadcast sees it: its socket, for the direct write,
/// and its writer's queue with how many buffers wait there (a direct write
/// while some wait would reorder the stream).
struct Peer {
    socket: Rc<TcpStream>,
    queue: mpsc::UnboundedSender<Rc<Vec<u8>>>,
    queued: Rc<Cell<usize>>,
}

impl Peer {
    fn send(&self, bytes: Rc<Vec<u8>>) {
        self.queued.set(self.queued.get() + 1);
        let _ = self.queue.send(bytes);
    }

    /// Writes `bytes` straight into the socket when nothing waits in the
    /// queue (the usual case: one `send`, no task hop), else queues them.
    fn write(&self, bytes: &Rc<Vec<u8>>) {
        if self.queued.get() == 0 {
            match self.socket.try_write(bytes) {
                Ok(n) if n == bytes.len() => return,
                Ok(n) => return self.send(Rc::new(bytes[n..].to_vec())),
                Err(_) => {}
            }
        }
        self.send(bytes.clone());
    }
}

type Peers = Rc<RefCell<HashMap<u64, Peer>>>;

fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64) * 8;
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let (mut a, mut b, mut c, mut d, mut e) = (h[0], h[1], h[2], h[3], h[4]);
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn encode(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    match payload.len() {
        n @ 0..=125 => out.push(n as u8),
        n @ 126..=65535 => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

async fn handshake(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    loop {
        let n = s.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let key = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| v.trim().to_string())
            })?;
            let accept = base64(&sha1(
                format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
            ));
            let resp = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            s.write_all(resp.as_bytes()).await.ok()?;
            return Some(buf.split_off(end + 4));
        }
    }
}

async fn serve(mut s: TcpStream, id: u64, peers: Peers) {
    let _ = s.set_nodelay(true);
    let Some(mut buf) = handshake(&mut s).await else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<Rc<Vec<u8>>>();
    let socket = Rc::new(s);
    let queued = Rc::new(Cell::new(0usize));
    peers.borrow_mut().insert(
        id,
        Peer {
            socket: socket.clone(),
            queue: tx,
            queued: queued.clone(),
        },
    );
    let wr = socket.clone();
    let writer = tokio::task::spawn_local(async move {
        while let Some(first) = rx.recv().await {
            let mut taken = 1;
            let mut out = first.to_vec();
            while let Ok(more) = rx.try_recv() {
                out.extend_from_slice(&more);
                taken += 1;
            }
            if write_all(&wr, &out).await.is_err() {
                break;
            }
            queued.set(queued.get() - taken);
        }
    });
    let mut tmp = vec![0u8; 64 * 1024];
    'conn: loop {
        let mut out = Vec::new();
        loop {
            if buf.len() < 2 {
                break;
            }
            let op = buf[0] & 0x0f;
            let masked = buf[1] & 0x80 != 0;
            let (len, mut head) = match buf[1] & 0x7f {
                126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
                127 if buf.len() >= 10 => {
                    let mut l = [0u8; 8];
                    l.copy_from_slice(&buf[2..10]);
                    (u64::from_be_bytes(l) as usize, 10)
                }
                126 | 127 => break,
                l => (l as usize, 2),
            };
            let key_at = head;
            if masked {
                head += 4;
            }
            if buf.len() < head + len {
                break;
            }
            let mut payload = buf[head..head + len].to_vec();
            if masked {
                let k = [
                    buf[key_at],
                    buf[key_at + 1],
                    buf[key_at + 2],
                    buf[key_at + 3],
                ];
                for (i, b) in payload.iter_mut().enumerate() {
                    *b ^= k[i & 3];
                }
            }
            buf.drain(..head + len);
            match op {
                8 => break 'conn,
                9 => encode(&mut out, 10, &payload),
                1 if payload.starts_with(b"BCAST") || payload.starts_with(b"NBCAST") => {
                    let mut frame = Vec::new();
                    encode(&mut frame, 1, &payload);
                    let frame = Rc::new(frame);
                    for p in peers.borrow().values() {
                        p.write(&frame);
                    }
                }
                1 | 2 => encode(&mut out, op, &payload),
                _ => {}
            }
        }
        if !out.is_empty() {
            if let Some(p) = peers.borrow().get(&id) {
                p.write(&Rc::new(out));
            }
        }
        match read(&socket, &mut tmp).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    }
    peers.borrow_mut().remove(&id);
    writer.abort();
}

/// `read` on a shared socket (the broadcast writes into it meanwhile).
async fn read(s: &TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        s.readable().await?;
        match s.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            done => return done,
        }
    }
}

/// `write_all` on a shared socket.
async fn write_all(s: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        s.writable().await?;
        match s.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn serve_tcp(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if s.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(9502);
    let tcp = std::env::args().nth(2).as_deref() == Some("tcp");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let peers: Peers = Rc::new(RefCell::new(HashMap::new()));
        let mut next = 0u64;
        loop {
            let Ok((s, _)) = listener.accept().await else {
                continue;
            };
            next += 1;
            if tcp {
                tokio::task::spawn_local(serve_tcp(s));
            } else {
                tokio::task::spawn_local(serve(s, next, peers.clone()));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_rfc6455() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        assert_eq!(
            base64(&sha1(key.as_bytes())),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
