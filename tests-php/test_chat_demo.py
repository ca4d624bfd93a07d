"""examples/browser_chat: the browser chat of the Swoole tutorials.

The real example file is started on a free port (argv[1]) bound to 127.0.0.1
(argv[2]). Two headless Chromium pages load the page it serves, pick their
nicknames in the form and chat like users would (input values set, buttons
clicked); a python-websockets client checks the JSON protocol's error paths
and the HTTP routes without a browser.
"""

import json
import re
import time

import pytest
from cdp import Browser, CdpError, chromium_binary

import conftest
from swtest import RawClient, ws_connect

CHAT = conftest.EXAMPLES / "browser_chat" / "server.php"
PAGE = conftest.EXAMPLES / "browser_chat" / "index.html"
SCREENSHOT = conftest.ROOT / "build" / "screenshots" / "chat_demo.png"

needs_chromium = pytest.mark.skipif(
    chromium_binary() is None, reason="chromium is not installed (scripts/deps.sh installs it)"
)

# The page's log as [kind, name, text] rows, kind being message/system/error.
LOG_JS = """Array.from(document.querySelectorAll('#log li')).map(li => [
    ['message', 'error', 'system'].find(k => li.classList.contains(k)),
    li.querySelector('.name') ? li.querySelector('.name').textContent : null,
    li.querySelector('.text').textContent])"""


def start_chat(php_server):
    srv = php_server(CHAT, "127.0.0.1")
    srv.wait_for(f"listening on http://127.0.0.1:{srv.port}/\n", timeout=15)
    return srv


# -- driving a page like a user ----------------------------------------------------

def open_page(browser, srv):
    """A page on the chat whose wait_for fails at once, with the server's
    output, if the server dies instead of running out its whole timeout."""
    page = browser.new_page(f"http://127.0.0.1:{srv.port}/")
    plain = page.wait_for

    def wait_for(condition, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return plain(condition, timeout=max(0.0, min(1.0, deadline - time.monotonic())))
            except CdpError:
                if not srv.alive():
                    raise conftest.ServerDied(
                        f"the server exited with {srv.proc.returncode} while a page waited "
                        f"for: {condition}\n{srv.describe()}"
                    ) from None
                if time.monotonic() >= deadline:
                    raise

    page.wait_for = wait_for
    return page


def has_entry(kind, text, name=None):
    """JS condition: the page's log has this entry."""
    want = json.dumps([kind, name, text])
    return f"({LOG_JS}).some(e => JSON.stringify(e) === JSON.stringify({want}))"


def log_of(page):
    return [tuple(e) for e in page.eval(LOG_JS)]


def fill_and_click(page, input_id, value, button_id):
    page.eval(
        f"""(() => {{
            const input = document.getElementById({json.dumps(input_id)});
            input.focus();
            input.value = {json.dumps(value)};
            input.dispatchEvent(new Event('input', {{bubbles: true}}));
            document.getElementById({json.dumps(button_id)}).click();
            return true;
        }})()"""
    )


def join(page, name):
    # the Join button is enabled once the page's WebSocket is open
    page.wait_for("document.getElementById('status').textContent === 'connected'")
    page.wait_for("!document.getElementById('join').disabled")
    fill_and_click(page, "name", name, "join")
    page.wait_for("!document.getElementById('message-form').hidden")
    assert page.eval("document.getElementById('join-form').hidden") is True
    assert page.eval("document.getElementById('me').textContent") == f"You are {name}."


def say(page, text):
    fill_and_click(page, "text", text, "send")
    # the form clears the input once the message is sent
    page.wait_for("document.getElementById('text').value === ''")


@pytest.fixture
def browser():
    b = Browser(chromium_binary())
    yield b
    b.close()


@needs_chromium
def test_two_browsers_chat(browser, php_server):
    srv = start_chat(php_server)
    a = open_page(browser, srv)
    b = open_page(browser, srv)
    try:
        assert a.eval("document.title") == "Swoole chat"
        # both pages' WebSockets are open before anyone joins, so that bob's
        # page (connected, no name yet) is told about alice
        for page in (a, b):
            page.wait_for("document.getElementById('status').textContent === 'connected'")

        # alice joins first: nobody else has a name yet
        join(a, "alice")
        a.wait_for(has_entry("system", "Welcome, alice! Nobody else is here yet."))
        srv.wait_for(r"alice joined \(fd \d+\)\n", timeout=15, regex=True)
        b.wait_for(has_entry("system", "alice joined"))

        join(b, "bob")
        b.wait_for(has_entry("system", "Welcome, bob! Online: alice."))
        a.wait_for(has_entry("system", "bob joined"))
        srv.wait_for(r"bob joined \(fd \d+\)\n", timeout=15, regex=True)

        # messages both ways, each shown with its sender's name
        say(a, "Hello bob!")
        b.wait_for(has_entry("message", "Hello bob!", "alice"))
        a.wait_for(has_entry("message", "Hello bob!", "alice"))
        assert a.eval("document.querySelector('#log li.mine .text').textContent") == "Hello bob!"

        html = "Hi alice, this is <b>x</b> & <img src=x onerror=\"window.pwned=1\">"
        say(b, html)
        a.wait_for(has_entry("message", html, "bob"))
        b.wait_for(has_entry("message", html, "bob"))

        # a nickname with markup (from a non-browser client) is text, too
        with ws_connect(srv.port) as eve:
            eve.send(json.dumps({"type": "join", "name": "<i>eve</i>"}))
            welcome = json.loads(eve.recv(timeout=15))
            welcome["users"].sort()  # in the table's order
            assert welcome == {"type": "welcome", "name": "<i>eve</i>", "users": ["alice", "bob"]}
            a.wait_for(has_entry("system", "<i>eve</i> joined"))
            eve.send(json.dumps({"type": "message", "text": "hello from python"}))
            a.wait_for(has_entry("message", "hello from python", "<i>eve</i>"))
        a.wait_for(has_entry("system", "<i>eve</i> left"))
        b.wait_for(has_entry("system", "<i>eve</i> left"))

        for page in (a, b):
            # literally shown, never parsed: no element came from the chat's text
            assert page.eval("document.querySelector('#log b, #log i, #log img') === null") is True
            assert page.eval("window.pwned === undefined") is True

        # bob closes his tab
        b.close()
        a.wait_for(has_entry("system", "bob left"))
        srv.wait_for(r"bob left \(fd \d+\)\n", timeout=15, regex=True)

        assert log_of(a) == [
            ("system", None, "Welcome, alice! Nobody else is here yet."),
            ("system", None, "bob joined"),
            ("message", "alice", "Hello bob!"),
            ("message", "bob", html),
            ("system", None, "<i>eve</i> joined"),
            ("message", "<i>eve</i>", "hello from python"),
            ("system", None, "<i>eve</i> left"),
            ("system", None, "bob left"),
        ]
        assert a.eval("document.getElementById('status').textContent") == "connected"

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.unlink(missing_ok=True)
        a.screenshot(SCREENSHOT)
        png = SCREENSHOT.read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR", png[:32]
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width > 0 and height > 0 and len(png) > 1000, (width, height, len(png))
    finally:
        a.close()
        b.close()

    # stdout: the start line, then one line per join and leave (no warnings)
    srv.wait_for(r"alice left \(fd \d+\)\n", timeout=15, regex=True)
    out = srv.stdout()
    lines = out.splitlines()
    assert lines[0] == f"listening on http://127.0.0.1:{srv.port}/", out
    events = [re.fullmatch(r"(\S+) (joined|left) \(fd \d+\)", line) for line in lines[1:]]
    assert [m.groups() if m else line for m, line in zip(events, lines[1:])] == [
        ("alice", "joined"), ("bob", "joined"), ("<i>eve</i>", "joined"),
        ("<i>eve</i>", "left"), ("bob", "left"), ("alice", "left"),
    ], out
    assert srv.stderr() == ""


def recv_json(ws):
    return json.loads(ws.recv(timeout=15))


def test_protocol_errors_and_http_routes(php_server):
    srv = start_chat(php_server)

    with RawClient(srv.port) as http:
        r = http.request("GET", "/", timeout=15)
        assert r.status == 200
        assert r.header("Content-Type") == "text/html; charset=utf-8"
        assert r.body == PAGE.read_bytes()
        r = http.request("GET", "/nope", timeout=15)
        assert r.status == 404
        assert r.body == b"Not Found\n"

    with ws_connect(srv.port) as a, ws_connect(srv.port) as b:
        def error_for(data):
            a.send(data)
            reply = recv_json(a)
            assert reply["type"] == "error", (data, reply)
            return reply["text"]

        # no crash and no disconnect on anything a client can send
        for bad in ["not json", "{", "[1, 2]", '"join"', "null", '{"type": 7}', b"\xff\x00binary"]:
            assert "invalid message" in error_for(bad)
        assert error_for('{"type": "dance"}') == "unknown message type"
        assert error_for('{"type": "message", "text": "hi"}') == "choose a nickname first"
        for name in ["", "   ", "x" * 21, "é" * 21, "tab\tname", 42, None]:
            assert error_for(json.dumps({"type": "join", "name": name})) == "a nickname is 1 to 20 characters"

        a.send(json.dumps({"type": "join", "name": " " + "é" * 20 + " "}))  # 20 characters, 40 bytes
        assert recv_json(a) == {"type": "welcome", "name": "é" * 20, "users": []}
        assert recv_json(b) == {"type": "system", "text": "é" * 20 + " joined"}
        assert error_for('{"type": "join", "name": "again"}') == "you already joined as " + "é" * 20
        assert error_for(json.dumps({"type": "message", "text": "x" * 1001})) == "a message is 1 to 1000 characters"
        assert error_for('{"type": "message", "text": " "}') == "a message is 1 to 1000 characters"

        b.send(json.dumps({"type": "join", "name": "é" * 20}))
        assert recv_json(b) == {"type": "error", "text": f"the nickname {'é' * 20} is taken"}
        b.send(json.dumps({"type": "join", "name": "bob"}))
        assert recv_json(b) == {"type": "welcome", "name": "bob", "users": ["é" * 20]}
        assert recv_json(a) == {"type": "system", "text": "bob joined"}

        # after all of that the server still relays to everyone
        a.send("garbage")
        assert recv_json(a)["type"] == "error"
        b.send(json.dumps({"type": "message", "text": "still here"}))
        expected = {"type": "message", "name": "bob", "text": "still here"}
        assert recv_json(a) == expected
        assert recv_json(b) == expected

    srv.wait_for("bob left (fd", timeout=15)
    srv.wait_for("é" * 20 + " left (fd", timeout=15)
    with RawClient(srv.port) as http:
        assert http.request("GET", "/", timeout=15).status == 200
    assert srv.stdout().splitlines() == [
        f"listening on http://127.0.0.1:{srv.port}/",
        "é" * 20 + " joined (fd 2)",
        "bob joined (fd 3)",
        "bob left (fd 3)",
        "é" * 20 + " left (fd 2)",
    ]
    assert srv.stderr() == ""
