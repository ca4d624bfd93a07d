<?php
// stream_socket_server() + stream_socket_accept() in one coroutine while
// others connect to it; every connection is served by its own coroutine.
Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_TCP | SWOOLE_HOOK_SLEEP);
Co\run(function () {
    $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
    echo 'server: ', stream_get_meta_data($server)['stream_type'], "\n";
    $addr = stream_socket_get_name($server, false);
    $accepted = new Swoole\Coroutine\WaitGroup(1);
    go(function () use ($server, $accepted) {
        for ($i = 0; $i < 3; $i++) {
            echo "accepting\n";
            $conn = stream_socket_accept($server, 5);
            echo 'accepted ', get_resource_type($conn), ' ', stream_get_meta_data($conn)['stream_type'], "\n";
            go(function () use ($conn) {
                while (($line = fgets($conn)) !== false) {
                    fwrite($conn, strtoupper($line));
                }
                echo "server: EOF\n";
                fclose($conn);
            });
        }
        $accepted->done();
    });
    echo "connecting\n";
    $wg = new Swoole\Coroutine\WaitGroup();
    for ($i = 0; $i < 3; $i++) {
        $wg->add();
        go(function () use ($addr, $i, $wg) {
            $c = stream_socket_client("tcp://$addr", $errno, $errstr, 5);
            fwrite($c, "hello $i\n");
            // The clients finish in the order 2, 1, 0.
            usleep(200000 * (3 - $i));
            fwrite($c, "bye $i\n");
            echo 'client: ', fgets($c), 'client: ', fgets($c);
            fclose($c);
            $wg->done();
        });
    }
    $accepted->wait();
    $wg->wait();
    usleep(50000);
    echo "an accept that times out:\n";
    $t = microtime(true);
    var_dump(stream_socket_accept($server, 0.2));
    printf("TIME accept-timeout %.3f\n", microtime(true) - $t);
});
echo "done\n";
