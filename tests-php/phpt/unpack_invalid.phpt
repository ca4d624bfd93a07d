--TEST--
unpack() of incomplete data returns false and sets the last error to 508
--FILE--
<?php
foreach (['', 'x', 'garbage'] as $data) {
    $r = @Swoole\WebSocket\Server::unpack($data);
    var_dump($r, swoole_last_error());
}
?>
--EXPECTF--
%Abool(false)
int(508)
%Abool(false)
int(508)
%Abool(false)
int(508)
