<?php
// Swoole\Coroutine\Barrier: the documentation's example, a timeout, and
// waiting twice on one barrier.
use Swoole\Coroutine\Barrier;

Co\run(function () {
    $barrier = Barrier::make();
    $count = 0;
    foreach (range(1, 4) as $i) {
        go(function () use ($barrier, &$count, $i) {
            Co::sleep(0.05 * $i);
            $count++;
            echo "done $i\n";
        });
    }
    Barrier::wait($barrier);
    var_dump($count, $barrier);

    // Nobody else holds it: wait() returns at once.
    $b = Barrier::make();
    Barrier::wait($b);
    echo "alone\n";

    // A holder that keeps it longer than the timeout.
    $b = Barrier::make();
    go(function () use ($b) {
        Co::sleep(0.3);
        echo "late holder done\n";
    });
    $t = microtime(true);
    Barrier::wait($b, 0.1);
    var_dump(round(microtime(true) - $t, 1));

    // A barrier already waited on cannot be waited on again.
    $b = Barrier::make();
    $keep = $b;
    go(function () use (&$keep) {
        Barrier::wait($keep);
        echo "first waiter resumed\n";
    });
    try {
        Barrier::wait($b);
    } catch (Swoole\Exception $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
    unset($b);
    echo "end\n";
});
