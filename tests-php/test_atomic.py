"""Swoole\\Atomic and Swoole\\Atomic\\Long: one counter for every worker."""

import socket
import time

import pytest


def ask(port, data: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        return s.recv(100).decode()


@pytest.mark.parametrize("mode", ["base", "process"])
def test_workers_share_the_counters(php_server, mode):
    srv = php_server("atomic.php", env={"SWTEST_MODE": mode})
    deadline = time.time() + 10
    got = ask(srv.port, b"get")
    while got != "2 -12" and time.time() < deadline:
        time.sleep(0.05)
        got = ask(srv.port, b"get")
    assert got == "2 -12"
    # Whichever worker adds, every worker sees it.
    assert ask(srv.port, b"add") == "12 -12"
    for _ in range(4):
        assert ask(srv.port, b"get") == "12 -12"


def test_the_api_outside_a_server(tmp_path, php_server):
    script = tmp_path / "api.php"
    script.write_text("""<?php
$a = new Swoole\\Atomic(5);
var_dump($a->add(3), $a->sub(10), $a->cmpset(4294967294, 1), $a->get());
$l = new Swoole\\Atomic\\Long();
var_dump($l->add(PHP_INT_MAX), $l->add(1));
$a->set(0);
$t = microtime(true);
var_dump($a->wait(0.1), swoole_last_error(), swoole_errno(), microtime(true) - $t >= 0.09);
var_dump($a->wakeup(), $a->get(), $a->wait(), $a->get());
$b = (new ReflectionClass('Swoole\\Atomic'))->newInstanceWithoutConstructor();
var_dump($b->get(), $b->add(2));
""")
    srv = php_server(script, wait=False)
    srv.expect_exit = True
    assert srv.wait_exit() == 0
    assert srv.stdout() == (
        "int(8)\nint(4294967294)\nbool(true)\nint(1)\n"
        f"int({2**63 - 1})\nint({-2**63})\n"
        "bool(false)\nint(0)\nint(110)\nbool(true)\n"
        "bool(true)\nint(1)\nbool(true)\nint(0)\n"
        "int(0)\nint(2)\n"
    )
