#!/usr/bin/env bash
# setup.sh: install what the project needs and build it. Idempotent: the
# second run installs nothing and only lets ninja rebuild what changed.
#
#   deploy/setup.sh            system packages, Kafka jars, release build
#   deploy/setup.sh --tests    also the test tools and the sanitizer build
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
WANT_TESTS=0
[[ "${1:-}" == "--tests" ]] && WANT_TESTS=1

# Debian packages: build, runtime, and the local broker's JVM and Maven.
PACKAGES=(gcc meson ninja-build pkg-config python3
          librdkafka-dev libuv1-dev libcsv-dev libcivetweb-dev libcjson-dev libxxhash-dev libgmp-dev
          libmimalloc-dev libjemalloc-dev
          libjs-chart.js openjdk-17-jre-headless maven)
TEST_PACKAGES=(kcat clang clang-format chromium libclang-rt-14-dev curl
               shellcheck python3-venv python3-pip openssl util-linux
               iproute2)

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

missing_packages() {
    local p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q "install ok installed"; then
            printf '%s\n' "$p"
        fi
    done
}

install_packages() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

install_packages "${PACKAGES[@]}"
if ((WANT_TESTS)); then
    install_packages "${TEST_PACKAGES[@]}"
    # Node.js may come with its own npm (not Debian's); take Debian's only
    # when there is none.
    if ! command -v npm >/dev/null 2>&1; then
        install_packages nodejs npm
    fi
    # pytest may come from the system or from the machine's own Python.
    if ! python3 -m pytest --version >/dev/null 2>&1; then
        install_packages python3-pytest
    fi
fi

"$ROOT/deploy/kafka/kafka-local" fetch

build() {
    local dir=$1
    shift
    if [[ ! -f "$ROOT/$dir/build.ninja" ]]; then
        meson setup "$ROOT/$dir" "$ROOT" "$@" >&2
    fi
    ninja -C "$ROOT/$dir" >&2
}

build build
if ((WANT_TESTS)); then
    build build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
say "ready"
