<?php
// Two coroutines reading one hooked stream at the same time: a fatal error.
Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_TCP);
Co\run(function () {
    $server = stream_socket_server('tcp://127.0.0.1:0');
    $c = stream_socket_client('tcp://' . stream_socket_get_name($server, false), $errno, $errstr, 5);
    go(function () use ($c) {
        echo 'first reader: coroutine ', Co::getCid(), "\n";
        fread($c, 100);
        echo "not reached (first reader)\n";
    });
    echo 'second reader: coroutine ', Co::getCid(), "\n";
    fread($c, 100);
    echo "not reached (second reader)\n";
});
echo "not reached (after Co\\run)\n";
