"""The scripts in examples/ run unchanged on their documented port 9501.

Tests here run one at a time (pytest is serial). If 9501 is taken on this
machine, a copy of the example with only the port number replaced is run
instead, so a developer's `make run` does not break `make test`.
"""

import re
import subprocess
import time

import pytest

import conftest
from swtest import OP_PING, OP_PONG, PeerClosed, RawClient, ws_connect

EXAMPLES = sorted(p.name for p in conftest.EXAMPLES.glob("*.php"))


@pytest.fixture
def example(php_server, tmp_path):
    def start(name):
        script = conftest.EXAMPLES / name
        port = 9501
        if not conftest.port_is_free(port):
            port = conftest.free_port()
            copy = tmp_path / name
            copy.write_text(script.read_text().replace("9501", str(port)))
            script = copy
        return php_server(script, port=port, pass_port=False)

    return start


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_parses(name):
    r = subprocess.run([conftest.PHP, "-n", "-l", str(conftest.EXAMPLES / name)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_echo_server(example):
    srv = example("echo_server.php")
    with ws_connect(srv.port) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "this is server"
        ws.send("again")
        assert ws.recv(timeout=5) == "this is server"
    srv.wait_for("client 1 closed\n")
    assert srv.stdout() == (
        "server: handshake success with fd1\n"
        "receive from 1:hello,opcode:1,fin:1\n"
        "receive from 1:again,opcode:1,fin:1\n"
        "client 1 closed\n"
    )


def test_broadcast_server(example):
    srv = example("broadcast_server.php")
    with ws_connect(srv.port) as a, ws_connect(srv.port) as b:
        a.send("hi")
        assert a.recv(timeout=5) == "this is server"
        with RawClient(srv.port) as http:
            # the example never calls $response->end(): don't depend on the reply
            http.send(b"GET /?message=hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert a.recv(timeout=5) == "hello"
            assert b.recv(timeout=5) == "hello"
    srv.wait_for("server: handshake success with fd1\n")
    srv.wait_for("server: handshake success with fd2\n")
    srv.wait_for("receive from 1:hi,opcode:1,fin:1\n")


def test_handshake_server(example):
    srv = example("handshake_server.php")
    with ws_connect(srv.port) as ws:
        assert ws.recv(timeout=5) == "hello, welcome\n"
        ws.send("x")
        assert ws.recv(timeout=5) == "this is server"
    srv.wait_for(re.escape("==Client connected\n"), regex=True)
    with ws_connect(srv.port, subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat"
        assert ws.recv(timeout=5) == "hello, welcome\n"
    # an invalid key is refused by the script (no 101, no "Client connected")
    before = srv.count("Client connected")
    with RawClient(srv.port) as c:
        c.send(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: not-a-valid-key\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        try:
            head = c.read_response().head
        except PeerClosed:
            head = b""  # closing without an answer is a refusal too
        assert not head.startswith(b"HTTP/1.1 101"), head
    time.sleep(0.3)
    assert srv.count("Client connected") == before


def test_close_frame_server(example):
    srv = example("close_frame_server.php")
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_text("hi")
        c.send_close(1000, b"done")
        assert c.expect_eof(5) == b"\x88\x06\x03\xe8done"
    srv.wait_for("Message received: hi\nClose frame received: Code 1000 Reason done\n")


def test_ping_frame_server(example):
    srv = example("ping_frame_server.php")
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_frame(OP_PING, b"abc")
        # the script's own pong: an empty Frame with opcode 10
        assert c.recv_frame().raw == b"\x8a\x00"
        c.assert_silent(0.3)  # and no automatic pong
    srv.wait_for("Ping frame received: Code 9\n")


def test_pong_frame_server(example):
    srv = example("pong_frame_server.php")
    with RawClient(srv.port) as c:
        c.handshake()
        c.send_frame(OP_PONG, b"p")
        c.send_text("after pong")
    srv.wait_for("Pong frame received: Code 10\nMessage received: after pong\n")


def test_swoole4_server(example):
    srv = example("swoole4_server.php")
    srv.wait_for("after 300ms.\n", timeout=5)
    with ws_connect(srv.port) as ws:
        ws.send("legacy")
        assert ws.recv(timeout=5) == "this is server"
    with RawClient(srv.port) as http:
        r = http.request("GET", "/")
        assert r.status == 200
        assert re.fullmatch(rb"<h1>Hello Swoole\. #\d{4}</h1>", r.body), r.body
        assert r.header("Content-Type") == "text/html; charset=utf-8"
    # the third tick (600 ms after start, later on a busy machine), then a
    # fourth tick's time: the timer was cleared by swoole_timer_clear
    srv.wait_for(r"(?:tick-200ms\n.*?){3}", regex=True, timeout=10)
    time.sleep(0.4)
    out = srv.stdout()
    assert out.count("tick-200ms\n") == 3
    assert "server: handshake success with fd1\n" in out
    assert "receive from 1:legacy,opcode:1,fin:1\n" in out


def test_chat_server(example):
    srv = example("chat_server.php")
    a = ws_connect(srv.port)
    try:
        assert a.recv(timeout=5) == "user1 joined"
        with ws_connect(srv.port) as b:
            assert a.recv(timeout=5) == "user2 joined"
            assert b.recv(timeout=5) == "user2 joined"
            a.send("hello everyone")
            assert a.recv(timeout=5) == "user1: hello everyone"
            assert b.recv(timeout=5) == "user1: hello everyone"
        assert a.recv(timeout=5) == "user2 left"
    finally:
        a.close()
    srv.wait_for("user1 left\n")
