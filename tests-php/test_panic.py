"""A Rust panic never takes the PHP process down (the panic guard).

These run on the test-hooks build (`cargo build --features test-hooks`, made
by scripts/test.sh as build/swoole-test-hooks.so), whose
`swoole_rs_test_panic()` forces a panic where a bug could cause one: inside a
PHP call, or inside one connection's task.
"""

import os
import pathlib
import signal

import pytest

from swtest import ws_connect, ws_wait_closed

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOOKS_SO = pathlib.Path(os.environ.get("SWOOLE_SO_TEST_HOOKS") or ROOT / "build/swoole-test-hooks.so")

pytestmark = pytest.mark.skipif(
    not HOOKS_SO.exists(),
    reason=f"{HOOKS_SO} not built (scripts/test.sh all builds it: cargo build --features test-hooks)",
)

PANIC_IN_CALL = (
    "caught: swoole_rs_test_panic(): internal error in swoole-rs: "
    "test hook: panic in a PHP call (please report it)"
)


def start(php_server, mode):
    srv = php_server("panic.php", extension=HOOKS_SO, env={"SWTEST_MODE": mode})
    srv.expect_panic = True  # the default panic hook prints it on stderr
    return srv


@pytest.mark.parametrize("mode", ["base", "process"])
def test_a_panic_in_a_php_call_is_an_exception_and_the_server_goes_on(php_server, mode):
    srv = start(php_server, mode)
    with ws_connect(srv.port) as a, ws_connect(srv.port) as b:
        a.send("call")
        assert a.recv(timeout=5) == PANIC_IN_CALL
        # Not caught by the script: PHP reports it, nobody is disconnected.
        a.send("uncaught")
        srv.wait_for("Uncaught Swoole\\Exception: swoole_rs_test_panic(): internal error")
        for ws, name in ((a, "a"), (b, "b")):
            ws.send(name)
            assert ws.recv(timeout=5) == f"echo:{name}"
    srv.wait_for("close fd=2 reactor=")
    assert srv.alive()
    assert "panicked at" in srv.stderr()


def test_a_panic_in_a_connection_task_closes_only_that_connection(php_server):
    srv = start(php_server, "base")
    with ws_connect(srv.port) as a, ws_connect(srv.port) as b:
        a.send("arm")
        assert a.recv(timeout=5) == "armed"
        a.send("boom")
        # Its task is gone: the connection is closed and reported once,
        # with the server-side reactor id, and no longer exists.
        ws_wait_closed(a)
        srv.wait_for("close fd=1 reactor=-1 exist=false\n")
        assert "test hook: panic in the task of connection 1" in srv.stderr()
        b.send("still here")
        assert b.recv(timeout=5) == "echo:still here"
        with ws_connect(srv.port) as c:
            c.send("new")
            assert c.recv(timeout=5) == "echo:new"
    assert srv.count("close fd=1 ") == 1
    # It still shuts down cleanly: the panicked writer was counted as done.
    srv.expect_exit = True
    srv.signal(signal.SIGTERM)
    assert srv.wait_exit(10) == 0
