<?php
// A coroutine API outside any coroutine: Swoole's fatal error.
echo "before\n";
try {
    Co::sleep(0.1);
} catch (Throwable $e) {
    echo "caught\n";
}
echo "not reached\n";
