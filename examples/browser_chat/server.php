<?php
// The browser chat from the Swoole tutorials: one Swoole\WebSocket\Server serves
// the page (onRequest) and the chat itself (onOpen/onMessage/onClose).
// Run:  php -d extension=build/swoole.so examples/browser_chat/server.php [PORT [HOST]]
// then open http://127.0.0.1:9501/ in two browser tabs.
//
// Protocol (JSON text frames):
//   browser -> server  {"type":"join","name":"alice"}   {"type":"message","text":"hi"}
//   server -> browser  {"type":"welcome","name":"alice","users":["bob"]}
//                      {"type":"system","text":"bob joined"}   {"type":"system","text":"bob left"}
//                      {"type":"message","name":"alice","text":"hi"}
//                      {"type":"error","text":"..."}
// Names and messages are sent as they were typed: the page displays them with
// textContent, so they are never interpreted as HTML.
use Swoole\Http\Request;
use Swoole\Http\Response;
use Swoole\Table;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\Server;

const MAX_NAME_CHARS = 20;
const MAX_TEXT_CHARS = 1000;

$port = (int)($argv[1] ?? 9501);
$host = $argv[2] ?? '0.0.0.0';
$page = file_get_contents(__DIR__ . '/index.html');

// fd => nickname, created before start() so that every worker shares it.
$users = new Table(1024);
$users->column('name', Table::TYPE_STRING, MAX_NAME_CHARS * 4); // up to 4 bytes a UTF-8 character
$users->create();

function send(Server $server, int $fd, array $message): void
{
    $server->push($fd, json_encode($message, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
}

// Sends to every open WebSocket connection (also browsers that have not picked a name yet).
function broadcast(Server $server, array $message, int $except = 0): void
{
    $data = json_encode($message, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    foreach ($server->connections as $fd) {
        if ($fd !== $except && $server->isEstablished($fd)) {
            $server->push($fd, $data);
        }
    }
}

// Trimmed, valid UTF-8, no control characters, 1..$max characters; null otherwise.
function clean_text($value, int $max): ?string
{
    if (!is_string($value)) {
        return null;
    }
    $value = trim($value);
    if (preg_match('/^[^\p{Cc}]{1,' . $max . '}$/u', $value) !== 1) {
        return null;
    }
    return $value;
}

$server = new Server($host, $port);

$server->on('start', function (Server $server) use ($host, $port) {
    echo "listening on http://{$host}:{$port}/\n";
});

$server->on('request', function (Request $request, Response $response) use ($page) {
    $path = $request->server['request_uri'] ?? '/';
    if ($path !== '/' && $path !== '/index.html') {
        $response->status(404);
        $response->header('Content-Type', 'text/plain; charset=utf-8');
        $response->end("Not Found\n");
        return;
    }
    $method = $request->server['request_method'] ?? 'GET';
    if ($method !== 'GET' && $method !== 'HEAD') {
        $response->status(405);
        $response->header('Allow', 'GET, HEAD');
        $response->end();
        return;
    }
    $response->header('Content-Type', 'text/html; charset=utf-8');
    $response->header('Cache-Control', 'no-store');
    $response->end($page);
});

$server->on('open', function (Server $server, Request $request) {
    // Nothing to do until the browser sends its nickname.
});

$server->on('message', function (Server $server, Frame $frame) use ($users) {
    $msg = json_decode($frame->data, true);
    if (!is_array($msg) || !is_string($msg['type'] ?? null)) {
        send($server, $frame->fd, ['type' => 'error', 'text' => 'invalid message: expected a JSON object with a "type"']);
        return;
    }
    $key = (string)$frame->fd;
    $name = $users->get($key, 'name');

    switch ($msg['type']) {
        case 'join':
            if ($name !== false) {
                send($server, $frame->fd, ['type' => 'error', 'text' => "you already joined as $name"]);
                return;
            }
            $name = clean_text($msg['name'] ?? null, MAX_NAME_CHARS);
            if ($name === null) {
                send($server, $frame->fd, ['type' => 'error', 'text' => 'a nickname is 1 to ' . MAX_NAME_CHARS . ' characters']);
                return;
            }
            $online = [];
            foreach ($users as $row) {
                $online[] = $row['name'];
            }
            if (in_array($name, $online, true)) {
                send($server, $frame->fd, ['type' => 'error', 'text' => "the nickname $name is taken"]);
                return;
            }
            $users->set($key, ['name' => $name]);
            echo "$name joined (fd {$frame->fd})\n";
            send($server, $frame->fd, ['type' => 'welcome', 'name' => $name, 'users' => $online]);
            broadcast($server, ['type' => 'system', 'text' => "$name joined"], $frame->fd);
            return;

        case 'message':
            if ($name === false) {
                send($server, $frame->fd, ['type' => 'error', 'text' => 'choose a nickname first']);
                return;
            }
            $text = clean_text($msg['text'] ?? null, MAX_TEXT_CHARS);
            if ($text === null) {
                send($server, $frame->fd, ['type' => 'error', 'text' => 'a message is 1 to ' . MAX_TEXT_CHARS . ' characters']);
                return;
            }
            broadcast($server, ['type' => 'message', 'name' => $name, 'text' => $text]);
            return;

        default:
            send($server, $frame->fd, ['type' => 'error', 'text' => 'unknown message type']);
    }
});

// Called for every connection, also plain HTTP ones: only a user who joined leaves.
$server->on('close', function (Server $server, int $fd) use ($users) {
    $name = $users->get((string)$fd, 'name');
    if ($name === false) {
        return;
    }
    $users->del((string)$fd);
    echo "$name left (fd {$fd})\n";
    broadcast($server, ['type' => 'system', 'text' => "$name left"], $fd);
});

$server->start();
