<?php
/*
 * Generic WebSocket test server: php ws.php PORT
 *
 * Prints one line per event (open/message/close) on stdout; echoes text and
 * binary messages back with the same opcode. A text message starting with
 * "!" is a command (see command() below) so a test can make the server call
 * one API and observe the result on the wire and on stdout.
 *
 * Environment switches (all optional):
 *   SWTEST_SETTINGS      JSON object passed to $server->set() (worker_num defaults to 1)
 *   SWTEST_MODE          "process" for SWOOLE_PROCESS (default SWOOLE_BASE)
 *   SWTEST_DUMP          var_dump() every Frame in onMessage
 *   SWTEST_DUMP_REQUEST  var_dump() the Request in onOpen
 *   SWTEST_NO_OPEN       do not register onOpen
 *   SWTEST_HTTP          register onRequest (answers "fd=<fd>")
 *   SWTEST_LIFECYCLE     register onStart/onWorkerStart/onWorkerStop/onShutdown
 */

require __DIR__ . '/hold.inc.php';

$port = (int)($argv[1] ?? 9501);
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;

$server = new Swoole\WebSocket\Server('127.0.0.1', $port, $mode);

$settings = ['worker_num' => 1];
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $settings = array_merge($settings, json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
$server->set($settings);

if (!getenv('SWTEST_NO_OPEN')) {
    $server->on('open', function (Swoole\WebSocket\Server $server, Swoole\Http\Request $request) {
        echo "open fd={$request->fd}\n";
        if (getenv('SWTEST_DUMP_REQUEST')) {
            var_dump($request);
        }
    });
}

$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) {
    if (getenv('SWTEST_DUMP')) {
        var_dump($frame);
    } else {
        echo "message fd={$frame->fd} opcode={$frame->opcode} len=", strlen($frame->data), "\n";
    }
    if ($frame->opcode === WEBSOCKET_OPCODE_TEXT && strncmp($frame->data, '!', 1) === 0) {
        command($server, $frame);
        return;
    }
    if ($frame->opcode === WEBSOCKET_OPCODE_TEXT || $frame->opcode === WEBSOCKET_OPCODE_BINARY) {
        $server->push($frame->fd, $frame->data, $frame->opcode);
    }
});

$server->on('close', function (Swoole\WebSocket\Server $server, int $fd, int $reactorId) {
    echo "close fd={$fd} reactor={$reactorId}\n";
});

if (getenv('SWTEST_HTTP')) {
    $server->on('request', function (Swoole\Http\Request $request, Swoole\Http\Response $response) {
        echo "request fd={$request->fd} uri={$request->server['request_uri']}\n";
        $response->end("fd={$request->fd}");
    });
}

if (getenv('SWTEST_LIFECYCLE')) {
    $server->on('start', function (Swoole\WebSocket\Server $server) {
        echo "start\n";
    });
    $server->on('workerStart', function (Swoole\WebSocket\Server $server, int $workerId) {
        echo "worker start {$workerId}\n";
    });
    $server->on('workerStop', function (Swoole\WebSocket\Server $server, int $workerId) {
        echo "worker stop {$workerId}\n";
    });
    $server->on('shutdown', function (Swoole\WebSocket\Server $server) {
        echo "shutdown\n";
    });
}

/** Numbered lines, the same generator as swtest.big_text() in Python. */
function big_text(int $n): string
{
    $out = '';
    for ($i = 0; strlen($out) < $n; $i++) {
        $out .= sprintf("%08d\n", $i);
    }
    return substr($out, 0, $n);
}

function command(Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame): void
{
    $fd = $frame->fd;
    $args = explode(' ', substr($frame->data, 1));
    $cmd = array_shift($args);
    $target = isset($args[0]) && is_numeric($args[0]) ? (int)$args[0] : $fd;
    switch ($cmd) {
        case 'fd':
            $server->push($fd, "fd={$fd}");
            break;
        case 'worker':
            $server->push($fd, "worker={$server->worker_id}");
            break;
        case 'hold':
            // !hold PATH: block this worker until PATH is removed (hold.inc.php)
            $server->push($fd, swtest_hold(implode(' ', $args)) ? 'released' : 'hold timed out');
            break;
        case 'disconnect':
            // !disconnect | !disconnect CODE | !disconnect CODE REASON...
            echo "disconnect begin\n";
            if (count($args) === 0) {
                $r = $server->disconnect($fd);
            } elseif (count($args) === 1) {
                $r = $server->disconnect($fd, (int)$args[0]);
            } else {
                $r = $server->disconnect($fd, (int)$args[0], implode(' ', array_slice($args, 1)));
            }
            echo "disconnect returned ";
            var_dump($r);
            break;
        case 'disconnect-long':
            // !disconnect-long LEN: a close reason of LEN bytes
            $r = $server->disconnect($fd, 4000, str_repeat('r', (int)$args[0]));
            echo "disconnect returned ";
            var_dump($r);
            break;
        case 'close':
            echo "close begin\n";
            $r = $server->close($fd);
            echo "close returned ";
            var_dump($r);
            break;
        case 'push-to':
            // !push-to FD: push "x" to another (possibly bad) fd
            $r = $server->push((int)$args[0], 'x');
            echo "push returned ";
            var_dump($r);
            echo "last error ";
            var_dump($server->getLastError());
            $server->push($fd, 'push-to done');
            break;
        case 'closeframe':
            $f = new Swoole\WebSocket\CloseFrame();
            $f->code = 4001;
            $f->reason = 'closeframe';
            $r = $server->push($fd, $f);
            echo "push closeframe returned ";
            var_dump($r);
            break;
        case 'frame':
            // !frame OPCODE FLAGS DATA: push a Frame object
            $f = new Swoole\WebSocket\Frame();
            $f->opcode = (int)$args[0];
            $f->flags = (int)$args[1];
            $f->data = implode(' ', array_slice($args, 2));
            $r = $server->push($fd, $f);
            echo "push frame returned ";
            var_dump($r);
            break;
        case 'push-opcode':
            // !push-opcode OPCODE FLAGS DATA
            $r = $server->push($fd, implode(' ', array_slice($args, 2)), (int)$args[0], (int)$args[1]);
            echo "push returned ";
            var_dump($r);
            break;
        case 'send':
            $r = $server->send($fd, implode(' ', $args));
            echo "send returned ";
            var_dump($r);
            break;
        case 'sendfile':
            // !sendfile PATH OFFSET LENGTH: raw file bytes onto this connection
            $r = $server->sendfile($fd, $args[0], (int)($args[1] ?? 0), (int)($args[2] ?? 0));
            echo "sendfile returned ";
            var_dump($r);
            break;
        case 'ping':
            $r = $server->ping($fd, $args[0] ?? '');
            echo "ping returned ";
            var_dump($r);
            break;
        case 'status':
            // !status [FD]
            echo "status {$target}\n";
            var_dump($server->isEstablished($target), $server->exist($target), $server->exists($target));
            $server->push($fd, 'status done');
            break;
        case 'info':
            // !info [FD]
            echo "info {$target}\n";
            var_dump($server->connection_info($target));
            echo "getClientInfo keys\n";
            var_dump(array_keys($server->getClientInfo($target)));
            $server->push($fd, 'info done');
            break;
        case 'connections':
            $list = [];
            foreach ($server->connections as $c) {
                $list[] = $c;
            }
            $line = 'connections ' . implode(',', $list) . ' count=' . count($server->connections);
            echo $line, "\n";
            $server->push($fd, $line);
            break;
        case 'connections-walks':
            // Every way a script walks $server->connections: keys, nested
            // loops, a loop left early and started again, iterator_to_array,
            // the Iterator methods by hand, and foreach by reference.
            $it = $server->connections;
            $keyed = [];
            foreach ($it as $k => $c) {
                $keyed[] = "$k=>$c";
            }
            $pairs = [];
            foreach ($it as $a) {
                foreach ($server->connections as $b) {
                    $pairs[] = "$a$b";
                }
            }
            foreach ($it as $c) {
                break;
            }
            $again = [];
            foreach ($it as $c) {
                $again[] = $c;
            }
            $arr = iterator_to_array($server->connections);
            $manual = [];
            for ($it->rewind(); $it->valid(); $it->next()) {
                $manual[] = $it->key() . ':' . $it->current();
            }
            $byRef = 'none';
            try {
                foreach ($server->connections as &$r) {
                }
            } catch (\Error $e) {
                $byRef = get_class($e) . ': ' . $e->getMessage();
            }
            $line = 'keyed ' . implode(',', $keyed)
                . ' | pairs ' . implode(',', $pairs)
                . ' | again ' . implode(',', $again)
                . ' | array ' . json_encode($arr)
                . ' | manual ' . implode(',', $manual)
                . ' | by-ref ' . $byRef;
            echo $line, "\n";
            $server->push($fd, $line);
            break;
        case 'push-seq':
            // !push-seq N: distinct strings, the same string twice, and a
            // string changed in place between pushes (the frame-once cache
            // must never send a stale frame)
            $n = (int)$args[0];
            for ($i = 0; $i < $n; $i++) {
                $server->push($fd, "m$i");
            }
            $same = str_repeat('s', 10);
            $server->push($fd, $same);
            $server->push($fd, $same);
            $same[0] = 'S';
            $server->push($fd, $same);
            $server->push($fd, $same, WEBSOCKET_OPCODE_BINARY);
            $server->push($fd, 'push-seq done');
            break;
        case 'flood':
            // !flood FD N SIZE: push N messages of SIZE bytes to FD ("<i>:" + padding)
            [$to, $n, $size] = array_map('intval', $args);
            $ok = $failed = 0;
            for ($i = 0; $i < $n; $i++) {
                $msg = str_pad("$i:", $size, 'x');
                if (@$server->push($to, $msg)) {
                    $ok++;
                } else {
                    $failed++;
                }
            }
            echo "flood ok=$ok failed=$failed last_error=", $server->getLastError(), "\n";
            $server->push($fd, "flood ok=$ok failed=$failed");
            break;
        case 'push-big':
            // !push-big N: push N bytes of numbered lines as one text message
            $r = $server->push($fd, big_text((int)$args[0]));
            echo "push-big returned ";
            var_dump($r);
            break;
        case 'broadcast':
            // !broadcast TEXT: push TEXT to every established connection
            $text = implode(' ', $args);
            foreach ($server->connections as $c) {
                if ($server->isEstablished($c)) {
                    $server->push($c, $text);
                }
            }
            break;
        case 'throw':
            throw new RuntimeException('boom');
        case 'second-server':
            try {
                new Swoole\WebSocket\Server('127.0.0.1', 0);
                echo "no exception\n";
            } catch (Swoole\Exception $e) {
                echo get_class($e), " code=", $e->getCode(), " message=", $e->getMessage(), "\n";
            }
            $server->push($fd, 'second-server done');
            break;
        case 'after':
            // !after MS: push "after fired" from a one-shot timer
            $server->after((int)$args[0], function () use ($server, $fd) {
                echo "after fired\n";
                $server->push($fd, 'after fired');
            });
            break;
        case 'tick':
            // !tick MS N: push "tick i" N times from a repeating timer, then clear it
            $n = 0;
            $max = (int)$args[1];
            $server->tick((int)$args[0], function (int $timerId) use ($server, $fd, &$n, $max) {
                $n++;
                $server->push($fd, "tick {$n}");
                if ($n >= $max) {
                    Swoole\Timer::clear($timerId);
                    echo "tick cleared\n";
                }
            });
            break;
        case 'defer':
            echo "defer a\n";
            $server->defer(function () use ($server, $fd) {
                echo "defer c\n";
                $server->push($fd, 'deferred');
            });
            echo "defer b\n";
            break;
        case 'shutdown':
            echo "calling shutdown\n";
            var_dump($server->shutdown());
            break;
        default:
            echo "unknown command {$cmd}\n";
            $server->push($fd, "unknown command {$cmd}");
    }
}

$server->start();
