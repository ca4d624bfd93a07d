<?php
/*
 * Swoole\Atomic shared by every worker: php atomic.php PORT
 * Each worker adds 1 (and takes 1 from a Long) when it starts; a TCP
 * client reads both: "<atomic> <long>". "add" adds 10 in the worker that
 * gets it. SWTEST_MODE=process for SWOOLE_PROCESS.
 */
$counter = new Swoole\Atomic(0);
$long = new Swoole\Atomic\Long(-10);
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\Server('127.0.0.1', (int)$argv[1], $mode);
$server->set(['worker_num' => 2]);
$server->on('workerStart', function ($server, $id) use ($counter, $long) {
    $counter->add(1);
    $long->sub(1);
});
$server->on('receive', function ($server, $fd, $reactorId, $data) use ($counter, $long) {
    if (trim($data) === 'add') {
        $counter->add(10);
    }
    $server->send($fd, $counter->get() . ' ' . $long->get());
});
$server->start();
