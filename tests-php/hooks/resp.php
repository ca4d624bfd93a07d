<?php
// A Predis-style Redis client written on PHP's own stream functions
// (stream_socket_client, fwrite, fgets, fread): with SWOOLE_HOOK_TCP its
// connections yield, so coroutines wait on Redis together.
// php resp.php REDIS_PORT
// "TIME <what> <seconds>" lines are checked (and left out) by the test.
$port = (int) $argv[1];

function redis_connect(int $port) {
    $c = stream_socket_client("tcp://127.0.0.1:$port", $errno, $errstr, 5);
    if (!$c) {
        throw new RuntimeException("connect: $errno $errstr");
    }
    return $c;
}

function command($c, string ...$args) {
    $out = '*' . count($args) . "\r\n";
    foreach ($args as $a) {
        $out .= '$' . strlen($a) . "\r\n$a\r\n";
    }
    for ($done = 0; $done < strlen($out); $done += $n) {
        $n = fwrite($c, substr($out, $done));
        if (!$n) {
            throw new RuntimeException('write failed');
        }
    }
    return read_reply($c);
}

function read_reply($c) {
    $line = fgets($c);
    if ($line === false) {
        return 'EOF';
    }
    $line = substr($line, 0, -2);
    $rest = substr($line, 1);
    switch ($line[0]) {
        case '+': return $rest;
        case '-': return "error: $rest";
        case ':': return (int) $rest;
        case '$':
            if ($rest === '-1') {
                return null;
            }
            $buf = '';
            while (strlen($buf) < (int) $rest + 2) {
                $chunk = fread($c, (int) $rest + 2 - strlen($buf));
                if ($chunk === false || $chunk === '') {
                    throw new RuntimeException('EOF in a bulk string');
                }
                $buf .= $chunk;
            }
            return substr($buf, 0, -2);
        case '*':
            if ($rest === '-1') {
                return null;
            }
            $items = [];
            for ($i = 0; $i < (int) $rest; $i++) {
                $items[] = read_reply($c);
            }
            return $items;
    }
    throw new RuntimeException("bad reply: $line");
}

Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_TCP);
Co\run(function () use ($port) {
    $c = redis_connect($port);
    echo stream_get_meta_data($c)['stream_type'], "\n";
    var_dump(command($c, 'PING'));
    command($c, 'DEL', 'resp:k', 'resp:big', 'resp:list');
    var_dump(command($c, 'SET', 'resp:k', "v\r\nwith a CRLF"));
    var_dump(command($c, 'GET', 'resp:k'));
    var_dump(command($c, 'GET', 'resp:missing'));
    var_dump(str_starts_with(command($c, 'NOSUCHCOMMAND'), 'error: ERR unknown command'));
    $big = str_repeat('0123456789abcdef', 1 << 16); // 1 MiB
    var_dump(command($c, 'SET', 'resp:big', $big));
    var_dump(command($c, 'GET', 'resp:big') === $big);

    echo "-- 50 coroutines, each on its own connection, BLPOP with a 0.2 s timeout\n";
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    $results = [];
    for ($i = 0; $i < 50; $i++) {
        $wg->add();
        go(function () use ($port, $i, $wg, &$results) {
            $r = redis_connect($port);
            $results[$i] = command($r, 'BLPOP', "resp:empty:$i", '0.2');
            fclose($r);
            $wg->done();
        });
    }
    $wg->wait();
    printf("TIME 50-blpop %.3f\n", microtime(true) - $t);
    echo count($results), ' results: ', json_encode(array_values(array_unique(array_map('json_encode', $results)))), "\n";

    echo "-- one coroutine waits in BLPOP, another pushes\n";
    $wg = new Swoole\Coroutine\WaitGroup(2);
    go(function () use ($port, $wg, &$popped) {
        $r = redis_connect($port);
        echo "waiting\n";
        $popped = command($r, 'BLPOP', 'resp:list', '5');
        $wg->done();
    });
    go(function () use ($port, $wg, &$pushed) {
        $r = redis_connect($port);
        usleep(100000);
        echo "pushing\n";
        $pushed = command($r, 'LPUSH', 'resp:list', 'hello');
        $wg->done();
    });
    $wg->wait();
    var_dump($pushed, $popped);

    echo "-- the server closes the connection\n";
    var_dump(command($c, 'QUIT'));
    var_dump(fgets($c), feof($c));
    fclose($c);
});
echo "done\n";
