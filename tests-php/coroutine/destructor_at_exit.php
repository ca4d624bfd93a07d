<?php
// go() in the destructor of an object PHP destroys after the script's end
// (a global): too late for any loop. The coroutine cannot run; the process
// must still end cleanly (it used to crash freeing the coroutine's PHP
// values after PHP had gone).
$t = new class() {
    function __destruct()
    {
        echo "dtor\n";
        go(function () {
            echo "never runs\n";
        });
    }
};
Co\go(function () use ($t) {
    Co::sleep(0.01);
    $GLOBALS['obj'] = $t;
});
Swoole\Event::wait();
echo "end of script\n";
