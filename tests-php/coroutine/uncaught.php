<?php
// An uncaught exception in a coroutine is a fatal error.
Co\run(function () {
    go(function () {
        Co::sleep(0.01);
        throw new RuntimeException("in coroutine");
    });
    echo "spawned\n";
});
echo "not reached\n";
