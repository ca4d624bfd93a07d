<?php
// Swoole\Lock: Swoole 5's method names, and a mutex whose holder dies
// (SIGKILL while holding it): the next locker gets it instead of waiting
// for ever (Swoole's own mutex is not robust: it would hang here).
$lock = new Swoole\Lock();
var_dump($lock->trylock(), $lock->trylock(), $lock->errCode, $lock->unlock());
var_dump($lock->lockwait(0.5), $lock->unlock());
$rw = new swoole_lock(SWOOLE_RWLOCK);
var_dump($rw->lock_read(), $rw->trylock_read(), $rw->unlock(), $rw->unlock());

$held = new Swoole\Atomic(0);
$p = new Swoole\Process(function () use ($lock, $held) {
    $lock->lock();
    $held->set(1);
    sleep(30);
});
$pid = $p->start();
while ($held->get() === 0) {
    usleep(1000);
}
var_dump($lock->lock(LOCK_EX | LOCK_NB));
Swoole\Process::kill($pid, SIGKILL);
Swoole\Process::wait();
var_dump($lock->lock(LOCK_EX, 2), $lock->unlock(), $lock->lock(LOCK_EX | LOCK_NB), $lock->unlock());
echo "done\n";
