"""Swoole\\Client, the blocking client, against real Python socket servers
started by each test (threads): TCP, UDP, unix sockets, TLS, framing,
timeouts and the errors Swoole 6.2 reports."""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest

import urllib.error
import urllib.request

from conftest import php_cmd, require_extension, run_php


class Server:
    """A one-thread-per-connection server running `handler(conn)`; records
    the peers it accepted."""

    def __init__(self, handler, family=socket.AF_INET, path=None, tls=None):
        self.handler = handler
        self.peers = []
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_UNIX:
            self.sock.bind(path)
            self.port = 0
        else:
            self.sock.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
            self.port = self.sock.getsockname()[1]
        self.sock.listen(16)
        self.tls = tls
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.peers.append(peer)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.handler(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


@pytest.fixture
def server():
    made = []

    def make(handler=echo, **kw):
        s = Server(handler, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def php(code: str, timeout: float = 30.0):
    r = run_php(code="<?php\n" + code, timeout=timeout)
    return r


def ok(code: str, timeout: float = 30.0) -> str:
    r = php(code, timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Warning" not in r.stdout and "Fatal" not in r.stdout, r.stdout
    return r.stdout


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------
# TCP
# --------------------------------------------------------------------------

def test_tcp_echo_connect_send_recv_close(server):
    srv = server()
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
var_dump($c->isConnected());
var_dump($c->connect('127.0.0.1', {srv.port}));
var_dump($c->isConnected(), $c->sock > 2, $c->errCode);
var_dump($c->send("hello"));
var_dump($c->recv());
$n = $c->getsockname();
echo json_encode(array_keys($n)), " ", $n['host'], " ", $n['port'], "\\n";
$p = $c->getpeername();
echo $p['host'], " ", $p['port'], "\\n";
var_dump($c->close());
var_dump($c->isConnected());
""")
    lines = out.splitlines()
    assert lines[:7] == ["bool(false)", "bool(true)", "bool(true)", "bool(true)",
                         "int(0)", "int(5)", 'string(5) "hello"']
    names = lines[7].split()
    assert names[0] == '["port","host"]' and names[1] == "127.0.0.1"
    assert int(names[2]) == srv.peers[0][1]
    assert lines[8] == f"127.0.0.1 {srv.port}"
    assert lines[9:] == ["bool(true)", "bool(false)"]


def test_recv_returns_empty_string_once_the_server_closed(server):
    def bye(conn):
        conn.recv(100)
        conn.sendall(b"bye")
        conn.shutdown(socket.SHUT_RDWR)

    srv = server(bye)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->connect('127.0.0.1', {srv.port}, 5);
$c->send("x");
var_dump($c->recv());
var_dump($c->recv());
var_dump($c->errCode);
""")
    assert out.splitlines() == ['string(3) "bye"', 'string(0) ""', "int(0)"]


def test_connect_refused_warns_like_swoole(server):
    port = closed_port()
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
var_dump($c->connect('127.0.0.1', {port}));
var_dump($c->errCode, swoole_last_error(), $c->isConnected());
""")
    assert r.returncode == 0, r.stderr
    assert (f"Warning: Swoole\\Client::connect(): connect to server[127.0.0.1:{port}] failed. "
            "Error: Connection refused[111]") in r.stdout
    values = [ln for ln in r.stdout.splitlines() if ln and not ln.startswith("Warning")]
    assert values == ["bool(false)", "int(111)", "int(111)", "bool(false)"]


def test_methods_on_an_unconnected_client_warn_with_5001():
    r = php("""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
var_dump($c->send("x"), $c->errCode, swoole_last_error());
var_dump($c->recv());
var_dump($c->getsockname());
var_dump($c->close());
var_dump($c->send(""));
""")
    out = r.stdout
    assert out.count("Warning: Swoole\\Client::send(): client is not connected to server") == 1
    assert "Warning: Swoole\\Client::recv(): client is not connected to server" in out
    assert "Warning: Swoole\\Client::getsockname(): client is not connected to server" in out
    assert "Warning: Swoole\\Client::close(): client is not connected to the server" in out
    assert "Warning: Swoole\\Client::send(): data to send is empty" in out
    values = [ln for ln in out.splitlines() if ln and not ln.startswith("Warning")]
    assert values == ["bool(false)", "int(5001)", "int(510)", "bool(false)", "bool(false)",
                      "bool(false)", "bool(false)"]


def test_recv_timeout_is_false_with_eagain(server):
    srv = server(lambda conn: conn.recv(100) and time.sleep(5))
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
var_dump($c->connect('127.0.0.1', {srv.port}, 0.3));
$c->send("wait");
$t = microtime(true);
var_dump($c->recv());
$e = microtime(true) - $t;
var_dump($c->errCode, swoole_last_error());
echo $e > 0.2 && $e < 2 ? "in time\\n" : "took $e\\n";
var_dump($c->isConnected());
""")
    assert r.returncode == 0, r.stderr
    assert ("Warning: Swoole\\Client::recv(): recv() failed, Error: Resource temporarily "
            "unavailable[11]") in r.stdout
    values = [ln for ln in r.stdout.splitlines() if ln and not ln.startswith("Warning")]
    assert values == ["bool(true)", "bool(false)", "int(11)", "int(11)", "in time", "bool(true)"]


def test_wait_all_and_peek_flags(server):
    def slow(conn):
        conn.recv(100)
        for part in (b"ab", b"cd", b"ef"):
            conn.sendall(part)
            time.sleep(0.05)

    srv = server(slow)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->connect('127.0.0.1', {srv.port}, 5);
$c->send("go");
var_dump($c->recv(4, Swoole\\Client::MSG_WAITALL));
var_dump($c->recv(2, Swoole\\Client::MSG_PEEK));
var_dump($c->recv(2, 1));
""")
    assert out.splitlines() == ['string(4) "abcd"', 'string(2) "ef"', 'string(2) "ef"']


def test_tcp6(server):
    srv = server(family=socket.AF_INET6)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP6);
var_dump($c->connect('::1', {srv.port}));
$c->send("six");
var_dump($c->recv(), $c->getpeername()['host']);
""")
    assert out.splitlines() == ["bool(true)", 'string(3) "six"', 'string(3) "::1"']


# --------------------------------------------------------------------------
# Framing
# --------------------------------------------------------------------------

def test_length_framing_returns_whole_packets(server):
    def packets(conn):
        conn.recv(100)
        pkt = lambda body: len(body).to_bytes(4, "big") + body  # noqa: E731
        # Two packets in one write.
        conn.sendall(pkt(b"first") + pkt(b"second!"))
        time.sleep(0.1)
        # One packet over three writes.
        p = pkt(b"x" * 3000)
        for part in (p[:2], p[2:1500], p[1500:]):
            conn.sendall(part)
            time.sleep(0.05)
        conn.sendall(pkt(b""))

    srv = server(packets)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set([
    'open_length_check' => true,
    'package_length_type' => 'N',
    'package_length_offset' => 0,
    'package_body_offset' => 4,
    'package_max_length' => 1024 * 1024,
]);
var_dump($c->connect('127.0.0.1', {srv.port}, 5));
$c->send("go");
foreach (range(1, 4) as $i) {{
    $p = $c->recv();
    echo strlen($p), " ", json_encode(substr($p, 4, 8)), " ", unpack('N', $p)[1], "\\n";
}}
var_dump($c->recv());
""")
    assert out.splitlines() == ["bool(true)", '9 "first" 5', '11 "second!" 7',
                                '3004 "xxxxxxxx" 3000', '4 "" 0', 'string(0) ""']


def test_length_framing_too_large_packet_is_empty_string(server):
    def big(conn):
        conn.recv(100)
        conn.sendall((5000).to_bytes(4, "big") + b"y" * 5000)
        time.sleep(1)

    srv = server(big)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(['open_length_check' => true, 'package_body_offset' => 4, 'package_max_length' => 1000]);
$c->connect('127.0.0.1', {srv.port}, 5);
$c->send("go");
var_dump($c->recv());
""")
    lines = out.splitlines()
    # Swoole's log line, then ''.
    assert len(lines) == 2 and lines[1] == 'string(0) ""', out
    assert lines[0].endswith(
        "\tWARNING\tzim_swoole_client_recv() (ERRNO 1201): Package is too big. package_length=5004"
    ), out


def test_eof_split_returns_one_packet_per_recv(server):
    def lines(conn):
        conn.recv(100)
        conn.sendall(b"a\r\nbb\r\n")
        time.sleep(0.1)
        conn.sendall(b"cc")
        time.sleep(0.1)
        conn.sendall(b"c\r")
        time.sleep(0.05)
        conn.sendall(b"\ndd")
        time.sleep(0.1)

    srv = server(lines)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(['open_eof_check' => true, 'open_eof_split' => true, 'package_eof' => "\\r\\n"]);
$c->connect('127.0.0.1', {srv.port}, 5);
$c->send("go");
for ($i = 0; $i < 4; $i++) echo json_encode($c->recv()), "\\n";
""")
    # The last one: the peer closed with "dd" and no delimiter.
    assert out.splitlines() == ['"a\\r\\n"', '"bb\\r\\n"', '"ccc\\r\\n"', '""']


def test_eof_check_without_delimiter_times_out(server):
    srv = server(lambda conn: conn.recv(100) and conn.sendall(b"no end") or time.sleep(3))
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(['open_eof_check' => true, 'package_eof' => "\\n"]);
$c->connect('127.0.0.1', {srv.port}, 0.3);
$c->send("go");
var_dump(@$c->recv(), $c->errCode);
""")
    assert r.stdout.splitlines() == ["bool(false)", "int(11)"], r.stdout + r.stderr


def test_bad_package_eof_is_swooles_fatal_error(server):
    srv = server()
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(['open_eof_check' => true, 'package_eof' => str_repeat('x', 9)]);
$c->connect('127.0.0.1', {srv.port});
echo "not reached\\n";
""")
    assert r.returncode == 255
    assert "Fatal error: Swoole\\Client::connect(): package_eof max length is 8" in r.stdout
    assert "not reached" not in r.stdout


# --------------------------------------------------------------------------
# UDP and unix sockets
# --------------------------------------------------------------------------

@pytest.fixture
def udp_echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(10)
    seen = []

    def run():
        while True:
            try:
                data, peer = s.recvfrom(65536)
            except OSError:
                return
            seen.append(data)
            s.sendto(b"echo:" + data, peer)

    threading.Thread(target=run, daemon=True).start()
    yield s.getsockname()[1], seen
    s.close()


def test_udp_send_sendto_recv(udp_echo):
    port, seen = udp_echo
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_UDP);
var_dump($c->connect('127.0.0.1', {port}, 2));
var_dump($c->send("one"));
var_dump($c->recv());
var_dump($c->getpeername());
var_dump($c->sendto('127.0.0.1', {port}, "two"));
var_dump($c->recv());
$d = new Swoole\\Client(SWOOLE_SOCK_UDP);
var_dump($d->sendto('127.0.0.1', {port}, "three"), $d->isConnected());
$t = new Swoole\\Client(SWOOLE_SOCK_TCP);
var_dump($t->sendto('127.0.0.1', {port}, "x"), $t->errCode);
""")
    lines = out.splitlines()
    # Swoole's log line for sendto() on a TCP client.
    log = [i for i, l in enumerate(lines) if "\tWARNING\t" in l]
    assert len(log) == 1 and lines[log[0]].endswith(
        "Client::sendto(): only supports SWOOLE_SOCK_(UDP/UDP6/UNIX_DGRAM)"
    ), out
    del lines[log[0]]
    assert lines == [
        "bool(true)", "int(3)", 'string(8) "echo:one"',
        "array(2) {", '  ["port"]=>', f"  int({port})", '  ["host"]=>', '  string(9) "127.0.0.1"', "}",
        "bool(true)", 'string(8) "echo:two"', "bool(true)", "bool(true)",
        "bool(false)", "int(507)",
    ]
    assert seen == [b"one", b"two", b"three"]


def test_udp_recv_timeout(udp_echo):
    port, _ = udp_echo
    r = php("""
$c = new Swoole\\Client(SWOOLE_SOCK_UDP);
$c->connect('127.0.0.1', 9, 0.2);
$t = microtime(true);
var_dump(@$c->recv(), $c->errCode);
echo microtime(true) - $t < 2 ? "in time\\n" : "late\\n";
""")
    assert r.stdout.splitlines() == ["bool(false)", "int(11)", "in time"], r.stdout + r.stderr


def test_unix_stream(server, tmp_path):
    path = str(tmp_path / "echo.sock")
    server(family=socket.AF_UNIX, path=path)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_UNIX_STREAM);
var_dump($c->connect('{path}'));
$c->send("over unix");
var_dump($c->recv());
var_dump($c->getpeername());
$c->close();
$d = new Swoole\\Client(SWOOLE_SOCK_UNIX_STREAM);
var_dump(@$d->connect('{path}.missing'), $d->errCode);
""")
    assert out.splitlines() == [
        "bool(true)", 'string(9) "over unix"',
        "array(2) {", '  ["port"]=>', "  int(0)", '  ["host"]=>', f'  string({len(path)}) "{path}"',
        "}", "bool(false)", "int(2)",
    ]


def test_unix_dgram(tmp_path):
    path = str(tmp_path / "dgram.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)

    def run():
        data, peer = s.recvfrom(1000)
        s.sendto(data.upper(), peer)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_UNIX_DGRAM);
var_dump($c->connect('{path}', 0, 2));
var_dump($c->send("quiet"));
var_dump($c->recv());
""")
    finally:
        s.close()
    assert out.splitlines() == ["bool(true)", "int(5)", 'string(5) "QUIET"']


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("client-tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(crt), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost",
         "-addext", "basicConstraints=critical,CA:FALSE"],
        check=True, capture_output=True, timeout=60,
    )
    return crt, key


@pytest.fixture
def tls_server(server, cert):
    crt, key = cert
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    names = []

    def sni(sock, name, _ctx):
        names.append(name)

    ctx.sni_callback = sni
    srv = server(tls=ctx)
    srv.sni = names
    return srv


SELF_SIGNED_NOTICE = (r"\[[^\]]+\]\tNOTICE\tSocket::ssl_verify\(\) \(ERRNO 1014\): "
                      r"self signed certificate from fd#\d+ is not allowed")


def test_ssl_echo_accepts_a_self_signed_certificate_by_default(tls_server):
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_SSL);
var_dump($c->connect('127.0.0.1', {tls_server.port}, 5));
var_dump($c->send("secret"));
var_dump($c->recv());
echo substr($c->getPeerCert(), 0, 27), "\\n";
var_dump($c->verifyPeerCert());
var_dump($c->close());
""")
    lines = out.splitlines()
    # verifyPeerCert() refuses the self-signed certificate with Swoole's
    # log line (the client socket's fd varies).
    assert re.fullmatch(SELF_SIGNED_NOTICE, lines[4]), out
    del lines[4]
    assert lines == ["bool(true)", "int(6)", 'string(6) "secret"',
                     "-----BEGIN CERTIFICATE-----", "bool(false)", "bool(true)"]
    assert tls_server.sni == [None]


def test_ssl_verify_peer(tls_server, cert):
    crt, _ = cert
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_SSL);
$c->set(['ssl_verify_peer' => true]);
var_dump($c->connect('127.0.0.1', {tls_server.port}, 5), $c->errCode);
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_SSL);
$c->set(['ssl_verify_peer' => true, 'ssl_cafile' => '{crt}', 'ssl_host_name' => 'localhost']);
var_dump($c->connect('127.0.0.1', {tls_server.port}, 5));
$c->send("checked");
var_dump($c->recv(), $c->verifyPeerCert());
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_SSL);
$c->set(['ssl_verify_peer' => true, 'ssl_cafile' => '{crt}', 'ssl_host_name' => 'example.com']);
var_dump(@$c->connect('127.0.0.1', {tls_server.port}, 5), $c->errCode);
""")
    assert ("Warning: Swoole\\Client::connect(): connect to server"
            f"[127.0.0.1:{tls_server.port}] failed. Error: SSL verify failed[1014]") in r.stdout
    lines = [ln for ln in r.stdout.splitlines() if ln and not ln.startswith("Warning")]
    # Swoole's log lines: the self-signed certificate, then the host name.
    logged = [ln for ln in lines if ln.startswith("[")]
    assert len(logged) == 2 and re.fullmatch(SELF_SIGNED_NOTICE, logged[0]), r.stdout
    assert logged[1].endswith("\tWARNING\tSocket::ssl_check_host(): X509_check_host(): no match"), r.stdout
    values = [ln for ln in lines if not ln.startswith("[")]
    # The last errCode: not 0 (1014 here; Swoole leaves connect()'s 115).
    assert values[:6] == ["bool(false)", "int(1014)", "bool(true)", 'string(7) "checked"',
                          "bool(true)", "bool(false)"], r.stdout
    assert len(values) == 7 and values[6] != "int(0)", r.stdout
    assert "localhost" in tls_server.sni


def test_enable_ssl_on_a_plain_connection(tls_server):
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
var_dump($c->connect('127.0.0.1', {tls_server.port}, 5));
var_dump($c->enableSSL());
$c->send("upgraded");
var_dump($c->recv());
""")
    assert out.splitlines() == ["bool(true)", "bool(true)", 'string(8) "upgraded"']


def test_ssl_recv_timeout(server, cert):
    crt, key = cert
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv = server(lambda conn: conn.recv(100) and time.sleep(3), tls=ctx)
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_SSL);
var_dump($c->connect('127.0.0.1', {srv.port}, 0.5));
$c->send("wait");
var_dump(@$c->recv(), $c->errCode);
""")
    assert r.stdout.splitlines() == ["bool(true)", "bool(false)", "int(11)"], r.stdout + r.stderr


# --------------------------------------------------------------------------
# SWOOLE_KEEP, set(), the constructor
# --------------------------------------------------------------------------

def test_keep_reuses_the_connection(server):
    srv = server()
    out = ok(f"""
$a = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_KEEP);
var_dump($a->connect('127.0.0.1', {srv.port}, 2), $a->reuse);
$a->send("1");
$a->recv();
$sock = $a->sock;
$a->close();
$b = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_KEEP);
var_dump($b->connect('127.0.0.1', {srv.port}, 2), $b->reuse, $b->reuseCount, $b->sock === $sock);
$b->send("2");
var_dump($b->recv());
$b->close(true);
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_KEEP);
var_dump($c->connect('127.0.0.1', {srv.port}, 2), $c->reuse);
""")
    assert out.splitlines() == ["bool(true)", "bool(false)", "bool(true)", "bool(true)",
                                "int(1)", "bool(true)", 'string(1) "2"', "bool(true)",
                                "bool(false)"]
    # The third connect may end the script before the test server's
    # thread has noted its peer.
    deadline = time.time() + 3
    while len(srv.peers) < 2 and time.time() < deadline:
        time.sleep(0.02)
    assert len(srv.peers) == 2


@pytest.fixture
def web(tmp_path):
    """PHP's built-in web server with the extension: one process serving
    request after request, as a PHP-FPM worker does, so what a request
    leaves behind is seen by the next one. `get(name)` requests
    tmp_path/name and returns (status, body)."""
    require_extension()
    port = closed_port()
    proc = subprocess.Popen(php_cmd() + ["-S", f"127.0.0.1:{port}", "-t", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "php -S did not start"
            time.sleep(0.05)

    def get(name):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{name}", timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    yield get
    proc.terminate()
    proc.wait(timeout=10)


def test_a_fatal_error_does_not_leak_the_connection(server, web, tmp_path):
    # After a fatal error (not an uncaught exception: PHP still runs
    # destructors after those) PHP runs no destructors: the request's end
    # must still close the socket, while the process lives on.
    closed = threading.Event()

    def echo_then_note_close(conn):
        echo(conn)
        closed.set()

    srv = server(echo_then_note_close)
    (tmp_path / "fatal.php").write_text(f"""<?php
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->connect('127.0.0.1', {srv.port}, 2);
$c->send("hi");
echo $c->recv(), "\\n";
ini_set('memory_limit', '8M');
$s = str_repeat('x', 16 << 20);
""")
    _, body = web("fatal.php")
    assert body.startswith("hi\n") and "Allowed memory size" in body, body
    assert closed.wait(5), "the connection is still open after the request ended"
    assert len(srv.peers) == 1


def test_a_keep_connection_survives_a_fatal_error(server, web, tmp_path):
    srv = server()
    (tmp_path / "keep.php").write_text(f"""<?php
$c = new Swoole\\Client(SWOOLE_SOCK_TCP | SWOOLE_KEEP);
$c->connect('127.0.0.1', {srv.port}, 2);
$c->send("hi");
echo json_encode([$c->reuse, $c->reuseCount, $c->recv()]), "\\n";
if (isset($_GET['fatal'])) {{
    ini_set('memory_limit', '8M');
    $s = str_repeat('x', 16 << 20);
}}
""")
    _, body = web("keep.php?fatal=1")
    assert body.startswith('[false,0,"hi"]\n') and "Allowed memory size" in body, body
    status, body = web("keep.php")
    assert (status, body) == (200, '[true,1,"hi"]\n')
    assert len(srv.peers) == 1


def test_set_merges_into_setting_and_constructor_checks():
    r = php("""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP, SWOOLE_SOCK_SYNC, 'conn-1');
var_dump($c->set(['open_eof_check' => true, 'package_eof' => "\\n"]));
var_dump($c->set(['package_eof' => "\\r\\n", 5]));
echo json_encode($c->setting), " ", $c->id, " ", $c->type, "\\n";
var_dump($c->set("x"));
try { new Swoole\\Client(SWOOLE_SOCK_TCP, true); } catch (Error $e) { echo get_class($e), ": ", $e->getMessage(), "\\n"; }
try { new Swoole\\Client(42); } catch (Error $e) { echo get_class($e), ": ", $e->getMessage(), "\\n"; }
var_dump(Swoole\\Client::MSG_WAITALL, Swoole\\Client::MSG_PEEK, Swoole\\Client::SHUT_WR);
""")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "bool(true)", "bool(true)",
        '{"open_eof_check":true,"package_eof":"\\r\\n","0":5} conn-1 1',
        "bool(false)",
        "Error: The $async parameter is not supported",
        "TypeError: Swoole\\Client::__construct() expects parameter 1 to be client type, "
        "unknown type 42 given",
        "int(256)", "int(2)", "int(1)",
    ]


def test_sendfile(server, tmp_path):
    got = []

    def collect(conn):
        buf = b""
        while len(buf) < 10:
            d = conn.recv(100)
            if not d:
                break
            buf += d
        got.append(buf)
        conn.sendall(b"ok")

    srv = server(collect)
    f = tmp_path / "data.txt"
    f.write_bytes(b"0123456789abcdef")
    r = php(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->connect('127.0.0.1', {srv.port}, 2);
var_dump(@$c->sendfile('{f}', -1));
var_dump($c->sendfile('{f}', 2, 10));
var_dump($c->recv());
var_dump(@$c->sendfile('{f}.missing'), $c->errCode);
""")
    lines = r.stdout.splitlines()
    # Swoole's log lines for what check_sendfile_parameters() refuses.
    logs = [l.split("\tWARNING\t", 1)[1] for l in lines if "\tWARNING\t" in l]
    assert logs == [
        "network::check_sendfile_parameters() (ERRNO 505): length[0] or offset[-1] is invalid",
        f"network::check_sendfile_parameters(): open('{f}.missing') failed, Error: No such file or directory[2]",
    ], r.stdout
    assert [l for l in lines if "\tWARNING\t" not in l] == [
        "bool(false)", "bool(true)", 'string(2) "ok"', "bool(false)", "int(503)"
    ], r.stdout + r.stderr
    assert got == [b"23456789ab"]


def test_shutdown_write_lets_the_server_see_eof(server):
    def until_eof(conn):
        buf = b""
        while True:
            d = conn.recv(100)
            if not d:
                break
            buf += d
        conn.sendall(b"got " + buf)

    srv = server(until_eof)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->connect('127.0.0.1', {srv.port}, 2);
$c->send("all of it");
var_dump($c->shutdown(Swoole\\Client::SHUT_WR));
var_dump($c->shutdown(Swoole\\Client::SHUT_WR));
var_dump($c->recv());
""")
    assert out.splitlines() == ["bool(true)", "bool(false)", 'string(13) "got all of it"']


def test_package_max_length_takes_ini_sizes(server):
    def big(conn):
        conn.recv(100)
        conn.sendall((3000).to_bytes(4, "big") + b"z" * 3000)
        time.sleep(0.5)

    srv = server(big)
    out = ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(['open_length_check' => true, 'package_body_offset' => 4, 'package_max_length' => '4k']);
var_dump($c->connect('127.0.0.1', {srv.port}, 5));
$c->send("go");
var_dump(strlen($c->recv()));
""")
    assert out.splitlines() == ["bool(true)", "int(3004)"], out


def length_func_client(port: int, packets: int) -> str:
    return ok(f"""
$c = new Swoole\\Client(SWOOLE_SOCK_TCP);
$c->set(['package_length_func' => function ($data) {{
    return strlen($data) < 2 ? 0 : 2 + unpack('n', $data)[1];
}}]);
var_dump($c->connect('127.0.0.1', {port}, 5));
$c->send("go");
for ($i = 0; $i < {packets}; $i++) {{
    echo json_encode(substr($c->recv(), 2)), "\\n";
}}
""")


def test_package_length_func_frames_what_recv_returns(server):
    """The script's function gets the buffered bytes and answers the
    length of the first packet (0: more bytes needed)."""
    def packets(conn):
        conn.recv(100)
        for p in (b"\x00\x03one", b"\x00\x05three"):
            conn.sendall(p)
            time.sleep(0.2)
        time.sleep(0.5)

    srv = server(packets)
    out = length_func_client(srv.port, 2)
    assert out.splitlines() == ["bool(true)", '"one"', '"three"'], out


def test_package_length_func_keeps_the_packets_after_the_first(server):
    """Several packets in one read: one per recv(), none lost; a header
    split over two reads (Swoole's blocking client returns the whole read
    for the first, drops the rest, and fails the split one)."""
    def packets(conn):
        conn.recv(100)
        conn.sendall(b"\x00\x03one\x00\x03two\x00\x05three\x00")
        time.sleep(0.3)
        conn.sendall(b"\x04four")
        time.sleep(0.5)

    srv = server(packets)
    out = length_func_client(srv.port, 4)
    assert out.splitlines() == ["bool(true)", '"one"', '"two"', '"three"', '"four"'], out
