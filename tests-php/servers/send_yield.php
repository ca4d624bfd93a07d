<?php
// A client that stops reading: with send_yield (Swoole's default with
// coroutines) each push or send waits in its coroutine for the client to
// take what is queued; without it the pushes past the output buffer fail.
// "flood N": N pushes (or sends, on the TCP port) of 256 KiB, then a
// report of how many succeeded.
$mode = getenv('MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$s = new Swoole\WebSocket\Server('127.0.0.1', (int)$argv[1], $mode);
$cfg = ['worker_num' => 1];
if (getenv('SEND_YIELD') === '0') {
    $cfg['send_yield'] = false;
}
$s->set($cfg);
$tcp = $s->listen('127.0.0.1', (int)$argv[2], SWOOLE_SOCK_TCP);
$tcp->set(['open_eof_split' => true, 'package_eof' => "\n"]);
$chunk = str_repeat('x', 256 * 1024);
$tcp->on('receive', function ($s, $fd, $rid, $data) use ($chunk) {
    $n = (int)substr(trim($data), 6);
    $ok = 0;
    for ($i = 0; $i < $n; $i++) {
        $ok += $s->send($fd, $chunk) ? 1 : 0;
    }
    $s->send($fd, "\ndone $ok\n");
    echo "tcp flood sent $ok of $n, last error " . $s->getLastError() . "\n";
});
$s->on('message', function ($s, $f) use ($chunk) {
    if (str_starts_with($f->data, 'flood ')) {
        $n = (int)substr($f->data, 6);
        $ok = 0;
        for ($i = 0; $i < $n; $i++) {
            $ok += $s->push($f->fd, $chunk, WEBSOCKET_OPCODE_BINARY) ? 1 : 0;
        }
        $s->push($f->fd, "done $ok");
        echo "ws flood pushed $ok of $n\n";
        return;
    }
    $s->push($f->fd, "echo " . $f->data);
});
$s->start();
