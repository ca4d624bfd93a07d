# swoole-rs: build, run and test.
#
#   make deps      install the system packages the build and tests need (apt; skipped when present)
#   make build     cargo build --release, then build/swoole.so (scripts/build-ext.sh)
#   make install   build, then install swoole.so into this PHP (extension dir + ini file;
#                  refuses to replace a real Swoole unless FORCE=1 or you answer yes)
#   make run       build, then serve examples/echo_server.php on 0.0.0.0:9501
#   make test      build + cargo test + PHP end-to-end tests (Autobahn and headless Chromium
#                  included) + a short fuzz pass: what CI runs, via .ci/run
#   make test-php  only the PHP tests, against $(SWOOLE_SO), without building
#   make lint      cargo fmt --check and cargo clippy -D warnings
#   make autobahn  build, install the Autobahn testsuite (cached), run it: plain, compression, takeover
#   make diff-swoole SWOOLE_REF=...  the PHP tests on our build and on Swoole's, differences listed
#
# Variables: SWOOLE_SO (extension the PHP tests load; default build/swoole.so),
# PYTEST_ARGS (extra pytest arguments, e.g. PYTEST_ARGS='-k disconnect -x'), PHP, CARGO.
# The PHP tests use SWTEST_PHP (default: php) as the php binary.
# Quick iteration on a debug build:
#   cargo build && make test-php SWOOLE_SO=target/debug/libswoole.so PYTEST_ARGS='-k handshake'

SHELL := /bin/bash
.DEFAULT_GOAL := build

PHP         ?= php
CARGO       ?= cargo
SWOOLE_SO   ?= $(CURDIR)/build/swoole.so
PYTEST_ARGS ?=
VENV        := $(CURDIR)/.venv

# PHP is not exported: ext-php-rs's build script reads $PHP as the path of the php binary.
export CARGO SWOOLE_SO PYTEST_ARGS VENV

.PHONY: deps build install run venv test test-rust test-php lint clean

deps:
	@bash scripts/deps.sh

# scripts/build-ext.sh is also docker/Dockerfile's build step.
build: deps
	@bash scripts/build-ext.sh --out build/swoole.so

# Into your own PHP: php-config --extension-dir, plus an ini file in PHP's scan dir.
install: build
	@bash scripts/install-ext.sh build/swoole.so

run: build
	$(PHP) -d extension=$(CURDIR)/build/swoole.so examples/echo_server.php

venv: deps
	@bash scripts/venv.sh

test: build venv
	@bash scripts/test.sh all

test-rust: deps
	@bash scripts/test.sh rust

test-php: venv
	@bash scripts/test.sh php

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy -- -D warnings

clean:
	rm -rf build
	$(CARGO) clean

# The differential check against Swoole itself (scripts/differential.py):
# every PHP end-to-end test on our build and on Swoole's, the differences
# listed (deliberate ones in tests-php/known-differences.txt).
#   make diff-swoole SWOOLE_REF=/path/to/swoole.so   (../shared/tools/build-swoole-ref.sh)
.PHONY: diff-swoole
diff-swoole: build venv
	@test -n "$(SWOOLE_REF)" || { echo "make diff-swoole SWOOLE_REF=/path/to/swoole.so"; exit 2; }
	@$(VENV)/bin/python scripts/differential.py --swoole "$(SWOOLE_REF)" --ours build/swoole.so

# The Autobahn WebSocket testsuite (scripts/autobahn.sh): report in build/autobahn/<config>/.
.PHONY: autobahn
autobahn: build
	@bash scripts/autobahn.sh all
