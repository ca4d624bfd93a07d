"""Scripts that re-enter the server in unusual ways must not crash it."""

from swtest import ws_connect


def test_callbacks_served_by_magic_call(php_server):
    srv = php_server("magic_call.php")
    with ws_connect(srv.port) as ws:
        for i in range(5):
            ws.send(f"m{i}")
            assert ws.recv(timeout=5) == f"echo:m{i}"
    srv.wait_for("__call onOpen #1\n")
    srv.wait_for("__call onClose #7\n")


def test_on_after_start_warns_and_a_destructor_calling_it_is_safe(php_server):
    """As Swoole: once the server runs, on() warns and changes nothing; the
    refused closure is dropped at once, and its object's destructor calling
    on() again is one more warning."""
    srv = php_server("magic_call.php")
    srv.wait_for("destructor calls on()\n")
    srv.wait_for("replaced\n")
    warning = "Warning: Swoole\\Server::on(): server is running, unable to register event callback function"
    assert srv.stdout().count(warning) == 3, srv.stdout()


def test_start_inside_a_running_event_loop_warns(php):
    res = php(code=r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', 0);
$s->on('message', function () {});
Co\run(function () use ($s) {
    var_dump($s->start());
});
""")
    assert res.returncode == 0, res.stdout + res.stderr
    assert (
        "Warning: Swoole\\Server::start(): The event-loop has already been created, "
        "unable to start Swoole\\WebSocket\\Server" in res.stdout
    ), res.stdout
    assert "bool(false)" in res.stdout
