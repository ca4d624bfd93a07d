<?php
/*
 * A server with several worker processes: php workers.php PORT
 *
 * Settings come from SWTEST_SETTINGS (JSON; default worker_num 4, task_worker_num 2);
 * SWTEST_MODE=process for SWOOLE_PROCESS.
 * Every lifecycle callback prints a line. Text messages:
 *   "bcast X"   push "w<worker>:X" to every established connection (any worker's)
 *   "task X"    task(X); onTask returns ['done' => X]; onFinish prints it
 *   "taskcb X"  task(X, -1, callback): the callback pushes the result back
 *   "wait X"    taskwait(X) and push the result back
 *   "finish X"  task(X) whose onTask calls finish() itself
 *   "pipe N"    sendMessage() to worker N; onPipeMessage prints it (and in
 *               SWOOLE_PROCESS pushes to the origin fd)
 *   "info FD"   push json of exist/isEstablished/connection_info(FD)
 *   "fds"       push json of every fd in $server->connections
 *   "whoami"    push "worker=<id> pid=<pid> fd=<fd>"
 *   "disconnect FD" / "close FD"  from this worker, on any worker's fd
 *   "reload" / "shutdown"
 *   "spin"      loop forever (a stuck worker)
 *   "hold PATH" block this worker until PATH is removed (hold.inc.php), then
 *               push "released" ("hold timed out" if it never was)
 *   "exit N"    exit(N) in the worker; "fatal": call an undefined function
 *   "catchexit N" exit(N) in a try: push what the Swoole\ExitException says
 *   "later MS"  a timer in this worker that prints "later ran w<worker>" after MS ms
 *   anything else: echoed back as "w<worker>:<data>"
 * SWTEST_IDLE_MARKS=1: every onOpen/onMessage/onClose starts a 1 ms timer that
 * prints "idle w<worker>": it runs once the callback has returned and the
 * worker is idle again (for dispatch_mode 3 tests).
 */

require __DIR__ . '/hold.inc.php';

$port = (int)$argv[1];
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\WebSocket\Server('127.0.0.1', $port, $mode);
$settings = ['worker_num' => 4, 'task_worker_num' => 2];
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $settings = array_merge($settings, json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
$server->set($settings);

function idle_mark($s)
{
    static $on = null;
    $on ??= (bool)getenv('SWTEST_IDLE_MARKS');
    if ($on) {
        Swoole\Timer::after(1, function () use ($s) {
            echo "idle w{$s->worker_id}\n";
        });
    }
}

$server->on('start', function ($s) {
    echo "start master_pid={$s->master_pid} manager_pid={$s->manager_pid}\n";
});
$server->on('managerStart', function ($s) {
    echo "manager start pid=" . getmypid() . "\n";
});
$server->on('managerStop', function ($s) {
    echo "manager stop\n";
});
$server->on('beforeShutdown', function ($s) {
    echo "before shutdown in " . (getmypid() === $s->master_pid ? 'master' : 'other') . "\n";
});
$server->on('beforeReload', function ($s) {
    echo "before reload in " . (getmypid() === $s->manager_pid ? 'manager' : 'other') . "\n";
});
$server->on('afterReload', function ($s) {
    echo "after reload in " . (getmypid() === $s->manager_pid ? 'manager' : 'other') . "\n";
});
$server->on('workerStart', function ($s, int $id) {
    $kind = $s->taskworker ? 'task' : 'event';
    echo "worker start id={$id} kind={$kind} pid={$s->worker_pid} worker_id={$s->worker_id} getpid=" . getmypid() . "\n";
});
$server->on('workerStop', function ($s, int $id) {
    echo "worker stop id={$id}\n";
});
$server->on('workerExit', function ($s, int $id) {
    echo "worker exit id={$id}\n";
    echo "exiting worker status=" . $s->getWorkerStatus() . "\n";
});
$server->on('workerError', function ($s, int $id, int $pid, int $code, int $signal) {
    echo "worker error id={$id} pid={$pid} code={$code} signal={$signal}\n";
});
$server->on('shutdown', function ($s) {
    echo "shutdown\n";
});
$server->on('open', function ($s, $req) {
    idle_mark($s);
    echo "open fd={$req->fd} worker={$s->worker_id}\n";
});
$server->on('close', function ($s, int $fd) {
    idle_mark($s);
    echo "close fd={$fd} worker={$s->worker_id}\n";
});
$server->on('request', function ($req, $resp) use ($server) {
    $resp->header('X-Worker', (string)$server->worker_id);
    $resp->end("http {$req->server['request_uri']} from {$server->worker_id}");
});
$server->on('task', function ($s, int $taskId, int $src, $data) {
    echo "task id={$taskId} src={$src} worker={$s->worker_id} data=" . json_encode($data) . "\n";
    if (is_array($data) && isset($data['finish'])) {
        $s->finish(['finished' => $data['finish']]);
        return null;
    }
    return ['done' => $data];
});
$server->on('finish', function ($s, int $taskId, $data) {
    echo "finish id={$taskId} worker={$s->worker_id} data=" . json_encode($data) . "\n";
    if (is_array($data) && isset($data['done']['fd'])) {
        $s->push($data['done']['fd'], 'finished:' . json_encode($data));
    }
});
$server->on('pipeMessage', function ($s, int $src, $msg) use ($mode) {
    echo "pipe src={$src} worker={$s->worker_id} msg=" . json_encode($msg) . "\n";
    // Any worker pushes to any connection in SWOOLE_PROCESS (in SWOOLE_BASE
    // only swoole-rs lets a worker push to another worker's connection).
    if ($mode === SWOOLE_PROCESS) {
        $s->push($msg['fd'], "pipe from {$src} at {$s->worker_id}");
    }
});

$server->on('message', function ($s, $f) {
    idle_mark($s);
    $w = $s->worker_id;
    [$cmd, $arg] = array_pad(explode(' ', $f->data, 2), 2, '');
    switch ($cmd) {
        case 'bcast':
            foreach ($s->connections as $fd) {
                if ($s->isEstablished($fd)) {
                    $s->push($fd, "w{$w}:{$arg}");
                }
            }
            break;
        case 'nbcast':
            // swoole-rs: the native broadcast, to everyone but the sender
            var_dump($s->broadcast("nb:{$arg}", WEBSOCKET_OPCODE_TEXT, [$f->fd]));
            break;
        case 'task':
            $id = $s->task(['fd' => $f->fd, 'arg' => $arg]);
            echo "task sent id=" . var_export($id, true) . " worker={$w}\n";
            break;
        case 'taskcb':
            $s->task($arg, -1, function ($s, $taskId, $data) use ($f) {
                $s->push($f->fd, 'callback:' . json_encode($data));
            });
            break;
        case 'wait':
            $r = $s->taskwait(['arg' => $arg], 3.0);
            $s->push($f->fd, 'waited:' . json_encode($r));
            break;
        case 'finish':
            $s->task(['fd' => $f->fd, 'finish' => $arg]);
            break;
        case 'pipe':
            $r = $s->sendMessage(['fd' => $f->fd], (int)$arg);
            echo "sendMessage returned " . var_export($r, true) . "\n";
            break;
        case 'info':
            $fd = (int)$arg;
            $info = $s->connection_info($fd);
            $s->push($f->fd, json_encode([
                'exist' => $s->exist($fd),
                'established' => $s->isEstablished($fd),
                'remote_ip' => $info['remote_ip'] ?? null,
                'websocket_status' => $info['websocket_status'] ?? null,
            ]));
            break;
        case 'fds':
            $fds = [];
            foreach ($s->connections as $fd) {
                $fds[] = $fd;
            }
            $s->push($f->fd, json_encode(['fds' => $fds, 'count' => count($s->connections)]));
            break;
        case 'whoami':
            $s->push($f->fd, "worker={$w} pid=" . getmypid() . " fd={$f->fd}");
            break;
        case 'disconnect':
            var_dump($s->disconnect((int)$arg, 4000, 'bye from ' . $w));
            break;
        case 'close':
            var_dump($s->close((int)$arg));
            break;
        case 'badpush':
            // Invalid pushes to connection <arg>, wherever it lives: each
            // must warn and fail the same way, and send nothing.
            $fd = (int)$arg;
            $close = new Swoole\WebSocket\CloseFrame();
            $close->code = 1000;
            $close->reason = str_repeat('r', 126);
            $results = [
                'opcode11' => [$s->push($fd, 'x', 11), $s->getLastError()],
                'opcode-1' => [$s->push($fd, 'x', -1), $s->getLastError()],
                'long_reason' => [$s->push($fd, $close), $s->getLastError()],
            ];
            $s->push($f->fd, 'badpush:' . json_encode($results));
            break;
        case 'exit':
            exit((int)$arg);
        case 'later':
            Swoole\Timer::after((int)$arg, function () use ($w) {
                echo "later ran w{$w}\n";
            });
            $s->push($f->fd, 'later set');
            break;
        case 'catchexit':
            try {
                exit((int)$arg);
            } catch (Swoole\ExitException $e) {
                $s->push($f->fd, "caught {$e->getMessage()} status={$e->getStatus()} flags={$e->getFlags()}");
            }
            break;
        case 'fatal':
            no_such_function_here();
            break;
        case 'hold':
            $s->push($f->fd, swtest_hold($arg) ? 'released' : 'hold timed out');
            break;
        case 'spin':
            echo "spinning in {$w}\n";
            while (true) {
            }
        case 'reload':
            var_dump($s->reload());
            break;
        case 'shutdown':
            $s->shutdown();
            break;
        default:
            $s->push($f->fd, "w{$w}:{$f->data}");
    }
});

$server->start();
echo "start returned\n";
