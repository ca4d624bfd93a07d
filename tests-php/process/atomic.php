<?php
// Swoole\Atomic shared by processes: 4 children add 250,000 each (no update
// lost), Atomic\Long likewise; a child waits until the parent wakes it up.
use Swoole\Process;
$a = new Swoole\Atomic(0);
$l = new Swoole\Atomic\Long(0);
for ($i = 0; $i < 4; $i++) {
    (new Process(function () use ($a, $l) {
        for ($j = 0; $j < 250000; $j++) {
            $a->add();
            $l->sub(2);
        }
    }))->start();
}
for ($i = 0; $i < 4; $i++) {
    Process::wait();
}
var_dump($a->get(), $l->get());

$flag = new Swoole\Atomic(0);
$p = new Process(function (Process $p) use ($flag) {
    $p->write('waiting');
    $t = microtime(true);
    $woken = $flag->wait(5);
    $p->write(json_encode([$woken, microtime(true) - $t < 4]));
});
$p->start();
echo $p->read(), "\n";
usleep(200000);
var_dump($flag->wakeup());
echo $p->read(), "\n";
Process::wait();
