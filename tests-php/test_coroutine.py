"""Coroutines (go(), Co\\run(), Swoole\\Coroutine, Channel, WaitGroup) on
PHP's fibers. Each script in tests-php/coroutine/ runs as a CLI script; its
.expect file is what Swoole 6.2.2 printed for it (the one line Swoole adds
at exit about a destroyed channel left out), with %DIR% for the folder."""

import pathlib
import re
import subprocess
import threading
import time

import pytest

from conftest import php_cmd, require_extension
from swtest import without_hook_func_warnings

DIR = pathlib.Path(__file__).parent / "coroutine"


def run(name, timeout=30):
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / name)], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return r.returncode, without_hook_func_warnings(r.stdout + r.stderr)


@pytest.mark.parametrize("name", ["basics", "channel", "waitgroup", "deadlock", "system", "barrier", "scheduler",
                                  "http_server", "tcp_server", "udp_client",
                                  "socket", "wait_signal"])
def test_prints_what_swoole_prints(name):
    code, out = run(f"{name}.php")
    want = (DIR / f"{name}.expect").read_text().replace("%DIR%", str(DIR))
    # A log line's time and pid: "[%LOG%]" in the .expect file.
    out = re.sub(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [%*^$]\d+\.\d+\]", "[%LOG%]", out, flags=re.M)
    assert out == want
    assert code == 0


def test_co_run_inside_a_coroutine_is_a_fatal_error():
    """As Swoole 6.2.2: the inner function runs, then "Unable to call
    Event::wait() in coroutine" ends the script with 255 (Swoole names its
    library's file and line; ours names the script's call)."""
    code, out = run("nested_run.php")
    assert code == 255
    assert out.startswith("outer\ninner\n\nFatal error: Swoole\\Coroutine\\Scheduler::start(): "
                          "Unable to call Event::wait() in coroutine in "), out
    assert "never" not in out


@pytest.mark.parametrize("parse_files", [False, True])
def test_coroutine_http_server_takes_http_parse_files(tmp_path, parse_files):
    """As Http\\Server: f[] uploads keep each file's array under the field
    (Swoole's default), or with http_parse_files PHP's $_FILES layout."""
    import json

    require_extension()
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"first")
    b.write_bytes(b"second!")
    proc = subprocess.Popen(php_cmd() + [str(DIR / "upload_server.php"), "on" if parse_files else "off"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        # (Swoole's log lines about hooks it cannot apply may come first)
        line = proc.stdout.readline()
        while line and not line.strip().isdigit():
            line = proc.stdout.readline()
        port = int(line)
        out = subprocess.run(["curl", "-sS", "-m", "10", "-F", f"many[]=@{a}", "-F", f"many[]=@{b}",
                              f"http://127.0.0.1:{port}/"], capture_output=True, timeout=15)
        assert out.returncode == 0, out.stderr
        many = json.loads(out.stdout)["many"]
        if parse_files:
            assert many["name"] == ["a.txt", "b.txt"] and many["size"] == [5, 7]
        else:
            assert [f["name"] for f in many] == ["a.txt", "b.txt"]
            assert [f["size"] for f in many] == [5, 7]
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()


class ScriptedPeer:
    """A TCP peer for the client scripts: echoes what it gets, except
    "silent" (no answer), "close" (closes), "delay:S ..." (echoes after S
    seconds) and "two" (two length-prefixed packets in one write)."""

    def __init__(self):
        import socket
        import struct
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]

        def handle(c):
            with c:
                while True:
                    try:
                        d = c.recv(65536)
                    except OSError:
                        return
                    t = d.decode(errors="replace")
                    if not d or t.startswith("close"):
                        return
                    if t.startswith("silent"):
                        continue
                    if t.startswith("delay:"):
                        time.sleep(float(t[6:].split()[0]))
                    if t.startswith("two"):
                        d = struct.pack(">I", 3) + b"abc" + struct.pack(">I", 5) + b"defgh"
                    c.sendall(d)

        def accept():
            while True:
                try:
                    c, _ = self.sock.accept()
                except OSError:
                    return
                threading.Thread(target=handle, args=(c,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    def close(self):
        self.sock.close()


@pytest.fixture
def peer():
    p = ScriptedPeer()
    yield p
    p.close()


def test_coroutine_client_cancel_and_join_print_what_swoole_prints(peer):
    """Co\\Client: connect errors, echo, a timed-out recv (ETIMEDOUT), two
    coroutines waiting at once, length framing, a peer that closes, and
    cancel()/join() of socket waits and sleeps."""
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / "client.php"), str(peer.port)],
                       capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert without_hook_func_warnings(r.stdout + r.stderr) == (DIR / "client.expect").read_text()
    assert r.returncode == 0


def run_with_port(name, port):
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / name), str(port)], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    return r.returncode, without_hook_func_warnings(r.stdout + r.stderr)


def test_coroutine_http_client_prints_what_swoole_prints():
    """Co\\Http\\Client against a scripted peer: request bytes, chunked,
    gzip/deflate, cookies, repeated headers, HEAD/204, Connection: close,
    a response until close, failures (-1/-2/-3 with errCode and errMsg),
    defer, downloads, uploads, and 20 requests at once."""
    from http_peer import HttpPeer
    peer = HttpPeer()
    try:
        code, out = run_with_port("http_client.php", peer.port)
    finally:
        peer.close()
    want = (DIR / "http_client.expect").read_text().replace("%DIR%", str(DIR))
    assert out.replace(str(peer.port), "%PORT%") == want
    assert code == 0
    # Keep-alive: the five requests of the first client shared a connection.
    first = [r for r in peer.requests[:5]]
    assert all(r.startswith((b"GET /echo", b"POST /echo", b"PUT /echo")) for r in first)
    assert peer.connections < len(peer.requests)


def test_coroutine_http_client_is_a_websocket_client_of_our_server(php_server):
    """upgrade(), push() of text, binary, 70 000 bytes, fragments and a
    Frame object, ping/pong, a recv() timeout, the server's close (echoed,
    or returned as a CloseFrame), push() without an upgrade, disconnect(),
    and 20 clients at once: what Swoole's client prints against it."""
    srv = php_server("ws.php", env={"SWTEST_HTTP": "1"})
    code, out = run_with_port("ws_client.php", srv.port)
    want = (DIR / "ws_client.expect").read_text().replace("%DIR%", str(DIR))
    assert out == want
    assert code == 0


def test_without_ext_sockets_its_constants_are_defined_as_swoole_defines_them():
    """Coroutine sockets take AF_INET, SOCK_STREAM, SOL_SOCKET, SO_*...;
    Swoole defines the 168 constants of ext-sockets when it is absent."""
    require_extension()
    code = ("echo AF_INET, ' ', AF_INET6, ' ', AF_UNIX, ' ', SOCK_STREAM, ' ', SOCK_DGRAM, ' ',"
            " SOL_SOCKET, ' ', SO_REUSEADDR, ' ', SO_RCVTIMEO, ' ', TCP_NODELAY, ' ',"
            " MSG_PEEK, ' ', IPPROTO_IP, ' ', SOMAXCONN, ' ', AI_NUMERICSERV;")
    r = subprocess.run(php_cmd() + ["-r", code], capture_output=True, text=True, timeout=30)
    assert r.stdout == "2 10 1 1 2 1 2 20 1 2 0 4096 1024"


def test_two_coroutines_reading_one_socket_is_swooles_fatal_error():
    code, out = run("socket_bound.php")
    assert code == 255
    assert out.startswith("\nFatal error: Uncaught Swoole\\Error: Socket#")
    assert ("has already been bound to another coroutine#2, reading of the same socket in "
            "coroutine#1 at the same time is not allowed") in out
    assert "not reached" not in out


def test_an_uncaught_exception_in_a_coroutine_is_fatal():
    code, out = run("uncaught.php")
    assert code == 255
    assert out.startswith("spawned\n\nFatal error: Uncaught RuntimeException: in coroutine in ")
    assert "not reached" not in out


def test_a_coroutine_api_outside_a_coroutine_is_fatal_even_in_a_try():
    code, out = run("outside.php")
    assert code == 255
    assert out.startswith(
        "before\n\nFatal error: Uncaught Swoole\\Error: API must be called in the coroutine in ")
    assert "\ncaught" not in out and "not reached" not in out


# ---- in a server (enable_coroutine) ------------------------------------------

import urllib.error
import urllib.request

from swtest import ws_connect


@pytest.mark.parametrize("mode", ["base", "process"])
def test_one_worker_serves_others_while_a_callback_sleeps(php_server, mode):
    """100 clients each asking onMessage to Co::sleep(0.5): one worker
    answers them all together, not one after another (50 s)."""
    srv = php_server("co_server.php", env={"SWTEST_MODE": mode})
    clients = [ws_connect(srv.port) for _ in range(100)]
    t0 = time.time()
    for ws in clients:
        ws.send("sleep 0.5")
    answers = [ws.recv(timeout=30) for ws in clients]
    elapsed = time.time() - t0
    assert all(a.startswith("slept 0.5 cid=") for a in answers)
    assert len({a for a in answers}) == 100, "each message had its own coroutine"
    assert elapsed < 10, f"the sleeps ran one after another ({elapsed:.1f} s)"
    for ws in clients:
        ws.close()


@pytest.mark.parametrize("mode", ["base", "process"])
def test_callbacks_waiting_on_coroutine_clients_do_not_block_the_worker(php_server, peer, mode):
    """20 onMessage callbacks each ask a peer that answers after 0.5 s
    through a Co\\Client: one worker has them all waiting at once."""
    srv = php_server("co_server.php", env={"SWTEST_MODE": mode})
    clients = [ws_connect(srv.port) for _ in range(20)]
    t0 = time.time()
    for i, ws in enumerate(clients):
        ws.send(f"ask {peer.port} delay:0.5 #{i}")
    answers = [ws.recv(timeout=30) for ws in clients]
    elapsed = time.time() - t0
    assert answers == [f"answer delay:0.5 #{i}" for i in range(20)]
    assert elapsed < 5, f"the waits ran one after another ({elapsed:.1f} s)"
    with clients[0] as ws:
        ws.send("ask 1 x")
        assert ws.recv(timeout=5) == "connect failed 111"
    for ws in clients[1:]:
        ws.close()


@pytest.mark.parametrize("mode", ["base", "process"])
def test_a_request_fans_out_twenty_http_client_requests_to_its_own_server(php_server, mode):
    """onRequest makes 20 Co\\Http\\Client requests to its own server's
    /wait (0.2 s each) with a WaitGroup: the one worker serves them while
    the first request waits, all at once."""
    srv = php_server("co_server.php", env={"SWTEST_MODE": mode})
    t0 = time.time()
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/fanout", timeout=30) as r:
        body = r.read().decode()
    elapsed = time.time() - t0
    assert body == ",".join(["200 waited"] * 20)
    assert elapsed < 3, f"the requests ran one after another ({elapsed:.1f} s)"


@pytest.mark.parametrize("task_co", ["0", "1"])
@pytest.mark.parametrize("mode", ["base", "process"])
def test_task_co_and_taskwait_wait_in_the_requests_coroutine(php_server, mode, task_co):
    """taskCo() sends three tasks and waits 0.5 s: two results and a false
    for the one that takes 1 s; the worker answers /ping meanwhile. With
    task_enable_coroutine onTask gets a Swoole\\Server\\Task in a coroutine."""
    import json
    srv = php_server("co_tasks.php", env={"SWTEST_MODE": mode, "SWTEST_TASK_CO": task_co})
    got = {}

    def taskco():
        t0 = time.time()
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/taskco", timeout=10) as r:
            got["taskco"] = (json.loads(r.read()), time.time() - t0)

    t = threading.Thread(target=taskco)
    t.start()
    time.sleep(0.1)
    t0 = time.time()
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/ping", timeout=10) as r:
        assert r.read() == b"pong"
    assert time.time() - t0 < 0.3, "the worker was blocked by taskCo()"
    t.join()
    results, elapsed = got["taskco"]
    how = "co" if task_co == "1" else "sync"
    assert results in ({"0": f"done a id=0 {how}", "1": f"done b id=1 {how}", "2": False},
                       [f"done a id=0 {how}", f"done b id=1 {how}", False])
    assert 0.4 < elapsed < 0.9
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/taskwait", timeout=10) as r:
        assert json.loads(r.read()) == f"done w id=3 {how}"
    time.sleep(0.8)
    assert "onFinish must not run" not in srv.output()


def test_a_callback_waits_on_a_channel_and_requests_wait_too(php_server):
    srv = php_server("co_server.php")
    with ws_connect(srv.port) as ws:
        ws.send("chan")
        ws.send("plain")
        # The plain message is answered while the first one waits.
        assert ws.recv(timeout=5).startswith("cid=")
        assert ws.recv(timeout=5) == "got filled"
    results = {}

    def get(path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}{path}", timeout=10) as r:
                results[path] = (r.status, r.read())
        except urllib.error.HTTPError as e:
            results[path] = (e.code, b"")

    threads = [threading.Thread(target=get, args=(p,)) for p in ("/wait", "/noend", "/x")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["/wait"] == (200, b"waited")
    assert results["/noend"][0] == 500
    assert results["/x"][0] == 200 and results["/x"][1].startswith(b"cid=")


def test_enable_coroutine_off_runs_callbacks_outside_coroutines(php_server):
    srv = php_server("co_server.php", settings={"enable_coroutine": False})
    with ws_connect(srv.port) as ws:
        ws.send("plain")
        assert ws.recv(timeout=5) == "cid=-1"


def test_go_inside_a_destructor_starts_from_the_loop():
    """PHP lets no fiber switch inside a destructor: the coroutine starts
    when the loop next runs (here at script end), where Swoole runs it at
    once (its "__destruct" comes before "after unset")."""
    code, out = run("destructor.php")
    assert code == 0
    # The loop runs at script end, with Swoole 6's deprecation notice.
    assert out == (
        "__construct\nafter unset\n"
        "\nDeprecated: swoole_event_rshutdown(): Event::wait() in shutdown function"
        " is deprecated in Unknown on line 0\n"
        "__destruct\npop ret:false error:-1\n"
    )


def test_go_in_a_destructor_after_the_script_ends_is_swooles_fatal_error():
    """A global's destructor runs after every loop is gone: its go() is
    Swoole's fatal error, as Swoole prints it, and the process ends (no
    crash freeing what the coroutine held)."""
    code, out = run("destructor_at_exit.php")
    path = DIR / "destructor_at_exit.php"
    assert (code, out) == (255, "end of script\ndtor\n\nFatal error: go(): can not use coroutine in __destruct "
                                f"after php_request_shutdown in {path} on line 10\n")


def test_go_in_a_destructor_at_shutdown_that_throws_does_not_crash():
    """The same go() reached through a method, its coroutine throwing (Swoole's
    destruct3.phpt): the process used to die of SIGSEGV at exit, freeing the
    deferred coroutine's PHP values after PHP had shut down."""
    code, out = run("destructor_at_exit_throws.php")
    assert code in (0, 255) and out.startswith("test\ndtor\n"), (code, out)


BATCH_SERVER = r"""<?php
use Swoole\Coroutine;
$mode = getenv('MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], $mode);
$s->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$s->on('message', function ($s, $f) {
    $cid = Coroutine::getCid();
    Coroutine::getContext()['data'] = $f->data;
    Coroutine::defer(function () use ($s, $f, $cid) {
        echo "defer {$f->data} in ", Coroutine::getCid() === $cid ? 'own' : 'other', " coroutine\n";
    });
    if ($f->data === 'sleep') {
        Coroutine::sleep(0.3);
        $s->push($f->fd, "slept " . Coroutine::getContext()['data']);
        return;
    }
    if ($f->data === 'close') {
        $s->close($f->fd);
        return;
    }
    $s->push($f->fd, "{$f->data} cid>0=" . (int)($cid > 0) . " parent=" . Coroutine::getPcid());
    echo "cid {$f->data} $cid\n";
});
$s->on('close', function ($s, $fd) { echo "closed $fd\n"; });
$s->start();
"""


@pytest.mark.parametrize("mode", ["base", "process"])
def test_messages_read_together_each_run_in_a_coroutine_of_their_own(php_server, tmp_path, mode):
    """Messages that arrive in one read (a pipelining client) each get a
    coroutine of their own, started in order: one that waits lets the next
    ones run, and its context and defers stay its own."""
    from swtest import OP_TEXT, RawClient, build_frame

    script = tmp_path / "batch.php"
    script.write_text(BATCH_SERVER)
    srv = php_server(str(script), env={"MODE": mode})
    with RawClient(srv.port, timeout=10) as c:
        c.handshake()
        c.send(b"".join(build_frame(OP_TEXT, m.encode()) for m in ["a", "sleep", "b", "c"]))
        got = [c.recv_frame(5).payload.decode() for _ in range(4)]
    assert got == ["a cid>0=1 parent=-1", "b cid>0=1 parent=-1", "c cid>0=1 parent=-1", "slept sleep"]
    srv.wait_for("defer sleep")
    out = srv.stdout()
    cids = [int(line.split()[2]) for line in out.splitlines() if line.startswith("cid ")]
    assert len(cids) == 3 and len(set(cids)) == 3 and cids == sorted(cids), out
    for m in ["a", "sleep", "b", "c"]:
        assert f"defer {m} in own coroutine" in out


def test_a_callback_that_closes_the_connection_ends_the_messages_read_with_it(php_server, tmp_path):
    from swtest import OP_TEXT, RawClient, build_frame

    script = tmp_path / "batch.php"
    script.write_text(BATCH_SERVER)
    srv = php_server(str(script))
    with RawClient(srv.port, timeout=10) as c:
        c.handshake()
        c.send(b"".join(build_frame(OP_TEXT, m.encode()) for m in ["a", "close", "b"]))
        assert c.recv_frame(5).payload == b"a cid>0=1 parent=-1"
        rest = c.expect_eof()
    srv.wait_for("closed 1")
    out = srv.stdout()
    assert "cid a" in out and "defer close in own coroutine" in out
    assert "cid b" not in out and "defer b" not in out
    assert b"cid>0" not in rest
