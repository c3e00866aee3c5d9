#!/usr/bin/env bash
# run.sh: short libFuzzer runs of every target (FUZZ_SECONDS each, default
# 15), each from its seed corpus in tests/fuzz/corpus/<target>. A crash, leak
# or sanitizer report fails the target and leaves the input in
# build-fuzz/crashes/. Longer runs: FUZZ_SECONDS=3600 tests/fuzz/run.sh.
# A target with a tests/fuzz/gen_<target>.py also starts from inputs that
# script writes (FUZZ_GEN_COUNT of them, from FUZZ_GEN_SEED).
set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD="$ROOT/build-fuzz"
SECONDS_EACH=${FUZZ_SECONDS:-15}

if [[ ! -f "$BUILD/build.ninja" ]]; then
    CC=clang meson setup "$BUILD" "$ROOT" -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || {
        echo "0 passed, 1 failed"
        exit 1
    }
fi
# Only the fuzz targets: the services themselves are not needed here, and
# a clang warning in them must not stop the fuzzing.
ninja -C "$BUILD" build.ninja >/dev/null 2>&1 # regenerate after meson.build edits
mapfile -t targets < <(ninja -C "$BUILD" -t targets all 2>/dev/null |
    sed -n 's|^\(tests/fuzz/fuzz_[A-Za-z0-9_]*\): .*|\1|p' | sort -u)
((${#targets[@]})) && ninja -C "$BUILD" "${targets[@]}" >"$BUILD/fuzz-build.log" 2>&1 || {
    tail -n 30 "$BUILD/fuzz-build.log"
    echo "fuzz build failed"
    echo "0 passed, 1 failed"
    exit 1
}

# UndefinedBehaviorSanitizer only prints by default: a report must fail
# the target (it let a bool read of an unset value pass).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

pass=0
fail=0
mkdir -p "$BUILD/crashes"
for exe in "$BUILD"/tests/fuzz/fuzz_*; do
    [[ -f "$exe" && -x "$exe" ]] || continue
    name=${exe##*/fuzz_}
    corpus=$(mktemp -d)
    cp "$ROOT/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
    gen="$ROOT/tests/fuzz/gen_$name.py"
    if [[ -x "$gen" ]]; then
        # Structured inputs, different each run (the seed is printed).
        gen_seed=${FUZZ_GEN_SEED:-$RANDOM}
        python3 "$gen" "$corpus" "${FUZZ_GEN_COUNT:-3000}" "$gen_seed"
        echo "     fuzz $name: ${FUZZ_GEN_COUNT:-3000} generated inputs, FUZZ_GEN_SEED=$gen_seed"
    fi
    if "$exe" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
        -rss_limit_mb=1024 -artifact_prefix="$BUILD/crashes/$name-" \
        "$corpus" >"$BUILD/$name.log" 2>&1; then
        echo "ok   fuzz $name ($(grep -c . "$BUILD/$name.log" | tr -d ' ') log lines, $(ls "$corpus" | wc -l) corpus inputs)"
        pass=$((pass + 1))
    else
        echo "FAIL fuzz $name: see $BUILD/$name.log"
        # The input itself, so a failure seen only in a CI log can be
        # replayed: base64 -d >in && build-fuzz/tests/fuzz/fuzz_NAME in
        input=$(ls -t "$BUILD/crashes/$name-"* 2>/dev/null | head -n 1)
        if [[ -n "$input" ]]; then
            echo "input $(stat -c %s "$input") bytes, base64:"
            base64 -w 0 "$input" | head -c 12000
            echo
        fi
        tail -n 30 "$BUILD/$name.log"
        fail=$((fail + 1))
    fi
    rm -rf "$corpus"
done
echo "$pass passed, $fail failed"
((fail == 0))
