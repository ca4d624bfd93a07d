<?php
// Process\Pool with SWOOLE_IPC_SOCKET: each connection carries one message
// (4-byte big-endian length, then the bytes) for onMessage; write() answers.
// argv[1]: the port. A "bye" message shuts the pool down.
$port = (int)($argv[1] ?? 9601);
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
var_dump($pool->listen('127.0.0.1', $port));
$pool->on('Message', function ($pool, $message) {
    var_dump($pool->write("hello "), $pool->write("$message from {$pool->workerId}"));
    if ($message === 'bye') $pool->shutdown();
});
$pool->start();
echo "pool ended\n";
