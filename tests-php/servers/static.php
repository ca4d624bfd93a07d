<?php
/*
 * The static file handler and Response::sendfile(): php static.php PORT
 * Serves files from a fresh document root; other paths reach onRequest.
 */
$root = sys_get_temp_dir() . '/swoole-rs-static-' . getmypid();
@mkdir($root . '/js', 0777, true);
file_put_contents("$root/index.html", "<h1>static index</h1>");
file_put_contents("$root/js/app.js", "console.log(1);");
file_put_contents("$root/style.css", "body{}");
file_put_contents("$root/test.moc", "mocha");
// A script's own type, registered before start() (Swoole's own tests do).
var_dump(swoole_mime_type_add('moc', 'application/x-mocha'), swoole_mime_type_add('moc', 'x/y'));

$port = (int)($argv[1] ?? 9501);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
$server->set([
    'enable_static_handler' => true,
    'document_root' => $root,
    'http_index_files' => ['index.html'],
]);
$server->on('message', function ($server, $frame) {
    $server->push($frame->fd, $frame->data);
});
$server->on('request', function ($request, $response) use ($root) {
    $path = $request->server['request_uri'];
    echo "onRequest $path\n";
    if ($path === '/send') {
        $response->sendfile("$root/style.css");
        return;
    }
    $response->end("dynamic $path");
});
$server->on('shutdown', function () use ($root) {
    array_map('unlink', ["$root/index.html", "$root/js/app.js", "$root/style.css"]);
    rmdir("$root/js");
    rmdir($root);
});
$server->start();
