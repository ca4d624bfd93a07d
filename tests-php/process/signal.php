<?php
// Process::signal(): callbacks on the event loop for signals sent to this
// process, SIGCHLD for a child's exit, removal with null (with wait_signal
// the loop ends once no callback is left), and the warnings.
use Swoole\Process;

swoole_async_set(['wait_signal' => true]);

var_dump(Process::signal(SIGUSR2, null));
var_dump(Process::signal(-1, fn() => 1));
$got = [];
var_dump(Process::signal(SIGUSR1, function ($signo) use (&$got) {
    $got[] = $signo;
    echo "SIGUSR1 callback: $signo\n";
    if (count($got) === 2) {
        var_dump(Process::signal(SIGUSR1, null));
    }
}));
$child = new Process(function () {
    usleep(200000);
    exit(3);
});
$child->start();
Process::signal(SIGCHLD, function ($signo) {
    while ($ret = Process::wait(false)) {
        echo "SIGCHLD: child exited with {$ret['code']}\n";
    }
    Process::signal(SIGCHLD, null);
});
Swoole\Timer::after(20, function () {
    Process::kill(getmypid(), SIGUSR1);
});
Swoole\Timer::after(100, function () {
    Process::kill(getmypid(), SIGUSR1);
});
Swoole\Event::wait();
echo "loop ended; SIGUSR1 seen ", count($got), " times\n";
