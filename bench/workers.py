#!/usr/bin/env python3
"""Echo throughput with worker_num 1, 2 and 4, in SWOOLE_BASE and
SWOOLE_PROCESS, under the same load: how the server scales with workers and
what PROCESS mode's hop through the master costs.

    python3 bench/workers.py [--conns 100] [--inflight 16] [--size 32] [--secs 5] [--runs 3]

Builds the load generator (bench/loadgen, Rust) if needed and uses
build/swoole.so (make build). Each run starts the server fresh; the table
shows the median of the runs, their spread (max-min as % of the median),
and each figure as a ratio to BASE with one worker. Figures are from this
machine and this run only: compare rows, not machines.
"""

import argparse
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import free_port, wait_port  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOADGEN = ROOT / "bench/loadgen/target/release/swoole-rs-loadgen"


def build_loadgen():
    if not LOADGEN.exists():
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "--manifest-path", str(ROOT / "bench/loadgen/Cargo.toml")],
            check=True,
        )


def one_run(so, mode, workers, a):
    port = free_port()
    env = dict(os.environ, BENCH_MODE=mode, BENCH_WORKERS=str(workers))
    server = subprocess.Popen(
        ["php", "-n", "-d", f"extension={so}", str(ROOT / "bench/echo_server.php"), str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        wait_port(port)
        time.sleep(0.3)  # every worker up
        out = subprocess.run(
            [str(LOADGEN), "echo", "--url", f"ws://127.0.0.1:{port}/", "--conns", str(a.conns),
             "--inflight", str(a.inflight), "--size", str(a.size), "--secs", str(a.secs),
             "--warmup", "1", "--threads", "1"],
            capture_output=True, text=True, timeout=a.secs + 60, check=True,
        ).stdout
        return json.loads(out)
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--inflight", type=int, default=16)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--secs", type=float, default=5)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--so", default=str(ROOT / "build/swoole.so"))
    a = p.parse_args()
    build_loadgen()
    print(f"echo, {a.conns} connections x {a.inflight} in flight, {a.size} B, {a.secs:g} s x {a.runs} runs,"
          f" {os.cpu_count()} cores (server and load generator unpinned)")
    print(f"{'mode':<8} {'workers':>7} {'msg/s (median)':>15} {'spread':>7} {'p99 us':>7} {'vs base-1':>9}")
    base1 = None
    for mode in ("base", "process"):
        for workers in (1, 2, 4):
            runs = [one_run(a.so, mode, workers, a) for _ in range(a.runs)]
            rates = [r["msgs_per_sec"] for r in runs]
            med = statistics.median(rates)
            spread = (max(rates) - min(rates)) / med * 100 if med else 0
            p99 = statistics.median(r["p99_us"] for r in runs)
            if base1 is None:
                base1 = med
            print(f"{mode:<8} {workers:>7} {med:>15,.0f} {spread:>6.1f}% {p99:>7.0f} {med / base1:>8.2f}x",
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
