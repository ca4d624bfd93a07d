"""Headless Chromium as the WebSocket client: the browser page from Swoole's
docs, served by the same server's onRequest, talks to the docs' echo server.

Chromium offers `permessage-deflate; client_max_window_bits`, compresses
what it sends when that is agreed, and fails the connection on any frame it
cannot inflate, so the compression configurations are checked by a strict,
independent implementation.
"""

import json

import pytest
from cdp import Browser, chromium_binary

pytestmark = pytest.mark.skipif(
    chromium_binary() is None, reason="chromium is not installed (scripts/deps.sh installs it)"
)

SERVER = r"""<?php
// The echo server from Swoole's WebSocket docs, plus onRequest serving the
// docs' browser client page.
$server = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1]);
$server->set(json_decode(getenv('SETTINGS'), true) ?: []);
$server->on('open', function (Swoole\WebSocket\Server $server, $request) {
    echo "server: handshake success with fd{$request->fd}\n";
});
$server->on('message', function (Swoole\WebSocket\Server $server, $frame) {
    echo "receive from {$frame->fd}:" . strlen($frame->data) . ",opcode:{$frame->opcode},fin:{$frame->finish}\n";
    $flags = SWOOLE_WEBSOCKET_FLAG_FIN | (getenv('PUSH_COMPRESSED') ? SWOOLE_WEBSOCKET_FLAG_COMPRESS : 0);
    $server->push($frame->fd, $frame->data, $frame->opcode, $flags);
});
$server->on('close', function ($ser, $fd) {
    echo "client {$fd} closed\n";
});
$server->on('request', function (Swoole\Http\Request $request, Swoole\Http\Response $response) {
    $response->header('Content-Type', 'text/html; charset=utf-8');
    $response->end(file_get_contents(getenv('PAGE')));
});
$server->start();
"""

# The docs' client script, logging into the page as well as the console.
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>swoole-rs echo</title></head>
<body><pre id="log"></pre>
<script>
window.events = [];
function log(line) {
    window.events.push(line);
    document.getElementById('log').textContent += line + "\\n";
    console.log(line);
}
var wsServer = 'ws://' + location.host + '/';
var websocket = new WebSocket(wsServer);
websocket.binaryType = 'arraybuffer';
websocket.onopen = function (evt) {
    log("Connected to WebSocket server.");
};
websocket.onclose = function (evt) {
    log("Disconnected " + evt.code + " " + evt.wasClean);
};
websocket.onmessage = function (evt) {
    if (typeof evt.data === 'string') {
        log('Retrieved data from server: ' + (evt.data.length > 64 ? evt.data.length + ' chars' : evt.data));
    } else {
        log('Retrieved binary data from server: ' + evt.data.byteLength + ' bytes');
    }
};
websocket.onerror = function (evt, e) {
    log('Error occured: ' + evt.data);
};

// Sends `data` and resolves with whether the next message echoes it exactly.
function roundTrip(data) {
    return new Promise(function (resolve) {
        websocket.addEventListener('message', function (evt) {
            if (typeof data === 'string') {
                resolve(evt.data === data);
            } else {
                var a = new Uint8Array(evt.data), b = new Uint8Array(data);
                resolve(a.length === b.length && a.every(function (v, i) { return v === b[i]; }));
            }
        }, {once: true});
        websocket.send(data);
    });
}
</script></body></html>
"""

SWOOLE_ANSWER = "permessage-deflate; client_no_context_takeover; server_no_context_takeover"

CONFIGS = {
    "plain": ({}, False, ""),
    "compression": ({"websocket_compression": True}, True, SWOOLE_ANSWER),
    "context-takeover": (
        {
            "websocket_compression": True,
            "websocket_compression_server_context_takeover": True,
            "websocket_compression_client_context_takeover": True,
        },
        True,
        "permessage-deflate",
    ),
}


@pytest.fixture(scope="module")
def browser():
    b = Browser(chromium_binary())
    yield b
    b.close()


@pytest.mark.parametrize("config", list(CONFIGS))
def test_docs_client_page_in_chromium(browser, php_server, tmp_path, config):
    settings, push_compressed, extensions = CONFIGS[config]
    (tmp_path / "page.html").write_text(PAGE)
    (tmp_path / "server.php").write_text(SERVER)
    env = {"SETTINGS": json.dumps(settings), "PAGE": str(tmp_path / "page.html")}
    if push_compressed:
        env["PUSH_COMPRESSED"] = "1"
    srv = php_server(str(tmp_path / "server.php"), env=env)
    page = browser.new_page(f"http://127.0.0.1:{srv.port}/")
    try:
        page.wait_for("window.events.includes('Connected to WebSocket server.')")
        assert page.eval("websocket.extensions") == extensions
        # The page request and Chromium's own extra connections take fds too.
        fd = srv.wait_for(r"server: handshake success with fd(\d+)\n", regex=True).group(1)

        assert page.eval("roundTrip('hello')") is True
        page.wait_for("window.events.includes('Retrieved data from server: hello')")
        srv.wait_for(f"receive from {fd}:5,opcode:1,fin:1\n")
        assert page.eval("roundTrip('grüße 🚀 ' + 'ünïcödé'.repeat(3))") is True
        # Repeats across and within messages: what context takeover is for.
        for i in range(20):
            assert page.eval(f"roundTrip(JSON.stringify({{type: 'chat', n: {i}, text: 'hello there '.repeat({i})}}))") is True
        # 256 KiB of text and 100 KB of pseudo-random binary.
        assert page.eval("roundTrip('0123456789abcdef'.repeat(16384))") is True
        assert page.eval(
            "roundTrip(new Uint8Array(100000).map((_, i) => (i * 2654435761 >>> 13) & 255).buffer)"
        ) is True
        srv.wait_for(f"receive from {fd}:100000,opcode:2,fin:1\n")
        assert page.eval("roundTrip('')") is True

        # The browser closes with a code of its own: a clean close both ways.
        page.eval("websocket.close(4000, 'bye')")
        page.wait_for("window.events.includes('Disconnected 4000 true')")
        srv.wait_for(f"client {fd} closed\n")
        assert not any(e.startswith("Error") for e in page.eval("window.events")), page.eval("window.events")
        page.screenshot(tmp_path / f"browser-{config}.png")
    finally:
        page.close()
