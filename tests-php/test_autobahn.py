"""The Autobahn WebSocket testsuite (fuzzingclient, sections 1-13) against swoole-rs.

One test per configuration: `plain`, `compression` (websocket_compression on,
so sections 12 and 13 exercise permessage-deflate) and `takeover` (12.1, 12.4 and
13 again with context takeover agreed both ways). Each runs
`scripts/autobahn.sh run <config>` (after `scripts/autobahn.sh install`, which is
cached) and fails on any case whose behavior is FAILED or UNIMPLEMENTED or whose
close behavior is FAILED or WRONG CODE; the failing cases are in the message and
the full JSON/HTML report stays in build/autobahn/<config>/.

Skipped unless SWTEST_AUTOBAHN=1 (the run takes minutes). `make autobahn` runs the
same script directly.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "autobahn.sh"
INSTALL_TIMEOUT = 1800
RUN_TIMEOUT = int(os.environ.get("AUTOBAHN_TIMEOUT", "2400"))

pytestmark = pytest.mark.skipif(
    os.environ.get("SWTEST_AUTOBAHN") != "1",
    reason="Autobahn testsuite: set SWTEST_AUTOBAHN=1 (or run `make autobahn`)",
)


def _env() -> dict:
    env = dict(os.environ)
    so = pathlib.Path(env.get("SWOOLE_SO") or "build/swoole.so")
    env["SWOOLE_SO"] = str(so if so.is_absolute() else ROOT / so)
    env["AUTOBAHN_TIMEOUT"] = str(RUN_TIMEOUT)
    return env


def _run(args: list, timeout: float) -> tuple[int, str]:
    """Run the script in its own process group; kill the whole group on any exit path."""
    proc = subprocess.Popen(
        ["bash", str(SCRIPT), *args],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        raise AssertionError(f"scripts/autobahn.sh {' '.join(args)} still running after {timeout}s") from None
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc.poll() is None:
            proc.wait()


@pytest.fixture(scope="module")
def wstest():
    rc, out = _run(["install"], INSTALL_TIMEOUT)
    assert rc == 0, f"scripts/autobahn.sh install failed (exit {rc}):\n{out[-20000:]}"


@pytest.mark.timeout(INSTALL_TIMEOUT + RUN_TIMEOUT + 300)
@pytest.mark.parametrize("config", ["plain", "compression", "takeover"])
def test_autobahn(config, wstest):
    rc, out = _run(["run", config], RUN_TIMEOUT + 120)
    summary = out[out.find("=== autobahn"):] if "=== autobahn" in out else out
    last = [line for line in out.splitlines() if line.startswith(f"autobahn {config}:")]
    assert rc == 0, (
        f"{last[-1] if last else f'autobahn {config}: no summary line'} "
        f"(report: build/autobahn/{config}/index.html)\n{summary[-30000:]}"
    )
