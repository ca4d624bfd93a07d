"""Swoole\\Runtime without coroutines: hooks can be turned off, never on."""


def test_hooks_can_only_be_off(php_server, tmp_path):
    script = tmp_path / "hooks.php"
    script.write_text("""<?php
var_dump(Swoole\\Runtime::getHookFlags());
var_dump(Swoole\\Runtime::enableCoroutine(0));
var_dump(Swoole\\Runtime::enableCoroutine(false));
var_dump(Swoole\\Runtime::enableCoroutine());
var_dump(Swoole\\Runtime::setHookFlags(SWOOLE_HOOK_TCP));
var_dump(Swoole\\Runtime::getHookFlags());
""")
    srv = php_server(script, wait=False)
    srv.expect_exit = True
    assert srv.wait_exit() == 0
    out = srv.stdout()
    assert out.startswith("int(0)\nbool(true)\nbool(true)\n")
    assert ("Warning: Swoole\\Runtime::enableCoroutine(): runtime hooks (flags 2143285247) "
            "are not supported by swoole-rs yet") in out
    assert "Warning: Swoole\\Runtime::setHookFlags(): runtime hooks (flags 2) are not supported" in out
    assert out.endswith("bool(false)\nint(0)\n")
