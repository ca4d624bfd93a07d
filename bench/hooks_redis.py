#!/usr/bin/env python3
"""Runtime hooks: an HTTP endpoint doing one phpredis GET per request,
swoole-rs side by side with Swoole.

    python3 bench/hooks_redis.py --ref SWOOLE_SO [--so build/swoole.so] [--runs 3] [--secs 5]

Starts a redis-server of its own (a free loopback port, no persistence)
holding bench:key, then runs bench/hooks_redis.php (Swoole\\Http\\Server, one
SWOOLE_BASE worker, SWOOLE_HOOK_ALL, a Coroutine\\Channel pool of up to
--pool phpredis connections) on each extension, pinned to CPU 0 with
redis-server, and the load generator (bench/loadgen `http`: keep-alive GETs,
N connections x M pipelined) pinned to CPU 1. Every server start is
checked first (one GET must answer 200 with bench:key's value); a run whose
load generator saw a non-2xx response or an error is reported as failed.
The two extensions alternate run by run. Prints the medians of requests/s
and p99 latency, ours / Swoole's, and how busy each CPU was (CPU 0 near
100% and CPU 1 below it means the server side is what is measured).

Where redis-server runs matters on a 2-CPU machine: sharing CPU 1 with the
load generator can saturate that CPU (and every GET crosses CPUs), and
then the figure is the load side's; on CPU 0 (the default) the server and
its Redis share one core, and a request's Redis work, the same for both
extensions, is part of what that core does. --redis-cpu 1 or none to try
the others.

Both extensions load with `php -n -d memory_limit=-1` plus phpredis
(`-d extension=igbinary -d extension=redis`). Build the reference with
`../shared/tools/build-swoole-ref.sh <swoole-src git dir>`.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import run as common  # bench/run.py: pinning, ports, process groups, loadgen build

CASES = [(50, 1), (100, 4)]
KEY = "bench:key"
VALUE = "swoole-rs runtime hooks benchmark"
PHPREDIS = ["-d", "extension=igbinary", "-d", "extension=redis"]


class Redis:
    """redis-server on a free loopback port, pinned to `cpu` (None: not pinned)."""

    def __init__(self, cpu):
        self.cpu = cpu

    def __enter__(self):
        self.port = common.free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.dir]
        self.proc = subprocess.Popen(cmd if self.cpu is None else common.pinned(self.cpu, cmd),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        common.wait_port(self.port)
        return self

    def command(self, *args):
        """One RESP command; the reply's first line."""
        req = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(req.encode())
            return s.recv(4096).split(b"\r\n")[0].decode()

    def __exit__(self, *exc):
        common.stop_group(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def serve(so, port, redis_port, pool, log):
    cmd = ["php", "-n", "-d", "memory_limit=-1", *PHPREDIS, "-d", f"extension={so}",
           str(common.ROOT / "bench/hooks_redis.php"), str(port), str(redis_port)]
    proc = subprocess.Popen(common.pinned(0, cmd), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=common.raise_nofile,
                            env=dict(os.environ, BENCH_POOL=str(pool)))
    try:
        common.wait_port(port)
    except RuntimeError:
        common.stop_group(proc)
        raise
    time.sleep(0.2)
    return proc


def check(port):
    """One GET: 200 with bench:key's value, or the reason it is not."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/")
        r = c.getresponse()
        body = r.read().decode(errors="replace")
        c.close()
    except (OSError, http.client.HTTPException) as e:
        return f"GET / failed: {e!r}"
    if r.status != 200 or body != VALUE:
        return f"GET / answered {r.status} {body[:200]!r}, expected 200 {VALUE!r}"
    return None


def cpu_times():
    """Per-CPU (busy, total) jiffies from /proc/stat."""
    out = {}
    for line in open("/proc/stat"):
        if line.startswith("cpu") and line[3].isdigit():
            name, *v = line.split()
            v = list(map(int, v))
            idle = v[3] + v[4]
            out[int(name[3:])] = (sum(v) - idle, sum(v))
    return out


def load(port, conns, inflight, secs, warmup):
    """The load generator's JSON, plus each CPU's busy share over its run."""
    cmd = common.pinned(1, [str(common.LOADGEN), "http", "--url", f"http://127.0.0.1:{port}/",
                            "--conns", str(conns), "--inflight", str(inflight), "--secs", str(secs),
                            "--warmup", str(warmup)])
    before = cpu_times()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + warmup + 60,
                         preexec_fn=common.raise_nofile)
    after = cpu_times()
    if out.returncode != 0:
        raise RuntimeError(f"loadgen http failed: {out.stderr[-2000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["stderr"] = out.stderr.strip()
    r["busy"] = {c: (after[c][0] - before[c][0]) / max(1, after[c][1] - before[c][1]) * 100
                 for c in (0, 1) if c in before and c in after}
    return r


def measure(so, redis_port, a, conns, inflight, log_path):
    """A fresh server on `so`: checked, then loaded. (loadgen result, None)
    or (None, what went wrong, a non-2xx response or an error included)."""
    port = common.free_port()
    with open(log_path, "wb") as log:
        try:
            proc = serve(so, port, redis_port, a.pool, log)
        except RuntimeError as e:
            return None, str(e)
        try:
            bad = check(port)
            if bad:
                return None, bad
            r = load(port, conns, inflight, a.secs, a.warmup)
        except RuntimeError as e:
            return None, str(e)
        finally:
            common.stop_group(proc)
    if r["errors"] or r["non_2xx"] or not r["responses"]:
        return None, (f"{r['responses']} responses, {r['non_2xx']} non-2xx, {r['errors']} errors "
                      f"{r['stderr'][:200]!r}")
    return r, None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--so", default=str(common.ROOT / "build/swoole.so"))
    p.add_argument("--ref", required=True, help="the reference Swoole extension (.so)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--secs", type=float, default=5)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--redis-cpu", default="0", help="CPU for redis-server: 0, 1 or 'none' (unpinned)")
    p.add_argument("--pool", type=int, default=64, help="phpredis connections in the worker's pool")
    a = p.parse_args()
    t_start = time.monotonic()
    for so in (a.so, a.ref):
        probe = subprocess.run(["php", "-n", *PHPREDIS, "-d", f"extension={so}", "-r",
                                'exit(class_exists("Redis") && defined("SWOOLE_HOOK_ALL") ? 0 : 1);'],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            sys.exit(f"{so}: php -n with phpredis and this extension does not load:\n"
                     f"{probe.stdout}{probe.stderr}")
    common.raise_nofile()
    common.build_loadgen()
    sides = [("swoole-rs", a.so), ("Swoole", a.ref)]
    samples = {}   # (side, conns, inflight) -> [loadgen result]
    failures = []  # text per failed run
    logs = {}      # side -> server output lines, all runs
    per_run = {}   # (conns, inflight, run) -> {side: requests/s}
    t0 = cpu_times()
    time.sleep(1)
    t1 = cpu_times()
    idle_busy = sum(t1[c][0] - t0[c][0] for c in t1) / max(1, sum(t1[c][1] - t0[c][1] for c in t1)) * 100
    print(f"hooks_redis: {a.runs} runs of {a.secs:g} s (+{a.warmup:g} s warm-up) per case and extension; "
          f"server on CPU 0, load generator on CPU 1, redis-server on "
          f"{'no CPU in particular' if a.redis_cpu == 'none' else 'CPU ' + a.redis_cpu}; pool {a.pool}; "
          f"machine {idle_busy:.0f}% busy before the start", flush=True)
    redis_cpu = None if a.redis_cpu == "none" else int(a.redis_cpu)
    with Redis(redis_cpu) as redis, tempfile.TemporaryDirectory(prefix="bench-hooks-") as tmp:
        if redis.command("SET", KEY, VALUE) != "+OK":
            sys.exit("redis-server: SET failed")
        for run in range(a.runs):
            for conns, inflight in CASES:
                for side, so in sides:
                    log_path = Path(tmp) / f"{side}-{run}-{conns}x{inflight}.log"
                    r, bad = measure(so, redis.port, a, conns, inflight, log_path)
                    lines = [l for l in log_path.read_text(errors="replace").splitlines() if l.strip()]
                    logs.setdefault(side, []).extend(lines)
                    what = f"{side} {conns} x {inflight} run {run + 1}"
                    if bad:
                        tail = f" (server output: {lines[-1][:200]!r})" if lines else ""
                        failures.append(f"{what}: {bad}{tail}")
                        continue
                    samples.setdefault((side, conns, inflight), []).append(r)
                    per_run.setdefault((conns, inflight, run), {})[side] = r["requests_per_sec"]
    med = lambda rs, f: statistics.median(f(r) for r in rs) if rs else None
    fmt = lambda v, spec: "-" if v is None else format(v, spec)
    header = (f"{'case':<10}{'swoole-rs req/s':>16}{'Swoole req/s':>14}{'ours/Swoole':>12}"
              f"{'p99 ours':>12}{'p99 Swoole':>12}{'CPU0/1 ours':>13}{'CPU0/1 Swoole':>15}")
    p99 = lambda rs: "-" if not rs else f"{med(rs, lambda r: r['p99_us']):,.0f} us"
    busy = lambda rs: "-" if not rs else "/".join(f"{med(rs, lambda r: r['busy'].get(c, 0)):.0f}"
                                                   for c in (0, 1)) + "%"
    print(header)
    print("-" * len(header))
    for conns, inflight in CASES:
        ours = samples.get(("swoole-rs", conns, inflight), [])
        ref = samples.get(("Swoole", conns, inflight), [])
        o, s = med(ours, lambda r: r["requests_per_sec"]), med(ref, lambda r: r["requests_per_sec"])
        ratio = f"{o / s:.2f}x" if o and s else "-"
        print(f"{f'{conns} x {inflight}':<10}{fmt(o, ',.0f'):>16}{fmt(s, ',.0f'):>14}{ratio:>12}"
              f"{p99(ours):>12}{p99(ref):>12}{busy(ours):>13}{busy(ref):>15}")
    print(f"(medians of {a.runs} runs; p99 from each request's send to its response; "
          f"CPU0/1 = how busy CPU 0 / CPU 1 was)")
    for side, _ in sides:
        spread = [f"{c} x {i}: " + ", ".join(f"{r['requests_per_sec']:,.0f}"
                                              for r in samples.get((side, c, i), []))
                  for c, i in CASES]
        print(f"{side} runs (req/s): " + "; ".join(spread))
    pairs = []
    for c, i in CASES:
        runs = [per_run[(c, i, n)] for n in range(a.runs) if len(per_run.get((c, i, n), {})) == 2]
        pairs.append(f"{c} x {i}: " + ", ".join(f"{v['swoole-rs'] / v['Swoole']:.2f}" for v in runs))
    print("ours/Swoole run by run (adjacent runs): " + "; ".join(pairs))
    for f in failures:
        print(f"FAILED {f}")
    for side, _ in sides:
        lines = logs.get(side, [])
        if lines:
            print(f"{side} server output: {len(lines)} lines, e.g. {lines[0][:160]!r}")
    print(f"took {time.monotonic() - t_start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
