<?php
// Swoole\Lock shared by processes: 4 children each do 2000 unprotected
// read-modify-write increments of a Swoole\Table cell under the lock (no
// update may be lost); LOCK_NB, timeouts, readers sharing an RWLOCK.
$table = new Swoole\Table(8);
$table->column('n', Swoole\Table::TYPE_INT);
$table->create();
$table->set('c', ['n' => 0]);
$lock = new Swoole\Lock(SWOOLE_MUTEX);
for ($i = 0; $i < 4; $i++) {
    (new Swoole\Process(function () use ($lock, $table) {
        for ($j = 0; $j < 2000; $j++) {
            $lock->lock();
            $n = $table->get('c', 'n');
            usleep(0);
            $table->set('c', ['n' => $n + 1]);
            $lock->unlock();
        }
    }))->start();
}
for ($i = 0; $i < 4; $i++) {
    Swoole\Process::wait();
}
echo "count: ", $table->get('c', 'n'), "\n";

echo "-- held by a child\n";
$held = new Swoole\Atomic(0);
$p = new Swoole\Process(function () use ($lock, $held) {
    $lock->lock();
    $held->set(1);
    usleep(300000);
    $lock->unlock();
});
$p->start();
while ($held->get() === 0) {
    usleep(1000);
}
var_dump($lock->lock(LOCK_EX | LOCK_NB), $lock->errCode);
var_dump($lock->lock(LOCK_EX, 0.05), $lock->errCode);
var_dump($lock->lock(LOCK_EX, 5), $lock->unlock());
Swoole\Process::wait();

echo "-- readers and a writer\n";
$rw = new Swoole\Lock(SWOOLE_RWLOCK);
var_dump($rw->lock(LOCK_SH));
$p = new Swoole\Process(function ($proc) use ($rw) {
    $proc->write(json_encode([$rw->lock(LOCK_SH | LOCK_NB), $rw->unlock(), $rw->lock(LOCK_EX | LOCK_NB), $rw->errCode]));
});
$p->start();
echo $p->read(), "\n";
Swoole\Process::wait();
var_dump($rw->unlock());
try {
    new Swoole\Lock(2);
} catch (Swoole\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
