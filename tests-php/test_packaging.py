"""The doors users come in by: the Docker image (docker/), `make install` into
their own PHP (scripts/install-ext.sh) and the image's health check.

The image's parts are proved here without an engine: its Rust build step is
scripts/build-ext.sh, which `make build` (and so `make test`) runs; its install
step is scripts/install-ext.sh, tested here against scratch directories and a
PHP without php-config; its health check is run here against a real server. The
Dockerfile is checked for what the image must have. The image itself is built
and run by test_docker.py.
"""

from __future__ import annotations

import fnmatch
import os
import pathlib
import re
import shutil
import socket
import subprocess
import threading

import pytest

import conftest
from swtest import ws_connect

ROOT = conftest.ROOT
DOCKERFILE = ROOT / "docker" / "Dockerfile"
HEALTHCHECK = ROOT / "docker" / "healthcheck.php"
INSTALL = ROOT / "scripts" / "install-ext.sh"


# --------------------------------------------------------------------------
# The Dockerfile
# --------------------------------------------------------------------------

def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined), split by FROM."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def dockerignored() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith("#")]


def stage(name: str) -> list[str]:
    for st in dockerfile_stages()[1:]:
        if st[0].endswith(f" AS {name}"):
            return st
    raise AssertionError(f"no stage {name} in {DOCKERFILE}")


def test_dockerfile_build_stage_runs_the_shared_build_script():
    preamble = dockerfile_stages()[0]
    args = {l.split()[1].split("=")[0]: l for l in preamble if l.startswith("ARG ")}
    assert {"PHP_VERSION", "BUILD_IMAGE", "RUNTIME_IMAGE", "EXT_SOURCE"} <= set(args), preamble
    # Built with Rust unless told otherwise: users with the internet need nothing else.
    assert args["EXT_SOURCE"] == "ARG EXT_SOURCE=rust", args["EXT_SOURCE"]
    build = stage("ext-rust")
    assert build[0] == "FROM ${BUILD_IMAGE} AS ext-rust", build[0]
    assert any(re.match(r"RUN bash scripts/build-ext\.sh --out /out/swoole\.so$", l) for l in build), build
    # What make build runs is what the image runs.
    assert "scripts/build-ext.sh" in (ROOT / "Makefile").read_text()


def test_dockerfile_prebuilt_stage_takes_make_builds_swoole_so():
    prebuilt = stage("ext-prebuilt")
    assert prebuilt == ["FROM scratch AS ext-prebuilt", "ARG SWOOLE_SO=build/swoole.so",
                        "COPY ${SWOOLE_SO} /out/swoole.so"], prebuilt
    # The runtime stage takes swoole.so from the stage EXT_SOURCE names.
    assert stage("ext") == ["FROM ext-${EXT_SOURCE} AS ext"]


def test_dockerfile_runtime_stage():
    runtime = dockerfile_stages()[-1]
    assert runtime[0] == "FROM ${RUNTIME_IMAGE}", runtime[0]
    joined = "\n".join(runtime)
    assert "install-ext.sh" in joined, "the runtime stage installs with make install's script"
    assert "php -m | grep -qx swoole" in joined
    assert re.search(r"^EXPOSE 9501$", joined, re.M)
    assert re.search(r"^HEALTHCHECK .*healthcheck\.php", joined, re.M)
    assert re.search(r'^CMD \["php", "/app/server.php"\]$', joined, re.M)
    users = [l.split()[1] for l in runtime if l.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), "the server must not run as root"
    # No build tools in the image users run: nothing is apt-installed there,
    # and only the built extension comes from the build stages, mounted for the
    # install step (no layer keeps a copy of it).
    assert "apt-get" not in joined and "cargo" not in joined and "rustup" not in joined
    assert not [l for l in runtime if l.startswith("COPY --from=")], runtime
    install = [l for l in runtime if "install-ext.sh" in l]
    assert len(install) == 1 and install[0].startswith("RUN --mount=type=tmpfs,target=/tmp "), install
    assert "--mount=type=bind,from=ext,source=/out,target=/tmp/swoole-rs/out " in install[0]
    assert "bash /tmp/swoole-rs/install-ext.sh /tmp/swoole-rs/out/swoole.so" in install[0]


def dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore keeps path out of the build context (Docker's rules:
    the last matching pattern wins, a pattern also excludes what is under it,
    "!" re-includes)."""
    excluded = False
    for pat in dockerignored():
        negate = pat.startswith("!")
        pat = pat.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if pat.startswith("**/"):
            hit = any(fnmatch.fnmatch(p.split("/")[-1], pat[3:]) for p in prefixes)
        else:
            hit = any(fnmatch.fnmatch(p, pat) and p.count("/") == pat.count("/") for p in prefixes)
        if hit:
            excluded = not negate
    return excluded


def test_dockerfile_copies_only_what_the_context_has():
    """Every COPY source and bind-mounted file of the context exists in the
    repository (build/swoole.so: once make build ran) and is not .dockerignore'd."""
    for st in dockerfile_stages():
        args = {l.split()[1].split("=")[0]: l.split("=", 1)[1] for l in st
                if l.startswith("ARG ") and "=" in l}
        for line in st:
            if line.startswith("RUN "):
                # Bind mounts of the context: --mount=type=bind,source=...(no from=)
                sources = [m["source"] for m in (dict(kv.split("=", 1) for kv in opt[8:].split(","))
                                                 for opt in line.split() if opt.startswith("--mount="))
                           if m.get("type") == "bind" and "from" not in m]
            elif line.startswith("COPY ") and "--from=" not in line:
                sources = [p for p in line.split()[1:] if not p.startswith("--")][:-1]
            else:
                continue
            for src in sources:
                src = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], src)
                assert src == "build/swoole.so" or (ROOT / src).exists(), \
                    f"{line}: {src} is not in the repository"
                assert not dockerignore_excludes(src), f"{line}: {src} is .dockerignore'd"


def test_dockerignore_keeps_build_output_out():
    for heavy in ("target", "target-base", "build", "build/autobahn", "build/cargo-test.log",
                  ".venv", ".git", "fuzz/corpus", "fuzz/target", "tests-php/__pycache__"):
        assert dockerignore_excludes(heavy) or dockerignore_excludes(heavy + "/x"), heavy
    # ...but for the swoole.so EXT_SOURCE=prebuilt takes (and the copy
    # scripts/docker-image.sh stages for a SWOOLE_SO from elsewhere).
    assert not dockerignore_excludes("build/swoole.so")
    assert not dockerignore_excludes("build/docker/swoole.so")
    for source in ("src/lib.rs", "Cargo.toml", "scripts/install-ext.sh", "docker/healthcheck.php"):
        assert not dockerignore_excludes(source), source


def test_example_server_in_image_listens_on_all_interfaces():
    text = (ROOT / "examples" / "echo_server.php").read_text()
    assert 'new Swoole\\WebSocket\\Server("0.0.0.0", 9501)' in text


# --------------------------------------------------------------------------
# The health check
# --------------------------------------------------------------------------

def run_healthcheck(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [conftest.PHP, "-n", str(HEALTHCHECK), str(port)],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )


def test_healthcheck_healthy_against_the_example_server(php_server, tmp_path):
    port = conftest.free_port()
    script = tmp_path / "server.php"
    script.write_text((ROOT / "examples" / "echo_server.php").read_text().replace("9501", str(port)))
    srv = php_server(script, port=port, pass_port=False)
    r = run_healthcheck(port)
    assert r.returncode == 0, r
    assert r.stdout.startswith("healthy"), r
    # The check closed with a close frame: the server saw a polite close.
    srv.wait_for("closed\n")
    # And the server still serves others.
    with ws_connect(port) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "this is server"


def test_healthcheck_unhealthy_when_nothing_listens():
    r = run_healthcheck(conftest.free_port())
    assert r.returncode == 1, r
    assert "cannot connect" in r.stderr, r


def test_healthcheck_unhealthy_when_not_a_websocket_server():
    """A server that answers HTTP 200 to the upgrade is not healthy."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def answer():
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        r = run_healthcheck(port)
    finally:
        t.join(5)
        listener.close()
    assert r.returncode == 1, r
    assert "HTTP/1.1 200 OK" in r.stderr, r


# --------------------------------------------------------------------------
# make install (scripts/install-ext.sh) into scratch directories
# --------------------------------------------------------------------------

def install(so: pathlib.Path, ext_dir: pathlib.Path, ini_dir: pathlib.Path, **env):
    full = dict(os.environ, EXTENSION_DIR=str(ext_dir), INI_DIR=str(ini_dir))
    full.update({k: str(v) for k, v in env.items()})
    return subprocess.run(
        ["bash", str(INSTALL), str(so)], capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, env=full,
    )


def loads_from(ext_dir: pathlib.Path, ini_dir: pathlib.Path) -> str:
    """What `php --ri swoole` says with the scratch ini directory as PHP's scan dir."""
    r = subprocess.run(
        [conftest.PHP, "-d", f"extension_dir={ext_dir}", "--ri", "swoole"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        env=dict(os.environ, PHP_INI_SCAN_DIR=str(ini_dir)),
    )
    return r.stdout + r.stderr


@pytest.fixture
def dirs(tmp_path):
    conftest.require_extension()
    ext_dir, ini_dir = tmp_path / "ext", tmp_path / "conf.d"
    return ext_dir, ini_dir


def test_install_into_a_php(dirs):
    ext_dir, ini_dir = dirs
    r = install(conftest.swoole_so(), ext_dir, ini_dir)
    assert r.returncode == 0, r
    assert (ext_dir / "swoole.so").read_bytes() == conftest.swoole_so().read_bytes()
    ini = (ini_dir / "20-swoole.ini").read_text()
    assert f"extension={ext_dir / 'swoole.so'}" in ini, ini
    # PHP's -n drops the scan dir; without -n but with the scan dir, PHP loads it.
    r2 = subprocess.run(
        [conftest.PHP, "-m"], capture_output=True, text=True, timeout=30,
        stdin=subprocess.DEVNULL, env=dict(os.environ, PHP_INI_SCAN_DIR=str(ini_dir)),
    )
    assert "swoole" in r2.stdout.split(), r2
    # Upgrading swoole-rs needs no confirmation and does not add a second ini.
    r = install(conftest.swoole_so(), ext_dir, ini_dir)
    assert r.returncode == 0, r
    assert "already loads swoole" in r.stdout, r.stdout
    assert sorted(p.name for p in ini_dir.iterdir()) == ["20-swoole.ini"]


def test_install_refuses_to_replace_a_real_swoole(dirs):
    ext_dir, ini_dir = dirs
    ext_dir.mkdir()
    real = b"\x7fELF Swoole 6.2.2 " + b"\0" * 64
    (ext_dir / "swoole.so").write_bytes(real)
    r = install(conftest.swoole_so(), ext_dir, ini_dir)
    assert r.returncode != 0, r
    assert "is not swoole-rs" in r.stderr and "FORCE=1" in r.stderr, r.stderr
    assert (ext_dir / "swoole.so").read_bytes() == real, "the real Swoole was touched"
    assert not ini_dir.exists() or not list(ini_dir.iterdir())

    # FORCE=1 replaces it, keeping a backup.
    r = install(conftest.swoole_so(), ext_dir, ini_dir, FORCE=1)
    assert r.returncode == 0, r
    backups = list(ext_dir.glob("swoole.so.before-swoole-rs.*"))
    assert len(backups) == 1 and backups[0].read_bytes() == real, backups
    assert "swoole-rs" in loads_from(ext_dir, ini_dir)


def test_install_refuses_a_file_that_is_not_swoole_rs(dirs, tmp_path):
    ext_dir, ini_dir = dirs
    other = tmp_path / "other.so"
    other.write_bytes(b"\x7fELF something else")
    r = install(other, ext_dir, ini_dir)
    assert r.returncode != 0 and "not a swoole-rs build" in r.stderr, r
    assert not ext_dir.exists()


def test_install_keeps_an_existing_swoole_ini(dirs):
    """A package's ini that already loads swoole is reused, not doubled."""
    ext_dir, ini_dir = dirs
    ini_dir.mkdir(parents=True)
    (ini_dir / "25-swoole.ini").write_text(f"extension={ext_dir}/swoole.so\n")
    r = install(conftest.swoole_so(), ext_dir, ini_dir)
    assert r.returncode == 0, r
    assert sorted(p.name for p in ini_dir.iterdir()) == ["25-swoole.ini"]
    out = loads_from(ext_dir, ini_dir)
    assert "swoole-rs" in out and "already loaded" not in out, out


def test_install_into_a_php_without_php_config(tmp_path):
    """Debian's php8.2-cli without php8.2-dev (the Docker test's base image) has no
    php-config: the script takes the php on PATH, and swoole.so goes where that PHP
    loads extensions from (its extension_dir), the ini into the scan dir."""
    conftest.require_extension()
    php = shutil.which(conftest.PHP)
    assert php, conftest.PHP
    ext_dir, ini_dir, bin_dir = tmp_path / "ext", tmp_path / "conf.d", tmp_path / "bin"
    ext_dir.mkdir()
    bin_dir.mkdir()
    # A PATH with everything but php-config; its php has this extension_dir.
    for d in ("/usr/local/bin", "/usr/bin", "/bin"):
        for tool in pathlib.Path(d).iterdir() if pathlib.Path(d).is_dir() else []:
            link = bin_dir / tool.name
            if not tool.name.startswith("php") and not link.exists():
                link.symlink_to(tool)
    (bin_dir / "php").write_text(f'#!/bin/sh\nexec {php} -d extension_dir={ext_dir} "$@"\n')
    (bin_dir / "php").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PHP_CONFIG", "EXTENSION_DIR")}
    r = subprocess.run(
        ["bash", str(INSTALL), str(conftest.swoole_so())], capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL,
        env=dict(env, PATH=str(bin_dir), INI_DIR=str(ini_dir)),
    )
    assert r.returncode == 0, r
    assert (ext_dir / "swoole.so").read_bytes() == conftest.swoole_so().read_bytes()
    # Its own extension dir: the ini names the file only, as docker-php-ext-enable does.
    assert "\nextension=swoole.so\n" in (ini_dir / "20-swoole.ini").read_text()
    assert "loads swoole-rs" in r.stdout, r.stdout

