"""Swoole\\Http\\Server on its own: HTTP only, upgrade requests are ordinary
requests for onRequest (no 101), and start() requires onRequest."""

import time

import pytest
from swtest import RawClient, recv_until_ending


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


def test_a_response_whose_client_left(php_server):
    """The client closes while the callback waits: header() and status()
    still work, write() and end() fail with SWOOLE_ERROR_SESSION_NOT_EXIST
    (1005) and no warning; once ended, the response warns (Swoole 6.2.2's
    output)."""
    import socket
    import urllib.request
    srv = php_server("client_gone.php")
    c = socket.create_connection(("127.0.0.1", srv.port))
    c.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    c.close()
    line = srv.wait_for("client gone: ", timeout=5)
    assert urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/fast", timeout=5).read() == b"fast"
    out = srv.stdout()
    assert "client gone: bool(true) bool(true) bool(false) int(1005) bool(false) int(1005) bool(false) \n" in out, out
    assert "Warning" not in out, out


@pytest.mark.parametrize("mode", ["base", "process"])
def test_max_concurrency_refuses_with_a_bare_503(php_server, mode):
    """max_concurrency 2: while two requests are being answered (their
    coroutines sleep), the next ones get Swoole's bare "HTTP/1.1 503
    Service Unavailable" and a closed connection; then requests are served
    again. stats() shows the counts (this request is the one in flight) and
    Swoole's keys in its order."""
    import json
    import socket
    import threading

    srv = php_server("http_concurrency.php", env={"SWTEST_MODE": mode})
    answers = [None] * 4

    def get(i):
        with socket.create_connection(("127.0.0.1", srv.port), 5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answers[i] = recv_until_ending(s, b"ok")

    threads = []
    for i in range(4):
        threads.append(threading.Thread(target=get, args=(i,)))
        threads[-1].start()
        time.sleep(0.05)
    for t in threads:
        t.join(10)
    refused = [a for a in answers if a == b"HTTP/1.1 503 Service Unavailable\r\n\r\n"]
    served = [a for a in answers if a and a.startswith(b"HTTP/1.1 200 OK\r\n") and a.endswith(b"\r\n\r\nok")]
    assert (len(served), len(refused)) == (2, 2), answers
    with RawClient(srv.port) as c:
        r = c.request("GET", "/")
        assert (r.status, r.body) == (200, b"ok")
        stats = json.loads(c.request("GET", "/stats").body)
    assert list(stats)[:5] == ["start_time", "connection_num", "abort_count", "accept_count", "close_count"]
    assert list(stats)[-2:] == ["coroutine_num", "coroutine_peek_num"]
    assert stats["concurrency"] == 1 and stats["worker_concurrency"] == 1, stats
    assert stats["worker_num"] == (2 if mode == "process" else 1), stats
    assert stats["request_count"] >= 3, stats


def test_worker_max_concurrency_makes_the_next_requests_wait(php_server):
    """worker_max_concurrency 1 (one worker): three requests at once are all
    answered, one after the other (each takes 0.5 s in its coroutine), none
    refused, as in Swoole."""
    import socket
    import threading

    srv = php_server("http_concurrency.php", env={"SWTEST_WORKER_MAX": "1"})
    done = []

    def get():
        with socket.create_connection(("127.0.0.1", srv.port), 10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = recv_until_ending(s, b"ok")
            done.append((time.monotonic(), data))

    started = time.monotonic()
    threads = [threading.Thread(target=get) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert len(done) == 3 and all(d.startswith(b"HTTP/1.1 200 OK") for _, d in done), done
    ends = sorted(t - started for t, _ in done)
    # one at a time: the last ends after about three of them
    assert ends[0] >= 0.45 and ends[2] >= 1.4, ends
