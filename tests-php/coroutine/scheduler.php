<?php
// Swoole\Coroutine\Scheduler, max_coroutine, getOptions, getBackTrace.
$s = new Swoole\Coroutine\Scheduler();
$s->set(['max_coroutine' => 3, 'hook_flags' => 0]);
var_dump($s->getOptions()['max_coroutine'], Co::getOptions()['hook_flags']);
$s->add(function ($a, $b) {
    Co::sleep(0.05);
    echo "add $a $b\n";
}, 'x', 'y');
$s->parallel(2, function ($n) {
    static $i = 0;
    $i++;
    Co::sleep(0.01 * $i);
    echo "parallel $n cid=", Co::getCid(), "\n";
}, 'n');
var_dump($s->start());
var_dump($s->start());

Co\run(function () {
    $cids = [];
    for ($i = 0; $i < 3; $i++) {
        $cids[] = go(function () { Co::sleep(0.05); });
    }
    var_dump(count(array_filter($cids)));
    Co::set(['max_coroutine' => 100]);
    $cid = go(function () {
        Co::sleep(0.05);
    });
    $t = Co::getBackTrace($cid);
    var_dump(count($t), $t[0]['function'], $t[0]['class']);
    var_dump(Co::getBackTrace(99999), swoole_last_error());
    $here = Co::getBackTrace();
    var_dump($here[0]['function'], $here[0]['class']);
});
