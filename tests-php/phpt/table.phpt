--TEST--
Swoole\Table: columns, set/get/incr/decr, strings cut to their size (Swoole's log line), iteration that deletes; a size is at least 64 rows (Table(2) takes a third row) and a key over 63 bytes is cut (set() warns, @ here)
--FILE--
<?php
$t = new Swoole\Table(1024);
$t->column('fd', Swoole\Table::TYPE_INT);
$t->column('name', Swoole\Table::TYPE_STRING, 8);
$t->column('score', Swoole\Table::TYPE_FLOAT);
var_dump($t->create(), $t->size, count($t));
$t->set('1', ['fd' => 1, 'name' => 'alice-long-name', 'score' => 1.5]);
$t->set('2', ['fd' => 2, 'name' => 'bob']);
var_dump($t->get('1'), $t->get('2', 'name'), $t->get('nope'), $t->exist('2'), $t->incr('2', 'fd', 5), $t->decr('2', 'score', 0.5), count($t));
foreach ($t as $k => $row) { echo "$k => ", json_encode($row), "\n"; if ($k === '1') $t->del('2'); }
var_dump($t->del('1'), $t->count());
$small = new Swoole\Table(2);
$small->column('n', Swoole\Table::TYPE_INT);
$small->create();
var_dump($small->set('a', ['n' => 1]), $small->set('b', ['n' => 2]), @$small->set('c', ['n' => 3]));
$small->del('a');
var_dump(@$small->set(str_repeat('k', 64), ['n' => 1]), $small->set(str_repeat('k', 63), []));
--EXPECTF--
bool(true)
int(1024)
int(0)
[%s]	WARNING	TableRow::set_value(): [key=1,field=name]string value is too long
array(3) {
  ["fd"]=>
  int(1)
  ["name"]=>
  string(8) "alice-lo"
  ["score"]=>
  float(1.5)
}
string(3) "bob"
bool(false)
bool(true)
int(7)
float(-0.5)
int(2)
1 => {"fd":1,"name":"alice-lo","score":1.5}
bool(true)
int(0)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
