"""Protocol errors from a client close that connection with the RFC 6455 code
(DESIGN.md deviations: 1002 for unmasked frames, reserved opcodes and RSV bits
without an extension; 1007 for invalid UTF-8) while other clients are served."""

import pytest

from swtest import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_TEXT, RawClient, build_frame, ws_connect

CASES = {
    "unmasked": (build_frame(OP_TEXT, b"hello", mask=False), 1002),
    "reserved-opcode-3": (build_frame(0x3, b"x"), 1002),
    "reserved-opcode-11": (build_frame(0xB, b"x"), 1002),
    "rsv1-without-extension": (build_frame(OP_TEXT, b"x", rsv=4), 1002),
    "rsv2": (build_frame(OP_TEXT, b"x", rsv=2), 1002),
    "rsv3": (build_frame(OP_BINARY, b"x", rsv=1), 1002),
    "continuation-without-start": (build_frame(OP_CONT, b"orphan"), 1002),
    "invalid-utf8-text": (build_frame(OP_TEXT, b"bad \xff\xfe utf8"), 1007),
    "invalid-utf8-fragmented": (
        build_frame(OP_TEXT, b"ok so far", fin=False) + build_frame(OP_CONT, b"\xc3\x28"),
        1007,
    ),
    "new-message-inside-fragmented-one": (
        build_frame(OP_TEXT, b"part", fin=False) + build_frame(OP_TEXT, b"again"),
        1002,
    ),
    "fragmented-ping": (build_frame(OP_PING, b"x", fin=False), 1002),
}


@pytest.mark.parametrize("name", list(CASES))
def test_protocol_error_closes_with_code(ws_server, name):
    data, code = CASES[name]
    with ws_connect(ws_server.port) as bystander:
        with RawClient(ws_server.port) as c:
            c.handshake()
            c.send(data)
            f = c.recv_frame(5)
            assert f.opcode == OP_CLOSE, f"expected a close frame, got {f}"
            assert f.close_code == code, f"close code {f.close_code}, expected {code}"
            assert not f.masked
            c.expect_eof(5)
        # the server keeps serving everybody else
        bystander.send("still served")
        assert bystander.recv(timeout=5) == "still served"
    with ws_connect(ws_server.port) as late:
        late.send("new client")
        assert late.recv(timeout=5) == "new client"
    out = ws_server.stdout()
    if name == "unmasked":
        assert "len=5\n" not in out.split("open fd=2\n", 1)[1].split("close fd=2", 1)[0], (
            "onMessage ran for an unmasked frame"
        )


def test_garbage_after_handshake_does_not_hang_others(ws_server):
    with ws_connect(ws_server.port) as bystander:
        with RawClient(ws_server.port) as c:
            c.handshake()
            c.send(b"\xff" * 64)
            c.expect_eof(5)  # whatever it sends first, the connection ends
        bystander.send("ok")
        assert bystander.recv(timeout=5) == "ok"
