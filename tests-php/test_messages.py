"""Data frames into onMessage: the Frame object, fragmentation, sizes (reference section 3)."""

import time

import pytest

from swtest import OP_BINARY, OP_CONT, OP_TEXT, RawClient, ws_connect


def frame_dump(data: bytes, opcode: int, flags: int = 33, finish: str = "bool(true)") -> str:
    text = data.decode("latin-1")
    return f"""object(Swoole\\WebSocket\\Frame)#%d (5) {{
  ["fd"]=>
  int(%d)
  ["data"]=>
  string({len(data)}) "{text}"
  ["opcode"]=>
  int({opcode})
  ["flags"]=>
  int({flags})
  ["finish"]=>
  {finish}
}}
"""


@pytest.fixture
def dump_server(php_server):
    return php_server("ws.php", env={"SWTEST_DUMP": 1})


def test_text_frame_var_dump(dump_server):
    with RawClient(dump_server.port) as c:
        c.handshake()
        c.send_text("hello")
        assert c.recv_frame().raw == b"\x81\x05hello"
    m = dump_server.wait_expectf(frame_dump(b"hello", 1))
    assert '["fd"]=>\n  int(1)\n' in m.group(0)


def test_binary_frame_var_dump(dump_server):
    payload = b"\x00\x01binary"
    with RawClient(dump_server.port) as c:
        c.handshake()
        c.send_frame(OP_BINARY, payload)
        assert c.recv_frame().raw == b"\x82\x08" + payload
    dump_server.wait_expectf(frame_dump(payload, 2))


def test_fragmented_message_is_reassembled(dump_server):
    with RawClient(dump_server.port) as c:
        c.handshake()
        c.send_frame(OP_TEXT, b"hel", fin=False)
        c.send_frame(OP_CONT, b"lo ", fin=False)
        c.send_frame(OP_CONT, b"world", fin=True)
        f = c.recv_frame()
        assert f.raw == b"\x81\x0bhello world"
    dump_server.wait_expectf(frame_dump(b"hello world", 1))
    assert dump_server.count("object(Swoole\\WebSocket\\Frame)") == 1


def test_fragmented_binary_with_ping_in_between(dump_server):
    with RawClient(dump_server.port) as c:
        c.handshake()
        c.send_frame(OP_BINARY, b"\x01\x02", fin=False)
        c.send_frame(0x9, b"mid")  # control frames may be interleaved
        c.send_frame(OP_CONT, b"\x03", fin=True)
        assert c.recv_frame().raw == b"\x8a\x03mid"
        assert c.recv_frame().raw == b"\x82\x03\x01\x02\x03"
    dump_server.wait_expectf(frame_dump(b"\x01\x02\x03", 2))


def test_multibyte_character_split_across_fragments(ws_server):
    text = "h\u00e9llo \u20ac".encode()
    with RawClient(ws_server.port) as c:
        c.handshake()
        cut = text.index(b"\xe2") + 1  # in the middle of the euro sign
        c.send_frame(OP_TEXT, text[:2], fin=False)  # "h" + first byte of "é"
        c.send_frame(OP_CONT, text[2:cut], fin=False)
        c.send_frame(OP_CONT, text[cut:], fin=True)
        assert c.recv_frame().payload == text


def test_empty_message(dump_server):
    with RawClient(dump_server.port) as c:
        c.handshake()
        c.send_text("")
        assert c.recv_frame().raw == b"\x81\x00"
    dump_server.wait_expectf(frame_dump(b"", 1))


def test_many_messages_in_one_write_keep_order(ws_server):
    with RawClient(ws_server.port) as c:
        c.handshake()
        from swtest import build_frame

        c.send(b"".join(build_frame(OP_TEXT, f"m{i}".encode()) for i in range(200)))
        for i in range(200):
            assert c.recv_frame().payload == f"m{i}".encode()


def test_frame_split_into_single_bytes(ws_server):
    import time

    from swtest import build_frame

    with RawClient(ws_server.port) as c:
        c.handshake()
        for b in build_frame(OP_TEXT, b"dribble"):
            c.send(bytes([b]))
            time.sleep(0.002)
        assert c.recv_frame().payload == b"dribble"


@pytest.mark.parametrize("size", [125, 126, 65535, 65536, 1536 * 1024])
def test_echo_sizes(ws_server, size):
    payload = bytes((i * 7) & 0xFF for i in range(size))
    with ws_connect(ws_server.port) as ws:
        ws.send(payload)
        assert ws.recv(timeout=10) == payload
    ws_server.wait_for(f"opcode=2 len={size}\n")


def test_utf8_text_roundtrip(ws_server):
    text = "grüße, 你好, 😀"
    with ws_connect(ws_server.port) as ws:
        ws.send(text)
        assert ws.recv(timeout=5) == text


def test_large_and_small_pushes_keep_their_order_for_a_slow_reader(php_server, tmp_path):
    """Large pushes may go to the socket straight from the script's string;
    mixed with small ones (which wait for the end of the callback) and with a
    client that reads slowly (the socket fills, the rest is queued), every
    frame still arrives whole and in push order."""
    script = tmp_path / "mixed.php"
    script.write_text("""<?php
$s = new Swoole\\WebSocket\\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$s->on('message', function ($s, $f) {
    for ($i = 0; $i < 60; $i++) {
        $size = [10, 200 * 1024, 17, 64 * 1024, 1][$i % 5];
        $body = substr(str_pad("$i:", $size, chr(65 + $i % 26)), 0, $size);
        $ok = $s->push($f->fd, $body, $i % 2 ? WEBSOCKET_OPCODE_BINARY : WEBSOCKET_OPCODE_TEXT);
        if (!$ok) { echo "push $i failed\\n"; }
    }
});
$s->start();
""")
    srv = php_server(str(script))
    with RawClient(srv.port, timeout=20) as c:
        c.handshake()
        c.send_frame(OP_TEXT, b"go")
        time.sleep(0.5)  # the server has pushed everything: the socket is full
        for i in range(60):
            if i % 10 == 0:
                time.sleep(0.05)
            frame = c.recv_frame(20)
            size = [10, 200 * 1024, 17, 64 * 1024, 1][i % 5]
            expected = f"{i}:".encode()[:size].ljust(size, bytes([65 + i % 26]))
            assert frame.opcode == (OP_BINARY if i % 2 else OP_TEXT), i
            assert frame.fin
            assert len(frame.payload) == size, i
            assert frame.payload == expected, i
    assert "failed" not in srv.stdout()
