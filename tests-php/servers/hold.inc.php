<?php
/*
 * The "hold" command of the test servers (tests-php/swtest.py held()):
 * blocks the calling worker inside its callback until the test lets it go,
 * so that meanwhile it runs nothing else and, in SWOOLE_BASE, accepts no
 * connection. Creates $path, then waits until the test removes it (at most
 * $limitMs). Returns true if the test released it, false on timeout.
 */
function swtest_hold(string $path, int $limitMs = 30000): bool
{
    touch($path);
    $until = microtime(true) + $limitMs / 1000;
    while (true) {
        clearstatcache(true, $path);
        if (!file_exists($path)) {
            return true;
        }
        if (microtime(true) >= $until) {
            @unlink($path);
            return false;
        }
        usleep(2000);
    }
}
