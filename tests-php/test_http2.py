"""HTTP/2 (open_http2_protocol) with a real HTTP/2 client (Debian's curl,
nghttp2): h2c with prior knowledge and h2 over TLS by ALPN, on the same
port as HTTP/1.1 and WebSocket; onRequest unchanged, $request->streamId,
server_protocol "HTTP/2", write() as DATA frames, trailer(), compression,
POST bodies, many streams on one connection; in SWOOLE_BASE and in
SWOOLE_PROCESS with two workers (the master keeps the HTTP/2 connection,
a worker answers each stream)."""

import shutil
import subprocess

import pytest

from swtest import ws_connect

SERVER = r"""<?php
$ssl = getenv('SSL') === '1';
$mode = getenv('MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], $mode, $ssl ? SWOOLE_SOCK_TCP | SWOOLE_SSL : SWOOLE_SOCK_TCP);
$cfg = ['worker_num' => $mode === SWOOLE_PROCESS ? 2 : 1, 'open_http2_protocol' => true];
if ($ssl) {
    $cfg['ssl_cert_file'] = getenv('CERT');
    $cfg['ssl_key_file'] = getenv('KEY');
}
$s->set($cfg);
$s->on('message', fn ($s, $f) => $s->push($f->fd, $f->data));
$s->on('request', function ($req, $resp) {
    $p = $req->server['request_uri'];
    if ($p === '/stream') {
        $resp->write("part1,");
        $resp->write("part2,");
        $resp->trailer('x-checksum', 'abc');
        $resp->end("end");
        return;
    }
    if ($p === '/post') {
        $resp->end("got " . strlen($req->rawContent()) . " " . json_encode($req->post));
        return;
    }
    if ($p === '/big') {
        $resp->end(str_repeat("0123456789", 100000));
        return;
    }
    $resp->header('X-Stream', (string)$req->streamId);
    $resp->header('Connection', 'keep-alive'); // HTTP/2 forbids it: dropped
    $resp->status(201);
    $resp->end("proto={$req->server['server_protocol']} stream={$req->streamId} host={$req->header['host']} path=$p q={$req->get['q']}");
});
$s->start();
"""


def curl(*args, timeout=10):
    r = subprocess.run(["curl", "-s", "-S", *args], capture_output=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture
def h2_server(php_server, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (scripts/deps.sh installs it)")
    script = tmp_path / "h2.php"
    script.write_text(SERVER)

    def start(ssl=False, mode="base"):
        env = {"MODE": mode}
        if ssl:
            key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                 "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                check=True, capture_output=True,
            )
            env.update(SSL="1", CERT=str(cert), KEY=str(key))
        return php_server(str(script), env=env)

    return start


@pytest.mark.parametrize("mode", ["base", "process"])
@pytest.mark.parametrize("ssl", [False, True], ids=["h2c", "h2-alpn"])
def test_http2_requests_reach_on_request(h2_server, ssl, mode):
    srv = h2_server(ssl=ssl, mode=mode)
    scheme, mode = ("https", ["--http2", "-k"]) if ssl else ("http", ["--http2-prior-knowledge"])
    url = f"{scheme}://127.0.0.1:{srv.port}"
    out = curl(*mode, "-i", f"{url}/hello?q=1").decode().replace("\r", "")
    head, _, body = out.partition("\n\n")
    assert head.startswith("HTTP/2 201"), out
    assert "x-stream: 1" in head and "connection:" not in head.lower(), head
    assert "server: swoole-http-server" in head and "content-type: text/html" in head
    assert body == f"proto=HTTP/2 stream=1 host=127.0.0.1:{srv.port} path=/hello q=1"
    # write() streams DATA frames; trailer() ends the stream with trailers.
    out = curl(*mode, "-i", f"{url}/stream").decode().replace("\r", "")
    assert "part1,part2,end" in out and "x-checksum: abc" in out, out
    assert curl(*mode, "-d", "a=1&b=2", f"{url}/post") == b'got 7 {"a":"1","b":"2"}'
    # A body larger than the initial flow-control window, and gzip.
    assert len(curl(*mode, f"{url}/big")) == 1_000_000
    out = curl(*mode, "-i", "-H", "Accept-Encoding: gzip", f"{url}/big")
    assert b"content-encoding: gzip" in out and len(out) < 100_000
    # Several requests on one connection: odd stream ids 1, 3, 5. (Debian's
    # curl 7.88 does not reuse a prior-knowledge h2c connection: against
    # Swoole too it fails the second request; over TLS it does.)
    if ssl:
        out = curl(*mode, f"{url}/a", f"{url}/b", f"{url}/c").decode()
        assert "stream=1" in out and "stream=3" in out and "stream=5" in out, out
    # HTTP/1.1 and WebSocket still on the same port.
    out = curl(*(["-k"] if ssl else []), "--http1.1", "-i", f"{url}/one").decode()
    assert out.startswith("HTTP/1.1 201") and "proto=HTTP/1.1 stream=0" in out, out
    if not ssl:
        with ws_connect(srv.port) as ws:
            ws.send("hi")
            assert ws.recv(timeout=5) == "hi"


PING_SERVER = r"""<?php
$process = getenv('MODE') === 'process';
$s = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], $process ? SWOOLE_PROCESS : SWOOLE_BASE);
$s->set(['worker_num' => $process ? 2 : 1, 'open_http2_protocol' => true, 'log_level' => SWOOLE_LOG_WARNING]);
$s->on('request', function ($req, $resp) {
    switch ($req->server['request_uri']) {
        case '/ping':
            $ok = $resp->ping();
            $resp->end('pinged ' . var_export($ok, true));
            break;
        case '/goaway':
            $ok = $resp->goaway();
            $resp->end('bye ' . var_export($ok, true));
            break;
        case '/goaway11':
            $resp->goaway(11);
            break;
        default:
            $resp->end('hello');
    }
});
$s->start();
"""

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2_frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def h2_get(port: int, path: str, wait: float = 1.5) -> list:
    """A GET on stream 1 by a minimal HTTP/2 client (HPACK literals): the
    frames the server sends within `wait` seconds or until it closes, as
    (type, flags, stream, payload). SETTINGS and PINGs are acknowledged."""
    import socket
    import time

    block = b"\x82\x86" + b"\x04" + bytes([len(path)]) + path.encode() + b"\x01\x09localhost"
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.sendall(H2_PREFACE + h2_frame(4, 0, 0) + h2_frame(1, 0x5, 1, block))
    buf, frames = b"", []
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
                n = int.from_bytes(buf[:3], "big")
                kind, flags, stream = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                payload, buf = buf[9:9 + n], buf[9 + n:]
                frames.append((kind, flags, stream, payload))
                if kind == 4 and not flags & 1:
                    s.sendall(h2_frame(4, 1, 0))
                if kind == 6 and not flags & 1:
                    s.sendall(h2_frame(6, 1, 0, payload))
    finally:
        s.close()
    return frames


def data_of(frames, stream=1) -> bytes:
    return b"".join(p for k, _, st, p in frames if k == 0 and st == stream)


@pytest.mark.parametrize("mode", ["base", "process"])
def test_response_ping_and_goaway_reach_an_http2_client(php_server, tmp_path, mode):
    """Response::ping() sends a PING frame; goaway() a GOAWAY with the
    error code asked (NO_ERROR by default, the stream already open still
    answered); over HTTP/1.1 ping() warns and is false."""
    script = tmp_path / "h2ping.php"
    script.write_text(PING_SERVER)
    srv = php_server(str(script), env={"MODE": mode})

    frames = h2_get(srv.port, "/ping")
    assert any(k == 6 and not f & 1 and st == 0 for k, f, st, _ in frames), frames
    assert data_of(frames) == b"pinged true"

    frames = h2_get(srv.port, "/goaway")
    goaways = [p for k, _, st, p in frames if k == 7 and st == 0]
    assert goaways, frames
    assert all(int.from_bytes(p[4:8], "big") == 0 for p in goaways)
    assert data_of(frames) == b"bye true"

    frames = h2_get(srv.port, "/goaway11")
    codes = [int.from_bytes(p[4:8], "big") for k, _, st, p in frames if k == 7]
    assert 11 in codes, frames

    import socket

    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as c:
        c.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := c.recv(65536):
            reply += chunk
    assert reply.endswith(b"pinged false"), reply
    srv.wait_for("only supports websocket or http2 client", stream="all")


def test_http2_settings_are_announced(php_server, tmp_path):
    """http2_max_concurrent_streams, http2_init_window_size and
    http2_max_frame_size go into the server's SETTINGS frame."""
    script = tmp_path / "h2settings.php"
    script.write_text(r"""<?php
$s = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1, 'open_http2_protocol' => true, 'http2_max_concurrent_streams' => 7,
         'http2_init_window_size' => 1048576, 'http2_max_frame_size' => 32768]);
$s->on('request', fn ($req, $resp) => $resp->end('ok'));
$s->start();
""")
    srv = php_server(str(script))
    frames = h2_get(srv.port, "/", wait=1.0)
    settings = [p for k, f, st, p in frames if k == 4 and not f & 1]
    assert settings, frames
    values = {int.from_bytes(p[i:i + 2], "big"): int.from_bytes(p[i + 2:i + 6], "big")
              for p in settings for i in range(0, len(p), 6)}
    assert values[3] == 7 and values[4] == 1048576 and values[5] == 32768, values
    assert data_of(frames) == b"ok"
