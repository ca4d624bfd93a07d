--TEST--
packing a CloseFrame whose reason exceeds 125 bytes fails with a log line
--FILE--
<?php
$c = new Swoole\WebSocket\CloseFrame;
$c->code = 4000;
$c->reason = str_repeat('r', 126);
var_dump(Swoole\WebSocket\Frame::pack($c));
echo "done\n";
?>
--EXPECTF--
%Athe max length of close reason is 125
%Astring(0) ""
done
