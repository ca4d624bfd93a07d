"""Ping/pong/close frames: automatic replies and the open_websocket_*_frame settings
(reference sections 3 and 9)."""

import pytest

from swtest import OP_CLOSE, OP_PING, OP_PONG, RawClient, close_payload, ws_connect


def close_frame_dump(code: int, reason: str) -> str:
    return f"""object(Swoole\\WebSocket\\CloseFrame)#%d (7) {{
  ["fd"]=>
  int(%d)
  ["data"]=>
  string(0) ""
  ["opcode"]=>
  int(8)
  ["flags"]=>
  int(33)
  ["finish"]=>
  bool(true)
  ["code"]=>
  int({code})
  ["reason"]=>
  string({len(reason)}) "{reason}"
}}
"""


def control_frame_dump(opcode: int, data: str) -> str:
    return f"""object(Swoole\\WebSocket\\Frame)#%d (5) {{
  ["fd"]=>
  int(%d)
  ["data"]=>
  string({len(data)}) "{data}"
  ["opcode"]=>
  int({opcode})
  ["flags"]=>
  int(33)
  ["finish"]=>
  bool(true)
}}
"""


# --------------------------------------------------------------------------
# ping / pong
# --------------------------------------------------------------------------

@pytest.mark.parametrize("payload,expected", [(b"abc", b"\x8a\x03abc"), (b"", b"\x8a\x00")])
def test_ping_gets_automatic_pong(ws_server, payload, expected):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_frame(OP_PING, payload)
        assert c.recv_frame().raw == expected
        c.send_text("after")
        assert c.recv_frame().payload == b"after"
    ws_server.wait_for("message fd=1 opcode=1 len=5\n")
    assert "opcode=9" not in ws_server.stdout()


def test_python_client_ping_is_answered(ws_server):
    with ws_connect(ws_server.port) as ws:
        pong = ws.ping(b"py")
        assert pong.wait(5), "no pong"


def test_ping_frame_setting_passes_ping_to_onmessage_without_pong(php_server):
    srv = php_server("ws.php", settings={"open_websocket_ping_frame": True}, env={"SWTEST_DUMP": 1})
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_frame(OP_PING, b"abc")
        c.send_text("sync")
        # the first thing back is the echo: there was no automatic pong
        assert c.recv_frame().raw == b"\x81\x04sync"
        c.assert_silent(0.3)
    srv.wait_expectf(control_frame_dump(9, "abc"))


def test_client_pong_is_dropped_by_default(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_frame(OP_PONG, b"unsolicited")
        c.send_text("sync")
        assert c.recv_frame().raw == b"\x81\x04sync"
    ws_server.wait_for("message fd=1 opcode=1 len=4\n")
    assert "opcode=10" not in ws_server.stdout()


def test_pong_frame_setting_passes_pong_to_onmessage(php_server):
    srv = php_server("ws.php", settings={"open_websocket_pong_frame": True}, env={"SWTEST_DUMP": 1})
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_frame(OP_PONG, b"pong-data")
        c.send_text("sync")
        assert c.recv_frame().raw == b"\x81\x04sync"
    srv.wait_expectf(control_frame_dump(10, "pong-data"))


@pytest.mark.parametrize("mode", ["base", "process"])
def test_server_sendfile_writes_the_file_range_as_is(php_server, mode, tmp_path):
    # The file holds ready-made frames, so what arrives is easy to read.
    path = tmp_path / "frames.bin"
    path.write_bytes(b"XX\x81\x02hi\x81\x02yo")
    srv = php_server("ws.php", env={"SWTEST_MODE": mode})
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_text(f"!sendfile {path} 2 4")
        assert c.recv_frame().raw == b"\x81\x02hi"
        # Length 0: to the end of the file.
        c.send_text(f"!sendfile {path} 6")
        assert c.recv_frame().raw == b"\x81\x02yo"
    assert srv.count("sendfile returned bool(true)") == 2, srv.stdout()


@pytest.mark.parametrize("mode", ["base", "process"])
def test_server_ping(php_server, mode):
    # In SWOOLE_PROCESS the connection is the master's: the worker's ping
    # goes through the same forwarded push path as push().
    srv = php_server("ws.php", env={"SWTEST_MODE": mode})
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_text("!ping hi")
        assert c.recv_frame().raw == b"\x89\x02hi"
        c.send_text("!ping " + "x" * 200)
        # Cut to the 125 bytes a control frame may carry.
        assert c.recv_frame().raw == b"\x89\x7d" + b"x" * 125
    srv.wait_for("message fd=1 opcode=1 len=206\nping returned bool(true)\n")
    assert srv.count("ping returned bool(true)") == 2, srv.stdout()


# --------------------------------------------------------------------------
# client-initiated close
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "code,reason,echo",
    [
        (1000, b"done", b"\x88\x06\x03\xe8done"),
        (1001, b"away", b"\x88\x06\x03\xe9away"),
        (None, b"", b"\x88\x00"),
    ],
    ids=["1000-done", "1001-away", "empty"],
)
def test_client_close_is_echoed_then_tcp_closed(ws_server, code, reason, echo):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_close(code, reason)
        assert c.expect_eof(5) == echo
    ws_server.wait_for("close fd=1 reactor=0\n")


def test_python_client_close_handshake_completes(ws_server):
    ws = ws_connect(ws_server.port)
    ws.send("x")
    assert ws.recv(timeout=5) == "x"
    ws.close(1000, "bye")
    assert ws.close_code == 1000
    assert ws.close_reason == "bye"
    ws_server.wait_for("close fd=1 reactor=0\n")


def test_close_frame_setting_passes_closeframe_to_onmessage(php_server):
    srv = php_server("ws.php", settings={"open_websocket_close_frame": True}, env={"SWTEST_DUMP": 1})
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_close(1000, b"done")
        assert c.expect_eof(5) == b"\x88\x06\x03\xe8done"
    srv.wait_expectf(close_frame_dump(1000, "done"))
    srv.wait_for("close fd=1 reactor=0\n")
    # onMessage saw the CloseFrame before onClose ran
    out = srv.stdout()
    assert out.index("CloseFrame") < out.index("close fd=1 reactor=0")


def test_close_frame_setting_with_empty_close(php_server):
    srv = php_server("ws.php", settings={"open_websocket_close_frame": True}, env={"SWTEST_DUMP": 1})
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_close(None)
        assert c.expect_eof(5) == b"\x88\x00"
    srv.wait_expectf(close_frame_dump(1000, ""))


def test_invalid_close_code_from_client_is_answered_with_1002(ws_server):
    """DESIGN.md deviation: an invalid close code is answered with 1002."""
    for bad in (999, 1005, 1006, 5000):
        with RawClient(ws_server.port) as c:
            c.handshake()
            c.send_frame(OP_CLOSE, close_payload(bad, b"x"))
            f = c.recv_frame()
            assert f.opcode == OP_CLOSE and f.close_code == 1002, (bad, f)
            c.expect_eof(5)


def test_close_with_one_byte_payload_is_a_protocol_error(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        c.send_frame(OP_CLOSE, b"\x03")
        f = c.recv_frame()
        assert f.opcode == OP_CLOSE and f.close_code == 1002, f
        c.expect_eof(5)


def test_python_client_sees_close_code_of_server_after_client_close(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.close(4321, "custom")
        assert ws.close_code == 4321
    ws_server.wait_for("close fd=1 reactor=0\n")
