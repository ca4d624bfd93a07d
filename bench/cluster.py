#!/usr/bin/env python3
"""Cross-node fan-out through the Redis cluster bus (swoole-rs `cluster` setting).

    python3 bench/cluster.py [--clients 5000] [--runs 3] [--count 10] [--burst 1000]

Starts a redis-server on a loopback port and three nodes, each one
SWOOLE_BASE worker running bench/echo_server.php with BENCH_CLUSTER set, and
connects --clients receivers to every node (bench/loadgen, one process). One
publisher (a client of node 1) sends "NBCAST <seq>" messages, which the node
turns into $server->broadcast(): framed once, written to its own connections
and published on Redis, from where the other two nodes' runtimes write it to
theirs. Reported, median of --runs fresh starts:

  * fan-out: time from the send to the last of the 3 x clients receipts
    (one message at a time, --count messages), and missing receipts;
  * bus throughput: --burst messages sent back to back to --burst-clients
    receivers per node; messages per second until every client has every
    message; and deliveries per second of a tenth as many to every client;
  * the same fan-out with all receivers on one node and no cluster, as the
    reference the bus adds to.

All processes share this machine's cores (no pinning: 3 nodes, Redis and the
load generator); compare ratios from one run, not machines.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (shared helpers: ports, loadgen build, nofile)

ROOT = bench.ROOT


class Redis:
    def __enter__(self):
        self.port = bench.free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        bench.wait_port(self.port)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Node:
    def __init__(self, so, redis_url=None):
        self.so, self.redis_url = so, redis_url

    def __enter__(self):
        self.port = bench.free_port()
        env = dict(os.environ)
        if self.redis_url:
            env["BENCH_CLUSTER"] = self.redis_url
        self.proc = subprocess.Popen(
            ["php", "-n", "-d", f"extension={self.so}", "-d", "memory_limit=2G",
             str(ROOT / "bench/echo_server.php"), str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True, preexec_fn=bench.raise_nofile)
        bench.wait_port(self.port)
        time.sleep(0.3)  # the bus subscription
        return self

    def __exit__(self, *exc):
        bench.stop_group(self.proc)


def loadgen(nodes, *args):
    cmd = [str(bench.LOADGEN), "broadcast", "--url", f"ws://127.0.0.1:{nodes[0].port}/"]
    for n in nodes[1:]:
        cmd += ["--also", f"ws://127.0.0.1:{n.port}/"]
    cmd += [str(a) for a in args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, preexec_fn=bench.raise_nofile)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=5000, help="receivers per node")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--burst", type=int, default=1000)
    ap.add_argument("--burst-clients", type=int, default=10,
                    help="receivers per node for the bus throughput run (few: the bus, not the fan-out)")
    ap.add_argument("--so", default=str(ROOT / "build/swoole.so"))
    args = ap.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed (scripts/deps.sh installs it)")
    bench.raise_nofile()
    bench.build_loadgen()
    total = 3 * args.clients
    rows = {"cluster fan-out ms (median msg)": [], "cluster fan-out ms (slowest msg)": [],
            "cluster missing": [], "bus messages/s (burst, few clients)": [],
            "deliveries/s (burst, all clients)": [], "burst missing": [],
            "one node fan-out ms (median msg)": []}
    for run in range(args.runs):
        with Redis() as r:
            url = f"redis://127.0.0.1:{r.port}"
            with Node(args.so, url) as n1, Node(args.so, url) as n2, Node(args.so, url) as n3:
                f = loadgen([n1, n2, n3], "--conns", total, "--count", args.count, "--prefix", "NBCAST")
                b = loadgen([n1, n2, n3], "--conns", 3 * args.burst_clients, "--count", args.burst,
                            "--prefix", "NBCAST", "--burst", 1)
                bf = loadgen([n1, n2, n3], "--conns", total, "--count", args.burst // 10, "--prefix", "NBCAST",
                             "--burst", 1)
        with Node(args.so) as solo:
            s = loadgen([solo], "--conns", total, "--count", args.count, "--prefix", "NBCAST")
        rows["cluster fan-out ms (median msg)"].append(f["fanout_ms_median"])
        rows["cluster fan-out ms (slowest msg)"].append(f["fanout_ms_max"])
        rows["cluster missing"].append(f["missing"])
        rows["bus messages/s (burst, few clients)"].append(b["messages_per_sec"])
        rows["deliveries/s (burst, all clients)"].append(bf["deliveries_per_sec"])
        rows["burst missing"].append(b["missing"] + bf["missing"])
        rows["one node fan-out ms (median msg)"].append(s["fanout_ms_median"])
        print(f"run {run + 1}: cluster {f}, burst {b}, burst to all {bf}, one node {s}", flush=True)
    print(f"\n3 nodes x {args.clients} clients ({total} receivers), one publisher, {args.runs} runs")
    print(f"{'figure':40} {'median':>12} {'spread':>8}")
    summary = {}
    for name, values in rows.items():
        med, spread = bench.median_spread(values) if any(values) else (0.0, 0.0)
        summary[name] = {"median": med, "values": values}
        print(f"{name:40} {med:>12.2f} {spread:>7.0f}%")
    ratio = summary["cluster fan-out ms (median msg)"]["median"] / max(
        summary["one node fan-out ms (median msg)"]["median"], 1e-9)
    print(f"{'cluster / one node fan-out':40} {ratio:>12.2f}x")
    bench.OUT.mkdir(parents=True, exist_ok=True)
    (bench.OUT / "cluster.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
