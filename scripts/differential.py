#!/usr/bin/env python3
"""Differential check against Swoole itself: runs the PHP end-to-end tests
(tests-php/: every server script there and in examples/, each with its real
client) once on our build and once on Swoole's, and lists where the two
differ. A test that passes on ours and fails on Swoole is either a
deliberate difference (listed in tests-php/known-differences.txt with its
reason: an RFC Swoole breaks, data Swoole loses, one of our own extensions)
or a difference to remove; the report says which. A test that fails on
ours and passes on Swoole is a regression of ours.

    scripts/differential.py --swoole /path/to/swoole.so [--ours build/swoole.so] [-k EXPR]
    make diff-swoole SWOOLE_REF=/path/to/swoole.so

Swoole's build comes from ../shared/tools/build-swoole-ref.sh. Autobahn,
Chromium, Docker and the test-hooks build are left out (they test things
Swoole's build cannot load or our packaging). Exit status 1 when an
undocumented difference or a regression is found.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parent.parent
KNOWN = ROOT / "tests-php" / "known-differences.txt"
LEFT_OUT = "not autobahn and not browser and not docker and not panic and not packaging"


def run_suite(so: pathlib.Path, junit: pathlib.Path, keyword: str | None) -> dict[str, str]:
    """Runs the suite against `so`; outcome per test id."""
    expr = LEFT_OUT if not keyword else f"({LEFT_OUT}) and ({keyword})"
    env = dict(os.environ, SWOOLE_SO=str(so), SWTEST_DOCKER="0")
    python = ROOT / ".venv" / "bin" / "python"
    cmd = [str(python), "-m", "pytest", "-c", "tests-php/pytest.ini", "-q", "-p",
           "no:cacheprovider", "tests-php", "-k", expr, f"--junitxml={junit}"]
    print(f"== {so}", flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_junit(junit)


def read_junit(junit: pathlib.Path) -> dict[str, str]:
    """Outcome per test id of a pytest junit file."""
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("skipped") is not None:
            outcomes[name] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcomes[name] = "failed"
        else:
            outcomes[name] = "passed"
    return outcomes


def known_differences() -> list[tuple[str, str]]:
    """(pattern, reason) pairs; a pattern matches test ids (fnmatch)."""
    out = []
    for line in KNOWN.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, reason = line.partition(" ")
        out.append((pattern, reason.strip()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--swoole", required=True, type=pathlib.Path, help="Swoole's swoole.so")
    ap.add_argument("--ours", type=pathlib.Path, default=ROOT / "build" / "swoole.so")
    ap.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
    ap.add_argument("--report-only", action="store_true",
                    help="report from the last run's junit files (build/differential/)")
    args = ap.parse_args()
    out_dir = ROOT / "build" / "differential"
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        ours, theirs = read_junit(out_dir / "ours.xml"), read_junit(out_dir / "swoole.xml")
    else:
        ours = run_suite(args.ours.resolve(), out_dir / "ours.xml", args.keyword)
        theirs = run_suite(args.swoole.resolve(), out_dir / "swoole.xml", args.keyword)
    known = known_differences()

    def reason(test: str) -> str | None:
        # junit names a test `module::name` ("test_http::test_x",
        # "phpt.aliases.phpt::aliases.phpt"); the list says
        # "test_http.py::test_x" and "phpt/aliases.phpt::*".
        for pattern, why in known:
            pattern = pattern.removeprefix("tests-php/").replace(".py::", "::").replace("/", ".")
            if fnmatch.fnmatch(test, pattern):
                return why
        return None

    both = [t for t in ours if ours[t] == "passed" and theirs.get(t) == "passed"]
    ours_only = [t for t in ours if ours[t] == "passed" and theirs.get(t) == "failed"]
    theirs_only = [t for t in ours if ours[t] == "failed" and theirs.get(t) == "passed"]
    documented = [(t, reason(t)) for t in ours_only if reason(t)]
    undocumented = [t for t in ours_only if not reason(t)]

    report = [
        f"# Differential check: {len(ours)} tests",
        f"- pass on both: {len(both)}",
        f"- pass on swoole-rs only: {len(ours_only)} "
        f"({len(documented)} deliberate, {len(undocumented)} to look at)",
        f"- pass on Swoole only (regressions of ours): {len(theirs_only)}",
        "",
        "## To look at (passes here, fails on Swoole, not documented)",
        *[f"- {t}" for t in sorted(undocumented)],
        "",
        "## Regressions (fails here, passes on Swoole)",
        *[f"- {t}" for t in sorted(theirs_only)],
        "",
        "## Deliberate differences",
        *[f"- {t}: {why}" for t, why in sorted(documented)],
    ]
    text = "\n".join(report) + "\n"
    (out_dir / "report.md").write_text(text)
    print(text)
    print(f"(junit files and this report in {out_dir})")
    return 1 if undocumented or theirs_only else 0


if __name__ == "__main__":
    sys.exit(main())
