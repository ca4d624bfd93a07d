<?php
/*
 * WebSocket server that also answers plain HTTP (onRequest) on the same port:
 * php http.php PORT
 *
 * Routes (path of the request):
 *   /fd                 end("fd=<fd>")
 *   /dump               var_dump()s get/post/cookie/header/files/rawContent on stdout, answers "dumped"
 *   /status?code=&reason=  status(code[, reason]) then end("status")
 *   /header             header('X-Custom', 'yes'), header('content-type', 'text/plain'), end("header")
 *   /cookie             cookie('sid', 'abc'), cookie('theme', 'dark', 0, '/app', '', false, true), end("cookie")
 *   /write              write("hello "), write("world"), end()
 *   /redirect?code=     redirect('/target'[, code])
 *   /empty              end()
 *   /no-end             returns without end()
 *   /no-end-404         status(404), returns without end()
 *   /stream             write()s a chunk every 100 ms until the client is gone
 *   /keep               end("kept"), keeping the Response object
 *   /use-old            tries the kept Response (must fail), end("current")
 *   /upload             checks and moves every uploaded file, answers JSON
 * SWTEST_SETTINGS (JSON) is merged into $server->set() (worker_num 1).
 *   /later              ends the response 50 ms later, from a timer
 *   /broadcast?message= push message to every established websocket connection, end("sent=<n>")
 *   anything else       404 "not found"
 */

$port = (int)($argv[1] ?? 9501);
$server = new Swoole\WebSocket\Server('127.0.0.1', $port);
$settings = ['worker_num' => 1];
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $settings = array_merge($settings, json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
$server->set($settings);

$server->on('open', function (Swoole\WebSocket\Server $server, Swoole\Http\Request $request) {
    echo "open fd={$request->fd}\n";
});

$server->on('message', function (Swoole\WebSocket\Server $server, Swoole\WebSocket\Frame $frame) {
    echo "message fd={$frame->fd} data={$frame->data}\n";
    $server->push($frame->fd, $frame->data);
});

$server->on('close', function (Swoole\WebSocket\Server $server, int $fd, int $reactorId) {
    $info = $server->getClientInfo($fd);
    $status = $info === false ? 'none' : $info['websocket_status'];
    echo "close fd={$fd} reactor={$reactorId} status={$status}\n";
});

$server->on('request', function (Swoole\Http\Request $request, Swoole\Http\Response $response) use ($server) {
    $path = $request->server['request_uri'];
    echo "request fd={$request->fd} method={$request->server['request_method']} uri={$path}\n";
    switch ($path) {
        case '/fd':
            $response->end("fd={$request->fd}");
            break;
        case '/dump':
            echo "get: ";
            var_dump($request->get);
            echo "post: ";
            var_dump($request->post);
            echo "cookie: ";
            var_dump($request->cookie);
            echo "content-type: ";
            var_dump($request->header['content-type'] ?? null);
            echo "rawContent: ";
            var_dump($request->rawContent());
            echo "getContent: ";
            var_dump($request->getContent());
            echo "getMethod: ";
            var_dump($request->getMethod());
            echo "files: ";
            if ($request->files === null) {
                var_dump(null);
            } else {
                $files = [];
                foreach ($request->files as $field => $f) {
                    $files[$field] = [
                        'name' => $f['name'],
                        'type' => $f['type'],
                        'error' => $f['error'],
                        'size' => $f['size'],
                        'content' => is_file($f['tmp_name']) ? file_get_contents($f['tmp_name']) : '<no tmp file>',
                    ];
                }
                var_dump($files);
            }
            echo "dump end\n";
            $response->end('dumped');
            break;
        case '/status':
            if (isset($request->get['reason'])) {
                $response->status((int)$request->get['code'], $request->get['reason']);
            } else {
                $response->status((int)$request->get['code']);
            }
            $response->end('status');
            break;
        case '/header':
            $response->header('X-Custom', 'yes');
            $response->header('content-type', 'text/plain');
            if (isset($request->get['list'])) {
                // one line per item; a null item is no line; values trimmed
                $response->header('X-List', ["a\r\n", 'b ', null, 5, 1.5]);
            }
            if (isset($request->get['empty'])) {
                // an empty value takes a header the server writes away
                $response->header('Server', '');
                $response->header('X-Empty', '');
            }
            $response->end('header');
            break;
        case '/cookie':
            $response->cookie('sid', 'abc');
            $response->cookie('theme', 'dark', 0, '/app', '', false, true);
            $response->end('cookie');
            break;
        case '/write':
            if (isset($request->get['length'])) {
                // a chunked body has no length: this one is dropped
                $response->header('Content-Length', $request->get['length']);
            }
            $response->write('hello ');
            $response->write('world');
            $response->end();
            break;
        case '/redirect':
            if (isset($request->get['code'])) {
                $response->redirect('/target', (int)$request->get['code']);
            } else {
                $response->redirect('/target');
            }
            break;
        case '/empty':
            $response->end();
            break;
        case '/no-end':
            // returns without end(): Swoole ends it when the object dies (500)
            break;
        case '/no-end-404':
            $response->status(404);
            break;
        case '/stream':
            // writes a chunk every 100 ms until the client goes away
            $fd = $request->fd;
            $n = 0;
            Swoole\Timer::tick(100, function ($id) use ($response, $server, $fd, &$n) {
                $n++;
                if (!$response->write("chunk $n\n")) {
                    $e = $server->exist($fd) ? 'y' : 'n';
                    $w = $response->isWritable() ? 'y' : 'n';
                    $err = swoole_last_error();
                    echo "stream stopped after $n writable=$w exist=$e error=$err\n";
                    Swoole\Timer::clear($id);
                }
            });
            break;
        case '/keep':
            // ends now, but keeps the Response for /use-old
            $GLOBALS['kept_response'] = $response;
            $response->end('kept');
            break;
        case '/use-old':
            $old = $GLOBALS['kept_response'];
            echo "old writable=", var_export($old->isWritable(), true), "\n";
            echo "old end=", var_export(@$old->end('STALE'), true), "\n";
            $response->end('current');
            break;
        case '/upload':
            // is_uploaded_file() / move_uploaded_file() on every upload
            $out = [];
            // A field's file, or (f[] without http_parse_files) its list of
            // files, or (with it) PHP's arrays per attribute.
            $tmps = [];
            foreach ($request->files as $field) {
                if (isset($field['tmp_name'])) {
                    array_push($tmps, ...(array)$field['tmp_name']);
                } else {
                    array_push($tmps, ...array_column($field, 'tmp_name'));
                }
            }
            foreach (array_filter($tmps, 'strlen') as $tmp) {
                $dest = $tmp . '.moved';
                $out[] = [is_uploaded_file($tmp), move_uploaded_file($tmp, $dest), file_get_contents($dest)];
                unlink($dest);
            }
            $response->end(json_encode(['files' => $request->files, 'checks' => $out]));
            break;
        case '/later':
            // keeps the response and ends it from a timer
            Swoole\Timer::after(50, function () use ($response) {
                $response->end("later");
            });
            break;
        case '/broadcast':
            $n = 0;
            foreach ($server->connections as $fd) {
                if ($server->isEstablished($fd)) {
                    $server->push($fd, $request->get['message']);
                    $n++;
                }
            }
            $response->end("sent={$n}");
            break;
        default:
            $response->status(404);
            $response->end('not found');
    }
});

$server->start();
