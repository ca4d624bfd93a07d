"""Swoole\\Timer, $server->tick/after/defer and the swoole_timer_* functions."""

import time

from swtest import RawClient, ws_connect

TIMER_SEQUENCE = """worker start
tick id positive int: true
clear after returned bool(true)
tick 1 param=p1 id_matches=true
tick 2 param=p1 id_matches=true
tick 3 param=p1 id_matches=true
clear returned bool(true)
Timer::after fired
server tick 1
server tick 2
server after fired
defer 1
defer 2
defer 3
swoole_timer_tick 1
swoole_timer_tick 2
swoole_timer_clear returned bool(true)
swoole_timer_after fired
timers done
"""


def test_timer_sequence(php_server):
    srv = php_server("timers.php")
    srv.wait_for("timers done\n", timeout=10)
    time.sleep(0.4)  # cleared timers must stay silent
    assert srv.stdout() == TIMER_SEQUENCE


def test_timers_do_not_block_connections(php_server):
    srv = php_server("timers.php")
    with ws_connect(srv.port) as ws:
        ws.send("during timers")
        assert ws.recv(timeout=5) == "during timers"
    srv.wait_for("timers done\n", timeout=10)


def test_push_from_after_timer(ws_server):
    with ws_connect(ws_server.port) as ws:
        start = time.monotonic()
        ws.send("!after 300")
        assert ws.recv(timeout=5) == "after fired"
        elapsed = time.monotonic() - start
        assert 0.25 <= elapsed < 3, elapsed


def test_push_from_tick_timer_then_clear(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("!tick 50 3")
        assert [ws.recv(timeout=5) for _ in range(3)] == ["tick 1", "tick 2", "tick 3"]
        ws_server.wait_for("tick cleared\n")
        ws.send("sync")
        assert ws.recv(timeout=5) == "sync"  # no "tick 4" in between


def test_defer_runs_after_the_callback(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!defer")
        assert c.recv_frame().payload == b"deferred"
    ws_server.wait_for("defer a\ndefer b\ndefer c\n")


def test_timers_outside_a_server_run_when_the_script_ends(php):
    """As in Swoole, a script that only sets timers (no server) runs them after
    its last line, until none is left."""
    res = php(code=r"""<?php
Swoole\Timer::tick(10, function ($id) {
    static $n = 0;
    echo "tick $id\n";
    if (++$n === 3) {
        Swoole\Timer::clear($id);
    }
});
Swoole\Timer::after(5, function ($a, $b) { echo "after $a $b\n"; }, 'x', 'y');
Swoole\Event::defer(function () { echo "defer\n"; });
swoole_timer_after(50, function () { echo "legacy after\n"; });
echo "end of script\n";
""")
    assert res.returncode == 0, res.stdout + res.stderr
    # Swoole 6 says so (E_DEPRECATED) when the loop runs at shutdown.
    assert res.stdout == (
        "end of script\n"
        "\nDeprecated: swoole_event_rshutdown(): Event::wait() in shutdown function"
        " is deprecated in Unknown on line 0\n"
        "defer\nafter x y\ntick 1\ntick 1\ntick 1\nlegacy after\n"
    ), res.stdout
