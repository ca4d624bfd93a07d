<?php
/*
 * php panic.php PORT: a WebSocket echo server for the panic-guard tests. It
 * needs the test-hooks build (swoole_rs_test_panic exists only there).
 *
 *   "call"      a panic inside a PHP call, caught by the script as the
 *               Swoole\Exception it becomes
 *   "uncaught"  the same, not caught: PHP reports it, the server goes on
 *   "arm"       the next message from this connection panics in its task
 *   anything    echoed as "echo:<text>"
 *
 * SWTEST_MODE=process runs it in SWOOLE_PROCESS mode.
 */

$port = (int)($argv[1] ?? 9501);
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\WebSocket\Server('127.0.0.1', $port, $mode);
$server->set(['worker_num' => 1]);

$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) {
    switch ($frame->data) {
        case 'call':
            try {
                swoole_rs_test_panic('call');
                $server->push($frame->fd, 'not thrown');
            } catch (Swoole\Exception $e) {
                $server->push($frame->fd, 'caught: ' . $e->getMessage());
            }
            break;
        case 'uncaught':
            swoole_rs_test_panic('call');
            break;
        case 'arm':
            swoole_rs_test_panic('connection', $frame->fd);
            $server->push($frame->fd, 'armed');
            break;
        default:
            $server->push($frame->fd, "echo:{$frame->data}");
    }
});

$server->on('close', function (Swoole\WebSocket\Server $server, int $fd, int $reactorId) {
    echo "close fd=$fd reactor=$reactorId exist=", var_export($server->exist($fd), true), "\n";
});

$server->start();
