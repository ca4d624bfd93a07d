<?php
// Object-oriented style from the Swoole documentation (Swoole\WebSocket\Server, onRequest):
// an HTTP request such as GET /?message=hello pushes the message to every WebSocket client.
class WebSocketServer
{
    public $server;

    public function __construct()
    {
        $this->server = new Swoole\WebSocket\Server("0.0.0.0", 9501);
        $this->server->on('open', function (Swoole\WebSocket\Server $server, $request) {
            echo "server: handshake success with fd{$request->fd}\n";
        });
        $this->server->on('message', function (Swoole\WebSocket\Server $server, $frame) {
            echo "receive from {$frame->fd}:{$frame->data},opcode:{$frame->opcode},fin:{$frame->finish}\n";
            $server->push($frame->fd, "this is server");
        });
        $this->server->on('close', function ($ser, $fd) {
            echo "client {$fd} closed\n";
        });
        $this->server->on('request', function ($request, $response) {
            // Take the "message" GET parameter of the HTTP request and push it to every user:
            // iterate over $this->server->connections, the fds of all connections
            foreach ($this->server->connections as $fd) {
                // check that this is an established WebSocket connection first, or push may fail
                if ($this->server->isEstablished($fd)) {
                    $this->server->push($fd, $request->get['message']);
                }
            }
        });
        $this->server->start();
    }
}

new WebSocketServer();
