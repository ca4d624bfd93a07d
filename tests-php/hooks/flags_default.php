<?php
// Co\run() turns every hook on when no hook_flags were ever set.
echo 'before Co\run: ', Swoole\Runtime::getHookFlags(), "\n";
var_dump(Co::getOptions());
Co\run(function () {
    echo 'in Co\run: ', Swoole\Runtime::getHookFlags(), "\n";
    var_dump(Co::getOptions());
});
echo 'after Co\run: ', Swoole\Runtime::getHookFlags(), "\n";
