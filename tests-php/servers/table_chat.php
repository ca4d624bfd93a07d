<?php
/*
 * The chat-room pattern of many tutorials: users kept in a Swoole\Table,
 * messages relayed to every row: php table_chat.php PORT
 * SWTEST_SETTINGS (JSON) goes to $server->set(): with worker_num > 1 the
 * table, created before start(), is shared by every worker. SWTEST_MODE=process
 * for SWOOLE_PROCESS.
 */
$users = new Swoole\Table(1024);
$users->column('fd', Swoole\Table::TYPE_INT);
$users->column('name', Swoole\Table::TYPE_STRING, 32);
$users->create();

$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\WebSocket\Server('127.0.0.1', (int)($argv[1] ?? 9501), $mode);
$server->users = $users;
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $server->set(json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
$server->on('open', function ($server, $request) {
    $name = $request->get['name'] ?? "user{$request->fd}";
    $server->users->set((string)$request->fd, ['fd' => $request->fd, 'name' => $name]);
    echo "join $name\n";
});
$server->on('message', function ($server, $frame) {
    $from = $server->users->get((string)$frame->fd, 'name');
    foreach ($server->users as $row) {
        $server->push($row['fd'], "$from: {$frame->data}");
    }
});
$server->on('close', function ($server, $fd) {
    $name = $server->users->get((string)$fd, 'name');
    $server->users->del((string)$fd);
    foreach ($server->users as $row) {
        $server->push($row['fd'], "$name left");
    }
    echo "left $name, ", count($server->users), " online\n";
});
$server->start();
