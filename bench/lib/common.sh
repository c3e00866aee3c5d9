# shellcheck shell=bash
# Shared helpers for the benchmark scripts in bench/. Source it, then call
# bench_init NAME. Every process started through these helpers (broker,
# producer, dashboard, clients) is stopped by the EXIT trap, also on failure
# or Ctrl-C.
#
# Environment (all optional):
#   BENCH_BUILD_DIR   build dir with the binaries (default: <repo>/build)
#   BENCH_CACHE       cache of generated CSV files, outside the repo
#                     (default: ~/.cache/csv-kafka-dashboard/bench)
#   BENCH_RESULTS     where result lines go (default: <repo>/bench/results)
#   BENCH_PARTITIONS  partitions of every benchmark topic (default: 3)
#   BENCH_KEEP_WORK   1 keeps the scratch dir (broker data, logs) at exit
#   BENCH_PRODUCER_ARGS, BENCH_DASHBOARD_ARGS
#                     extra words for every csv-producer / consumer-dashboard
#                     command line, e.g. "-X linger.ms=0" (to try a tuning)

set -euo pipefail

BENCH_LIB=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BENCH_DIR=$(dirname -- "$BENCH_LIB")
ROOT=$(dirname -- "$BENCH_DIR")
BUILD=${BENCH_BUILD_DIR:-$ROOT/build}
PRODUCER=$BUILD/producer/csv-producer
DASHBOARD=$BUILD/consumer-dashboard/consumer-dashboard
KAFKA_LOCAL=$ROOT/deploy/kafka/kafka-local
GENERATOR=$ROOT/data/generate.py
BENCH_CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csv-kafka-dashboard/bench}
BENCH_RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}
BENCH_PARTITIONS=${BENCH_PARTITIONS:-3}
PY=${PYTHON:-python3}
BENCHPY=$BENCH_LIB/benchlib.py

BENCH_PIDS=()
BENCH_BROKER_DIR=""
BENCH_WORK=""
BROKER=""

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${BENCH_NAME:-bench}" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

now() { date +%s.%N; }
# elapsed T0 T1 -> seconds with 3 decimals
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# calc EXPR -> awk arithmetic, printed with %.6g unless a format is given
calc() { awk "BEGIN { printf \"${2:-%.6g}\", $1 }"; }

bench_cleanup() {
    local rc=$? pid i
    trap - EXIT INT TERM
    # Newest first: clients, then services, then the broker.
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${BENCH_PIDS[i]}
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${BENCH_PIDS[i]}
        local n=0
        while kill -0 "$pid" 2>/dev/null && ((n < 100)); do
            sleep 0.1
            n=$((n + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "$BENCH_BROKER_DIR" ]]; then
        "$KAFKA_LOCAL" stop --dir "$BENCH_BROKER_DIR" >/dev/null 2>&1 || true
    fi
    if [[ -n "$BENCH_WORK" && -d "$BENCH_WORK" ]]; then
        if [[ "${BENCH_KEEP_WORK:-0}" == 1 || $rc -ne 0 ]]; then
            log "scratch dir kept: $BENCH_WORK"
            # Broker data can be gigabytes: drop it even when logs are kept.
            rm -rf -- "${BENCH_BROKER_DIR:?}/data" 2>/dev/null || true
        else
            rm -rf -- "$BENCH_WORK"
        fi
    fi
    exit "$rc"
}

# bench_init NAME: scratch dir, traps, result file.
bench_init() {
    BENCH_NAME=$1
    mkdir -p -- "$BENCH_CACHE" "$BENCH_RESULTS"
    BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/csvbench-$BENCH_NAME.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # One run id groups the results of run-all.sh; a lone script has its own.
    if [[ -z "${BENCH_RUN_ID:-}" ]]; then
        BENCH_RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)-$BENCH_NAME
        BENCH_STANDALONE=1
    else
        BENCH_STANDALONE=0
    fi
    export BENCH_RUN_ID
    BENCH_RESULT_FILE=$BENCH_RESULTS/$BENCH_RUN_ID.tsv
    # Many WebSocket viewers need many descriptors.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

need_binaries() {
    local b
    for b in "$@"; do
        [[ -x "$b" ]] || die "$b is missing: build first (ninja -C $BUILD)"
    done
}

# bench_spawn LOGNAME CMD... : starts CMD in the background (own process
# group), output to $BENCH_WORK/LOGNAME.log; sets SPAWNED_PID.
bench_spawn() {
    local name=$1
    shift
    setsid "$@" </dev/null >"$BENCH_WORK/$name.log" 2>&1 &
    SPAWNED_PID=$!
    BENCH_PIDS+=("$SPAWNED_PID")
}

# bench_stop PID: SIGTERM, wait up to 30 s, then SIGKILL.
bench_stop() {
    local pid=$1 n=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((n < 300)); do
        sleep 0.1
        n=$((n + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

free_port() {
    local p
    while :; do
        p=$("$KAFKA_LOCAL" free-port)
        [[ "$p" != 9092 && "$p" != 8080 ]] && break
    done
    printf '%s\n' "$p"
}

# broker_start: a fresh single-node broker on free ports; sets BROKER.
broker_start() {
    local port cport
    port=$(free_port)
    cport=$(free_port)
    BENCH_BROKER_DIR=$BENCH_WORK/kafka
    log "starting Kafka on 127.0.0.1:$port"
    BROKER=$("$KAFKA_LOCAL" start --dir "$BENCH_BROKER_DIR" --port "$port" \
        --controller-port "$cport" --partitions "$BENCH_PARTITIONS" --owner-pid $$)
}

# topic_create NAME [TopicCommand args]: a fresh topic with BENCH_PARTITIONS
# partitions.
topic_create() {
    local name=$1
    shift
    "$KAFKA_LOCAL" topics --bootstrap-server "$BROKER" --create \
        --topic "$name" --partitions "$BENCH_PARTITIONS" --replication-factor 1 "$@" >/dev/null
}

# topic_messages TOPIC: sum of the end offsets of all partitions.
topic_messages() {
    "$PY" "$BENCHPY" end-offsets --brokers "$BROKER" --topic "$1"
}

# csv_rows N: path of a cached seed-schema CSV (header + N rows) made by the
# project's generator; generated once, then reused.
csv_rows() {
    local n=$1 f
    f=$BENCH_CACHE/person-$n.csv
    if [[ ! -s "$f" ]]; then
        [[ -f "$GENERATOR" ]] || die "data generator $GENERATOR is missing"
        log "generating $n rows into $f (cached for later runs)"
        "$PY" "$GENERATOR" --shape person --count "$n" --rate 0 --output "$f.tmp" >&2
        mv -f -- "$f.tmp" "$f"
    fi
    printf '%s\n' "$f"
}

# csv_bytes MB: a cached seed-schema CSV of about MB megabytes (MiB).
csv_bytes() {
    local mb=$1 sample n
    sample=$(csv_rows 100000)
    n=$((mb * 1048576 * 100000 / $(stat -c %s "$sample")))
    csv_rows "$n"
}

# data_rows FILE: rows in a CSV (lines minus the header), cached beside it.
data_rows() {
    local f=$1 c=$1.rows
    if [[ ! -s "$c" || "$c" -ot "$f" ]]; then
        "$PY" "$BENCHPY" count-records --file "$f" >"$c"
    fi
    cat -- "$c"
}

# dashboard_start TOPIC [extra args]: starts the dashboard on a free port;
# sets DASH_PID and DASH_URL.
# shellcheck disable=SC2034 # DASH_PID and DASH_URL are for the callers
dashboard_start() {
    local topic=$1 port
    shift
    port=$(free_port)
    # shellcheck disable=SC2086 # BENCH_DASHBOARD_ARGS is a list of words
    bench_spawn "dashboard-$topic" "$DASHBOARD" -b "$BROKER" -t "$topic" \
        --listen "127.0.0.1:$port" "$@" ${BENCH_DASHBOARD_ARGS:-}
    DASH_PID=$SPAWNED_PID
    DASH_URL=http://127.0.0.1:$port
}

# producer_load FILE TOPIC [extra args]: csv-producer with --exit-at-eof,
# in the foreground; prints "seconds maxrss_kb user_s sys_s".
producer_load() {
    local file=$1 topic=$2 state
    shift 2
    state=$BENCH_WORK/state-$topic
    rm -rf -- "$state"
    local tf=$BENCH_WORK/time-$topic
    # shellcheck disable=SC2086 # BENCH_PRODUCER_ARGS is a list of words
    /usr/bin/time -o "$tf" -f '%e %M %U %S' "$PRODUCER" -b "$BROKER" -t "$topic" -f "$file" \
        --state-dir "$state" --exit-at-eof --log-level warn "$@" ${BENCH_PRODUCER_ARGS:-} \
        >>"$BENCH_WORK/producer-$topic.log" 2>&1 ||
        die "csv-producer failed (log: $BENCH_WORK/producer-$topic.log): $(tail -n 5 "$BENCH_WORK/producer-$topic.log")"
    tail -n 1 "$tf"
}

# result METRIC VALUE UNIT [TARGET] [VERDICT] [COMMAND]: one result line.
result() {
    local metric=$1 value=$2 unit=${3:-} target=${4:-} verdict=${5:-} cmd=${6:-${BENCH_COMMAND:-}}
    printf '%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\n' "$BENCH_NAME" "$metric" "$value" "$unit" \
        "$target" "$verdict" "$cmd" >>"$BENCH_RESULT_FILE"
    log "RESULT $metric = $value $unit${target:+ (target $target: $verdict)}"
}

# bench_finish: a lone script appends its own table to docs/benchmarks.md.
bench_finish() {
    if [[ "$BENCH_STANDALONE" == 1 && "${BENCH_NO_DOC:-0}" != 1 ]]; then
        local cmd=${BENCH_COMMAND:-bench/$(basename -- "$0")} v
        for v in BENCH_DASHBOARD_ARGS BENCH_PRODUCER_ARGS BENCH_PARTITIONS; do
            [[ -n "${!v:-}" ]] && cmd="$v=\"${!v}\" $cmd"
        done
        "$BENCH_DIR/report.sh" "$BENCH_RESULT_FILE" "$cmd"
    fi
}

# ge / le A B: verdict strings for a target check.
verdict_ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "missed" }'; }
verdict_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "missed" }'; }
