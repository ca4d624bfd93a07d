<?php
// A coroutine nothing can wake: Swoole's deadlock report when Co\run ends.
Co\run(function () {
    $c = new Swoole\Coroutine\Channel();
    go(function () use ($c) { $c->pop(); echo "never\n"; });
    echo "main done\n";
});
echo "after run\n";
