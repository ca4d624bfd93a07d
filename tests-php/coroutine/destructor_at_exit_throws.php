<?php
// Swoole's destruct3.phpt: go() from a method a destructor calls, at the
// script's end, with a coroutine that throws.
$t = new class() {
    function test()
    {
        echo "test\n";
    }

    function dtor()
    {
        echo "dtor\n";
        go(function () {
            throw new Exception('error');
        });
    }

    function __destruct()
    {
        $this->dtor();
    }
};
Co\go(function () use ($t) {
    Co::sleep(0.01);
    $t->test();
    $GLOBALS['obj'] = $t;
});
Swoole\Event::wait();
