"""permessage-deflate (RFC 7692): negotiation of the client's parameters,
context takeover (swoole-rs settings), window sizes, compressed pushes and
broadcasts, control frames.

Default answer: Swoole's (reference §1), both sides reset their window after
each message, plus whatever window sizes the client asked for. With
`websocket_compression_server_context_takeover` /
`websocket_compression_client_context_takeover` (swoole-rs) a side keeps its
window when the client allows it.
"""

import zlib

import pytest
from swtest import OP_CLOSE, OP_PING, OP_TEXT, RawClient, ws_connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

SWOOLE_ANSWER = "permessage-deflate; client_no_context_takeover; server_no_context_takeover"

SERVER = r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1]);
$s->set(json_decode(getenv('SETTINGS'), true));
$s->on('message', function ($s, $f) {
    $compress = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    if (strncmp($f->data, 'bcast ', 6) === 0) {
        $msg = substr($f->data, 6);
        foreach ($s->connections as $fd) {
            if ($s->isEstablished($fd)) {
                $s->push($fd, $msg, WEBSOCKET_OPCODE_TEXT, $compress);
            }
        }
        return;
    }
    if ($f->data === 'control') {
        $all = $compress | SWOOLE_WEBSOCKET_FLAG_RSV1;
        $s->push($f->fd, 'ping!', WEBSOCKET_OPCODE_PING, $all);
        $c = new Swoole\WebSocket\CloseFrame();
        $c->code = 4000;
        $c->reason = 'hahahahaha';
        $s->push($f->fd, $c, WEBSOCKET_OPCODE_CLOSE, $all);
        return;
    }
    // Pushes without the flag: Swoole compresses them too where
    // permessage-deflate was agreed (a fragment without FIN excepted).
    if (strncmp($f->data, 'plain ', 6) === 0) {
        $s->push($f->fd, substr($f->data, 6));
        $s->push($f->fd, substr($f->data, 6), WEBSOCKET_OPCODE_BINARY);
        $plain = new Swoole\WebSocket\Frame();
        $plain->data = substr($f->data, 6);
        $s->push($f->fd, $plain);
        $s->push($f->fd, 'part', WEBSOCKET_OPCODE_TEXT, 0);
        $s->push($f->fd, 'end', WEBSOCKET_OPCODE_CONTINUATION, SWOOLE_WEBSOCKET_FLAG_FIN);
        return;
    }
    // Frame objects with the flag are compressed too.
    if (strncmp($f->data, 'frame ', 6) === 0) {
        $out = new Swoole\WebSocket\Frame();
        $out->data = substr($f->data, 6);
        $out->flags = $compress;
        $s->push($f->fd, $out);
        return;
    }
    $s->push($f->fd, $f->data, $f->opcode, $compress);
});
$s->start();
"""


@pytest.fixture
def server(php_server, tmp_path):
    script = tmp_path / "compress.php"
    script.write_text(SERVER)

    def start(**settings):
        import json

        settings.setdefault("websocket_compression", True)
        return php_server(str(script), env={"SETTINGS": json.dumps(settings)})

    return start


def extension_answer(port, offer):
    with RawClient(port) as c:
        r = c.handshake(headers=[("Sec-WebSocket-Extensions", offer)] if offer else [])
        assert r.status == 101, r.raw
        return r.header("Sec-Websocket-Extensions")


@pytest.mark.parametrize(
    "offer, answer",
    [
        ("permessage-deflate", SWOOLE_ANSWER),
        ("permessage-deflate; client_max_window_bits", SWOOLE_ANSWER),
        ("permessage-deflate; server_max_window_bits=10", SWOOLE_ANSWER + "; server_max_window_bits=10"),
        ("permessage-deflate; client_max_window_bits=9", SWOOLE_ANSWER + "; client_max_window_bits=9"),
        ('permessage-deflate; server_max_window_bits="12"', SWOOLE_ANSWER + "; server_max_window_bits=12"),
        # zlib cannot compress with 8 bits: that offer is declined, the next taken
        ("permessage-deflate; server_max_window_bits=8, permessage-deflate", SWOOLE_ANSWER),
        ("permessage-deflate; server_max_window_bits=8", None),
        # invalid offers are declined (RFC 7692 §7.1)
        ("permessage-deflate; bogus", None),
        ("permessage-deflate; server_max_window_bits=16", None),
        ("permessage-deflate; client_no_context_takeover; client_no_context_takeover", None),
        ("x-webkit-deflate-frame", None),
        (None, None),
    ],
)
def test_negotiation_default(server, offer, answer):
    srv = server()
    assert extension_answer(srv.port, offer) == answer


@pytest.mark.parametrize(
    "offer, answer",
    [
        # what browsers and python-websockets offer: both windows kept
        ("permessage-deflate; client_max_window_bits", "permessage-deflate"),
        ("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
        ("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"),
        (
            "permessage-deflate; server_max_window_bits=11; client_max_window_bits=10",
            "permessage-deflate; server_max_window_bits=11; client_max_window_bits=10",
        ),
    ],
)
def test_negotiation_with_context_takeover(server, offer, answer):
    srv = server(
        websocket_compression_server_context_takeover=True,
        websocket_compression_client_context_takeover=True,
    )
    assert extension_answer(srv.port, offer) == answer


def test_one_side_takeover_settings(server):
    srv = server(websocket_compression_client_context_takeover=True)
    assert extension_answer(srv.port, "permessage-deflate") == "permessage-deflate; server_no_context_takeover"
    srv = server(websocket_compression_server_context_takeover=True)
    assert extension_answer(srv.port, "permessage-deflate") == "permessage-deflate; client_no_context_takeover"


def test_without_setting_no_extension(server):
    srv = server(websocket_compression=False)
    assert extension_answer(srv.port, "permessage-deflate") is None


def raw_compressed_client(port, offer):
    c = RawClient(port)
    r = c.handshake(headers=[("Sec-WebSocket-Extensions", offer)])
    assert r.status == 101 and r.header("Sec-Websocket-Extensions"), r.raw
    return c


def inflate(d, payload):
    return d.decompress(payload + b"\x00\x00\xff\xff")


def test_every_whole_data_push_is_compressed_where_agreed(server):
    """As Swoole: a push with the default flags, a binary push and a plain
    Frame object all go out compressed (RSV1, 50 bytes of 'x' in 6) when
    the client agreed to permessage-deflate; a fragment without FIN and its
    continuation do not; a client that did not agree gets plain frames."""
    srv = server()
    msg = "plain " + "x" * 50
    with raw_compressed_client(srv.port, "permessage-deflate") as c:
        c.send_text(msg)
        for opcode in (OP_TEXT, 2, OP_TEXT):
            f = c.recv_frame()
            assert f.opcode == opcode and f.rsv == 4 and f.fin, f
            assert len(f.payload) == 6, f
            assert inflate(zlib.decompressobj(-15), f.payload) == b"x" * 50
        part, end = c.recv_frame(), c.recv_frame()
        assert (part.opcode, part.fin, part.rsv, part.payload) == (OP_TEXT, False, 0, b"part")
        assert (end.opcode, end.fin, end.rsv, end.payload) == (0, True, 0, b"end")
    with RawClient(srv.port) as c:
        assert c.handshake().status == 101
        c.send_text(msg)
        for opcode in (OP_TEXT, 2, OP_TEXT):
            f = c.recv_frame()
            assert (f.opcode, f.rsv, f.payload) == (opcode, 0, b"x" * 50), f


def test_pushes_are_standalone_by_default(server):
    """Without server context takeover every compressed push inflates on its
    own: the same message twice gives the same bytes."""
    srv = server()
    msg = "the same chat message, sent twice " * 3
    with raw_compressed_client(srv.port, "permessage-deflate") as c:
        frames = []
        for _ in range(2):
            c.send_text(msg)
            f = c.recv_frame()
            assert f.opcode == OP_TEXT and f.rsv == 4, f
            frames.append(f.payload)
            assert inflate(zlib.decompressobj(-15), f.payload) == msg.encode()
        assert frames[0] == frames[1]


def test_server_context_takeover_shrinks_repeats(server):
    srv = server(websocket_compression_server_context_takeover=True)
    msg = "the same chat message, sent twice " * 3
    with raw_compressed_client(srv.port, "permessage-deflate") as c:
        d = zlib.decompressobj(-15)  # one window for the whole connection
        sizes = []
        for text in (msg, msg, "", msg):
            c.send_text(text)
            f = c.recv_frame()
            assert f.opcode == OP_TEXT, f
            if text:
                assert f.rsv == 4, f
                sizes.append(len(f.payload))
                assert inflate(d, f.payload) == text.encode()
        # the repeats refer back into the previous message
        assert sizes[1] < sizes[0] / 3 and sizes[2] < sizes[0] / 3, sizes


def test_server_max_window_bits_is_honoured(server):
    """A message whose repeats lie 2000 bytes apart compresses well with a
    32 KiB window and barely with the 512-byte window the client asked for."""
    srv = server()
    import random

    rnd = random.Random(7)
    unit = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2000))
    msg = unit * 4
    sizes = {}
    for bits in (9, 15):
        with raw_compressed_client(srv.port, f"permessage-deflate; server_max_window_bits={bits}") as c:
            c.send_text(msg)
            f = c.recv_frame()
            assert f.rsv == 4, f
            assert inflate(zlib.decompressobj(-bits), f.payload) == msg.encode()
            sizes[bits] = len(f.payload)
    assert sizes[9] > 2.5 * sizes[15], sizes


@pytest.mark.parametrize("takeover", [False, True])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"server_max_window_bits": 10, "client_max_window_bits": 9},
        {"server_no_context_takeover": True, "client_no_context_takeover": True},
        {"client_max_window_bits": 12},
    ],
    ids=["default", "small-windows", "no-takeover", "client-12"],
)
def test_python_websockets_round_trips(server, params, takeover):
    """python-websockets checks the agreement strictly and compresses with
    what was agreed; 200 messages each way with repeats across messages."""
    settings = {}
    if takeover:
        settings = {
            "websocket_compression_server_context_takeover": True,
            "websocket_compression_client_context_takeover": True,
        }
    srv = server(**settings)
    ext = ClientPerMessageDeflateFactory(**params)
    with ws_connect(srv.port, extensions=[ext]) as ws:
        answer = ws.response.headers["Sec-WebSocket-Extensions"]
        assert answer.startswith("permessage-deflate"), answer
        for i in range(200):
            text = f'{{"type":"message","id":{i},"user":"alice","text":"{"hello " * (i % 7)}"}}'
            ws.send(text)
            assert ws.recv(timeout=5) == text
        big = "".join(f"{i:08d}\n" for i in range(20000))
        ws.send(big)
        assert ws.recv(timeout=5) == big
        ws.send("frame sent as a Frame object")
        assert ws.recv(timeout=5) == "sent as a Frame object"


def test_compressed_broadcast_to_different_agreements(server):
    """A broadcast loop shares one compressed frame between connections with
    the same agreement; connections with another window get their own."""
    srv = server()
    offers = ["permessage-deflate", "permessage-deflate; server_max_window_bits=9", "permessage-deflate"]
    clients = [raw_compressed_client(srv.port, o) for o in offers]
    plain = RawClient(srv.port)
    assert plain.handshake().status == 101
    try:
        import random

        rnd = random.Random(3)
        unit = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(1500))
        msg = unit * 3
        clients[0].send_text("bcast " + msg)
        payloads = []
        for c, bits in zip(clients, (15, 9, 15)):
            f = c.recv_frame()
            assert f.rsv == 4, f
            assert inflate(zlib.decompressobj(-bits), f.payload) == msg.encode()
            payloads.append(f.payload)
        assert payloads[0] == payloads[2] and payloads[1] != payloads[0]
        # a connection without permessage-deflate gets the message uncompressed
        f = plain.recv_frame()
        assert f.rsv == 0 and f.payload == msg.encode(), f
    finally:
        for c in clients + [plain]:
            c.close()


def test_control_frames_are_never_compressed(server):
    """push() of a ping and a close frame with FLAG_COMPRESS|FLAG_RSV1: sent
    plain, RSV bits clear (Swoole's "control frame can not compress")."""
    srv = server()
    with raw_compressed_client(srv.port, "permessage-deflate") as c:
        c.send_text("control")
        ping = c.recv_frame()
        assert (ping.opcode, ping.rsv, ping.payload) == (OP_PING, 0, b"ping!"), ping
        close = c.recv_frame()
        assert close.opcode == OP_CLOSE and close.rsv == 0, close
        assert close.close_code == 4000 and close.close_reason == b"hahahahaha", close


def test_client_context_takeover_is_inflated(server):
    """A client that keeps its window (raw zlib stream across messages) is
    understood when the server agreed to it; the echo comes back intact."""
    srv = server(websocket_compression_client_context_takeover=True)
    with raw_compressed_client(srv.port, "permessage-deflate") as c:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        for i in range(50):
            text = f"message {i % 5} with a body that repeats across messages"
            payload = comp.compress(text.encode()) + comp.flush(zlib.Z_SYNC_FLUSH)
            assert payload.endswith(b"\x00\x00\xff\xff")
            c.send_frame(OP_TEXT, payload[:-4], rsv=4)
            f = c.recv_frame()
            assert inflate(zlib.decompressobj(-15), f.payload) == text.encode(), (i, f)


def test_takeover_stream_without_agreement_is_refused(server):
    """Default answer: the client promised to reset its window. A message that
    refers back into the previous one is invalid data: 1007, no crash, and
    other connections keep working."""
    srv = server()
    with raw_compressed_client(srv.port, "permessage-deflate") as other:
        with raw_compressed_client(srv.port, "permessage-deflate") as c:
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            text = b"repeat me exactly, repeat me exactly"
            for i in range(2):
                payload = comp.compress(text) + comp.flush(zlib.Z_SYNC_FLUSH)
                c.send_frame(OP_TEXT, payload[:-4], rsv=4)
            f = c.recv_frame()
            assert inflate(zlib.decompressobj(-15), f.payload) == text
            f = c.recv_frame()
            assert f.opcode == OP_CLOSE and f.close_code == 1007, f
        other.send_text("still here")
        f = other.recv_frame()
        assert inflate(zlib.decompressobj(-15), f.payload) == b"still here"
