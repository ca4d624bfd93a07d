"""Coroutines (go(), Co\\run(), Swoole\\Coroutine, Channel, WaitGroup) on
PHP's fibers. Each script in tests-php/coroutine/ runs as a CLI script; its
.expect file is what Swoole 6.2.2 printed for it (the one line Swoole adds
at exit about a destroyed channel left out), with %DIR% for the folder."""

import pathlib
import subprocess

import pytest

from conftest import php_cmd, require_extension

DIR = pathlib.Path(__file__).parent / "coroutine"


def run(name, timeout=30):
    require_extension()
    r = subprocess.run(php_cmd() + [str(DIR / name)], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("name", ["basics", "channel", "waitgroup", "deadlock"])
def test_prints_what_swoole_prints(name):
    code, out = run(f"{name}.php")
    want = (DIR / f"{name}.expect").read_text().replace("%DIR%", str(DIR))
    assert out == want
    assert code == 0


def test_an_uncaught_exception_in_a_coroutine_is_fatal():
    code, out = run("uncaught.php")
    assert code == 255
    assert out.startswith("spawned\n\nFatal error: Uncaught RuntimeException: in coroutine in ")
    assert "not reached" not in out


def test_a_coroutine_api_outside_a_coroutine_is_fatal_even_in_a_try():
    code, out = run("outside.php")
    assert code == 255
    assert out.startswith(
        "before\n\nFatal error: Uncaught Swoole\\Error: API must be called in the coroutine in ")
    assert "\ncaught" not in out and "not reached" not in out
