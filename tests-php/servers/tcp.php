<?php
/*
 * Generic TCP test server: php tcp.php PORT [SIDE_PORT]
 *
 * Echoes every packet onReceive gets, as the port's framing cut it, and
 * prints one line per event on stdout. A packet containing a command
 * answers it instead (raw bytes, whatever the framing):
 *   !worker          -> "worker=<id>"
 *   !fd              -> "fd=<fd>"
 *   !info            -> json_encode(getClientInfo($fd))
 *   !send <fd> <s>   -> $server->send(<fd>, <s>) (any worker's connection), answers "sent=<bool>"
 *   !close           -> $server->close($fd)
 *   !reset           -> 4 MiB queued, then $server->close($fd, true) (a RST)
 *   !list            -> the fds of $server->connections, comma-separated
 *   !ports           -> each port's connections (foreach), JSON: [[fd, ...], ...]
 *   !pause           -> $server->pause($fd), answers "paused=<bool>"
 *   !resume <fd>     -> $server->resume(<fd>), answers "resumed=<bool>" (and prints
 *                       "resume error=<getLastError()>")
 *   !bind <uid>      -> $server->bind($fd, <uid>), answers "bound=<bool>"
 *   !badsend         -> send() to null, -1, a gone fd, PHP_INT_MAX and '' to $fd: prints
 *                       each result and getLastError(), answers "badsend done"
 *
 * Environment switches (all optional):
 *   SWTEST_SETTINGS       JSON object for $server->set() (worker_num defaults to 1)
 *   SWTEST_MODE           "process" for SWOOLE_PROCESS (default SWOOLE_BASE)
 *   SWTEST_PORT_SETTINGS  JSON object for the side port's set() (none: it inherits)
 *   SWTEST_PORT_RECEIVE   the side port gets its own onReceive ("side <data>")
 *   SWTEST_LENGTH_FUNC    package_length_func: a 2-byte big-endian length header
 *   SWTEST_DISPATCH_FUNC  dispatch_func: data starting "w<N>" goes to worker N,
 *                         "drop" is discarded, "kill" answers -2 (Swoole 6.2.2 drops it too), the rest falls back
 */

$port = (int)($argv[1] ?? 9501);
$side = isset($argv[2]) ? (int)$argv[2] : 0;
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;

$server = new Swoole\Server('127.0.0.1', $port, $mode, SWOOLE_SOCK_TCP);
$settings = ['worker_num' => 1];
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $settings = array_merge($settings, json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
if (getenv('SWTEST_LENGTH_FUNC')) {
    $settings['open_length_check'] = true;
    $settings['package_length_func'] = function ($data) {
        if (strlen($data) < 2) {
            return 0;
        }
        $len = unpack('n', $data)[1];
        return $len === 0xffff ? -1 : 2 + $len;
    };
}
if (getenv('SWTEST_DISPATCH_FUNC')) {
    $settings['dispatch_func'] = function ($server, $fd, $type, $data) {
        if ($type !== 0) {
            return -3;
        }
        if (preg_match('/^w(\d+)/', $data, $m)) {
            return (int)$m[1];
        }
        return ['drop' => -1, 'kill' => -2][trim($data)] ?? -3;
    };
}
$server->set($settings);

if ($side) {
    $p = $server->listen('127.0.0.1', $side, SWOOLE_SOCK_TCP);
    $json = getenv('SWTEST_PORT_SETTINGS');
    if ($json !== false && $json !== '') {
        $p->set(json_decode($json, true, 512, JSON_THROW_ON_ERROR));
    }
    if (getenv('SWTEST_PORT_RECEIVE')) {
        $p->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
            echo "side receive fd=$fd len=", strlen($data), "\n";
            $server->send($fd, "side $data");
        });
    }
}

$server->on('connect', function (Swoole\Server $server, int $fd, int $reactorId) {
    $info = $server->getClientInfo($fd);
    echo "connect fd=$fd port={$info['server_port']} worker={$server->worker_id}\n";
});

$server->on('receive', function (Swoole\Server $server, int $fd, int $reactorId, string $data) {
    echo "receive fd=$fd len=", strlen($data), " worker={$server->worker_id}\n";
    if (($at = strpos($data, '!')) !== false) {
        $cmd = rtrim(substr($data, $at), "\r\n");
        if ($cmd === '!fd') {
            $server->send($fd, "fd=$fd");
            return;
        }
        if ($cmd === '!badsend') {
            foreach ([null, -1, 100, PHP_INT_MAX] as $bad) {
                $r = $server->send($bad, 'x');
                echo 'send ', var_export($bad, true), ' -> ', var_export($r, true), ' error ', $server->getLastError(), "\n";
            }
            $r = $server->send($fd, '');
            echo 'send empty -> ', var_export($r, true), ' error ', $server->getLastError(), "\n";
            $server->send($fd, 'badsend done');
            return;
        }
        if ($cmd === '!worker') {
            $server->send($fd, "worker={$server->worker_id}");
            return;
        }
        if ($cmd === '!info') {
            $server->send($fd, json_encode($server->getClientInfo($fd)));
            return;
        }
        if ($cmd === '!reset') {
            $server->send($fd, str_repeat('x', 4 << 20));
            $ok = $server->close($fd, true);
            echo 'reset=', json_encode($ok), "\n";
            return;
        }
        if ($cmd === '!close') {
            $server->close($fd);
            return;
        }
        if ($cmd === '!list') {
            $fds = [];
            foreach ($server->connections as $c) {
                $fds[] = $c;
            }
            $server->send($fd, implode(',', $fds));
            return;
        }
        if (strncmp($cmd, '!bind ', 6) === 0) {
            $server->send($fd, 'bound=' . json_encode($server->bind($fd, (int)substr($cmd, 6))));
            return;
        }
        if ($cmd === '!ports') {
            $all = [];
            foreach ($server->ports as $p) {
                $fds = [];
                foreach ($p->connections as $c) {
                    $fds[] = $c;
                }
                $all[] = $fds;
            }
            $server->send($fd, json_encode($all));
            return;
        }
        if ($cmd === '!pause') {
            $server->send($fd, 'paused=' . json_encode($server->pause($fd)));
            return;
        }
        if (strncmp($cmd, '!resume ', 8) === 0) {
            $ok = $server->resume((int)substr($cmd, 8));
            echo 'resume error=', $server->getLastError(), "\n";
            $server->send($fd, 'resumed=' . json_encode($ok));
            return;
        }
        if (strncmp($cmd, '!send ', 6) === 0) {
            [, $to, $what] = explode(' ', $cmd, 3);
            $ok = $server->send((int)$to, $what);
            $server->send($fd, 'sent=' . json_encode($ok));
            return;
        }
    }
    $server->send($fd, $data);
});

$server->on('close', function (Swoole\Server $server, int $fd, int $reactorId) {
    echo "close fd=$fd reactor=$reactorId\n";
    $info = $server->getClientInfo($fd);
    echo "closing info fd=$fd ", is_array($info) ? "close_errno={$info['close_errno']}" : 'false', "\n";
});

$server->start();
