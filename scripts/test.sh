#!/usr/bin/env bash
# Runs the test suites and prints one summary line at the end.
#   scripts/test.sh all   cargo test + PHP end-to-end tests + a short fuzz pass (make test)
#   scripts/test.sh rust  cargo test only
#   scripts/test.sh php   PHP end-to-end tests only, against $SWOOLE_SO (make test-php)
# Both suites run even if the first fails; the exit code is non-zero if either failed.
set -uo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
venv=${VENV:-$PWD/.venv}
cargo=${CARGO:-cargo}
export SWOOLE_SO=${SWOOLE_SO:-$PWD/build/swoole.so}
mkdir -p build
printf '*\n' > build/.gitignore

cargo_rc=0
pytest_rc=0
fuzz_rc=0
cargo_log=build/cargo-test.log
junit=build/pytest-junit.xml
rm -f "$cargo_log" "$junit"

if [[ $what == all || $what == rust ]]; then
    echo "=== cargo test"
    "$cargo" test 2>&1 | tee "$cargo_log"
    cargo_rc=${PIPESTATUS[0]}
fi

# The test-hooks build (a debug build: cargo test already compiled its
# dependencies) for tests-php/test_panic.py, which forces panics through it.
if [[ $what == all ]]; then
    echo "=== test-hooks build (cargo build --features test-hooks)"
    rm -f build/swoole-test-hooks.so
    if "$cargo" build --lib --features test-hooks; then
        cp target/debug/libswoole.so build/swoole-test-hooks.so
    else
        cargo_rc=1
    fi
    export SWOOLE_SO_TEST_HOOKS=$PWD/build/swoole-test-hooks.so
fi

# make test runs the Autobahn testsuite too (both configs, ~13 min); a quick
# `make test-php` leaves it out unless SWTEST_AUTOBAHN=1 is set.
if [[ $what == all ]]; then
    export SWTEST_AUTOBAHN=${SWTEST_AUTOBAHN:-1}
fi

if [[ $what == all || $what == php ]]; then
    echo "=== PHP end-to-end tests (SWOOLE_SO=$SWOOLE_SO)"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pytest -c tests-php/pytest.ini tests-php --junitxml="$junit" ${PYTEST_ARGS:-}
    pytest_rc=$?
fi

# A short pass of every cargo-fuzz target (FUZZ_SECONDS each, 0 skips it):
# the seeds and past findings are replayed, then new inputs are tried.
fuzz_log=build/fuzz.log
rm -f "$fuzz_log"
if [[ $what == all && ${FUZZ_SECONDS:-20} != 0 ]]; then
    echo "=== fuzz (${FUZZ_SECONDS:-20} s per target)"
    bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}" 2>&1 | tee "$fuzz_log"
    fuzz_rc=${PIPESTATUS[0]}
fi

python3 - "$cargo_log" "$junit" "$cargo_rc" "$pytest_rc" "$fuzz_log" "$fuzz_rc" <<'PY'
import os, re, sys
import xml.etree.ElementTree as ET

cargo_log, junit, cargo_rc, pytest_rc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fuzz_log, fuzz_rc = sys.argv[5], int(sys.argv[6])
passed = failed = skipped = 0
print("=== summary")
if os.path.exists(cargo_log):
    p = f = i = 0
    for m in re.finditer(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", open(cargo_log, errors="replace").read()):
        p, f, i = p + int(m[1]), f + int(m[2]), i + int(m[3])
    if cargo_rc and not f:
        f = 1  # build or link failure: count it
    print(f"cargo test: {p} passed, {f} failed, {i} ignored (exit {cargo_rc})")
    passed, failed, skipped = passed + p, failed + f, skipped + i
if os.path.exists(junit):
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    t = sum(int(s.get("tests", 0)) for s in suites)
    f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    s_ = sum(int(s.get("skipped", 0)) for s in suites)
    p = t - f - s_
    if pytest_rc and not f:
        f = 1  # pytest itself failed (collection error, no tests, interrupted)
    print(f"pytest:     {p} passed, {f} failed, {s_} skipped (exit {pytest_rc})")
    passed, failed, skipped = passed + p, failed + f, skipped + s_
elif pytest_rc:
    print(f"pytest:     did not report (exit {pytest_rc})")
    failed += 1
if os.path.exists(fuzz_log):
    m = re.findall(r"^fuzz: (\d+) passed, (\d+) failed", open(fuzz_log, errors="replace").read(), re.M)
    p, f = (int(m[-1][0]), int(m[-1][1])) if m else (0, 1)
    if fuzz_rc and not f:
        f = 1
    print(f"fuzz:       {p} targets passed, {f} failed (exit {fuzz_rc})")
    passed, failed = passed + p, failed + f
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
PY

if ((cargo_rc != 0 || pytest_rc != 0 || fuzz_rc != 0)); then
    exit 1
fi
