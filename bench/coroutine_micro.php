<?php
/*
 * Coroutine micro-benchmark: php coroutine_micro.php N
 * Prints one JSON object: operations per second of
 *   create   - N go() whose function returns at once
 *   switch   - N yield/resume round trips between two coroutines
 *   sleep    - N/10 coroutines each doing Co::sleep(0.001), all at once
 *   channel  - N push/pop pairs between a producer and a consumer
 */
$n = (int)($argv[1] ?? 200000);
$out = [];
Co\run(function () use ($n, &$out) {
    $t = microtime(true);
    for ($i = 0; $i < $n; $i++) {
        go(function () {});
    }
    $out['create'] = $n / (microtime(true) - $t);

    $t = microtime(true);
    $cid = go(function () use ($n) {
        for ($i = 0; $i < $n; $i++) {
            Co::yield();
        }
    });
    for ($i = 0; $i < $n; $i++) {
        Co::resume($cid);
    }
    $out['switch'] = $n / (microtime(true) - $t);

    $m = intdiv($n, 10);
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    for ($i = 0; $i < $m; $i++) {
        $wg->add();
        go(function () use ($wg) {
            Co::sleep(0.001);
            $wg->done();
        });
    }
    $wg->wait();
    $out['sleep'] = $m / (microtime(true) - $t);

    $t = microtime(true);
    $chan = new Swoole\Coroutine\Channel(1);
    go(function () use ($chan, $n) {
        for ($i = 0; $i < $n; $i++) {
            $chan->push($i);
        }
    });
    for ($i = 0; $i < $n; $i++) {
        $chan->pop();
    }
    $out['channel'] = $n / (microtime(true) - $t);
});
echo json_encode($out), "\n";
