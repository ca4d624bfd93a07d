"""Where scripts can see Swoole's behaviour (issue 18): Swoole\\Event's
descriptor watching, cycle and dispatch; timers' ids, info, list and the
shutdown loop's notice; Swoole\\Table's edge cases; Swoole\\Constant; what
onClose sees of the connection lists; the reactor id of a BASE worker.
Each expectation here was observed on Swoole 6.2.2 (these tests pass
against its build too: SWOOLE_SO=<swoole.so>)."""

import re
import socket
import time

import pytest

from swtest import free_port as swtest_free_port
from swtest import RawClient, handshake_request, recv_until_closed, ws_connect

DEPRECATED = (
    "\nDeprecated: swoole_event_rshutdown(): Event::wait() in shutdown function"
    " is deprecated in Unknown on line 0\n"
)


def test_event_add_serves_a_stream_server_to_a_real_client(php_server, tmp_path):
    """The classic Event::add() loop: a stream_socket_server watched for
    accepts, each client watched for reads; echo, then Event::del() and
    fclose() at EOF. isset() and write() as Swoole."""
    script = tmp_path / "event_server.php"
    script.write_text(r"""<?php
$server = stream_socket_server('tcp://127.0.0.1:' . $argv[1], $errno, $errstr);
echo "listening\n";
Swoole\Event::add($server, function ($server) {
    $client = stream_socket_accept($server, 0);
    Swoole\Event::add($client, function ($client) {
        $data = fread($client, 8192);
        if ($data === '' || $data === false) {
            var_dump(Swoole\Event::del($client), Swoole\Event::isset($client));
            fclose($client);
            return;
        }
        if (trim($data) === 'quit') {
            Swoole\Event::exit();
            return;
        }
        Swoole\Event::write($client, "echo:$data");
    });
    var_dump(Swoole\Event::isset($client, SWOOLE_EVENT_READ), Swoole\Event::isset($client, SWOOLE_EVENT_WRITE));
});
Swoole\Event::wait();
echo "loop ended\n";
""")
    srv = php_server(str(script), wait=False)
    srv.expect_exit = True
    srv.wait_for("listening")
    deadline = time.time() + 5
    while True:
        try:
            a = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            break
        except OSError:
            assert time.time() < deadline
            time.sleep(0.05)
    b = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    a.sendall(b"one\n")
    assert a.recv(100) == b"echo:one\n"
    b.sendall(b"two\n")
    assert b.recv(100) == b"echo:two\n"
    a.close()
    srv.wait_for("bool(true)\nbool(false)\n")
    b.sendall(b"quit\n")
    srv.wait_for("loop ended")
    assert srv.wait_exit(timeout=5) == 0
    out = srv.stdout()
    assert out.count("bool(true)\nbool(false)\n") >= 2, out


def test_event_cycle_defer_and_dispatch(php):
    res = php(code=r"""<?php
$n = 0;
var_dump(Swoole\Event::cycle(null));
Swoole\Event::cycle(function () use (&$n) {
    echo "cycle [$n]\n";
    if (++$n == 3) {
        Swoole\Event::cycle(null);
    }
});
Swoole\Timer::after(30, function () {
    echo "timer [1]\n";
    Swoole\Timer::after(30, function () { echo "timer [2]\n"; });
    Swoole\Event::defer(function () { echo "defer [2]\n"; });
});
Swoole\Event::wait();
$id = Swoole\Timer::tick(20, function () { echo "tick\n"; });
for ($i = 0; $i < 3; $i++) {
    echo "dispatch\n";
    Swoole\Event::dispatch();
}
Swoole\Timer::clear($id);
""")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout == (
        "bool(false)\ncycle [0]\ntimer [1]\ndefer [2]\ncycle [1]\ntimer [2]\ncycle [2]\n"
        # After wait() the reactor is new again: its first dispatch
        # returns at once; a tick is left cleared, but the reactor is there
        # at shutdown, so Swoole 6's notice comes.
        "dispatch\ndispatch\ntick\ndispatch\ntick\n" + DEPRECATED
    ), res.stdout


def test_event_functions_and_bad_descriptors(php):
    res = php(code=r"""<?php
foreach (['add', 'del', 'set', 'isset', 'dispatch', 'defer', 'cycle', 'write', 'wait', 'exit'] as $f) {
    if (!function_exists("swoole_event_$f")) echo "missing swoole_event_$f\n";
}
var_dump(Swoole\Event::add('nope', fn() => 1));
var_dump(Swoole\Event::del(12345));
var_dump(Swoole\Event::isset(12345));
""")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "missing" not in res.stdout, res.stdout
    assert "Warning: Swoole\\Event::add(): unknown fd type" in res.stdout, res.stdout
    assert res.stdout.count("bool(false)") == 3, res.stdout


def test_timers_as_swoole_keeps_them(php):
    res = php(code=r"""<?php
var_dump(Swoole\Timer::stats()['initialized']);
var_dump(Swoole\Timer::after(0, fn() => 1));
var_dump(Swoole\Timer::tick(-1, fn() => 1));
$a = Swoole\Timer::after(200, function () {});
$b = Swoole\Timer::tick(30, function ($id) {
    $info = Swoole\Timer::info($id);
    echo "tick interval={$info['interval']} round={$info['round']} count={$info['exec_count']}\n";
    Swoole\Timer::clear($id);
    echo "removed=", json_encode(Swoole\Timer::info($id)['removed']), " exists=", json_encode(Swoole\Timer::exists($id)), "\n";
    echo "stats round=", Swoole\Timer::stats()['round'], "\n";
});
$list = Swoole\Timer::list();
echo get_class($list), ' ', get_parent_class($list), ' ', count($list), "\n";
$info = Swoole\Timer::info($a);
echo "after interval={$info['interval']} round={$info['round']} exec_msec>=200:", json_encode($info['exec_msec'] >= 200), "\n";
Swoole\Timer::clear($a);
try {
    Swoole\Timer::after(1, [new stdClass, 'nope']);
} catch (TypeError $e) {
    echo $e->getMessage(), "\n";
}
echo "end\n";
""")
    assert res.returncode == 0, res.stdout + res.stderr
    warn = "Warning: Swoole\\Timer::{}(): Timer must be greater than or equal to 1"
    assert warn.format("after") in res.stdout and warn.format("tick") in res.stdout, res.stdout
    lines = [l for l in res.stdout.splitlines() if l and not l.startswith("Warning") and "Deprecated" not in l]
    assert lines == [
        "bool(false)",
        "bool(false)",
        "bool(false)",
        "Swoole\\Timer\\Iterator ArrayIterator 2",
        "after interval=0 round=0 exec_msec>=200:true",
        "Swoole\\Timer::after(): Argument #2 ($callback) must be a valid callback, "
        "class stdClass does not have a method \"nope\"",
        "end",
        "tick interval=30 round=0 count=0",
        "removed=true exists=false",
        "stats round=1",
    ], res.stdout
    assert DEPRECATED in res.stdout


def test_no_deprecation_after_an_explicit_wait(php):
    res = php(code=r"""<?php
Swoole\Timer::after(5, function () { echo "t\n"; });
Swoole\Event::wait();
echo "end\n";
""")
    assert res.stdout == "t\nend\n", res.stdout


def test_table_edge_cases(php):
    res = php(code=r"""<?php
$t = new Swoole\Table(64);
$t->column('a', Swoole\Table::TYPE_INT);
var_dump($t->getMemorySize());
$t->create();
var_dump($t->getMemorySize() > 0);
var_dump($t->set('', ['a' => 7]));
var_dump($t->get('', 'a'));
$t->set('x', ['a' => 1]);
var_dump($t->get('x', 'nope'));
$u = new Swoole\Table(8);
$u->column('a', Swoole\Table::TYPE_INT);
$u->get('1');
echo "not reached\n";
""")
    assert res.returncode == 255, res.stdout + res.stderr
    assert "Warning" not in res.stdout, res.stdout
    assert res.stdout.startswith(
        "int(0)\nbool(true)\nbool(true)\nint(7)\nbool(false)\n"
    ), res.stdout
    assert "Fatal error: Swoole\\Table::get(): table is not created or has been destroyed" in res.stdout
    assert "not reached" not in res.stdout


def test_constant_class_configures_a_server(php_server, tmp_path):
    script = tmp_path / "constant_server.php"
    script.write_text(r"""<?php
use Swoole\Constant;
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1]);
$s->set([Constant::OPTION_WORKER_NUM => 1, Constant::OPTION_HEARTBEAT_IDLE_TIME => 60]);
$s->on(Constant::EVENT_MESSAGE, function ($s, $f) {
    $s->push($f->fd, Constant::OPTION_WORKER_NUM . '=' . $s->setting['worker_num'] . ' ' . Constant::EVENT_REQUEST);
});
$s->start();
""")
    srv = php_server(str(script))
    with ws_connect(srv.port) as ws:
        ws.send("?")
        assert ws.recv(timeout=5) == "worker_num=1 request"


def test_on_close_lists_and_base_reactor_id(php_server, tmp_path):
    """Inside onClose the closing fd is no longer iterated nor listed
    (count() still counts it), so the usual 'tell everyone who left' loop
    reaches only the others; with 2 BASE workers the reactor id is the
    worker's id."""
    script = tmp_path / "leave.php"
    script.write_text(r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => (int)getenv('WORKERS'), 'dispatch_mode' => 2]);
$s->on('message', function ($s, $f) {});
$s->on('close', function ($s, $fd, $reactorId) {
    $iterated = [];
    foreach ($s->connections as $c) {
        $iterated[] = $c;
        if ($s->isEstablished($c)) {
            $s->push($c, "left:$fd");
        }
    }
    $listed = $s->getClientList(0, 10) ?: [];
    echo "close fd=$fd worker=", $s->getWorkerId(), " reactor=$reactorId count=", count($s->connections),
        " iterated=", implode(',', $iterated), " listed=", implode(',', $listed), "\n";
});
$s->start();
""")
    srv = php_server(str(script), env={"WORKERS": "1"})
    a = ws_connect(srv.port)
    b = ws_connect(srv.port)
    a.close()
    assert b.recv(timeout=5) == "left:1"
    srv.wait_for("close fd=1")
    assert "close fd=1 worker=0 reactor=0 count=2 iterated=2 listed=2" in srv.stdout(), srv.stdout()
    b.close()


def test_first_timer_id_of_a_base_worker_is_2(php_server, tmp_path):
    script = tmp_path / "timer_ids.php"
    script.write_text(r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1]);
$s->on('workerStart', function ($s, $id) {
    echo "timer id ", Swoole\Timer::after(1000, function () {}), "\n";
});
$s->on('message', function ($s, $f) {});
$s->start();
""")
    srv = php_server(str(script))
    srv.wait_for("timer id")
    assert "timer id 2\n" in srv.stdout(), srv.stdout()


LIFECYCLE_SERVER = r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1, 'heartbeat_idle_time' => 1, 'heartbeat_check_interval' => 1,
         'document_root' => '/nonexistent/dir', 'enable_static_handler' => true]);
echo "after set\n";
$s->on('open', function ($s, $req) {
    echo "open {$req->fd}\n";
    if (($req->get['x'] ?? '') === 'disc') {
        $s->disconnect($req->fd, 4000, 'bye');
    }
});
$s->on('message', function ($s, $f) {});
$s->on('request', function ($req, $resp) use ($s) {
    $resp->end('hi');
    $r = $s->push($req->fd, 'x');
    echo "push to http: ", var_export($r, true), " err=", $s->getLastError(), "\n";
});
$s->on('disconnect', function ($s, $fd) { echo "disconnect $fd\n"; });
$s->on('close', function ($s, $fd, $rid) { echo "close $fd rid=$rid\n"; });
$s->start();
"""


def _upgrade(port, path="/"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(handshake_request(path))
    return s


def test_heartbeat_disconnect_in_on_open_and_push_to_http(php_server, tmp_path):
    """Swoole 6.2.2 (reference §11): a missing document_root is logged at
    set(); disconnect() inside onOpen runs onDisconnect, not onClose; a push
    to a plain HTTP connection warns and leaves getLastError() 503; the
    heartbeat closes an idle WebSocket without a close frame, and onClose
    gets reactor id 0."""
    script = tmp_path / "lifecycle.php"
    script.write_text(LIFECYCLE_SERVER)
    srv = php_server(str(script))
    assert srv.stdout().startswith(
        "[" ) and "\tWARNING\tServer::set_document_root() (ERRNO 703): document_root[/nonexistent/dir] does not exist\nafter set\n" in srv.stdout(), srv.stdout()
    idle = _upgrade(srv.port)
    assert idle.recv(4096).startswith(b"HTTP/1.1 101")
    refused = _upgrade(srv.port, "/?x=disc")
    assert recv_until_closed(refused).endswith(b"\x88\x05\x0f\xa0bye")
    srv.wait_for("disconnect 2\n")
    http = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    http.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert http.recv(4096).startswith(b"HTTP/1.1 200 OK")
    srv.wait_for("push to http: false err=503\n")
    assert ("Warning: Swoole\\WebSocket\\Server::push(): the connected client of connection[3]"
            " is not a websocket client or closed") in srv.stdout()
    # The heartbeat: EOF without a close frame.
    assert recv_until_closed(idle) == b""
    srv.wait_for("close 1 rid=0\n", timeout=10)
    assert "close 2" not in srv.stdout(), srv.stdout()


def test_on_handshake_that_only_ends_answers_swoole_bytes(php_server, tmp_path):
    script = tmp_path / "handshake_end.php"
    script.write_text(r"""<?php
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1]);
$s->on('handshake', function ($req, $resp) { $resp->end(); });
$s->on('message', function ($s, $f) {});
$s->start();
""")
    srv = php_server(str(script))
    data = recv_until_closed(_upgrade(srv.port))
    head, _, date_rest = data.partition(b"Date: ")
    assert head == b"HTTP/1.1 200 OK\r\nServer: swoole-http-server\r\n", data
    assert date_rest.endswith(b" GMT\r\n\r\n") and date_rest.count(b"\r\n") == 2, data


EVENT_OBJECT_SERVER = r"""<?php
$s = new Swoole\Server('127.0.0.1', (int)$argv[1], getenv('MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE);
$u = $s->listen('127.0.0.1', (int)$argv[2], SWOOLE_SOCK_UDP);
$s->set(['worker_num' => 2, 'event_object' => true, 'task_worker_num' => 1]);
$show = function ($what, $o) {
    $v = get_object_vars($o);
    unset($v['dispatch_time']);
    // One write a line: workers share stdout, and echo with commas
    // writes piece by piece (lines of two processes interleaved).
    echo $what . ' ' . get_class($o) . ' ' . json_encode($v) . "\n";
};
$s->on('connect', fn ($s, $e) => $show('connect', $e));
$s->on('receive', function ($s, $e) use ($show) {
    $show('receive', $e);
    echo "dispatch_time>0 " . json_encode($e->dispatch_time > 0) . "\n";
    $s->task('t');
    $s->sendMessage('hello', 1 - $s->worker_id);
});
$s->on('close', fn ($s, $e) => $show('close', $e));
$s->on('packet', function ($s, $p) use ($show) {
    $show('packet', $p);
    $s->sendto($p->address, $p->port, "echo:{$p->data}", $p->server_socket);
});
$s->on('task', function ($s, $t) { echo "task " . get_class($t) . " " . $t->data . "\n"; $t->finish('r'); });
$s->on('finish', fn ($s, $r) => $show('finish', $r));
$s->on('pipeMessage', fn ($s, $m) => $show('pipe', $m));
$s->start();
"""


@pytest.mark.parametrize("mode", ["base", "process"])
def test_event_object_callbacks_get_swooles_objects(php_server, tmp_path, mode):
    script = tmp_path / "event_object.php"
    script.write_text(EVENT_OBJECT_SERVER)
    udp_port = swtest_free_port()
    srv = php_server(str(script), str(udp_port), env={"MODE": mode})
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(b"udp!", ("127.0.0.1", udp_port))
    assert u.recvfrom(100)[0] == b"echo:udp!"
    t = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    t.sendall(b"tcp!")
    srv.wait_for('finish Swoole\\Server\\TaskResult {"task_id":0,"task_worker_id":2,"data":"r"}')
    srv.wait_for('pipe Swoole\\Server\\PipeMessage')
    t.close()
    srv.wait_for("close Swoole")
    out = srv.stdout()
    port = u.getsockname()[1]
    assert re.search(r'packet Swoole\\Server\\Packet \{"server_socket":\d+,"server_port":%d,"address":"127.0.0.1","port":%d,"data":"udp!"\}' % (udp_port, port), out), out
    assert re.search(r'connect Swoole\\Server\\Event \{"reactor_id":\d+,"fd":1,"data":null\}', out), out
    assert re.search(r'receive Swoole\\Server\\Event \{"reactor_id":\d+,"fd":1,"data":"tcp!"\}', out), out
    assert "dispatch_time>0 true" in out
    assert "task Swoole\\Server\\Task t" in out
    assert re.search(r'pipe Swoole\\Server\\PipeMessage \{"source_worker_id":[01],"worker_id":[01],"data":"hello"\}', out), out
    assert re.search(r'close Swoole\\Server\\Event \{"reactor_id":-?\d+,"fd":1,"data":null\}', out), out
    # Swoole 6.2.2 adds Packet::$data undeclared: PHP 8.2 then says
    # "Creation of dynamic property" per datagram; ours declares it.
    assert "Deprecated" not in out


def test_cookies_as_swoole_6_2_writes_them(php_server, tmp_path):
    """Swoole 6.2.2's Set-Cookie: no path unless given, HttpOnly / SameSite /
    Priority / Partitioned capitalised, an empty value deletes, and its
    warnings (and false) for names, raw values, paths, domains and years it
    refuses."""
    script = tmp_path / "cookies.php"
    script.write_text(r"""<?php
$s = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1]);
$s->on('request', function ($req, $resp) {
    $r = [
        $resp->cookie('a', 'v w'),
        $resp->cookie('b', 'v', 0, '/'),
        $resp->cookie('c', 'v', 0, '/x', 'example.com', true, true, 'Lax', 'High', true),
        $resp->cookie('e', ''),
        $resp->cookie('', 'x'),
        $resp->cookie('a=b', 'x'),
        $resp->cookie('p', 'x', 0, '/a b'),
        $resp->cookie('q', 'x', 0, '', 'd;x'),
        $resp->cookie('r', 'x', 253402300800),
        $resp->rawcookie('t', 'v w'),
        $resp->rawcookie('u', 'v%20w'),
    ];
    // A Swoole\Http\Cookie object; a second cookie of one name is a
    // second header.
    $ck = (new Swoole\Http\Cookie())->withName('o')->withValue('1 2')->withPath('/p');
    $r[] = $resp->setCookie($ck);
    $r[] = $resp->setCookie($ck->withValue(''));
    $r[] = $resp->cookie('a', 'second');
    $r[] = $resp->cookie((new Swoole\Http\Cookie(false))->withValue('x'));
    $r[] = (new Swoole\Http\Cookie(false))->withName('n')->withValue('a b')->toString();
    echo json_encode($r), "\n";
    $resp->end('ok');
});
$s->start();
""")
    srv = php_server(str(script))
    with RawClient(srv.port) as c:
        r = c.request("GET", "/")
    assert r.header_all("Set-Cookie") == [
        "a=v+w",
        "b=v; path=/",
        "c=v; path=/x; domain=example.com; secure; HttpOnly; SameSite=Lax; Priority=High; Partitioned",
        "e=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0",
        "u=v%20w",
        "o=1+2; path=/p",
        "o=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0; path=/p",
        "a=second",
    ], r.raw
    srv.wait_for("[true,true,true,true,false,false,false,false,false,false,true,true,true,true,false,false]")
    out = srv.stdout()
    illegal = '",", ";", " ", "\\t", "\\r", "\\n", "\\013", or "\\014"'
    for warning in [
        "cookie(): The name cannot be empty",
        'cookie(): The name cannot contain "=", ' + illegal,
        "cookie(): The path option cannot contain " + illegal,
        "cookie(): The domain option cannot contain " + illegal,
        "cookie(): The expires cannot have a year greater than 9999",
        "rawcookie(): The value cannot contain " + illegal,
    ]:
        assert warning in out, (warning, out)
