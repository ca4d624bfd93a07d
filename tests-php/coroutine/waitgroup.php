<?php
// WaitGroup fan-out: five coroutines sleeping 0.1 s finish together.
Co\run(function () {
    $wg = new Swoole\Coroutine\WaitGroup();
    $t = microtime(true);
    $results = [];
    foreach ([3, 1, 2, 5, 4] as $n) {
        $wg->add();
        go(function () use ($wg, $n, &$results) {
            Co::sleep($n / 100);
            $results[] = $n;
            $wg->done();
        });
    }
    var_dump($wg->count());
    var_dump($wg->wait(2));
    echo implode(',', $results), "\n";
    $elapsed = microtime(true) - $t;
    var_dump($elapsed >= 0.04 && $elapsed < 0.5);
    $wg2 = new Swoole\Coroutine\WaitGroup(1);
    var_dump($wg2->wait(0.05));
    try { $wg2->done(); $wg2->done(); } catch (Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
});
