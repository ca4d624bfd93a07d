<?php
// SWOOLE_HOOK_FILE: regular files read and written in coroutines, and a
// blocking flock() that waits in the coroutine while another holds the
// lock. "TIME <what> <seconds>" lines are checked (and left out) by the test.
Swoole\Runtime::enableCoroutine(SWOOLE_HOOK_FILE | SWOOLE_HOOK_SLEEP);
$f = tempnam(sys_get_temp_dir(), 'hookfile');
file_put_contents($f, str_repeat("line\n", 1000));
Co\run(function () use ($f) {
    go(function () use ($f) {
        $h = fopen($f, 'r');
        $n = 0;
        while (($l = fgets($h)) !== false) {
            $n++;
        }
        var_dump($n, feof($h), fread($h, 10));
        fseek($h, 5);
        var_dump(fread($h, 9), ftell($h));
        fclose($h);
        $w = fopen("$f.out", 'w+');
        var_dump(fwrite($w, str_repeat('x', 100000)), fwrite($w, "end"));
        rewind($w);
        var_dump(strlen(stream_get_contents($w)));
        fclose($w);
        var_dump(filesize("$f.out"), file_get_contents($f, false, null, 0, 10));
        var_dump(file_put_contents("$f.out", "short"), file_get_contents("$f.out"));
    });
    go(function () use ($f) {
        $a = fopen($f, 'r');
        var_dump(flock($a, LOCK_EX));
        echo "first holds the lock\n";
        go(function () use ($f) {
            $b = fopen($f, 'r');
            var_dump(flock($b, LOCK_EX | LOCK_NB, $wouldBlock), $wouldBlock);
            $t = microtime(true);
            var_dump(flock($b, LOCK_EX));
            printf("TIME second-lock %.3f\n", microtime(true) - $t);
            flock($b, LOCK_UN);
        });
        sleep(1);
        flock($a, LOCK_UN);
        echo "first released it\n";
    });
});
unlink($f);
unlink("$f.out");
echo "done\n";
