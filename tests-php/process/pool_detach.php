<?php
// Process\Pool::detach(): the worker leaves the pool and goes on by itself;
// the manager starts another in its place, which shuts the pool down.
$starts = new Swoole\Atomic(0);
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($starts) {
    $n = $starts->add(1);
    echo "start $n pid ok ", json_encode($pool->workerPid === getmypid()), "\n";
    if ($n === 1) {
        var_dump($pool->detach());
        usleep(300000);
        echo "detached one still runs\n";
        exit(0);
    }
    usleep(100000);
    $pool->shutdown();
    sleep(5);
});
$pool->start();
echo "pool ended after ", $starts->get(), " starts\n";
