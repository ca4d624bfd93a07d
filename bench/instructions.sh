#!/usr/bin/env bash
# Instructions per echo message in the server's user space, counted by
# valgrind's callgrind: repeatable where wall-clock figures are not (the same
# binary moves +-20% between minutes on a shared VM), so it is the A/B test
# for a change to the hot path.
#
#   bench/instructions.sh [SO] [CONNS] [INFLIGHT] [SECS]
#       defaults: build/swoole.so 100 16 5
#
# The server (bench/echo_server.php) runs under callgrind; the load generator
# warms it up for 1 s, the counters are zeroed, SECS seconds of echo are
# counted and dumped. Prints messages, instructions and instructions per
# message; the profile is left in build/bench/callgrind.out. Under valgrind the server is ~50x slower, so more messages arrive
# per read than at full speed: compare builds with each other, not with
# bench/run.py's figures.
set -euo pipefail
cd "$(dirname "$0")/.."

so=$(realpath "${1:-build/swoole.so}")
conns=${2:-100}
inflight=${3:-16}
secs=${4:-5}
loadgen=bench/loadgen/target/release/swoole-rs-loadgen
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed" >&2; exit 1; }
cargo build --release --quiet --manifest-path bench/loadgen/Cargo.toml

source bench/callgrind_server.sh
out=$(mktemp -d)
vg=
trap 'kill "$vg" 2>/dev/null || true; rm -rf "$out"' EXIT
start_callgrind_server "$so" "$out/cg.out"
url="ws://127.0.0.1:$port/"
"$loadgen" echo --url "$url" --conns "$conns" --inflight "$inflight" --size 32 --secs 1 --warmup 0 >/dev/null
callgrind_control -z "$vg" >/dev/null
result=$("$loadgen" echo --url "$url" --conns "$conns" --inflight "$inflight" --size 32 --secs "$secs" --warmup 0)
callgrind_control -d "$vg" >/dev/null
sleep 0.5
messages=$(grep -o '"messages":[0-9]*' <<<"$result" | cut -d: -f2)
dump=$(ls "$out"/cg.out.* | sort | head -n 1)
instructions=$(callgrind_annotate "$dump" 2>/dev/null | grep -m1 'PROGRAM TOTALS' | awk '{gsub(",", "", $1); print $1}')
mkdir -p build/bench
cp "$dump" build/bench/callgrind.out
echo "messages=$messages instructions=$instructions per_message=$((instructions / messages)) ($so, $conns x $inflight)"
echo "where they go: callgrind_annotate --auto=no build/bench/callgrind.out | head -60"
