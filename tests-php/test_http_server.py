"""Swoole\\Http\\Server on its own: HTTP only, upgrade requests are ordinary
requests for onRequest (no 101), and start() requires onRequest."""

from swtest import RawClient


def test_plain_http_server_serves_requests_and_never_upgrades(php_server):
    srv = php_server("plain_http.php")
    with RawClient(srv.port) as c:
        r = c.request("GET", "/hello")
        assert r.raw.startswith(b"HTTP/1.1 200 OK\r\n"), r.raw
        assert r.body == b"plain /hello", r.raw
        c.send(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        r = c.read_response()
        assert r.raw.startswith(b"HTTP/1.1 200 OK\r\n"), r.raw
        assert b"Sec-WebSocket-Accept" not in r.raw
        assert r.body == b"plain /ws", r.raw
    srv.wait_for("request /hello upgrade=-\nrequest /ws upgrade=websocket\n")


def test_http_server_requires_on_request(php):
    res = php(
        code="<?php $s = new Swoole\\Http\\Server('127.0.0.1', 0);\n"
        "$s->on('message', function () {});\n"
        "$s->start();\n"
    )
    assert res.returncode == 255
    assert "Swoole\\Server::start(): require onRequest callback" in res.stdout + res.stderr
