<?php
// Swoole\Process\Pool: 4 workers (SWOOLE_IPC_UNIXSOCK), worker 0 sends a
// message to each other worker, every worker records what happened in a
// shared table, and the last message shuts the pool down; the manager
// prints the record at Shutdown (sorted: the workers run in parallel);
// the workers print their onWorkerStop (the test sorts the lines).
$table = new Swoole\Table(64);
$table->column('v', Swoole\Table::TYPE_STRING, 64);
$table->create();
$got = new Swoole\Atomic(0);
$pool = new Swoole\Process\Pool(4, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) use ($table) {
    $table->set('start', ['v' => 'onStart in the manager: ' . json_encode($pool->master_pid === getmypid())]);
});
$pool->on('WorkerStart', function ($pool, $id) use ($table) {
    if (!$table->exists("start$id")) {
        $table->set("start$id", ['v' => "worker $id started, workerId " . $pool->workerId]);
    }
    if ($id === 0 && !$table->exists('sent')) {
        $table->set('sent', ['v' => 'worker 0 sent 3 messages']);
        for ($i = 1; $i < 4; $i++) {
            $pool->sendMessage("hello $i", $i);
        }
    }
});
$pool->on('Message', function ($pool, $msg) use ($table, $got) {
    $p = $pool->getProcess();
    $table->set("msg{$pool->workerId}", ['v' => "worker {$pool->workerId} got '$msg', its process: id {$p->id}, pid " . json_encode($p->pid === getmypid())]);
    if ($got->add(1) === 3) {
        $pool->shutdown();
    }
});
$pool->on('WorkerStop', function ($pool, $id) {
    echo "worker $id stopped\n";
});
$pool->on('Shutdown', function ($pool) use ($table) {
    $lines = [];
    foreach ($table as $row) {
        $lines[] = $row['v'];
    }
    sort($lines);
    echo implode("\n", $lines), "\n";
});
var_dump($pool->start());
try {
    (new Swoole\Process\Pool(1))->on('Message', fn() => 1);
} catch (Swoole\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), ' ', $e->getCode(), "\n";
}
