<?php
// Response::detach() + Response::create(): the request is answered from a
// task worker (Swoole's documented pattern) or from a timer; a TCP
// server answers an HTTP response it makes itself. MODE=process for
// SWOOLE_PROCESS.
$mode = getenv('MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$http = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], $mode);
$http->set(['worker_num' => 1, 'task_worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$http->on('request', function ($req, $resp) use ($http) {
    switch ($req->server['request_uri']) {
        case '/task':
            var_dump($resp->detach());
            var_dump($resp->detach(), $resp->end('late'));
            $http->task($resp->fd);
            break;
        case '/timer':
            $resp->detach();
            $fd = $resp->fd;
            Swoole\Timer::after(50, function () use ($http, $fd) {
                $r = Swoole\Http\Response::create($http, $fd);
                $r->header('X-From', 'timer');
                $r->end('from a timer');
            });
            break;
        case '/bad':
            var_dump(Swoole\Http\Response::create($http, 9999), Swoole\Http\Response::create(new stdClass, 1));
            $resp->end('bad');
            break;
        default:
            $resp->end('plain');
    }
});
$http->on('task', function ($http, $taskId, $src, $fd) {
    $r = Swoole\Http\Response::create($fd);
    $r->status(201);
    $r->header('X-From', 'task');
    $r->end('from the task worker');
    return null;
});
$http->on('finish', function () {});
$tcp = $http->listen('127.0.0.1', (int)$argv[2], SWOOLE_SOCK_TCP);
$tcp->set(['open_http_protocol' => false]);
$tcp->on('receive', function ($serv, $fd, $rid, $data) {
    $resp = Swoole\Http\Response::create($serv, $fd);
    $resp->end('hello world');
});
$http->start();
