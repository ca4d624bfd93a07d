<?php
// Coroutine\System::waitSignal(): a coroutine waits for a signal while
// others run; a timeout; the refusals (SIGCHLD, a bad number, a
// Process::signal() callback already set).
use Swoole\Coroutine\System;

Co\run(function () {
    $pid = getmypid();
    go(function () use ($pid) {
        System::sleep(0.05);
        echo "sending SIGUSR1\n";
        Swoole\Process::kill($pid, SIGUSR1);
    });
    $t = microtime(true);
    var_dump(System::waitSignal([SIGUSR2, SIGUSR1], 3) === SIGUSR1);
    var_dump(microtime(true) - $t < 1);

    // a single number, and a timeout
    $t = microtime(true);
    var_dump(System::waitSignal(SIGUSR2, 0.1));
    var_dump(swoole_last_error() === SWOOLE_ERROR_CO_TIMEDOUT, microtime(true) - $t >= 0.09);

    // SIGCHLD cannot be waited for, nor a number out of range
    var_dump(System::waitSignal(SIGCHLD, 0.1));
    var_dump(System::waitSignal(999, 0.1));

    Swoole\Process::signal(SIGUSR2, function () {});
    var_dump(System::waitSignal(SIGUSR1, 0.1));
    Swoole\Process::signal(SIGUSR2, null);
    echo "done\n";
});
