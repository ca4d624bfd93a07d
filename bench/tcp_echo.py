#!/usr/bin/env python3
"""TCP echo (onReceive -> send), swoole-rs side by side with Swoole.

    python3 bench/tcp_echo.py --ref SWOOLE_SO [--so build/swoole.so] [--runs 3] [--secs 3]

Runs bench/tcp_echo_server.php (one SWOOLE_BASE worker) on each extension,
the two interleaved run by run, pinned to CPU 0, with the load generator (bench/loadgen,
`--url tcp://`) pinned to CPU 1, for 10 connections x 1 message in flight
and 100 connections x 16 in flight, 32-byte messages. Prints the medians
of messages/s and p99 latency per extension and the ratio (ours / Swoole's)
measured in this run. Build the reference with
`../shared/tools/build-swoole-ref.sh <swoole-src git dir>`.
"""

import argparse
import json
import statistics
import subprocess

import run as common  # bench/run.py: pinning, ports, process groups, loadgen build

CASES = [(10, 1), (100, 16)]


def serve(so, port):
    return common.serve_php(so, "tcp_echo_server.php", port)


def echo(port, conns, inflight, secs):
    cmd = common.pinned(1, [str(common.LOADGEN), "echo", "--url", f"tcp://127.0.0.1:{port}",
                            "--conns", str(conns), "--inflight", str(inflight), "--size", "32",
                            "--secs", str(secs), "--warmup", "1"])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, preexec_fn=common.raise_nofile)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--so", default=str(common.ROOT / "build/swoole.so"))
    p.add_argument("--ref", required=True, help="Swoole 6.2.2's swoole.so")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--secs", type=float, default=3)
    a = p.parse_args()
    common.build_loadgen()
    # Interleaved (each run measures both, case by case): this VM's speed
    # drifts by tens of percent between minutes.
    samples = {}
    for _ in range(a.runs):
        for conns, inflight in CASES:
            for name, so in (("swoole-rs", a.so), ("swoole", a.ref)):
                port = common.free_port()
                proc = serve(so, port)
                try:
                    r = echo(port, conns, inflight, a.secs)
                finally:
                    common.stop_group(proc)
                samples.setdefault((name, conns, inflight), []).append((r["msgs_per_sec"], r["p99_us"]))
    results = {
        k: (statistics.median(x for x, _ in v), statistics.median(y for _, y in v))
        for k, v in samples.items()
    }
    print(f"{'case':<14}{'swoole-rs msg/s':>17}{'Swoole msg/s':>15}{'ratio':>8}"
          f"{'rs p99 us':>11}{'Swoole p99 us':>15}")
    for conns, inflight in CASES:
        ours, ref = results[("swoole-rs", conns, inflight)], results[("swoole", conns, inflight)]
        ratio = ours[0] / ref[0] if ref[0] else float("nan")
        print(f"{f'{conns} x {inflight}':<14}{ours[0]:>17,.0f}{ref[0]:>15,.0f}{ratio:>7.2f}x"
              f"{ours[1]:>11}{ref[1]:>15}")


if __name__ == "__main__":
    main()
