--TEST--
class hierarchy of the server, frame and exception classes
--FILE--
<?php
var_dump(get_parent_class('Swoole\WebSocket\Server'));
var_dump(get_parent_class('Swoole\Http\Server'));
var_dump(get_parent_class('Swoole\Server'));
var_dump(get_parent_class('Swoole\WebSocket\CloseFrame'));
var_dump(get_parent_class('Swoole\WebSocket\Frame'));
var_dump(new Swoole\WebSocket\Frame instanceof Stringable);
var_dump(is_subclass_of('Swoole\Exception', 'Exception'));
var_dump(class_exists('Swoole\Timer'), class_exists('Swoole\Server\Port'));
foreach (['tick', 'after', 'clear'] as $m) {
    var_dump(method_exists('Swoole\Timer', $m) && (new ReflectionMethod('Swoole\Timer', $m))->isStatic());
}
$server_methods = ['push', 'disconnect', 'ping', 'isEstablished', 'pack', 'unpack', 'on', 'set', 'start',
    'send', 'exist', 'exists', 'close', 'getLastError', 'getClientInfo', 'connection_info', 'shutdown',
    'tick', 'after', 'defer'];
foreach ($server_methods as $m) {
    if (!method_exists('Swoole\WebSocket\Server', $m)) {
        echo "missing Swoole\\WebSocket\\Server::$m\n";
    }
}
echo "done\n";
?>
--EXPECT--
string(18) "Swoole\Http\Server"
string(13) "Swoole\Server"
bool(false)
string(22) "Swoole\WebSocket\Frame"
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
done
