<?php
/*
 * The benchmark suite's echo script: php echo_server.php PORT
 *
 * on('message') pushes $frame->data back with $frame->opcode; a text message
 * starting with "BCAST" is pushed to every established connection with the
 * usual foreach over $server->connections; one starting with "NBCAST" goes
 * through swoole-rs's $server->broadcast() (on Swoole, which has none, the
 * foreach loop: its broadcast is that loop).
 *
 * Environment: BENCH_MODE=process for SWOOLE_PROCESS (default SWOOLE_BASE),
 * BENCH_WORKERS=N for worker_num (default 1), BENCH_CLUSTER=redis://HOST:PORT to
 * join a cluster (then NBCAST reaches every node's connections), BENCH_COROUTINE=0 to run
 * callbacks outside coroutines (enable_coroutine off).
 */
$mode = getenv('BENCH_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\WebSocket\Server('127.0.0.1', (int)($argv[1] ?? 9501), $mode);
$settings = [
    'worker_num' => (int)(getenv('BENCH_WORKERS') ?: 1),
    'max_connection' => 100000,
    'log_level' => SWOOLE_LOG_WARNING,
];
if (getenv('BENCH_CLUSTER')) {
    $settings['cluster'] = ['redis' => getenv('BENCH_CLUSTER'), 'channel' => 'bench', 'required' => true];
}
if (getenv('BENCH_COROUTINE') === '0') {
    $settings['enable_coroutine'] = false;
}
$server->set($settings);
$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) {
    if ($frame->opcode === WEBSOCKET_OPCODE_TEXT && strncmp($frame->data, 'NBCAST', 6) === 0
        && method_exists($server, 'broadcast')) {
        // swoole-rs's native broadcast (framed once, queued to every connection)
        $server->broadcast($frame->data);
        return;
    }
    if ($frame->opcode === WEBSOCKET_OPCODE_TEXT
        && (strncmp($frame->data, 'BCAST', 5) === 0 || strncmp($frame->data, 'NBCAST', 6) === 0)) {
        foreach ($server->connections as $fd) {
            if ($server->isEstablished($fd)) {
                $server->push($fd, $frame->data);
            }
        }
        return;
    }
    $server->push($frame->fd, $frame->data, $frame->opcode);
});
$server->start();
