#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time (libFuzzer, ASan).
#
#   scripts/fuzz.sh [seconds-per-target]     (default 30)
#
# Installs what it needs, once: the Debian packages the main crate builds with
# (scripts/deps.sh; ext-php-rs needs php-config and libclang) and cargo-fuzz,
# pinned, from crates.io. The toolchain is the machine's stable one:
# RUSTC_BOOTSTRAP=1 lets it take the -Zsanitizer flag cargo-fuzz passes.
#
# Each target starts from its checked-in seeds (fuzz/corpus/<target>/) and the
# reproducers of past findings (fuzz/regressions/<target>/), and keeps what it
# discovers in fuzz/work/<target>/ (not committed) for the next local run. A
# crash, panic, failed invariant, leak, timeout or out-of-memory fails the
# target; libFuzzer saves the input under fuzz/artifacts/<target>/ and the log
# is in fuzz/artifacts/logs/<target>.log. Exits non-zero if any target failed;
# the last line is `fuzz: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

secs="${1:-30}"
case "$secs" in
    '' | *[!0-9]*) echo "usage: $0 [seconds-per-target]" >&2; exit 2 ;;
esac
CARGO_FUZZ_VERSION=0.13.2

bash scripts/deps.sh || exit 1

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" || exit 1
fi

export RUSTC_BOOTSTRAP=1
# Build against the versions the main crate is tested with: start from its
# lock file (cargo adds the fuzz-only crates on top).
cp Cargo.lock fuzz/Cargo.lock

targets=$(cd fuzz && cargo fuzz list)
ntargets=$(echo "$targets" | wc -w)
echo "fuzz: building $ntargets targets"
if ! (cd fuzz && cargo fuzz build); then
    echo "fuzz: build failed"
    echo "fuzz: 0 passed, $ntargets failed"
    exit 1
fi

mkdir -p fuzz/artifacts/logs
passed=0
failed=0
for t in $targets; do
    mkdir -p "fuzz/work/$t"
    dirs=("fuzz/work/$t" "fuzz/corpus/$t")
    if [ -d "fuzz/regressions/$t" ]; then
        dirs+=("fuzz/regressions/$t")
    fi
    log="fuzz/artifacts/logs/$t.log"
    start=$(date +%s)
    # One process (no -jobs/-fork); a single input may take 10 s at most;
    # libFuzzer's own 2 GiB RSS limit stays on.
    (cd fuzz && cargo fuzz run "$t" "${dirs[@]/#fuzz\//}" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1) >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "fuzz: $t ok (${execs:-?} execs in ${took}s)"
    else
        failed=$((failed + 1))
        echo "fuzz: $t FAILED (exit $rc after ${took}s; log $log)"
        grep -E -m 1 -A 25 "panicked at|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)" "$log" | head -n 40
        grep -E "^artifact_prefix|Test unit written" "$log" | tail -n 2
    fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
