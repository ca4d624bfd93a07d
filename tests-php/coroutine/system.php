<?php
// Swoole\Coroutine\System: DNS, exec, files, child processes, waitEvent,
// statvfs; each call waits in its coroutine while the other one runs.
$dir = sys_get_temp_dir() . '/swrs-system-' . getmypid();
@mkdir($dir);
Co\run(function () use ($dir) {
    go(function () {
        for ($i = 0; $i < 3; $i++) {
            echo "tick $i\n";
            Co::sleep(0.05);
        }
    });
    var_dump(Co::sleep(0));
    var_dump(Co\System::gethostbyname("localhost"));
    var_dump(Co\System::gethostbyname("no-such-host.invalid"), swoole_last_error());
    var_dump(Co\System::gethostbyname(""));
    var_dump(Co\System::gethostbyname("localhost", 99));
    var_dump(Co\System::getaddrinfo("localhost"));
    var_dump(Co\System::exec("sleep 0.12; echo hi; exit 3"));
    var_dump(Co\System::exec("echo out; echo err >&2", true));
    var_dump(Co\System::writeFile("$dir/x.txt", "abc"), Co\System::writeFile("$dir/x.txt", "def", FILE_APPEND));
    var_dump(Co\System::readFile("$dir/x.txt"));
    var_dump(Co\System::writeFile("$dir/x.txt", "new"), Co\System::readFile("$dir/x.txt"));
    try {
        Co\System::readFile("");
    } catch (ValueError $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
    $p = proc_open(['sh', '-c', 'sleep 0.1; exit 5'], [], $pipes);
    $pid = proc_get_status($p)['pid'];
    var_dump(Co\System::waitPid($pid, 0.01));
    $r = Co\System::waitPid($pid);
    var_dump($r['pid'] === $pid, $r['code'], $r['signal']);
    var_dump(Co\System::wait(0.05));
    $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
    go(function () use ($pair) {
        Co::sleep(0.1);
        fwrite($pair[1], "x");
    });
    var_dump(Co\System::waitEvent($pair[0], SWOOLE_EVENT_READ, 0.01));
    var_dump(Co\System::waitEvent($pair[0], SWOOLE_EVENT_READ, 1));
    var_dump(Co\System::waitEvent($pair[0], SWOOLE_EVENT_WRITE));
    var_dump(array_keys(Co\System::statvfs("/")));
});
unlink("$dir/x.txt");
rmdir($dir);
