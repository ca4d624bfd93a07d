"""wss:// and https:// on one SWOOLE_SSL port (rustls), with a certificate
made at test time."""

import socket
import ssl
import subprocess

import pytest

from swtest import ws_connect


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(crt), "-days", "2", "-subj", "/CN=localhost"],
        check=True, capture_output=True, timeout=60,
    )
    return crt, key


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def test_wss_echo_and_https_on_one_port(php_server, cert):
    crt, key = cert
    srv = php_server("wss.php", env={"SWTEST_CERT": str(crt), "SWTEST_KEY": str(key)})
    from websockets.sync.client import connect

    with connect(f"wss://127.0.0.1:{srv.port}/", ssl=client_context(), open_timeout=5) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "tls:hello"
        big = "x" * 300_000
        ws.send(big)
        assert ws.recv(timeout=10) == "tls:" + big
    srv.wait_for("open fd=1 ssl=true\n")
    srv.wait_for("close fd=1\n")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
        with client_context().wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data
    assert data.endswith(b"https /page"), data


def test_an_x509_v1_certificate_as_tutorials_make_it(php_server, php, tmp_path):
    """`openssl x509 -req -signkey` without extensions makes an X.509 v1
    certificate (many tutorials, and Swoole's own test certificates): it
    is served as OpenSSL serves it. A key that does not belong to the
    certificate is still refused."""
    key, csr, crt = tmp_path / "v1.key", tmp_path / "v1.csr", tmp_path / "v1.crt"
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True, timeout=60)
    run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=localhost")
    run("x509", "-req", "-days", "2", "-in", str(csr), "-signkey", str(key), "-out", str(crt))
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(crt)],
                          capture_output=True, text=True, check=True).stdout
    assert "Version: 1 (0x0)" in text, text[:300]
    srv = php_server("wss.php", env={"SWTEST_CERT": str(crt), "SWTEST_KEY": str(key)})
    from websockets.sync.client import connect

    with connect(f"wss://127.0.0.1:{srv.port}/", ssl=client_context(), open_timeout=5) as ws:
        ws.send("v1")
        assert ws.recv(timeout=5) == "tls:v1"
    # the v1 certificate with another key: refused
    other = tmp_path / "other.key"
    run("genrsa", "-out", str(other), "2048")
    res = php(code=f"""<?php
$s = new Swoole\\WebSocket\\Server('127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_TCP | SWOOLE_SSL);
$s->set(['ssl_cert_file' => '{crt}', 'ssl_key_file' => '{other}']);
$s->on('message', function () {{}});
$s->start();
echo "not reached\\n";
""")
    assert res.returncode == 255 and "do not make a usable pair" in res.stdout, res.stdout
    assert "not reached" not in res.stdout


def test_plain_client_on_tls_port_is_dropped_without_harm(php_server, cert):
    crt, key = cert
    srv = php_server("wss.php", env={"SWTEST_CERT": str(crt), "SWTEST_KEY": str(key)})
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        try:
            s.recv(100)
        except (ConnectionResetError, socket.timeout):
            pass
    from websockets.sync.client import connect

    with connect(f"wss://127.0.0.1:{srv.port}/", ssl=client_context(), open_timeout=5) as ws:
        ws.send("still fine")
        assert ws.recv(timeout=5) == "tls:still fine"


@pytest.mark.parametrize("settings, log, message", [
    ("'ssl_cert_file' => '/nonexistent/cert.pem', 'ssl_key_file' => '/nonexistent/key.pem'",
     "WARNING\tSSLContext::set_cert_file(): ssl cert file[/nonexistent/cert.pem] not found",
     "ssl cert file[/nonexistent/cert.pem] not found"),
    ("'ssl_key_file' => '/nonexistent/key.pem'",
     "WARNING\tSSLContext::set_key_file(): ssl key file[/nonexistent/key.pem] not found",
     "ssl key file[/nonexistent/key.pem] not found"),
    ("'worker_num' => 1",
     "ERROR\tListenPort::ssl_context_create() (ERRNO 509): require `ssl_cert_file` and `ssl_key_file` options",
     "ssl_init() failed"),
], ids=["missing-cert", "missing-key", "none"])
def test_a_bad_certificate_setting_is_a_fatal_error_in_set(php, settings, log, message):
    """As Swoole: set() on an SSL port checks the files (its log line, then
    a fatal error) and that both are named."""
    res = php(code=f"""<?php
$s = new Swoole\\WebSocket\\Server('127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_TCP | SWOOLE_SSL);
$s->set([{settings}]);
echo "not reached\\n";
""")
    assert res.returncode == 255, res.stdout + res.stderr
    assert log in res.stdout, res.stdout
    assert f"Fatal error: Swoole\\Server\\Port::set(): {message} in " in res.stdout, res.stdout
    assert "not reached" not in res.stdout


def test_an_ssl_port_never_set_fails_start_with_an_exception(php):
    """swoole-rs: without set() there is no certificate, and start() says so
    (Swoole 6.2.2 starts the port without one)."""
    res = php(code="""<?php
$s = new Swoole\\WebSocket\\Server('127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_TCP | SWOOLE_SSL);
$s->on('message', function () {});
try {
    $s->start();
} catch (Swoole\\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), "\\n";
}
""", timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Swoole\\Exception: ssl_cert_file is required for SWOOLE_SSL" in res.stdout, res.stdout


def test_a_tls_tcp_port_and_an_http_side_port_on_a_plain_server(php_server, cert, tmp_path):
    """Swoole\\Server with SWOOLE_SOCK_TCP | SWOOLE_SSL: onReceive gets the
    decrypted, framed packets; a side port opened to HTTP serves onRequest
    (Swoole warns about the class, and serves it all the same)."""
    crt, key = cert
    http_port = __import__("conftest").free_port()
    script = tmp_path / "tls_tcp.php"
    script.write_text(f"""<?php
$s = new Swoole\\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE, SWOOLE_SOCK_TCP | SWOOLE_SSL);
$s->set(['ssl_cert_file' => '{crt}', 'ssl_key_file' => '{key}',
         'open_eof_split' => true, 'package_eof' => "\\n"]);
$h = $s->listen('127.0.0.1', {http_port}, SWOOLE_SOCK_TCP);
$h->set(['open_http_protocol' => true]);
$h->on('request', function ($req, $resp) {{ $resp->end('http ' . $req->server['request_uri']); }});
$s->on('receive', function ($s, $fd, $r, $data) {{ $s->send($fd, strtoupper($data)); }});
$s->start();
""")
    srv = php_server(script)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
        with client_context().wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"one\ntwo\n")
            got = b""
            while len(got) < 8:
                got += tls.recv(100)
            assert got == b"ONE\nTWO\n"
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/x", timeout=5) as r:
        assert r.read() == b"http /x"
    assert ("Warning: Swoole\\Server::start(): use Swoole\\Server class and open http related "
            "protocols may lead to some errors (inconsistent class type)") in srv.stdout()
