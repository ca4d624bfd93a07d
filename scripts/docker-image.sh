#!/usr/bin/env bash
# Builds the Docker image (docker/Dockerfile) from the swoole.so that `make build`
# made, on a machine that can reach no registry: what CI does before it runs the
# image as a user would (tests-php/test_docker.py).
#
#   scripts/docker-image.sh [engine|base|image|all]     (default all)
#
#   engine  a Docker engine that answers: installs docker.io from Debian's archive
#           when there is no dockerd, starts dockerd when none runs
#           (in the background, log in $DOCKERD_LOG)
#   base    the base image standing in for the official php image: Debian bookworm
#           from debootstrap, with Debian's php8.2-cli, `docker import`ed as
#           $BASE_IMAGE. Built once per machine: kept while the image exists.
#   image   docker build --network host with the prebuilt swoole.so
#           (EXT_SOURCE=prebuilt, BUILD_IMAGE = RUNTIME_IMAGE = $BASE_IMAGE), tagged
#           $IMAGE; its size goes to stdout and to build/docker-image-size.txt.
#           Docker's layer cache makes a rebuild with the same swoole.so take seconds.
#   all     the three
#
# Environment:
#   SWOOLE_SO      the extension to put in the image (default build/swoole.so; one
#                  outside build/swoole.so is copied to build/docker/swoole.so first,
#                  as the build context must hold it)
#   IMAGE          the tag to build (default swoole-rs)
#   BASE_IMAGE     the base image's tag (default swoole-rs-base:bookworm-php8.2)
#   DEBIAN_MIRROR  where debootstrap and the base's apt take Debian from (default: the
#                  first Debian mirror in this machine's apt sources, else deb.debian.org)
#   DOCKERD_LOG    dockerd's log when this script starts it (default /var/log/swoole-rs-dockerd.log)
#
# Exit status 77, with one line "docker-image: skip: <why>", when this machine
# cannot run an engine or make the base (not root, no Debian archive, dockerd does
# not start); any other failure is a real one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

what=${1:-all}
image=${IMAGE:-swoole-rs}
base_image=${BASE_IMAGE:-swoole-rs-base:bookworm-php8.2}
suite=bookworm
php_package=php8.2-cli
dockerd_log=${DOCKERD_LOG:-/var/log/swoole-rs-dockerd.log}

say() { echo "docker-image: $*"; }
die() { echo "docker-image: $*" >&2; exit 1; }
skip() { echo "docker-image: skip: $*"; exit 77; }

# The docker CLI to build with. The Dockerfile needs BuildKit (it builds only the
# stages the image needs: the offline build never reaches the rustup stage). A CLI
# with the buildx plugin uses BuildKit by default; without it, a CLI from before
# Docker 23 (Debian bookworm's docker.io) drives the daemon's own BuildKit when
# DOCKER_BUILDKIT=1. A newer CLI without buildx cannot, hence the search.
docker_cli() {
    local cli v
    if docker buildx version >/dev/null 2>&1; then
        echo docker
        return
    fi
    for cli in $(type -ap docker) /usr/bin/docker; do
        v=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null || true)
        if [[ $v =~ ^([0-9]+)\. ]] && ((BASH_REMATCH[1] < 23)); then
            echo "$cli"
            return
        fi
    done
}

apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local log=/var/tmp/swoole-rs-apt.log
    apt-get update -qq >"$log" 2>&1 \
        || skip "apt-get update fails: Debian's archive is not reachable to install ${missing[*]} (log: $log)"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1 \
        || skip "apt-get install ${missing[*]} failed (log: $log)"
}

engine() {
    # An engine that answers, and a CLI that can build with it: nothing to do
    # (and nothing installed over a Docker that came from elsewhere).
    if docker info >/dev/null 2>&1 && [[ -n $(docker_cli) ]]; then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        skip "not root, and no Docker engine answers 'docker info' (run as root to install and start one)"
    fi
    command -v apt-get >/dev/null || skip "no apt-get: this script sets up Docker on Debian only"
    command -v dockerd >/dev/null || apt_install docker.io
    [[ -n $(docker_cli) ]] || die "no docker CLI that can use BuildKit (install docker-buildx, or Debian's docker.io)"
    if docker info >/dev/null 2>&1; then
        return 0
    fi
    say "starting dockerd (log: $dockerd_log)"
    mkdir -p "$(dirname "$dockerd_log")"
    # setsid: dockerd outlives this script and the test that ran it, so the next
    # run finds it (and its caches) ready.
    setsid dockerd >>"$dockerd_log" 2>&1 </dev/null &
    local pid=$! i
    for ((i = 0; i < 60; i++)); do
        if docker info >/dev/null 2>&1; then
            say "dockerd is up (pid $pid)"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    skip "dockerd does not start here: $(grep -E 'level=(error|fatal)|failed' "$dockerd_log" | tail -n1 | cut -c1-200) (log: $dockerd_log)"
}

# The first Debian mirror this machine's apt uses (deb822 .sources or one-line
# lists), else deb.debian.org.
debian_mirror() {
    if [[ -n ${DEBIAN_MIRROR:-} ]]; then
        echo "$DEBIAN_MIRROR"
        return
    fi
    local m
    m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '/^URIs:/ { print $2 }' | grep -E '/debian/?$' | head -n1 || true)
    if [[ -z $m ]]; then
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp):/) { print $i; break } }' \
            | grep -E '/debian/?$' | head -n1 || true)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

base() {
    if docker image inspect "$base_image" >/dev/null 2>&1; then
        say "base image $base_image is there (cached)"
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || skip "the base image $base_image is missing and building it (debootstrap) needs root"
    apt_install debootstrap curl
    local mirror security rootfs started=$SECONDS
    mirror=$(debian_mirror)
    mirror=${mirror%/}
    security=${mirror%/debian}/debian-security
    curl -fsS --max-time 30 -o /dev/null "$mirror/dists/$suite/Release" \
        || skip "the Debian mirror $mirror does not answer: the base image cannot be made (set DEBIAN_MIRROR)"
    say "making $base_image: debootstrap $suite from $mirror, then $php_package (once per machine, a few minutes)"
    rootfs=$(mktemp -d /var/tmp/swoole-rs-rootfs.XXXXXX)
    # shellcheck disable=SC2064
    trap "umount '$rootfs/proc' 2>/dev/null || true; rm -rf '$rootfs'" EXIT
    local log=/var/tmp/swoole-rs-base.log
    debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$log" 2>&1 \
        || { tail -n 20 "$log" >&2; die "debootstrap failed (log: $log)"; }
    # Debian's PHP with its security updates, as an image's users would apt-get it.
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    mount -t proc proc "$rootfs/proc"
    chroot "$rootfs" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive
        apt-get -o APT::Sandbox::User=root update -qq \
        && apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends $php_package" \
        >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get install $php_package in the base failed (log: $log)"; }
    umount "$rootfs/proc"
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/var/log/*.log
    : >"$rootfs/etc/resolv.conf"
    tar -C "$rootfs" --numeric-owner -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["php", "-a"]' \
        --message "Debian $suite (debootstrap minbase) + $php_package, by swoole-rs scripts/docker-image.sh" \
        - "$base_image" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
    say "made $base_image in $((SECONDS - started)) s: $(docker run --rm --network host "$base_image" php -r 'echo "PHP ", PHP_VERSION, ", ", php_ini_scanned_files() ? "conf.d scanned" : "", "\n";' | tr -d '\n')"
}

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

build_image() {
    local so=${SWOOLE_SO:-build/swoole.so} ctx_so=build/swoole.so cli started=$EPOCHREALTIME
    [[ -f $so ]] || die "$so not found (run make build first)"
    if [[ $(realpath "$so") != "$root/build/swoole.so" ]]; then
        # The build context holds what the image takes: a copy inside it.
        mkdir -p build/docker
        cp -f "$so" build/docker/swoole.so
        ctx_so=build/docker/swoole.so
    fi
    cli=$(docker_cli)
    [[ -n $cli ]] || die "no docker CLI that can use BuildKit (install docker-buildx, or Debian's docker.io)"
    say "docker build $image from $so (base $base_image)"
    DOCKER_BUILDKIT=1 "$cli" build --network host --progress plain \
        -f docker/Dockerfile \
        --build-arg EXT_SOURCE=prebuilt \
        --build-arg SWOOLE_SO="$ctx_so" \
        --build-arg BUILD_IMAGE="$base_image" \
        --build-arg RUNTIME_IMAGE="$base_image" \
        -t "$image" . >build/docker-build.log 2>&1 \
        || { tail -n 30 build/docker-build.log >&2; die "docker build failed (log: build/docker-build.log)"; }
    # The images this one replaced, untagged now: not kept piling up.
    docker image prune -f --filter "label=org.opencontainers.image.title=swoole-rs" >/dev/null 2>&1 || true
    local size base_size steps cached
    size=$(docker image inspect -f '{{.Size}}' "$image")
    base_size=$(docker image inspect -f '{{.Size}}' "$base_image")
    # BuildKit's plain progress: "#N [stage i/n] STEP", then "#N CACHED" when cached.
    # (awk, not grep: no match is no failure under pipefail.)
    steps=$(awk '/^#[0-9]+ \[/ && !/^#[0-9]+ \[internal\]/ && !/\] FROM / { print $1 }' \
        build/docker-build.log | sort -u | wc -l)
    cached=$(awk '/^#[0-9]+ CACHED$/ { print $1 }' build/docker-build.log | sort -u | wc -l)
    say "built $image in $(since "$started") s ($cached of $steps steps from the cache)"
    mkdir -p build
    echo "$image: $(mb "$size") ($size bytes; the base $base_image: $(mb "$base_size"))" \
        | tee build/docker-image-size.txt | sed 's/^/docker-image: image size: /'
}

case $what in
    engine) engine ;;
    base) engine; base ;;
    image) engine; build_image ;;
    all) engine; base; build_image ;;
    *) echo "usage: $0 [engine|base|image|all]" >&2; exit 2 ;;
esac
