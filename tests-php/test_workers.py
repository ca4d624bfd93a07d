"""Several worker processes: SWOOLE_BASE (worker_num > 1, task workers) and
SWOOLE_PROCESS.

BASE: the process that calls start() becomes the manager; workers share the
listening socket. PROCESS: it becomes the master, which owns every connection
and relays events to the workers of a forked manager. Either way the
connection table is shared memory, so every worker can push to, query and
close any connection; a worker that dies is respawned (onWorkerError; in
PROCESS mode its clients do not notice), reload restarts every worker,
SIGTERM drains everything. Script: tests-php/servers/workers.php.
"""

import json
import os
import re
import signal
import time

import pytest
from conftest import process_tree
from swtest import OP_CLOSE, RawClient, clients_on_every_worker, held_ws, ws_connect
from websockets.exceptions import ConnectionClosed


MODES = ["base", "process"]


def start(php_server, mode="base", env=None, **settings):
    env = dict(env or {}, **({"SWTEST_MODE": "process"} if mode == "process" else {}))
    return php_server("workers.php", env=env, settings=settings)


def manager_pid(srv):
    m = re.search(r"manager start pid=(\d+)", srv.stdout())
    return int(m[1]) if m else None


def worker_pids(srv):
    """worker id -> pid, from the latest 'worker start' line of each."""
    pids = {}
    for m in re.finditer(r"worker start id=(\d+) kind=\w+ pid=(\d+)", srv.stdout()):
        pids[int(m[1])] = int(m[2])
    return pids


def wait_workers(srv, n, timeout=10):
    deadline = time.monotonic() + timeout
    while len(worker_pids(srv)) < n:
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)
    return worker_pids(srv)


def wait_replaced(srv, old, timeout=15):
    """Waits until every worker id in `old` (id -> pid) runs in a new pid."""
    deadline = time.monotonic() + timeout
    while any(worker_pids(srv).get(w) == pid for w, pid in old.items()):
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)


def everyone_broadcasts(clients, tag):
    """Each client sends "bcast <tag><i>"; every client must get all of them."""
    for i, ws in enumerate(clients):
        ws.send(f"bcast {tag}{i}")
    for ws in clients:
        got = sorted(ws.recv(timeout=5).split(":", 1)[1] for _ in clients)
        assert got == sorted(f"{tag}{i}" for i in range(len(clients)))


def whoami(ws):
    ws.send("whoami")
    m = re.fullmatch(r"worker=(\d+) pid=(\d+) fd=(\d+)", ws.recv(timeout=5))
    assert m
    return int(m[1]), int(m[2]), int(m[3])


def clients_on_workers(port, mode, workers=2, per_worker=1):
    """`per_worker` clients on each of `workers` different workers, the same
    on every run (swtest.clients_on_every_worker); [(ws, worker, pid, fd)]
    ordered by worker."""
    me = {}

    def worker_of(ws):
        me[ws] = whoami(ws)
        return me[ws][0]

    got = clients_on_every_worker(lambda: ws_connect(port), worker_of, workers, per_worker,
                                  hold=held_ws if mode == "base" else None)
    return [(ws, *me[ws]) for w in sorted(got) for ws in got[w]]


def clients_on_distinct_workers(port, mode, want=2):
    """One client on each of `want` different workers: [(ws, worker, pid, fd)]."""
    return clients_on_workers(port, mode, want)


@pytest.mark.parametrize("mode", MODES)
def test_broadcast_from_every_worker_reaches_every_client(php_server, mode):
    srv = start(php_server, mode, worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    clients = [ws for ws, _, _, _ in clients_on_workers(srv.port, mode, workers=4, per_worker=4)]
    try:
        everyone_broadcasts(clients, "m")
    finally:
        for ws in clients:
            ws.close()
    out = srv.stdout()
    # onWorkerStart ran once per worker, ids 0..3, each in its own process
    starts = re.findall(r"worker start id=(\d+) kind=event pid=(\d+) worker_id=(\d+) getpid=(\d+)", out)
    assert sorted(int(s[0]) for s in starts) == [0, 1, 2, 3], out
    assert all(s[0] == s[2] and s[1] == s[3] for s in starts), starts
    assert len({s[1] for s in starts}) == 4
    # session ids are unique across workers, and several workers served
    opens = re.findall(r"open fd=(\d+) worker=(\d+)", out)
    assert sorted(int(fd) for fd, _ in opens) == list(range(1, 17)), opens
    assert len({w for _, w in opens}) >= 2, opens
    m = re.search(r"start master_pid=(\d+) manager_pid=(\d+)", out)
    if mode == "base":
        # the start() process is the manager (and reported as master too)
        assert m and int(m[1]) == int(m[2]) == srv.pid, out
        assert f"manager start pid={srv.pid}" in out
    else:
        # the start() process is the master; the manager is its child
        assert m and int(m[1]) == srv.pid and int(m[2]) == manager_pid(srv) != srv.pid, out
        starts_pids = {int(p) for _, p, _, _ in starts}
        assert manager_pid(srv) not in starts_pids


@pytest.mark.parametrize("mode", MODES)
def test_any_worker_queries_and_closes_any_connection(php_server, mode):
    srv = start(php_server, mode, worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    (a, wa, _, fda), (b, wb, _, fdb) = clients_on_distinct_workers(srv.port, mode)
    try:
        a.send(f"info {fdb}")
        info = json.loads(a.recv(timeout=5))
        assert info == {"exist": True, "established": True, "remote_ip": "127.0.0.1", "websocket_status": 3}
        a.send("info 99999")
        assert json.loads(a.recv(timeout=5))["exist"] is False
        a.send("fds")
        fds = json.loads(a.recv(timeout=5))
        assert fda in fds["fds"] and fdb in fds["fds"] and fds["count"] == len(fds["fds"])
        # a disconnect() from A's worker closes B (owned by another worker)
        a.send(f"disconnect {fdb}")
        with pytest.raises(ConnectionClosed) as e:
            b.recv(timeout=5)
        assert e.value.rcvd.code == 4000 and e.value.rcvd.reason == f"bye from {wa}"
        srv.wait_for(f"close fd={fdb} worker={wb}\n")
        a.send(f"info {fdb}")
        assert json.loads(a.recv(timeout=5))["exist"] is False
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("mode", MODES)
def test_an_invalid_push_fails_the_same_for_a_local_and_a_remote_connection(php_server, mode):
    """One push path: the checks run before a push is forwarded to the
    connection's owner, so the script sees the same warning and result."""
    srv = start(php_server, mode, worker_num=2, task_worker_num=0)
    wait_workers(srv, 2)
    (a, wa, _, fda), (b, wb, _, fdb) = clients_on_distinct_workers(srv.port, mode)
    try:
        results = {}
        for target in (fda, fdb):
            a.send(f"badpush {target}")
            reply = a.recv(timeout=5)
            assert reply.startswith("badpush:"), reply
            results[target] = json.loads(reply.split(":", 1)[1])
        expected = {
            "opcode11": [False, 8505],
            "opcode-1": [False, 8505],
            "long_reason": [False, 8505],
        }
        assert results[fda] == expected, results
        assert results[fdb] == expected, results
        assert srv.count("push(): the maximum value of opcode is 10") == 4, srv.stdout()
        # Nothing of it reached B: the next thing B sees is this echo.
        b.send("whoami")
        assert b.recv(timeout=5).startswith(f"worker={wb} ")
    finally:
        a.close()
        b.close()


def test_killed_worker_is_respawned(php_server):
    srv = start(php_server, "base", worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    (victim, wv, pv, _), (other, wo, _, _) = clients_on_distinct_workers(srv.port, "base")
    try:
        os.kill(pv, signal.SIGKILL)
        srv.wait_for(f"worker error id={wv} pid={pv} code=0 signal=9\n")
        srv.wait_for(f"WARNING\tWorker::report_error(): worker(pid={pv}, id={wv}) abnormal exit, status=0, signal=9")
        wait_replaced(srv, {wv: pv})
        # BASE mode: the dead worker's connection died with it ...
        with pytest.raises(ConnectionClosed):
            victim.send("x")
            victim.recv(timeout=5)
        # ... the others never noticed, and new connections are served
        other.send("still")
        assert other.recv(timeout=5) == f"w{wo}:still"
        with ws_connect(srv.port) as fresh:
            fresh.send("hello")
            assert fresh.recv(timeout=5).endswith(":hello")
    finally:
        victim.close()
        other.close()
    assert pv not in process_tree(srv.pid)


def test_a_killed_workers_connections_leave_every_workers_list(php_server):
    """swoole-rs: $server->connections in a BASE worker lists every
    worker's connections (the shared table); a dead worker's go with it."""
    srv = start(php_server, "base", worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    (victim, wv, pv, _), (other, wo, _, fdo) = clients_on_distinct_workers(srv.port, "base")
    try:
        other.send("fds")
        assert len(json.loads(other.recv(timeout=5))["fds"]) == 2
        os.kill(pv, signal.SIGKILL)
        wait_replaced(srv, {wv: pv})
        other.send("fds")
        assert json.loads(other.recv(timeout=5))["fds"] == [fdo]
    finally:
        victim.close()
        other.close()


@pytest.mark.parametrize("mode", MODES)
def test_sigterm_drains_every_worker_and_exits_cleanly(php_server, mode):
    srv = start(php_server, mode, worker_num=3, task_worker_num=1)
    pids = wait_workers(srv, 4)
    clients = [RawClient(srv.port) for _ in range(6)]
    for c in clients:
        assert c.handshake().status == 101
    srv.signal(signal.SIGTERM)
    for c in clients:
        f = c.recv_frame(timeout=10)
        assert f.opcode == OP_CLOSE and f.close_code == 1001, f
        c.close()
    assert srv.wait_exit(15) == 0
    srv.expect_exit = True
    out = srv.stdout()
    for i in range(4):
        assert f"worker stop id={i}\n" in out, out
    assert out.index("manager stop") < out.index("shutdown\n") < out.index("start returned")
    # onBeforeShutdown once, in the master (the manager in SWOOLE_BASE), first
    assert out.count("before shutdown in master\n") == 1, out
    assert out.index("before shutdown in master\n") < out.index("worker stop id=0\n"), out
    for pid in pids.values():
        assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} left behind"


@pytest.mark.parametrize("mode", MODES)
def test_reload_restarts_every_worker(php_server, mode):
    srv = start(php_server, mode, worker_num=2, task_worker_num=1)
    before = wait_workers(srv, 3)
    with ws_connect(srv.port) as ws:
        ws.send("reload")
        srv.wait_for("bool(true)\n")
    deadline = time.monotonic() + 15
    while True:
        now = worker_pids(srv)
        if all(now[i] != before[i] for i in range(3)):
            break
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)
    srv.wait_for("after reload in manager\n")
    out = srv.stdout()
    for i in range(3):
        assert out.count(f"worker start id={i} ") == 2 and f"worker stop id={i}\n" in out
    assert "worker error" not in out
    # onBeforeReload and onAfterReload run in the manager, around the restarts
    assert out.count("before reload in manager\n") == 1, out
    assert out.index("before reload in manager\n") < out.index("worker stop id=0\n"), out
    with ws_connect(srv.port) as ws:
        ws.send("after reload")
        assert ws.recv(timeout=5).endswith(":after reload")
    # SIGUSR1 to the start() process does the same (in PROCESS mode the
    # master passes it on to the manager)
    srv.signal(signal.SIGUSR1)
    deadline = time.monotonic() + 15
    while srv.stdout().count("worker start id=2 ") < 3:
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)
    deadline = time.monotonic() + 5
    while srv.stdout().count("after reload in manager\n") < 2:
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)


@pytest.mark.parametrize("mode", MODES)
def test_tasks_round_trip(php_server, mode):
    srv = start(php_server, mode, worker_num=2, task_worker_num=2)
    wait_workers(srv, 4)
    with ws_connect(srv.port) as ws:
        worker, _, fd = whoami(ws)
        # task() + onTask's return value -> onFinish in the sending worker
        ws.send("task hello")
        res = json.loads(ws.recv(timeout=5).removeprefix("finished:"))
        assert res == {"done": {"fd": fd, "arg": "hello"}}
        m = srv.wait_for(r"task id=(\d+) src=(\d+) worker=(\d+) data=", regex=True)
        assert int(m[2]) == worker and int(m[3]) in (2, 3)
        srv.wait_for(f"task sent id=0 worker={worker}\n")
        srv.wait_for(f"finish id=0 worker={worker} data=")
        # a finish callback given to task() replaces onFinish
        ws.send("taskcb abc")
        assert ws.recv(timeout=5) == 'callback:{"done":"abc"}'
        # taskwait() blocks for the result
        ws.send("wait w1")
        assert ws.recv(timeout=5) == 'waited:{"done":{"arg":"w1"}}'
        # finish() called by onTask itself
        ws.send("finish f1")
        srv.wait_for('data={"finished":"f1"}\n')
        # task ids count up per worker: task, taskcb, wait, finish, this one
        ws.send("task again")
        ws.recv(timeout=5)
        srv.wait_for(f"task sent id=4 worker={worker}\n")


@pytest.mark.parametrize("mode", MODES)
def test_send_message_between_workers(php_server, mode):
    srv = start(php_server, mode, worker_num=3, task_worker_num=1)
    wait_workers(srv, 4)
    with ws_connect(srv.port) as ws:
        me, _, fd = whoami(ws)
        for dest in {0, 1, 2, 3} - {me}:
            ws.send(f"pipe {dest}")
            srv.wait_for(f'pipe src={me} worker={dest} msg={{"fd":{fd}}}\n')
            if mode == "process":
                assert ws.recv(timeout=5) == f"pipe from {me} at {dest}"
        srv.wait_for("sendMessage returned true\n")
        # to itself, and to a worker that does not exist
        ws.send(f"pipe {me}")
        srv.wait_for("can't send messages to self")
        ws.send("pipe 9")
        srv.wait_for("worker_id[9] is invalid")
        assert srv.stdout().count("sendMessage returned false") == 2


@pytest.mark.parametrize("mode", MODES)
def test_task_without_task_workers_warns(php_server, mode):
    srv = start(php_server, mode, worker_num=2, task_worker_num=0)
    wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        ws.send("task x")
        srv.wait_for("Warning: Swoole\\Server::task(): task method can't be executed without task worker")
        srv.wait_for("task sent id=false")
        ws.send("ping")
        assert ws.recv(timeout=5).endswith(":ping")


def test_max_request_retires_the_worker(php_server):
    srv = start(php_server, "base", worker_num=1, task_worker_num=0, max_request=3)
    pids = wait_workers(srv, 1)
    with ws_connect(srv.port) as ws:
        # the upgrade request counts, as in Swoole: it and two messages
        for i in range(2):
            ws.send(f"m{i}")
            assert ws.recv(timeout=5) == f"w0:m{i}"
        # the second message retired the worker: BASE mode closes its
        # clients (with 1001; Swoole drops them, a known difference)
        with pytest.raises(ConnectionClosed) as e:
            ws.recv(timeout=5)
        assert e.value.rcvd.code == 1001
    wait_replaced(srv, {0: pids[0]})
    assert "worker error" not in srv.stdout()
    with ws_connect(srv.port) as ws:
        ws.send("fresh")
        assert ws.recv(timeout=5) == "w0:fresh"


def test_task_workers_retire_by_task_max_request(php_server):
    """Task workers count toward task_max_request (Swoole's, none by
    default), not max_request; a max_request over 10 gets Swoole's grace
    (the event worker is not replaced after exactly max_request)."""
    srv = start(php_server, "base", worker_num=1, task_worker_num=1, max_request=12,
                task_max_request=2)
    pids = wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        for i in range(2):
            ws.send(f"wait t{i}")
            assert "t" + str(i) in ws.recv(timeout=5)
    # two tasks retired the task worker (id 1)
    wait_replaced(srv, {1: pids[1]})
    assert worker_pids(srv)[0] == pids[0]
    # the event worker: 12 requests + a grace of 1..6. The upgrades and
    # messages here make 12 events, which would retire it without one.
    with ws_connect(srv.port) as ws:
        for i in range(8):
            ws.send(f"m{i}")
            assert ws.recv(timeout=5) == f"w0:m{i}"
        time.sleep(0.5)
    assert worker_pids(srv)[0] == pids[0], "retired without Swoole's grace"
    assert "worker error" not in srv.stdout()


@pytest.mark.parametrize("mode", MODES)
def test_shutdown_from_a_worker(php_server, mode):
    srv = start(php_server, mode, worker_num=2, task_worker_num=0)
    wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        ws.send("shutdown")
        with pytest.raises(ConnectionClosed) as e:
            ws.recv(timeout=10)
        assert e.value.rcvd.code == 1001
    assert srv.wait_exit(15) == 0
    srv.expect_exit = True
    assert "start returned" in srv.stdout()


@pytest.mark.parametrize("workers", [1, 3])
def test_daemonize_and_pid_file(tmp_path, workers):
    """daemonize: start() returns to the shell at once (exit 0) while the
    server goes on detached; pid_file names the process to signal, and is
    removed when it stops. Output goes to log_file."""
    import subprocess

    from conftest import php_cmd
    from swtest import free_port

    port = free_port()
    pid_file = tmp_path / "server.pid"
    log_file = tmp_path / "server.log"
    script = tmp_path / "daemon.php"
    script.write_text(f"""<?php
$s = new Swoole\\WebSocket\\Server('127.0.0.1', {port});
$s->set(['daemonize' => true, 'pid_file' => '{pid_file}', 'log_file' => '{log_file}',
         'worker_num' => {workers}]);
$s->on('workerStart', function ($s, $id) {{ echo "worker $id up\\n"; }});
$s->on('message', function ($s, $f) {{ $s->push($f->fd, "daemon:" . $f->data); }});
$s->start();
""")
    # To files, not pipes: Swoole's daemon keeps PHP's own duplicates of
    # the launcher's stdout and stderr open, so a pipe never ends while it
    # runs (swoole-rs closes them).
    out_file = tmp_path / "launcher.out"
    with open(out_file, "wb") as out:
        r = subprocess.run(php_cmd() + [str(script)], stdout=out, stderr=subprocess.STDOUT, timeout=20)
    assert r.returncode == 0, out_file.read_bytes()
    assert out_file.read_bytes() == b""
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline, "no pid file"
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                ws = ws_connect(port)
                break
            except OSError:
                assert time.monotonic() < deadline, "daemon not listening"
                time.sleep(0.05)
        with ws:
            ws.send("hi")
            assert ws.recv(timeout=5) == "daemon:hi"
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z":
            assert time.monotonic() < deadline, "daemon did not stop"
            time.sleep(0.05)
        deadline = time.monotonic() + 5
        while pid_file.exists():
            assert time.monotonic() < deadline, "pid file left behind"
            time.sleep(0.05)
        assert "worker 0 up" in log_file.read_text()
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_process_mode_killed_worker_keeps_its_connections(php_server):
    """SWOOLE_PROCESS: the master owns the sockets. kill -9 a worker in the
    middle of traffic: no client disconnects, the manager respawns it
    (onWorkerError), and the next message of its clients is served by the
    new worker."""
    srv = start(php_server, "process", worker_num=3, task_worker_num=0)
    wait_workers(srv, 3)
    clients = clients_on_distinct_workers(srv.port, "process", want=3)
    try:
        victim, wv, pv, fdv = clients[0]
        os.kill(pv, signal.SIGKILL)
        # keep talking while it is dead and while it comes back
        for i in range(20):
            for ws, w, _, _ in clients[1:]:
                ws.send(f"during{i}")
                assert ws.recv(timeout=5) == f"w{w}:during{i}"
        srv.wait_for(f"worker error id={wv} pid={pv} code=0 signal=9\n")
        wait_replaced(srv, {wv: pv})
        victim.send("after")
        assert victim.recv(timeout=5) == f"w{wv}:after"
        assert whoami(victim)[1] == worker_pids(srv)[wv]
        victim.send("fds")
        assert len(json.loads(victim.recv(timeout=5))["fds"]) == 3
        assert f"close fd={fdv}" not in srv.stdout()
    finally:
        for ws, _, _, _ in clients:
            ws.close()


def test_process_mode_reload_under_load_drops_nothing(php_server):
    srv = start(php_server, "process", worker_num=2, task_worker_num=0)
    before = wait_workers(srv, 2)
    clients = [ws_connect(srv.port) for _ in range(4)]
    try:
        srv.signal(signal.SIGUSR1)
        i = 0
        deadline = time.monotonic() + 20
        while any(worker_pids(srv).get(w) == before[w] for w in before):
            assert time.monotonic() < deadline, srv.describe()
            for ws in clients:
                ws.send(f"r{i}")
                assert ws.recv(timeout=5).endswith(f":r{i}")
            i += 1
        for ws in clients:
            ws.send("done")
            assert ws.recv(timeout=5).endswith(":done")
        assert "close fd=" not in srv.stdout()
    finally:
        for ws in clients:
            ws.close()


def test_process_mode_max_request_keeps_the_connection(php_server):
    srv = start(php_server, "process", worker_num=1, task_worker_num=0, max_request=3)
    pids = wait_workers(srv, 1)
    with ws_connect(srv.port) as ws:
        for i in range(8):
            ws.send(f"m{i}")
            assert ws.recv(timeout=5) == f"w0:m{i}"
    assert worker_pids(srv)[0] != pids[0]
    assert srv.stdout().count("worker start id=0 ") >= 3
    assert "worker error" not in srv.stdout()


@pytest.mark.parametrize("dispatch_mode,unsafe", [(1, False), (2, False), (3, False), (1, True), (3, True)])
def test_process_mode_dispatch_modes(php_server, dispatch_mode, unsafe):
    """Every message is answered whatever worker runs it; with fd-modulo
    (2) a connection always meets the same worker (which one depends on
    how the master numbers its sockets). onClose runs once; with 1 and 3 it
    runs only with enable_unsafe_event (Swoole's start_check() drops it,
    with a warning, otherwise)."""
    settings = {"enable_unsafe_event": True} if unsafe else {}
    srv = start(php_server, "process", worker_num=3, task_worker_num=0, dispatch_mode=dispatch_mode,
                **settings)
    wait_workers(srv, 3)
    with ws_connect(srv.port) as ws:
        seen = set()
        for i in range(12):
            w, _, fd = whoami(ws)
            seen.add(w)
        if dispatch_mode == 2:
            assert len(seen) == 1
        elif dispatch_mode == 1:
            assert seen == {0, 1, 2}
    warning = f"WARNING\tServer::start_check() (ERRNO 9015): cannot set 'onClose' event when using dispatch_mode={dispatch_mode}\n"
    if dispatch_mode == 2 or unsafe:
        srv.wait_for(f"close fd={fd} ")
        time.sleep(0.3)
        assert srv.stdout().count(f"close fd={fd} ") == 1
        assert "start_check()" not in srv.stdout()
    else:
        srv.wait_for(warning)
        ws = ws_connect(srv.port)
        ws.send("ping")
        assert ws.recv(timeout=5).endswith(":ping")
        ws.close()
        time.sleep(0.3)
        assert "close fd=" not in srv.stdout()


def test_process_mode_http_requests(php_server):
    import urllib.request

    srv = start(php_server, "process", worker_num=2, task_worker_num=0)
    wait_workers(srv, 2)
    workers = set()
    for i in range(6):
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/p{i}", timeout=5) as r:
            body = r.read().decode()
            assert body.startswith(f"http /p{i} from "), body
            workers.add(r.headers["X-Worker"])
    assert workers <= {"0", "1"}
    # keep-alive: several requests on one connection
    with RawClient(srv.port) as c:
        for i in range(3):
            c.send(f"GET /k{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            r = c.read_response()
            assert r.status == 200 and r.body.startswith(f"http /k{i} from ".encode()), r.raw


@pytest.mark.parametrize("reactors", [1, 3])
def test_process_mode_reactor_threads(php_server, reactors):
    """reactor_num: the master serves connections from that many threads
    (the main one and reactor-1..N-1), accepting on one socket; broadcasts,
    queries and closes work whichever reactor holds a connection."""
    srv = start(php_server, "process", worker_num=2, task_worker_num=0, reactor_num=reactors)
    wait_workers(srv, 2)
    names = []
    for tid in os.listdir(f"/proc/{srv.pid}/task"):
        with open(f"/proc/{srv.pid}/task/{tid}/comm") as f:
            names.append(f.read().strip())
    # At least one thread per reactor; swoole-rs names its extra ones
    # reactor-1..N-1 (Swoole leaves its threads unnamed).
    assert len(names) >= reactors, names
    named = sorted(n for n in names if n.startswith("reactor-"))
    assert named in ([], [f"reactor-{r}" for r in range(1, reactors)]), names
    clients = [ws_connect(srv.port) for _ in range(12)]
    try:
        everyone_broadcasts(clients, "b")
        _, _, fd0 = whoami(clients[0])
        _, _, fd1 = whoami(clients[1])
        clients[0].send("fds")
        assert len(json.loads(clients[0].recv(timeout=5))["fds"]) == 12
        clients[0].send(f"disconnect {fd1}")
        with pytest.raises(ConnectionClosed) as e:
            clients[1].recv(timeout=5)
        assert e.value.rcvd.code == 4000
        srv.wait_for(f"close fd={fd1} ")
    finally:
        for ws in clients:
            ws.close()


@pytest.mark.parametrize("mode", MODES)
def test_reload_async_calls_worker_exit_before_stop(php_server, mode):
    """reload_async (on by default, as in Swoole): a stopping worker whose
    loop still has work (here a timer) gets onWorkerExit, runs until the
    work is done, then onWorkerStop; an idle one stops at once, without
    onWorkerExit."""
    srv = start(php_server, mode, worker_num=2, task_worker_num=0)
    before = wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        w, _, _ = whoami(ws)
        ws.send("later 1500")
        assert ws.recv(timeout=5) == "later set"
    srv.signal(signal.SIGUSR1)
    wait_replaced(srv, before)
    # (Swoole's PROCESS mode starts the new worker before the old one is
    # done; swoole-rs' once it is.)
    srv.wait_for(f"later ran w{w}\nworker stop id={w}\n")
    out = srv.stdout()
    assert out.index(f"worker exit id={w}\n") < out.index(f"later ran w{w}\n"), out
    assert "exiting worker status=3\n" in out, out  # SWOOLE_WORKER_EXIT
    assert f"worker exit id={1 - w}\n" not in out, out
    assert f"worker stop id={1 - w}\n" in out
    # with reload_async off there is no onWorkerExit, and the timer is gone
    srv2 = start(php_server, mode, worker_num=2, task_worker_num=0, reload_async=False)
    before = wait_workers(srv2, 2)
    with ws_connect(srv2.port) as ws:
        w, _, _ = whoami(ws)
        ws.send("later 1500")
        assert ws.recv(timeout=5) == "later set"
    srv2.signal(signal.SIGUSR1)
    wait_replaced(srv2, before)
    time.sleep(2)
    out = srv2.stdout()
    assert "worker exit" not in out and "later ran" not in out, out


@pytest.mark.parametrize("mode", MODES)
def test_a_stuck_worker_does_not_stop_the_others(php_server, mode):
    """One worker loops forever in PHP: the other worker's clients, new
    connections and the master go on; shutdown kills the stuck one after
    max_wait_time and leaves nothing behind. (PROCESS mode runs with
    dispatch_mode 3, which sends events to idle workers only; with fd
    modulo, events of the stuck worker's share of fds wait, as in Swoole.)"""
    extra = {"dispatch_mode": 3, "env": {"SWTEST_IDLE_MARKS": 1}} if mode == "process" else {}
    srv = start(php_server, mode, worker_num=2, task_worker_num=0, max_wait_time=1, **extra)
    wait_workers(srv, 2)
    events = 0

    def settle(n=1):
        """PROCESS: dispatch_mode 3 falls back to round robin while every
        worker is busy, so before the next event the idle worker must have
        finished the last `n` (SWTEST_IDLE_MARKS: one mark per callback,
        printed once the worker is idle again). BASE: nothing to wait for,
        a connection's events run in the worker that accepted it."""
        nonlocal events
        events += n
        if mode == "process":
            deadline = time.monotonic() + 10
            while srv.count("idle w") < events:
                assert time.monotonic() < deadline, srv.describe()
                time.sleep(0.01)

    if mode == "base":
        (stuck, _, _, _), (ok, _, _, _) = clients_on_distinct_workers(srv.port, mode)
    else:
        stuck, ok = ws_connect(srv.port), ws_connect(srv.port)
        settle(2)
    try:
        stuck.send("spin")
        m = srv.wait_for(r"spinning in (\d+)\n", regex=True)
        spinning = int(m[1])
        for i in range(5):
            ok.send(f"alive{i}")
            assert ok.recv(timeout=5) == f"w{1 - spinning}:alive{i}"
            settle()
        for _ in range(6):
            with ws_connect(srv.port) as fresh:
                settle()  # onOpen
                fresh.send("ping")
                assert fresh.recv(timeout=5) == f"w{1 - spinning}:ping"
                settle()
            # no onClose with dispatch_mode 3 (Swoole's start_check())
    finally:
        stuck.close()
        ok.close()
    srv.signal(signal.SIGTERM)
    assert srv.wait_exit(20) == 0
    srv.expect_exit = True


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("how", ["exit 3", "fatal", "exit 0"])
def test_worker_exit_and_fatal_error_are_respawned(php_server, mode, how):
    """exit() in a worker's callback throws Swoole\\ExitException (as in
    Swoole: exit() in a coroutine or a started server); uncaught, like any
    fatal error, it ends that worker only, with status 255 (whatever exit
    was given): an abnormal exit (log line + onWorkerError), and the
    manager starts another worker with the same id."""
    srv = start(php_server, mode, worker_num=2, task_worker_num=0)
    before = wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        w, pid, _ = whoami(ws)
        ws.send(how)
        wait_replaced(srv, {w: pid})
    out = srv.stdout()
    assert f"worker error id={w} pid={pid} code=255 signal=0\n" in out, out
    assert "abnormal exit, status=255, signal=0" in out
    if how == "fatal":
        assert "Call to undefined function no_such_function_here()" in out
    else:
        assert "Fatal error: Uncaught Swoole\\ExitException: swoole exit in " in out, out
    other = 1 - w
    assert worker_pids(srv)[other] == before[other]
    with ws_connect(srv.port) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5).endswith(":hello")


@pytest.mark.parametrize("mode", MODES)
def test_exit_in_a_callback_is_an_exception_the_script_may_catch(php_server, mode):
    srv = start(php_server, mode, worker_num=2, task_worker_num=0)
    wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        ws.send("catchexit 7")
        # 6: SWOOLE_EXIT_IN_COROUTINE | SWOOLE_EXIT_IN_SERVER
        assert ws.recv(timeout=5) == "caught swoole exit status=7 flags=6"
        ws.send("hello")
        assert ws.recv(timeout=5).endswith(":hello")
    assert "worker error" not in srv.stdout()


@pytest.mark.parametrize(
    "mode, workers",
    [("base", 1), ("base", 3), ("process", 2)],
    ids=["single-process", "base-3", "process-2"],
)
def test_native_broadcast_reaches_every_connection_but_the_excluded(php_server, mode, workers):
    """$server->broadcast($data, $opcode, $exclude) (swoole-rs): one call from
    any worker reaches every established connection of every worker, except
    the excluded fds; plain HTTP connections get nothing."""
    srv = start(php_server, mode, worker_num=workers, task_worker_num=0)
    wait_workers(srv, workers)
    clients = [ws_connect(srv.port) for _ in range(8)]
    http = RawClient(srv.port)
    http.send(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
    assert http.read_response().status == 200
    try:
        clients[0].send("nbcast hello")
        for ws in clients[1:]:
            assert ws.recv(timeout=5) == "nb:hello"
        srv.wait_for("bool(true)\n")
        # the sender was excluded: its next message is its own echo
        clients[0].send("x")
        assert clients[0].recv(timeout=5).endswith(":x")
        assert http.read_for(0.3) == b""
    finally:
        http.close()
        for ws in clients:
            ws.close()


@pytest.mark.parametrize("task_co", ["0", "1"])
@pytest.mark.parametrize("mode", MODES)
def test_tasks_from_the_manager_and_a_side_process_take_no_result(php_server, mode, task_co):
    """task() works from onManagerStart and from an addProcess() process (one
    blocked in sleep(), so the task must leave at once); their tasks take no
    result: the task worker's finish() (and onTask's return value) is false
    with Swoole's log line, and no onFinish runs anywhere. taskwait() there
    is false. A worker's task gets both finish()'s result and the value
    onTask returns, as in Swoole."""
    srv = php_server("task_sources.php", env={"SWTEST_MODE": mode, "SWTEST_TASK_CO": task_co})
    want = {"manager sent: 0", "side sent: 0", "side taskwait: false", "worker sent: 0",
            "finish answer to worker"}
    if task_co == "1":
        want |= {"task manager noreply finish=false", "task side noreply finish=false",
                 "task worker reply finish=true"}
    else:
        want |= {"task manager finish=false", "task side finish=false", "task worker finish=true",
                 "finish returned for worker"}
    deadline = time.monotonic() + 10
    while not want <= set(srv.stdout().splitlines()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # nothing more may come
    lines = [line for line in srv.stdout().splitlines() if not line.startswith("[")]
    assert sorted(lines) == sorted(want), srv.output()
    warned = srv.output().count("WARNING\tServer::finish(): Server::finish() can only be used in the worker process")
    assert warned == (2 if task_co == "1" else 4), srv.output()


def test_a_waited_task_takes_one_result_from_a_task_object(php_server):
    """task_object without coroutines: onTask answers with $task->finish() and
    also returns a value. The waiting taskwait() takes one result and nothing
    of that task reaches onFinish afterwards; a plain task() gets both, as in
    Swoole. (Swoole's taskwait() gets whichever its shared buffer held last,
    so either value is accepted.)"""
    srv = php_server("task_object_wait.php")
    srv.wait_for("finish second for y\n")
    time.sleep(0.3)  # nothing more may come
    out = srv.stdout()
    assert re.search(r"^waited: '(first|second) for x'$", out, re.M), out
    assert "finish first for y\n" in out, out
    assert " for x\n" not in out.replace("waited:", ""), out


SHUTDOWN_IN_START = """<?php
$mode = $argv[2] === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$s = new Swoole\\Server('127.0.0.1', (int)$argv[1], $mode);
$s->set(['worker_num' => (int)$argv[3], 'log_level' => SWOOLE_LOG_WARNING]);
$s->on('start', function ($s) { echo "start\\n"; var_dump($s->shutdown()); });
$s->on('beforeShutdown', function ($s) {
    echo "before shutdown in ", getmypid() === $s->master_pid ? 'master' : 'other', "\\n";
});
$s->on('shutdown', function ($s) { echo "shutdown\\n"; });
$s->on('receive', function () {});
var_dump($s->start());
"""


@pytest.mark.parametrize("mode,workers", [("base", 1), ("base", 2), ("process", 1), ("process", 2)])
def test_shutdown_from_on_start_runs_before_shutdown_then_shutdown(php, mode, workers):
    """shutdown() in onStart stops the server at once in every shape, with
    onBeforeShutdown in the master (the manager in SWOOLE_BASE) before
    onShutdown, and start() returns (as in Swoole; a SWOOLE_BASE server
    with workers was killed by its own SIGTERM before)."""
    from conftest import free_port
    r = php(None, free_port(), mode, workers, code=SHUTDOWN_IN_START, timeout=20)
    assert (r.returncode, r.stdout) == (0, "start\nbool(true)\nbefore shutdown in master\nshutdown\nbool(true)\n"), \
        r.stdout + r.stderr
