<?php
// Swoole\Coroutine\Http\Client as a WebSocket client of a WebSocket server
// (tests-php/servers/ws.php with SWTEST_HTTP) whose port is argv[1].
use Swoole\Coroutine\Http\Client;

$port = (int)$argv[1];
Co\run(function () use ($port) {
    $c = new Client('127.0.0.1', $port);
    var_dump($c->upgrade('/chat'), $c->statusCode, array_keys($c->headers), $c->body, $c->connected);
    var_dump($c->push('hello'));
    $f = $c->recv(2);
    var_dump(get_class($f), $f->opcode, $f->data, $f->flags, $f->finish);
    var_dump($c->push("\x00\x01bin", WEBSOCKET_OPCODE_BINARY));
    $f = $c->recv(2);
    var_dump($f->opcode, bin2hex($f->data));
    var_dump($c->push(str_repeat('x', 70000)));
    var_dump(strlen($c->recv(2)->data));
    $c->push('part1-', WEBSOCKET_OPCODE_TEXT, 0);
    $c->push('part2', WEBSOCKET_OPCODE_CONTINUATION, SWOOLE_WEBSOCKET_FLAG_FIN);
    var_dump($c->recv(2)->data);
    $frame = new Swoole\WebSocket\Frame();
    $frame->data = 'from a frame object';
    var_dump($c->push($frame), $c->recv(2)->data);
    var_dump($c->push('x', 11), $c->errCode, $c->errMsg);

    $c->set(['open_websocket_pong_frame' => true]);
    var_dump($c->ping('are you there'));
    $f = $c->recv(2);
    var_dump($f->opcode, $f->data);

    var_dump($c->recv(0.2), $c->errCode, $c->statusCode, $c->connected);
    var_dump($c->push('still here'), $c->recv(2)->data);

    // The server closes: the close is echoed and recv() returns ''.
    $c->push('!disconnect 4000 bye');
    var_dump($c->recv(2), $c->connected);
    var_dump($c->push('after'), $c->errCode, $c->recv(), $c->errCode);

    // open_websocket_close_frame: the close comes back as a CloseFrame.
    $c2 = new Client('127.0.0.1', $port);
    $c2->set(['open_websocket_close_frame' => true]);
    $c2->upgrade('/');
    $c2->push('!disconnect 4001 reason here');
    $f = $c2->recv(2);
    var_dump(get_class($f), $f->code, $f->reason, $f->opcode);

    // A plain HTTP response: no WebSocket.
    $h = new Client('127.0.0.1', $port);
    var_dump($h->get("/page"), substr($h->body, 0, 3));
    var_dump($h->push('x'), $h->errCode, $h->errMsg, $h->statusCode);
    $h->close();

    // The client closes with a code of its own.
    $c3 = new Client('127.0.0.1', $port);
    $c3->upgrade('/');
    var_dump($c3->disconnect(4002, 'done'), $c3->connected, $c3->push('x'), $c3->errCode);

    // Many clients at once.
    $wg = new Swoole\Coroutine\WaitGroup();
    $echoed = 0;
    for ($i = 0; $i < 20; $i++) {
        $wg->add();
        go(function () use ($port, $i, $wg, &$echoed) {
            $c = new Client('127.0.0.1', $port);
            $c->upgrade('/');
            $c->push("n$i");
            $echoed += $c->recv(5)->data === "n$i" ? 1 : 0;
            $c->close();
            $wg->done();
        });
    }
    $wg->wait();
    var_dump($echoed);
});
