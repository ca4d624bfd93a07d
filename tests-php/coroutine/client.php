<?php
// Swoole\Coroutine\Client, cancel() and join() against the test's scripted
// TCP peer (test_coroutine.py: ScriptedPeer), whose port is argv[1].
$port = (int)$argv[1];
Co\run(function () use ($port) {
    $c = new Co\Client(SWOOLE_SOCK_TCP);
    var_dump($c->connect('127.0.0.1', 1, 1));
    var_dump($c->errCode, $c->errMsg, $c->isConnected());

    $c = new Swoole\Coroutine\Client(SWOOLE_SOCK_TCP);
    var_dump($c->connect('127.0.0.1', $port, 2));
    var_dump($c->isConnected(), $c->connected);
    var_dump($c->send("hello"));
    var_dump($c->recv());
    $name = $c->getpeername();
    var_dump($name['port'] === $port, $name['host'], array_keys($name));
    var_dump($c->send("silent"));
    $t = microtime(true);
    var_dump($c->recv(0.2), $c->errCode, $c->errMsg);
    $e = microtime(true) - $t;
    var_dump($e > 0.15 && $e < 1.0);
    var_dump($c->connect('127.0.0.1', $port), $c->errCode);
    var_dump($c->close(), $c->isConnected(), $c->close(), $c->errCode, $c->errMsg);
    var_dump($c->recv(), $c->errCode);

    // Two coroutines wait together: 0.3 s each, not 0.6 s in all.
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    foreach ([1, 2] as $i) {
        $wg->add();
        go(function () use ($port, $i, $wg) {
            $c = new Co\Client(SWOOLE_SOCK_TCP);
            $c->connect('127.0.0.1', $port);
            $c->send("delay:" . (0.4 - 0.1 * $i) . " #$i");
            $r = $c->recv(); echo "got $r\n";
            $wg->done();
        });
    }
    $wg->wait();
    $e = microtime(true) - $t;
    var_dump($e < 0.55);

    // Length framing: two packets in one read, one per recv().
    $c = new Co\Client(SWOOLE_SOCK_TCP);
    $c->set(['open_length_check' => true, 'package_length_type' => 'N',
             'package_length_offset' => 0, 'package_body_offset' => 4]);
    $c->connect('127.0.0.1', $port);
    $c->send("two");
    var_dump(substr($c->recv(), 4), substr($c->recv(), 4));

    // package_length_func: the script's function frames the stream (0:
    // more bytes needed).
    $c = new Co\Client(SWOOLE_SOCK_TCP);
    $c->set(['open_length_check' => true, 'package_length_func' => function ($data) {
        return strlen($data) < 4 ? 0 : 4 + unpack('N', $data)[1];
    }]);
    $c->connect('127.0.0.1', $port);
    $c->send("two");
    var_dump(substr($c->recv(), 4), substr($c->recv(), 4));

    // The peer closes: recv() returns ''.
    $c = new Co\Client(SWOOLE_SOCK_TCP);
    $c->connect('127.0.0.1', $port);
    $c->send("close");
    var_dump($c->recv(), $c->errCode);

    // cancel() ends a wait; the canceled call fails with ECANCELED.
    $c = new Co\Client(SWOOLE_SOCK_TCP);
    $c->connect('127.0.0.1', $port);
    $reader = go(function () use ($c) {
        $r = $c->recv(5);
        var_dump($r, $c->errCode, $c->errMsg, Co::isCanceled());
    });
    var_dump(Co::cancel($reader));
    var_dump(Co::cancel($reader), swoole_last_error());
    var_dump(Co::cancel(9999), swoole_last_error());

    // A sleeping coroutine canceled; join() waits for coroutines to end.
    $s = go(function () {
        var_dump(Co::sleep(5), Co::isCanceled());
    });
    $j = go(function () {
        Co::sleep(0.1);
        echo "joined one ended\n";
    });
    var_dump(Co::cancel($s));
    var_dump(Co::join([$j]));
    var_dump(Co::join([$j]), swoole_last_error());
    $k = go(function () { Co::sleep(1); });
    var_dump(Co::join([$k], 0.1), swoole_last_error());
    Co::cancel($k);

    // close() from another coroutine while one waits in recv(): that recv
    // fails with ECANCELED at once, and close() is false
    $c = new Co\Client(SWOOLE_SOCK_TCP);
    var_dump($c->connect('127.0.0.1', $port, 2));
    $t = microtime(true);
    go(function () use ($c) {
        Co::sleep(0.2);
        var_dump($c->close());
    });
    var_dump($c->recv(-1), $c->errCode, $c->isConnected());
    $e = microtime(true) - $t;
    var_dump($e > 0.15 && $e < 1.0);

    // UDP
    $u = new Co\Client(SWOOLE_SOCK_UDP);
    var_dump($u->connect('127.0.0.1', 9));
});
echo "done\n";
