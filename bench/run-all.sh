#!/usr/bin/env bash
# Runs every benchmark (each script starts and stops its own local Kafka
# broker on free ports) and appends one table with all figures to
# docs/benchmarks.md. Sizes come from the environment (see each script and
# docs/benchmarks.md); the defaults fit in 15 minutes on 2 cores once the
# data files are cached (the first run also generates them, ~3 minutes).
#
#   bench/run-all.sh                 # everything
#   bench/run-all.sh 01 03           # only the scripts whose names start so
#
# Needs: the build (ninja -C build), kcat, java (for the broker), node + npm
# (the pinned `ws` package is installed into bench/node_modules on first
# use), python3, GNU time.
set -euo pipefail
BENCH_DIR=$(cd -- "$(dirname -- "$0")" && pwd -P)
ROOT=$(dirname -- "$BENCH_DIR")

# Defaults for a full run within the 15-minute budget.
export BENCH_ROWS=${BENCH_ROWS:-1000000}
export BENCH_REPEAT=${BENCH_REPEAT:-2}
export BENCH_REPLAY_ROWS=${BENCH_REPLAY_ROWS:-1000000 10000000}
export BENCH_PRODUCER_MB=${BENCH_PRODUCER_MB:-100 1024}
export BENCH_FANOUT_ROWS=${BENCH_FANOUT_ROWS:-1000000}
export BENCH_VIEWERS=${BENCH_VIEWERS:-1000}

for tool in kcat java node npm python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "run-all.sh: $tool is missing" >&2
        exit 1
    }
done

BENCH_RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)-all
export BENCH_RUN_ID
results=${BENCH_RESULTS:-$ROOT/bench/results}/$BENCH_RUN_ID.tsv

scripts=()
for s in "$BENCH_DIR"/[0-9][0-9]-*.sh; do
    if (($# == 0)); then
        scripts+=("$s")
    else
        for want in "$@"; do
            [[ "$(basename -- "$s")" == "$want"* ]] && scripts+=("$s")
        done
    fi
done

command="bench/run-all.sh${*:+ $*}"
for v in BENCH_ROWS BENCH_REPEAT BENCH_REPLAY_ROWS BENCH_PRODUCER_MB BENCH_FANOUT_ROWS BENCH_VIEWERS \
    BENCH_PARTITIONS BENCH_LAT_RATE BENCH_LAT_SAMPLES BENCH_PAGE_REQUESTS BENCH_PRODUCER_ARGS \
    BENCH_DASHBOARD_ARGS; do
    [[ -n "${!v:-}" ]] && command="$v=\"${!v}\" $command"
done

start=$SECONDS
failed=0
for s in "${scripts[@]}"; do
    name=$(basename -- "$s")
    t=$SECONDS
    echo "=== $name" >&2
    if ! "$s"; then
        echo "run-all.sh: $name FAILED" >&2
        failed=$((failed + 1))
    fi
    echo "=== $name took $((SECONDS - t)) s" >&2
done
total=$((SECONDS - start))
echo "run-all.sh: all benchmarks took $total s" >&2
if [[ -s "$results" ]]; then
    "$BENCH_DIR/report.sh" "$results" "$command" "$total"
    column -t -s $'\x1f' -o ' | ' "$results" | cut -c1-220 >&2 || true
fi
exit $((failed > 0))
