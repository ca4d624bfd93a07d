"""Swoole\\Process: each script in tests-php/process/ runs as a CLI script;
its .expect file is what Swoole 6.2.2 printed for it (%DIR%: this folder)."""

import pathlib
import subprocess

import pytest

from conftest import php_cmd, require_extension
from swtest import without_hook_func_warnings

DIR = pathlib.Path(__file__).parent / "process"


@pytest.mark.parametrize("name", ["basics", "lock", "queue", "atomic"])
def test_prints_what_swoole_prints(name):
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / f"{name}.php")], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    out = without_hook_func_warnings(r.stdout + r.stderr)
    assert out == (DIR / f"{name}.expect").read_text().replace("%DIR%", str(DIR))
    assert r.returncode == 0


def test_no_child_is_left_behind():
    """Every child the script started was reaped: none is left running."""
    require_extension()
    code = ("$p = new Swoole\\Process(function () { usleep(100000); }); $p->start();"
            "$w = Swoole\\Process::wait(); echo $w['code'], ' ', (int)(Swoole\\Process::wait(false) === false);")
    r = subprocess.run(php_cmd() + ["-r", code], capture_output=True, text=True, timeout=30)
    assert r.stdout == "0 1"


def test_lock_swoole5_names_and_a_dead_holder():
    """Swoole 5's Lock methods (Swoole 6 has only lock()/unlock()), and a
    mutex whose holder is SIGKILLed while holding it: the next locker gets
    it (Swoole's non-robust mutex would wait for ever)."""
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / "lock_v5.php")], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    assert r.stdout.split() == [
        "bool(true)", "bool(false)", "int(16)", "bool(true)",   # trylock twice: EBUSY
        "bool(true)", "bool(true)",                              # lockwait, unlock
        "bool(true)", "bool(true)", "bool(true)", "bool(true)",  # two readers
        "bool(false)",                                           # held by the child
        "bool(true)", "bool(true)", "bool(true)", "bool(true)",  # after its death
        "done"], r.stdout + r.stderr
    assert r.returncode == 0


def test_signal_callbacks_run_on_the_loop():
    """Process::signal(): a callback per signal run by the event loop
    (SIGUSR1 sent to ourselves twice, SIGCHLD when a child exits), removed
    with null; with swoole_async_set(['wait_signal' => true]) the loop runs
    while a callback is left and ends after the last one goes (Swoole 6.2.2
    prints the same)."""
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / "signal.php")], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    path = DIR / "signal.php"
    assert r.stdout == (
        f"\nWarning: Swoole\\Process::signal(): unable to find the callback of signal [12] in {path} on line 9\n"
        "bool(false)\n"
        f"\nWarning: Swoole\\Process::signal(): invalid signal number [-1] in {path} on line 10\n"
        "bool(false)\n"
        "bool(true)\n"
        "SIGUSR1 callback: 10\n"
        "SIGUSR1 callback: 10\n"
        "bool(true)\n"
        "SIGCHLD: child exited with 3\n"
        "loop ended; SIGUSR1 seen 2 times\n"), r.stdout + r.stderr
    assert r.returncode == 0


def test_signal_callbacks_do_not_hold_the_loop_by_default():
    """Without wait_signal a signal callback does not keep a loop running,
    as in Swoole: a child with a SIGTERM callback ends once its work is done
    (it used to wait for ever, and so did its parent), and a parent's lasting
    SIGCHLD callback sees that exit while a timer keeps its loop. (Swoole's
    child also prints a deprecation notice for running its loop at shutdown.)"""
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / "signal_default.php")], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    out = "\n".join(line for line in r.stdout.splitlines() if line and "Deprecated" not in line)
    assert out == "child work done\nreaped, code 0\nparent timer\nparent loop ended", r.stdout + r.stderr
    assert r.returncode == 0


@pytest.mark.parametrize("name", ["pool", "pool_detach", "pool_msgqueue"])
def test_process_pool_against_swoole(name):
    """Process\\Pool with SWOOLE_IPC_UNIXSOCK: onStart in the manager,
    onWorkerStart in 4 workers, sendMessage() to each other worker and its
    onMessage with getProcess(), shutdown() from a worker, onWorkerStop and
    onShutdown; and detach() (the manager starts another worker, the
    detached one goes on). Swoole 6.2.2's output, its lines sorted (the
    processes run in parallel)."""
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / f"{name}.php")], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    want = (DIR / f"{name}.expect").read_text()
    assert sorted(r.stdout.splitlines()) == sorted(want.splitlines()), r.stdout + r.stderr
    assert r.returncode == 0


def test_process_pool_ipc_socket():
    """Process\\Pool with SWOOLE_IPC_SOCKET: two workers take turns on the
    listened port; each connection's message gets onMessage's write()s back
    with Swoole's length header; a worker's shutdown() ends the pool."""
    import socket
    import struct
    import time

    from conftest import free_port
    require_extension()
    port = free_port()
    proc = subprocess.Popen(php_cmd() + [str(DIR / "pool_socket.php"), str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def ask(msg: bytes) -> bytes:
            deadline = time.monotonic() + 10
            while True:
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=5)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            with s:
                s.sendall(struct.pack(">I", len(msg)) + msg)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            (n,) = struct.unpack(">I", data[:4])
            assert len(data) == 4 + n, data
            return data[4:]

        for msg in (b"one", b"two", b"x" * 100000):
            reply = ask(msg)
            assert reply.startswith(b"hello " + msg + b" from "), reply[:64]
            assert reply[-1:] in (b"0", b"1")
        assert ask(b"bye").startswith(b"hello bye from ")
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out == "bool(true)\n" + "bool(true)\nbool(true)\n" * 4 + "pool ended\n", out
    assert proc.returncode == 0


def test_process_names_are_what_ps_shows(php):
    """swoole_set_process_name() and Process::name() set the title `ps`
    shows (PHP's cli_set_process_title(), as Swoole calls it): scripts and
    Swoole's own tests find their workers by it."""
    res = php(code="""<?php
var_dump(swoole_set_process_name('swoole_rs_title_parent'));
echo trim(shell_exec('ps -o args= -p ' . getmypid())), "\\n";
$p = new Swoole\\Process(function (Swoole\\Process $p) {
    $p->name('swoole_rs_title_child');
    $p->write(trim(shell_exec('ps -o args= -p ' . getmypid())));
});
$p->start();
echo $p->read(), "\\n";
Swoole\\Process::wait();
""")
    assert res.stdout == "bool(true)\nswoole_rs_title_parent\nswoole_rs_title_child\n", res.stdout + res.stderr
