<?php
// A Swoole 4 era script, as found in old tutorials: snake_case class names in type
// declarations, the swoole_timer_* functions, and an onRequest page on the same port.
$server = new swoole_websocket_server("0.0.0.0", 9501);

$server->on('WorkerStart', function (swoole_server $server, $worker_id) {
    if ($worker_id == 0) {
        $count = 0;
        swoole_timer_tick(200, function ($timer_id) use (&$count) {
            echo "tick-200ms\n";
            if (++$count == 3) {
                swoole_timer_clear($timer_id);
            }
        });
        swoole_timer_after(300, function () {
            echo "after 300ms.\n";
        });
    }
});

$server->on('open', function (swoole_websocket_server $server, swoole_http_request $request) {
    echo "server: handshake success with fd{$request->fd}\n";
});

$server->on('message', function (swoole_websocket_server $server, swoole_websocket_frame $frame) {
    echo "receive from {$frame->fd}:{$frame->data},opcode:{$frame->opcode},fin:{$frame->finish}\n";
    $server->push($frame->fd, "this is server");
});

$server->on('request', function (swoole_http_request $request, swoole_http_response $response) {
    $response->header("Content-Type", "text/html; charset=utf-8");
    $response->end("<h1>Hello Swoole. #" . rand(1000, 9999) . "</h1>");
});

$server->on('close', function ($ser, $fd) {
    echo "client {$fd} closed\n";
});

$server->start();
