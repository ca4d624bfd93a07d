#!/usr/bin/env bash
# The Autobahn WebSocket testsuite (fuzzingclient) against swoole-rs.
#
#   scripts/autobahn.sh install                   install wstest (cached, idempotent)
#   scripts/autobahn.sh run [plain|compression|takeover]   run one config (all when none given)
#   scripts/autobahn.sh all                       install, then run both configs (make autobahn)
#
# install: wstest (PyPI autobahntestsuite) is Python 2.7 only, and Debian bookworm has
#   no python2.7. So: an apt source for bullseye built from this machine's own Debian
#   entry (same mirror, suite bullseye, component main), pinned at priority 100 so that
#   only what is installed by name comes from it; python2.7 + python2.7-dev from there;
#   a Python 3 venv with virtualenv 20.21 (build/autobahn-virtualenv) that creates the
#   Python 2.7 virtualenv build/autobahn-venv; the pins of
#   scripts/autobahn/requirements-py27.txt installed into it. Every step is skipped when
#   already done (the venv holds a marker with a hash of the pins).
#
# run: starts tests-php/autobahn/echo_server.php on a free 127.0.0.1 port with
#   `php -n -d extension=$SWOOLE_SO`, runs `wstest -m fuzzingclient` with
#   tests-php/autobahn/fuzzingclient-<config>.json (port and outdir filled in), keeps the
#   JSON/HTML report in build/autobahn/<config>/, always stops the server, and prints the
#   summary (scripts/autobahn/report.py). Exit status 1 if any case's behavior is FAILED
#   or UNIMPLEMENTED or its close behavior FAILED or WRONG CODE (in the plain config,
#   sections 12 and 13 - permessage-deflate, which that server does not enable - are
#   expected to be UNIMPLEMENTED; see report.py).
#
# Environment:
#   SWOOLE_SO          extension to load (default build/swoole.so)
#   PHP                php binary (default php)
#   AUTOBAHN_TIMEOUT   seconds one config may take before wstest is killed (default 2400)
#   AUTOBAHN_CASES     comma-separated case patterns instead of "*" (e.g. "1.*,2.*")
#   AUTOBAHN_EXCLUDE   comma-separated case patterns to exclude
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

HERE=$ROOT/scripts/autobahn
TOOLS=$ROOT/build/autobahn-virtualenv   # Python 3 venv holding virtualenv<20.22
VENV=$ROOT/build/autobahn-venv          # Python 2.7 virtualenv holding wstest
OUT=$ROOT/build/autobahn
PY27=/usr/bin/python2.7
APT_SOURCE=/etc/apt/sources.list.d/swoole-rs-bullseye.sources
APT_PIN=/etc/apt/preferences.d/swoole-rs-bullseye
APT_PACKAGES=(python2.7 python2.7-dev)
PHP_BIN=${PHP:-php}
TIMEOUT=${AUTOBAHN_TIMEOUT:-2400}

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

log() { printf 'autobahn: %s\n' "$*"; }
die() { printf 'autobahn: error: %s\n' "$*" >&2; exit 2; }

mkdir -p "$ROOT/build"
[ -f "$ROOT/build/.gitignore" ] || printf '*\n' > "$ROOT/build/.gitignore"

# --------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

install_python27() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        installed "$p" || missing+=("$p")
    done
    if ((${#missing[@]} == 0)) && [ -x "$PY27" ]; then
        return
    fi
    log "installing ${missing[*]} from Debian bullseye (pinned at priority 100)"
    local src pin
    src=$(python3 "$HERE/bullseye_source.py")
    pin=$'# Added by swoole-rs scripts/autobahn.sh: nothing comes from bullseye unless\n# installed by name (python2.7 for the Autobahn testsuite) or needed only by it.\nPackage: *\nPin: release n=bullseye\nPin-Priority: 100\n'
    if [ ! -f "$APT_SOURCE" ] || [ "$(cat "$APT_SOURCE")" != "$src" ]; then
        printf '%s\n' "$src" | as_root tee "$APT_SOURCE" >/dev/null
    fi
    if [ ! -f "$APT_PIN" ] || [ "$(cat "$APT_PIN")" != "${pin%$'\n'}" ]; then
        printf '%s' "$pin" | as_root tee "$APT_PIN" >/dev/null
    fi
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq </dev/null
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
        "${APT_PACKAGES[@]}" </dev/null
    [ -x "$PY27" ] || die "$PY27 missing after apt-get install"
}

install_hash() {
    {
        cat "$HERE/requirements-py27.txt" "$HERE/requirements-virtualenv.txt"
        "$PY27" --version 2>&1
    } | sha256sum | cut -d' ' -f1
}

do_install() {
    local t0=$SECONDS
    install_python27
    local want
    want=$(install_hash)
    if [ -x "$VENV/bin/wstest" ] && [ "$(cat "$VENV/.autobahn-installed" 2>/dev/null)" = "$want" ]; then
        log "wstest already installed in ${VENV#"$ROOT"/}"
        return
    fi
    log "installing the Autobahn testsuite into ${VENV#"$ROOT"/}"
    # 1. Python 3 venv with virtualenv<20.22 (the last that creates Python 2.7 envs).
    if [ ! -x "$TOOLS/bin/python" ]; then
        python3 -m venv "$TOOLS"
    fi
    if ! cmp -s "$HERE/requirements-virtualenv.txt" "$TOOLS/.requirements.installed"; then
        "$TOOLS/bin/python" -m pip install --quiet -r "$HERE/requirements-virtualenv.txt" </dev/null
        cp "$HERE/requirements-virtualenv.txt" "$TOOLS/.requirements.installed"
    fi
    # 2. the Python 2.7 virtualenv, from scratch (its pins changed or it is incomplete).
    rm -rf "$VENV"
    "$TOOLS/bin/virtualenv" --quiet --no-download --no-periodic-update \
        --app-data "$TOOLS/app-data" -p "$PY27" "$VENV" </dev/null
    # 3. the pinned testsuite (wsaccel and a few pure-Python sdists are built here;
    #    wsaccel needs python2.7-dev and gcc, the rest come as cp27mu wheels).
    local pip_log=$ROOT/build/autobahn-pip.log
    if ! "$VENV/bin/python" -m pip install --no-warn-script-location \
        -r "$HERE/requirements-py27.txt" >"$pip_log" 2>&1 </dev/null; then
        tail -n 60 "$pip_log" >&2
        die "pip install of scripts/autobahn/requirements-py27.txt failed (log: ${pip_log#"$ROOT"/})"
    fi
    "$VENV/bin/python" -c 'import autobahntestsuite, autobahn, twisted, wsaccel' ||
        die "the Autobahn testsuite does not import in ${VENV#"$ROOT"/}"
    [ -x "$VENV/bin/wstest" ] || die "no wstest in ${VENV#"$ROOT"/}/bin"
    printf '%s\n' "$want" > "$VENV/.autobahn-installed"
    log "installed in $((SECONDS - t0))s"
}

install_locked() {
    # one install at a time (make autobahn and pytest may race)
    exec 9>"$ROOT/build/.autobahn-install.lock"
    flock 9
    do_install
    flock -u 9
    exec 9>&-
}

# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------

SERVER_PID=""
WSTEST_PID=""

stop_wstest() {
    local pid=$WSTEST_PID
    [ -n "$pid" ] || return 0
    WSTEST_PID=""
    kill -TERM "$pid" 2>/dev/null || true   # timeout(1) passes it on to wstest
    wait "$pid" 2>/dev/null || true
}

stop_server() {
    local pid=$SERVER_PID i
    [ -n "$pid" ] || return 0
    SERVER_PID=""
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "server $pid ignored SIGTERM for 10s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

trap 'stop_wstest; stop_server' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run_config() {
    local config=$1
    case $config in
        plain | compression | takeover) ;;
        *) die "unknown config '$config' (plain, compression or takeover)" ;;
    esac
    local so=${SWOOLE_SO:-$ROOT/build/swoole.so}
    [[ $so == /* ]] || so=$ROOT/$so
    [ -f "$so" ] || die "$so does not exist: run 'make build' or set SWOOLE_SO"
    [ -x "$VENV/bin/wstest" ] || die "wstest is not installed: run 'scripts/autobahn.sh install'"

    local dir=$OUT/$config port spec t0=$SECONDS
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(free_port)
    spec=$dir/fuzzingclient.json
    python3 - "$ROOT/tests-php/autobahn/fuzzingclient-$config.json" "$spec" "$port" "$dir" <<'PY'
import json, os, sys
src, dst, port, outdir = sys.argv[1:5]
spec = json.load(open(src))
for s in spec["servers"]:
    s["url"] = f"ws://127.0.0.1:{port}"
spec["outdir"] = outdir
cases = os.environ.get("AUTOBAHN_CASES", "").strip()
if cases:
    spec["cases"] = [c.strip() for c in cases.split(",") if c.strip()]
exclude = os.environ.get("AUTOBAHN_EXCLUDE", "").strip()
if exclude:
    spec["exclude-cases"] = spec.get("exclude-cases", []) + [c.strip() for c in exclude.split(",") if c.strip()]
json.dump(spec, open(dst, "w"), indent=2)
PY

    log "$config: echo server on 127.0.0.1:$port (SWOOLE_SO=$so)"
    "$PHP_BIN" -n -d "extension=$so" -d memory_limit=2G -d display_errors=stderr \
        -d log_errors=0 -d error_reporting=-1 \
        "$ROOT/tests-php/autobahn/echo_server.php" "$port" "$config" \
        >"$dir/server.log" 2>&1 </dev/null &
    SERVER_PID=$!
    local i listening=0
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
            listening=1
            break
        fi
        sleep 0.05
    done
    if ((listening == 0)); then
        stop_server
        log "$config: the echo server did not start listening; its output:"
        tail -n 50 "$dir/server.log" >&2
        echo "autobahn $config: 0 passed, 1 failed"
        return 1
    fi

    log "$config: wstest -m fuzzingclient (timeout ${TIMEOUT}s), report in ${dir#"$ROOT"/}"
    local rc=0
    # In the background + wait, so that a signal to this script is handled at once.
    (cd "$dir" && exec timeout --foreground -k 10 "$TIMEOUT" \
        "$VENV/bin/wstest" -m fuzzingclient -s "$spec" >"$dir/wstest.log" 2>&1 </dev/null) &
    WSTEST_PID=$!
    wait "$WSTEST_PID" || rc=$?
    WSTEST_PID=""
    local server_alive=1
    kill -0 "$SERVER_PID" 2>/dev/null || server_alive=0
    stop_server
    local secs=$((SECONDS - t0))
    log "$config: wstest exited $rc after ${secs}s"

    local args=(--config "$config" --dir "$dir" --wstest-rc "$rc" --seconds "$secs")
    ((server_alive)) || args+=(--server-died)
    ((rc != 124 && rc != 137)) || args+=(--timed-out "$TIMEOUT")
    python3 "$HERE/report.py" "${args[@]}"
}

cmd=${1:-}
case $cmd in
    install)
        install_locked
        ;;
    run)
        shift
        configs=("$@")
        ((${#configs[@]})) || configs=(plain compression takeover)
        status=0
        for c in "${configs[@]}"; do
            run_config "$c" || status=1
        done
        exit $status
        ;;
    all)
        install_locked
        status=0
        for c in plain compression takeover; do
            run_config "$c" || status=1
        done
        exit $status
        ;;
    *)
        sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
