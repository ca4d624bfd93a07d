<?php
/*
 * Callbacks given as [$object, 'name'] served by __call, and on() once the
 * server runs (refused, as Swoole refuses it) with a closure holding an
 * object whose destructor calls $server->on(): php magic_call.php PORT
 */
class Handlers
{
    public int $calls = 0;

    public function __call(string $name, array $args)
    {
        $this->calls++;
        echo "__call $name #{$this->calls}\n";
        if ($name === 'onMessage') {
            [$server, $frame] = $args;
            $server->push($frame->fd, "echo:" . $frame->data);
        }
    }
}

class RegistersOnDestruct
{
    public function __construct(private Swoole\WebSocket\Server $server)
    {
    }

    public function __destruct()
    {
        echo "destructor calls on()\n";
        $this->server->on('connect', function () {
        });
    }
}

$port = (int)($argv[1] ?? 9501);
$h = new Handlers();
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
$server->on('open', [$h, 'onOpen']);
$server->on('message', [$h, 'onMessage']);
$server->on('close', [$h, 'onClose']);
$server->on('workerStart', function ($server) {
    $guard = new RegistersOnDestruct($server);
    $server->on('request', function ($req, $resp) use ($guard) {
        $resp->end('first');
    });
    Swoole\Timer::after(50, function () use ($server) {
        // drops the closure holding $guard: its destructor re-enters on()
        $server->on('request', function ($req, $resp) {
            $resp->end('second');
        });
        echo "replaced\n";
    });
});
$server->start();
