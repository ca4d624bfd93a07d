"""Swoole\\Server as a plain TCP server: onConnect/onReceive/onClose, the
framing settings of a port, listen() side ports with their own settings and
callbacks, and a WebSocket server with a TCP port beside it. Clients are raw
Python sockets."""

import json
import socket
import struct
import time

import pytest

from swtest import recv_until_closed, ws_connect
from conftest import free_port

# pack() codes: (struct format, a negative-capable signed type?)
LENGTH_TYPES = {
    "c": "b", "C": "B", "s": "=h", "S": "=H", "n": ">H", "v": "<H",
    "l": "=i", "L": "=I", "N": ">I", "V": "<I",
    "q": "=q", "Q": "=Q", "J": ">Q", "P": "<Q",
}


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_exactly(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError(f"closed after {out!r}")
        out += chunk
    return out


def assert_no_answer(s):
    """Nothing arrives on `s` for 0.3 s; its timeout is 5 s again after."""
    s.settimeout(0.3)
    with pytest.raises(socket.timeout):
        s.recv(100)
    s.settimeout(5)


def ask(s, cmd: bytes, expect_prefix=b""):
    s.sendall(cmd)
    return s.recv(65536)


def test_the_documentation_example(php_server):
    srv = php_server("tcp_doc_example.php")
    c = connect(srv.port)
    c.sendall(b"hello")
    assert c.recv(100) == b"Server: hello"
    srv.wait_for("Client: Connect.")
    c.close()
    srv.wait_for("Client: Close.")


def test_raw_stream_chunks_are_delivered_as_read(php_server):
    srv = php_server("tcp.php")
    c = connect(srv.port)
    c.sendall(b"abc")
    assert c.recv(100) == b"abc"
    c.sendall(b"x" * 100_000)
    assert recv_exactly(c, 100_000) == b"x" * 100_000
    c.close()
    srv.wait_for("close fd=1 reactor=0")


@pytest.mark.parametrize("code", list(LENGTH_TYPES))
def test_length_check_with_every_length_type(php_server, code):
    fmt = LENGTH_TYPES[code]
    size = struct.calcsize(fmt)
    # The length at offset 2 after a 2-byte tag; the body after the header.
    settings = {
        "open_length_check": True,
        "package_length_type": code,
        "package_length_offset": 2,
        "package_body_offset": 2 + size,
    }
    srv = php_server("tcp.php", settings=settings)

    def packet(body: bytes) -> bytes:
        return b"T" + bytes([len(body) % 256]) + struct.pack(fmt, len(body)) + body

    c = connect(srv.port)
    packets = [packet(b"hello"), packet(b""), packet(b"x" * 100)]
    # Three packets in one write: three onReceive, echoed back in order.
    c.sendall(b"".join(packets))
    want = b"".join(packets)
    assert recv_exactly(c, len(want)) == want
    # One packet byte by byte.
    p = packet(b"split over many reads")
    for b in p:
        c.sendall(bytes([b]))
        time.sleep(0.002)
    assert recv_exactly(c, len(p)) == p
    c.close()
    lines = srv.wait_for("close fd=1")
    out = srv.stdout()
    got = [int(l.split("len=")[1].split()[0]) for l in out.splitlines() if l.startswith("receive")]
    assert got == [len(x) for x in packets] + [len(p)]


def test_default_length_settings_are_a_4_byte_big_endian_header(php_server):
    srv = php_server("tcp.php", settings={"open_length_check": True})
    c = connect(srv.port)
    p = struct.pack(">I", 3) + b"abc"
    c.sendall(p + p[:5])
    assert recv_exactly(c, len(p)) == p
    c.sendall(p[5:])
    assert recv_exactly(c, len(p)) == p


def test_an_oversized_length_closes_only_that_connection(php_server):
    # (A package_max_length under 64 KiB runs as 64 KiB, as in Swoole.)
    srv = php_server("tcp.php", settings={"open_length_check": True, "package_max_length": 100_000})
    good = connect(srv.port)
    bad = connect(srv.port)
    bad.sendall(struct.pack(">I", 200_000) + b"abc")
    # Closed with the 3 bytes after the header unread: a reset, as Swoole's
    # reactor, which reads the header alone.
    with pytest.raises(ConnectionResetError):
        recv_until_closed(bad)
    srv.wait_for("close fd=2 reactor=0", timeout=5)
    srv.wait_for("the received packet length 200004 is too large")
    good.sendall(struct.pack(">I", 2) + b"ok")
    assert recv_exactly(good, 6) == struct.pack(">I", 2) + b"ok"


def test_a_package_max_length_under_64k_runs_as_64k(php_server):
    """Swoole raises package_max_length to 64 KiB at start: a 5000-byte
    packet passes a limit of 1024, a 70 000-byte one does not."""
    srv = php_server("tcp.php", settings={"open_length_check": True, "package_max_length": 1024})
    c = connect(srv.port)
    p = struct.pack(">I", 5000) + b"y" * 5000
    c.sendall(p)
    assert recv_exactly(c, len(p)) == p
    c.sendall(struct.pack(">I", 70_000) + b"abc")
    with pytest.raises(ConnectionResetError):
        recv_until_closed(c)
    srv.wait_for("the received packet length 70004 is too large")


def test_a_negative_length_is_malformed_data(php_server):
    srv = php_server("tcp.php", settings={
        "open_length_check": True, "package_length_type": "c", "package_body_offset": 1})
    c = connect(srv.port)
    c.sendall(b"\xffxyz")
    with pytest.raises(ConnectionResetError):
        recv_until_closed(c)
    # Swoole counts the header it read (1 byte), then closes from the
    # reactor (its id, not -1).
    srv.wait_for("received 1 bytes of malformed data")
    srv.wait_for("close fd=1 reactor=0\n")
    assert "receive fd" not in srv.stdout()
    # A bad header and nothing after it: a plain close.
    c = connect(srv.port)
    c.sendall(b"\xff")
    assert recv_until_closed(c) == b""


@pytest.mark.parametrize("mode", ["base", "process"])
def test_package_length_func(php_server, mode):
    srv = php_server("tcp.php", env={"SWTEST_LENGTH_FUNC": "1", "SWTEST_MODE": mode})
    c = connect(srv.port)
    p1 = struct.pack(">H", 3) + b"abc"
    p2 = struct.pack(">H", 1) + b"z"
    c.sendall(p1 + p2[:1])
    assert recv_exactly(c, len(p1)) == p1
    c.sendall(p2[1:])
    assert recv_exactly(c, len(p2)) == p2
    # The function's -1: malformed, the connection is closed.
    c.sendall(b"\xff\xffjunk")
    assert recv_until_closed(c) == b""


def test_eof_split_cuts_after_every_delimiter(php_server):
    srv = php_server("tcp.php", settings={"open_eof_split": True, "package_eof": "\r\n"})
    c = connect(srv.port)
    c.sendall(b"one\r\ntwo\r\nthr")
    time.sleep(0.05)
    c.sendall(b"ee\r")
    time.sleep(0.05)
    c.sendall(b"\n")
    assert recv_exactly(c, 17) == b"one\r\ntwo\r\nthree\r\n"
    srv.wait_for("len=7")
    got = [l.split()[2] for l in srv.stdout().splitlines() if l.startswith("receive")]
    assert got == ["len=5", "len=5", "len=7"]


def test_eof_check_without_split_delivers_what_ends_with_the_delimiter(php_server):
    srv = php_server("tcp.php", settings={"open_eof_check": True, "package_eof": "##"})
    c = connect(srv.port)
    c.sendall(b"a##b##")
    assert recv_exactly(c, 6) == b"a##b##"
    srv.wait_for("len=6")


def test_send_to_a_bad_fd_fails_as_swooles_does(php_server):
    """send() warns for a null fd, one of 0 or less and empty data; a
    connection that does not exist (or no longer) is a quiet false with
    SWOOLE_ERROR_SESSION_NOT_EXIST (1005), as in Swoole."""
    srv = php_server("tcp.php")
    with socket.create_connection(("127.0.0.1", srv.port), 5) as s:
        s.sendall(b"!badsend")
        assert s.recv(100) == b"badsend done"
    out = srv.stdout()
    assert "Warning: Swoole\\Server::send(): fd can not be null in " in out, out
    assert "Warning: Swoole\\Server::send(): invalid fd[-1] in " in out, out
    assert "Warning: Swoole\\Server::send(): the data sent must not be empty in " in out, out
    assert "does not exist" not in out, out
    assert "send 100 -> false error 1005\n" in out and "send 9223372036854775807 -> false error 1005\n" in out
    assert "send empty -> false error 550\n" in out, out


@pytest.mark.parametrize("mode", ["base", "process"])
def test_client_info_in_on_close_after_the_peer_left(php_server, mode):
    """getClientInfo() in onClose still describes the connection when the
    peer closed first (a SWOOLE_PROCESS worker's master has let it go by
    then), as in Swoole."""
    srv = php_server("tcp.php", env={"SWTEST_MODE": mode} if mode == "process" else None)
    c = connect(srv.port)
    srv.wait_for("connect fd=1")
    c.close()
    srv.wait_for("closing info fd=1 close_errno=0\n")


@pytest.mark.parametrize("mode", ["base", "process"])
def test_start_session_id(php_server, mode):
    """start_session_id: session ids count on from it (Swoole's
    big_session_id.phpt uses 2^31)."""
    start = 1 << 31
    srv = php_server("tcp.php", settings={"start_session_id": start, "worker_num": 2},
                     env={"SWTEST_MODE": mode} if mode == "process" else None)
    for i in range(1, 3):
        c = connect(srv.port)
        assert ask(c, b"!fd") == f"fd={start + i}".encode()
        c.close()


def test_client_info_of_a_tcp_connection(php_server):
    srv = php_server("tcp.php")
    c = connect(srv.port)
    info = json.loads(ask(c, b"!info"))
    assert "websocket_status" not in info
    assert info["server_port"] == srv.port
    assert info["remote_port"] == c.getsockname()[1]
    assert info["remote_ip"] == "127.0.0.1"
    assert info["socket_type"] == 1
    assert abs(info["connect_time"] - time.time()) < 5
    assert list(info)[:4] == ["server_port", "server_fd", "socket_fd", "socket_type"]


def test_heartbeat_idle_time_is_each_ports(php_server):
    """heartbeat_idle_time set on a side port only: its idle connections are
    closed (after 1 s here) while the main port's, which has no heartbeat,
    stay open; as Swoole does (swoole_server_port/heartbeat_3.phpt)."""
    side = free_port()
    srv = php_server("tcp.php", side, env={"SWTEST_PORT_SETTINGS": json.dumps({"heartbeat_idle_time": 1})})
    main = connect(srv.port)
    other = connect(side)
    other.settimeout(5)
    started = time.monotonic()
    assert other.recv(10) == b""  # closed by the heartbeat
    assert 0.9 < time.monotonic() - started < 4
    main.settimeout(0.5)
    with pytest.raises(socket.timeout):
        main.recv(10)  # still open, nothing to read
    main.sendall(struct.pack(">I", 3) + b"!fd")
    main.settimeout(5)
    assert main.recv(10) == b"fd=1"


def test_a_side_port_with_its_own_settings_and_callback(php_server):
    side = free_port()
    srv = php_server("tcp.php", side, settings={"open_length_check": True},
                     env={"SWTEST_PORT_SETTINGS": json.dumps({"open_eof_split": True, "package_eof": "\n"}),
                          "SWTEST_PORT_RECEIVE": "1"})
    main = connect(srv.port)
    other = connect(side)
    other.sendall(b"a\nb\n")
    assert recv_exactly(other, 14) == b"side a\nside b\n"
    p = struct.pack(">I", 1) + b"m"
    main.sendall(p)
    assert recv_exactly(main, 5) == p
    # onConnect and onClose of the side port are the main port's.
    srv.wait_for(f"connect fd=2 port={side}")
    # Each port's connections iterator walks that port's only.
    p = struct.pack(">I", 6) + b"!ports"
    main.sendall(p)
    assert json.loads(main.recv(100)) == [[1], [2]]
    assert ask(main, struct.pack(">I", 5) + b"!list") == b"1,2"
    other.close()
    srv.wait_for("close fd=2 reactor=0")


def test_a_side_port_never_set_takes_the_servers_settings(php_server):
    side = free_port()
    srv = php_server("tcp.php", side, settings={"open_eof_split": True, "package_eof": "|"})
    c = connect(side)
    c.sendall(b"x|y|")
    assert recv_exactly(c, 4) == b"x|y|"
    srv.wait_for("len=2")
    assert [l for l in srv.stdout().splitlines() if l.startswith("receive")][:2] == [
        "receive fd=1 len=2 worker=0", "receive fd=1 len=2 worker=0"]


def test_start_without_onreceive_is_a_fatal_error(php_server, tmp_path):
    script = tmp_path / "noreceive.php"
    script.write_text("<?php $s = new Swoole\\Server('127.0.0.1', (int)$argv[1]);"
                      "$s->on('connect', function () {}); $s->start(); echo 'after';")
    srv = php_server(script, wait=False)
    srv.expect_exit = True
    assert srv.wait_exit() == 255
    out = srv.stdout() + srv.stderr()
    assert "require onReceive callback" in out
    assert "after" not in out


MODES = {
    "base-2": ({}, {"worker_num": 2}),
    "process-1": ({"SWTEST_MODE": "process"}, {"worker_num": 1}),
    "process-2": ({"SWTEST_MODE": "process"}, {"worker_num": 2}),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_workers_echo_and_send_to_each_others_connections(php_server, mode):
    env, settings = MODES[mode]
    settings = dict(settings, open_eof_split=True, package_eof="\n")
    srv = php_server("tcp.php", env=env, settings=settings)
    workers = settings["worker_num"]
    clients, seen = [], {}
    deadline = time.time() + 20
    # Enough clients that every worker has one (the kernel or dispatch_mode picks).
    while (len(seen) < workers or len(clients) < 2) and time.time() < deadline:
        c = connect(srv.port)
        c.sendall(b"!worker\n")
        w = int(c.recv(100).decode().removeprefix("worker="))
        seen.setdefault(w, c)
        clients.append(c)
    assert len(seen) == workers
    for i, c in enumerate(clients):
        c.sendall(f"echo {i}\n".encode())
        assert recv_exactly(c, len(f"echo {i}\n")) == f"echo {i}\n".encode()
    # Every connection is listed everywhere; send() reaches any of them.
    first, last = clients[0], clients[-1]
    listed = ask(first, b"!list\n").decode().split(",")
    assert len(listed) == len(clients)
    assert json.loads(ask(first, b"!ports\n")) == [[int(fd) for fd in listed]]
    last_fd = int(listed[-1])
    first.sendall(f"!send {last_fd} hello-from-afar\n".encode())
    assert first.recv(100) == b"sent=true"
    assert last.recv(100) == b"hello-from-afar"
    first.sendall(b"!send 9999 nobody\n")
    assert first.recv(100) == b"sent=false"
    for c in clients:
        c.close()
    for fd in range(1, len(clients) + 1):
        srv.wait_for(f"close fd={fd}", timeout=10)


def test_websocket_and_tcp_ports_chat(php_server):
    tcp_port = free_port()
    srv = php_server("ws_tcp_chat.php", tcp_port)
    browser = ws_connect(srv.port)
    srv.wait_for("browser 1")
    device = connect(tcp_port)
    srv.wait_for("device 2")
    device.sendall(b"temp=21\nhum=40\n")
    assert browser.recv(timeout=5) == "device 2: temp=21"
    assert browser.recv(timeout=5) == "device 2: hum=40"
    browser.send("hello devices")
    assert device.recv(100) == b"browser 1: hello devices\n"
    device.close()
    srv.wait_for("gone 2")
    browser.close()


def test_a_side_port_of_a_websocket_server_speaks_websocket_unless_set(php_server, tmp_path):
    side = free_port()
    script = tmp_path / "wsside.php"
    script.write_text("""<?php
$s = new Swoole\\WebSocket\\Server('127.0.0.1', (int)$argv[1]);
$s->set(['worker_num' => 1]);
$s->listen('127.0.0.1', (int)$argv[2], SWOOLE_SOCK_TCP);
$s->on('message', function ($s, $f) { $s->push($f->fd, "echo {$f->data}"); });
$s->start();
""")
    srv = php_server(script, side)
    ws = ws_connect(side)
    ws.send("x")
    assert ws.recv(timeout=5) == "echo x"
    ws.close()


def test_dispatch_mode_4_sends_one_address_to_one_worker(php_server):
    srv = php_server("tcp.php", env={"SWTEST_MODE": "process"},
                     settings={"worker_num": 2, "dispatch_mode": 4})
    # 127.0.0.1 is 2130706433 as a number: odd, so worker 1 (Swoole's IPMOD).
    for _ in range(4):
        c = connect(srv.port)
        assert ask(c, b"!worker") == b"worker=1"
        c.close()


@pytest.mark.parametrize("mode,framing", [("base", "eof"), ("process", "eof"), ("base", "stream")])
def test_pause_stops_reading_until_resume(php_server, mode, framing):
    """base-eof is a known difference: Swoole 6.2.2's SWOOLE_BASE closes a
    connection paused from its own onReceive with open_eof_split (without
    onClose); base-stream is the same pause without that framing."""
    settings = {"open_eof_split": True, "package_eof": "\n"} if framing == "eof" else {}
    srv = php_server("tcp.php", env={"SWTEST_MODE": mode}, settings=settings)
    a = connect(srv.port)
    b = connect(srv.port)
    # Which fd is a's: with several reactor threads (SWOOLE_PROCESS) the
    # two connections may be accepted in either order.
    fd_a = int(ask(a, b"!fd\n").decode().removeprefix("fd="))
    # Paused from its own onReceive. BASE: the next packet, already read
    # in the same write, waits too (SWOOLE_PROCESS: the master may have
    # dispatched it before the pause arrives, as Swoole's reactor does).
    first = b"first\n" if (mode, framing) == ("base", "eof") else b""
    a.sendall(b"!pause\n" + first)
    assert recv_exactly(a, 11) == b"paused=true"
    a.sendall(b"second\n")
    assert_no_answer(a)
    assert ask(b, f"!resume {fd_a}\n".encode()) == b"resumed=true"
    assert recv_exactly(a, len(first) + 7) == first + b"second\n"
    # A closed fd: false and Swoole's error code (1005, session does not
    # exist), without a warning.
    assert ask(b, b"!resume 99\n") == b"resumed=false"
    srv.wait_for("resume error=1005\n")
    assert "Warning" not in srv.stdout(), srv.stdout()


@pytest.mark.parametrize("mode", ["base", "process"])
def test_bind_and_dispatch_mode_5(php_server, mode):
    srv = php_server("tcp.php", env={"SWTEST_MODE": mode},
                     settings={"worker_num": 2, "dispatch_mode": 5})
    c = connect(srv.port)
    info = json.loads(ask(c, b"!info"))
    assert list(info)[0] == "uid" and info["uid"] == 0
    assert ask(c, b"!bind 6") == b"bound=true"
    assert ask(c, b"!bind 7") == b"bound=false"
    info = json.loads(ask(c, b"!info"))
    assert info["uid"] == 6
    if mode == "process":
        # Bound: the uid picks the worker (6 % 2), not the fd (1 % 2).
        assert ask(c, b"!worker") == b"worker=0"
        d = connect(srv.port)
        assert ask(d, b"!worker") == b"worker=0"  # fd 2 % 2, not bound
        assert ask(d, b"!bind 3") == b"bound=true"
        assert ask(d, b"!worker") == b"worker=1"


def test_dispatch_func_picks_the_worker(php_server):
    srv = php_server("tcp.php", env={"SWTEST_MODE": "process", "SWTEST_DISPATCH_FUNC": "1"},
                     settings={"worker_num": 2})
    c = connect(srv.port)
    c.sendall(b"w1 !worker")
    assert c.recv(100) == b"worker=1"
    c.sendall(b"w0 !worker")
    assert c.recv(100) == b"worker=0"
    # Discarded: no answer; the connection still works.
    c.sendall(b"drop")
    assert_no_answer(c)
    c.sendall(b"w1 !worker")
    assert c.recv(100) == b"worker=1"
    # An id past the workers: Swoole's warning, the event dropped.
    c.sendall(b"w7 !worker")
    srv.wait_for("invalid target worker-id[7]")
    # -2 ("close the connection"): Swoole 6.2.2 drops the event and leaves
    # the connection open.
    c.sendall(b"kill")
    assert_no_answer(c)
    c.sendall(b"w0 !worker")
    assert c.recv(100) == b"worker=0"


def test_a_swoole_client_script_against_the_server(php_server, tmp_path):
    """The pairing old deployments use: a Swoole\\Client (from PHP-FPM or
    a CLI job) talking length-framed packets to a Swoole\\Server."""
    framing = {"open_length_check": True, "package_length_type": "N",
               "package_length_offset": 0, "package_body_offset": 4}
    srv = php_server("tcp.php", settings=framing)
    script = tmp_path / "client.php"
    script.write_text(f"""<?php
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(json_decode('{json.dumps(framing)}', true) + ['package_max_length' => 1 << 20]);
var_dump($c->connect('127.0.0.1', {srv.port}, 1.0));
foreach (['hello', str_repeat('x', 100000), ''] as $body) {{
    $c->send(pack('N', strlen($body)) . $body);
    $reply = $c->recv();
    var_dump(strlen($reply) === 4 + strlen($body) && substr($reply, 4) === $body);
}}
$c->send(pack('N', 7) . '!worker');
var_dump($c->recv(65536, Swoole\\Client::MSG_PEEK) !== false);
$c->close();
var_dump($c->isConnected());
""")
    client = php_server(script, wait=False, port=9)
    client.expect_exit = True
    assert client.wait_exit() == 0
    # The '!worker' answer is not length-framed: its first 4 bytes read
    # as a length over package_max_length, which Swoole logs (then '').
    lines = client.stdout().splitlines()
    logs = [l for l in lines if "\tWARNING\t" in l]
    assert len(logs) == 1 and "zim_swoole_client_recv() (ERRNO 1201): Package is too big." in logs[0]
    assert [l for l in lines if l not in logs] == ["bool(true)"] * 5 + ["bool(false)"]
    srv.wait_for("receive fd=1 len=100004")


@pytest.mark.parametrize("mode", ["base", "process"])
def test_close_with_reset_drops_the_queue_and_resets(php_server, mode):
    srv = php_server("tcp.php", env={"SWTEST_MODE": mode})
    c = connect(srv.port)
    c.sendall(b"!reset")
    srv.wait_for("reset=true")
    # What the socket took at once arrives, the rest of the queue is
    # dropped, then a FIN (Swoole 6.2.2's build sets no SO_LINGER).
    got = len(recv_until_closed(c))
    assert got <= 4 << 20
    srv.wait_for("close fd=1 reactor=-1")
