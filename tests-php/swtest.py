"""Helpers shared by the swoole-rs end-to-end tests.

Nothing here knows about pytest: raw WebSocket/HTTP clients for byte-exact
checks, a python-websockets shortcut, and an EXPECTF matcher compatible with
PHP's run-tests.php.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import difflib
import email.utils
import hashlib
import itertools
import os
import re
import socket
import struct
import tempfile
import time
from dataclasses import dataclass, field

SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3
SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA

#: RFC 7231 IMF-fixdate, as Swoole writes its Date header.
DATE_RE = (
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT"
)

BAD_REQUEST_PAGE = (
    b"<html><body><h2>HTTP 400 Bad Request</h2><hr><i>Powered by Swoole</i></body></html>"
)


#: The reference build's log line "hook_func(): The function named `curl_init`
#: is not found" (built with SWOOLE_HOOK_NATIVE_CURL, run by `php -n`
#: without ext-curl), printed whenever every runtime hook is turned on.
HOOK_FUNC_WARNING = re.compile(
    r"^\[[^\]\n]*\]\tWARNING\thook_func\(\): The function named `\w+` is not found\n", re.M)


def without_hook_func_warnings(out: str) -> str:
    """A script's output without the reference build's hook_func lines
    (noise of how that build was made, not behaviour)."""
    return HOOK_FUNC_WARNING.sub("", out)


_used_ports: set = set()


def free_port() -> int:
    """A loopback port that is free now and not handed out before in this run."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _used_ports:
            _used_ports.add(port)
            return port
    raise RuntimeError("no free port")


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def check_http_date(value: bytes | str, slack: float = 120.0) -> None:
    """Assert that an HTTP Date value is well formed and close to now."""
    if isinstance(value, bytes):
        value = value.decode()
    assert re.fullmatch(DATE_RE.decode(), value), f"bad Date format: {value!r}"
    when = email.utils.parsedate_to_datetime(value)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - when).total_seconds()) < slack, f"Date {value!r} is not now ({now})"


def big_text(n: int) -> str:
    """The payload that servers/ws.php '!push-big N' sends: numbered lines."""
    out = []
    size = 0
    i = 0
    while size < n:
        line = f"{i:08d}\n"
        out.append(line)
        size += len(line)
        i += 1
    return "".join(out)[:n]


# --------------------------------------------------------------------------
# WebSocket frames
# --------------------------------------------------------------------------

def mask_bytes(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def build_frame(
    opcode: int,
    payload: bytes | str = b"",
    *,
    fin: bool = True,
    mask: bool = True,
    rsv: int = 0,
    mask_key: bytes = b"\x37\xfa\x21\x3d",
) -> bytes:
    """Encode one frame. rsv is a 3-bit value (4 = RSV1, 2 = RSV2, 1 = RSV3)."""
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        return head + mask_key + mask_bytes(payload, mask_key)
    return head + payload


def close_payload(code: int | None = None, reason: bytes | str = b"") -> bytes:
    if code is None:
        return b""
    if isinstance(reason, str):
        reason = reason.encode()
    return struct.pack("!H", code) + reason


@dataclass
class Frame:
    fin: bool
    rsv: int
    opcode: int
    masked: bool
    payload: bytes
    raw: bytes = field(repr=False)

    @property
    def close_code(self) -> int | None:
        assert self.opcode == OP_CLOSE, f"not a close frame: {self}"
        if len(self.payload) >= 2:
            return struct.unpack("!H", self.payload[:2])[0]
        return None

    @property
    def close_reason(self) -> bytes:
        return self.payload[2:]


def parse_frame(buf: bytes):
    """Return (Frame, consumed) or (None, 0) if buf holds no complete frame."""
    if len(buf) < 2:
        return None, 0
    b0, b1 = buf[0], buf[1]
    n = b1 & 0x7F
    pos = 2
    if n == 126:
        if len(buf) < 4:
            return None, 0
        n = struct.unpack("!H", buf[2:4])[0]
        pos = 4
    elif n == 127:
        if len(buf) < 10:
            return None, 0
        n = struct.unpack("!Q", buf[2:10])[0]
        pos = 10
    masked = bool(b1 & 0x80)
    key = b""
    if masked:
        if len(buf) < pos + 4:
            return None, 0
        key = buf[pos : pos + 4]
        pos += 4
    if len(buf) < pos + n:
        return None, 0
    payload = buf[pos : pos + n]
    if masked:
        payload = mask_bytes(payload, key)
    frame = Frame(
        fin=bool(b0 & 0x80),
        rsv=(b0 >> 4) & 7,
        opcode=b0 & 0x0F,
        masked=masked,
        payload=payload,
        raw=bytes(buf[: pos + n]),
    )
    return frame, pos + n


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

@dataclass
class HttpResponse:
    head: bytes
    raw_body: bytes
    status: int
    reason: str
    headers: list  # [(name, value)] in wire order, as sent
    body: bytes

    @property
    def raw(self) -> bytes:
        return self.head + self.raw_body

    def header(self, name: str, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name: str) -> list:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def header_names(self) -> list:
        return [k for k, _ in self.headers]


def parse_head(head: bytes):
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
    assert m, f"bad status line {lines[0]!r}"
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return int(m.group(1)), m.group(2) or "", headers


def build_request(
    method: str = "GET",
    path: str = "/",
    headers=None,
    body: bytes | str = b"",
    version: str = "HTTP/1.1",
    host: str | None = "127.0.0.1",
) -> bytes:
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} {version}"]
    names = set()
    if host is not None:
        lines.append(f"Host: {host}")
    for k, v in headers or []:
        lines.append(f"{k}: {v}")
        names.add(k.lower())
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def handshake_request(
    path: str = "/",
    key: str | None = SAMPLE_KEY,
    headers=None,
    host: str = "127.0.0.1",
    version: str | None = "13",
    connection: str | None = "Upgrade",
    upgrade: str | None = "websocket",
) -> bytes:
    hs = []
    if upgrade is not None:
        hs.append(("Upgrade", upgrade))
    if connection is not None:
        hs.append(("Connection", connection))
    if key is not None:
        hs.append(("Sec-WebSocket-Key", key))
    if version is not None:
        hs.append(("Sec-WebSocket-Version", version))
    hs.extend(headers or [])
    return build_request("GET", path, hs, host=host)


# --------------------------------------------------------------------------
# Raw TCP client
# --------------------------------------------------------------------------

class PeerClosed(Exception):
    pass


def recv_until_closed(s) -> bytes:
    """Everything a plain socket receives until the peer closes it."""
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return out
        out += chunk


def recv_until_ending(s, ending: bytes) -> bytes:
    """What a plain socket receives until it ends with `ending`, or until
    the peer closes it first."""
    out = b""
    while not out.endswith(ending):
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    return out


class RawClient:
    """A blocking TCP client with a receive buffer, for byte-exact checks."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False
        self.timeout = timeout

    # -- plumbing ---------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    @property
    def local_port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, data: bytes | str):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> bool:
        """Read once into the buffer. False on EOF; socket.timeout past deadline."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            self.eof = True
            self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def recv_until(self, delim: bytes, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (timeout or self.timeout)
        while delim not in self.buf:
            if not self._fill(deadline):
                raise PeerClosed(f"EOF before {delim!r}; got {self.buf!r}")
        i = self.buf.index(delim) + len(delim)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def recv_exact(self, n: int, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise PeerClosed(f"EOF after {len(self.buf)} of {n} bytes: {self.buf[:200]!r}")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_for(self, wait: float = 0.3) -> bytes:
        """Everything that arrives within `wait` seconds (stops early at EOF)."""
        deadline = time.monotonic() + wait
        try:
            while self._fill(deadline):
                pass
        except socket.timeout:
            pass
        out, self.buf = self.buf, b""
        return out

    def assert_silent(self, wait: float = 0.3):
        got = self.read_for(wait)
        assert got == b"" and not self.eof, f"expected silence, got {got!r} (eof={self.eof})"

    def expect_eof(self, timeout: float = 5.0) -> bytes:
        """Wait for the peer to close. Returns the bytes received before EOF."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
        except socket.timeout:
            raise AssertionError(
                f"connection still open after {timeout}s; buffered {self.buf[:200]!r}"
            ) from None
        out, self.buf = self.buf, b""
        return out

    # -- WebSocket ----------------------------------------------------------
    def send_frame(self, opcode: int, payload: bytes | str = b"", **kw):
        self.send(build_frame(opcode, payload, **kw))

    def send_text(self, text: str, **kw):
        self.send_frame(OP_TEXT, text.encode(), **kw)

    def send_close(self, code: int | None = 1000, reason: bytes | str = b"", **kw):
        self.send_frame(OP_CLOSE, close_payload(code, reason), **kw)

    def recv_frame(self, timeout: float | None = None) -> Frame:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            frame, used = parse_frame(self.buf)
            if frame is not None:
                self.buf = self.buf[used:]
                return frame
            if not self._fill(deadline):
                raise PeerClosed(f"EOF while waiting for a frame; buffered {self.buf[:200]!r}")

    def recv_message(self, timeout: float | None = None) -> Frame:
        """Next data frame, skipping nothing: asserts it is a FIN text/binary frame."""
        f = self.recv_frame(timeout)
        assert f.opcode in (OP_TEXT, OP_BINARY) and f.fin, f"unexpected frame {f}"
        return f

    def handshake(self, path: str = "/", key: str = SAMPLE_KEY, headers=None, **kw) -> HttpResponse:
        self.send(handshake_request(path, key, headers, **kw))
        resp = self.read_response()
        assert resp.status == 101, f"handshake failed: {resp.raw!r}"
        return resp

    # -- HTTP -----------------------------------------------------------------
    def read_response(self, timeout: float | None = None, head_request: bool = False) -> HttpResponse:
        head = self.recv_until(b"\r\n\r\n", timeout)
        status, reason, headers = parse_head(head)
        hmap = {k.lower(): v for k, v in headers}
        raw_body = b""
        body = b""
        if status == 101 or head_request or status in (204, 304):
            pass
        elif "chunked" in hmap.get("transfer-encoding", "").lower():
            while True:
                line = self.recv_until(b"\r\n", timeout)
                raw_body += line
                size = int(line.strip().split(b";")[0], 16)
                chunk = self.recv_exact(size + 2, timeout)
                raw_body += chunk
                assert chunk.endswith(b"\r\n"), f"bad chunk terminator in {raw_body!r}"
                if size == 0:
                    break
                body += chunk[:-2]
        elif "content-length" in hmap:
            raw_body = body = self.recv_exact(int(hmap["content-length"]), timeout)
        else:
            raw_body = body = self.expect_eof(timeout or self.timeout)
        return HttpResponse(head, raw_body, status, reason, headers, body)

    def request(self, method="GET", path="/", headers=None, body=b"", version="HTTP/1.1",
                host="127.0.0.1", timeout=None) -> HttpResponse:
        self.send(build_request(method, path, headers, body, version, host))
        return self.read_response(timeout, head_request=(method == "HEAD"))


def ws_connect(port: int, path: str = "/", **kw):
    """python-websockets sync client with test-friendly defaults."""
    from websockets.sync.client import connect

    kw.setdefault("compression", None)
    kw.setdefault("max_size", None)
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 3)
    return connect(f"ws://127.0.0.1:{port}{path}", **kw)


def ws_wait_closed(ws, timeout: float = 5.0):
    """Receive until the connection closes; return the ConnectionClosed exception."""
    from websockets.exceptions import ConnectionClosed

    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"connection not closed within {timeout}s")
        try:
            ws.recv(timeout=remaining)
        except TimeoutError:
            raise AssertionError(f"connection not closed within {timeout}s") from None
        except ConnectionClosed as exc:
            return exc


# --------------------------------------------------------------------------
# Clients on chosen workers
# --------------------------------------------------------------------------

_hold_ids = itertools.count()


@contextlib.contextmanager
def held(send_hold, released, timeout: float = 10.0):
    """Keeps one worker blocked inside a callback for the `with` block.

    send_hold(path) sends the test servers' "hold" command (servers/hold.inc.php)
    on a client of that worker: the worker creates `path`, then waits in the
    callback until the file is gone. Once it exists the worker runs nothing
    and, in SWOOLE_BASE, accepts nothing. Leaving the block removes it;
    released() then reads (and checks) the worker's answer."""
    path = os.path.join(tempfile.gettempdir(), f"swtest-hold-{os.getpid()}-{next(_hold_ids)}")
    send_hold(path)
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"the worker did not start holding within {timeout}s"
        time.sleep(0.005)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):  # gone: the hold timed out
            os.unlink(path)
    released()


def held_ws(ws, command: str = "hold"):
    """held() through a python-websockets client of workers.php ("hold") or
    ws.php ("!hold"): `command PATH`, answered with "released"."""
    def released():
        assert ws.recv(timeout=10) == "released", "the hold timed out"
    return held(lambda path: ws.send(f"{command} {path}"), released)


def clients_on_every_worker(connect, worker_of, workers: int, per_worker: int = 1, hold=None) -> dict:
    """Connects `workers * per_worker` clients, `per_worker` on each of
    `workers` different workers; returns {worker id: [clients]}.

    SWOOLE_BASE: every worker accepts from the same listening socket, so which
    one gets a connection is the kernel's choice (on a busy machine one worker
    may take them all). So before each connect, each worker that has its share
    already is held (hold(client) -> a `held()` context on that client): only
    a worker that still needs clients can accept the next one.
    SWOOLE_PROCESS (hold=None): with dispatch_mode 2 the master gives session
    N to worker N % worker_num, so consecutive connections go round the
    workers. Either way every connection lands where one is missing, the same
    on every run; anything else fails here."""
    got: dict = {}
    for _ in range(workers * per_worker):
        with contextlib.ExitStack() as stack:
            if hold is not None:
                for cs in got.values():
                    if len(cs) >= per_worker:
                        stack.enter_context(hold(cs[0]))
            c = connect()
            w = worker_of(c)
        on = got.setdefault(w, [])
        assert len(on) < per_worker and len(got) <= workers, \
            f"a connection went to worker {w}, which was not to get one: {got}"
        on.append(c)
    assert len(got) == workers and all(len(cs) == per_worker for cs in got.values()), got
    return got


# --------------------------------------------------------------------------
# EXPECTF (PHP run-tests.php semantics)
# --------------------------------------------------------------------------

_EXPECTF_TOKENS = {
    "%e": re.escape("/"),
    "%s": r"[^\r\n]+",
    "%S": r"[^\r\n]*",
    "%a": r".+",
    "%A": r".*",
    "%w": r"\s*",
    "%i": r"[+-]?\d+",
    "%d": r"\d+",
    "%x": r"[0-9a-fA-F]+",
    "%f": r"[+-]?(?:\d+|(?=\.\d))(?:\.\d*)?(?:[Ee][+-]?\d+)?",
    "%c": r".",
    "%0": r"\x00",
}
_TOKEN_SPLIT = re.compile(r"(%[esSaAwidxfc0])")


def expectf_to_regex(expected: str) -> str:
    parts = expected.split("%r")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:  # inside %r...%r: raw regex
            out.append("(?:" + part + ")")
            continue
        for tok in _TOKEN_SPLIT.split(part):
            out.append(_EXPECTF_TOKENS.get(tok, re.escape(tok)))
    return "".join(out)


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def expectf_match(expected: str, actual: str) -> bool:
    return re.fullmatch(expectf_to_regex(_norm(expected)), _norm(actual), re.S) is not None


def expectf_search(expected: str, text: str):
    return re.search(expectf_to_regex(expected.replace("\r\n", "\n")), text.replace("\r\n", "\n"), re.S)


def diff(expected: str, actual: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            _norm(expected).splitlines(), _norm(actual).splitlines(), "expected", "actual", lineterm=""
        )
    )


def assert_expectf(expected: str, actual: str, what: str = "output"):
    if not expectf_match(expected, actual):
        raise AssertionError(f"{what} does not match the EXPECTF pattern:\n{diff(expected, actual)}")
