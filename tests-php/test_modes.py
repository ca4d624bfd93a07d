"""The same behaviour in SWOOLE_BASE and SWOOLE_PROCESS, with one or two workers
(DESIGN.md: with several workers $server->connections, exist/isEstablished and
push to a connection owned by another worker all work)."""

import time

import pytest

from swtest import RawClient, clients_on_every_worker, held_ws, ws_connect, ws_wait_closed

MODES = {
    "base-1": ({}, {"worker_num": 1}),
    "base-2": ({}, {"worker_num": 2}),
    "process-1": ({"SWTEST_MODE": "process"}, {"worker_num": 1}),
    "process-2": ({"SWTEST_MODE": "process"}, {"worker_num": 2}),
}


@pytest.fixture(params=list(MODES))
def mode_server(request, php_server):
    env, settings = MODES[request.param]
    srv = php_server("ws.php", env=env, settings=settings)
    srv.mode = request.param
    return srv


def close_order(srv, what):
    """onClose runs inside close() / disconnect(), with reactor id -1, in
    both modes: in BASE the worker owns the socket; in PROCESS the worker
    the connection's events go to runs it before the close reaches the
    master (as Swoole's ProcessFactory::end does)."""
    return f"{what} begin\nclose fd=1 reactor=-1\n{what} returned bool(true)\n"


def assert_one_close(srv):
    srv.wait_for("close fd=1 reactor=-1\n")
    # the master's close that follows does not run it again
    time.sleep(0.3)
    assert srv.stdout().count("close fd=1 ") == 1, srv.stdout()


def test_echo_many_clients(mode_server):
    clients = [ws_connect(mode_server.port) for _ in range(6)]
    try:
        for round_ in range(3):
            for i, ws in enumerate(clients):
                ws.send(f"{round_}:{i}")
            for i, ws in enumerate(clients):
                assert ws.recv(timeout=5) == f"{round_}:{i}"
    finally:
        for ws in clients:
            ws.close()


def worker_of(ws):
    ws.send("!worker")
    return int(ws.recv(timeout=5).removeprefix("worker="))


def test_broadcast_and_connections_reach_every_worker(mode_server):
    # the 6 clients are spread evenly over the workers, whoever accepts
    workers = MODES[mode_server.mode][1]["worker_num"]
    got = clients_on_every_worker(
        lambda: ws_connect(mode_server.port), worker_of, workers, 6 // workers,
        hold=(lambda ws: held_ws(ws, "!hold")) if mode_server.mode.startswith("base") else None,
    )
    clients = [ws for w in sorted(got) for ws in got[w]]
    try:
        clients[-1].send("!connections")
        assert clients[-1].recv(timeout=5) == "connections 1,2,3,4,5,6 count=6"
        clients[0].send("!broadcast to everyone")
        for ws in clients:
            assert ws.recv(timeout=5) == "to everyone"
        for fd in range(1, 7):
            clients[0].send(f"!status {fd}")
            assert clients[0].recv(timeout=5) == "status done"
        for fd in range(1, 7):
            mode_server.wait_for(f"status {fd}\nbool(true)\nbool(true)\nbool(true)\n")
    finally:
        for ws in clients:
            ws.close()


def test_disconnect_bytes(mode_server):
    with RawClient(mode_server.port) as c:
        c.handshake()
        c.send_text("!disconnect 4000 bye")
        assert c.expect_eof(5) == b"\x88\x05\x0f\xa0bye"
    mode_server.wait_for(close_order(mode_server, "disconnect"))
    assert_one_close(mode_server)


def test_client_close_and_onclose(mode_server):
    with RawClient(mode_server.port) as c:
        c.handshake()
        c.send_close(1000, b"done")
        assert c.expect_eof(5) == b"\x88\x06\x03\xe8done"
    # reactor id 0 with one reactor thread; PROCESS mode may run several
    mode_server.wait_for(r"close fd=1 reactor=\d+\n", regex=True)


def test_server_close(mode_server):
    with ws_connect(mode_server.port) as ws:
        ws.send("!close")
        ws_wait_closed(ws)
        assert ws.close_code == 1006
    mode_server.wait_for(close_order(mode_server, "close"))
    assert_one_close(mode_server)


def test_large_push(mode_server):
    from swtest import big_text

    size = 9 * 1024 * 1024
    with ws_connect(mode_server.port) as ws:
        ws.send(f"!push-big {size}")
        assert ws.recv(timeout=30) == big_text(size)


@pytest.mark.parametrize("name", list(MODES))
def test_one_worker_start_per_worker(php_server, name):
    """onWorkerStart runs once per worker with ids 0..N-1, each in its own
    process, and no diagnostic is printed in either mode."""
    env, settings = MODES[name]
    srv = php_server("ws.php", env={**env, "SWTEST_LIFECYCLE": 1}, settings=settings)
    n = settings["worker_num"]
    for i in range(n):
        srv.wait_for(f"worker start {i}\n")
    with ws_connect(srv.port) as ws:
        ws.send("x")
        assert ws.recv(timeout=5) == "x"
    out = srv.stdout()
    assert f"worker start {n}\n" not in out
    assert all(out.count(f"worker start {i}\n") == 1 for i in range(n)), out
    for word in ("Warning:", "Deprecated:", "Fatal error:", "Notice:"):
        assert word not in out, out