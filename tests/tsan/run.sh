#!/usr/bin/env bash
# run.sh: consumer-dashboard's threaded parts under ThreadSanitizer.
#
# Configures build-tsan (clang, -Db_sanitize=thread) if missing, builds the
# dashboard and the unit tests, runs the unit tests, then drive.py: a real
# broker, the TSan dashboard, rows produced with kcat while concurrent HTTP
# clients and WebSocket viewers come and go, then a clean SIGTERM. Any
# "WARNING: ThreadSanitizer" (TSAN_OPTIONS=halt_on_error=1) fails the run.
# Longer runs: TSAN_SECONDS=300 tests/tsan/run.sh (default 20).
# Prints "N passed, N failed" as its last line.
set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=${TSAN_BUILD_DIR:-$ROOT/build-tsan}
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$ROOT/tests/tsan/suppressions.txt ${TSAN_OPTIONS:-}"

fail_setup() {
    echo "$1"
    echo "0 passed, 1 failed"
    exit 1
}

if [[ ! -f "$BUILD/build.ninja" ]]; then
    # -Wno-gnu-statement-expression: clang's -Wpedantic flags librdkafka's
    # RD_KAFKA_V_* macros, which gcc accepts; the rest stays -Werror.
    CC=clang meson setup "$BUILD" "$ROOT" -Db_sanitize=thread -Db_lundef=false \
        -Dc_args=-Wno-gnu-statement-expression >"$BUILD.setup.log" 2>&1 ||
        fail_setup "$(tail -n 20 "$BUILD.setup.log"; echo "tsan: meson setup failed")"
fi
ninja -C "$BUILD" build.ninja >/dev/null 2>&1
# The dashboard and every unit test; not the producer (single-threaded).
mapfile -t targets < <(ninja -C "$BUILD" -t targets all 2>/dev/null |
    sed -n 's|^\(consumer-dashboard/consumer-dashboard\|tests/unit/[A-Za-z0-9_/]*/test_[A-Za-z0-9_]*\|tests/unit/test_[A-Za-z0-9_]*\): .*|\1|p' |
    sort -u)
ninja -C "$BUILD" "${targets[@]}" >"$BUILD/tsan-build.log" 2>&1 ||
    fail_setup "$(tail -n 30 "$BUILD/tsan-build.log"; echo "tsan: build failed")"

# librdkafka's C11 threads are invisible to clang 14's TSan without this
# (see c11threads_shim.c); the dashboard runs with it preloaded.
SHIM="$BUILD/c11threads_shim.so"
clang -shared -fPIC -O1 -Wall -Werror -o "$SHIM" "$ROOT/tests/tsan/c11threads_shim.c" \
    -lpthread >"$BUILD/shim-build.log" 2>&1 ||
    fail_setup "$(cat "$BUILD/shim-build.log"; echo "tsan: shim build failed")"
export TSAN_PRELOAD="$SHIM"

pass=0
fail=0

# Unit tests (the pure cores; cheap, and any threaded one added later).
for t in "$BUILD"/tests/unit/test_* "$BUILD"/tests/unit/*/test_*; do
    [[ -f "$t" && -x "$t" ]] || continue
    if "$t" >"$BUILD/unit.log" 2>&1 && ! grep -q "WARNING: ThreadSanitizer" "$BUILD/unit.log"; then
        pass=$((pass + 1))
    else
        echo "FAIL tsan unit ${t#"$BUILD"/}"
        tail -n 40 "$BUILD/unit.log"
        fail=$((fail + 1))
    fi
done

out=$(CSV_BUILD_DIR="$BUILD" python3 "$ROOT/tests/tsan/drive.py" 2>&1)
echo "$out" | tail -n 80
p=$(echo "$out" | sed -n 's/^tsan-drive: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -n 1)
f=$(echo "$out" | sed -n 's/^tsan-drive: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -n 1)
if [[ -z "$p" ]]; then
    p=0
    f=1
fi
pass=$((pass + p))
fail=$((fail + f))
echo "$pass passed, $fail failed"
((fail == 0))
