<?php
/*
 * Callbacks that wait in coroutines (enable_coroutine, Swoole's default):
 * php co_server.php PORT
 *   onMessage "sleep <s>"  -> Co::sleep(s), then pushes "slept <s> cid=<cid>"
 *   onMessage "chan"       -> pops from a channel a timer fills 0.2 s later
 *   onMessage "ask <port> <text>" -> sends <text> to 127.0.0.1:<port> with a
 *                             Co\Client and pushes "answer <reply>"
 *   onRequest /wait        -> Co::sleep(0.2), then ends "waited"
 *   onRequest /fanout      -> 20 Co\Http\Client requests to this server's own
 *                             /wait at once (a WaitGroup); ends with their bodies
 *   onRequest /noend       -> Co::sleep(0.1) and never ends: the response is
 *                             ended for the script when the coroutine ends (500)
 * SWTEST_SETTINGS / SWTEST_MODE as usual.
 */
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], $mode);
$settings = ['worker_num' => 1];
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $settings = array_merge($settings, json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
$server->set($settings);
$server->on('message', function (Swoole\WebSocket\Server $server, $frame) {
    if (strncmp($frame->data, 'sleep ', 6) === 0) {
        $s = (float)substr($frame->data, 6);
        Co::sleep($s);
        $server->push($frame->fd, "slept $s cid=" . Co::getCid());
        return;
    }
    if ($frame->data === 'chan') {
        $chan = new Swoole\Coroutine\Channel();
        Swoole\Timer::after(200, function () use ($chan) { $chan->push('filled'); });
        $server->push($frame->fd, 'got ' . $chan->pop(2));
        return;
    }
    if (strncmp($frame->data, 'ask ', 4) === 0) {
        [, $port, $text] = explode(' ', $frame->data, 3);
        $client = new Co\Client(SWOOLE_SOCK_TCP);
        if (!$client->connect('127.0.0.1', (int)$port, 5)) {
            $server->push($frame->fd, "connect failed $client->errCode");
            return;
        }
        $client->send($text);
        $server->push($frame->fd, 'answer ' . $client->recv());
        return;
    }
    $server->push($frame->fd, 'cid=' . Co::getCid());
});
$server->on('request', function ($req, $resp) {
    if ($req->server['request_uri'] === '/wait') {
        Co::sleep(0.2);
        $resp->end('waited');
        return;
    }
    if ($req->server['request_uri'] === '/fanout') {
        $port = $req->server['server_port'];
        $wg = new Swoole\Coroutine\WaitGroup();
        $bodies = [];
        for ($i = 0; $i < 20; $i++) {
            $wg->add();
            go(function () use ($port, $i, $wg, &$bodies) {
                $client = new Swoole\Coroutine\Http\Client('127.0.0.1', $port);
                $client->get('/wait');
                $bodies[$i] = $client->statusCode . ' ' . $client->body;
                $wg->done();
            });
        }
        $wg->wait();
        $resp->end(implode(',', $bodies));
        return;
    }
    if ($req->server['request_uri'] === '/noend') {
        Co::sleep(0.1);
        return;
    }
    $resp->end('cid=' . Co::getCid());
});
$server->start();
