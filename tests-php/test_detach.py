"""Response::detach() and Response::create(): a request answered outside
its onRequest, from a task worker (Swoole's documented pattern) or a
timer, on the same keep-alive connection, in both modes; a plain TCP
port answering with an HTTP response it made."""

import socket

import pytest

from swtest import RawClient, recv_until_ending
from conftest import free_port


@pytest.mark.parametrize("mode", ["base", "process"])
def test_a_detached_request_is_answered_elsewhere(php_server, mode):
    tcp_port = free_port()
    srv = php_server("detach.php", str(tcp_port), env={"MODE": mode})
    with RawClient(srv.port, timeout=10) as c:
        r = c.request("GET", "/task")
        assert (r.status, r.header("X-From"), r.body) == (201, "task", b"from the task worker"), r.raw
        assert r.header("Connection") == "keep-alive"
        # the same connection goes on: a timer answers the next one
        r = c.request("GET", "/timer")
        assert (r.status, r.header("X-From"), r.body) == (200, "timer", b"from a timer"), r.raw
        r = c.request("GET", "/plain")
        assert r.body == b"plain"
        r = c.request("GET", "/bad")
        assert r.body == b"bad"
    out = srv.output()
    # detach() once; a detached response can neither detach nor end
    # again (false, and no warning: Swoole 6.2 says nothing)
    assert out.startswith("bool(true)\nbool(false)\nbool(false)\n"), out
    assert "unavailable" not in out
    assert "parameter $2 (9999) must be valid connection session_id" in out
    assert "parameter $1 must be instanceof Server or Coroutine\\Socket" in out
    # a TCP port makes an HTTP response itself
    with socket.create_connection(("127.0.0.1", tcp_port), timeout=10) as s:
        s.sendall(b"anything")
        data = recv_until_ending(s, b"hello world")
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"\r\n\r\nhello world"), data
