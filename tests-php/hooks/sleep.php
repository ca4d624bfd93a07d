<?php
// SWOOLE_HOOK_SLEEP: sleep(), usleep(), time_nanosleep() and
// time_sleep_until() yield inside a coroutine; outside one they are PHP's
// own. "TIME <what> <seconds>" lines are checked (and left out) by the test.
Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_SLEEP);
echo 'flags: ', Swoole\Runtime::getHookFlags(), "\n";

function fails(callable $f) {
    try {
        var_dump($f());
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}

echo "-- outside a coroutine\n";
var_dump(sleep(0));
$t = microtime(true);
var_dump(usleep(300000));
printf("TIME outside-usleep %.3f\n", microtime(true) - $t);
var_dump(time_nanosleep(0, 1000000));
var_dump(time_sleep_until(microtime(true) + 0.01));
fails(fn() => sleep(-1));
fails(fn() => usleep(-1));
fails(fn() => time_sleep_until(microtime(true) - 1));

Co\run(function () {
    echo "-- 80 coroutines sleep at once\n";
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    $ret = [];
    $calls = [
        'sleep(1)' => fn() => sleep(1),
        'usleep(500000)' => fn() => usleep(500000),
        'time_nanosleep(0, 500000000)' => fn() => time_nanosleep(0, 500000000),
        'time_sleep_until(now + 0.5)' => fn() => time_sleep_until(microtime(true) + 0.5),
    ];
    foreach ($calls as $name => $call) {
        for ($i = 0; $i < 20; $i++) {
            $wg->add();
            go(function () use ($name, $call, $wg, &$ret) {
                $ret[$name][] = json_encode($call());
                $wg->done();
            });
        }
    }
    echo "all started\n";
    printf("TIME start-80 %.3f\n", microtime(true) - $t);
    $wg->wait();
    printf("TIME 80-sleeps %.3f\n", microtime(true) - $t);
    foreach ($calls as $name => $_) {
        $values = array_count_values($ret[$name]);
        echo "$name returned ", implode(', ', array_map(fn($v, $n) => "$v ($n times)", array_keys($values), $values)), "\n";
    }

    echo "-- sleep(0) yields too\n";
    $order = [];
    go(function () use (&$order) { $order[] = 'a-start'; usleep(100000); $order[] = 'a-end'; });
    go(function () use (&$order) { $order[] = 'b-start'; sleep(0); $order[] = 'b-end'; });
    $order[] = 'main';
    usleep(200000);
    echo implode(' ', $order), "\n";

    echo "-- Co::cancel() ends a sleep\n";
    $log = [];
    $sleepers = [
        'sleep(5)' => fn() => sleep(5),
        'usleep(5000000)' => fn() => usleep(5000000),
        'time_nanosleep(5, 0)' => fn() => time_nanosleep(5, 0),
    ];
    $cids = [];
    foreach ($sleepers as $name => $call) {
        $cids[$name] = go(function () use ($name, $call, &$log) {
            $r = $call();
            $log[$name] = "$name returned " . json_encode($r) . ', canceled: ' . json_encode(Co::isCanceled());
        });
    }
    $t = microtime(true);
    usleep(100000);
    foreach ($cids as $name => $cid) {
        $cancelled[$name] = Co::cancel($cid);
    }
    usleep(10000);
    printf("TIME cancel %.3f\n", microtime(true) - $t);
    foreach ($sleepers as $name => $_) {
        echo $log[$name] ?? "$name still sleeps", ' (cancel() returned ', json_encode($cancelled[$name]), ")\n";
    }

    echo "-- errors\n";
    fails(fn() => sleep(-1));
    fails(fn() => usleep(-1));
    fails(fn() => time_nanosleep(-1, 0));
    fails(fn() => time_nanosleep(0, -1));
    fails(fn() => time_sleep_until(microtime(true) - 1));
    fails(fn() => sleep('x'));
});
echo "done\n";
