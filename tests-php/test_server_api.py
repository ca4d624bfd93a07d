"""Server methods used from callbacks: push, disconnect, close, send, status,
connection_info, connections (reference sections 4 and 8)."""

import pytest
from websockets.exceptions import ConnectionClosedError

from swtest import OP_BINARY, OP_CLOSE, OP_CONT, OP_TEXT, RawClient, big_text, ws_connect, ws_wait_closed

WARN = "\nWarning: Swoole\\WebSocket\\Server::push(): {} in %s on line %d\n"


# --------------------------------------------------------------------------
# disconnect / close
# --------------------------------------------------------------------------

def test_disconnect_with_code_and_reason_exact_bytes(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!disconnect 4000 bye")
        # close frame, then EOF without waiting for our close reply
        assert c.expect_eof(5) == b"\x88\x05\x0f\xa0bye"
    ws_server.wait_for("disconnect begin\nclose fd=1 reactor=-1\ndisconnect returned bool(true)\n")


def test_disconnect_default_code(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!disconnect")
        assert c.expect_eof(5) == b"\x88\x02\x03\xe8"
    ws_server.wait_for("close fd=1 reactor=-1\ndisconnect returned bool(true)\n")


def test_disconnect_seen_by_python_client(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("!disconnect 4000 bye")
        ws_wait_closed(ws)
        assert ws.close_code == 4000
        assert ws.close_reason == "bye"


def test_disconnect_reason_longer_than_125_bytes_fails(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!disconnect-long 126")
        ws_server.wait_for("disconnect returned bool(false)\n")
    ws_server.wait_for("the max length of close reason is 125", stream="all")


def test_server_close_sends_no_close_frame(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!close")
        assert c.expect_eof(5) == b""
    ws_server.wait_for("close begin\nclose fd=1 reactor=-1\nclose returned bool(true)\n")


def test_server_close_seen_by_python_client_as_1006(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("!close")
        exc = ws_wait_closed(ws)
        assert isinstance(exc, ConnectionClosedError)
        assert exc.rcvd is None
        assert ws.close_code == 1006


def test_other_clients_unaffected_by_disconnect(ws_server):
    with ws_connect(ws_server.port) as a, ws_connect(ws_server.port) as b:
        a.send("!disconnect 4000 bye")
        ws_wait_closed(a)
        b.send("still here")
        assert b.recv(timeout=5) == "still here"


# --------------------------------------------------------------------------
# push
# --------------------------------------------------------------------------

@pytest.mark.parametrize("size", [3 * 1024 * 1024, 9 * 1024 * 1024], ids=["3MiB", "9MiB"])
def test_push_large_message(ws_server, size):
    with ws_connect(ws_server.port) as ws:
        ws.send(f"!push-big {size}")
        got = ws.recv(timeout=30)
        assert len(got) == size
        assert got == big_text(size)
    ws_server.wait_for("push-big returned bool(true)\n")


def test_push_large_message_single_frame_127_length(ws_server):
    size = 3 * 1024 * 1024
    with RawClient(ws_server.port, timeout=30) as c:
        c.handshake()
        c.send_text(f"!push-big {size}")
        f = c.recv_frame(30)
        assert f.raw[:10] == b"\x81\x7f" + size.to_bytes(8, "big")
        assert f.fin and f.payload == big_text(size).encode()


@pytest.mark.parametrize("bad", [9999, 0, -1])
def test_push_to_unknown_fd_warns_and_returns_false(ws_server, bad):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text(f"!push-to {bad}")
        assert c.recv_frame().payload == b"push-to done"
    ws_server.wait_expectf(
        WARN.format(f"session#{bad} does not exists") + "push returned bool(false)\nlast error int(503)\n"
    )


def test_push_to_plain_http_connection(php_server):
    srv = php_server("ws.php", env={"SWTEST_HTTP": 1})
    with RawClient(srv.port) as http:
        resp = http.request("GET", "/page")  # keep-alive: the connection stays open
        assert resp.status == 200 and resp.body == b"fd=1"
        with RawClient(srv.port) as c:
            c.handshake()
            c.send_text("!push-to 1")
            assert c.recv_frame().payload == b"push-to done"
            srv.wait_expectf(
                WARN.format("the connected client of connection[1] is not a websocket client or closed")
                + "push returned bool(false)\n"
            )
            c.send_text("!status 1")
            assert c.recv_frame().payload == b"status done"
            srv.wait_for("status 1\nbool(false)\nbool(true)\nbool(true)\n")
            c.send_text("!info 1")
            assert c.recv_frame().payload == b"info done"
            srv.wait_for('info 1\narray(16) {\n  ["websocket_status"]=>\n  int(0)\n')


def test_push_closeframe_keeps_connection_open(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!closeframe")
        assert c.recv_frame().raw == b"\x88\x0c\x0f\xa1closeframe"
        c.send_text("next")
        assert c.recv_frame().raw == b"\x81\x04next"
    ws_server.wait_for("push closeframe returned bool(true)\n")


def test_push_frame_object_and_opcodes(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!frame 2 1 bin")
        assert c.recv_frame().raw == b"\x82\x03bin"
        c.send_text("!push-opcode 2 1 data")
        assert c.recv_frame().raw == b"\x82\x04data"
        # flags 0: no FIN, then a continuation with FIN
        c.send_text("!push-opcode 1 0 part")
        assert c.recv_frame().raw == b"\x01\x04part"
        c.send_text("!push-opcode 0 1 end")
        assert c.recv_frame().raw == b"\x80\x03end"


def test_send_writes_raw_bytes(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!send raw-bytes")
        assert c.recv_exact(9) == b"raw-bytes"
        c.assert_silent(0.2)
        c.send_text("ok")
        assert c.recv_frame().raw == b"\x81\x02ok"
    ws_server.wait_for("send returned bool(true)\n")


# --------------------------------------------------------------------------
# connection status
# --------------------------------------------------------------------------

def test_exist_and_is_established(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!status")
        assert c.recv_frame().payload == b"status done"
        c.send_text("!status 9999")
        assert c.recv_frame().payload == b"status done"
    ws_server.wait_for("status 1\nbool(true)\nbool(true)\nbool(true)\n")
    ws_server.wait_for("status 9999\nbool(false)\nbool(false)\nbool(false)\n")


def test_connection_info_keys_and_values(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_text("!info")
        assert c.recv_frame().payload == b"info done"
        ws_server.wait_expectf(
            f"""info 1
array(16) {{
  ["websocket_status"]=>
  int(3)
  ["server_port"]=>
  int({ws_server.port})
  ["server_fd"]=>
  int(%d)
  ["socket_fd"]=>
  int(%d)
  ["socket_type"]=>
  int(1)
  ["remote_port"]=>
  int({c.local_port})
  ["remote_ip"]=>
  string(9) "127.0.0.1"
  ["reactor_id"]=>
  int(0)
  ["connect_time"]=>
  int(%d)
  ["last_time"]=>
  int(%d)
  ["last_recv_time"]=>
  float(%f)
  ["last_send_time"]=>
  float(%f)
  ["last_dispatch_time"]=>
  float(%f)
  ["close_errno"]=>
  int(0)
  ["recv_queued_bytes"]=>
  int(0)
  ["send_queued_bytes"]=>
  int(0)
}}
getClientInfo keys
array(16) {{
  [0]=>
  string(16) "websocket_status"
  [1]=>
  string(11) "server_port"
  [2]=>
  string(9) "server_fd"
  [3]=>
  string(9) "socket_fd"
  [4]=>
  string(11) "socket_type"
  [5]=>
  string(11) "remote_port"
  [6]=>
  string(9) "remote_ip"
  [7]=>
  string(10) "reactor_id"
  [8]=>
  string(12) "connect_time"
  [9]=>
  string(9) "last_time"
  [10]=>
  string(14) "last_recv_time"
  [11]=>
  string(14) "last_send_time"
  [12]=>
  string(18) "last_dispatch_time"
  [13]=>
  string(11) "close_errno"
  [14]=>
  string(17) "recv_queued_bytes"
  [15]=>
  string(17) "send_queued_bytes"
}}
"""
        )


def test_connections_iterator_and_count(ws_server):
    with ws_connect(ws_server.port) as a, ws_connect(ws_server.port) as b, ws_connect(ws_server.port) as c:
        c.send("!connections")
        assert c.recv(timeout=5) == "connections 1,2,3 count=3"
        b.close()
        ws_server.wait_for("close fd=2 reactor=0\n")
        a.send("!connections")
        assert a.recv(timeout=5) == "connections 1,3 count=2"


def connection_walks(port) -> dict:
    """What ws.php's !connections-walks reports, by part."""
    with ws_connect(port) as a, ws_connect(port) as b:
        b.send("!connections-walks")
        parts = b.recv(timeout=5).split(" | ")
    return dict(p.split(" ", 1) for p in parts)


def test_connections_every_way_of_walking_them(ws_server):
    # Swoole\Connection\Iterator runs foreach natively (not through its
    # Iterator methods): keys (1 for the first, as Swoole counts), restarts,
    # iterator_to_array and the methods called by hand all see the same ids.
    walks = connection_walks(ws_server.port)
    del walks["pairs"]
    assert walks == {
        "keyed": "1=>1,2=>2", "again": "1,2", "array": '{"1":1,"2":2}', "manual": "1:1,2:2",
        "by-ref": "Error: An iterator cannot be used with foreach by reference",
    }


def test_nested_loops_over_connections_see_every_pair(ws_server):
    """swoole-rs: each foreach over $server->connections walks on its own
    (in Swoole the inner loop ends the outer one: pairs 11,12)."""
    assert connection_walks(ws_server.port)["pairs"] == "11,12,21,22"


def test_broadcast_over_connections(ws_server):
    clients = [ws_connect(ws_server.port) for _ in range(4)]
    try:
        clients[0].send("!broadcast hello all")
        for ws in clients:
            assert ws.recv(timeout=5) == "hello all"
    finally:
        for ws in clients:
            ws.close()


# --------------------------------------------------------------------------
# robustness of callbacks
# --------------------------------------------------------------------------

def test_second_server_while_running_throws(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("!second-server")
        assert ws.recv(timeout=5) == "second-server done"
    ws_server.wait_for(
        "Swoole\\Exception code=-3 message=server is running. unable to create Swoole\\WebSocket\\Server\n"
    )


def test_uncaught_exception_in_callback_is_reported_and_server_goes_on(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("!throw")
        ws_server.wait_for("Uncaught RuntimeException: boom", stream="all")
    with ws_connect(ws_server.port) as ws:
        ws.send("alive")
        assert ws.recv(timeout=5) == "alive"


def test_pushes_of_changing_strings_never_reuse_a_stale_frame(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("!push-seq 200")
        got = [ws.recv(timeout=5) for _ in range(200 + 5)]
    assert got[:200] == [f"m{i}" for i in range(200)]
    assert got[200:] == ["ssssssssss", "ssssssssss", "Sssssssss" + "s", b"Ssssssssss", "push-seq done"]
