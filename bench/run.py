#!/usr/bin/env python3
"""The swoole-rs benchmark suite.

    python3 bench/run.py [--runs 3] [--secs 3] [--soak 60] [--quick] [--swoole SWOOLE_SO]
    python3 bench/run.py --soak-only --soak 600     # the 10-minute memory check alone

Starts the server under test fresh for each run: our build/swoole.so with
bench/echo_server.php (one SWOOLE_BASE worker; the TCP rows use
bench/tcp_echo_server.php), the pure-Rust ceiling
(bench/loadgen/src/bin/ceiling.rs) and, with --swoole, the same scripts on
Swoole's own extension (the reference build from
../shared/tools/build-swoole-ref.sh), each pinned to CPU 0 with the load
generator (bench/loadgen, Rust) pinned to CPU 1. The servers of a scenario
take turns run by run (this VM's speed drifts between minutes). Prints a
table of medians, their spread (max-min as % of the median), our figure as
a ratio to Swoole's, to the ceiling and to the previous run of this script
(build/bench/last.json), and writes build/bench/results.json plus a chart,
build/bench/scaling.png (throughput against connections and message size,
Swoole's line included with --swoole), when matplotlib can be installed
into build/bench-venv.

Figures are from this machine and this run: compare ratios, not machines.
"""

import argparse
import json
import os
import pathlib
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "build/bench"
LOADGEN_DIR = ROOT / "bench/loadgen"
LOADGEN = LOADGEN_DIR / "target/release/swoole-rs-loadgen"
CEILING = LOADGEN_DIR / "target/release/ceiling"
NOFILE = 20000


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(NOFILE, hard) if hard != resource.RLIM_INFINITY else NOFILE
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))


def pinned(cpu, cmd):
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu)] + cmd
    return cmd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc):
    """SIGTERM to a server's process group, SIGKILL if it lingers."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port}")


class Server:
    """One server under test: `kind` is "swoole-rs" (our extension, `so`),
    "swoole" (Swoole's extension, `so`) or "ceiling" (the pure-Rust echo).
    PHP servers run bench/`script` with `env` added to the environment."""

    def __init__(self, kind, so, script="echo_server.php", env=None):
        self.kind, self.so, self.script, self.env = kind, so, script, env or {}

    def __enter__(self):
        self.port = free_port()
        if self.kind == "ceiling":
            # a TCP scenario's ceiling is the raw TCP echo
            cmd = [str(CEILING), str(self.port)] + (["tcp"] if self.script.startswith("tcp") else [])
        else:
            cmd = ["php", "-n", "-d", f"extension={self.so}", "-d", "memory_limit=-1",
                   str(ROOT / "bench" / self.script), str(self.port)]
        self.proc = subprocess.Popen(pinned(0, cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, preexec_fn=raise_nofile,
                                     env=dict(os.environ, **self.env))
        wait_port(self.port)
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        stop_group(self.proc)

    @property
    def pid(self):
        # taskset execs the server: same pid
        return self.proc.pid


def serve_php(so, script, port, env=None):
    """`php -n` with extension `so` running bench/`script` on `port`, pinned
    to CPU 0; returns the process once the port listens."""
    cmd = ["php", "-n", "-d", "memory_limit=-1", "-d", f"extension={so}",
           str(ROOT / "bench" / script), str(port)]
    proc = subprocess.Popen(pinned(0, cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=raise_nofile,
                            env=dict(os.environ, **(env or {})))
    wait_port(port)
    time.sleep(0.2)
    return proc


def loadgen(port, mode, *args, timeout=300, scheme="ws"):
    url = f"ws://127.0.0.1:{port}/" if scheme == "ws" else f"tcp://127.0.0.1:{port}"
    cmd = pinned(1, [str(LOADGEN), mode, "--url", url, *map(str, args)])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=raise_nofile)
    if out.returncode != 0:
        raise RuntimeError(f"loadgen {mode} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss_kib(pid):
    total = 0
    for p in [pid] + [int(c) for c in children(pid)]:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def children(pid):
    out = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                if int(open(f"/proc/{e}/stat").read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(e)
            except OSError:
                pass
    return out


def build_loadgen():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path", str(LOADGEN_DIR / "Cargo.toml")],
                   check=True)


def median_spread(values):
    med = statistics.median(values)
    spread = (max(values) - min(values)) / med * 100 if med else 0.0
    return med, spread


SCENARIOS = [
    # name, metric, unit, higher_is_better, servers, fn(server, args) -> value, script, env
]


def scenario(name, metric, unit, higher=True, servers=("swoole-rs", "swoole", "ceiling"),
             script="echo_server.php", env=None):
    """`servers` may name "swoole": it runs only when --swoole is given."""
    def deco(fn):
        SCENARIOS.append((name, metric, unit, higher, servers, fn, script, env))
        return fn
    return deco


@scenario("echo 10 conns x 1 in flight, 32 B", "msg/s", "msg/s")
def echo_10x1(srv, a):
    r = loadgen(srv.port, "echo", "--conns", 10, "--inflight", 1, "--size", 32, "--secs", a.secs)
    return r["msgs_per_sec"], {"p99_us": r["p99_us"]}


@scenario("echo 100 conns x 16 in flight, 32 B", "msg/s", "msg/s")
def echo_100x16(srv, a):
    r = loadgen(srv.port, "echo", "--conns", 100, "--inflight", 16, "--size", 32, "--secs", a.secs)
    return r["msgs_per_sec"], {"p99_us": r["p99_us"]}


@scenario("echo 10 conns x 4 in flight, 64 KiB", "MB/s", "MB/s")
def echo_64k(srv, a):
    r = loadgen(srv.port, "echo", "--conns", 10, "--inflight", 4, "--size", 65536, "--secs", a.secs)
    return r["msgs_per_sec"] * 65536 / 1e6, {}


@scenario("echo 4 conns x 2 in flight, 1 MiB", "MB/s", "MB/s")
def echo_1m(srv, a):
    r = loadgen(srv.port, "echo", "--conns", 4, "--inflight", 2, "--size", 1 << 20, "--secs", a.secs)
    return r["msgs_per_sec"] * (1 << 20) / 1e6, {}


@scenario("echo 100 x 16, enable_coroutine off", "msg/s", "msg/s", servers=("swoole-rs", "swoole"),
          env={"BENCH_COROUTINE": "0"})
def echo_100x16_no_coroutine(srv, a):
    return echo_100x16(srv, a)


@scenario("echo 100 x 16, SWOOLE_PROCESS", "msg/s", "msg/s", servers=("swoole-rs", "swoole"),
          env={"BENCH_MODE": "process"})
def echo_100x16_process(srv, a):
    return echo_100x16(srv, a)


def tcp_echo_scenario(conns, inflight):
    @scenario(f"TCP echo {conns} conns x {inflight} in flight, 32 B", "msg/s", "msg/s",
              script="tcp_echo_server.php")
    def tcp_echo(srv, a):
        r = loadgen(srv.port, "echo", "--conns", conns, "--inflight", inflight, "--size", 32,
                    "--secs", a.secs, "--warmup", 1, scheme="tcp")
        return r["msgs_per_sec"], {"p99_us": r["p99_us"]}
    return tcp_echo


tcp_echo_scenario(10, 1)
tcp_echo_scenario(100, 16)


@scenario("rate 10 conns, 20k msg/s, 32 B: p99 from schedule", "p99 us", "us", higher=False)
def rate_p99(srv, a):
    r = loadgen(srv.port, "rate", "--conns", 10, "--rate", 20000, "--size", 32, "--secs", a.secs)
    return r["p99_us"], {"achieved": r["achieved_rate"], "p999_us": r["p999_us"]}


def idle_scenario(n):
    @scenario(f"idle {n} connections: RSS per connection", "bytes/conn", "B", higher=False,
              servers=("swoole-rs", "swoole"))
    def idle(srv, a):
        r = loadgen(srv.port, "idle", "--conns", n, "--pid", srv.pid, "--secs", 3, timeout=600)
        return r["bytes_per_conn"], {"connections": r["connections"]}
    return idle


idle_scenario(10000)
idle_scenario(19000)


# The ceiling's broadcast is one send per receiver straight from the loop
# (bench/loadgen/src/bin/ceiling.rs): the least a server can do for it.
@scenario("broadcast to 10000, PHP foreach push()", "ms to last", "ms", higher=False)
def bcast_foreach(srv, a):
    r = loadgen(srv.port, "broadcast", "--conns", 10000, "--count", 5, "--prefix", "BCAST", "--size", 32,
                timeout=600)
    return r["fanout_ms_median"], {"missing": r["missing"], "max_ms": r["fanout_ms_max"]}


# Swoole has no broadcast(): its column is the foreach loop (bench/echo_server.php).
@scenario("broadcast to 10000, $server->broadcast()", "ms to last", "ms", higher=False)
def bcast_native(srv, a):
    r = loadgen(srv.port, "broadcast", "--conns", 10000, "--count", 5, "--prefix", "NBCAST", "--size", 32,
                timeout=600)
    return r["fanout_ms_median"], {"missing": r["missing"], "max_ms": r["fanout_ms_max"]}


@scenario("connect + handshake, 8 at a time", "conn/s", "conn/s")
def connect_rate(srv, a):
    r = loadgen(srv.port, "connect", "--conns", 8, "--secs", a.secs)
    return r["connects_per_sec"], {"failed": r["failed"]}


def soak(so, secs):
    """Echo at full speed for `secs`; RSS after warm-up vs at the end, with
    a sample every 30 s printed on the way."""
    with Server("swoole-rs", so) as srv:
        loadgen(srv.port, "echo", "--conns", 100, "--inflight", 16, "--size", 32, "--secs", 5)
        start = rss_kib(srv.pid)
        print(f"soak: RSS after warm-up {start} KiB", flush=True)
        proc = subprocess.Popen(
            pinned(1, [str(LOADGEN), "echo", "--url", f"ws://127.0.0.1:{srv.port}/", "--conns", "100",
                       "--inflight", "16", "--size", "32", "--secs", str(secs)]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=raise_nofile)
        t0 = time.monotonic()
        while proc.poll() is None:
            time.sleep(min(30, max(1, secs + 5 - (time.monotonic() - t0))))
            if proc.poll() is None:
                print(f"soak: {time.monotonic() - t0:5.0f} s  RSS {rss_kib(srv.pid)} KiB", flush=True)
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"loadgen echo failed: {err[-2000:]}")
        rate = json.loads(out.strip().splitlines()[-1])["msgs_per_sec"]
        end = rss_kib(srv.pid)
        print(f"soak: {rate:,.0f} msg/s on average", flush=True)
    return start, end


def sweep(a):
    """Throughput against connections (1 in flight, 32 B) and message size
    (10 connections x 4 in flight), for the chart."""
    data = {"connections": {}, "size": {}}
    for kind in kinds(a, ("swoole-rs", "swoole", "ceiling")):
        so = so_for(kind, a)
        for conns in (1, 10, 100, 1000):
            with Server(kind, so) as srv:
                r = loadgen(srv.port, "echo", "--conns", conns, "--inflight", 1, "--size", 32, "--secs", a.secs)
            data["connections"].setdefault(kind, []).append((conns, r["msgs_per_sec"]))
        for size in (32, 1024, 16384, 65536):
            with Server(kind, so) as srv:
                r = loadgen(srv.port, "echo", "--conns", 10, "--inflight", 4, "--size", size, "--secs", a.secs)
            data["size"].setdefault(kind, []).append((size, r["msgs_per_sec"] * size / 1e6))
    return data


def chart(data, path):
    venv = ROOT / "build/bench-venv"
    py = venv / "bin/python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(py), "-c", "import matplotlib"], capture_output=True)
    if probe.returncode != 0:
        r = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "-r",
                            str(ROOT / "bench/requirements.txt")], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"(no chart: matplotlib could not be installed: {r.stderr[-300:]})")
            return False
    script = f"""
import json, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
d = json.loads({json.dumps(json.dumps(data))})
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
for kind, pts in d["connections"].items():
    a1.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=kind)
a1.set_xscale("log"); a1.set_xlabel("connections (1 message in flight each)"); a1.set_ylabel("messages/s")
a1.set_title("32-byte echo"); a1.legend(); a1.grid(alpha=.3)
for kind, pts in d["size"].items():
    a2.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=kind)
a2.set_xscale("log"); a2.set_xlabel("message size (bytes), 10 conns x 4 in flight"); a2.set_ylabel("MB/s")
a2.set_title("throughput by message size"); a2.legend(); a2.grid(alpha=.3)
fig.tight_layout(); fig.savefig({json.dumps(str(path))}, dpi=110)
"""
    return subprocess.run([str(py), "-c", script]).returncode == 0


def kinds(a, servers):
    """The servers of a scenario that this run measures."""
    return [k for k in servers if k != "swoole" or a.swoole]


def so_for(kind, a):
    return a.swoole if kind == "swoole" else a.so


def ratio_of(ours, other, higher):
    """How many times as good as `other` we are (>1 = better for us)."""
    if not ours or not other:
        return None
    return ours / other if higher else other / ours


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--secs", type=float, default=3)
    p.add_argument("--soak", type=float, default=60, help="seconds of echo for the memory check (600 = the target)")
    p.add_argument("--quick", action="store_true", help="one run, no sweep, no soak")
    p.add_argument("--soak-only", action="store_true", help="only the memory soak (--soak seconds)")
    p.add_argument("--so", default=str(ROOT / "build/swoole.so"))
    p.add_argument("--only", metavar="TEXT", help="only the scenarios whose name contains TEXT")
    p.add_argument("--swoole", metavar="SWOOLE_SO",
                   help="Swoole's swoole.so (../shared/tools/build-swoole-ref.sh): adds its column")
    a = p.parse_args()
    if a.quick:
        a.runs, a.soak = 1, 0
    if a.only:
        a.soak = 0
    raise_nofile()
    build_loadgen()
    OUT.mkdir(parents=True, exist_ok=True)
    if a.soak_only:
        start, end = soak(a.so, a.soak)
        growth = (end - start) / start * 100 if start else 0.0
        print(f"soak: {a.soak:g} s of echo at full speed: RSS {start} KiB -> {end} KiB ({growth:+.1f}%)")
        (OUT / "soak.json").write_text(json.dumps(
            {"seconds": a.soak, "rss_start_kib": start, "rss_end_kib": end, "growth_pct": growth}))
        return
    previous = {}
    last = OUT / "last.json"
    if last.exists():
        previous = json.loads(last.read_text()).get("scenarios", {})
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "runs": a.runs,
               "swoole": a.swoole, "scenarios": {}}
    print(f"swoole-rs benchmark: {a.runs} runs of {a.secs:g} s, server on CPU 0, load generator on CPU 1")
    header = (f"{'scenario':<52} {'ours':>12} {'spread':>7} {'Swoole':>12} {'vs Swoole':>9} "
              f"{'ceiling':>12} {'vs ceil':>8} {'vs prev':>8}")
    print(header)
    print("-" * len(header))
    fmt = lambda v: "-" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:,.2f}")
    fmt_ratio = lambda r: f"{r:.2f}x" if r else "-"
    for name, metric, unit, higher, servers, fn, script, env in SCENARIOS:
        if a.only and a.only not in name:
            continue
        row = {"metric": metric, "higher_is_better": higher}
        measured = kinds(a, servers)
        samples = {k: ([], []) for k in measured}
        # Run by run, each server in turn: the figures compared sit close in time.
        for _ in range(a.runs):
            for kind in measured:
                with Server(kind, so_for(kind, a), script, env) as srv:
                    v, extra = fn(srv, a)
                samples[kind][0].append(v)
                samples[kind][1].append(extra)
        for kind, (values, extras) in samples.items():
            med, spread = median_spread(values)
            row[kind] = {"median": med, "spread_pct": spread, "values": values, "extra": extras}
        ours = row["swoole-rs"]["median"]
        ceil = row.get("ceiling", {}).get("median")
        swoole = row.get("swoole", {}).get("median")
        prev = previous.get(name, {}).get("swoole-rs", {}).get("median")
        row["vs_swoole"] = ratio_of(ours, swoole, higher)
        results["scenarios"][name] = row
        print(f"{name:<52} {fmt(ours):>12} {row['swoole-rs']['spread_pct']:>6.1f}% {fmt(swoole):>12} "
              f"{fmt_ratio(row['vs_swoole']):>9} {fmt(ceil):>12} {fmt_ratio(ratio_of(ours, ceil, higher)):>8} "
              f"{fmt_ratio(ratio_of(ours, prev, higher)):>8}", flush=True)
    print("(ratios are 'how many times as good as': >1 is better for us, whether the metric is a rate or a time)")
    if a.soak:
        start, end = soak(a.so, a.soak)
        growth = (end - start) / start * 100 if start else 0
        results["soak"] = {"seconds": a.soak, "rss_start_kib": start, "rss_end_kib": end, "growth_pct": growth}
        print(f"soak: {a.soak:g} s of echo at full speed: RSS {start} KiB -> {end} KiB ({growth:+.1f}%)")
    if not a.quick and not a.only:
        data = sweep(a)
        results["sweep"] = data
        png = OUT / "scaling.png"
        if chart(data, png):
            print(f"chart: {png.relative_to(ROOT)}")
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    last.write_text(json.dumps(results, indent=2))
    print(f"results: {(OUT / 'results.json').relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
