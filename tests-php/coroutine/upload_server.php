<?php
// Swoole\Coroutine\Http\Server with an upload: argv[1] "on" sets
// http_parse_files. Prints its port, answers one request with the
// request's files as JSON, then shuts down.
Co\run(function () use ($argv) {
    $server = new Swoole\Coroutine\Http\Server('127.0.0.1', 0, false);
    if (($argv[1] ?? '') === 'on') {
        $server->set(['http_parse_files' => true]);
    }
    $server->handle('/', function ($request, $response) use ($server) {
        $response->end(json_encode($request->files));
        $server->shutdown();
    });
    echo $server->port, "\n";
    $server->start();
});
