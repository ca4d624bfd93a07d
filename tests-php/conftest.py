"""pytest harness for swoole-rs: runs real PHP scripts on our swoole.so.

* ``php_server`` fixture: starts ``php <ini> script.php PORT`` on a free loopback
  port, waits until the port is LISTENing (read from /proc, so no probe
  connection is made and session ids start at 1), captures stdout/stderr to
  files, and on teardown sends SIGTERM, waits, then SIGKILLs the process group.
  The captured output is attached to the report of a failing test.
* ``run_php``: runs a PHP script to completion (exit code + output).
* ``*.phpt`` files under tests-php/phpt are collected as one test each
  (--TEST--, --SKIPIF--, --INI--, --ENV--, --FILE--, --EXPECT--,
  --EXPECTF--, --EXPECTREGEX--), with run-tests.php's INI settings.

PHP runs with ``-n`` (no php.ini) plus explicit settings (``PHP_INI`` below):
``display_errors=1`` sends warnings/notices to stdout, interleaved in order
with the script's echo/var_dump output (as under PHP's own run-tests.php), and
``log_errors=0`` keeps the "PHP Warning:" copy off stderr, so each diagnostic
appears exactly once, formatted as "\\nWarning: <msg> in <file> on line <n>\\n".

Environment:
  SWOOLE_SO   the extension to test (default build/swoole.so; relative paths
              are taken from the repository root)
  SWTEST_PHP  the php binary (default: php)
  SWTEST_KEEP keep per-test output files (printed path) even on success
  SWTEST_PREPEND  harness self-check only: load this PHP file (auto_prepend_file)
              instead of the extension
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import swtest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests-php"
SERVERS = TESTS / "servers"
EXAMPLES = ROOT / "examples"
PHP = os.environ.get("SWTEST_PHP", "php")


def swoole_so() -> pathlib.Path:
    p = pathlib.Path(os.environ.get("SWOOLE_SO") or "build/swoole.so")
    if not p.is_absolute():
        p = ROOT / p
    return p


# The settings PHP's run-tests.php forces, minus the irrelevant ones.
PHP_INI = {
    "display_errors": "1",
    "display_startup_errors": "1",
    "log_errors": "0",
    "html_errors": "0",
    "error_reporting": "-1",
    "output_buffering": "0",
    "implicit_flush": "1",
    "precision": "14",
    "serialize_precision": "-1",
    "memory_limit": "512M",
    "zend.assertions": "1",
    "error_prepend_string": "",
    "error_append_string": "",
    "auto_prepend_file": "",
    "auto_append_file": "",
}


def php_cmd(extra_ini: dict | None = None, extension=None) -> list:
    """`extension`: load this build instead of SWOOLE_SO (e.g. the test-hooks one)."""
    cmd = [PHP, "-n"]
    ini = dict(PHP_INI)
    if os.environ.get("SWTEST_PREPEND"):
        ini["auto_prepend_file"] = os.environ["SWTEST_PREPEND"]
    else:
        cmd += ["-d", f"extension={extension or swoole_so()}"]
    ini.update(extra_ini or {})
    for k, v in ini.items():
        cmd += ["-d", f"{k}={v}"]
    return cmd


# --------------------------------------------------------------------------
# Is the extension there at all?
# --------------------------------------------------------------------------

_load_problem: str | None = None
_load_checked = False


def require_extension():
    """Fail (never skip) the calling test with one clear message if swoole.so can't load."""
    global _load_problem, _load_checked
    if not _load_checked:
        _load_checked = True
        so = swoole_so()
        if os.environ.get("SWTEST_PREPEND"):
            return
        if not so.exists():
            _load_problem = f"{so} does not exist: run `make build` or set SWOOLE_SO"
        else:
            r = subprocess.run(
                php_cmd() + ["-r", 'echo json_encode(extension_loaded("swoole"));'],
                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
            )
            if r.returncode != 0 or not r.stdout.strip().endswith("true"):
                _load_problem = (
                    f"{so} does not load as the 'swoole' extension "
                    f"(exit {r.returncode}):\n{r.stdout}\n{r.stderr}"
                )
    if _load_problem:
        pytest.fail(_load_problem, pytrace=False)


# --------------------------------------------------------------------------
# Ports and processes
# --------------------------------------------------------------------------

free_port = swtest.free_port
port_is_free = swtest.port_is_free


def _listen_inodes(port: int) -> set:
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    return inodes


def process_tree(pid: int) -> list:
    """pid and all its descendants (read from /proc)."""
    children: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _socket_inodes(pids) -> set:
    inodes = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def group_members(pgid: int) -> list:
    """Live (not zombie) processes whose process group is `pgid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry))
    return out


def rss_kib(pid: int) -> int:
    """VmRSS of pid and its descendants, in KiB."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class ServerDied(AssertionError):
    pass


class PhpServer:
    """One PHP server process; see the php_server fixture."""

    def __init__(self, script, port, args, env, workdir: pathlib.Path, name: str, ini=None,
                 extension=None, php_args=()):
        self.script = pathlib.Path(script)
        self.port = port
        self.args = [str(a) for a in args]
        self.workdir = workdir
        self.name = name
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self.env = env
        self.ini = ini or {}
        self.extension = extension
        self.php_args = list(php_args)  # more php options, e.g. "-d", "extension=redis.so"
        self.proc: subprocess.Popen | None = None
        self.expect_exit = False  # set by tests that make the server exit
        self.expect_panic = False  # set by tests that force a Rust panic (test-hooks build)
        self.stopped_by_us = False
        self.cmd: list = []

    # -- life cycle -----------------------------------------------------------
    def start(self, wait: bool = True, timeout: float = 15.0, host_check=None):
        require_extension()
        self.cmd = php_cmd(self.ini, self.extension) + self.php_args + [str(self.script)] + self.args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                self.cmd,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=str(self.script.parent),
                env=self.env,
                start_new_session=True,  # own process group: teardown kills workers too
            )
        if wait:
            self.wait_listening(timeout)
        return self

    def wait_listening(self, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise ServerDied(
                    f"{self.script.name} exited with {self.proc.returncode} before listening "
                    f"on {self.port}\n{self.describe()}"
                )
            inodes = _listen_inodes(self.port)
            if inodes and inodes & _socket_inodes(process_tree(self.proc.pid)):
                return
            if time.monotonic() > deadline:
                raise ServerDied(
                    f"{self.script.name} not listening on {self.port} after {timeout}s\n{self.describe()}"
                )
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = 10.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.script.name} still running {timeout}s later\n{self.describe()}"
            ) from None

    def stop(self, grace: float = 5.0):
        """SIGTERM, wait, SIGKILL; then make sure the whole process group is gone.
        Sets `self.left_behind` to the processes (workers, manager) still in the
        group once the server itself has exited cleanly: a server must not
        leave orphans."""
        self.left_behind = []
        if self.proc is None:
            return
        clean = False
        if self.proc.poll() is None:
            self.stopped_by_us = True
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(grace)
                clean = True
            except subprocess.TimeoutExpired:
                self._killpg()
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        else:
            clean = True
        if clean:
            deadline = time.monotonic() + 2.0
            while True:
                self.left_behind = group_members(self.proc.pid)
                if not self.left_behind or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        self._killpg()

    def _killpg(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own session/group id
        except (ProcessLookupError, PermissionError):
            pass

    # -- output -----------------------------------------------------------------
    def stdout(self) -> str:
        return self.stdout_path.read_bytes().decode("utf-8", "replace")

    def stderr(self) -> str:
        return self.stderr_path.read_bytes().decode("utf-8", "replace")

    def output(self) -> str:
        """stdout followed by stderr (Swoole-style log lines may go to either)."""
        return self.stdout() + self.stderr()

    def wait_for(self, pattern: str, timeout: float = 5.0, regex: bool = False, stream: str = "stdout"):
        """Wait until the output contains `pattern`; returns the regex match or True."""
        import re

        getter = {"stdout": self.stdout, "stderr": self.stderr, "all": self.output}[stream]
        deadline = time.monotonic() + timeout
        while True:
            text = getter()
            if regex:
                m = re.search(pattern, text, re.S)
                if m:
                    return m
            elif pattern in text:
                return True
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{pattern!r} not in {stream} of {self.script.name} after {timeout}s\n"
                    f"{self.describe()}"
                )
            if self.proc.poll() is not None and not self.expect_exit:
                # one last read: the text may have arrived together with the exit
                text = getter()
                if (regex and re.search(pattern, text, re.S)) or (not regex and pattern in text):
                    return True
                raise ServerDied(
                    f"{self.script.name} exited with {self.proc.returncode} while waiting for "
                    f"{pattern!r}\n{self.describe()}"
                )
            time.sleep(0.02)

    def wait_expectf(self, expected: str, timeout: float = 5.0, stream: str = "stdout"):
        """Wait until the output contains a block matching an EXPECTF pattern."""
        return self.wait_for(swtest.expectf_to_regex(expected), timeout, regex=True, stream=stream)

    def count(self, text: str) -> int:
        return self.stdout().count(text)

    def describe(self) -> str:
        rc = self.proc.poll() if self.proc else None
        return (
            f"--- command: {shlex.join(self.cmd)}\n--- exit code: {rc}\n"
            f"--- stdout ({self.stdout_path}):\n{self.stdout()[-20000:]}\n"
            f"--- stderr ({self.stderr_path}):\n{self.stderr()[-20000:]}"
        )


def _server_env(env: dict | None, settings: dict | None) -> dict:
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("SWTEST_") and k != "SWTEST_KEEP":
            del e[k]
    if settings is not None:
        e["SWTEST_SETTINGS"] = json.dumps(settings)
    for k, v in (env or {}).items():
        e[k] = str(v)
    return e


@pytest.fixture
def php_server(request, tmp_path):
    """Factory: php_server("ws.php", env={...}, settings={...}) -> PhpServer.

    `script` is a path, or a name looked up in tests-php/servers/. The port is
    passed as the first argument (argv[1]); pass port=9501 for the examples.
    `php_args` are more php options (e.g. ["-d", "extension=redis.so"]: with
    `php -n` each extension a script needs besides swoole is loaded this way).
    """
    started: list = []
    request.node._php_servers = started

    def start(script, *args, port=None, env=None, settings=None, wait=True, timeout=15.0,
              ini=None, pass_port=True, extension=None, php_args=()):
        script = pathlib.Path(script)
        if not script.is_absolute():
            script = SERVERS / script
        assert script.exists(), script
        port = port or free_port()
        argv = ([port] if pass_port else []) + list(args)
        name = f"server{len(started)}-{script.stem}"
        srv = PhpServer(script, port, argv, _server_env(env, settings), tmp_path, name, ini,
                        extension, php_args)
        started.append(srv)
        srv.start(wait=wait, timeout=timeout)
        return srv

    yield start

    problems = []
    for srv in started:
        crashed = srv.proc is not None and srv.proc.poll() is not None and not srv.expect_exit
        rc = srv.proc.poll() if srv.proc else None
        srv.stop()
        err = srv.stderr() if srv.proc else ""
        if crashed:
            problems.append(f"{srv.script.name} exited on its own with code {rc}")
        if "panicked at" in err and not srv.expect_panic:
            problems.append(f"{srv.script.name}: Rust panic on stderr")
        if getattr(srv, "left_behind", None):
            problems.append(f"{srv.script.name} left processes behind: {srv.left_behind}")
        if rc is not None and rc < 0 and rc != -signal.SIGTERM and not srv.expect_exit:
            problems.append(f"{srv.script.name} died from signal {-rc}")
    if os.environ.get("SWTEST_KEEP"):
        print(f"[server output kept in {tmp_path}]")
    if problems:
        pytest.fail(
            "\n".join(problems) + "\n" + "\n".join(s.describe() for s in started), pytrace=False
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for srv in getattr(item, "_php_servers", []):
            try:
                report.sections.append((f"php server {srv.name} ({call.when})", srv.describe()))
            except Exception as exc:  # pragma: no cover - reporting must not fail
                report.sections.append((f"php server {srv.name}", f"<unreadable: {exc}>"))


@pytest.fixture
def ws_server(php_server):
    """The generic WebSocket test server (servers/ws.php) with default settings."""
    return php_server("ws.php")


# --------------------------------------------------------------------------
# Running PHP to completion
# --------------------------------------------------------------------------

def run_php(script=None, *args, code: str | None = None, env=None, timeout: float = 30.0,
            ini=None, cwd=None) -> subprocess.CompletedProcess:
    """Run a PHP file (or `code`, written to a temp file) and return the result."""
    require_extension()
    tmp = None
    if code is not None:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".php", delete=False, dir=cwd)
        tmp.write(code)
        tmp.close()
        script = tmp.name
    try:
        return subprocess.run(
            php_cmd(ini) + [str(script)] + [str(a) for a in args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=_server_env(env, None),
            cwd=cwd,
        )
    finally:
        if tmp is not None:
            os.unlink(tmp.name)


@pytest.fixture
def php():
    return run_php


# --------------------------------------------------------------------------
# .phpt files
# --------------------------------------------------------------------------

def parse_phpt(path: pathlib.Path) -> dict:
    sections: dict = {}
    current = None
    for line in path.read_text().splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        if stripped.startswith("--") and stripped.endswith("--") and stripped[2:-2].isupper() \
                and stripped[2:-2].replace("_", "").isalpha():
            current = stripped[2:-2]
            sections[current] = ""
            continue
        if current is None:
            raise ValueError(f"{path}: text before the first section")
        sections[current] += line
    for required in ("TEST", "FILE"):
        if required not in sections:
            raise ValueError(f"{path}: missing --{required}--")
    if not {"EXPECT", "EXPECTF", "EXPECTREGEX"} & sections.keys():
        raise ValueError(f"{path}: missing --EXPECT--/--EXPECTF--/--EXPECTREGEX--")
    return sections


class PhptFailure(Exception):
    pass


class PhptItem(pytest.Item):
    def __init__(self, *, sections, **kw):
        super().__init__(**kw)
        self.sections_ = sections
        self.add_marker(pytest.mark.timeout(60))

    def _run(self, code: str, tmpdir: str, name: str) -> str:
        ini = {}
        for line in self.sections_.get("INI", "").splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                ini[k.strip()] = v.strip()
        env = {}
        for line in self.sections_.get("ENV", "").splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v
        file = pathlib.Path(tmpdir) / name
        file.write_text(code)
        r = subprocess.run(
            php_cmd(ini) + ["-f", str(file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # run-tests.php merges both streams too
            stdin=subprocess.DEVNULL,
            timeout=50,
            cwd=tmpdir,
            env=_server_env(env, None),
        )
        return r.stdout.decode("utf-8", "replace")

    def runtest(self):
        require_extension()
        with tempfile.TemporaryDirectory(prefix="phpt-") as tmpdir:
            stem = pathlib.Path(self.path).stem
            if "SKIPIF" in self.sections_:
                out = self._run(self.sections_["SKIPIF"], tmpdir, f"{stem}.skip.php").strip()
                if out.lower().startswith("skip"):
                    pytest.skip(out[4:].strip(" :") or "SKIPIF")
            actual = self._run(self.sections_["FILE"], tmpdir, f"{stem}.php")
        self.actual = actual
        if "EXPECT" in self.sections_:
            expected = self.sections_["EXPECT"]
            ok = swtest._norm(expected) == swtest._norm(actual)
        elif "EXPECTF" in self.sections_:
            expected = self.sections_["EXPECTF"]
            ok = swtest.expectf_match(expected, actual)
        else:
            import re

            expected = self.sections_["EXPECTREGEX"]
            ok = re.fullmatch(swtest._norm(expected), swtest._norm(actual), re.S) is not None
        if not ok:
            raise PhptFailure(swtest.diff(expected, actual))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, PhptFailure):
            return (
                f"{self.sections_['TEST'].strip()}\n"
                f"output differs from {'/'.join(k for k in ('EXPECT', 'EXPECTF', 'EXPECTREGEX') if k in self.sections_)}:\n"
                f"{excinfo.value}"
            )
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"phpt: {self.sections_['TEST'].strip()}"


class PhptFile(pytest.File):
    def collect(self):
        sections = parse_phpt(pathlib.Path(self.path))
        yield PhptItem.from_parent(self, name=pathlib.Path(self.path).name, sections=sections)


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".phpt":
        return PhptFile.from_parent(parent, path=file_path)
    return None
