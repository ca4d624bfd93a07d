# Sourced by bench/instructions.sh and bench/broadcast_instructions.sh:
# starts bench/echo_server.php under callgrind and waits until it listens.
#
#   start_callgrind_server SO OUT_FILE [VALGRIND_OPTION ...]
#
# Sets $port (the server's) and $vg (valgrind's pid); the caller kills $vg.
start_callgrind_server() {
    local so=$1 out=$2
    shift 2
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" \
        php -n -d "extension=$so" -d memory_limit=2G bench/echo_server.php "$port" >/dev/null 2>&1 &
    vg=$!
    # Under valgrind PHP takes seconds to start.
    for _ in $(seq 1 150); do
        sleep 0.2
        (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    done
    echo "callgrind_server: the server did not listen on $port" >&2
    return 1
}
