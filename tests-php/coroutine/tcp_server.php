<?php
// Swoole\Coroutine\Server: the documentation's echo example with length
// framing, driven by Co\Client from another coroutine; shutdown().
use Swoole\Coroutine\Server;
use Swoole\Coroutine\Server\Connection;

Co\run(function () {
    $server = new Server('127.0.0.1', 0, false);
    var_dump($server->port > 0, $server->fd > 0, $server->host, $server->type, $server->setting);
    $server->set([
        'open_length_check' => true,
        'package_length_type' => 'N',
        'package_length_offset' => 0,
        'package_body_offset' => 4,
    ]);
    $server->handle(function (Connection $conn) use ($server) {
        while (true) {
            $data = $conn->recv(1);
            if ($data === '' || $data === false) {
                echo "server: client gone (", var_export($data, true), ")\n";
                $conn->close();
                break;
            }
            $body = substr($data, 4);
            echo "server got: $body\n";
            if ($body === 'stop') {
                $server->shutdown();
            }
            $conn->send(pack('N', strlen("re:$body")) . "re:$body");
        }
    });
    $port = $server->port;
    go(function () use ($port) {
        $c = new Co\Client(SWOOLE_SOCK_TCP);
        $c->set(['open_length_check' => true, 'package_length_type' => 'N',
                 'package_length_offset' => 0, 'package_body_offset' => 4]);
        var_dump($c->connect('127.0.0.1', $port, 1));
        foreach (['hello', 'world'] as $m) {
            $c->send(pack('N', strlen($m)) . $m);
            var_dump(substr($c->recv(1), 4));
        }
        // Two packets in one write.
        $c->send(pack('N', 1) . 'a' . pack('N', 1) . 'b');
        var_dump(substr($c->recv(1), 4), substr($c->recv(1), 4));
        $c->close();
        Co::sleep(0.05);
        $s = new Co\Client(SWOOLE_SOCK_TCP);
        $s->connect('127.0.0.1', $port, 1);
        $s->send(pack('N', 4) . 'stop');
        var_dump(substr($s->recv(1), 4));
    });
    var_dump($server->start());
    echo "server stopped\n";
});
