<?php
/*
 * phpredis inside a WebSocket server whose worker has the runtime hooks on:
 * php ws_redis.php PORT REDIS_PORT
 *   SWTEST_HOOKS=set      $server->set(['hook_flags' => SWOOLE_HOOK_ALL])
 *   SWTEST_HOOKS=runtime  Swoole\Runtime::enableCoroutine() before start()
 *   SWTEST_HOOKS=none     no hooks: phpredis blocks the worker
 *   SWTEST_CONN=message   a new Redis connection for each message
 *   SWTEST_CONN=pool      50 connections opened in onWorkerStart, shared
 *                         through a Channel
 *   SWTEST_MODE=process   SWOOLE_PROCESS (default SWOOLE_BASE)
 * Messages (each answered with one push):
 *   "blpop <key> <timeout>"  -> "<key>=<value>" or "timeout" (whole seconds:
 *                               Debian's phpredis 5.3 takes no fractions)
 *   "lpush <key> <value>"    -> "pushed <list length>"
 *   "hooks"                  -> Swoole\Runtime::getHookFlags()
 *   "refused"                -> what connecting to a closed port throws
 */
$port = (int) $argv[1];
$redisPort = (int) $argv[2];
$hooks = getenv('SWTEST_HOOKS') ?: 'set';
$conn = getenv('SWTEST_CONN') ?: 'message';
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;

if ($hooks === 'runtime') {
    Swoole\Runtime::enableCoroutine();
}
$server = new Swoole\WebSocket\Server('127.0.0.1', $port, $mode);
$settings = ['worker_num' => 1, 'log_level' => SWOOLE_LOG_WARNING];
if ($hooks === 'set') {
    $settings['hook_flags'] = SWOOLE_HOOK_ALL;
}
$server->set($settings);

function connect_redis(int $port): Redis {
    $redis = new Redis();
    $redis->connect('127.0.0.1', $port, 5);
    return $redis;
}

$pool = null;
$server->on('workerStart', function () use (&$pool, $conn, $redisPort) {
    if ($conn === 'pool') {
        $pool = new Swoole\Coroutine\Channel(50);
        for ($i = 0; $i < 50; $i++) {
            $pool->push(connect_redis($redisPort));
        }
    }
});

$server->on('message', function (Swoole\WebSocket\Server $server, $frame) use (&$pool, $redisPort) {
    $args = explode(' ', $frame->data);
    if ($args[0] === 'hooks') {
        $server->push($frame->fd, (string) Swoole\Runtime::getHookFlags());
        return;
    }
    if ($args[0] === 'refused') {
        try {
            $reply = json_encode(connect_redis(1)->ping());
        } catch (Throwable $e) {
            $reply = get_class($e) . ': ' . $e->getMessage();
        }
        $server->push($frame->fd, $reply);
        return;
    }
    $redis = $pool ? $pool->pop() : connect_redis($redisPort);
    try {
        switch ($args[0]) {
            case 'blpop':
                $got = $redis->blPop([$args[1]], (int) $args[2]);
                $reply = $got ? "$got[0]=$got[1]" : 'timeout';
                break;
            case 'lpush':
                $reply = 'pushed ' . $redis->lPush($args[1], $args[2]);
                break;
            default:
                $reply = 'unknown';
        }
    } catch (Throwable $e) {
        $reply = get_class($e) . ': ' . $e->getMessage();
    }
    if ($pool) {
        $pool->push($redis);
    }
    $server->push($frame->fd, $reply);
});
$server->start();
