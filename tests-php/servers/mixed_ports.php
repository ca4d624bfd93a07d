<?php
/*
 * One server, every kind of port: php mixed_ports.php TCP_PORT UDP_PORT DIR
 *   TCP_PORT        main port, TCP: echoes "tcp:<data>"
 *   UDP_PORT        UDP: onPacket answers "udp:<data>" with sendto()
 *   DIR/stream.sock unix stream, EOF-split lines: answers "unix:<line>"
 *   DIR/dgram.sock  unix datagram: answers "dgram:<data>" (with sendto()), "send:by send"
 *                   to "by send" (with send() to the peer's path)
 * A datagram "!sendto ADDR PORT TEXT" makes the server sendto() ADDR:PORT
 * and answer "sent=<bool>". SWTEST_MODE=process, SWTEST_SETTINGS as usual.
 */
[$_, $tcp, $udp, $dir] = $argv;
$mode = getenv('SWTEST_MODE') === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
$server = new Swoole\Server('127.0.0.1', (int)$tcp, $mode);
$settings = ['worker_num' => 1];
$json = getenv('SWTEST_SETTINGS');
if ($json !== false && $json !== '') {
    $settings = array_merge($settings, json_decode($json, true, 512, JSON_THROW_ON_ERROR));
}
$server->set($settings);

$u = $server->listen('127.0.0.1', (int)$udp, SWOOLE_SOCK_UDP);
$s = $server->listen("$dir/stream.sock", 0, SWOOLE_UNIX_STREAM);
$s->set(['open_eof_split' => true, 'package_eof' => "\n"]);
$d = $server->listen("$dir/dgram.sock", 0, SWOOLE_UNIX_DGRAM);

$server->on('receive', function (Swoole\Server $server, $fd, $reactorId, $data) {
    $info = $server->getClientInfo($fd);
    if ($info['socket_type'] === SWOOLE_SOCK_UNIX_STREAM) {
        $server->send($fd, 'unix:' . $data);
        echo "unix info ", json_encode([$info['socket_type'], $info['remote_ip'], $info['server_port']]), "\n";
        return;
    }
    $server->send($fd, "tcp:$data");
});
$u->on('packet', function (Swoole\Server $server, $data, $client) {
    echo "packet ", json_encode(array_keys($client)), " worker={$server->worker_id}\n";
    if (strncmp($data, '!sendto ', 8) === 0) {
        [, $addr, $port, $text] = explode(' ', $data, 4);
        $ok = $server->sendto($addr, (int)$port, $text);
        $server->sendto($client['address'], $client['port'], 'sent=' . json_encode($ok), $client['server_socket']);
        return;
    }
    $server->sendto($client['address'], $client['port'], "udp:$data", $client['server_socket']);
});
$d->on('packet', function (Swoole\Server $server, $data, $client) {
    if ($data === 'by send') {
        // send() to a unix datagram peer's path, as Swoole's takes it
        $server->send($client['address'], "send:$data");
        return;
    }
    $server->sendto($client['address'], 0, "dgram:$data", $client['server_socket']);
});
$server->start();
