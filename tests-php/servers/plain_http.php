<?php
/*
 * A plain Swoole\Http\Server (no WebSocket): php plain_http.php PORT
 * Every request, upgrade requests included, reaches onRequest.
 */
$port = (int)($argv[1] ?? 9501);
$http = new Swoole\Http\Server('127.0.0.1', $port);
$http->on('request', function (Swoole\Http\Request $request, Swoole\Http\Response $response) {
    $upgrade = $request->header['upgrade'] ?? '-';
    echo "request {$request->server['request_uri']} upgrade={$upgrade}\n";
    $response->header('Content-Type', 'text/plain');
    $response->end("plain {$request->server['request_uri']}");
});
$http->start();
