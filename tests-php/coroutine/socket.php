<?php
// Swoole\Coroutine\Socket: a TCP server and client, lines, timeouts, UDP,
// options, a reader and a writer sharing one socket, close() cancelling a reader.
Co\run(function () {
    $s = new Co\Socket(AF_INET, SOCK_STREAM, 0);
    var_dump(array_keys(get_object_vars($s)), $s->fd > 0, $s->domain, $s->type, $s->errCode);
    var_dump($s->bind('127.0.0.1', 0), $s->listen(), array_keys($n = $s->getsockname()));
    $port = $n['port'];
    go(function () use ($port) {
        $c = new Co\Socket(AF_INET, SOCK_STREAM, 0);
        var_dump($c->connect('127.0.0.1', $port));
        var_dump($c->send("hello\nworld\n"));
        var_dump($c->recv(100, 1));
        var_dump($c->recv(100, 0.1), $c->errCode, $c->errMsg);
        $c->close();
        var_dump($c->isClosed(), $c->send("x"), $c->errCode, $c->errMsg);
    });
    $conn = $s->accept();
    var_dump(get_class($conn), $conn->fd > 0, $conn->getpeername()['address']);
    var_dump($conn->recvLine());
    var_dump($conn->recvLine());
    var_dump($conn->sendAll("reply"));
    var_dump($conn->recv());
    var_dump($conn->accept(0.1));
    var_dump($s->accept(0.1), $s->errCode, $s->errMsg);
    var_dump($conn->getOption(SOL_SOCKET, SO_REUSEADDR), $s->getOption(SOL_SOCKET, SO_REUSEADDR));
    var_dump($conn->setOption(SOL_SOCKET, SO_KEEPALIVE, 1), $conn->getOption(SOL_SOCKET, SO_KEEPALIVE));
    var_dump($s->getOption(SOL_SOCKET, SO_RCVTIMEO));
    $u = new Co\Socket(AF_INET, SOCK_DGRAM, 0);
    $u->bind('127.0.0.1', 0);
    $up = $u->getsockname()['port'];
    $u2 = new Co\Socket(AF_INET, SOCK_DGRAM, 0);
    var_dump($u2->sendto('127.0.0.1', $up, "dgram"));
    $peer = null;
    var_dump($u->recvfrom($peer, 1), array_keys($peer));
    var_dump($u->recvfrom($peer, 0.1), $u->errCode);
    $p = new Co\Socket(AF_INET, SOCK_STREAM, 0);
    var_dump($p->connect('127.0.0.1', 1), $p->errCode, $p->errMsg);
    var_dump($p->checkLiveness());
});
// A reader and a writer coroutine share one socket; close() cancels a reader.
Co\run(function () {
    [$a, $b] = [new Co\Socket(AF_UNIX, SOCK_STREAM, 0), null];
    @unlink('/tmp/swrs-co-socket.sock');
    $a->bind('/tmp/swrs-co-socket.sock');
    $a->listen();
    go(function () use (&$b) {
        $b = new Co\Socket(AF_UNIX, SOCK_STREAM, 0);
        $b->connect('/tmp/swrs-co-socket.sock');
        $b->setProtocol(['open_eof_check' => true, 'package_eof' => "\r\n"]);
        go(function () use ($b) {
            echo "packet: ", $b->recvPacket(2), "\n";
            echo "packet: ", $b->recvPacket(2), "\n";
            var_dump($b->recv(100, 5), $b->errCode, $b->errMsg);
        });
        var_dump($b->send("ping"));
    });
    $c = $a->accept(1);
    var_dump($c->recv(), $c->sendAll("one\r\ntwo\r\n"));
    Co::sleep(0.05);
    var_dump($b->close());
    unlink('/tmp/swrs-co-socket.sock');
});
Co\run(function () {
    try {
        new Co\Socket(99, 99, 0);
    } catch (Throwable $e) {
        echo get_class($e), ": ", $e->getMessage(), " ", $e->getCode(), "\n";
    }
});
