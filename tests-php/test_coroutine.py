"""Coroutines (go(), Co\\run(), Swoole\\Coroutine, Channel, WaitGroup) on
PHP's fibers. Each script in tests-php/coroutine/ runs as a CLI script; its
.expect file is what Swoole 6.2.2 printed for it (the one line Swoole adds
at exit about a destroyed channel left out), with %DIR% for the folder."""

import pathlib
import subprocess

import pytest

from conftest import php_cmd, require_extension

DIR = pathlib.Path(__file__).parent / "coroutine"


def run(name, timeout=30):
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / name)], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("name", ["basics", "channel", "waitgroup", "deadlock"])
def test_prints_what_swoole_prints(name):
    code, out = run(f"{name}.php")
    want = (DIR / f"{name}.expect").read_text().replace("%DIR%", str(DIR))
    assert out == want
    assert code == 0


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

import threading
import time
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
    assert out == "__construct\nafter unset\n__destruct\npop ret:false error:-1\n"
