<?php
// Swoole\Coroutine\Http\Server: the documentation's example (routes,
// shutdown), keep-alive, a handler that never ends its response, 404s,
// and WebSocket in a handler (upgrade, recv, push), driven by
// Co\Http\Client from other coroutines of the same script.
use Swoole\Coroutine\Http\Client;
use Swoole\Coroutine\Http\Server;

Co\run(function () {
    $server = new Server('127.0.0.1', 0, false);
    var_dump($server->port > 0, $server->fd > 0, $server->host, $server->ssl);
    $server->handle('/', function ($request, $response) {
        $response->header('X-Path', $request->server['request_uri']);
        $response->end("<h1>Index</h1> " . $request->server['request_method'] . ' ' . ($request->get['a'] ?? '-'));
    });
    $server->handle('/test', function ($request, $response) {
        $response->status(201);
        $response->write("part1 ");
        $response->write("part2");
        $response->end();
    });
    $server->handle('/post', function ($request, $response) {
        $response->end(json_encode([$request->post, $request->getContent(), $request->header['content-type']]));
    });
    $server->handle('/noend', function ($request, $response) {
        echo "noend handler returns\n";
    });
    $server->handle('/websocket', function ($request, $ws) {
        var_dump($ws->upgrade());
        while (true) {
            $frame = $ws->recv();
            if ($frame === '' || $frame === false) {
                echo "ws: connection gone\n";
                break;
            }
            if ($frame instanceof Swoole\WebSocket\CloseFrame) {
                echo "ws: close frame {$frame->code}\n";
                break;
            }
            $ws->push("echo: {$frame->data}");
        }
    });
    $server->handle('/stop', function ($request, $response) use ($server) {
        $response->end("<h1>Stop</h1>");
        $server->shutdown();
    });
    $port = $server->port;
    go(function () use ($port) {
        $c = new Client('127.0.0.1', $port);
        $c->get('/?a=1');
        var_dump($c->statusCode, $c->body, $c->headers['x-path'], $c->headers['server'] ?? null);
        $c->get('/test');
        var_dump($c->statusCode, $c->body, $c->headers['transfer-encoding']);
        $c->post('/post', ['x' => 'y']);
        var_dump($c->body);
        $c->get('/TEST/more');
        var_dump($c->statusCode, $c->body);
        $c->get('/noend');
        var_dump($c->statusCode, $c->body);
        $c->setMethod('HEAD');
        $c->execute('/');
        var_dump($c->statusCode, $c->body);

        $ws = new Client('127.0.0.1', $port);
        var_dump($ws->upgrade('/websocket'), $ws->statusCode);
        $ws->push('hello');
        var_dump($ws->recv(2)->data);
        $ws->push('again');
        var_dump($ws->recv(2)->data);
        $ws->push(new Swoole\WebSocket\CloseFrame());
        Co::sleep(0.05);

        $stop = new Client('127.0.0.1', $port);
        $stop->get('/stop');
        var_dump($stop->body);
    });
    var_dump($server->start());
    echo "server stopped\n";
});
