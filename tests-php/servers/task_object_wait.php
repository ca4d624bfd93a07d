<?php
/*
 * taskwait() answered by a Task object's finish() that onTask then also
 * returns a value for (task_object, no coroutines): php task_object_wait.php PORT
 * Worker 0 prints what taskwait('x') got, then sends task('y'); onFinish
 * prints what reaches it.
 */
$server = new Swoole\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$server->set(['worker_num' => 1, 'task_worker_num' => 1, 'task_object' => true,
              'enable_coroutine' => false, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('workerStart', function ($s, $id) {
    if ($id === 0) {
        echo "waited: " . var_export($s->taskwait('x', 2), true) . "\n";
        $s->task('y');
    }
});
$server->on('receive', function () {});
$server->on('task', function ($s, Swoole\Server\Task $t) {
    $t->finish("first for {$t->data}");
    return "second for {$t->data}";
});
$server->on('finish', function ($s, $id, $data) {
    echo "finish $data\n";
});
$server->start();
