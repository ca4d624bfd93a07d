#!/usr/bin/env bash
# Builds swoole.so for one PHP: the build steps shared by `make build` (and so
# `make test` and CI) and docker/Dockerfile's build stage, so CI proves the
# image's steps even on a machine where no Docker engine runs.
#
#   scripts/build-ext.sh [--out PATH] [--debug]
#
# Environment: PHP_CONFIG (default: php-config on PATH) picks the PHP to build
# for; its php binary is found next to it (or PHP_BIN). CARGO (default cargo).
# Needs a Rust toolchain, clang/libclang (ext-php-rs runs bindgen on PHP's
# headers) and the PHP headers (php-dev / the php image's include dir).
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/swoole.so
profile=release
while (($#)); do
    case $1 in
        --out) out=$2; shift 2 ;;
        --debug) profile=debug; shift ;;
        *) echo "build-ext: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

cargo=${CARGO:-cargo}
php_config=${PHP_CONFIG:-$(command -v php-config || true)}
if [[ -z $php_config || ! -x $php_config ]]; then
    echo "build-ext: php-config not found (install php-dev, or set PHP_CONFIG)" >&2
    exit 1
fi
# The php binary that belongs to this php-config: ext-php-rs asks it for the
# API version and the build's thread safety.
php_bin=${PHP_BIN:-$("$php_config" --php-binary 2>/dev/null || true)}
if [[ -z $php_bin || ! -x $php_bin ]]; then
    php_bin=$(command -v php)
fi
echo "build-ext: PHP $("$php_config" --version) ($php_bin), $profile build -> $out"

flags=()
[[ $profile == release ]] && flags+=(--release)
# ext-php-rs's build script finds php on PATH unless told: tell it only when a
# PHP was picked (changing these variables makes cargo rebuild ext-php-rs).
env=()
[[ -n ${PHP_CONFIG:-} ]] && env=(PHP="$php_bin" PHP_CONFIG="$php_config")
env "${env[@]}" "$cargo" build --lib "${flags[@]}"

mkdir -p "$(dirname "$out")"
[[ $(dirname "$out") == build ]] && printf '*\n' > build/.gitignore
cp "target/$profile/libswoole.so" "$out.tmp"
mv -f "$out.tmp" "$out"

# The extension must load into the PHP it was built for and say what it is.
if ! "$php_bin" -n -d "extension=$(realpath "$out")" -r 'exit(extension_loaded("swoole") ? 0 : 1);'; then
    echo "build-ext: $out does not load into $php_bin" >&2
    exit 1
fi
"$php_bin" -n -d "extension=$(realpath "$out")" -r 'echo "build-ext: loaded swoole-rs ", phpversion("swoole") === false ? "?" : SWOOLE_VERSION, " API into PHP ", PHP_VERSION, "\n";'
