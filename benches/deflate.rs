//! permessage-deflate with and without context takeover: compression ratio,
//! speed, and the memory a connection holds between messages.
//!
//! Run: `cargo bench --bench deflate` (or `make bench-deflate`). Prints one
//! table; figures are from this run only, so compare rows, not runs.
//!
//! Corpora are the message shapes WebSocket servers carry: short chat
//! messages in JSON, ~1 KiB event objects, and a 16 KiB JSON document. All are
//! generated from a fixed seed, so every run compresses the same bytes.

// A benchmark: a failed round trip should stop it.
#![allow(clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use swoole::protocol::deflate::{Deflater, Inflater};

/// Counts live heap bytes so a (de)compressor's state can be weighed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the
// counter is only arithmetic on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// xorshift32: deterministic, no dependency.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];
const ROOMS: &[&str] = &["general", "random", "support", "dev", "ops"];
const WORDS: &[&str] = &[
    "hello", "there", "the", "build", "is", "green", "again", "can", "you", "review", "my",
    "change", "please", "thanks", "deploy", "at", "noon", "lunch", "?", "sure", "looks", "good",
    "to", "me", "merged", "ship", "it", "coffee", "meeting", "in", "five", "minutes",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn chat_messages(rng: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let words = 3 + rng.next() as usize % 12;
            format!(
                r#"{{"type":"message","id":{},"room":"{}","user":"{}","text":"{}","ts":{}}}"#,
                100_000 + i,
                rng.pick(ROOMS),
                rng.pick(USERS),
                sentence(rng, words),
                1_700_000_000_000u64 + (i as u64) * 137
            )
            .into_bytes()
        })
        .collect()
}

fn event_objects(rng: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let items: Vec<String> = (0..8)
                .map(|_| {
                    format!(
                        r#"{{"sku":"SKU-{:05}","name":"{}","qty":{},"price":{}.{:02},"tags":["{}","{}"]}}"#,
                        rng.next() % 100_000,
                        sentence(rng, 2),
                        1 + rng.next() % 9,
                        rng.next() % 500,
                        rng.next() % 100,
                        rng.pick(ROOMS),
                        rng.pick(WORDS),
                    )
                })
                .collect();
            format!(
                r#"{{"event":"order.updated","seq":{},"customer":{{"id":{},"name":"{}"}},"items":[{}],"status":"{}"}}"#,
                i,
                rng.next() % 10_000,
                rng.pick(USERS),
                items.join(","),
                rng.pick(&["paid", "shipped", "pending"]),
            )
            .into_bytes()
        })
        .collect()
}

fn documents(rng: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|_| {
            let mut doc = Vec::new();
            while doc.len() < 16 * 1024 {
                doc.extend_from_slice(&event_objects(rng, 1)[0]);
                doc.push(b'\n');
            }
            doc
        })
        .collect()
}

struct Mode {
    name: &'static str,
    no_context_takeover: bool,
    window_bits: u8,
}

const MODES: &[Mode] = &[
    Mode {
        name: "no context takeover",
        no_context_takeover: true,
        window_bits: 15,
    },
    Mode {
        name: "takeover, 15-bit window",
        no_context_takeover: false,
        window_bits: 15,
    },
    Mode {
        name: "takeover, 10-bit window",
        no_context_takeover: false,
        window_bits: 10,
    },
];

struct Row {
    ratio: f64,
    compress_mb_s: f64,
    inflate_mb_s: f64,
    deflater_bytes: isize,
    inflater_bytes: isize,
}

fn run(messages: &[Vec<u8>], mode: &Mode, rounds: usize) -> Row {
    let raw: usize = messages.iter().map(Vec::len).sum();

    // Weigh the state a connection keeps between messages: what is still
    // allocated after creating a (de)compressor and running one message
    // through it (output buffers are allocated beforehand and not counted).
    let mut wire = Vec::with_capacity(1 << 20);
    let mut plain = Vec::with_capacity(1 << 20);
    let mark = live();
    let mut d = Deflater::new(mode.no_context_takeover, mode.window_bits);
    d.compress(&messages[0], &mut wire);
    let deflater_bytes = live() - mark;
    drop(d);
    let mark = live();
    let mut i = Inflater::new(mode.no_context_takeover, mode.window_bits);
    i.decompress(&wire, &mut plain, 1 << 24)
        .expect("round trip");
    let inflater_bytes = live() - mark;
    drop(i);

    // Ratio and speed over the whole corpus, `rounds` times.
    let mut compressed: Vec<Vec<u8>> = Vec::with_capacity(messages.len());
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..rounds {
        compressed.clear();
        let mut d = Deflater::new(mode.no_context_takeover, mode.window_bits);
        for m in messages {
            let mut out = Vec::new();
            d.compress(m, &mut out);
            total += out.len();
            compressed.push(out);
        }
    }
    let compress_s = start.elapsed().as_secs_f64();
    let comp_bytes = total / rounds;

    let start = Instant::now();
    for _ in 0..rounds {
        let mut i = Inflater::new(mode.no_context_takeover, mode.window_bits);
        for (c, m) in compressed.iter().zip(messages) {
            plain.clear();
            i.decompress(c, &mut plain, 1 << 24).expect("inflate");
            assert_eq!(&plain, m, "round trip");
        }
    }
    let inflate_s = start.elapsed().as_secs_f64();
    let mb = (raw * rounds) as f64 / 1e6;
    Row {
        ratio: comp_bytes as f64 / raw as f64,
        compress_mb_s: mb / compress_s,
        inflate_mb_s: mb / inflate_s,
        deflater_bytes,
        inflater_bytes,
    }
}

fn main() {
    let mut rng = Rng(0x5eed_1234);
    let corpora: Vec<(&str, Vec<Vec<u8>>, usize)> = vec![
        ("chat message (~130 B)", chat_messages(&mut rng, 5000), 10),
        ("event object (~1.2 KiB)", event_objects(&mut rng, 2000), 5),
        ("JSON document (16 KiB)", documents(&mut rng, 100), 5),
    ];
    println!(
        "{:<24} {:<24} {:>7} {:>10} {:>10} {:>12} {:>12}",
        "corpus", "mode", "ratio", "deflate", "inflate", "server state", "client state"
    );
    println!(
        "{:<24} {:<24} {:>7} {:>10} {:>10} {:>12} {:>12}",
        "", "", "out/in", "MB/s", "MB/s", "per conn", "per conn"
    );
    for (name, messages, rounds) in &corpora {
        let mut baseline = None;
        for mode in MODES {
            let row = run(messages, mode, *rounds);
            let server_state = if mode.no_context_takeover {
                // Reset after every message: nothing needs to be kept, and one
                // compressed frame can be sent to every connection.
                "0 (shared)".to_string()
            } else {
                format!("{} KiB", row.deflater_bytes.max(0) / 1024)
            };
            let client_state = if mode.no_context_takeover {
                "0".to_string()
            } else {
                format!("{} KiB", row.inflater_bytes.max(0) / 1024)
            };
            let vs = match baseline {
                None => {
                    baseline = Some(row.ratio);
                    String::new()
                }
                Some(b) => format!(" ({:.2}x smaller)", b / row.ratio),
            };
            println!(
                "{:<24} {:<24} {:>7.3} {:>10.0} {:>10.0} {:>12} {:>12}{}",
                name,
                mode.name,
                row.ratio,
                row.compress_mb_s,
                row.inflate_mb_s,
                server_state,
                client_state,
                vs
            );
        }
    }
    println!();
    println!("ratio: compressed bytes / raw bytes over the corpus (lower is better).");
    println!("server state: compressor memory a connection keeps between messages;");
    println!("client state: inflate memory kept per connection that sends compressed messages.");
}
