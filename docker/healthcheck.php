<?php
// The image's HEALTHCHECK: healthy when the server accepts a WebSocket handshake
// (101 Switching Protocols with the right Sec-WebSocket-Accept), then closes
// politely. Plain PHP streams: no extension needed. Exit 0 healthy, 1 not.
//   php healthcheck.php [port] [host]     (defaults: $HEALTH_PORT or 9501, 127.0.0.1)
$port = (int)($argv[1] ?? getenv('HEALTH_PORT') ?: 9501);
$host = $argv[2] ?? '127.0.0.1';

$fail = function (string $why) {
    fwrite(STDERR, "unhealthy: $why\n");
    exit(1);
};

$sock = @stream_socket_client("tcp://$host:$port", $errno, $errstr, 2.0);
if ($sock === false) {
    $fail("cannot connect to $host:$port: $errstr");
}
stream_set_timeout($sock, 2);
$key = base64_encode(random_bytes(16));
fwrite($sock, "GET / HTTP/1.1\r\nHost: $host:$port\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    . "Sec-WebSocket-Key: $key\r\nSec-WebSocket-Version: 13\r\n\r\n");
$head = '';
while (!str_contains($head, "\r\n\r\n")) {
    $chunk = fread($sock, 4096);
    if ($chunk === false || $chunk === '') {
        $fail('no handshake response' . ($head === '' ? '' : ': ' . strtok($head, "\r\n")));
    }
    $head .= $chunk;
}
$status = strtok($head, "\r\n");
if (!preg_match('#^HTTP/1\.1 101 #', $status)) {
    $fail("handshake answered '$status'");
}
$accept = base64_encode(sha1($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11', true));
if (!preg_match('/^Sec-WebSocket-Accept:\s*' . preg_quote($accept, '/') . '\s*$/mi', $head)) {
    $fail('wrong Sec-WebSocket-Accept');
}
// A masked close frame, code 1000.
$mask = random_bytes(4);
$payload = pack('n', 1000);
fwrite($sock, "\x88\x82" . $mask . ($payload ^ substr($mask, 0, 2)));
fclose($sock);
echo "healthy: $host:$port\n";
exit(0);
