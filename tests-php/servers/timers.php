<?php
/*
 * Timer API test server: php timers.php PORT
 * onWorkerStart runs a chain of timers (each step starts the next one, so the
 * output order is deterministic) and prints one line per event, ending with
 * "timers done".
 */

$port = (int)($argv[1] ?? 9501);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
$server->set(['worker_num' => 1]);

$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) {
    $server->push($frame->fd, $frame->data);
});

$server->on('workerStart', function (Swoole\WebSocket\Server $server, int $workerId) {
    echo "worker start\n";
    // Swoole\Timer::tick with an extra parameter, cleared from inside its 3rd run.
    $n = 0;
    $id = 0;
    $id = Swoole\Timer::tick(50, function (int $timerId, string $param) use (&$n, &$id, $server) {
        $n++;
        echo "tick {$n} param={$param} id_matches=", var_export($timerId === $id, true), "\n";
        if ($n === 3) {
            echo "clear returned ";
            var_dump(Swoole\Timer::clear($timerId));
            phase2($server);
        }
    }, 'p1');
    echo "tick id positive int: ", var_export(is_int($id) && $id > 0, true), "\n";
    // A one-shot timer cleared before it is due never fires.
    $cancelled = Swoole\Timer::after(100, function () {
        echo "cancelled timer fired\n";
    });
    echo "clear after returned ";
    var_dump(Swoole\Timer::clear($cancelled));
});

function phase2(Swoole\WebSocket\Server $server): void
{
    Swoole\Timer::after(30, function () use ($server) {
        echo "Timer::after fired\n";
        $m = 0;
        $server->tick(20, function (int $timerId) use (&$m, $server) {
            $m++;
            echo "server tick {$m}\n";
            if ($m === 2) {
                Swoole\Timer::clear($timerId);
                $server->after(20, function () use ($server) {
                    echo "server after fired\n";
                    echo "defer 1\n";
                    $server->defer(function () {
                        echo "defer 3\n";
                        phase3();
                    });
                    echo "defer 2\n";
                });
            }
        });
    });
}

function phase3(): void
{
    $k = 0;
    swoole_timer_tick(20, function (int $timerId) use (&$k) {
        $k++;
        echo "swoole_timer_tick {$k}\n";
        if ($k === 2) {
            echo "swoole_timer_clear returned ";
            var_dump(swoole_timer_clear($timerId));
            swoole_timer_after(20, function () {
                echo "swoole_timer_after fired\n";
                echo "timers done\n";
            });
        }
    });
}

$server->start();
