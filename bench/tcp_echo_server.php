<?php
// TCP echo for the benchmarks: php tcp_echo_server.php PORT
// onReceive -> send, one SWOOLE_BASE worker, no framing (raw reads), the
// same script for swoole-rs and Swoole.
$server = new Swoole\Server('127.0.0.1', (int)($argv[1] ?? 9501), SWOOLE_BASE);
$server->set(['worker_num' => 1, 'log_level' => 5]);
$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    $server->send($fd, $data);
});
$server->start();
