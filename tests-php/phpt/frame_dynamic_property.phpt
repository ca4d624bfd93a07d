--TEST--
dynamic properties on Frame work with PHP 8.2's deprecation notice
--FILE--
<?php
$f = new Swoole\WebSocket\Frame;
$f->custom = 'value';
var_dump($f->custom);
$f->opcode = WEBSOCKET_OPCODE_BINARY;
$f->data = "\x00\x01";
echo bin2hex((string)$f), "\n";
?>
--EXPECTF--
Deprecated: Creation of dynamic property Swoole\WebSocket\Frame::$custom is deprecated in %s on line %d
string(5) "value"
82020001
