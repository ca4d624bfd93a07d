<?php
// Co\run() inside a coroutine: Swoole starts the function's coroutine,
// then cannot wait for it inside a coroutine: a fatal error.
Co\run(function () {
    echo "outer\n";
    Co\run(function () {
        echo "inner\n";
    });
    echo "never\n";
});
echo "never after\n";
