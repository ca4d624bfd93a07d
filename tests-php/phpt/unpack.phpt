--TEST--
Server::unpack() / Frame::unpack() of text, masked, fragment, close and compressed frames
--FILE--
<?php
use Swoole\WebSocket\Server;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\CloseFrame;

var_dump(Server::unpack(Server::pack('hello')));
var_dump(Frame::unpack(Server::pack('hello', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK)));
var_dump(Server::unpack(Server::pack('part', WEBSOCKET_OPCODE_TEXT, 0)));
$c = new CloseFrame;
$c->code = 4000;
$c->reason = 'bye';
var_dump(Server::unpack(Server::pack($c)));
var_dump(Server::unpack(hex2bin('c107ca48cdc9c90700')));
var_dump(Server::unpack(Server::pack('bin', WEBSOCKET_OPCODE_BINARY) . 'trailing junk')->data);
?>
--EXPECTF--
object(Swoole\WebSocket\Frame)#%d (5) {
  ["fd"]=>
  int(0)
  ["data"]=>
  string(5) "hello"
  ["opcode"]=>
  int(1)
  ["flags"]=>
  int(1)
  ["finish"]=>
  bool(true)
}
object(Swoole\WebSocket\Frame)#%d (5) {
  ["fd"]=>
  int(0)
  ["data"]=>
  string(5) "hello"
  ["opcode"]=>
  int(1)
  ["flags"]=>
  int(33)
  ["finish"]=>
  bool(true)
}
object(Swoole\WebSocket\Frame)#%d (5) {
  ["fd"]=>
  int(0)
  ["data"]=>
  string(4) "part"
  ["opcode"]=>
  int(1)
  ["flags"]=>
  int(0)
  ["finish"]=>
  bool(false)
}
object(Swoole\WebSocket\CloseFrame)#%d (7) {
  ["fd"]=>
  int(0)
  ["data"]=>
  string(0) ""
  ["opcode"]=>
  int(8)
  ["flags"]=>
  int(1)
  ["finish"]=>
  bool(true)
  ["code"]=>
  int(4000)
  ["reason"]=>
  string(3) "bye"
}
object(Swoole\WebSocket\Frame)#%d (5) {
  ["fd"]=>
  int(0)
  ["data"]=>
  string(5) "hello"
  ["opcode"]=>
  int(1)
  ["flags"]=>
  int(7)
  ["finish"]=>
  bool(true)
}
string(3) "bin"
