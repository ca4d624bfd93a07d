<?php
// Without wait_signal (the default), a Process::signal() callback does not
// hold the loop: a child with a SIGTERM callback ends once its timer has
// run, and the parent's lasting SIGCHLD callback still sees that exit
// while a timer of its own keeps its loop, which then ends.
use Swoole\Process;

$child = new Process(function () {
    Process::signal(SIGTERM, function () {
        echo "child SIGTERM\n";
    });
    Swoole\Timer::after(100, function () {
        echo "child work done\n";
    });
});
$child->start();
Process::signal(SIGCHLD, function () {
    while ($ret = Process::wait(false)) {
        echo "reaped, code {$ret['code']}\n";
    }
});
Swoole\Timer::after(600, function () {
    echo "parent timer\n";
});
Swoole\Event::wait();
echo "parent loop ended\n";
