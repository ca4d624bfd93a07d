<?php
// TLS (ssl:// server and clients, stream_socket_enable_crypto, https://),
// stream_select() and proc_open() pipes, all waiting in coroutines while
// a ticker coroutine keeps running. argv[1]: a directory holding
// cert.pem and key.pem (a self-signed certificate for 127.0.0.1).
// "TIME <what> <seconds>" lines are checked (and left out) by the test.
$dir = $argv[1];
$client = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
$ticks = 0;

Co\run(function () use ($dir, $client, &$ticks) {
    $ticking = true;
    go(function () use (&$ticks, &$ticking) {
        while ($ticking) {
            $ticks++;
            usleep(20000);
        }
    });

    echo "-- an ssl:// server and its clients in one process\n";
    $server = stream_socket_server('ssl://127.0.0.1:0', $errno, $errstr,
        STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
        stream_context_create(['ssl' => ['local_cert' => "$dir/cert.pem", 'local_pk' => "$dir/key.pem"]]));
    $addr = stream_socket_get_name($server, false);
    go(function () use ($server) {
        for ($i = 0; $i < 5; $i++) {
            $conn = stream_socket_accept($server, 10);
            go(function () use ($conn) {
                $request = fgets($conn);
                usleep(300000);
                $body = 'reply to ' . trim($request);
                fwrite($conn, "HTTP/1.0 200 OK\r\nContent-Length: " . strlen($body) . "\r\n\r\n$body");
                fclose($conn);
            });
        }
    });
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    $replies = [];
    for ($i = 0; $i < 3; $i++) {
        $wg->add();
        go(function () use ($i, $addr, $client, $wg, &$replies) {
            $c = stream_socket_client("ssl://$addr", $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $client);
            fwrite($c, "GET /ssl$i HTTP/1.0\r\n\r\n");
            $replies[$i] = explode("\r\n\r\n", stream_get_contents($c), 2)[1] ?? 'no body';
            fclose($c);
            $wg->done();
        });
    }
    $wg->add();
    go(function () use ($addr, $client, $wg, &$replies) {
        $c = stream_socket_client("tcp://$addr", $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $client);
        var_dump(stream_socket_enable_crypto($c, true, STREAM_CRYPTO_METHOD_TLS_CLIENT));
        fwrite($c, "GET /tcp HTTP/1.0\r\n\r\n");
        $replies[3] = explode("\r\n\r\n", stream_get_contents($c), 2)[1] ?? 'no body';
        $wg->done();
    });
    $wg->add();
    go(function () use ($addr, $client, $wg, &$replies) {
        $replies[4] = file_get_contents("https://$addr/https", false, $client);
        $wg->done();
    });
    $wg->wait();
    ksort($replies);
    print_r($replies);
    printf("TIME tls %.3f\n", microtime(true) - $t);

    echo "-- stream_select\n";
    [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
    $tcpServer = stream_socket_server('tcp://127.0.0.1:0');
    $x = stream_socket_client('tcp://' . stream_socket_get_name($tcpServer, false));
    $y = stream_socket_accept($tcpServer);
    $r = ['mine' => $x]; $w = null; $e = null;
    var_dump(stream_select($r, $w, $e, 0), $r);
    go(function () use ($y) {
        usleep(300000);
        fwrite($y, "late\n");
    });
    $before = $ticks;
    $t = microtime(true);
    $r = ['mine' => $x, 7 => $x];
    $n = stream_select($r, $w, $e, 5);
    printf("TIME select %.3f\n", microtime(true) - $t);
    var_dump($n, array_keys($r), fgets($x));
    echo 'ticked while selecting: ', json_encode($ticks - $before >= 5), "\n";
    $r = [$x]; $w = [$x];
    var_dump(stream_select($r, $w, $e, 1), count($r), count($w));

    echo "-- proc_open\n";
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    $out = [];
    for ($i = 0; $i < 3; $i++) {
        $wg->add();
        go(function () use ($i, $wg, &$out) {
            $p = proc_open(['sh', '-c', "sleep 0.5; echo child$i"], [1 => ['pipe', 'w']], $pipes);
            $out[$i] = trim(stream_get_contents($pipes[1]));
            fclose($pipes[1]);
            $out[$i] .= ' exit ' . proc_close($p);
            $wg->done();
        });
    }
    $wg->wait();
    ksort($out);
    print_r($out);
    printf("TIME proc %.3f\n", microtime(true) - $t);
    $p = proc_open(['cat'], [0 => ['pipe', 'r'], 1 => ['pipe', 'w']], $pipes);
    $wg = new Swoole\Coroutine\WaitGroup(1);
    go(function () use ($pipes, $wg) {
        $n = 0;
        while (!feof($pipes[1])) {
            $n += strlen(fread($pipes[1], 65536));
        }
        echo "cat gave back $n bytes\n";
        $wg->done();
    });
    var_dump(fwrite($pipes[0], str_repeat('x', 1 << 20)));
    fclose($pipes[0]);
    $wg->wait();
    fclose($pipes[1]);
    var_dump(proc_close($p));
    $ticking = false;
});
echo "done\n";
