<?php
/*
 * WebSocket + HTTP over TLS on one port: php wss.php PORT
 * SWTEST_CERT / SWTEST_KEY: the PEM files.
 */
$server = new Swoole\WebSocket\Server('127.0.0.1', (int)($argv[1] ?? 9501), SWOOLE_BASE, SWOOLE_SOCK_TCP | SWOOLE_SSL);
$server->set([
    'ssl_cert_file' => getenv('SWTEST_CERT'),
    'ssl_key_file' => getenv('SWTEST_KEY'),
]);
$server->on('open', function ($server, $request) {
    echo "open fd={$request->fd} ssl=", var_export($server->ssl, true), "\n";
});
$server->on('message', function ($server, $frame) {
    $server->push($frame->fd, "tls:" . $frame->data);
});
$server->on('request', function ($request, $response) {
    $response->end("https " . $request->server['request_uri']);
});
$server->on('close', function ($server, $fd, $reactorId) {
    echo "close fd={$fd}\n";
});
$server->start();
