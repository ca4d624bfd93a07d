<?php
/*
 * Minimal echo server for the memory soak test: php memory.php PORT
 *   "!mem"   -> replies memory_get_usage()
 *   "!count" -> replies the number of messages echoed so far
 *   anything else is echoed back unchanged.
 */

$port = (int)($argv[1] ?? 9501);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
$server->set(['worker_num' => 1]);

$count = 0;
$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) use (&$count) {
    if ($frame->data === '!mem') {
        $server->push($frame->fd, (string)memory_get_usage());
        return;
    }
    if ($frame->data === '!count') {
        $server->push($frame->fd, (string)$count);
        return;
    }
    $count++;
    $server->push($frame->fd, $frame->data);
});

$server->start();
