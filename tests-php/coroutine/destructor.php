<?php
// go() inside a destructor: PHP lets no fiber switch there, so the
// coroutine starts from the loop; Swoole's output is the same.
class T {
    public $c;
    function __construct() { $this->c = new chan(); echo "__construct\n"; }
    function __destruct() {
        go(function () {
            echo "__destruct\n";
            $ret = $this->c->pop(0.05);
            echo "pop ret:" . var_export($ret, true) . " error:" . $this->c->errCode . "\n";
        });
    }
}
$t = new T();
unset($t);
echo "after unset\n";
