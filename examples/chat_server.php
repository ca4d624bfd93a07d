<?php
// A small chat room: everything a user writes is broadcast to every connected user.
// Try it with two browser tabs running:
//   ws = new WebSocket('ws://127.0.0.1:9501'); ws.onmessage = e => console.log(e.data); ws.send('hi')
use Swoole\Http\Request;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\Server;

function broadcast(Server $server, string $message, int $except = 0): void
{
    foreach ($server->connections as $fd) {
        if ($fd !== $except && $server->isEstablished($fd)) {
            $server->push($fd, $message);
        }
    }
}

$server = new Server("0.0.0.0", 9501);

$server->on('open', function (Server $server, Request $request) {
    echo "user{$request->fd} joined\n";
    broadcast($server, "user{$request->fd} joined");
});

$server->on('message', function (Server $server, Frame $frame) {
    echo "user{$frame->fd}: {$frame->data}\n";
    broadcast($server, "user{$frame->fd}: {$frame->data}");
});

$server->on('close', function (Server $server, int $fd) {
    echo "user{$fd} left\n";
    broadcast($server, "user{$fd} left", $fd);
});

$server->start();
