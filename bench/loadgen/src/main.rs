//! A WebSocket load generator for the benchmark suite: much cheaper per
//! message than the server under test, so that the server is what is
//! measured.
//!
//!   loadgen echo      --url ws://127.0.0.1:9501/ --conns 100 --inflight 16 --size 32 --secs 5
//!   loadgen rate      --url ... --conns 10 --rate 20000 --secs 5
//!   loadgen idle      --url ... --conns 10000 --pid <server pid>
//!   loadgen broadcast --url ... --conns 10000 --count 10 [--prefix BCAST] [--also ws://NODE2/ ...] [--burst 1]
//!   loadgen connect   --url ... --conns 8 --secs 3
//!   loadgen http      --url http://127.0.0.1:9501/PATH --conns 50 --inflight 1 --secs 5
//!
//! `echo`: each connection keeps `inflight` messages outstanding; every echo
//! received sends the next one. One frame is built and masked once and
//! written again and again (the server checks the mask, never its value).
//! Latency is measured from each message's send to its echo (echoes come
//! back in order on a connection). `rate`: a fixed total rate spread over
//! the connections; latency is measured from each message's *scheduled* send
//! time, so a server that falls behind shows it (no coordinated omission).
//! `idle`: opens connections, holds them, and reports the server's RSS per
//! connection (from /proc). `broadcast`: `conns` receivers; one more
//! connection sends `count` messages starting with the prefix (the echo
//! script pushes those to every connection); reports the time from each send
//! to its last receipt, and receipts missing after 5 s. `connect`: `conns`
//! tasks open (handshake included) and drop connections for `secs`.
//! `http`: keep-alive HTTP/1.1 `GET PATH` over `conns` connections with
//! `inflight` requests pipelined on each; every complete response (status
//! line, headers, `Content-Length` bytes of body) sends the next request.
//! Counts responses, the non-2xx ones apart, and errors (an unparsable
//! response or a closed connection: that connection stops).
//!
//! `--url tcp://HOST:PORT` (echo only): plain TCP instead of WebSocket, for
//! a `Swoole\Server` whose onReceive sends back what it got: each message
//! is `size` raw bytes, and `size` echoed bytes count as one echo.
//!
//! Prints one JSON object on stdout.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Args {
    mode: String,
    host: String,
    port: u16,
    path: String,
    conns: usize,
    inflight: usize,
    size: usize,
    secs: f64,
    warmup: f64,
    pid: Option<u32>,
    threads: usize,
    rate: f64,
    count: usize,
    prefix: String,
    /// Broadcast mode: more servers (other nodes of a cluster) whose
    /// connections receive too; receivers are spread over `--url` and these.
    also: Vec<(String, u16, String)>,
    /// Broadcast mode: send every message at once, then wait for all
    /// receipts (throughput through the bus) instead of one at a time.
    burst: bool,
    /// `tcp://`: raw messages, no WebSocket.
    tcp: bool,
    /// `http://`: plain HTTP (the `http` mode).
    http: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen echo|rate|idle|broadcast|connect|http --url ws://HOST:PORT/PATH [--conns N] \
         [--inflight K] [--size BYTES] [--secs S] [--warmup S] [--pid SERVER_PID] [--threads T] \
         [--rate MSGS_PER_SEC] [--count N] [--prefix TEXT] [--also ws://OTHER:PORT/] [--burst 1]"
    );
    std::process::exit(2)
}

/// `ws://HOST:PORT/PATH` as (host, port, path).
fn parse_url(value: &str) -> (String, u16, String) {
    let rest = value.strip_prefix("ws://").unwrap_or_else(|| usage());
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "80"));
    (
        host.to_string(),
        port.parse().unwrap_or_else(|_| usage()),
        path.to_string(),
    )
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let mode = it.next().unwrap_or_else(|| usage());
    let mut a = Args {
        mode,
        host: "127.0.0.1".into(),
        port: 9501,
        path: "/".into(),
        conns: 10,
        inflight: 1,
        size: 32,
        secs: 5.0,
        warmup: 1.0,
        pid: None,
        threads: 1,
        rate: 10_000.0,
        count: 10,
        prefix: "BCAST".into(),
        also: Vec::new(),
        burst: false,
        tcp: false,
        http: false,
    };
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        let num = |v: &str| v.parse::<f64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--url" if value.starts_with("tcp://") => {
                a.tcp = true;
                let (host, port, _) = parse_url(&value.replacen("tcp://", "ws://", 1));
                a.host = host;
                a.port = port;
            }
            "--url" if value.starts_with("http://") => {
                a.http = true;
                let (host, port, path) = parse_url(&value.replacen("http://", "ws://", 1));
                a.host = host;
                a.port = port;
                a.path = path;
            }
            "--url" => {
                let (host, port, path) = parse_url(&value);
                a.host = host;
                a.port = port;
                a.path = path;
            }
            "--also" => a.also.push(parse_url(&value)),
            "--burst" => a.burst = num(&value) != 0.0,
            "--conns" => a.conns = num(&value) as usize,
            "--inflight" => a.inflight = (num(&value) as usize).max(1),
            "--size" => a.size = num(&value) as usize,
            "--secs" => a.secs = num(&value),
            "--warmup" => a.warmup = num(&value),
            "--pid" => a.pid = Some(num(&value) as u32),
            "--threads" => a.threads = (num(&value) as usize).max(1),
            "--rate" => a.rate = num(&value).max(1.0),
            "--count" => a.count = (num(&value) as usize).max(1),
            "--prefix" => a.prefix = value,
            _ => usage(),
        }
    }
    a
}

/// A masked client text frame carrying `size` bytes.
fn client_frame(size: usize) -> Vec<u8> {
    client_frame_with(&(0..size).map(|i| b'a' + (i % 26) as u8).collect::<Vec<_>>())
}

/// A masked client text frame carrying `payload`.
fn client_frame_with(payload: &[u8]) -> Vec<u8> {
    let size = payload.len();
    let key = [0x12u8, 0x34, 0x56, 0x78];
    let mut f = vec![0x81];
    match size {
        0..=125 => f.push(0x80 | size as u8),
        126..=65535 => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(size as u16).to_be_bytes());
        }
        _ => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(size as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

/// The (header length, payload length) of the unmasked server frame at the
/// start of `b`, once all of it has arrived.
fn frame_span(b: &[u8]) -> Option<(usize, usize)> {
    if b.len() < 2 {
        return None;
    }
    let (len, head) = match b[1] & 0x7f {
        126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
        127 if b.len() >= 10 => {
            let mut l = [0u8; 8];
            l.copy_from_slice(&b[2..10]);
            (u64::from_be_bytes(l) as usize, 10)
        }
        126 | 127 => return None,
        l => (l as usize, 2),
    };
    (b.len() >= head + len).then_some((head, len))
}

/// Removes complete server frames from `buf`; returns their payloads.
fn take_frames(buf: &mut Vec<u8>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some((head, len)) = frame_span(&buf[pos..]) {
        out.push(buf[pos + head..pos + head + len].to_vec());
        pos += head + len;
    }
    buf.drain(..pos);
    out
}

async fn connect(a: &Args) -> std::io::Result<(TcpStream, Vec<u8>)> {
    if a.tcp {
        let s = TcpStream::connect((a.host.as_str(), a.port)).await?;
        s.set_nodelay(true)?;
        return Ok((s, Vec::new()));
    }
    connect_to(&a.host, a.port, &a.path).await
}

/// Connects the `r`th receiver: to `--url` and the `--also` servers in turn.
async fn connect_receiver(a: &Args, r: usize) -> std::io::Result<(TcpStream, Vec<u8>)> {
    match r % (a.also.len() + 1) {
        0 => connect(a).await,
        i => {
            let (host, port, path) = &a.also[i - 1];
            connect_to(host, *port, path).await
        }
    }
}

async fn connect_to(host: &str, port: u16, path: &str) -> std::io::Result<(TcpStream, Vec<u8>)> {
    let mut s = TcpStream::connect((host, port)).await?;
    s.set_nodelay(true)?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(4096);
    let mut tmp = [0u8; 4096];
    loop {
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed during handshake"));
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if !buf.starts_with(b"HTTP/1.1 101") {
                return Err(std::io::Error::other("handshake refused"));
            }
            return Ok((s, buf.split_off(end + 4)));
        }
    }
}

/// Removes complete server frames from `buf`; returns how many.
fn count_frames(buf: &mut Vec<u8>) -> usize {
    let mut pos = 0;
    let mut n = 0;
    while let Some((head, len)) = frame_span(&buf[pos..]) {
        pos += head + len;
        n += 1;
    }
    buf.drain(..pos);
    n
}

/// Counts the server frames in a byte stream without keeping their
/// payloads: a large echo costs the load generator no copy of each message
/// (it would otherwise bound what a fast server can be measured at).
#[derive(Default)]
struct FrameCounter {
    /// The current frame's header bytes so far (at most 10: unmasked).
    head: Vec<u8>,
    /// Payload bytes of the current frame still to come.
    left: usize,
    /// Whether a header has been read and its payload is being skipped.
    in_payload: bool,
}

impl FrameCounter {
    /// Takes `data`; returns how many frames it completed.
    fn feed(&mut self, mut data: &[u8]) -> usize {
        let mut done = 0;
        while !data.is_empty() || (self.in_payload && self.left == 0) {
            if self.in_payload {
                let take = self.left.min(data.len());
                self.left -= take;
                data = &data[take..];
                if self.left == 0 {
                    self.in_payload = false;
                    done += 1;
                }
                continue;
            }
            self.head.push(data[0]);
            data = &data[1..];
            if let Some((head, len)) = frame_span_header(&self.head) {
                debug_assert_eq!(head, self.head.len());
                self.head.clear();
                self.left = len;
                self.in_payload = true;
            }
        }
        done
    }
}

/// The (header length, payload length) of an unmasked server frame whose
/// header is complete in `b` (only the header is needed).
fn frame_span_header(b: &[u8]) -> Option<(usize, usize)> {
    if b.len() < 2 {
        return None;
    }
    match b[1] & 0x7f {
        126 if b.len() >= 4 => Some((4, u16::from_be_bytes([b[2], b[3]]) as usize)),
        127 if b.len() >= 10 => {
            let mut l = [0u8; 8];
            l.copy_from_slice(&b[2..10]);
            Some((10, u64::from_be_bytes(l) as usize))
        }
        126 | 127 => None,
        l => Some((2, l as usize)),
    }
}

#[derive(Default)]
struct Stats {
    messages: AtomicU64,
    latencies: Mutex<Vec<u32>>,
}

async fn echo_conn(
    a: Arc<Args>,
    frame: Arc<Vec<u8>>,
    stats: Arc<Stats>,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) {
    let Ok((stream, buf)) = connect(&a).await else {
        eprintln!("loadgen: connect failed");
        return;
    };
    let (mut rd, mut wr) = stream.into_split();
    let mut sent: VecDeque<Instant> = VecDeque::with_capacity(a.inflight);
    let mut out = Vec::with_capacity(frame.len() * a.inflight);
    for _ in 0..a.inflight {
        out.extend_from_slice(&frame);
        sent.push_back(Instant::now());
    }
    if wr.write_all(&out).await.is_err() {
        return;
    }
    let mut lat = Vec::new();
    let mut tmp = vec![0u8; 256 * 1024];
    // Bytes of a TCP echo not yet counted as a whole message.
    let mut tcp_partial = 0usize;
    let mut frames = FrameCounter::default();
    // Whatever arrived with the handshake's response.
    let mut carried = frames.feed(&buf);
    while !stop.load(Ordering::Relaxed) {
        let got = if carried > 0 {
            std::mem::take(&mut carried)
        } else {
            let n = match rd.read(&mut tmp).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if a.tcp {
                tcp_partial += n;
                let whole = tcp_partial / frame.len().max(1);
                tcp_partial -= whole * frame.len();
                whole
            } else {
                frames.feed(&tmp[..n])
            }
        };
        if got == 0 {
            continue;
        }
        let now = Instant::now();
        let on = measuring.load(Ordering::Relaxed);
        if !on && !lat.is_empty() {
            // The measured window ended: hand the samples over now (the
            // task is aborted later, mid-read).
            if let Ok(mut l) = stats.latencies.lock() {
                l.append(&mut lat);
            }
        }
        for _ in 0..got {
            if let Some(t) = sent.pop_front() {
                if on {
                    lat.push(now.duration_since(t).as_micros().min(u32::MAX as u128) as u32);
                }
            }
        }
        if on {
            stats.messages.fetch_add(got as u64, Ordering::Relaxed);
        }
        for _ in 0..got {
            sent.push_back(now);
        }
        if frame.len() >= 4096 {
            // Large: the one frame written again, not copied.
            let mut failed = false;
            for _ in 0..got {
                if wr.write_all(&frame).await.is_err() {
                    failed = true;
                    break;
                }
            }
            if failed {
                break;
            }
        } else {
            out.clear();
            for _ in 0..got {
                out.extend_from_slice(&frame);
            }
            if wr.write_all(&out).await.is_err() {
                break;
            }
        }
    }
    stats.latencies.lock().map(|mut l| l.extend(lat)).ok();
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_kib(pid: u32) -> u64 {
    // The server and its children (workers).
    let mut total = 0;
    let mut pids = vec![pid];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
                if let Some(rest) = stat.rsplit(')').next() {
                    let ppid: u32 = rest
                        .split_whitespace()
                        .nth(1)
                        .and_then(|x| x.parse().ok())
                        .unwrap_or(0);
                    if ppid == pid {
                        pids.push(p);
                    }
                }
            }
        }
    }
    for p in pids {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            for line in status.lines() {
                if let Some(v) = line.strip_prefix("VmRSS:") {
                    total += v
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .unwrap_or(0);
                }
            }
        }
    }
    total
}

/// The measured window: after the warm-up, `a.secs` seconds with
/// `measuring` set; `snapshot` reads the counters as it closes. Then every
/// connection gets a moment to hand over its last samples and is stopped.
/// The window's length and the snapshot.
async fn measure<T>(
    a: &Args,
    measuring: &AtomicBool,
    stop: &AtomicBool,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    snapshot: impl FnOnce() -> T,
) -> (f64, T) {
    tokio::time::sleep(Duration::from_secs_f64(a.warmup)).await;
    measuring.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(a.secs)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    let counted = snapshot();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
        let _ = t.await;
    }
    (elapsed, counted)
}

/// The latency samples, sorted.
fn sorted(samples: &Mutex<Vec<u32>>) -> Vec<u32> {
    let mut lat = samples.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    lat
}

async fn run_echo(a: Arc<Args>) {
    let frame = Arc::new(if a.tcp {
        (0..a.size.max(1)).map(|i| b'a' + (i % 26) as u8).collect()
    } else {
        client_frame(a.size)
    });
    let stats = Arc::new(Stats::default());
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..a.conns {
        tasks.push(tokio::spawn(echo_conn(
            a.clone(),
            frame.clone(),
            stats.clone(),
            measuring.clone(),
            stop.clone(),
        )));
    }
    let (elapsed, messages) = measure(&a, &measuring, &stop, tasks, || {
        stats.messages.load(Ordering::Relaxed)
    })
    .await;
    let lat = sorted(&stats.latencies);
    println!(
        "{{\"mode\":\"echo\",\"connections\":{},\"inflight\":{},\"size\":{},\"seconds\":{:.3},\
         \"messages\":{},\"msgs_per_sec\":{:.0},\"p50_us\":{},\"p99_us\":{},\"samples\":{}}}",
        a.conns,
        a.inflight,
        a.size,
        elapsed,
        messages,
        messages as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.len()
    );
}

async fn run_idle(a: Arc<Args>) {
    let Some(pid) = a.pid else { usage() };
    let before = rss_kib(pid);
    let mut held = Vec::with_capacity(a.conns);
    for _ in 0..a.conns {
        match connect(&a).await {
            Ok(c) => held.push(c),
            Err(e) => {
                eprintln!("loadgen: connect failed after {}: {e}", held.len());
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(a.secs.min(5.0))).await;
    let after = rss_kib(pid);
    let n = held.len().max(1);
    println!(
        "{{\"mode\":\"idle\",\"connections\":{},\"rss_before_kib\":{},\"rss_after_kib\":{},\"bytes_per_conn\":{:.0}}}",
        held.len(),
        before,
        after,
        (after.saturating_sub(before) * 1024) as f64 / n as f64
    );
}

async fn rate_conn(
    a: Arc<Args>,
    interval: Duration,
    offset: Duration,
    frame: Arc<Vec<u8>>,
    t_end: Instant,
) -> (Vec<u32>, u64) {
    let Ok((stream, mut buf)) = connect(&a).await else {
        return (Vec::new(), 0);
    };
    let (mut rd, mut wr) = stream.into_split();
    let scheduled: Arc<Mutex<VecDeque<Instant>>> = Arc::new(Mutex::new(VecDeque::new()));
    let sched2 = scheduled.clone();
    let sender = tokio::spawn(async move {
        // Each wake-up sends every message that is due by now, each
        // stamped with its own scheduled time. tokio's timer ticks in
        // milliseconds, which alone would add up to 1 ms of our own
        // lateness to every latency: sleep to within a millisecond of the
        // send time, then yield until it (the load generator has a core
        // of its own, and the other tasks still run meanwhile).
        let mut next = Instant::now() + offset;
        let mut out = Vec::new();
        while next < t_end {
            if let Some(coarse) = next.checked_sub(Duration::from_millis(1)) {
                if coarse > Instant::now() {
                    tokio::time::sleep_until(coarse.into()).await;
                }
            }
            while Instant::now() < next {
                tokio::task::yield_now().await;
            }
            let now = Instant::now();
            out.clear();
            if let Ok(mut q) = sched2.lock() {
                while next <= now && next < t_end {
                    q.push_back(next);
                    out.extend_from_slice(&frame);
                    next += interval;
                }
            }
            if wr.write_all(&out).await.is_err() {
                break;
            }
        }
    });
    let mut lat = Vec::new();
    let mut received = 0u64;
    let mut tmp = vec![0u8; 64 * 1024];
    let deadline = t_end + Duration::from_secs(2);
    loop {
        let read = tokio::time::timeout_at(deadline.into(), rd.read(&mut tmp)).await;
        let n = match read {
            Ok(Ok(n)) if n > 0 => n,
            _ => break,
        };
        buf.extend_from_slice(&tmp[..n]);
        let got = count_frames(&mut buf);
        let now = Instant::now();
        if let Ok(mut q) = scheduled.lock() {
            for _ in 0..got {
                if let Some(t) = q.pop_front() {
                    lat.push(now.duration_since(t).as_micros().min(u32::MAX as u128) as u32);
                }
            }
        }
        received += got as u64;
        if now > t_end && scheduled.lock().map(|q| q.is_empty()).unwrap_or(true) {
            break;
        }
    }
    sender.abort();
    (lat, received)
}

async fn run_rate(a: Arc<Args>) {
    let frame = Arc::new(client_frame(a.size));
    let per_conn = a.rate / a.conns.max(1) as f64;
    let interval = Duration::from_secs_f64(1.0 / per_conn);
    let t_end = Instant::now() + Duration::from_secs_f64(a.secs + 0.5);
    let mut tasks = Vec::new();
    for i in 0..a.conns {
        let offset = interval.mul_f64(i as f64 / a.conns as f64) + Duration::from_millis(500);
        tasks.push(tokio::spawn(rate_conn(
            a.clone(),
            interval,
            offset,
            frame.clone(),
            t_end,
        )));
    }
    let mut lat = Vec::new();
    let mut received = 0;
    for t in tasks {
        if let Ok((l, r)) = t.await {
            lat.extend(l);
            received += r;
        }
    }
    lat.sort_unstable();
    println!(
        "{{\"mode\":\"rate\",\"connections\":{},\"size\":{},\"target_rate\":{:.0},\"achieved_rate\":{:.0},\
         \"p50_us\":{},\"p99_us\":{},\"p999_us\":{},\"max_us\":{}}}",
        a.conns,
        a.size,
        a.rate,
        received as f64 / a.secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 0.999),
        lat.last().copied().unwrap_or(0)
    );
}

async fn run_broadcast(a: Arc<Args>) {
    // Per message: how many receivers have it, and the latest receipt (ns
    // after `base`). Atomics, so checking costs nothing per receiver.
    let base = Instant::now();
    let counts: Arc<Vec<AtomicU64>> = Arc::new((0..a.count).map(|_| AtomicU64::new(0)).collect());
    let last: Arc<Vec<AtomicU64>> = Arc::new((0..a.count).map(|_| AtomicU64::new(0)).collect());
    let mut tasks = Vec::new();
    let mut ready = 0u64;
    for r in 0..a.conns {
        let Ok((stream, mut buf)) = connect_receiver(&a, r).await else {
            eprintln!("loadgen: connect failed after {r}");
            break;
        };
        ready += 1;
        let (counts, last) = (counts.clone(), last.clone());
        let prefix = a.prefix.clone();
        tasks.push(tokio::spawn(async move {
            let (mut rd, _wr) = stream.into_split();
            let mut tmp = vec![0u8; 16 * 1024];
            loop {
                let frames = take_frames(&mut buf);
                if !frames.is_empty() {
                    let now = base.elapsed().as_nanos() as u64;
                    for p in frames {
                        let seq = p
                            .strip_prefix(prefix.as_bytes())
                            .and_then(|t| t.split(|&b| b == b' ').next())
                            .and_then(|t| std::str::from_utf8(t).ok())
                            .and_then(|t| t.parse::<usize>().ok());
                        if let Some(seq) = seq.filter(|&s| s < counts.len()) {
                            counts[seq].fetch_add(1, Ordering::Relaxed);
                            last[seq].fetch_max(now, Ordering::Relaxed);
                        }
                    }
                }
                match rd.read(&mut tmp).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&tmp[..n]),
                }
            }
        }));
    }
    let Ok((mut sender, _)) = connect(&a).await else {
        usage()
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    if a.burst {
        return broadcast_burst(&a, sender, base, &counts, &last, ready, tasks).await;
    }
    let mut fanout = Vec::new();
    let mut missing = 0u64;
    for seq in 0..a.count {
        let frame = broadcast_frame(&a, seq);
        let t0 = base.elapsed().as_nanos() as u64;
        if sender.write_all(&frame).await.is_err() {
            break;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while counts[seq].load(Ordering::Relaxed) < ready && Instant::now() < deadline {
            tokio::task::yield_now().await;
        }
        let got = counts[seq].load(Ordering::Relaxed).min(ready);
        missing += ready - got;
        if got > 0 {
            fanout.push(last[seq].load(Ordering::Relaxed).saturating_sub(t0) as f64 / 1e6);
        }
        // Drain the sender's own copy, then let things settle.
        let mut tmp = vec![0u8; 16 * 1024];
        let _ = tokio::time::timeout(Duration::from_millis(50), sender.read(&mut tmp)).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for t in tasks {
        t.abort();
    }
    fanout.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let med = fanout.get(fanout.len() / 2).copied().unwrap_or(0.0);
    let max = fanout.last().copied().unwrap_or(0.0);
    println!(
        "{{\"mode\":\"broadcast\",\"receivers\":{},\"messages\":{},\"prefix\":\"{}\",\
         \"fanout_ms_median\":{:.2},\"fanout_ms_max\":{:.2},\"missing\":{}}}",
        ready, a.count, a.prefix, med, max, missing
    );
}

/// The sender's message number `seq`: "PREFIX<seq> xxx...", `--size` bytes.
fn broadcast_frame(a: &Args, seq: usize) -> Vec<u8> {
    let payload = format!(
        "{}{} {}",
        a.prefix,
        seq,
        "x".repeat(a.size.saturating_sub(16))
    );
    client_frame_with(payload.as_bytes())
}

/// Broadcast `--burst 1`: every message sent at once; the time from the
/// first send to the last receipt gives messages per second through the
/// server (or the cluster's bus) and deliveries per second.
async fn broadcast_burst(
    a: &Args,
    sender: TcpStream,
    base: Instant,
    counts: &[AtomicU64],
    last: &[AtomicU64],
    ready: u64,
    tasks: Vec<tokio::task::JoinHandle<()>>,
) {
    let (mut rd, mut wr) = sender.into_split();
    // The sender gets its own copies too: keep its socket drained.
    let drain = tokio::spawn(async move {
        let mut tmp = vec![0u8; 64 * 1024];
        while matches!(rd.read(&mut tmp).await, Ok(n) if n > 0) {}
    });
    let mut frames = Vec::new();
    for seq in 0..a.count {
        frames.extend_from_slice(&broadcast_frame(a, seq));
    }
    let t0 = base.elapsed().as_nanos() as u64;
    let _ = wr.write_all(&frames).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let all = |c: &[AtomicU64]| c.iter().all(|n| n.load(Ordering::Relaxed) >= ready);
    while !all(counts) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let received: u64 = counts
        .iter()
        .map(|n| n.load(Ordering::Relaxed).min(ready))
        .sum();
    let end = last
        .iter()
        .map(|t| t.load(Ordering::Relaxed))
        .max()
        .unwrap_or(t0);
    let secs = (end.saturating_sub(t0) as f64 / 1e9).max(1e-9);
    drain.abort();
    for t in tasks {
        t.abort();
    }
    println!(
        "{{\"mode\":\"broadcast_burst\",\"receivers\":{},\"messages\":{},\"secs\":{:.4},\
         \"messages_per_sec\":{:.0},\"deliveries_per_sec\":{:.0},\"missing\":{}}}",
        ready,
        a.count,
        secs,
        a.count as f64 / secs,
        received as f64 / secs,
        ready * a.count as u64 - received
    );
}

async fn run_connect(a: Arc<Args>) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..a.conns {
        let (a, stop, done, failed) = (a.clone(), stop.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match connect(&a).await {
                    Ok((stream, _)) => {
                        // Closed with a RST: a FIN would leave each of
                        // these connections in TIME_WAIT on this side for
                        // a minute, and tens of thousands a second use up
                        // the ephemeral ports (the rate then collapses, for
                        // whichever server runs next). (Deprecated because a
                        // linger can block the dropping thread; a zero one
                        // never does.)
                        #[allow(deprecated)]
                        let _ = stream.set_linger(Some(Duration::ZERO));
                        drop(stream);
                        done.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(a.secs)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    for t in tasks {
        t.abort();
    }
    println!(
        "{{\"mode\":\"connect\",\"concurrency\":{},\"connects\":{},\"failed\":{},\"connects_per_sec\":{:.0}}}",
        a.conns,
        n,
        failed.load(Ordering::Relaxed),
        n as f64 / elapsed
    );
}

/// The response at the start of `b`: `Ok(Some((status, total length)))`
/// once all of it (head and `Content-Length` bytes of body) has arrived,
/// `Ok(None)` while it has not, `Err` for what this client does not read
/// (no status line, no `Content-Length`, chunked, a head over 64 KiB).
fn http_response_span(b: &[u8]) -> Result<Option<(u16, usize)>, &'static str> {
    let Some(end) = b.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if b.len() > 64 * 1024 {
            Err("response head too long")
        } else {
            Ok(None)
        };
    };
    let head = std::str::from_utf8(&b[..end]).map_err(|_| "response head not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .filter(|l| l.starts_with("HTTP/1."))
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or("bad status line")?;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err("bad header line");
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| "bad Content-Length")?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked response");
        }
    }
    let length = match (length, status) {
        (Some(l), _) => l,
        (None, 204 | 304) => 0,
        (None, _) => return Err("no Content-Length"),
    };
    let total = end + 4 + length;
    Ok((b.len() >= total).then_some((status, total)))
}

#[derive(Default)]
struct HttpStats {
    responses: AtomicU64,
    non_2xx: AtomicU64,
    errors: AtomicU64,
    latencies: Mutex<Vec<u32>>,
}

/// One keep-alive connection with `inflight` GETs outstanding: every
/// complete response sends the next request. Responses are counted while
/// `measuring`; an error ends the connection (counted, with its reason on
/// stderr once).
async fn http_conn(
    a: Arc<Args>,
    stats: Arc<HttpStats>,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\n\r\n",
        a.path, a.host, a.port
    )
    .into_bytes();
    let fail = |why: &str| {
        if stats.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            eprintln!("loadgen: http: {why}");
        }
    };
    let stream = match TcpStream::connect((a.host.as_str(), a.port)).await {
        Ok(s) => s,
        Err(e) => return fail(&format!("connect: {e}")),
    };
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let mut sent: VecDeque<Instant> = VecDeque::with_capacity(a.inflight);
    let mut out = Vec::with_capacity(request.len() * a.inflight);
    for _ in 0..a.inflight {
        out.extend_from_slice(&request);
        sent.push_back(Instant::now());
    }
    if wr.write_all(&out).await.is_err() {
        return fail("write failed");
    }
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut tmp = vec![0u8; 64 * 1024];
    let mut lat = Vec::new();
    let mut error = None;
    while !stop.load(Ordering::Relaxed) {
        match rd.read(&mut tmp).await {
            Ok(0) => {
                error = Some("connection closed by the server".to_string());
                break;
            }
            Err(e) => {
                error = Some(format!("read: {e}"));
                break;
            }
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
        let mut pos = 0;
        let mut got = 0;
        let mut bad = 0;
        loop {
            match http_response_span(&buf[pos..]) {
                Ok(Some((status, len))) => {
                    pos += len;
                    got += 1;
                    if !(200..300).contains(&status) {
                        bad += 1;
                    }
                }
                Ok(None) => break,
                Err(why) => {
                    error = Some(why.to_string());
                    break;
                }
            }
        }
        buf.drain(..pos);
        let now = Instant::now();
        let on = measuring.load(Ordering::Relaxed);
        if !on && !lat.is_empty() {
            // The measured window ended: hand the samples over now (the
            // task is aborted later, mid-read).
            if let Ok(mut l) = stats.latencies.lock() {
                l.append(&mut lat);
            }
        }
        // Responses to one connection's requests come back in order for
        // HTTP/1.1 (and all look alike here, if a server reorders them).
        for _ in 0..got {
            if let (Some(t), true) = (sent.pop_front(), on) {
                lat.push(now.duration_since(t).as_micros().min(u32::MAX as u128) as u32);
            }
        }
        if on {
            stats.responses.fetch_add(got, Ordering::Relaxed);
            stats.non_2xx.fetch_add(bad, Ordering::Relaxed);
        }
        if error.is_some() {
            break;
        }
        out.clear();
        for _ in 0..got {
            out.extend_from_slice(&request);
            sent.push_back(now);
        }
        if wr.write_all(&out).await.is_err() {
            error = Some("write failed".to_string());
            break;
        }
    }
    stats.latencies.lock().map(|mut l| l.extend(lat)).ok();
    if let Some(why) = error.filter(|_| !stop.load(Ordering::Relaxed)) {
        fail(&why);
    }
}

async fn run_http(a: Arc<Args>) {
    if !a.http {
        usage()
    }
    let stats = Arc::new(HttpStats::default());
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..a.conns)
        .map(|_| {
            tokio::spawn(http_conn(
                a.clone(),
                stats.clone(),
                measuring.clone(),
                stop.clone(),
            ))
        })
        .collect();
    let (elapsed, (responses, non_2xx)) = measure(&a, &measuring, &stop, tasks, || {
        (
            stats.responses.load(Ordering::Relaxed),
            stats.non_2xx.load(Ordering::Relaxed),
        )
    })
    .await;
    let lat = sorted(&stats.latencies);
    println!(
        "{{\"mode\":\"http\",\"connections\":{},\"inflight\":{},\"seconds\":{:.3},\"responses\":{},\
         \"requests_per_sec\":{:.0},\"non_2xx\":{},\"errors\":{},\"p50_us\":{},\"p99_us\":{},\"samples\":{}}}",
        a.conns,
        a.inflight,
        elapsed,
        responses,
        responses as f64 / elapsed,
        non_2xx,
        stats.errors.load(Ordering::Relaxed),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.len()
    );
}

fn main() {
    let a = Arc::new(parse_args());
    // One thread: a current-thread runtime (no cross-thread wake-ups).
    let rt = if a.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(a.threads)
            .enable_all()
            .build()
    }
    .expect("runtime");
    rt.block_on(async {
        match a.mode.as_str() {
            "echo" => run_echo(a.clone()).await,
            "rate" => run_rate(a.clone()).await,
            "idle" => run_idle(a.clone()).await,
            "broadcast" => run_broadcast(a.clone()).await,
            "connect" => run_connect(a.clone()).await,
            "http" => run_http(a.clone()).await,
            _ => usage(),
        }
    });
}

#[cfg(test)]
mod frame_counter_tests {
    use super::FrameCounter;

    fn server_frame(len: usize) -> Vec<u8> {
        let mut f = vec![0x81];
        if len < 126 {
            f.push(len as u8);
        } else if len <= 65535 {
            f.push(126);
            f.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            f.push(127);
            f.extend_from_slice(&(len as u64).to_be_bytes());
        }
        f.extend(std::iter::repeat_n(b'x', len));
        f
    }

    /// Frames of every length class, fed whole, split at every byte, or
    /// several at once, are each counted once.
    #[test]
    fn counts_frames_however_the_bytes_arrive() {
        let stream: Vec<u8> = [0usize, 5, 125, 126, 65535, 65536, 70000, 0]
            .iter()
            .flat_map(|&n| server_frame(n))
            .collect();
        let mut whole = FrameCounter::default();
        assert_eq!(whole.feed(&stream), 8);
        for chunk in [1usize, 3, 7, 1000, 65536] {
            let mut c = FrameCounter::default();
            let n: usize = stream.chunks(chunk).map(|p| c.feed(p)).sum();
            assert_eq!(n, 8, "chunks of {chunk}");
        }
    }
}
