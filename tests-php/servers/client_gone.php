<?php
// A request whose client leaves while the callback waits: what the
// response's methods return then (Swoole: setters work, sends fail with
// SWOOLE_ERROR_SESSION_NOT_EXIST, no warning).
$s = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING]);
$s->on('request', function ($req, $resp) {
    if ($req->server['request_uri'] === '/fast') {
        $resp->end('fast');
        return;
    }
    Co::sleep(0.5);
    ob_start();
    var_dump($resp->header('X-A', 'b'), $resp->status(201), $resp->write('x'), swoole_last_error(),
        $resp->end('late'), swoole_last_error(), $resp->end('again'));
    $dump = str_replace("\n", ' ', ob_get_clean());
    echo "client gone: $dump\n";
});
$s->start();
