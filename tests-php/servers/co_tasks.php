<?php
/*
 * Tasks from coroutines: php co_tasks.php PORT
 *   GET /taskco    -> $server->taskCo(['a', 'b', 'slow'], 0.5): JSON of the results
 *                     ('slow' takes 1 s: false)
 *   GET /taskwait  -> $server->taskwait('w', 1) inside the request's coroutine
 *   GET /ping      -> "pong" (answered while another request waits on tasks)
 * SWTEST_TASK_CO=1: task_enable_coroutine (onTask gets a Swoole\Server\Task
 * and answers with $task->finish()); else onTask($server, $id, $from, $data)
 * returns its result. SWTEST_MODE as usual.
 */
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], $mode);
$server->set([
    'worker_num' => 1,
    'task_worker_num' => 2,
    'task_enable_coroutine' => getenv('SWTEST_TASK_CO') === '1',
]);
$server->on('task', function ($server, ...$args) {
    if ($args[0] instanceof Swoole\Server\Task) {
        $task = $args[0];
        if ($task->data === 'slow') {
            Co::sleep(1);
        }
        $task->finish("done {$task->data} id={$task->id} " . (Co::getCid() > 0 ? 'co' : 'sync'));
        return;
    }
    [$id, $from, $data] = $args;
    if ($data === 'slow') {
        usleep(1000000);
    }
    return "done $data id=$id sync";
});
$server->on('finish', function () {
    echo "onFinish must not run for coroutine waits\n";
});
$server->on('request', function ($req, $resp) use ($server) {
    switch ($req->server['request_uri']) {
        case '/taskco':
            $resp->end(json_encode($server->taskCo(['a', 'b', 'slow'], 0.5)));
            break;
        case '/taskwait':
            $resp->end(json_encode($server->taskwait('w', 1)));
            break;
        default:
            $resp->end('pong');
    }
});
$server->start();
