"""Datagram and unix ports: UDP (`onPacket`, `sendto()`), unix stream and
unix datagram sockets, beside a TCP port on one server, in both modes."""

import json
import os
import socket
import time

import pytest

from conftest import free_port


def udp_ask(port, data: bytes, timeout=10.0, host="127.0.0.1"):
    """Sends `data` until an answer comes (the server may still be starting)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            s.sendto(data, (host, port))
            try:
                return s.recvfrom(65536)
            except socket.timeout:
                continue
        raise AssertionError(f"no answer from udp port {port}")
    finally:
        s.close()


def test_the_udp_documentation_example(php_server):
    port = free_port()
    srv = php_server("udp_doc_example.php", port=port, wait=False)
    data, frm = udp_ask(port, b"hello")
    assert data == "Server：hello".encode()
    assert frm == ("127.0.0.1", port)
    out = srv.wait_for('["port"]=>')
    # The client info array: Swoole's keys, in its order.
    keys = [l.strip() for l in srv.stdout().splitlines() if l.strip().startswith('["')]
    assert keys[:5] == ['["server_socket"]=>', '["dispatch_time"]=>', '["server_port"]=>',
                        '["address"]=>', '["port"]=>']


@pytest.fixture(params=["base-1", "base-2", "process-2"])
def mixed(request, php_server, tmp_path):
    env = {"SWTEST_MODE": "process"} if request.param.startswith("process") else {}
    workers = int(request.param[-1])
    udp = free_port()
    srv = php_server("mixed_ports.php", udp, str(tmp_path), env=env,
                     settings={"worker_num": workers})
    srv.udp = udp
    srv.dir = tmp_path
    udp_ask(udp, b"ping")  # the UDP port answers too
    return srv


def test_every_kind_of_port_on_one_server(mixed):
    tcp = socket.create_connection(("127.0.0.1", mixed.port), timeout=5)
    tcp.sendall(b"abc")
    assert tcp.recv(100) == b"tcp:abc"
    data, _ = udp_ask(mixed.udp, b"x" * 1000)
    assert data == b"udp:" + b"x" * 1000
    us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    us.settimeout(5)
    us.connect(str(mixed.dir / "stream.sock"))
    us.sendall(b"one\ntw")
    time.sleep(0.05)
    us.sendall(b"o\n")
    got = b""
    while len(got) < len(b"unix:one\nunix:two\n"):
        got += us.recv(100)
    assert got == b"unix:one\nunix:two\n"
    info = mixed.wait_for("unix info")
    assert 'unix info [5,"",0]' in mixed.stdout()
    ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    client_path = str(mixed.dir / "client.sock")
    ud.bind(client_path)
    ud.settimeout(5)
    ud.sendto(b"hey", str(mixed.dir / "dgram.sock"))
    assert ud.recvfrom(100) == (b"dgram:hey", str(mixed.dir / "dgram.sock"))
    # send() takes a unix datagram peer's path too
    ud.sendto(b"by send", str(mixed.dir / "dgram.sock"))
    assert ud.recvfrom(100) == (b"send:by send", str(mixed.dir / "dgram.sock"))


def test_sendto_any_address_from_any_worker(mixed):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    data, _ = udp_ask(mixed.udp, f"!sendto 127.0.0.1 {port} out-of-band".encode())
    assert data == b"sent=true"
    got, frm = listener.recvfrom(100)
    assert got == b"out-of-band"
    assert frm[1] == mixed.udp
    # No UDP6 port: Swoole's warning and false.
    data, _ = udp_ask(mixed.udp, b"!sendto ::1 9 nope")
    assert data == b"sent=false"
    mixed.wait_for("UDP6 listener has to be added before executing sendto")


def test_a_udp_server_without_onpacket_is_a_fatal_error(php_server, tmp_path):
    script = tmp_path / "nopacket.php"
    script.write_text("<?php $s = new Swoole\\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE, SWOOLE_SOCK_UDP);"
                      "$s->on('receive', function () {}); $s->start();")
    srv = php_server(script, wait=False)
    srv.expect_exit = True
    assert srv.wait_exit() == 255
    assert "require onPacket callback" in srv.stdout() + srv.stderr()


def test_listen_on_a_taken_port_returns_false_quietly(php_server, tmp_path):
    """As Swoole 6.2.2: false, the errno in swoole_last_error(), no warning."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    script = tmp_path / "taken.php"
    script.write_text(f"""<?php
$s = new Swoole\\Server('127.0.0.1', (int)$argv[1]);
var_dump($s->listen('127.0.0.1', {port}, SWOOLE_SOCK_TCP));
var_dump(count($s->ports), swoole_last_error());
""")
    srv = php_server(script, wait=False)
    srv.expect_exit = True
    srv.wait_exit()
    out = srv.stdout()
    assert out == "bool(false)\nint(1)\nint(98)\n", out
