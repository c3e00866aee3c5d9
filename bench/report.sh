#!/usr/bin/env bash
# report.sh RESULT_FILE COMMAND [TOTAL_SECONDS]
# Appends one run's results (the TSV lines written by the bench scripts) to
# docs/benchmarks.md as a markdown table, with the date, the machine and the
# versions, and the command that reproduces it.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
RESULT_FILE=$1
COMMAND=$2
TOTAL=${3:-}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
BUILD=${BENCH_BUILD_DIR:-$ROOT/build}

[[ -s "$RESULT_FILE" ]] || {
    echo "report.sh: no results in $RESULT_FILE" >&2
    exit 1
}

version_of() { "$@" --version 2>/dev/null | head -n 1 || true; }
rdkafka=$(pkg-config --modversion rdkafka 2>/dev/null || echo "?")
kcat_v=$(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\).*/\1/p' | head -n 1)
kafka_v=$(sed -n 's/^readonly KAFKA_VERSION=//p' "$ROOT/deploy/kafka/kafka-local")
prod_v=$(version_of "$BUILD/producer/csv-producer")
dash_v=$(version_of "$BUILD/consumer-dashboard/consumer-dashboard")
buildtype=$(meson introspect "$BUILD" --buildoptions 2>/dev/null |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' \
        2>/dev/null || echo "?")
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | head -c 1)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
java_v=$(java -version 2>&1 | head -n 1 | sed 's/"//g')

{
    printf '\n### Run %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    # shellcheck disable=SC2016 # the backquotes are markdown
    printf -- '- Command: `%s`%s\n' "$COMMAND" "${TOTAL:+ (took ${TOTAL} s)}"
    printf -- '- Machine: %s cores (%s), %s memory, %s\n' "$(nproc)" "$cpu" "$mem" "$(uname -sr)"
    printf -- '- Versions: librdkafka %s, kcat %s, Apache Kafka %s (%s), %s, %s; build %s; commit %s%s\n' \
        "$rdkafka" "${kcat_v:-?}" "$kafka_v" "$java_v" "${prod_v:-csv-producer ?}" \
        "${dash_v:-consumer-dashboard ?}" "$buildtype" "$commit" "${dirty:+ + uncommitted changes}"
    printf '\n| benchmark | measurement | value | target | verdict |\n'
    printf '|---|---|---|---|---|\n'
    while IFS=$'\x1f' read -r name metric value unit target verdict _cmd; do
        printf '| %s | %s | %s%s | %s | %s |\n' "$name" "$metric" "$value" \
            "${unit:+ $unit}" "${target:--}" "${verdict:--}"
    done <"$RESULT_FILE"
} >>"$DOC"
echo "report.sh: appended $(wc -l <"$RESULT_FILE") results to $DOC" >&2
