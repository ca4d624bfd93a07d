<?php
// Swoole\Coroutine\Http\Client against the scripted HTTP peer
// (tests-php/http_peer.py), whose port is argv[1].
use Swoole\Coroutine\Http\Client;

$port = (int)$argv[1];
function show(Client $c, bool $ok)
{
    // Swoole also offers brotli ("gzip, deflate, br"); swoole-rs does not.
    $body = str_replace(', br', '', $c->body);
    echo json_encode([$ok, $c->statusCode, $c->errCode, $c->errMsg, $c->connected, $body]), "\n";
}
Co\run(function () use ($port) {
    $c = new Client('127.0.0.1', $port);
    var_dump($c->host, $c->port, $c->ssl, $c->statusCode, $c->body, $c->connected);
    show($c, $c->get('/echo'));
    var_dump(str_replace(', br', '', $c->getHeaderOut()));
    show($c, $c->post('/echo', 'a=b'));
    show($c, $c->post('/echo', ['a' => 'b c', 'arr' => [1, 2], 'k&' => 'v=']));
    $c->setMethod('PUT');
    $c->setData('{"j":1}');
    $c->setHeaders(['X-My' => 'v', 'host' => 'example.com', 'X-Int' => 5, 'n' => null, 0 => 'numeric']);
    show($c, $c->execute('/echo'));
    $c->setHeaders([]);
    $c->setData(null);
    $c->setBasicAuth('user', 'pa:ss');
    show($c, $c->get('/echo'));

    $c = new Client('127.0.0.1', $port);
    show($c, $c->get('/chunked'));
    var_dump($c->headers);
    show($c, $c->get('/trailer'));
    var_dump($c->headers);
    show($c, $c->get('/gzip'));
    show($c, $c->get('/deflate'));
    show($c, $c->get('/cookies'));
    var_dump($c->headers['x-dup'], $c->set_cookie_headers, $c->cookies, $c->getCookies() === $c->cookies);
    show($c, $c->get('/echo'));
    show($c, $c->get('/split'));
    show($c, $c->get('/missing'));
    var_dump($c->getStatusCode(), $c->getBody());
    $c->setMethod('HEAD');
    show($c, $c->execute('/head'));
    show($c, $c->get('/nocontent'));
    show($c, $c->get('/close'));
    show($c, $c->get('/after-close'));
    show($c, $c->get('/noclen'));
    $c->get('/big');
    var_dump(strlen($c->body));

    // Failures: statusCode -1..-3, errCode, errMsg; the next request reconnects.
    show($c, $c->get('/drop'));
    show($c, $c->get('/garbage'));
    show($c, $c->get('/again'));
    $c->set(['timeout' => 0.3]);
    show($c, $c->get('/slow'));
    // the timeout is for the whole response: a trickling body does not hold it
    $t = microtime(true);
    show($c, $c->get('/trickle'));
    var_dump(microtime(true) - $t < 1.0);
    var_dump($c->get(''), $c->errCode, $c->errMsg);
    $bad = new Client('127.0.0.1', 1);
    show($bad, $bad->get('/'));
    $dns = new Client('no-such-host.invalid', 80);
    show($dns, $dns->get('/'));
    var_dump($c->close(), $c->close(), $c->connected);

    // Keep-alive: one connection for many requests; defer mode.
    $k = new Client('127.0.0.1', $port);
    $k->setDefer();
    var_dump($k->getDefer(), $k->get('/deferred'), $k->statusCode, $k->body);
    var_dump($k->recv(), $k->statusCode, $k->body);
    var_dump($k->recv());
    $k->setDefer(false);
    var_dump($k->getpeername()['port'] === $port, array_keys($k->getsockname()));

    // Downloads.
    $file = sys_get_temp_dir() . '/swrs-download-' . getmypid();
    var_dump($k->download('/chunked', $file), file_get_contents($file), $k->body, $k->downloadFile);
    file_put_contents($file, 'XXXXXXXXXXXXXXXX');
    var_dump($k->download('/chunked', $file, 3), file_get_contents($file));
    unlink($file);

    // Uploads.
    $u = new Client('127.0.0.1', $port);
    $u->addData('in memory', 'mem', 'text/x-mem', 'mem.txt');
    $u->post('/echo', ['field' => 'value']);
    $body = preg_replace('/SwooleBoundary[A-Za-z0-9]{21}/', 'SwooleBoundaryXXX', $u->body);
    echo str_replace(', br', '', $body), "\n";
    var_dump($u->uploadFiles);

    // Twenty requests at once, each in its own coroutine.
    $wg = new Swoole\Coroutine\WaitGroup();
    $got = [];
    for ($i = 0; $i < 20; $i++) {
        $wg->add();
        go(function () use ($port, $i, $wg, &$got) {
            $c = new Client('127.0.0.1', $port);
            $c->get("/n$i");
            $got[$i] = $c->body;
            $wg->done();
        });
    }
    $wg->wait();
    ksort($got);
    echo implode(',', $got), "\n";
});
try {
    (new Client('', 80));
} catch (Swoole\Coroutine\Http\Client\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), ' ', $e->getCode(), "\n";
}
