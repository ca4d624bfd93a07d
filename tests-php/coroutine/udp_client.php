<?php
// Co\Client over UDP: sendto()/recvfrom() against a Co\Socket, Co::set()'s
// socket_timeout for new sockets, getPcid() inside and outside coroutines.
Co\run(function () {
    var_dump(Co::getPcid());
    $s = new Co\Socket(AF_INET, SOCK_DGRAM, 0);
    $s->bind('127.0.0.1', 0);
    $port = $s->getsockname()['port'];
    $c = new Co\Client(SWOOLE_SOCK_UDP);
    var_dump($c->sendto('127.0.0.1', $port, "ping"));
    $peer = null;
    $data = $s->recvfrom($peer);
    var_dump($data);
    $s->sendto($peer['address'], $peer['port'], "pong");
    var_dump($c->recvfrom(100, $addr, $p), $addr, $p === $peer['port']);
    Co::set(['socket_timeout' => 0.1]);
    $c2 = new Co\Client(SWOOLE_SOCK_UDP);
    $c2->connect('127.0.0.1', $port);
    $t = microtime(true);
    var_dump($c2->recv(), $c2->errCode, round(microtime(true) - $t, 1));
});
var_dump(Co::getPcid());
