<?php
/*
 * Rooms and the cluster bus (swoole-rs extensions): php rooms.php PORT
 *
 * Settings come from SWTEST_SETTINGS (JSON, e.g. worker_num, cluster);
 * SWTEST_MODE=process for SWOOLE_PROCESS; SWTEST_NODE names the node in replies.
 * Text messages are JSON commands, answered with "R:" + JSON of the result:
 *   {"join": ROOM} / {"leave": ROOM}          for the sender's fd
 *   {"join_fd": [FD, ROOM]} / {"leave_fd": [FD, ROOM]}   for any fd
 *   {"publish": [ROOM, DATA]}                 $server->publish()
 *   {"publish_many": [ROOM, PREFIX, N]}       N publishes PREFIX0..PREFIXN-1, results and-ed
 *   {"broadcast": DATA} / {"broadcast_ex": [DATA, [FD...]]}
 *   {"rooms": FD} / {"members": ROOM}
 *   {"whoami": 1}                             {"fd":.., "worker":.., "node":..}
 *   {"hold": PATH}                            block this worker until PATH is removed
 *                                             (hold.inc.php): a slow node; false if never
 * Other text is ignored.
 */

require __DIR__ . '/hold.inc.php';

$port = (int)$argv[1];
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$node = getenv('SWTEST_NODE') ?: 'node';
$server = new Swoole\WebSocket\Server('127.0.0.1', $port, $mode);
$json = getenv('SWTEST_SETTINGS');
$server->set($json ? json_decode($json, true, 512, JSON_THROW_ON_ERROR) : []);

$server->on('workerStart', function ($server, $id) use ($node) {
    echo "$node: worker start $id\n";
});

$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) use ($node) {
    $cmd = json_decode($frame->data, true);
    if (!is_array($cmd)) {
        return;
    }
    $fd = $frame->fd;
    $op = array_key_first($cmd);
    $arg = $cmd[$op];
    switch ($op) {
        case 'join':
            $result = $server->join($fd, $arg);
            break;
        case 'leave':
            $result = $server->leave($fd, $arg);
            break;
        case 'join_fd':
            $result = $server->join($arg[0], $arg[1]);
            break;
        case 'leave_fd':
            $result = $server->leave($arg[0], $arg[1]);
            break;
        case 'publish':
            $result = $server->publish($arg[0], $arg[1]);
            break;
        case 'publish_many':
            $result = true;
            for ($i = 0; $i < $arg[2]; $i++) {
                $result = $server->publish($arg[0], $arg[1] . $i) && $result;
            }
            break;
        case 'broadcast':
            $result = $server->broadcast($arg);
            break;
        case 'broadcast_ex':
            $result = $server->broadcast($arg[0], WEBSOCKET_OPCODE_TEXT, $arg[1]);
            break;
        case 'rooms':
            $result = $server->rooms($arg);
            break;
        case 'members':
            $result = $server->members($arg);
            break;
        case 'hold':
            $result = swtest_hold($arg);
            break;
        case 'whoami':
            $result = ['fd' => $fd, 'worker' => $server->worker_id, 'node' => $node];
            break;
        default:
            return;
    }
    $server->push($fd, 'R:' . json_encode($result));
});

$server->start();
