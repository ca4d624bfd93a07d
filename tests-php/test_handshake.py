"""Opening handshake: exact 101/400 bytes, key checks, subprotocols, compression offer.

Spec: reference/swoole-behaviour.md sections 1 and 2; DESIGN.md deviations:
bytes pipelined after the handshake are processed, and websocket_subprotocol
is only echoed when the client offered it.
"""

import base64
import os
import re

import pytest
from swtest import (
    BAD_REQUEST_PAGE,
    DATE_RE,
    OP_TEXT,
    RawClient,
    accept_key,
    build_frame,
    build_request,
    check_http_date,
    handshake_request,
    ws_connect,
)

HANDSHAKE_101 = re.compile(
    rb"HTTP/1\.1 101 Switching Protocols\r\n"
    rb"Upgrade: websocket\r\n"
    rb"Connection: Upgrade\r\n"
    rb"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n"
    rb"Sec-WebSocket-Version: 13\r\n"
    rb"Server: swoole-http-server\r\n"
    rb"Date: (" + DATE_RE + rb")\r\n"
    rb"\r\n"
)

BAD_KEY_400 = re.compile(
    rb"HTTP/1\.1 400 Bad Request\r\n"
    rb"Server: swoole-http-server\r\n"
    rb"Date: (" + DATE_RE + rb")\r\n"
    rb"Connection: keep-alive\r\n"
    rb"Content-Type: text/html\r\n"
    rb"Content-Length: 0\r\n"
    rb"\r\n"
)

NO_ON_REQUEST_400 = (
    b"HTTP/1.1 400 Bad Request\r\n"
    b"Connection: close\r\n"
    b"Content-Type: text/html; charset=UTF-8\r\n"
    b"Cache-Control: must-revalidate,no-cache,no-store\r\n"
    b"Content-Length: 83\r\n"
    b"Server: swoole-http-server\r\n"
    b"\r\n" + BAD_REQUEST_PAGE
)


def test_101_response_bytes_and_header_order(ws_server):
    with RawClient(ws_server.port) as c:
        c.send(handshake_request("/"))
        head = c.recv_until(b"\r\n\r\n")
        m = HANDSHAKE_101.fullmatch(head)
        assert m, f"unexpected 101 response: {head!r}"
        check_http_date(m.group(1))
        # no body, nothing else after the head
        c.assert_silent(0.3)
        c.send_text("hello")
        assert c.recv_frame().raw == b"\x81\x05hello"
    ws_server.wait_for("open fd=1\n")
    ws_server.wait_for("message fd=1 opcode=1 len=5\n")


def test_accept_key_is_computed_from_the_client_key(ws_server):
    for _ in range(3):
        key = base64.b64encode(os.urandom(16)).decode()
        with RawClient(ws_server.port) as c:
            resp = c.handshake(key=key)
            assert resp.header("Sec-WebSocket-Accept") == accept_key(key)


def test_python_websockets_client_connects_and_echoes(ws_server):
    with ws_connect(ws_server.port) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "hello"
        ws.send(b"\x00\x01\xfe\xff")
        assert ws.recv(timeout=5) == b"\x00\x01\xfe\xff"


@pytest.mark.parametrize(
    "headers",
    [
        dict(connection=None),  # no "Connection: Upgrade"
        dict(version=None),  # no Sec-WebSocket-Version
        dict(upgrade="websocket, abc", connection="Upgrade, abc"),
        dict(upgrade="abc, websocket", connection="abc, Upgrade"),
        dict(upgrade="abc, websocket, def", connection="abc, Upgrade, def"),
    ],
    ids=["no-connection", "no-version", "token-first", "token-last", "token-middle"],
)
def test_lenient_upgrade_detection(ws_server, headers):
    with RawClient(ws_server.port) as c:
        c.send(handshake_request("/chat", **headers))
        resp = c.read_response()
        assert resp.status == 101, resp.raw
        c.send_text("ok")
        assert c.recv_frame().payload == b"ok"


@pytest.mark.parametrize("key", [None, "abc", "dGhlIHNhbXBsZSBub25jZQ==x"], ids=["missing", "short", "long"])
def test_bad_key_gets_exact_400_then_close(ws_server, key):
    with RawClient(ws_server.port) as c:
        c.send(handshake_request("/", key=key))
        data = c.expect_eof(5)
    m = BAD_KEY_400.fullmatch(data)
    assert m, f"unexpected response to a bad key: {data!r}"
    check_http_date(m.group(1))
    ws_server.wait_for("close fd=1 reactor=-1\n")
    assert "open fd=" not in ws_server.stdout()


@pytest.mark.parametrize(
    "request_bytes",
    [
        build_request("GET", "/", version="HTTP/1.1"),
        build_request("GET", "/index.html?x=1", version="HTTP/1.0", host=None),
        build_request("POST", "/form", [("Content-Type", "application/x-www-form-urlencoded")], "a=1"),
    ],
    ids=["get-1.1", "get-1.0", "post"],
)
def test_plain_http_without_onrequest_gets_400_page(ws_server, request_bytes):
    with RawClient(ws_server.port) as c:
        c.send(request_bytes)
        data = c.expect_eof(5)
    assert data == NO_ON_REQUEST_400
    ws_server.wait_for("close fd=1 reactor=-1\n")


def test_unparseable_request_gets_bare_400(ws_server):
    with RawClient(ws_server.port) as c:
        c.send(b"NOT HTTP AT ALL\r\n\r\n")
        data = c.expect_eof(5)
    assert data == b"HTTP/1.1 400 Bad Request\r\n\r\n"
    ws_server.wait_for("close fd=1 reactor=0\n")


def test_handshake_without_onopen(php_server):
    srv = php_server("ws.php", env={"SWTEST_NO_OPEN": 1})
    with RawClient(srv.port) as c:
        head = c.handshake().raw
        assert HANDSHAKE_101.fullmatch(head), head
        c.send_text("no onOpen")
        assert c.recv_frame().payload == b"no onOpen"
    srv.wait_for("message fd=1 opcode=1 len=9\n")


def test_frame_in_same_write_as_handshake_is_processed(ws_server):
    """DESIGN.md deviation: Swoole drops these bytes; we process them."""
    with RawClient(ws_server.port) as c:
        c.send(handshake_request("/") + build_frame(OP_TEXT, b"early"))
        resp = c.read_response()
        assert resp.status == 101
        assert c.recv_frame().raw == b"\x81\x05early"


# --------------------------------------------------------------------------
# Subprotocol (websocket_subprotocol)
# --------------------------------------------------------------------------

def _head_with_protocol(port, offer):
    headers = [("Sec-WebSocket-Protocol", offer)] if offer is not None else []
    with RawClient(port) as c:
        return c.handshake(headers=headers).head


def test_subprotocol_echoed_after_version_header(php_server):
    srv = php_server("ws.php", settings={"websocket_subprotocol": "chat"})
    head = _head_with_protocol(srv.port, "chat")
    m = re.fullmatch(
        rb"HTTP/1\.1 101 Switching Protocols\r\n"
        rb"Upgrade: websocket\r\n"
        rb"Connection: Upgrade\r\n"
        rb"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n"
        rb"Sec-WebSocket-Version: 13\r\n"
        rb"Sec-WebSocket-Protocol: chat\r\n"
        rb"Server: swoole-http-server\r\n"
        rb"Date: " + DATE_RE + rb"\r\n\r\n",
        head,
    )
    assert m, head
    with ws_connect(srv.port, subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat"
        ws.send("x")
        assert ws.recv(timeout=5) == "x"


def test_subprotocol_not_sent_when_client_offers_none(php_server):
    """DESIGN.md deviation: Swoole sends it anyway (python-websockets then fails)."""
    srv = php_server("ws.php", settings={"websocket_subprotocol": "chat"})
    head = _head_with_protocol(srv.port, None)
    assert b"sec-websocket-protocol" not in head.lower(), head
    with ws_connect(srv.port) as ws:
        assert ws.subprotocol is None
        ws.send("x")
        assert ws.recv(timeout=5) == "x"


def test_subprotocol_not_sent_when_client_offers_others(php_server):
    srv = php_server("ws.php", settings={"websocket_subprotocol": "chat"})
    head = _head_with_protocol(srv.port, "foo, bar")
    assert b"sec-websocket-protocol" not in head.lower(), head


def test_subprotocol_chosen_from_a_list_that_contains_it(php_server):
    srv = php_server("ws.php", settings={"websocket_subprotocol": "chat"})
    head = _head_with_protocol(srv.port, "foo, chat")
    assert b"\r\nSec-WebSocket-Protocol: chat\r\n" in head, head
    with ws_connect(srv.port, subprotocols=["foo", "chat"]) as ws:
        assert ws.subprotocol == "chat"


def test_client_subprotocol_ignored_without_setting(ws_server):
    head = _head_with_protocol(ws_server.port, "chat")
    assert b"sec-websocket-protocol" not in head.lower(), head
    with ws_connect(ws_server.port, subprotocols=["chat"]) as ws:
        assert ws.subprotocol is None


# --------------------------------------------------------------------------
# permessage-deflate offer (websocket_compression)
# --------------------------------------------------------------------------

DEFLATE_OFFER = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")


def test_compression_offer_ignored_without_setting(ws_server):
    with RawClient(ws_server.port) as c:
        head = c.handshake(headers=[DEFLATE_OFFER]).head
    assert b"extensions" not in head.lower(), head
    with ws_connect(ws_server.port, compression="deflate") as ws:
        ws.send("plain " * 50)
        assert ws.recv(timeout=5) == "plain " * 50


def test_compression_negotiated_with_setting(php_server):
    srv = php_server("ws.php", settings={"websocket_compression": True})
    with RawClient(srv.port) as c:
        head = c.handshake(headers=[DEFLATE_OFFER]).head
    m = re.fullmatch(
        rb"HTTP/1\.1 101 Switching Protocols\r\n"
        rb"Upgrade: websocket\r\n"
        rb"Connection: Upgrade\r\n"
        rb"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n"
        rb"Sec-WebSocket-Version: 13\r\n"
        rb"Sec-Websocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n"
        rb"Server: swoole-http-server\r\n"
        rb"Date: " + DATE_RE + rb"\r\n\r\n",
        head,
    )
    assert m, head
    # a compressing client is understood (RSV1 frames are inflated)
    with ws_connect(srv.port, compression="deflate") as ws:
        for text in ("compress me " * 100, "x", ""):
            ws.send(text)
            assert ws.recv(timeout=5) == text
    srv.wait_for(f"message fd=2 opcode=1 len={len('compress me ' * 100)}\n")


def test_compressed_push_with_flag(php_server):
    """push(..., SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS) sends an RSV1 frame."""
    srv = php_server("ws.php", settings={"websocket_compression": True})
    with RawClient(srv.port) as c:
        c.handshake(headers=[("Sec-WebSocket-Extensions", "permessage-deflate")])
        c.send_text("!push-opcode 1 3 hello hello hello hello")
        f = c.recv_frame()
        assert f.opcode == OP_TEXT and f.fin and f.rsv == 4, f
        import zlib

        inflated = zlib.decompressobj(-15).decompress(f.payload + b"\x00\x00\xff\xff")
        assert inflated == b"hello hello hello hello"
    with ws_connect(srv.port, compression="deflate") as ws:
        ws.send("!push-opcode 1 3 compressed push")
        assert ws.recv(timeout=5) == "compressed push"


def test_before_handshake_response_adds_headers_and_cookies(php_server, tmp_path):
    """onBeforeHandshakeResponse (Swoole 5+): the built-in handshake still
    runs (onOpen fires), with the script's headers and cookies in the 101."""
    script = tmp_path / "before.php"
    script.write_text(r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1]);
$s->on('beforeHandshakeResponse', function (Swoole\WebSocket\Server $s, Swoole\Http\Request $req, Swoole\Http\Response $resp) {
    $resp->header('X-Extra', 'yes');
    $resp->cookie('abc', 'def');
    echo "before fd={$req->fd}\n";
});
$s->on('open', function ($s, $req) { echo "open fd={$req->fd}\n"; });
$s->on('message', function ($s, $f) { $s->push($f->fd, $f->data); });
$s->start();
""")
    srv = php_server(str(script))
    with RawClient(srv.port) as c:
        r = c.handshake()
        assert r.status == 101, r.raw
        assert r.header("X-Extra") == "yes", r.raw
        assert r.header("Set-Cookie").startswith("abc=def"), r.raw
        c.send_text("hi")
        assert c.recv_frame(5).payload == b"hi"
    srv.wait_for("before fd=1\nopen fd=1\n")
