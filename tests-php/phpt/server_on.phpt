--TEST--
on(): unknown events and non-callables warn; event names are case-insensitive
--FILE--
<?php
$s = stream_socket_server('tcp://127.0.0.1:0');
$port = (int)substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
fclose($s);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
var_dump($server->on('badevent', function () {}));
var_dump($server->on('message', 'not_a_function'));
$cb = function ($server, $frame) {};
var_dump($server->on('MeSsAgE', $cb));
var_dump($server->getCallback('message') === $cb);
$open = function ($server, $request) {};
var_dump($server->on('OPEN', $open));
var_dump($server->getCallback('Open') === $open);
var_dump($server->on('Close', 'var_dump'));
var_dump($server->getCallback('close'));
var_dump($server->getCallback('request'));
?>
--EXPECTF--
Warning: Swoole\Server\Port::on(): unknown event types[badevent] in %s on line %d
bool(false)

Warning: Swoole\Server\Port::on(): function 'not_a_function' is not callable in %s on line %d
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
string(8) "var_dump"
NULL
