<?php
// Producer and consumer over a Channel: order, close, timeouts, stats.
Co\run(function () {
    $chan = new Swoole\Coroutine\Channel(2);
    var_dump($chan->capacity, $chan->isEmpty(), $chan->length());
    go(function () use ($chan) {
        for ($i = 0; $i < 5; $i++) {
            $chan->push(['n' => $i]);
            echo "pushed $i len=", $chan->length(), "\n";
        }
        $chan->close();
        echo "closed\n";
    });
    while (($v = $chan->pop()) !== false) {
        echo "popped {$v['n']}\n";
        Co::sleep(0.001);
    }
    var_dump($chan->errCode === SWOOLE_CHANNEL_CLOSED, $chan->push(1), $chan->errCode);
    $c = new Swoole\Coroutine\Channel(1);
    $t = microtime(true);
    var_dump($c->pop(0.1), $c->errCode, microtime(true) - $t >= 0.09);
    var_dump($c->push('a'), $c->isFull(), $c->push('b', 0.05), $c->errCode);
    go(function () use ($c) { echo "waiting pop\n"; var_dump($c->pop()); });
    $consumer = new Swoole\Coroutine\Channel();
    go(function () use ($consumer) { $consumer->pop(); });
    var_dump($consumer->stats());
    $consumer->push(1);
});

// A push and a pop canceled while they wait: errCode SWOOLE_CHANNEL_CANCELED.
Co\run(function () {
    $chan = new Co\Channel(1);
    $chan->push(1);
    $pusher = go(function () use ($chan) {
        var_dump($chan->push(2, 5), $chan->errCode === SWOOLE_CHANNEL_CANCELED, Co::isCanceled());
    });
    $popper = go(function () {
        $empty = new Co\Channel();
        var_dump($empty->pop(5), $empty->errCode);
    });
    Co::sleep(0.01);
    var_dump(Co::cancel($pusher), Co::cancel($popper));
});
