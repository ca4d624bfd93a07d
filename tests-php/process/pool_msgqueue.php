<?php
// Process\Pool with SWOOLE_IPC_MSGQUEUE: onStart pushes a message to the
// System V queue of the pool's key, a worker's onMessage gets it whole and
// shuts the pool down; the queue is removed once the pool has ended.
$key = 0x51000000 + getmypid() % 65536;
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Message', function ($pool, $msg) {
    var_dump($msg);
    $pool->shutdown();
});
$pool->on('WorkerStart', function ($pool, $id) {
    echo "worker start\n";
});
$pool->on('Start', function ($pool) use ($key) {
    $p = new Swoole\Process(function () {});
    $p->useQueue($key);
    $p->push(str_pad("0123456789abcdefghij", 40, "-"));
});
$pool->start();
$p = new Swoole\Process(function () {});
$p->useQueue($key);
var_dump($p->freeQueue());
