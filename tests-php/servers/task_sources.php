<?php
/*
 * Tasks sent from every kind of process: php task_sources.php PORT
 *
 * SWTEST_MODE=process for SWOOLE_PROCESS; SWTEST_TASK_CO=1 for
 * task_enable_coroutine (onTask gets a Swoole\Server\Task).
 * onManagerStart sends task "manager", an addProcess() process (no coroutine,
 * then blocked in sleep()) sends task "side", event worker 0 sends task
 * "worker". onTask prints what it got, whether finish() answered, and then
 * returns a value too (which the manager's and the side process's tasks
 * cannot take either); onFinish prints what came back.
 */
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$co = getenv('SWTEST_TASK_CO') === '1';
$server = new Swoole\Server('127.0.0.1', (int)$argv[1], $mode);
$server->set(['worker_num' => 1, 'task_worker_num' => 1, 'task_enable_coroutine' => $co]);
$server->on('managerStart', function ($s) {
    echo "manager sent: " . var_export($s->task('manager'), true) . "\n";
});
$server->addProcess(new Swoole\Process(function ($p) use ($server) {
    echo "side sent: " . var_export($server->task('side'), true) . "\n";
    echo "side taskwait: " . var_export(@$server->taskwait('side-wait', 0.2), true) . "\n";
    sleep(30);
}));
$server->on('workerStart', function ($s, $id) {
    if ($id === 0) {
        echo "worker sent: " . var_export($s->task('worker'), true) . "\n";
    }
});
$server->on('receive', function () {});
if ($co) {
    $server->on('task', function ($s, Swoole\Server\Task $t) {
        $noreply = ($t->flags & SWOOLE_TASK_NOREPLY) ? 'noreply' : 'reply';
        echo "task {$t->data} {$noreply} finish=" . var_export($t->finish("answer to {$t->data}"), true) . "\n";
    });
} else {
    $server->on('task', function ($s, $id, $src, $data) {
        echo "task {$data} finish=" . var_export($s->finish("answer to {$data}"), true) . "\n";
        return "returned for {$data}";
    });
}
$server->on('finish', function ($s, $id, $data) {
    echo "finish {$data}\n";
});
$server->start();
