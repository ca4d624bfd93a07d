--TEST--
server constructor defaults: mode, type, host, port properties and set() storing settings
--FILE--
<?php
$s = stream_socket_server('tcp://127.0.0.1:0');
$port = (int)substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
fclose($s);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
var_dump($server->host, $server->port === $port, $server->mode, $server->type);
var_dump($server->set(['worker_num' => 1, 'websocket_subprotocol' => 'chat']));
var_dump($server->setting['worker_num'], $server->setting['websocket_subprotocol']);
?>
--EXPECT--
string(9) "127.0.0.1"
bool(true)
int(1)
int(1)
bool(true)
int(1)
string(4) "chat"
