<?php
/*
 * The echo server the Autobahn testsuite's fuzzingclient runs against
 * (scripts/autobahn.sh run [plain|compression]).
 *
 *   php -n -d extension=build/swoole.so tests-php/autobahn/echo_server.php PORT [plain|compression|takeover]
 *
 * Every text or binary message is pushed back as it came: same payload, same
 * opcode. Ping, pong and close frames are left to the server (the
 * open_websocket_*_frame settings stay off), which is what the suite checks.
 *
 * The second argument (or AUTOBAHN_COMPRESSION=1 in the environment) turns on
 * `websocket_compression`, so that sections 12 and 13 (permessage-deflate)
 * run for real; replies are then pushed with SWOOLE_WEBSOCKET_FLAG_COMPRESS
 * (the server compresses only where the client negotiated permessage-deflate).
 *
 * "takeover" is "compression" plus context takeover both ways
 * (websocket_compression_server_context_takeover and ..._client_...): the
 * compression sections then exercise each connection's own compressor and
 * inflate window under every parameter set section 13 offers.
 *
 * Listens on 127.0.0.1 only.
 */

$port = (int)($argv[1] ?? 9001);
$config = $argv[2] ?? '';
$takeover = $config === 'takeover';
$compression = $config === 'compression' || $takeover
    || in_array(getenv('AUTOBAHN_COMPRESSION'), ['1', 'true', 'yes', 'on'], true);

$server = new Swoole\WebSocket\Server('127.0.0.1', $port, SWOOLE_BASE);
$server->set([
    'worker_num' => 1,
    // Section 9 sends messages of up to 16 MiB (and 9.x fragments of them):
    // allow them in both directions, with room to spare.
    'package_max_length' => 64 * 1024 * 1024,
    'buffer_output_size' => 64 * 1024 * 1024,
    'socket_buffer_size' => 128 * 1024 * 1024,
    'websocket_compression' => $compression,
    'websocket_compression_server_context_takeover' => $takeover,
    'websocket_compression_client_context_takeover' => $takeover,
]);

$flags = SWOOLE_WEBSOCKET_FLAG_FIN | ($compression ? SWOOLE_WEBSOCKET_FLAG_COMPRESS : 0);

$server->on('start', function () use ($port, $compression) {
    echo "autobahn echo server on 127.0.0.1:{$port}, websocket_compression=",
        $compression ? 'true' : 'false', "\n";
});

$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) use ($flags) {
    if (!$server->push($frame->fd, $frame->data, $frame->opcode, $flags)) {
        echo "push to fd {$frame->fd} failed (opcode {$frame->opcode}, ", strlen($frame->data), " bytes)\n";
    }
});

$server->start();
