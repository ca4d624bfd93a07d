<?php
// Which stream types PHP's transports create with hooks on and off, in and
// out of a coroutine; with hooks off sleep() blocks the whole thread.
// "TIME <what> <seconds>" lines are checked (and left out) by the test.
$dir = sys_get_temp_dir() . '/swoole-hooks-' . getmypid();
mkdir($dir);

function types(string $label) {
    global $dir;
    $tcp = stream_socket_server('tcp://127.0.0.1:0');
    $tcpAddr = stream_socket_get_name($tcp, false);
    $udp = stream_socket_server('udp://127.0.0.1:0', $errno, $errstr, STREAM_SERVER_BIND);
    $unix = stream_socket_server("unix://$dir/s.sock");
    $udg = stream_socket_server("udg://$dir/d.sock", $errno, $errstr, STREAM_SERVER_BIND);
    $t = [
        'tcp server' => $tcp,
        'tcp' => stream_socket_client("tcp://$tcpAddr"),
        'fsockopen' => fsockopen('127.0.0.1', (int) explode(':', $tcpAddr)[1]),
        'udp' => stream_socket_client('udp://' . stream_socket_get_name($udp, false)),
        'unix' => stream_socket_client("unix://$dir/s.sock"),
        'udg' => stream_socket_client("udg://$dir/d.sock"),
    ];
    echo $label, ":\n";
    foreach ($t as $name => $stream) {
        echo '  ', str_pad($name, 11), stream_get_meta_data($stream)['stream_type'], "\n";
        fclose($stream);
    }
    fclose($udp);
    fclose($unix);
    fclose($udg);
    unlink("$dir/s.sock");
    unlink("$dir/d.sock");
}

types('no hooks, outside a coroutine');

Swoole\Runtime::enableCoroutine(0);
Co\run(function () {
    echo 'flags: ', Swoole\Runtime::getHookFlags(), "\n";
    types('enableCoroutine(0), in a coroutine');
    $t = microtime(true);
    for ($i = 0; $i < 3; $i++) {
        go(function () use ($i) {
            echo "coroutine $i sleeps\n";
            sleep(1);
            echo "coroutine $i woke up\n";
        });
    }
    printf("TIME unhooked-3-sleeps %.3f\n", microtime(true) - $t);
});

Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_TCP | SWOOLE_HOOK_UDP | SWOOLE_HOOK_UNIX | SWOOLE_HOOK_UDG);
types('TCP|UDP|UNIX|UDG hooked, outside a coroutine');
Co\run(function () {
    types('TCP|UDP|UNIX|UDG hooked, in a coroutine');
    // SWOOLE_HOOK_SLEEP is off: sleep() still blocks.
    $t = microtime(true);
    go(function () { usleep(300000); });
    go(function () { usleep(300000); });
    printf("TIME unhooked-2-usleeps %.3f\n", microtime(true) - $t);
});

Co::set(['hook_flags' => SWOOLE_HOOK_TCP]);
Co\run(function () {
    types("Co::set(['hook_flags' => SWOOLE_HOOK_TCP]), in a coroutine");
});
rmdir($dir);
echo "done\n";
