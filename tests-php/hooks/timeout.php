<?php
// With default_socket_timeout off (-1), a hooked socket times out after
// the coroutine sockets' read timeout (Co::set socket_read_timeout), as Swoole's.
ini_set('default_socket_timeout', -1);
Co::set(['socket_read_timeout' => 0.3]);
Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_TCP);
Co\run(function () {
    $srv = stream_socket_server('tcp://127.0.0.1:0');
    $c = stream_socket_client('tcp://' . stream_socket_get_name($srv, false));
    $t = microtime(true);
    var_dump(fread($c, 10));
    echo "after ~0.3 s: ", json_encode(abs(microtime(true) - $t - 0.3) < 0.2), "\n";
    var_dump(stream_get_meta_data($c)['timed_out']);
});
