<?php
// Swoole\Process: a pipe round trip, stdout redirected to the pipe, exit
// codes and signals through wait(), kill() of a missing process, a child
// with coroutines, exportSocket().
use Swoole\Process;

$p = new Process(function (Process $p) {
    $got = $p->read();
    $p->write("child got [$got] pid ok=" . (int)($p->pid === getmypid()));
}, false, SOCK_DGRAM);
var_dump($p->pipe > 0, $p->pid);
$pid = $p->start();
var_dump($pid > 0, $p->pid === $pid);
var_dump($p->write("hello"));
var_dump($p->read());
$w = Process::wait();
var_dump($w['pid'] === $pid, $w['code'], $w['signal']);

$p = new Process(function () {
    echo "printed by the child\n";
    exit(3);
}, true);
$pid = $p->start();
usleep(200000);
$p->setBlocking(false);
var_dump($p->read());
$w = Process::wait(true);
var_dump($w['pid'] === $pid, $w['code'], $w['signal']);

$p = new Process(function () {
    sleep(10);
});
$pid = $p->start();
var_dump(Process::kill($pid, 0), Process::kill($pid, SIGKILL));
$w = Process::wait();
var_dump($w['pid'] === $pid, $w['code'], $w['signal']);
var_dump(@Process::kill($pid), swoole_errno());
var_dump(Process::wait(false));

$p = new Process(function (Process $p) {
    Co::sleep(0.05);
    $p->write("from a coroutine " . (Co::getCid() > 0 ? 'yes' : 'no'));
}, false, SOCK_STREAM, true);
$p->start();
var_dump($p->read());
Process::wait();

$p = new Process(function (Process $p) {
    $p->write("via the exported socket");
}, false, SOCK_STREAM);
$p->start();
Co\run(function () use ($p) {
    $s = $p->exportSocket();
    var_dump(get_class($s), $s->recv(100, 1));
});
Process::wait();

$p = new Process(function (Process $p) {
    $p->exit(7);
    echo "not reached\n";
});
$p->start();
var_dump(Process::wait()['code']);
