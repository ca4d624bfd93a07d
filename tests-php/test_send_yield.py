"""send_yield (Swoole's default with coroutines): a push or send to a
client that stopped reading waits in its coroutine until the client has
taken what is queued, instead of failing once the output buffer
(buffer_output_size, 2 MiB) is full. The worker serves other clients
meanwhile, and the slow client gets every message; in SWOOLE_PROCESS the
worker waits for the master's buffer (marked full in the shared
connection table). With send_yield off the sends past the buffer fail
with Swoole's log line."""

import socket
import time

import pytest

from swtest import RawClient
from conftest import free_port

PUSHES = 64  # of 256 KiB: 16 MiB, far past the buffer and the kernel's


def ws_client(port):
    c = RawClient(port, timeout=10)
    c.handshake()
    return c


def tcp_flood(port):
    """Asks for PUSHES sends of 256 KiB and reads nothing for a while."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"flood {PUSHES}\n".encode())
    return s


def read_tcp_until_done(s):
    buf = b""
    while not (b"\ndone " in buf and buf.endswith(b"\n")):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
    return buf


def start(php_server, env=None):
    tcp_port = free_port()
    srv = php_server("send_yield.php", str(tcp_port), env=env)
    return srv, tcp_port


@pytest.mark.parametrize("mode", ["base", "process"])
def test_a_client_that_stops_reading_gets_every_message(php_server, mode):
    srv, tcp_port = start(php_server, env={"MODE": mode})
    slow, other = ws_client(srv.port), ws_client(srv.port)
    slow.send_text(f"flood {PUSHES}")
    time.sleep(0.5)
    # The flooding coroutine waits; everyone else is served at once.
    t = time.monotonic()
    other.send_text("hi")
    assert other.recv_message(timeout=2).payload == b"echo hi"
    assert time.monotonic() - t < 1.0
    if mode == "base":
        # The push waits for this worker's own queue. (In SWOOLE_PROCESS the
        # master marks the connection full when the bytes reach it, so a
        # worker may have sent a round or two more by then: the flood may
        # be over already, with every message still on its way.)
        assert "ws flood pushed" not in srv.output()
    # Now the slow client reads: every push arrives, in order, then the report.
    for i in range(PUSHES):
        m = slow.recv_message(timeout=10)
        assert (m.opcode, len(m.payload)) == (2, 256 * 1024), i
    assert slow.recv_message(timeout=10).payload == f"done {PUSHES}".encode()
    srv.wait_for(f"ws flood pushed {PUSHES} of {PUSHES}")

    # The same for send() on a TCP port.
    s = tcp_flood(tcp_port)
    time.sleep(0.5)
    other.send_text("again")
    assert other.recv_message(timeout=2).payload == b"echo again"
    buf = read_tcp_until_done(s)
    assert buf == b"x" * (PUSHES * 256 * 1024) + f"\ndone {PUSHES}\n".encode()
    if mode == "base":
        # Swoole leaves its "the send waited" code (1010) as the last error.
        srv.wait_for(f"tcp flood sent {PUSHES} of {PUSHES}, last error 1010")
    else:
        # (whether a PROCESS worker had to wait depends on the race above)
        srv.wait_for(f"tcp flood sent {PUSHES} of {PUSHES}, last error ", regex=False)
    assert "output buffer overflow" not in srv.output()


def test_a_client_that_leaves_ends_the_wait(php_server):
    srv, _ = start(php_server)
    slow = ws_client(srv.port)
    slow.send_text(f"flood {PUSHES}")
    time.sleep(0.5)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    slow.sock.close()
    # The waiting push fails once the connection is gone, and so do the
    # rest: the loop ends instead of hanging.
    m = srv.wait_for(r"ws flood pushed (\d+) of 64", regex=True)
    assert int(m.group(1)) < PUSHES
    other = ws_client(srv.port)
    other.send_text("still here")
    assert other.recv_message(timeout=2).payload == b"echo still here"


def test_without_send_yield_the_sends_past_the_buffer_fail(php_server):
    srv, _ = start(php_server, env={"SEND_YIELD": "0"})
    slow, other = ws_client(srv.port), ws_client(srv.port)
    slow.send_text(f"flood {PUSHES}")
    m = srv.wait_for(r"ws flood pushed (\d+) of 64", regex=True)
    pushed = int(m.group(1))
    assert 0 < pushed < PUSHES
    # Swoole's log lines: once when the buffer fills, then per refusal.
    out = srv.output()
    assert "(ERRNO 1009): connection#" in out and "output buffer overflow" in out
    assert "(ERRNO 1009): socket#" in out
    other.send_text("hi")
    assert other.recv_message(timeout=2).payload == b"echo hi"
    # What was taken arrives whole.
    for i in range(pushed):
        m = slow.recv_message(timeout=10)
        assert (m.opcode, len(m.payload)) == (2, 256 * 1024), i
