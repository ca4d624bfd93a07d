#!/usr/bin/env bash
# Installs the Debian packages needed to build swoole-rs and run its tests.
# Idempotent: apt is only touched when a package is missing.
set -euo pipefail

# chromium: the browser tests (tests-php/test_browser.py) drive it over the
# DevTools protocol.
# redis-server: the cluster tests (tests-php/test_cluster.py) run a real Redis.
# php8.2-redis, php8.2-mysql, mariadb-server: the runtime hook tests
# (tests-php/test_runtime_hooks.py) run phpredis, PDO and mysqli (loaded with
# -d extension=...) against a real Redis and a real MariaDB.
packages=(php8.2-cli php8.2-dev libclang-dev clang python3-venv curl openssl chromium redis-server
          php8.2-redis php8.2-mysql mariadb-server)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for tool in php php-config cargo python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "deps: '$tool' not found on PATH" >&2
        exit 1
    fi
done
