<?php
// Two coroutines reading one socket at once: Swoole's fatal error.
Co\run(function () {
    [$a, $b] = Co\Socket::class === 'x' ? [] : [new Co\Socket(AF_INET, SOCK_DGRAM, 0), null];
    $a->bind('127.0.0.1', 0);
    go(function () use ($a) {
        $a->recvfrom($peer, 1);
    });
    $a->recvfrom($peer, 1);
    echo "not reached\n";
});
