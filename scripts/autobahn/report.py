#!/usr/bin/env python3
"""Summarise one Autobahn fuzzingclient run (called by scripts/autobahn.sh run).

Reads <dir>/index.json and the per-case reports beside it, prints the counts of
each `behavior` and `behaviorClose` value, every failing case (id, description,
what Autobahn expected, what it got), and a last line

    autobahn <config>: N passed, N failed

A case fails when its behavior is FAILED or UNIMPLEMENTED or its behaviorClose
is FAILED or WRONG CODE. One exception: in the `plain` config the server runs
without `websocket_compression`, so it declines permessage-deflate and the
compression sections 12 and 13 can only end UNIMPLEMENTED there ("peer does
not support"); those are counted apart (they run for real in the
`compression` config). Any other outcome of theirs still fails.

Exit status: 0 when nothing failed, 1 otherwise (also when the run timed out,
wstest failed, the server died, or the index is missing).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys

BAD_BEHAVIOR = {"FAILED", "UNIMPLEMENTED"}
BAD_CLOSE = {"FAILED", "WRONG CODE"}
# config -> case-id prefixes whose UNIMPLEMENTED is expected there
EXPECTED_UNIMPLEMENTED = {"plain": ("12.", "13.")}


def case_key(case_id: str):
    return tuple(int(x) if x.isdigit() else x for x in case_id.split("."))


def short(value, limit=300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def strip_html(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text or "").split())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--wstest-rc", type=int, default=0)
    ap.add_argument("--seconds", type=int, default=None)
    ap.add_argument("--server-died", action="store_true")
    ap.add_argument("--timed-out", type=int, default=None)
    a = ap.parse_args()

    problems = []
    if a.timed_out is not None:
        problems.append(f"wstest did not finish within {a.timed_out}s (AUTOBAHN_TIMEOUT) and was killed")
    elif a.wstest_rc != 0:
        problems.append(f"wstest exited with status {a.wstest_rc}")
    if a.server_died:
        problems.append("the echo server exited during the run (see server.log)")

    server_log = os.path.join(a.dir, "server.log")
    if os.path.exists(server_log):
        text = open(server_log, errors="replace").read()
        if "panicked at" in text:
            problems.append("Rust panic in server.log")
        for pat in ("PHP Fatal error", "Fatal error:", "Segmentation fault"):
            if pat in text:
                problems.append(f"'{pat}' in server.log")
                break

    index_path = os.path.join(a.dir, "index.json")
    results = {}
    if os.path.exists(index_path):
        index = json.load(open(index_path))
        for agent, cases in index.items():
            results.update(cases)
    else:
        problems.append(f"no report: {index_path} is missing")

    print(f"=== autobahn {a.config}: {len(results)} cases"
          + (f" in {a.seconds}s" if a.seconds is not None else "")
          + f", report {os.path.join(a.dir, 'index.html')}")

    behavior = collections.Counter(r.get("behavior") for r in results.values())
    closing = collections.Counter(r.get("behaviorClose") for r in results.values())
    order = ["OK", "NON-STRICT", "INFORMATIONAL", "FAILED", "UNIMPLEMENTED", "WRONG CODE", "UNCLEAN"]

    def fmt(counter):
        keys = [k for k in order if k in counter] + sorted(k for k in counter if k not in order)
        return ", ".join(f"{k} {counter[k]}" for k in keys) or "-"

    print(f"behavior:      {fmt(behavior)}")
    print(f"behaviorClose: {fmt(closing)}")

    failed, expected_unimpl = [], []
    allowed = EXPECTED_UNIMPLEMENTED.get(a.config, ())
    for case_id in sorted(results, key=case_key):
        r = results[case_id]
        b, c = r.get("behavior"), r.get("behaviorClose")
        if b == "UNIMPLEMENTED" and case_id.startswith(allowed) and c not in BAD_CLOSE:
            expected_unimpl.append(case_id)
            continue
        if b in BAD_BEHAVIOR or c in BAD_CLOSE:
            failed.append(case_id)

    if expected_unimpl:
        print(f"expected UNIMPLEMENTED ({a.config}: permessage-deflate is off): "
              f"{len(expected_unimpl)} cases of sections "
              + ", ".join(sorted({c.split('.')[0] for c in expected_unimpl}, key=int)))

    for label in ("NON-STRICT", "INFORMATIONAL"):
        ids = [c for c in sorted(results, key=case_key)
               if label in (results[c].get("behavior"), results[c].get("behaviorClose"))]
        if ids:
            print(f"{label} (allowed): {', '.join(ids)}")

    by_section = collections.Counter(c.split(".")[0] for c in failed)
    if failed:
        print(f"failing cases ({len(failed)}; per section: "
              + ", ".join(f"{s}: {n}" for s, n in sorted(by_section.items(), key=lambda x: int(x[0])))
              + "):")
    for case_id in failed:
        r = results[case_id]
        detail = {}
        report = os.path.join(a.dir, r.get("reportfile", ""))
        if r.get("reportfile") and os.path.exists(report):
            try:
                detail = json.load(open(report))
            except (OSError, ValueError):
                detail = {}
        print(f"- {case_id}: behavior {r.get('behavior')}, behaviorClose {r.get('behaviorClose')}, "
              f"remoteCloseCode {r.get('remoteCloseCode')}  [{r.get('reportfile')}]")
        if detail:
            print(f"    case:     {short(strip_html(detail.get('description', '')), 200)}")
            print(f"    expect:   {short(strip_html(detail.get('expectation', '')), 200)}")
            print(f"    result:   {short(detail.get('result', ''), 300)}")
            print(f"    close:    {short(detail.get('resultClose', ''), 300)}")

    for p in problems:
        print(f"problem: {p}")
    if problems:
        for name in ("wstest.log", "server.log"):
            path = os.path.join(a.dir, name)
            if os.path.exists(path):
                lines = open(path, errors="replace").read().splitlines()[-15:]
                print(f"--- last lines of {path}:")
                print("\n".join(lines))

    n_failed = len(failed) + (1 if problems else 0)
    n_passed = len(results) - len(failed)
    print(f"autobahn {a.config}: {n_passed} passed, {n_failed} failed")
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
