"""Limits and timeouts: package_max_length, heartbeat, stalled clients."""

import socket
import time

import pytest

from swtest import OP_TEXT, RawClient, build_frame, ws_connect


def _send_ignoring_reset(client: RawClient, data: bytes):
    try:
        client.send(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def test_message_over_default_package_max_length_drops_connection(ws_server):
    size = 3 * 1024 * 1024
    with ws_connect(ws_server.port) as bystander:
        with RawClient(ws_server.port, timeout=20) as c:
            c.handshake()
            _send_ignoring_reset(c, build_frame(OP_TEXT, b"a" * size))
            c.expect_eof(20)  # RST or EOF, possibly after a close frame
        bystander.send("served")
        assert bystander.recv(timeout=5) == "served"
    ws_server.wait_for("the received packet length 3145742 is too large", stream="all")
    assert f"len={size}" not in ws_server.stdout()


def test_message_under_default_limit_is_echoed(ws_server):
    payload = "b" * (1536 * 1024)
    with ws_connect(ws_server.port) as ws:
        ws.send(payload)
        assert ws.recv(timeout=20) == payload


def test_custom_package_max_length(php_server):
    # (Under 64 KiB it runs as 64 KiB, as in Swoole.)
    srv = php_server("ws.php", settings={"package_max_length": 100_000})
    with ws_connect(srv.port) as ws:
        ws.send("c" * 90_000)
        assert ws.recv(timeout=5) == "c" * 90_000
    with ws_connect(srv.port) as bystander:
        with RawClient(srv.port) as c:
            c.handshake()
            _send_ignoring_reset(c, build_frame(OP_TEXT, b"d" * 120_000))
            c.expect_eof(10)
        bystander.send("served")
        assert bystander.recv(timeout=5) == "served"
    assert "len=120000" not in srv.stdout()


HEARTBEAT = {"heartbeat_idle_time": 2, "heartbeat_check_interval": 1}


@pytest.mark.timeout(60)
def test_heartbeat_closes_idle_client_but_not_active_one(php_server):
    srv = php_server("ws.php", settings=HEARTBEAT)
    idle = RawClient(srv.port, timeout=10)
    idle.handshake()
    start = time.monotonic()
    with ws_connect(srv.port) as active:
        closed_at = None
        while time.monotonic() - start < 6:
            active.send("tick")
            assert active.recv(timeout=5) == "tick"
            if closed_at is None:
                try:
                    idle.read_for(0.5)
                except OSError:
                    pass
                if idle.eof:
                    closed_at = time.monotonic() - start
            else:
                time.sleep(0.5)
        assert closed_at is not None, "idle client still connected after 6s"
        assert 1.0 <= closed_at <= 5.5, f"idle client closed after {closed_at:.1f}s"
        active.send("still active")
        assert active.recv(timeout=5) == "still active"
    idle.close()
    srv.wait_for("close fd=1 reactor=", timeout=5)


@pytest.mark.timeout(60)
def test_half_request_is_timed_out_without_blocking_others(php_server):
    srv = php_server("ws.php", settings=HEARTBEAT)
    stalled = RawClient(srv.port, timeout=10)
    stalled.send(b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
    # meanwhile the server is fully responsive
    with ws_connect(srv.port) as ws:
        ws.send("not blocked")
        assert ws.recv(timeout=5) == "not blocked"
    data = stalled.expect_eof(8)
    assert b"101" not in data
    stalled.close()


@pytest.mark.timeout(60)
def test_silent_tcp_connection_is_timed_out(php_server):
    srv = php_server("ws.php", settings=HEARTBEAT)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.settimeout(8)
        start = time.monotonic()
        try:
            got = s.recv(100)
        except ConnectionResetError:
            got = b""
        assert got == b"", got
        assert time.monotonic() - start < 7.5


def test_many_concurrent_clients(ws_server):
    clients = [ws_connect(ws_server.port) for _ in range(50)]
    try:
        for i, ws in enumerate(clients):
            ws.send(f"client {i}")
        for i, ws in enumerate(clients):
            assert ws.recv(timeout=10) == f"client {i}"
    finally:
        for ws in clients:
            ws.close()


def test_half_request_gets_408_after_http_request_timeout(php_server):
    """Without a heartbeat, a stalled request head is answered with 408 and
    closed after `http_request_timeout` (a swoole-rs setting; Swoole waits
    forever) while other clients are served."""
    srv = php_server("ws.php", settings={"http_request_timeout": 1})
    stalled = RawClient(srv.port, timeout=10)
    stalled.send(b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    start = time.monotonic()
    with ws_connect(srv.port) as ws:
        ws.send("not blocked")
        assert ws.recv(timeout=5) == "not blocked"
    data = stalled.expect_eof(8)
    assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), data
    assert 0.8 < time.monotonic() - start < 5
    stalled.close()


def test_push_to_a_client_that_does_not_read_is_refused_not_queued_forever(php_server):
    """A connection's outbound queue is bounded (socket_buffer_size): with
    send_yield off, pushes to a client that stopped reading fail with false
    once it is full, nothing accepted is lost or reordered, and other
    clients are served meanwhile. (With send_yield, the default, the push
    waits instead: test_send_yield.py.)"""
    srv = php_server("ws.php", settings={"socket_buffer_size": 1024 * 1024, "send_yield": False})
    size, count = 64 * 1024, 400  # 25 MiB: more than the kernel buffers hold
    with RawClient(srv.port, timeout=20) as sleeper:
        sleeper.handshake()
        with ws_connect(srv.port) as ws:
            ws.send(f"!flood 1 {count} {size}")
            reply = ws.recv(timeout=20)
            ok, failed = (int(x.split("=")[1]) for x in reply.split()[1:3])
            assert ok + failed == count
            assert failed > 0, reply
            assert ok * size >= 1024 * 1024, reply
            ws.send("still served")
            assert ws.recv(timeout=5) == "still served"
        # every accepted message arrives, in order, intact
        for i in range(ok):
            frame = sleeper.recv_frame(20)
            assert frame.payload[: len(f"{i}:")] == f"{i}:".encode()
            assert len(frame.payload) == size
