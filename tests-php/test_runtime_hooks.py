"""Runtime hooks: Swoole\\Runtime::enableCoroutine() / setHookFlags(),
Co::set(['hook_flags' => ...]) and a server's 'hook_flags' setting make
PHP's tcp/udp/unix/udg stream transports and sleep(), usleep(),
time_nanosleep() and time_sleep_until() yield inside coroutines, so
blocking client libraries (phpredis, PDO/mysqli on mysqlnd, Predis-style
stream code) wait together instead of blocking the worker.

The scripts are in tests-php/hooks/. A script's .expect file is what Swoole
6.2.2 printed for it, with two kinds of line left out:
  * "TIME <what> <seconds>" lines the scripts print: the tests check them
    against bounds (generous: what matters is serial vs overlapping);
  * Swoole's log lines "[...]\tWARNING\thook_func(): The function named
    `curl_init` is not found" (SWOOLE_HOOK_NATIVE_CURL without ext-curl,
    which `php -n` does not load), printed to stdout whenever every hook is
    turned on.
%DIR% stands for tests-php/hooks.

A real redis-server and a real MariaDB run on free loopback ports (one each
for the module); scripts/deps.sh installs them and PHP's redis and mysql
extensions, which are loaded with `-d extension=...` (php runs with -n).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass

import pytest

from conftest import free_port, php_cmd, require_extension
from swtest import diff, without_hook_func_warnings, ws_connect

HOOKS = pathlib.Path(__file__).parent / "hooks"
PHP = os.environ.get("SWTEST_PHP", "php")

# redis.so uses igbinary's symbols, so igbinary.so is loaded first.
REDIS_EXT = ["-d", "extension=igbinary.so", "-d", "extension=redis.so"]
MYSQL_EXT = ["-d", "extension=mysqlnd.so", "-d", "extension=pdo.so",
             "-d", "extension=pdo_mysql.so", "-d", "extension=mysqli.so"]

REDIS_SERVER = shutil.which("redis-server")
MARIADBD = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/local/sbin")
MARIADB_INSTALL_DB = shutil.which("mariadb-install-db")

TIME_LINE = re.compile(r"^TIME (\S+) ([0-9.]+)\n", re.M)
HOOK_ALL = 2143285247


@dataclass
class Result:
    code: int
    out: str  # stdout without TIME lines and hook_func warnings
    err: str
    times: dict


def run(name, *args, php_args=(), timeout=45) -> Result:
    require_extension()
    try:
        r = subprocess.run(php_cmd() + list(php_args) + [str(HOOKS / name)] + [str(a) for a in args],
                           capture_output=True, text=True, errors="replace", timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout
        pytest.fail(f"{name} still running after {timeout} s; its output:\n{out}", pytrace=False)
    out = without_hook_func_warnings(r.stdout)
    times = {m.group(1): float(m.group(2)) for m in TIME_LINE.finditer(out)}
    return Result(r.returncode, TIME_LINE.sub("", out), r.stderr, times)


def expected(name: str) -> str:
    return (HOOKS / f"{name}.expect").read_text().replace("%DIR%", str(HOOKS))


def assert_prints_what_swoole_prints(r: Result, name: str):
    want = expected(name)
    if r.out != want:
        pytest.fail(f"{name}.php's output differs from {name}.expect:\n{diff(want, r.out)}"
                    f"\n--- stderr:\n{r.err}", pytrace=False)
    assert r.err == "", f"{name}.php wrote to stderr:\n{r.err}"
    assert r.code == 0, f"{name}.php exited with {r.code}"


def php_can_load(ext_args, *names) -> bool:
    code = "echo json_encode([" + ", ".join(f"extension_loaded('{n}')" for n in names) + "]);"
    r = subprocess.run([PHP, "-n"] + ext_args + ["-r", code], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return r.stdout.strip() == json.dumps([True] * len(names)).replace(" ", "")


def require_php_ext(ext_args, *names):
    if not php_can_load(ext_args, *names):
        pytest.skip(f"PHP extension(s) {', '.join(names)} not installed "
                    "(scripts/deps.sh installs php8.2-redis and php8.2-mysql)")


# --------------------------------------------------------------------------
# Redis and MariaDB, once per module
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_port():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (scripts/deps.sh installs it)")
    workdir = tempfile.mkdtemp(prefix="swoole-hooks-redis-")
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start on {port}")
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def mysql_port():
    """A MariaDB of our own: a fresh data directory (mariadb-install-db),
    mariadbd on a free loopback port, root without a password (and no
    grant checks); stopped and removed at the end of the module."""
    if MARIADBD is None or MARIADB_INSTALL_DB is None:
        pytest.skip("mariadb-server is not installed (scripts/deps.sh installs it)")
    workdir = tempfile.mkdtemp(prefix="swoole-hooks-mariadb-")
    datadir = os.path.join(workdir, "data")
    # As root, mariadbd refuses to run unless told to run as root.
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    install = subprocess.run(
        [MARIADB_INSTALL_DB, "--no-defaults", f"--datadir={datadir}",
         "--auth-root-authentication-method=normal", "--skip-test-db"] + as_root,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if install.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise AssertionError(f"mariadb-install-db failed:\n{install.stdout}\n{install.stderr}")
    port = free_port()
    log = os.path.join(workdir, "error.log")
    proc = subprocess.Popen(
        [MARIADBD, "--no-defaults", f"--datadir={datadir}",
         f"--socket={os.path.join(workdir, 'mysqld.sock')}",
         f"--pid-file={os.path.join(workdir, 'mysqld.pid')}", f"--log-error={log}",
         f"--port={port}", "--bind-address=127.0.0.1", "--skip-grant-tables",
         "--skip-name-resolve", "--max-connections=500"] + as_root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    greeting = s.recv(5)
                    if len(greeting) == 5 and greeting[4] == 10:  # protocol version 10
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                text = pathlib.Path(log).read_text(errors="replace") if os.path.exists(log) else ""
                raise AssertionError(f"mariadbd did not start on {port}:\n{text[-5000:]}")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------
# The flags
# --------------------------------------------------------------------------

def test_hook_flags_as_swoole_reports_them():
    """enableCoroutine() is SWOOLE_HOOK_ALL, enableCoroutine(false) 0,
    SWOOLE_HOOK_TCP | SWOOLE_HOOK_SLEEP 514 (and true is 1: a bool is taken
    as an int); setHookFlags(); Co::set() and a server's set() record the
    flags; a Co\\run() keeps them; the argument errors."""
    r = run("flags.php")
    assert_prints_what_swoole_prints(r, "flags")


def test_co_run_turns_every_hook_on_when_no_flags_were_set():
    r = run("flags_default.php")
    assert_prints_what_swoole_prints(r, "flags_default")


# --------------------------------------------------------------------------
# sleep()
# --------------------------------------------------------------------------

def test_sleep_functions_yield_in_coroutines():
    """20 coroutines each in sleep(1) and 60 in usleep/time_nanosleep/
    time_sleep_until(0.5 s) take about 1 s together, not 50 s; their
    return values; sleep(0) yields; Co::cancel() ends them; argument errors
    as PHP's; outside a coroutine they are PHP's own (and really sleep)."""
    r = run("sleep.php")
    assert_prints_what_swoole_prints(r, "sleep")
    t = r.times
    assert t["outside-usleep"] >= 0.29, "usleep() outside a coroutine did not sleep"
    assert t["start-80"] < 0.5, f"go() waited for a sleep ({t['start-80']:.2f} s)"
    assert 0.95 <= t["80-sleeps"] < 3, f"the 80 sleeps took {t['80-sleeps']:.2f} s (serial: 50 s)"
    assert t["cancel"] < 1, f"Co::cancel() did not end 5 s sleeps ({t['cancel']:.2f} s)"


def test_without_hooks_sleep_blocks_and_streams_are_phps_own():
    """enableCoroutine(0) before Co\\run(): three coroutines' sleep(1) run
    one after another (3 s); stream_get_meta_data()'s stream_type is
    "socket/coroutine" only for hooked transports inside a coroutine."""
    r = run("off.php")
    assert_prints_what_swoole_prints(r, "off")
    assert r.times["unhooked-3-sleeps"] >= 2.9, "sleep() yielded with the hooks off"
    assert r.times["unhooked-2-usleeps"] >= 0.59, "usleep() yielded without SWOOLE_HOOK_SLEEP"


# --------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------

def test_hooked_streams_work_like_phps():
    """Meta data, a read timeout, a refused connect (warning, errno,
    errstr), 4 MiB both ways, EOF, udp (fwrite/fread and
    stream_socket_sendto/recvfrom), unix stream and datagram sockets."""
    r = run("streams.php")
    assert_prints_what_swoole_prints(r, "streams")
    assert 0.19 <= r.times["read-timeout"] < 2


def test_a_coroutine_accepts_while_others_connect():
    """stream_socket_server() + stream_socket_accept() in one coroutine,
    three clients in others, a coroutine per accepted connection; an accept
    that times out warns and returns false."""
    r = run("accept.php")
    assert_prints_what_swoole_prints(r, "accept")
    assert 0.19 <= r.times["accept-timeout"] < 2


def test_two_coroutines_reading_one_stream_is_swooles_fatal_error():
    """Swoole then also prints the other coroutines' backtraces (to stdout,
    and a " [Coroutine-2] Stack trace:" header to stderr): not checked."""
    r = run("bound.php", timeout=20)
    first = re.search(r"^first reader: coroutine (\d+)$", r.out, re.M)
    second = re.search(r"^second reader: coroutine (\d+)$", r.out, re.M)
    assert first and second, r.out
    m = re.search(
        r"\nFatal error: Uncaught Swoole\\Error: Socket#\d+ has already been bound to another "
        r"coroutine#(\d+), reading of the same socket in coroutine#(\d+) at the same time is not "
        r"allowed in " + re.escape(str(HOOKS / "bound.php")) + r":13\n", r.out)
    assert m, r.out
    assert (m.group(1), m.group(2)) == (first.group(1), second.group(1))
    assert "not reached" not in r.out
    assert r.code == 255


# --------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------

def test_a_predis_style_client_on_stream_functions(redis_port):
    """RESP over stream_socket_client/fwrite/fgets/fread: a 1 MiB value,
    50 coroutines in BLPOP (0.2 s timeout) at once, a BLPOP woken by
    another coroutine's LPUSH, and the server closing (QUIT)."""
    r = run("resp.php", redis_port)
    assert_prints_what_swoole_prints(r, "resp")
    t = r.times["50-blpop"]
    assert 0.19 <= t < 3, f"50 BLPOPs of 0.2 s took {t:.2f} s (serial: 10 s)"


def recv_all(clients, deadline):
    answers = []
    for ws in clients:
        answers.append(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
    return answers


@pytest.mark.parametrize("hooks,conn,mode,bound", [
    ("set", "message", "base", 5),
    ("runtime", "pool", "process", 8),
], ids=["server-set-hook_flags,connection-per-message,base",
        "Runtime-enableCoroutine,pool-from-onWorkerStart,process"])
def test_phpredis_in_a_websocket_server(php_server, redis_port, hooks, conn, mode, bound):
    """One worker, hooks on ($server->set(['hook_flags' => SWOOLE_HOOK_ALL]),
    or Runtime::enableCoroutine() before start()): 100 clients' messages
    each wait 1 s in $redis->blPop() and all answers come together (serial:
    100 s; the pool of 50 connections made in onWorkerStart needs two
    rounds). One client's LPUSH wakes another's BLPOP."""
    require_php_ext(REDIS_EXT, "redis")
    srv = php_server(HOOKS / "ws_redis.php", redis_port, php_args=REDIS_EXT,
                     env={"SWTEST_HOOKS": hooks, "SWTEST_CONN": conn, "SWTEST_MODE": mode})
    with ws_connect(srv.port) as ws:
        ws.send("hooks")
        assert ws.recv(timeout=10) == str(HOOK_ALL)
    clients = [ws_connect(srv.port) for _ in range(100)]
    try:
        t0 = time.monotonic()
        for i, ws in enumerate(clients):
            ws.send(f"blpop ws:empty:{i} 1")
        answers = recv_all(clients, t0 + 30)
        elapsed = time.monotonic() - t0
        assert answers == ["timeout"] * 100
        assert 0.99 <= elapsed < bound, f"100 BLPOPs of 1 s took {elapsed:.1f} s (serial: 100 s)"

        a, b = clients[0], clients[1]
        t0 = time.monotonic()
        a.send("blpop ws:list 5")
        time.sleep(0.3)
        b.send("lpush ws:list hello")
        assert b.recv(timeout=10) == "pushed 1"
        assert a.recv(timeout=10) == "ws:list=hello"
        assert time.monotonic() - t0 < 3

        a.send("refused")
        assert a.recv(timeout=10) == "RedisException: Connection refused"
    finally:
        for ws in clients:
            ws.close()


def test_phpredis_without_hooks_blocks_the_worker(php_server, redis_port):
    """The same server with no hook_flags: three 1 s BLPOPs are answered
    one after another, and a message waits behind them."""
    require_php_ext(REDIS_EXT, "redis")
    srv = php_server(HOOKS / "ws_redis.php", redis_port, php_args=REDIS_EXT,
                     env={"SWTEST_HOOKS": "none"})
    clients = [ws_connect(srv.port) for _ in range(4)]
    try:
        t0 = time.monotonic()
        for i, ws in enumerate(clients[:3]):
            ws.send(f"blpop ws:off:{i} 1")
        clients[3].send("hooks")
        answers = recv_all(clients, t0 + 30)
        elapsed = time.monotonic() - t0
        assert answers == ["timeout", "timeout", "timeout", "0"]
        assert elapsed >= 2.9, f"the BLPOPs overlapped without hooks ({elapsed:.1f} s)"
    finally:
        for ws in clients:
            ws.close()


# --------------------------------------------------------------------------
# MariaDB
# --------------------------------------------------------------------------

def get_json(port, path, timeout=30):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        assert r.status == 200
        return json.loads(r.read())


def test_pdo_in_an_http_server(php_server, mysql_port):
    """One worker with 'hook_flags' => SWOOLE_HOOK_ALL: 50 requests each
    connecting and running SELECT SLEEP(0.2) are answered together (serial:
    10 s). A syntax error, a connection killed from another one (before
    and during a query) and a refused connection are PDOExceptions with
    PHP's usual messages; ERRMODE_WARNING raises PHP's usual warning; the
    worker goes on serving."""
    require_php_ext(MYSQL_EXT, "pdo_mysql", "mysqli")
    srv = php_server(HOOKS / "http_pdo.php", mysql_port, php_args=MYSQL_EXT)
    pid = get_json(srv.port, "/pid")["out"]

    results = [None] * 50

    def fetch(i):
        try:
            results[i] = get_json(srv.port, "/sleep")
        except Exception as exc:  # reported by the assertion below
            results[i] = repr(exc)

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(50)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - t0
    assert all(isinstance(r, dict) and r["errors"] == [] and r["out"]["s"] == 0
               for r in results), results
    assert len({r["out"]["id"] for r in results}) == 50, "each request had its own connection"
    assert elapsed < 4, f"50 SLEEP(0.2) requests took {elapsed:.1f} s (serial: 10 s)"
    # 50 PDO constructors waited at once: none left its error mode behind
    # (a plain warning is still a warning, not a PDOException).
    plain_warning = {"out": False, "errors": [
        "2 file_get_contents(/nonexistent/swoole-hooks-test): Failed to open stream: "
        "No such file or directory"]}
    assert get_json(srv.port, "/phpwarning") == plain_warning

    assert get_json(srv.port, "/syntax") == {
        "out": "PDOException 42000 SQLSTATE[42000]: Syntax error or access violation: 1064 "
               "You have an error in your SQL syntax; check the manual that corresponds to your "
               "MariaDB server version for the right syntax to use near 'SELEC 1' at line 1",
        "errors": []}
    gone = {"out": "PDOException HY000 SQLSTATE[HY000]: General error: 2006 MySQL server has "
                   "gone away", "errors": []}
    assert get_json(srv.port, "/killed") == gone
    t0 = time.monotonic()
    assert get_json(srv.port, "/killed-midquery") == gone
    assert time.monotonic() - t0 < 3, "the KILL waited for the 5 s query"
    assert get_json(srv.port, "/refused") == {
        "out": "PDOException 2002 SQLSTATE[HY000] [2002] Connection refused", "errors": []}
    message = ("SQLSTATE[42000]: Syntax error or access violation: 1064 You have an error in "
               "your SQL syntax; check the manual that corresponds to your MariaDB server version "
               "for the right syntax to use near 'SELEC 1' at line 1")
    assert get_json(srv.port, "/warning") == {
        "out": [False, "42000", ["42000", 1064, message[message.index("You"):]]],
        "errors": [f"2 PDO::query(): {message}"]}
    assert get_json(srv.port, "/sleep")["out"]["s"] == 0
    assert get_json(srv.port, "/phpwarning") == plain_warning
    assert get_json(srv.port, "/pid")["out"] == pid, "the worker was restarted"


def test_mysqli_in_coroutines(mysql_port):
    """mysqli in Co\\run(): a query, a mysqli_sql_exception, and 20
    connections each in SELECT SLEEP(0.3) at once (serial: 6 s)."""
    require_php_ext(MYSQL_EXT, "pdo_mysql", "mysqli")
    r = run("mysqli.php", mysql_port, php_args=MYSQL_EXT)
    assert_prints_what_swoole_prints(r, "mysqli")
    t = r.times["20-sleeps"]
    assert 0.29 <= t < 3, f"20 SLEEP(0.3) took {t:.2f} s (serial: 6 s)"


def test_swooles_library_pools_in_coroutines(mysql_port, redis_port):
    """Swoole's library pools (PDOPool, MysqliPool, RedisPool with their
    Config classes) and Coroutine\\map()/parallel()/batch(): 20 queries
    share 5 connections, in about 4 x 0.2 s."""
    require_php_ext(MYSQL_EXT, "pdo_mysql", "mysqli")
    require_php_ext(REDIS_EXT, "redis")
    r = run("pools.php", mysql_port, redis_port, php_args=MYSQL_EXT + REDIS_EXT)
    assert_prints_what_swoole_prints(r, "pools")
    t = r.times["pdo"]
    assert 0.75 <= t < 3, f"20 SLEEP(0.2) over 5 connections took {t:.2f} s"


# --------------------------------------------------------------------------
# TLS, stream_select() and proc_open()
# --------------------------------------------------------------------------

TLS_SELECT_PROC = """\
-- an ssl:// server and its clients in one process
bool(true)
Array
(
    [0] => reply to GET /ssl0 HTTP/1.0
    [1] => reply to GET /ssl1 HTTP/1.0
    [2] => reply to GET /ssl2 HTTP/1.0
    [3] => reply to GET /tcp HTTP/1.0
    [4] => reply to GET /https HTTP/1.1
)
-- stream_select
int(0)
array(0) {
}
int(1)
array(2) {
  [0]=>
  string(4) "mine"
  [1]=>
  int(7)
}
string(5) "late
"
ticked while selecting: true
int(1)
int(0)
int(1)
-- proc_open
Array
(
    [0] => child0 exit 0
    [1] => child1 exit 0
    [2] => child2 exit 0
)
int(1048576)
cat gave back 1048576 bytes
int(0)
done
"""


def test_tls_stream_select_and_proc_open_wait_in_coroutines(tmp_path):
    """An ssl:// server accepting 5 TLS clients of the same process (ssl://,
    tcp:// + stream_socket_enable_crypto(), https://), each answered after a
    hooked 0.3 s sleep: the handshakes and reads overlap. stream_select()
    waits while another coroutine runs; proc_open() children run side by
    side and 1 MiB goes through `cat` with a reader in another coroutine.

    Written here rather than captured from Swoole, where it differs:
    Swoole's hooked ssl:// client does not verify the peer without a context
    (this script passes verify_peer => false, so both agree), Swoole
    renumbers stream_select()'s arrays (PHP and swoole-rs keep the keys:
    'mine' and 7), and Swoole's proc_open() pipes lose the `cat` child
    ("supplied resource is not a valid stream resource")."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    r = run("tls_select_proc.php", tmp_path)
    assert r.out == TLS_SELECT_PROC, diff(TLS_SELECT_PROC, r.out)
    assert r.err == "" and r.code == 0, (r.code, r.err)
    assert r.times["tls"] < 0.8, f"5 TLS requests answered after 0.3 s each took {r.times['tls']:.2f} s"
    assert 0.29 <= r.times["select"] < 2
    assert r.times["proc"] < 1.2, f"3 children sleeping 0.5 s took {r.times['proc']:.2f} s"


def test_file_io_and_flock_in_coroutines():
    """SWOOLE_HOOK_FILE: reads, writes, seeks and file_get/put_contents on
    regular files give PHP's results in coroutines; a blocking flock() waits
    in its coroutine (the holder sleeps 1 s meanwhile, hooked) instead of
    blocking the worker, which would deadlock here."""
    r = run("file.php")
    assert_prints_what_swoole_prints(r, "file")
    assert 0.9 <= r.times["second-lock"] < 3


def test_socket_read_timeout_when_php_has_none():
    """default_socket_timeout -1: Co::set(['socket_read_timeout' => 0.3])
    bounds a hooked read, as in Swoole."""
    r = run("timeout.php")
    assert_prints_what_swoole_prints(r, "timeout")
