<?php
/*
 * The runtime-hooks benchmark's server: php hooks_redis.php PORT REDIS_PORT
 * (with phpredis loaded: -d extension=igbinary -d extension=redis).
 *
 * A Swoole\Http\Server, one SWOOLE_BASE worker, SWOOLE_HOOK_ALL: every
 * request takes a phpredis connection from a pool, GETs bench:key (the
 * hooked socket makes the coroutine wait, not the worker), puts the
 * connection back and answers with the value. The pool is a
 * Swoole\Coroutine\Channel of up to BENCH_POOL (default 64) Redis objects,
 * connected lazily by the first requests that find it empty; when all are
 * in use, requests wait in pop(). A Redis error answers 500 (the load
 * generator counts non-2xx responses) and drops that connection.
 */
$port = (int)($argv[1] ?? 9501);
$redisPort = (int)($argv[2] ?? 6379);
$poolSize = (int)(getenv('BENCH_POOL') ?: 64);

$server = new Swoole\Http\Server('127.0.0.1', $port, SWOOLE_BASE);
$server->set([
    'worker_num' => 1,
    'hook_flags' => SWOOLE_HOOK_ALL,
    'log_level' => SWOOLE_LOG_NONE,
]);

$pool = null;   // Swoole\Coroutine\Channel, made by the worker's first request
$opened = 0;    // Redis connections made (or being made), at most $poolSize

$take = function () use (&$pool, &$opened, $poolSize, $redisPort): Redis {
    $pool ??= new Swoole\Coroutine\Channel($poolSize);
    if ($pool->isEmpty() && $opened < $poolSize) {
        $opened++; // before connect(), which yields
        try {
            $redis = new Redis();
            $redis->connect('127.0.0.1', $redisPort, 1.0);
            return $redis;
        } catch (Throwable $e) {
            $opened--;
            throw $e;
        }
    }
    return $pool->pop();
};

$server->on('request', function (Swoole\Http\Request $request, Swoole\Http\Response $response)
        use ($take, &$pool, &$opened) {
    try {
        $redis = $take();
    } catch (Throwable $e) {
        $response->status(500);
        $response->end('redis connect: ' . $e->getMessage());
        return;
    }
    try {
        $value = $redis->get('bench:key');
    } catch (Throwable $e) {
        $opened--;
        $response->status(500);
        $response->end('redis get: ' . $e->getMessage());
        return;
    }
    $pool->push($redis);
    if ($value === false) {
        $response->status(404);
        $response->end('bench:key not set');
        return;
    }
    $response->end($value);
});
$server->start();
