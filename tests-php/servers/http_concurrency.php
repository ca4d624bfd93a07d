<?php
/*
 * max_concurrency and stats(): php http_concurrency.php PORT
 *
 * SWTEST_MODE=process for SWOOLE_PROCESS (2 workers), else SWOOLE_BASE (1).
 * max_concurrency 2 (SWTEST_WORKER_MAX=N: worker_max_concurrency N instead);
 * "/" sleeps 0.5 s in its coroutine, then answers "ok";
 * "/stats" answers json_encode($server->stats()).
 */
$process = getenv('SWTEST_MODE') === 'process';
$server = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], $process ? SWOOLE_PROCESS : SWOOLE_BASE);
$limits = getenv('SWTEST_WORKER_MAX') ? ['worker_max_concurrency' => (int)getenv('SWTEST_WORKER_MAX')]
    : ['max_concurrency' => 2];
$server->set(['worker_num' => $process ? 2 : 1, 'log_level' => SWOOLE_LOG_ERROR] + $limits);
$server->on('request', function ($request, $response) use ($server) {
    if ($request->server['request_uri'] === '/stats') {
        $response->end(json_encode($server->stats()));
        return;
    }
    Swoole\Coroutine::sleep(0.5);
    $response->end('ok');
});
$server->start();
