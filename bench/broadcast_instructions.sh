#!/usr/bin/env bash
# User-space instructions per receiver of one broadcast, counted by
# valgrind's callgrind: the repeatable A/B for the broadcast path (wall-clock
# fan-out times here are mostly the kernel's loopback TCP, and noisy).
#
#   bench/broadcast_instructions.sh [SO] [PREFIX] [RECEIVERS]
#       defaults: build/swoole.so BCAST 1000
#
# PREFIX BCAST is bench/echo_server.php's `foreach ($server->connections)`
# + isEstablished() + push() loop; NBCAST is `$server->broadcast()`. Only
# onMessage (the PHP loop) and the end-of-turn flush task (the writes) are
# counted (callgrind --toggle-collect), so connecting and closing the
# receivers is not. 20 broadcasts; prints instructions per receiver per
# broadcast (the sender counts as a receiver: it gets its copy too).
set -euo pipefail
cd "$(dirname "$0")/.."

so=$(realpath "${1:-build/swoole.so}")
prefix=${2:-BCAST}
receivers=${3:-1000}
count=20
loadgen=bench/loadgen/target/release/swoole-rs-loadgen
command -v valgrind >/dev/null || { echo "broadcast_instructions: valgrind is not installed" >&2; exit 1; }
cargo build --release --quiet --manifest-path bench/loadgen/Cargo.toml
ulimit -n "$(( receivers + 1000 ))" 2>/dev/null || true

source bench/callgrind_server.sh
out=$(mktemp -d)
vg=
trap 'kill "$vg" 2>/dev/null || true; rm -rf "$out"' EXIT
start_callgrind_server "$so" "$out/cg.out" \
    "--toggle-collect=*PhpHandler*on_message*" "--toggle-collect=*flush*run*"
"$loadgen" broadcast --url "ws://127.0.0.1:$port/" --conns "$receivers" --count "$count" --prefix "$prefix"
kill -INT "$vg"
wait "$vg" || true
mkdir -p build/bench
cp "$out/cg.out" build/bench/broadcast.callgrind.out
total=$(callgrind_annotate build/bench/broadcast.callgrind.out 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "broadcasts=$count receivers=$receivers instructions=$total per_receiver=$(( total / (count * (receivers + 1)) )) ($so, $prefix)"
echo "where they go: callgrind_annotate --inclusive=no --threshold=100 build/bench/broadcast.callgrind.out | head -60"
