"""The Docker image, built and run the way a user runs it.

scripts/docker-image.sh makes sure a Docker engine runs (Debian's docker.io,
dockerd started when none runs), makes the base image once per machine
(Debian bookworm from debootstrap with Debian's php8.2-cli, standing in for
the official php image, which no registry here can give) and builds
docker/Dockerfile with EXT_SOURCE=prebuilt: the swoole.so under test
($SWOOLE_SO, the one `make build` made) installed by the image's own steps.
Then the image is run as its users run it: its default command serves the echo
server to a WebSocket client through a published port, its HEALTHCHECK turns
healthy, the server runs as the non-root user, `php -m` lists swoole, and a
mounted script runs with `php /app/server.php`. The image's size is printed.

It is one test, in steps, so that where no engine can run (not root, no Debian
archive, dockerd does not start) the test run says so in one skip line: the
script's reason.

Environment: SWTEST_DOCKER=0 skips it (no engine installed or started);
SWTEST_DOCKER_IMAGE names the tag it builds (default swoole-rs:test).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time

import pytest

import conftest
from swtest import ws_connect

ROOT = conftest.ROOT
SCRIPT = ROOT / "scripts" / "docker-image.sh"
IMAGE = os.environ.get("SWTEST_DOCKER_IMAGE", "swoole-rs:test")
UID = "10001"  # the image's user swoole


def docker(*args, timeout=120, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check:
        assert r.returncode == 0, f"docker {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    return r


def build(what: str = "all") -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    r = subprocess.run(
        ["bash", str(SCRIPT), what], capture_output=True, text=True, timeout=840,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, IMAGE=IMAGE, SWOOLE_SO=str(conftest.swoole_so())),
    )
    return r, time.monotonic() - started


def containers_network() -> str:
    """How containers are published: a port mapping on Docker's bridge, as users
    do (-p); where the bridge cannot work, the host's network."""
    r = docker("run", "--rm", "-p", "127.0.0.1::9501", IMAGE, "true", check=False, timeout=60)
    if r.returncode == 0:
        return "bridge"
    print(f"[docker] the bridge network fails here, containers use --network host: {r.stderr.strip()}")
    return "host"


class Containers:
    """Containers started by the test, all removed at its end (on failure too),
    their logs printed (shown when the test fails)."""

    def __init__(self, network: str):
        self.network = network
        self.names: list[str] = []

    def start(self, *args: str, port_env: bool = False) -> tuple[str, int]:
        """docker run -d IMAGE-and-command args; returns the name and the host
        port the container's server is reached on. On the bridge: its 9501
        published on a free port. On the host's network: 9501, or with port_env
        a free port passed as $PORT (for a script that reads it)."""
        name = f"swoole-rs-test-{os.getpid()}-{len(self.names)}"
        if self.network == "bridge":
            port = conftest.free_port()
            publish = ["-p", f"127.0.0.1:{port}:9501"]
        elif port_env:
            port = conftest.free_port()
            publish = ["--network", "host", "-e", f"PORT={port}"]
        else:
            port = 9501
            assert conftest.port_is_free(port), "--network host needs port 9501 free"
            publish = ["--network", "host"]
        self.names.append(name)
        docker("run", "-d", "--name", name, *publish, *args, timeout=60)
        return name, port

    def remove_all(self):
        for name in self.names:
            logs = docker("logs", name, check=False)
            print(f"--- docker logs {name}\n{logs.stdout}{logs.stderr}")
            docker("rm", "-f", name, check=False)


def wait_serving(port: int, name: str, timeout: float = 30) -> None:
    """Until the container's server answers a WebSocket handshake on port."""
    deadline = time.monotonic() + timeout
    while True:
        state = docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip()
        assert state == "running", f"container {name} is {state}: {docker('logs', name).stdout}"
        try:
            with ws_connect(port, open_timeout=2):
                return
        except Exception as exc:  # refused, reset by Docker's port proxy, handshake timeout
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing serves on {port} after {timeout}s: {exc!r}")
            time.sleep(0.3)


def in_container(name: str, script: str) -> str:
    return docker("exec", name, "sh", "-c", script).stdout.strip()


# --------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------


def check_image_config() -> None:
    """The image as built: its user, command, port, health check, and the
    swoole.so under test in it, byte for byte; no build tools."""
    info = json.loads(docker("image", "inspect", IMAGE).stdout)[0]
    config = info["Config"]
    assert config["User"] == "swoole", config["User"]
    assert config["Cmd"] == ["php", "/app/server.php"], config["Cmd"]
    assert config["WorkingDir"] == "/app"
    assert "9501/tcp" in config["ExposedPorts"], config["ExposedPorts"]
    assert "healthcheck.php" in " ".join(config["Healthcheck"]["Test"]), config["Healthcheck"]
    assert config["Labels"]["org.opencontainers.image.title"] == "swoole-rs"
    digest = docker("run", "--rm", IMAGE, "php", "-r",
                    'echo hash_file("sha256", ini_get("extension_dir") . "/swoole.so");').stdout
    assert digest == hashlib.sha256(conftest.swoole_so().read_bytes()).hexdigest()
    tools = docker("run", "--rm", IMAGE, "sh", "-c",
                   "command -v cargo rustc rustup clang gcc || true").stdout.strip()
    assert tools == "", f"build tools in the image: {tools}"


def check_rebuild_is_cached() -> None:
    """A second build with the same swoole.so: base and every step cached, seconds."""
    r, took = build()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "base image swoole-rs-base:bookworm-php8.2 is there (cached)" in r.stdout, r.stdout
    m = re.search(r"built \S+ in [\d.]+ s \((\d+) of (\d+) steps from the cache\)", r.stdout)
    assert m and m[1] == m[2] and int(m[2]) >= 6, r.stdout
    assert took < 30, f"a cached rebuild took {took:.1f} s"
    print(f"[docker] cached rebuild: {took:.1f} s")


def check_echo_server_healthy_non_root(containers: Containers) -> None:
    """docker run IMAGE: the echo server answers a WebSocket client, the
    HEALTHCHECK turns healthy, and every php process runs as uid 10001."""
    name, port = containers.start(IMAGE)
    wait_serving(port, name)
    with ws_connect(port) as ws:
        ws.send("hello from a client")
        assert ws.recv(timeout=5) == "this is server"
    # (fd 1 was wait_serving's handshake.)
    assert re.search(r"^receive from \d+:hello from a client,opcode:1,fin:1$",
                     docker("logs", name).stdout, re.M), docker("logs", name).stdout

    # The image's HEALTHCHECK (a WebSocket handshake, first run after its 10 s interval).
    deadline = time.monotonic() + 60
    while (health := docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip()) != "healthy":
        assert health in ("starting", ""), docker("inspect", "-f", "{{json .State.Health}}", name).stdout
        assert time.monotonic() < deadline, f"not healthy after 60 s: {health}"
        time.sleep(1)
    last = json.loads(docker("inspect", "-f", "{{json .State.Health}}", name).stdout)["Log"][-1]
    assert last["ExitCode"] == 0 and last["Output"].startswith("healthy"), last

    # (Uid: real, effective, saved, filesystem.)
    uids = in_container(name, 'for p in /proc/[0-9]*; do if [ "$(cat $p/comm 2>/dev/null)" = php ]; '
                              'then awk \'/^Uid:/ { print $2, $3, $4, $5 }\' $p/status; fi; done')
    assert uids and set(uids.split()) == {UID}, uids
    assert in_container(name, "cat /proc/1/cmdline | tr '\\0' ' '") == "php /app/server.php"
    assert in_container(name, "id -u") == UID
    assert in_container(name, "id -un") == "swoole"


def check_php_m_lists_swoole() -> None:
    r = docker("run", "--rm", IMAGE, "php", "-m")
    assert "swoole" in r.stdout.split(), r.stdout
    ri = docker("run", "--rm", IMAGE, "php", "--ri", "swoole").stdout
    assert "swoole-rs => enabled" in ri, ri


def check_mounted_script(containers: Containers, tmp_path) -> None:
    """docker run -v "$PWD":/app IMAGE php /app/server.php: the user's own script."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "server.php").write_text(
        "<?php\n"
        "$port = (int)(getenv('PORT') ?: 9501);\n"
        "$server = new Swoole\\WebSocket\\Server('0.0.0.0', $port);\n"
        "$server->on('message', function ($server, $frame) {\n"
        "    $server->push($frame->fd, 'mounted ' . posix_getuid() . ': ' . $frame->data);\n"
        "});\n"
        "$server->start();\n"
    )
    # The container runs as uid 10001: the mounted directory must be readable to it.
    app.chmod(0o755)
    (app / "server.php").chmod(0o644)
    name, port = containers.start("-v", f"{app}:/app:ro", IMAGE, "php", "/app/server.php",
                                  port_env=True)
    wait_serving(port, name)
    with ws_connect(port) as ws:
        ws.send("ping")
        assert ws.recv(timeout=5) == f"mounted {UID}: ping"


# --------------------------------------------------------------------------


# The first run on a machine installs docker.io and makes the base image (a
# minute here); later runs take seconds, most of it waiting for the health check.
@pytest.mark.timeout(900)
def test_image_as_a_user_runs_it(tmp_path, capsys, record_property):
    if os.environ.get("SWTEST_DOCKER") == "0":
        pytest.skip("SWTEST_DOCKER=0: the Docker image is not built")
    conftest.require_extension()
    r, took = build()
    if r.returncode == 77:
        lines = [l for l in r.stdout.splitlines() if l.startswith("docker-image: skip:")]
        pytest.skip(lines[-1] if lines else r.stdout.strip())
    assert r.returncode == 0, f"scripts/docker-image.sh: exit {r.returncode}\n{r.stdout}{r.stderr}"
    print(r.stdout)
    # The image's size, in CI's log (past pytest's capture) and the junit report.
    size = (ROOT / "build" / "docker-image-size.txt").read_text().strip()
    record_property("docker_image_size", size)
    with capsys.disabled():
        print(f"\n[docker] image size: {size}; scripts/docker-image.sh took {took:.1f} s")

    check_image_config()
    check_rebuild_is_cached()
    check_php_m_lists_swoole()
    containers = Containers(containers_network())
    try:
        check_echo_server_healthy_non_root(containers)
        check_mounted_script(containers, tmp_path)
    finally:
        containers.remove_all()
