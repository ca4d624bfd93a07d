--TEST--
Server::pack() / Frame::pack() / (string)Frame: exact bytes
--FILE--
<?php
use Swoole\WebSocket\Server;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\CloseFrame;

echo bin2hex(Server::pack('hello')), "\n";
echo bin2hex(Frame::pack('hello')), "\n";
$f = new Frame;
$f->data = 'hello';
echo bin2hex((string)$f), "\n";
echo bin2hex(Server::pack('hello', WEBSOCKET_OPCODE_BINARY)), "\n";
echo bin2hex(Server::pack('hello', WEBSOCKET_OPCODE_TEXT, 0)), "\n";
echo bin2hex(Server::pack('hello', WEBSOCKET_OPCODE_TEXT, false)), "\n";
echo bin2hex(Server::pack('hello', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK)), "\n";
echo bin2hex(Server::pack('hello', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS)), "\n";
echo bin2hex(Server::pack('hello', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_RSV1)), "\n";
echo bin2hex(Server::pack('')), "\n";
echo bin2hex(Server::pack(12345)), "\n";
echo bin2hex(Server::pack('ping!', WEBSOCKET_OPCODE_PING, 0)), "\n";
echo bin2hex(Server::pack('bye', WEBSOCKET_OPCODE_CLOSE)), "\n";
echo bin2hex(Server::pack(new CloseFrame)), "\n";
$c = new CloseFrame;
$c->code = 4000;
$c->reason = 'bye';
echo bin2hex(Server::pack($c)), "\n";
echo bin2hex(Frame::pack($c)), "\n";
echo bin2hex((string)$c), "\n";
echo bin2hex(Server::pack('x', 3)), "\n";
$p = Server::pack(str_repeat('a', 126));
echo bin2hex(substr($p, 0, 4)), ' ', strlen($p), "\n";
$p = Server::pack(str_repeat('a', 65535));
echo bin2hex(substr($p, 0, 4)), ' ', strlen($p), "\n";
$p = Server::pack(str_repeat('a', 65536));
echo bin2hex(substr($p, 0, 10)), ' ', strlen($p), "\n";
?>
--EXPECT--
810568656c6c6f
810568656c6c6f
810568656c6c6f
820568656c6c6f
010568656c6c6f
010568656c6c6f
8185323538455a5054295d
c107ca48cdc9c90700
c10568656c6c6f
8100
81053132333435
890570696e6721
88050000627965
880203e8
88050fa0627965
88050fa0627965
88050fa0627965
830178
817e007e 130
817effff 65539
817f0000000000010000 65546
