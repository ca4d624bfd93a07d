<?php
/*
 * A WebSocket chat with a TCP side port for devices: php ws_tcp_chat.php WS_PORT TCP_PORT
 * A line a TCP client sends ("\n"-terminated) reaches every browser; a
 * browser's message reaches every TCP client as a line.
 */
$server = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1]);
$server->set(['worker_num' => (int)(getenv('SWTEST_WORKERS') ?: 1)]);
$tcp = $server->listen('127.0.0.1', (int)$argv[2], SWOOLE_SOCK_TCP);
$tcp->set(['open_eof_split' => true, 'package_eof' => "\n"]);

$tcp->on('connect', function ($server, $fd) {
    echo "device $fd\n";
});
$tcp->on('receive', function (Swoole\WebSocket\Server $server, $fd, $reactorId, $line) {
    foreach ($server->connections as $c) {
        if ($server->isEstablished($c)) {
            $server->push($c, "device $fd: " . rtrim($line));
        }
    }
});
$server->on('open', function ($server, $req) {
    echo "browser {$req->fd}\n";
});
$server->on('message', function (Swoole\WebSocket\Server $server, $frame) {
    foreach ($server->connections as $c) {
        $info = $server->getClientInfo($c);
        if (!isset($info['websocket_status'])) {
            $server->send($c, "browser {$frame->fd}: {$frame->data}\n");
        }
    }
});
$server->on('close', function ($server, $fd) {
    echo "gone $fd\n";
});
$server->start();
