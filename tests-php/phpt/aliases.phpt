--TEST--
Swoole 4 aliases (DESIGN.md: kept for old scripts) and case-insensitive class names
--FILE--
<?php
$aliases = [
    'swoole_websocket_server' => 'Swoole\WebSocket\Server',
    'swoole_websocket_frame' => 'Swoole\WebSocket\Frame',
    'swoole_http_request' => 'Swoole\Http\Request',
    'swoole_http_response' => 'Swoole\Http\Response',
    'swoole_server' => 'Swoole\Server',
    'swoole_http_server' => 'Swoole\Http\Server',
    'swoole_client' => 'Swoole\Client',
    'swoole_table' => 'Swoole\Table',
];
foreach ($aliases as $alias => $class) {
    echo $alias, ' ', var_export(class_exists($alias), true), ' ', (new ReflectionClass($alias))->getName(),
        ' ', var_export(is_a($alias, $class, true), true), "\n";
}
foreach (['swoole_timer_tick', 'swoole_timer_after', 'swoole_timer_clear'] as $fn) {
    echo $fn, ' ', var_export(function_exists($fn), true), "\n";
}
$f = new swoole_websocket_frame;
var_dump($f instanceof Swoole\WebSocket\Frame, get_class($f));
var_dump(class_exists('Swoole\Websocket\Server'), class_exists('SWOOLE\WEBSOCKET\FRAME'), class_exists('swoole\http\request'));
var_dump(is_subclass_of('swoole_websocket_server', 'swoole_server'));
?>
--EXPECT--
swoole_websocket_server true Swoole\WebSocket\Server true
swoole_websocket_frame true Swoole\WebSocket\Frame true
swoole_http_request true Swoole\Http\Request true
swoole_http_response true Swoole\Http\Response true
swoole_server true Swoole\Server true
swoole_http_server true Swoole\Http\Server true
swoole_client true Swoole\Client true
swoole_table true Swoole\Table true
swoole_timer_tick true
swoole_timer_after true
swoole_timer_clear true
bool(true)
string(22) "Swoole\WebSocket\Frame"
bool(true)
bool(true)
bool(true)
bool(true)
