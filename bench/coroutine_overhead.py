#!/usr/bin/env python3
"""What running every callback in a coroutine costs (enable_coroutine on,
Swoole's default, against off), on the WebSocket echo.

    python3 bench/coroutine_overhead.py [--so build/swoole.so] [--runs 3] [--secs 3]

bench/echo_server.php (one SWOOLE_BASE worker) pinned to CPU 0, the load
generator to CPU 1; 10 connections x 1 in flight and 100 x 16, 32-byte
messages; the two settings interleaved run by run. Prints the medians and
on/off as a ratio, measured in this run.
"""

import argparse
import statistics

import run as common

CASES = [(10, 1), (100, 16)]


def serve(so, port, coroutine):
    return common.serve_php(so, "echo_server.php", port,
                            {"BENCH_COROUTINE": "1" if coroutine else "0"})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--so", default=str(common.ROOT / "build/swoole.so"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--secs", type=float, default=3)
    a = p.parse_args()
    common.build_loadgen()
    samples = {}
    for _ in range(a.runs):
        for conns, inflight in CASES:
            for coroutine in (True, False):
                port = common.free_port()
                proc = serve(a.so, port, coroutine)
                try:
                    r = common.loadgen(port, "echo", "--conns", conns, "--inflight", inflight,
                                       "--size", 32, "--secs", a.secs, "--warmup", 1)
                finally:
                    common.stop_group(proc)
                samples.setdefault((coroutine, conns, inflight), []).append(r["msgs_per_sec"])
    print(f"{'case':<12}{'coroutine on':>15}{'off':>15}{'on/off':>9}")
    for conns, inflight in CASES:
        on = statistics.median(samples[(True, conns, inflight)])
        off = statistics.median(samples[(False, conns, inflight)])
        print(f"{f'{conns} x {inflight}':<12}{on:>15,.0f}{off:>15,.0f}{on / off:>8.2f}x")


if __name__ == "__main__":
    main()
