--TEST--
unpack('garbage') logs Swoole's incomplete packet warning
--FILE--
<?php
var_dump(Swoole\WebSocket\Server::unpack('garbage'));
?>
--EXPECTF--
%AWARNING	websocket::decode() (ERRNO 8507): incomplete packet, expected length is 99, actual length is 7
%Abool(false)
