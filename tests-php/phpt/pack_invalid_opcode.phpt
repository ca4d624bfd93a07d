--TEST--
pack() with an opcode above 10 warns and returns an empty string
--FILE--
<?php
var_dump(Swoole\WebSocket\Server::pack('hello', 16));
var_dump(Swoole\WebSocket\Frame::pack('hello', 11));
?>
--EXPECTF--
Warning: Swoole\WebSocket\Server::pack(): the maximum value of opcode is 10 in %s on line %d
string(0) ""

Warning: Swoole\WebSocket\Frame::pack(): the maximum value of opcode is 10 in %s on line %d
string(0) ""
