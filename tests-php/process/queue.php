<?php
use Swoole\Process;
// Process message queue round trips (parent pushes, the child pops), empty
// and missing queues, IPC_NOWAIT, and CPU affinity.
$p = new Process(function (Process $p) {
    $n = 0;
    while (($msg = $p->pop()) !== 'end') {
        $n++;
        echo "child got: $msg\n";
    }
    echo "child done after $n\n";
}, false, 1, false);
var_dump($p->useQueue(0, SWOOLE_MSGQUEUE_BALANCE));
var_dump(is_int($p->msgQueueId), is_int($p->msgQueueKey));
$p->start();
foreach (['a', 'b', 'c'] as $m) {
    var_dump($p->push($m));
}
for ($i = 0; $i < 500 && $p->statQueue()['queue_num'] > 0; $i++) { usleep(10000); } usleep(100000); // the child drains, then prints
var_dump($p->statQueue());
$p->push('end');
Process::wait();
var_dump($p->statQueue());
var_dump($p->push(''));
$q = new Process(function () {});
var_dump($q->push('x'), $q->pop(), $q->statQueue());
$n = new Process(function () {});
$n->useQueue(0x5107, SWOOLE_MSGQUEUE_BALANCE | Process::IPC_NOWAIT);
var_dump($n->pop(), $n->push('q'), $n->pop(), $n->freeQueue(), $p->freeQueue());
var_dump(is_array(Process::getAffinity()), Process::setAffinity([0]));
