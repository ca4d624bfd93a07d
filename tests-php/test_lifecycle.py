"""Start-up errors, shutdown by signal or by $server->shutdown(), php --ri."""

import re
import signal
import socket
import subprocess

import pytest

import conftest
from swtest import ws_connect, ws_wait_closed


def _start_then(code_after_construct: str, port: int, mode: str = "SWOOLE_BASE") -> str:
    return (
        "<?php\n"
        f"$s = new Swoole\\WebSocket\\Server('127.0.0.1', {port}, {mode});\n"
        "try {\n"
        f"    {code_after_construct}\n"
        "} catch (Throwable $e) {\n"
        "    echo 'caught ', get_class($e), \"\\n\";\n"
        "}\n"
        "echo \"not reached\\n\";\n"
    )


@pytest.mark.parametrize("mode", ["SWOOLE_BASE", "SWOOLE_PROCESS"])
def test_start_without_onmessage_is_a_fatal_error(php, mode):
    port = conftest.free_port()
    r = php(code=_start_then("$s->start();", port, mode), timeout=30)
    assert r.returncode == 255, (r.returncode, r.stdout, r.stderr)
    assert re.fullmatch(
        r"\nFatal error: Swoole\\Server::start\(\): require onMessage callback in \S+\.php on line 4\n",
        r.stdout,
    ), r.stdout
    assert "caught" not in r.stdout and "not reached" not in r.stdout


def test_port_in_use_throws_swoole_exception(php):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = php(
            code=(
                "<?php\n"
                "try {\n"
                f"    new Swoole\\WebSocket\\Server('127.0.0.1', {port});\n"
                "    echo \"no exception\\n\";\n"
                "} catch (Swoole\\Exception $e) {\n"
                "    echo get_class($e), '|', $e->getCode(), '|', $e->getMessage(), \"\\n\";\n"
                "}\n"
            )
        )
    assert r.returncode == 0, r
    assert (
        f"Swoole\\Exception|98|failed to listen server port[127.0.0.1:{port}], "
        "Error: Address already in use[98]\n"
    ) in r.stdout, r.stdout


def test_php_ri_names_swoole_rs():
    conftest.require_extension()
    r = subprocess.run(
        conftest.php_cmd() + ["--ri", "swoole"], capture_output=True, text=True, timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r
    rows = dict(
        line.split(" => ", 1) for line in r.stdout.splitlines() if " => " in line
    )
    cargo_toml = (conftest.ROOT / "Cargo.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', cargo_toml, re.M).group(1)
    assert rows.get("swoole-rs", "").startswith("enabled"), r.stdout
    assert rows.get("Version") == version, r.stdout
    assert rows.get("Swoole API level") == "6.2.2", r.stdout
    # Build features, with the versions of the crates linked in.
    assert re.match(r"permessage-deflate .*zlib-rs \d+\.\d+", rows.get("compression", "")), r.stdout
    assert re.match(r"rustls \d+\.\d+\.\d+ ", rows.get("TLS", "")), r.stdout
    assert "SWOOLE_PROCESS" in rows.get("Server modes", ""), r.stdout
    # Swoole's own skip checks read this row (PHP's OpenSSL is linked in
    # Debian's php8.2-cli).
    assert re.match(r"OpenSSL \d+\.\d+\.\d+ .*rustls \d", rows.get("openssl", "")), r.stdout
    assert rows.get("coroutine", "").startswith("enabled"), r.stdout


# --------------------------------------------------------------------------
# shutdown
# --------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("mode", ["base", "process"])
def test_signal_shuts_down_gracefully(php_server, sig, mode):
    srv = php_server("ws.php", env={"SWTEST_LIFECYCLE": 1, "SWTEST_MODE": mode})
    srv.wait_for("worker start 0\n")
    clients = [ws_connect(srv.port) for _ in range(2)]
    for i, ws in enumerate(clients):
        ws.send(f"hi {i}")
        assert ws.recv(timeout=5) == f"hi {i}"
    srv.expect_exit = True
    srv.signal(sig)
    for ws in clients:
        ws_wait_closed(ws, 10)
        assert ws.close_code == 1001, ws.close_code
    assert srv.wait_exit(15) == 0
    out = srv.stdout()
    assert "shutdown\n" in out
    assert out.index("worker start 0") < out.index("shutdown\n")


def test_shutdown_method(php_server):
    srv = php_server("ws.php", env={"SWTEST_LIFECYCLE": 1})
    with ws_connect(srv.port) as other, ws_connect(srv.port) as ws:
        srv.expect_exit = True
        ws.send("!shutdown")
        ws_wait_closed(other, 10)
        assert other.close_code == 1001
    assert srv.wait_exit(15) == 0
    out = srv.stdout()
    assert "calling shutdown\nbool(true)\n" in out
    assert "shutdown\n" in out.split("calling shutdown\n", 1)[1]


def test_idle_server_exits_on_sigterm(php_server):
    srv = php_server("ws.php")
    srv.expect_exit = True
    srv.signal(signal.SIGTERM)
    assert srv.wait_exit(10) == 0


def test_setting_holds_swoole_defaults_at_start(php):
    """Swoole fills in worker_num, task_worker_num, ... at start(); scripts
    read $server->setting['worker_num'] (and divide by it)."""
    res = php(code=r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', 0);
$s->set(['heartbeat_idle_time' => 60]);
$s->on('message', function () {});
$s->on('workerStart', function ($s) {
    $c = $s->setting;
    echo json_encode([$c['worker_num'], $c['task_worker_num'], $c['heartbeat_idle_time'],
        $c['open_websocket_protocol'], $c['max_connection'] > 0]), "\n";
    $s->shutdown();
});
$s->start();
""")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == "[1,0,60,true,true]", res.stdout


def test_start_again_after_a_shutdown_warns(php):
    """A server that has run and shut down cannot start again: Swoole's
    warning names the class, and start() is false."""
    from conftest import free_port
    code = """<?php
$s = new Swoole\\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$s->on('receive', function () {});
$s->on('workerStart', function ($s) { $s->shutdown(); });
var_dump($s->start());
var_dump($s->start());
"""
    r = php(None, free_port(), code=code, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("bool(true)\n\nWarning: Swoole\\Server::start(): The server have been shutdown, "
                               "unable to execute Swoole\\Server->start() in "), r.stdout
    assert r.stdout.endswith("\nbool(false)\n"), r.stdout
