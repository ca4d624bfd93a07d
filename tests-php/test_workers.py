"""Several worker processes (SWOOLE_BASE, worker_num > 1, task workers).

The process that calls start() becomes the manager; workers share the
listening socket; the connection table is shared memory, so every worker can
push to, query and close any connection; a worker that dies is respawned
(onWorkerError), reload restarts every worker, SIGTERM drains everything.
Script: tests-php/servers/workers.php.
"""

import json
import os
import re
import signal
import time

import pytest
from conftest import process_tree
from swtest import OP_CLOSE, RawClient, ws_connect
from websockets.exceptions import ConnectionClosed


def start(php_server, **settings):
    return php_server("workers.php", settings=settings)


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


def whoami(ws):
    ws.send("whoami")
    m = re.fullmatch(r"worker=(\d+) pid=(\d+) fd=(\d+)", ws.recv(timeout=5))
    assert m
    return int(m[1]), int(m[2]), int(m[3])


def clients_on_distinct_workers(port, want=2, tries=40):
    """Connects until `want` clients sit on different workers; returns
    [(ws, worker, pid, fd)] for those, and closes the rest."""
    found, spare = {}, []
    for _ in range(tries):
        ws = ws_connect(port)
        worker, pid, fd = whoami(ws)
        if worker in found:
            spare.append(ws)
        else:
            found[worker] = (ws, worker, pid, fd)
        if len(found) >= want:
            break
    for ws in spare:
        ws.close()
    assert len(found) >= want, f"all connections went to workers {list(found)}"
    return list(found.values())


def test_broadcast_from_every_worker_reaches_every_client(php_server):
    srv = start(php_server, worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    clients = [ws_connect(srv.port) for _ in range(16)]
    try:
        for i, ws in enumerate(clients):
            ws.send(f"bcast m{i}")
        for ws in clients:
            got = sorted(ws.recv(timeout=5).split(":", 1)[1] for _ in clients)
            assert got == sorted(f"m{i}" for i in range(16))
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
    assert m and int(m[1]) == int(m[2]) == srv.pid, out
    assert f"manager start pid={srv.pid}" in out


def test_any_worker_queries_and_closes_any_connection(php_server):
    srv = start(php_server, worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    (a, wa, _, fda), (b, wb, _, fdb) = clients_on_distinct_workers(srv.port)
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


def test_killed_worker_is_respawned(php_server):
    srv = start(php_server, worker_num=4, task_worker_num=0)
    wait_workers(srv, 4)
    (victim, wv, pv, _), (other, wo, _, _) = clients_on_distinct_workers(srv.port)
    try:
        os.kill(pv, signal.SIGKILL)
        srv.wait_for(f"worker error id={wv} pid={pv} code=0 signal=9\n")
        srv.wait_for(f"WARNING\tWorker::report_error(): worker(pid={pv}, id={wv}) abnormal exit, status=0, signal=9")
        deadline = time.monotonic() + 10
        while worker_pids(srv).get(wv) == pv:
            assert time.monotonic() < deadline, srv.describe()
            time.sleep(0.05)
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
        # the dead worker's connection is gone from the shared table
        other.send("fds")
        assert len(json.loads(other.recv(timeout=5))["fds"]) == 1
    finally:
        victim.close()
        other.close()
    assert pv not in process_tree(srv.pid)


def test_sigterm_drains_every_worker_and_exits_cleanly(php_server):
    srv = start(php_server, worker_num=3, task_worker_num=1)
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
    for pid in pids.values():
        assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} left behind"


def test_reload_restarts_every_worker(php_server):
    srv = start(php_server, worker_num=2, task_worker_num=1)
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
    out = srv.stdout()
    for i in range(3):
        assert out.count(f"worker start id={i} ") == 2 and f"worker stop id={i}\n" in out
    assert "worker error" not in out
    with ws_connect(srv.port) as ws:
        ws.send("after reload")
        assert ws.recv(timeout=5).endswith(":after reload")
    # SIGUSR1 to the manager does the same
    srv.signal(signal.SIGUSR1)
    deadline = time.monotonic() + 15
    while srv.stdout().count("worker start id=2 ") < 3:
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)


def test_tasks_round_trip(php_server):
    srv = start(php_server, worker_num=2, task_worker_num=2)
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


def test_send_message_between_workers(php_server):
    srv = start(php_server, worker_num=3, task_worker_num=1)
    wait_workers(srv, 4)
    with ws_connect(srv.port) as ws:
        me, _, fd = whoami(ws)
        for dest in {0, 1, 2, 3} - {me}:
            ws.send(f"pipe {dest}")
            assert ws.recv(timeout=5) == f"pipe from {me} at {dest}"
        srv.wait_for("sendMessage returned true\n")
        # to itself, and to a worker that does not exist
        ws.send(f"pipe {me}")
        srv.wait_for("can't send messages to self")
        ws.send("pipe 9")
        srv.wait_for("worker_id[9] is invalid")
        assert srv.stdout().count("sendMessage returned false") == 2


def test_task_without_task_workers_warns(php_server):
    srv = start(php_server, worker_num=2, task_worker_num=0)
    wait_workers(srv, 2)
    with ws_connect(srv.port) as ws:
        ws.send("task x")
        srv.wait_for("Warning: Swoole\\Server::task(): task method can't be executed without task worker")
        srv.wait_for("task sent id=false")
        ws.send("ping")
        assert ws.recv(timeout=5).endswith(":ping")


def test_max_request_retires_the_worker(php_server):
    srv = start(php_server, worker_num=1, task_worker_num=0, max_request=3)
    pids = wait_workers(srv, 1)
    with ws_connect(srv.port) as ws:
        for i in range(3):
            ws.send(f"m{i}")
            assert ws.recv(timeout=5) == f"w0:m{i}"
        # the third message retired the worker: BASE mode closes its clients
        with pytest.raises(ConnectionClosed) as e:
            ws.recv(timeout=5)
        assert e.value.rcvd.code == 1001
    deadline = time.monotonic() + 10
    while worker_pids(srv)[0] == pids[0]:
        assert time.monotonic() < deadline, srv.describe()
        time.sleep(0.05)
    assert "worker error" not in srv.stdout()
    with ws_connect(srv.port) as ws:
        ws.send("fresh")
        assert ws.recv(timeout=5) == "w0:fresh"


def test_shutdown_from_a_worker(php_server):
    srv = start(php_server, worker_num=2, task_worker_num=0)
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
    r = subprocess.run(php_cmd() + [str(script)], capture_output=True, timeout=20)
    assert r.returncode == 0, r
    assert r.stdout == b"", r.stdout
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
