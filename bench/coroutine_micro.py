#!/usr/bin/env python3
"""Coroutine create / switch / sleep / channel rates (bench/coroutine_micro.php),
swoole-rs against a reference Swoole build, interleaved run by run.

    python3 bench/coroutine_micro.py --ref /path/to/swoole.so [--so build/swoole.so] [--runs 3] [-n 200000]

Prints the medians in operations per second and ours / reference.
"""

import argparse
import json
import pathlib
import statistics
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(so, n):
    out = subprocess.run(["php", "-n", "-d", "memory_limit=-1", "-d", f"extension={so}",
                          str(ROOT / "bench/coroutine_micro.php"), str(n)],
                         capture_output=True, text=True, timeout=600)
    line = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not line:
        raise SystemExit(f"{so}: no result\n{out.stdout}\n{out.stderr}")
    return json.loads(line[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--so", default=str(ROOT / "build/swoole.so"))
    p.add_argument("--ref", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("-n", type=int, default=200000)
    a = p.parse_args()
    ours, ref = {}, {}
    for _ in range(a.runs):
        for k, v in run(a.so, a.n).items():
            ours.setdefault(k, []).append(v)
        for k, v in run(a.ref, a.n).items():
            ref.setdefault(k, []).append(v)
    print(f"{'operation':<10}{'swoole-rs':>14}{'Swoole':>14}{'ratio':>8}")
    for k in ours:
        o, r = statistics.median(ours[k]), statistics.median(ref[k])
        print(f"{k:<10}{o:>14,.0f}{r:>14,.0f}{o / r:>7.2f}x")


if __name__ == "__main__":
    main()
