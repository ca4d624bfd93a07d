"""Scripts that re-enter the server in unusual ways must not crash it."""

from swtest import RawClient, ws_connect


def test_callbacks_served_by_magic_call(php_server):
    srv = php_server("magic_call.php")
    with ws_connect(srv.port) as ws:
        for i in range(5):
            ws.send(f"m{i}")
            assert ws.recv(timeout=5) == f"echo:m{i}"
    srv.wait_for("__call onOpen #1\n")
    srv.wait_for("__call onClose #7\n")


def test_destructor_calling_on_while_callbacks_are_replaced(php_server):
    srv = php_server("magic_call.php")
    srv.wait_for("destructor calls on()\nreplaced\n")
    with RawClient(srv.port) as c:
        assert c.request("GET", "/").body == b"second"


def test_start_inside_a_running_event_loop_warns(php):
    res = php(code=r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', 0);
$s->on('message', function () {});
Swoole\Timer::after(10, function () use ($s) {
    var_dump($s->start());
});
""")
    assert res.returncode == 0, res.stdout + res.stderr
    assert (
        "Warning: Swoole\\Server::start(): eventLoop has already been created, "
        "unable to start Swoole\\WebSocket\\Server" in res.stdout
    ), res.stdout
    assert "bool(false)" in res.stdout
