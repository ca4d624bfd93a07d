--TEST--
new Frame / new CloseFrame defaults, var_dump and json_encode
--FILE--
<?php
var_dump(new Swoole\WebSocket\Frame);
var_dump(new Swoole\WebSocket\CloseFrame);
echo json_encode(new Swoole\WebSocket\Frame), "\n";
echo json_encode(new Swoole\WebSocket\CloseFrame), "\n";
var_dump(get_object_vars(new Swoole\WebSocket\CloseFrame) === ['fd' => 0, 'data' => '', 'opcode' => 8, 'flags' => 1, 'finish' => null, 'code' => 1000, 'reason' => '']);
?>
--EXPECTF--
object(Swoole\WebSocket\Frame)#%d (5) {
  ["fd"]=>
  int(0)
  ["data"]=>
  string(0) ""
  ["opcode"]=>
  int(1)
  ["flags"]=>
  int(1)
  ["finish"]=>
  NULL
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
  NULL
  ["code"]=>
  int(1000)
  ["reason"]=>
  string(0) ""
}
{"fd":0,"data":"","opcode":1,"flags":1,"finish":null}
{"fd":0,"data":"","opcode":8,"flags":1,"finish":null,"code":1000,"reason":""}
bool(true)
