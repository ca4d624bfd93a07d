<?php
// Swoole\Runtime's hook flags: enableCoroutine(), setHookFlags(),
// getHookFlags(), and Co::set(['hook_flags' => ...]) / a server's
// 'hook_flags' setting (both only record the flags until a coroutine
// scheduler starts). Every call here is outside a coroutine except the
// Co\run() at the end.
use Swoole\Runtime;

function show(string $what, $ret) {
    echo str_pad($what, 58), ' => ', json_encode($ret), '  flags=', Runtime::getHookFlags(), "\n";
}
function fails(callable $f) {
    try {
        $f();
        echo "no error\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}

echo 'at startup: ', Runtime::getHookFlags(), "\n";
show('enableCoroutine()', Runtime::enableCoroutine());
var_dump(Runtime::getHookFlags() === SWOOLE_HOOK_ALL);
show('enableCoroutine(false)', Runtime::enableCoroutine(false));
show('enableCoroutine(SWOOLE_HOOK_TCP | SWOOLE_HOOK_SLEEP)', Runtime::enableCoroutine(SWOOLE_HOOK_TCP | SWOOLE_HOOK_SLEEP));
// A bool is taken as an int: true is 1, not SWOOLE_HOOK_ALL.
show('enableCoroutine(true)', Runtime::enableCoroutine(true));
show('enableCoroutine(0)', Runtime::enableCoroutine(0));
show('enableCoroutine(SWOOLE_HOOK_UNIX | SWOOLE_HOOK_UDG)', Runtime::enableCoroutine(SWOOLE_HOOK_UNIX | SWOOLE_HOOK_UDG));
show('enableCoroutine(-1)', Runtime::enableCoroutine(-1));
show('enableCoroutine(SWOOLE_HOOK_SOCKETS) (no ext-sockets)', Runtime::enableCoroutine(SWOOLE_HOOK_SOCKETS));
show('setHookFlags(SWOOLE_HOOK_UDP)', Runtime::setHookFlags(SWOOLE_HOOK_UDP));
show('setHookFlags(0)', Runtime::setHookFlags(0));
fails(fn() => Runtime::enableCoroutine('tcp'));
fails(fn() => Runtime::enableCoroutine(true, SWOOLE_HOOK_TCP));
fails(fn() => Runtime::setHookFlags());

show("Co::set(['hook_flags' => SWOOLE_HOOK_TCP])", Co::set(['hook_flags' => SWOOLE_HOOK_TCP]));
var_dump(Co::getOptions());
show("Co::set(['hook_flags' => SWOOLE_HOOK_ALL ^ SWOOLE_HOOK_SLEEP])", Co::set(['hook_flags' => SWOOLE_HOOK_ALL ^ SWOOLE_HOOK_SLEEP]));
show("Co::set(['hook_flags' => 0])", Co::set(['hook_flags' => 0]));
show('enableCoroutine(SWOOLE_HOOK_FILE)', Runtime::enableCoroutine(SWOOLE_HOOK_FILE));
var_dump(Co::getOptions());

$server = new Swoole\Server('127.0.0.1', 0);
$server->set(['hook_flags' => SWOOLE_HOOK_TCP | SWOOLE_HOOK_UNIX]);
echo "after \$server->set(['hook_flags' => SWOOLE_HOOK_TCP | SWOOLE_HOOK_UNIX]): ", Runtime::getHookFlags(), "\n";
show("Co::set(['hook_flags' => 0])", Co::set(['hook_flags' => 0]));

// Co\run() keeps the flags that were set (here 0) ...
Co\run(function () {
    echo 'in Co\run: ', Runtime::getHookFlags(), "\n";
    show('in Co\run: enableCoroutine(SWOOLE_HOOK_SLEEP)', Runtime::enableCoroutine(SWOOLE_HOOK_SLEEP));
});
echo 'after Co\run: ', Runtime::getHookFlags(), "\n";
