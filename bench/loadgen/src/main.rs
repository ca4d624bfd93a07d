//! A WebSocket load generator for the benchmark suite: much cheaper per
//! message than the server under test, so that the server is what is
//! measured.
//!
//!   loadgen echo  --url ws://127.0.0.1:9501/ --conns 100 --inflight 16 --size 32 --secs 5
//!   loadgen idle  --url ... --conns 10000 --pid <server pid>
//!
//! `echo`: each connection keeps `inflight` messages outstanding; every echo
//! received sends the next one. One frame is built and masked once and
//! written again and again (the server checks the mask, never its value).
//! Latency is measured from each message's send to its echo (echoes come
//! back in order on a connection). `idle`: opens connections, holds them,
//! and reports the server's RSS per connection (from /proc).
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
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen echo|idle --url ws://HOST:PORT/PATH [--conns N] [--inflight K] \
         [--size BYTES] [--secs S] [--warmup S] [--pid SERVER_PID] [--threads T]"
    );
    std::process::exit(2)
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
    };
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        let num = |v: &str| v.parse::<f64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--url" => {
                let rest = value.strip_prefix("ws://").unwrap_or_else(|| usage());
                let (hostport, path) = match rest.find('/') {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, "/"),
                };
                let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "80"));
                a.host = host.to_string();
                a.port = port.parse().unwrap_or_else(|_| usage());
                a.path = path.to_string();
            }
            "--conns" => a.conns = num(&value) as usize,
            "--inflight" => a.inflight = (num(&value) as usize).max(1),
            "--size" => a.size = num(&value) as usize,
            "--secs" => a.secs = num(&value),
            "--warmup" => a.warmup = num(&value),
            "--pid" => a.pid = Some(num(&value) as u32),
            "--threads" => a.threads = (num(&value) as usize).max(1),
            _ => usage(),
        }
    }
    a
}

/// A masked client text frame carrying `size` bytes.
fn client_frame(size: usize) -> Vec<u8> {
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
    f.extend((0..size).map(|i| (b'a' + (i % 26) as u8) ^ key[i % 4]));
    f
}

async fn connect(a: &Args) -> std::io::Result<(TcpStream, Vec<u8>)> {
    let mut s = TcpStream::connect((a.host.as_str(), a.port)).await?;
    s.set_nodelay(true)?;
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        a.path, a.host, a.port
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
    loop {
        let b = &buf[pos..];
        if b.len() < 2 {
            break;
        }
        let (len, head) = match b[1] & 0x7f {
            126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
            127 if b.len() >= 10 => {
                let mut l = [0u8; 8];
                l.copy_from_slice(&b[2..10]);
                (u64::from_be_bytes(l) as usize, 10)
            }
            126 | 127 => break,
            l => (l as usize, 2),
        };
        if b.len() < head + len {
            break;
        }
        pos += head + len;
        n += 1;
    }
    buf.drain(..pos);
    n
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
    let Ok((stream, mut buf)) = connect(&a).await else {
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
    let mut tmp = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        let n = match rd.read(&mut tmp).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend_from_slice(&tmp[..n]);
        let got = count_frames(&mut buf);
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
        out.clear();
        for _ in 0..got {
            out.extend_from_slice(&frame);
            sent.push_back(now);
        }
        if wr.write_all(&out).await.is_err() {
            break;
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

async fn run_echo(a: Arc<Args>) {
    let frame = Arc::new(client_frame(a.size));
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
    tokio::time::sleep(Duration::from_secs_f64(a.warmup)).await;
    measuring.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(a.secs)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    let messages = stats.messages.load(Ordering::Relaxed);
    // Let every connection see one more echo and hand over its samples.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
        let _ = t.await;
    }
    let mut lat = stats
        .latencies
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    lat.sort_unstable();
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

fn main() {
    let a = Arc::new(parse_args());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(a.threads)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        match a.mode.as_str() {
            "echo" => run_echo(a.clone()).await,
            "idle" => run_idle(a.clone()).await,
            _ => usage(),
        }
    });
}
