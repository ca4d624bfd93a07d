"""Keepalive pings (our `websocket_ping_interval` / `websocket_ping_timeout`,
off by default): an idle WebSocket is pinged; a client that answers (python
websockets, as browsers do) stays open however long it is idle; one that
does not answer gets a 1011 close frame and onClose runs as for a heartbeat
(reactor id 0). Both modes."""

import time

import pytest

from swtest import OP_CLOSE, OP_PING, OP_PONG, RawClient, ws_connect


@pytest.mark.parametrize("mode", ["base", "process"])
def test_pings_keep_answering_clients_and_close_silent_ones(php_server, mode):
    srv = php_server(
        "ws.php",
        env={"SWTEST_MODE": mode},
        settings={"websocket_ping_interval": 0.3, "websocket_ping_timeout": 0.4},
    )
    with ws_connect(srv.port) as answering, RawClient(srv.port) as silent:
        assert silent.handshake().status == 101
        ping = silent.recv_frame(timeout=3)
        assert (ping.opcode, ping.fin, ping.payload) == (OP_PING, True, b""), ping
        close = silent.recv_frame(timeout=3)
        assert close.opcode == OP_CLOSE and close.close_code == 1011, close
        silent.expect_eof()
        srv.wait_for("close fd=2 reactor=0", timeout=5)
        # The answering client stayed idle through several intervals.
        time.sleep(1.2)
        answering.send("still here")
        assert answering.recv(timeout=3) == "still here"
    assert "close fd=1" not in srv.stdout().split("message fd=1")[0], srv.stdout()


def test_a_pong_or_any_frame_counts_as_life(php_server):
    srv = php_server(
        "ws.php", settings={"websocket_ping_interval": 0.3, "websocket_ping_timeout": 0.3}
    )
    with RawClient(srv.port) as c:
        assert c.handshake().status == 101
        for _ in range(3):
            ping = c.recv_frame(timeout=3)
            assert ping.opcode == OP_PING, ping
            c.send_frame(OP_PONG, ping.payload)
        # A text message instead of a pong counts too.
        ping = c.recv_frame(timeout=3)
        assert ping.opcode == OP_PING, ping
        c.send_text("alive")
        assert c.recv_frame(timeout=3).payload == b"alive"
        # Still open: never closed for a missing pong.
        assert "close fd=1" not in srv.stdout(), srv.stdout()


def test_pings_are_off_by_default(php_server):
    srv = php_server("ws.php")
    with RawClient(srv.port) as c:
        assert c.handshake().status == 101
        c.assert_silent(1.0)
