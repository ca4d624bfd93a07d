#!/usr/bin/env bash
# Creates the project-local virtualenv for the PHP end-to-end tests (.venv/) and
# installs tests-php/requirements.txt into it, only when the pins changed.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VENV:-$PWD/.venv}
req=tests-php/requirements.txt

if [ ! -x "$venv/bin/python" ]; then
    echo "venv: creating $venv"
    python3 -m venv "$venv"
fi
printf '*\n' > "$venv/.gitignore"   # keep the venv out of git

if ! cmp -s "$req" "$venv/.requirements.installed"; then
    echo "venv: installing $req"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req"
    cp "$req" "$venv/.requirements.installed"
fi
