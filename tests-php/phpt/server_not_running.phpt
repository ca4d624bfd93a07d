--TEST--
connection methods before start() warn "server is not running" and return false
--FILE--
<?php
$s = stream_socket_server('tcp://127.0.0.1:0');
$port = (int)substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
fclose($s);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
var_dump($server->push(1, 'x'));
var_dump($server->disconnect(1));
var_dump($server->isEstablished(1));
var_dump($server->ping(1));
var_dump($server->exist(1));
var_dump($server->close(1));
var_dump($server->connection_info(1));
?>
--EXPECTF--
Warning: Swoole\WebSocket\Server::push(): server is not running in %s on line %d
bool(false)

Warning: Swoole\WebSocket\Server::disconnect(): server is not running in %s on line %d
bool(false)

Warning: Swoole\WebSocket\Server::isEstablished(): server is not running in %s on line %d
bool(false)

Warning: Swoole\WebSocket\Server::ping(): server is not running in %s on line %d
bool(false)

Warning: Swoole\Server::exist(): server is not running in %s on line %d
bool(false)

Warning: Swoole\Server::close(): server is not running in %s on line %d
bool(false)

Warning: Swoole\Server::connection_info(): server is not running in %s on line %d
bool(false)
