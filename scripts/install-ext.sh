#!/usr/bin/env bash
# Installs a built swoole.so into a PHP: the extension file into PHP's
# extension dir (its extension_dir setting), and an ini file that loads it into
# PHP's scan directory. `make install` runs it, and so does docker/Dockerfile's runtime stage.
#
#   scripts/install-ext.sh [path/to/swoole.so]      (default build/swoole.so)
#
# Environment:
#   PHP_CONFIG     the PHP to install into (default: php-config on PATH, or without
#                  one the php on PATH)
#   EXTENSION_DIR  where swoole.so goes (default: PHP's extension_dir, as
#                  `php -r 'echo ini_get("extension_dir");'`, else php-config --extension-dir)
#   INI_DIR        where the ini file goes (default: PHP's scan dir, PHP_CONFIG_FILE_SCAN_DIR)
#   INI_NAME       the ini file's name (default 20-swoole.ini)
#   FORCE=1        replace a real Swoole without asking (a backup is kept)
#
# A real Swoole (an extension named swoole that is not swoole-rs) is never
# replaced silently: when one is installed or loaded, the script asks on a
# terminal and refuses otherwise, unless FORCE=1. Upgrading swoole-rs is silent.
set -euo pipefail

src=${1:-build/swoole.so}
marker="swoole-rs"   # in every swoole-rs build (php --ri swoole prints it)

die() { echo "install-ext: $*" >&2; exit 1; }

[[ -f $src ]] || die "$src not found (run make build first)"
grep -q -a "$marker" "$src" || die "$src is not a swoole-rs build"

# The PHP to install into: php-config's when there is one (it names its php
# binary), else the php on PATH (a PHP without its -dev package, as Debian's
# php8.2-cli alone: no php-config there).
php_config=${PHP_CONFIG:-$(command -v php-config || true)}
[[ -z ${PHP_CONFIG:-} || -x $PHP_CONFIG ]] || die "PHP_CONFIG=$PHP_CONFIG is not an executable"
php_bin=
if [[ -n $php_config ]]; then
    php_bin=$("$php_config" --php-binary 2>/dev/null || true)
fi
[[ -n $php_bin && -x $php_bin ]] || php_bin=$(command -v php || true)
[[ -n $php_bin ]] || die "no php found (install php-cli, or set PHP_CONFIG)"
# The directory this PHP loads extension=swoole.so from; php-config's when PHP
# cannot tell.
default_ext_dir=$("$php_bin" -d display_errors=stderr -d display_startup_errors=0 \
    -r 'echo ini_get("extension_dir");' 2>/dev/null || true)
if [[ -z $default_ext_dir && -n $php_config ]]; then
    default_ext_dir=$("$php_config" --extension-dir)
fi
[[ -n $default_ext_dir ]] || die "cannot tell $php_bin's extension dir; set EXTENSION_DIR"
ext_dir=${EXTENSION_DIR:-$default_ext_dir}
ini_dir=${INI_DIR:-$("$php_bin" -n -r 'echo PHP_CONFIG_FILE_SCAN_DIR;')}
ini_name=${INI_NAME:-20-swoole.ini}
[[ -n $ini_dir ]] || die "this PHP has no ini scan directory; set INI_DIR"
target="$ext_dir/swoole.so"

confirm() {
    # $1: what is there. Yes only with FORCE=1 or a "y" typed on a terminal.
    echo "install-ext: $1" >&2
    if [[ ${FORCE:-0} == 1 ]]; then
        echo "install-ext: FORCE=1: replacing it" >&2
        return 0
    fi
    if [[ -t 0 ]]; then
        local answer
        read -r -p "Replace it with swoole-rs? [y/N] " answer
        [[ $answer == y || $answer == Y || $answer == yes ]] && return 0
    fi
    die "not replacing it (run again with FORCE=1 to replace it; the old file is kept as a backup)"
}

# 1. A real Swoole's swoole.so where ours would go.
if [[ -e $target ]] && ! grep -q -a "$marker" "$target"; then
    confirm "$target exists and is not swoole-rs (a real Swoole?)"
    backup="$target.before-swoole-rs.$(date +%Y%m%d%H%M%S)"
    cp -p "$target" "$backup"
    echo "install-ext: kept the old file as $backup"
fi

# 2. A real Swoole loaded by this PHP's configuration from some other file: two
# extensions named swoole cannot both load.
# (Outputs captured before grep: see the check at the end.)
if [[ -z ${INI_DIR:-} ]] && grep -qx swoole <<<"$("$php_bin" -m 2>/dev/null || true)" \
    && ! grep -q "$marker" <<<"$("$php_bin" --ri swoole 2>/dev/null || true)"; then
    confirm "this PHP already loads a Swoole that is not swoole-rs ($("$php_bin" -r 'echo phpversion("swoole");' 2>/dev/null)); disable it first (Debian: phpdismod swoole), or"
fi

mkdir -p "$ext_dir" "$ini_dir"
install -m 0755 "$src" "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "install-ext: installed $target"

# An ini file that already loads swoole (ours from an earlier install, or one a
# package left) is kept: a second extension=swoole line would load it twice.
existing=$(grep -l -E '^[[:space:]]*extension[[:space:]]*=[[:space:]]*"?([^"]*/)?swoole(\.so)?"?[[:space:]]*$' "$ini_dir"/*.ini 2>/dev/null | head -n1 || true)
if [[ -n $existing ]]; then
    echo "install-ext: $existing already loads swoole; left as it is"
else
    if [[ $ext_dir == "$default_ext_dir" ]]; then
        line="extension=swoole.so"
    else
        line="extension=$target"
    fi
    printf '; swoole-rs: a Rust implementation of the Swoole WebSocket server API\n%s\n' "$line" \
        > "$ini_dir/$ini_name"
    echo "install-ext: wrote $ini_dir/$ini_name"
fi

# The installed extension must load with this configuration.
check=("$php_bin")
if [[ -n ${INI_DIR:-} ]]; then
    check=(env "PHP_INI_SCAN_DIR=$ini_dir" "$php_bin")
fi
[[ $ext_dir != "$default_ext_dir" ]] && check+=(-d "extension_dir=$ext_dir")
# Captured first: `php | grep -q` under pipefail fails whenever grep stops
# reading early and php gets SIGPIPE.
ri=$("${check[@]}" --ri swoole 2>&1 || true)
if ! grep -q "$marker" <<<"$ri"; then
    die "installed, but '${check[*]} --ri swoole' does not show swoole-rs"
fi
echo "install-ext: done: $("${check[@]}" -r 'echo "PHP ", PHP_VERSION, " loads swoole-rs (Swoole API ", SWOOLE_VERSION, ")";')"
