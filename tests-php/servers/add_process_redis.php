<?php
// A WebSocket server with an addProcess() side process that consumes a
// Redis list with phpredis (hooked: BLPOP waits in the coroutine) and
// pushes every item to every client. argv: port, redis port, mode
// (base|process). The side process prints "side process <id> <pid>" each
// time it starts; clients get "item <x> via <id>".
$port = (int)$argv[1];
$redisPort = (int)$argv[2];
$mode = ($argv[3] ?? 'base') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;

$server = new Swoole\WebSocket\Server('127.0.0.1', $port, $mode);
$server->set([
    'worker_num' => 2,
    'log_level' => SWOOLE_LOG_WARNING,
    'hook_flags' => SWOOLE_HOOK_ALL,
]);

$side = new Swoole\Process(function (Swoole\Process $process) use ($server, $redisPort) {
    echo "side process {$process->id} {$process->pid} worker_id {$server->worker_id}\n";
    $redis = new Redis();
    $redis->connect('127.0.0.1', $redisPort);
    while (true) {
        $item = $redis->blPop(['side:queue'], 1);
        if (!$item) {
            continue;
        }
        foreach ($server->connections as $fd) {
            if ($server->isEstablished($fd)) {
                $server->push($fd, "item {$item[1]} via {$process->id}");
            }
        }
        $server->sendMessage("pushed {$item[1]}", 0);
    }
}, false, SOCK_DGRAM, true);

echo 'addProcess: ', json_encode($server->addProcess($side)), "\n";

$server->on('workerStart', function ($server, $id) {
    if ($id === 0) {
        echo "worker 0 started\n";
    }
    echo 'addProcess while running: ' . json_encode(@$server->addProcess(new Swoole\Process(fn() => null))) . "\n";
});
$server->on('pipeMessage', function ($server, $src, $message) {
    echo "worker {$server->worker_id} got '$message' from $src\n";
});
$server->on('message', function ($server, $frame) {
    $server->push($frame->fd, 'echo ' . $frame->data);
});
$server->start();
