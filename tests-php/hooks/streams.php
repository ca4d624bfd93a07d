<?php
// PHP's stream functions on hooked tcp/udp/unix/udg streams in coroutines.
// "TIME <what> <seconds>" lines are checked (and left out) by the test.
Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_TCP | SWOOLE_HOOK_UDP | SWOOLE_HOOK_UNIX | SWOOLE_HOOK_UDG | SWOOLE_HOOK_SLEEP);
$dir = sys_get_temp_dir() . '/swoole-hooks-' . getmypid();
mkdir($dir);

Co\run(function () use ($dir) {
    echo "-- tcp: meta data, a read timeout, a refused connection\n";
    $server = stream_socket_server('tcp://127.0.0.1:0');
    $c = stream_socket_client('tcp://' . stream_socket_get_name($server, false), $errno, $errstr, 5);
    var_dump(stream_get_meta_data($c));
    var_dump(stream_set_timeout($c, 0, 200000));
    $t = microtime(true);
    var_dump(fread($c, 10));
    printf("TIME read-timeout %.3f\n", microtime(true) - $t);
    var_dump(stream_get_meta_data($c)['timed_out']);
    var_dump(stream_socket_client('tcp://127.0.0.1:1', $errno, $errstr, 1), $errno, $errstr);

    echo "-- tcp: 4 MiB both ways (partial reads and writes)\n";
    $peer = stream_socket_accept($server, 5);
    $big = str_repeat('abcdefgh', 512 * 1024);
    $wg = new Swoole\Coroutine\WaitGroup(1);
    $serverLog = [];
    go(function () use ($peer, $big, $wg, &$serverLog) {
        $written = 0;
        while ($written < strlen($big)) {
            $n = fwrite($peer, substr($big, $written, 1 << 20));
            if ($n === false || $n === 0) break;
            $written += $n;
        }
        $serverLog[] = "server wrote $written bytes";
        $echo = '';
        while (strlen($echo) < strlen($big) && ($chunk = fread($peer, 65536)) !== false && $chunk !== '') {
            $echo .= $chunk;
        }
        $serverLog[] = 'server got them back: ' . json_encode($echo === $big);
        fclose($peer);
        $wg->done();
    });
    var_dump(stream_set_timeout($c, 5));
    $got = '';
    while (strlen($got) < strlen($big)) {
        $chunk = fread($c, 1 << 20);
        if ($chunk === false || $chunk === '') break;
        $got .= $chunk;
    }
    echo 'client read ', strlen($got), ' bytes, the same: ', json_encode($got === $big), "\n";
    var_dump(fwrite($c, $got));
    $wg->wait();
    echo implode("\n", $serverLog), "\n";
    echo "after the server closed:\n";
    var_dump(fread($c, 10), feof($c));
    fclose($c);

    echo "-- udp\n";
    $udp = stream_socket_server('udp://127.0.0.1:0', $errno, $errstr, STREAM_SERVER_BIND);
    $addr = stream_socket_get_name($udp, false);
    go(function () use ($udp) {
        for ($i = 0; $i < 2; $i++) {
            $msg = stream_socket_recvfrom($udp, 100, 0, $from);
            var_dump(stream_socket_sendto($udp, strtoupper($msg), 0, $from));
        }
    });
    $u = stream_socket_client("udp://$addr");
    var_dump(fwrite($u, 'ping'));
    var_dump(fread($u, 100));
    var_dump(stream_socket_sendto($u, 'pong'));
    var_dump(stream_socket_recvfrom($u, 100, 0, $from), $from === $addr);

    echo "-- unix stream\n";
    $us = stream_socket_server("unix://$dir/s.sock");
    go(function () use ($us) {
        $conn = stream_socket_accept($us, 5);
        while (($line = fgets($conn)) !== false) {
            fwrite($conn, "echo: $line");
        }
        fclose($conn);
    });
    $uc = stream_socket_client("unix://$dir/s.sock", $errno, $errstr, 5);
    fwrite($uc, "one\ntwo\n");
    var_dump(fgets($uc), fgets($uc));
    fclose($uc);

    echo "-- unix datagram\n";
    $ds = stream_socket_server("udg://$dir/d.sock", $errno, $errstr, STREAM_SERVER_BIND);
    go(function () use ($ds) {
        var_dump(stream_socket_recvfrom($ds, 100));
    });
    $dc = stream_socket_client("udg://$dir/d.sock");
    var_dump(fwrite($dc, 'datagram'));
    usleep(100000);
    foreach (glob("$dir/*") as $f) unlink($f);
});
rmdir($dir);
echo "done\n";
