"""Rooms on one node and across nodes over Redis pub/sub (swoole-rs extensions).

Without `cluster`, `join()`/`leave()`/`publish()`/`rooms()`/`members()` and
`broadcast()` work across every worker of one server. With
`'cluster' => ['redis' => ..., 'channel' => ...]`, broadcasts and room
publishes reach the members on every node. A real `redis-server` (Debian's,
installed by scripts/deps.sh) runs on a loopback port; three swoole-rs
servers (one single process, one SWOOLE_BASE with two workers, one
SWOOLE_PROCESS with two workers) are the nodes. Redis is stopped and
started again mid-test: local delivery never stops, remote delivery
resumes, no process dies (the php_server fixture fails a test whose
server died).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest
from websockets.sync.client import connect

import conftest
import swtest

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (scripts/deps.sh installs it)")


class Redis:
    """A redis-server of our own on a free loopback port."""

    def __init__(self, tmp_path, password=None):
        self.port = conftest.free_port()
        self.dir = tmp_path
        self.password = password
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)]
            + (["--requirepass", self.password] if self.password else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}"


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path)
    r.start()
    yield r
    r.stop()


class Client:
    """A WebSocket client of tests-php/servers/rooms.php: commands get "R:"
    replies; everything else (publishes, broadcasts) goes to the inbox."""

    def __init__(self, port):
        self.ws = connect(f"ws://127.0.0.1:{port}", open_timeout=10)
        self.inbox: list[str] = []
        self.fd = self.cmd(whoami=1)["fd"]

    def cmd(self, **kw):
        self.ws.send(json.dumps(kw))
        return self.reply()

    def reply(self, timeout=10.0):
        """The answer to the last command (what comes before goes to the inbox)."""
        deadline = time.time() + timeout
        while True:
            msg = self.ws.recv(timeout=max(0.1, deadline - time.time()))
            if msg.startswith("R:"):
                return json.loads(msg[2:])
            self.inbox.append(msg)

    def hold(self):
        """Keeps this client's worker blocked in a callback for a `with`
        block (swtest.held)."""
        def released():
            assert self.reply() is True, "the hold timed out"
        return swtest.held(lambda path: self.ws.send(json.dumps({"hold": path})), released)

    def expect(self, text, timeout=5.0):
        deadline = time.time() + timeout
        while text not in self.inbox:
            try:
                self.inbox.append(self.ws.recv(timeout=max(0.05, deadline - time.time())))
            except TimeoutError:
                raise AssertionError(f"fd {self.fd}: {text!r} never came; got {self.inbox}")
        self.inbox.remove(text)

    def drain(self, wait=0.3) -> list[str]:
        """Everything that arrives within `wait` seconds (and what was queued)."""
        deadline = time.time() + wait
        while True:
            try:
                self.inbox.append(self.ws.recv(timeout=max(0.01, deadline - time.time())))
            except TimeoutError:
                break
        got, self.inbox = self.inbox, []
        return got

    def close(self):
        self.ws.close()


def start_node(php_server, name, mode, settings, redis_url=None, **cluster):
    s = dict(settings)
    if redis_url:
        s["cluster"] = {"redis": redis_url, "channel": "test", **cluster}
    return php_server("rooms.php", env={"SWTEST_NODE": name, "SWTEST_MODE": mode}, settings=s)


def clients_on_every_worker(srv, workers, per_worker=1, mode="base"):
    """`per_worker` clients on each worker, ordered by worker, the same on
    every run (swtest.clients_on_every_worker: in BASE mode the workers that
    have their share are held while the next client connects)."""
    got = swtest.clients_on_every_worker(
        lambda: Client(srv.port), lambda c: c.cmd(whoami=1)["worker"], workers, per_worker,
        hold=Client.hold if mode == "base" else None,
    )
    return [c for w in sorted(got) for c in got[w]]


# --------------------------------------------------------------------------
# one node
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode,workers", [("base", 1), ("base", 2), ("process", 2)],
                         ids=["single", "base-2-workers", "process-2-workers"])
def test_rooms_on_one_node(php_server, mode, workers):
    srv = start_node(php_server, "a", mode, {"worker_num": workers})
    a, b, c, d = clients_on_every_worker(srv, workers, per_worker=4 // workers, mode=mode)
    assert a.cmd(join="lobby") is True
    assert b.cmd(join="lobby") is True
    assert b.cmd(join="lobby") is True, "joining again is no error"
    assert c.cmd(join="games") is True
    # Any worker sees every member of the node and every fd's rooms.
    for x in (a, b, c, d):
        assert x.cmd(members="lobby") == [a.fd, b.fd]
        assert x.cmd(rooms=b.fd) == ["lobby"]
    assert d.cmd(members="nobody-here") == []
    # A publish from any worker reaches exactly the members.
    assert d.cmd(publish=["lobby", "to lobby"]) is True
    a.expect("to lobby")
    b.expect("to lobby")
    assert c.drain() == [] and d.drain() == []
    # One fd in several rooms; rooms() in join order.
    assert a.cmd(join="games") is True
    assert d.cmd(rooms=a.fd) == ["lobby", "games"]
    assert b.cmd(publish=["games", "to games"]) is True
    a.expect("to games")
    c.expect("to games")
    assert b.drain() == [] and d.drain() == []
    # leave(); a second leave is false.
    assert d.cmd(leave_fd=[a.fd, "lobby"]) is True
    assert d.cmd(leave_fd=[a.fd, "lobby"]) is False
    assert d.cmd(publish=["lobby", "after leave"]) is True
    b.expect("after leave")
    assert a.drain() == []
    # A closed connection leaves its rooms.
    b.close()
    deadline = time.time() + 5
    while d.cmd(members="lobby") != [] and time.time() < deadline:
        time.sleep(0.05)
    assert d.cmd(members="lobby") == []
    assert d.cmd(rooms=b.fd) == []
    # broadcast() reaches every connection on every worker.
    assert c.cmd(broadcast="everyone") is True
    for x in (a, c, d):
        x.expect("everyone")


def test_room_arguments_are_checked(php_server):
    srv = start_node(php_server, "a", "base", {})
    a = Client(srv.port)
    assert a.cmd(join_fd=[9999, "r"]) is False
    srv.wait_for("join(): session#9999 does not exists")
    assert a.cmd(join="") is False
    srv.wait_for("join(): room name must be 1 to 255 bytes")
    assert a.cmd(join="x" * 256) is False
    assert a.cmd(publish=["", "x"]) is False
    srv.wait_for("publish(): room name must be 1 to 255 bytes")
    assert a.cmd(join="x" * 255) is True
    assert a.cmd(rooms=a.fd) == ["x" * 255]
    # Publishing to an empty room is no error; unknown fds are in no room.
    assert a.cmd(publish=["empty", "nobody"]) is True
    assert a.cmd(rooms=12345) == []
    assert a.cmd(leave_fd=[12345, "r"]) is False


def test_room_capacity(php_server):
    srv = start_node(php_server, "a", "base", {"room_capacity": 16})
    a = Client(srv.port)
    for i in range(16):
        assert a.cmd(join=f"r{i}") is True
    assert a.cmd(join="one-too-many") is False
    srv.wait_for("join(): room_capacity reached (16 memberships)")
    assert a.cmd(leave="r0") is True
    assert a.cmd(join="one-too-many") is True


# --------------------------------------------------------------------------
# three nodes over Redis
# --------------------------------------------------------------------------

def wait_bus_ready(sender: Client, receivers: list[Client], timeout=15.0):
    """Broadcasts probes until every receiver got one: every node's
    subscription is up. Then one last broadcast: a client that got it got
    every probe it will ever get (one publisher's messages arrive in order),
    so emptying the inboxes up to it leaves no probe in flight."""
    deadline = time.time() + timeout
    n = 0
    pending = list(receivers)
    while pending:
        assert time.time() < deadline, f"bus not ready: {[c.fd for c in pending]}"
        n += 1
        sender.cmd(broadcast=f"probe{n}")
        time.sleep(0.1)
        pending = [c for c in pending if not any(m.startswith("probe") for m in c.drain(0.05))]
    sender.cmd(broadcast="bus ready")
    for c in [sender, *receivers]:
        c.expect("bus ready")
        assert all(m.startswith("probe") for m in c.inbox), c.inbox
        c.inbox.clear()


@pytest.fixture
def three_nodes(php_server, redis):
    a = start_node(php_server, "A", "base", {}, redis.url)
    b = start_node(php_server, "B", "base", {"worker_num": 2}, redis.url)
    c = start_node(php_server, "C", "process", {"worker_num": 2}, redis.url)
    clients = {
        "A": [Client(a.port), Client(a.port)],
        "B": clients_on_every_worker(b, 2),
        "C": [Client(c.port), Client(c.port)],
    }
    every = [x for v in clients.values() for x in v]
    wait_bus_ready(clients["A"][0], every[1:])
    return {"A": a, "B": b, "C": c}, clients


def test_publish_and_broadcast_reach_every_node(three_nodes):
    nodes, cl = three_nodes
    (a1, a2), (b1, b2), (c1, c2) = cl["A"], cl["B"], cl["C"]
    for x in (a1, b1, b2, c2):
        assert x.cmd(join="r") is True
    # members() is this node's.
    assert a2.cmd(members="r") == [a1.fd]
    assert c1.cmd(members="r") == [c2.fd]
    # A publish from any node reaches exactly the members on all nodes.
    for sender, tag in ((c1, "from C"), (a2, "from A"), (b1, "from B")):
        assert sender.cmd(publish=["r", tag]) is True
        for x in (a1, b1, b2, c2):
            x.expect(tag)
        for x in (a2, c1):
            assert x.drain(0.3) == [], tag
    # broadcast reaches everyone everywhere; $exclude names the sender's node's fds.
    assert b1.cmd(broadcast_ex=["hello all", [b2.fd]]) is True
    for x in (a1, a2, b1, c1, c2):
        x.expect("hello all")
    assert b2.drain(0.3) == []


def test_messages_of_one_publisher_arrive_in_order(three_nodes):
    nodes, cl = three_nodes
    (a1, a2), (b1, b2), (c1, c2) = cl["A"], cl["B"], cl["C"]
    for x in (b1, b2, c1):
        x.cmd(join="seq")
    assert a1.cmd(publish_many=["seq", "m", 300]) is True
    want = [f"m{i}" for i in range(300)]
    for x in (b1, b2, c1):
        got = []
        deadline = time.time() + 10
        while len(got) < 300 and time.time() < deadline:
            got += [m for m in x.drain(0.2) if m.startswith("m")]
        assert got == want


def test_a_slow_node_does_not_slow_the_others(three_nodes):
    nodes, cl = three_nodes
    (a1, a2), (b1, b2), (c1, c2) = cl["A"], cl["B"], cl["C"]
    for x in (a1, b1, c1):
        x.cmd(join="r")
    # Node A's only worker is stuck in a callback until released (a2.hold()
    # checks that it was stuck all along).
    with a2.hold():
        t0 = time.time()
        assert c2.cmd(publish=["r", "while A sleeps"]) is True
        b1.expect("while A sleeps", timeout=1.0)
        c1.expect("while A sleeps", timeout=1.0)
        assert time.time() - t0 < 1.0, "the other nodes waited for the slow one"
    # The slow node gets it once its worker is free again: Redis kept it.
    a1.expect("while A sleeps", timeout=10)


def test_redis_outage(three_nodes, redis):
    nodes, cl = three_nodes
    (a1, a2), (b1, b2), (c1, c2) = cl["A"], cl["B"], cl["C"]
    for x in (a1, a2, b1, c1):
        x.cmd(join="r")
    redis.stop()
    for n in nodes.values():
        n.wait_for("cluster: Redis at redis://127.0.0.1:", timeout=10)
    # Redis is down: local delivery goes on; the publish says it did not
    # reach the other nodes.
    deadline = time.time() + 10
    while a2.cmd(publish=["r", "during outage"]) is not False:
        assert time.time() < deadline, "publish kept returning true with Redis down"
        time.sleep(0.1)
    nodes["A"].wait_for("publish(): cluster: delivered on this node only, not to the other nodes: Redis unavailable")
    for x in (a1, a2):
        x.expect("during outage")
    assert a2.cmd(broadcast="bcast during outage") is False
    a1.expect("bcast during outage")
    # Each node logged the outage once, whatever its worker count.
    time.sleep(1.0)
    for name, n in nodes.items():
        assert n.stdout().count("local delivery goes on, reconnecting") == 1, (name, n.stdout())
    # Redis is back: remote delivery resumes.
    redis.start()
    for n in nodes.values():
        n.wait_for("cluster: reconnected to Redis at", timeout=15)
    deadline = time.time() + 15
    i = 0
    while True:
        i += 1
        ok = a2.cmd(publish=["r", f"after {i}"])
        got_b = [m for m in b1.drain(0.2) if m.startswith("after")]
        got_c = [m for m in c1.drain(0.05) if m.startswith("after")]
        if ok and got_b and got_c:
            break
        assert time.time() < deadline, "remote delivery did not resume"
    for x in (a1, a2, b1, c1):
        x.drain(0.3)
    assert c2.cmd(publish=["r", "all good"]) is True
    for x in (a1, a2, b1, c1):
        x.expect("all good")


def test_redis_with_a_password(php_server, tmp_path):
    r = Redis(tmp_path, password="s3cret")
    r.start()
    try:
        a = start_node(php_server, "A", "base", {}, r.url, required=True)
        b = start_node(php_server, "B", "base", {}, r.url, required=True)
        a1, b1 = Client(a.port), Client(b.port)
        wait_bus_ready(a1, [b1])
        b1.cmd(join="r")
        assert a1.cmd(publish=["r", "with auth"]) is True
        b1.expect("with auth")
        # The password is never printed.
        assert "s3cret" not in a.stdout() + b.stdout()
        # A wrong password: start() refuses when the bus is required.
        bad = {"cluster": {"redis": f"redis://:Zq9-not-it@127.0.0.1:{r.port}", "required": True}}
        out = conftest.run_php(conftest.SERVERS / "rooms.php", conftest.free_port(),
                               env={"SWTEST_SETTINGS": json.dumps(bad)})
        assert out.returncode != 0, out
        assert f"cluster: cannot reach Redis at redis://***@127.0.0.1:{r.port}" in out.stdout + out.stderr
        assert "Zq9-not-it" not in out.stdout + out.stderr
    finally:
        r.stop()


def test_required_redis_down_refuses_to_start(tmp_path):
    port = conftest.free_port()
    dead = conftest.free_port()
    settings = {"cluster": {"redis": f"redis://127.0.0.1:{dead}", "channel": "t", "required": True}}
    r = conftest.run_php(conftest.SERVERS / "rooms.php", port, env={"SWTEST_SETTINGS": json.dumps(settings)})
    assert r.returncode != 0, r
    assert "Uncaught Swoole\\Exception: cluster: cannot reach Redis at " \
        f"redis://127.0.0.1:{dead}: Connection refused" in r.stdout + r.stderr, r


def test_invalid_cluster_setting_refuses_to_start():
    port = conftest.free_port()
    settings = {"cluster": {"redis": "http://127.0.0.1:6379"}}
    r = conftest.run_php(conftest.SERVERS / "rooms.php", port, env={"SWTEST_SETTINGS": json.dumps(settings)})
    assert r.returncode != 0, r
    assert "Uncaught Swoole\\Exception: cluster: 'redis' must be a redis:// address " \
        "(got 'http://127.0.0.1:6379')" in r.stdout + r.stderr, r


def test_a_script_may_fix_the_setting_and_start_again(php_server, tmp_path):
    script = tmp_path / "retry.php"
    script.write_text(r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1]);
$s->on('message', function ($s, $f) { $s->push($f->fd, "echo:" . $f->data); });
$s->set(['cluster' => ['redis' => 'http://nowhere']]);
try {
    $s->start();
} catch (Swoole\Exception $e) {
    echo "first start: ", $e->getMessage(), "\n";
}
$s->set(['cluster' => null]);
$s->start();
""")
    srv = php_server(script, wait=False)
    srv.wait_for("first start: cluster: 'redis' must be a redis:// address (got 'http://nowhere')")
    srv.wait_listening()
    with connect(f"ws://127.0.0.1:{srv.port}") as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "echo:hi"


def test_redis_down_at_start_is_not_fatal_unless_required(php_server):
    dead = conftest.free_port()
    srv = start_node(php_server, "A", "base", {"worker_num": 2}, f"redis://127.0.0.1:{dead}")
    srv.wait_for("cluster: Redis at redis://127.0.0.1:", timeout=10)
    x, y = clients_on_every_worker(srv, 2)
    x.cmd(join="r")
    y.cmd(join="r")
    deadline = time.time() + 10
    while y.cmd(publish=["r", "local"]) is not False:
        assert time.time() < deadline
        time.sleep(0.1)
    srv.wait_for("cluster: delivered on this node only")
    x.expect("local")
    y.expect("local")
