"""$server->addProcess(): a side process started with the server, in both
modes, that reaches every client with push() and the workers with
sendMessage(); respawned when it dies (the clients stay connected);
stopped with the server. The side process consumes a real Redis list
through phpredis with the runtime hooks on.

Swoole 6.2.2 passes the SWOOLE_PROCESS case; in SWOOLE_BASE its side
process's pushes never reach the clients (the connections belong to the
workers), which the issue asks to work in either mode."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import free_port
from swtest import ws_connect

REDIS_SERVER = shutil.which("redis-server")
PHP_ARGS = ["-d", "extension=igbinary.so", "-d", "extension=redis.so"]


@pytest.fixture
def redis_port(tmp_path):
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("redis-server did not start")
            time.sleep(0.05)
    yield port
    proc.kill()
    proc.wait(5)


def rpush(port, *items):
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        args = [b"RPUSH", b"side:queue", *[i.encode() for i in items]]
        cmd = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
        s.sendall(cmd)
        assert s.recv(100).startswith(b":")


def side_pids(srv, count):
    deadline = time.monotonic() + 10
    while True:
        pids = [int(p) for p in re.findall(r"^side process 2 (\d+) worker_id -1$", srv.stdout(), re.M)]
        if len(pids) >= count:
            return pids
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} side process start(s) expected:\n{srv.output()}")
        time.sleep(0.05)


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (scripts/deps.sh installs it)")
@pytest.mark.parametrize("mode", ["base", "process"])
def test_a_side_process_pushes_to_clients_and_survives_sigkill(php_server, redis_port, mode):
    srv = php_server("add_process_redis.php", redis_port, mode, php_args=PHP_ARGS)
    srv.wait_for("worker 0 started")
    first = side_pids(srv, 1)[0]
    out = srv.stdout()
    assert out.startswith("addProcess: 0\n"), out
    assert out.count("addProcess while running: false") == 2, out

    clients = [ws_connect(srv.port) for _ in range(3)]
    try:
        for ws in clients:
            ws.send("hi")
            assert ws.recv(timeout=5) == "echo hi"
        rpush(redis_port, "a")
        for ws in clients:
            assert ws.recv(timeout=5) == "item a via 2"
        srv.wait_for("worker 0 got 'pushed a' from 2")

        # Killed mid-run: the manager starts it again; nobody is disconnected.
        os.kill(first, signal.SIGKILL)
        second = side_pids(srv, 2)[1]
        assert second != first
        rpush(redis_port, "b", "c")
        for ws in clients:
            assert [ws.recv(timeout=5), ws.recv(timeout=5)] == ["item b via 2", "item c via 2"]
            ws.send("still here")
            assert ws.recv(timeout=5) == "echo still here"
    finally:
        for ws in clients:
            ws.close()
    # Stopped with the server (the fixture also fails on any process left
    # in the server's group).
    srv.stop()
    srv.expect_exit = True
    assert srv.left_behind == [], f"left running after the server stopped: {srv.left_behind}"
    assert not os.path.exists(f"/proc/{second}"), "the side process outlived the server"


def test_add_process_takes_only_a_process(php):
    """Swoole's fatal error for anything else (its argument is not type
    checked by PHP)."""
    r = php(code="<?php $s = new Swoole\\Server('127.0.0.1', 0); var_dump($s->addProcess(new Swoole\\Process(fn() => 1)));"
                 "$s->addProcess(new stdClass()); echo 'not reached';")
    assert r.stdout.startswith("int(0)\n\nFatal error: Swoole\\Server::addProcess(): object is not instanceof "
                               "swoole_process in "), r.stdout
    assert "not reached" not in r.stdout
    assert r.returncode == 255
