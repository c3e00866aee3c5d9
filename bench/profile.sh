#!/usr/bin/env bash
# profile.sh producer|dashboard : where the CPU goes, with perf (cpu-clock
# sampling, call graphs), for the "what limits this figure" notes in
# docs/benchmarks.md. Not part of run-all.sh.
#
#   producer : csv-producer --exit-at-eof loading BENCH_ROWS rows
#   dashboard: consumer-dashboard replaying a topic of BENCH_ROWS rows
#              until caught up
#
# Output: the flat and the caller-folded top of the profile on stdout and
# in bench/results/profile-<what>-<time>.txt (perf.data in the scratch dir
# with BENCH_KEEP_WORK=1).
#   BENCH_ROWS=1000000 bench/profile.sh producer
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
WHAT=${1:?usage: profile.sh producer|dashboard}
bench_init "profile-$WHAT"
command -v perf >/dev/null || die "perf is missing (Debian: linux-perf)"
N=${BENCH_ROWS:-1000000}
FILE=$(csv_rows "$N")
ROWS=$(data_rows "$FILE")
CALLGRAPH=${BENCH_CALLGRAPH:-dwarf,16384}
FREQ=${BENCH_PERF_FREQ:-499}
OUT=$BENCH_RESULTS/profile-$WHAT-$(date -u +%Y%m%dT%H%M%SZ).txt
PERF_DATA=$BENCH_WORK/perf.data
broker_start

case $WHAT in
producer)
    MAIN_COMM=csv-producer
    need_binaries "$PRODUCER"
    topic_create prof
    log "perf record: csv-producer loading $ROWS rows"
    perf record -q --call-graph "$CALLGRAPH" -F "$FREQ" -e cpu-clock -o "$PERF_DATA" -- \
        "$PRODUCER" -b "$BROKER" -t prof -f "$FILE" --state-dir "$BENCH_WORK/state" \
        --exit-at-eof --log-level warn >"$BENCH_WORK/producer.log" 2>&1
    ;;
dashboard)
    MAIN_COMM=""
    need_binaries "$PRODUCER" "$DASHBOARD"
    topic_create prof
    log "loading $ROWS rows with csv-producer (not profiled)"
    producer_load "$FILE" prof >/dev/null
    port=$(free_port)
    bench_spawn perf perf record -q --call-graph "$CALLGRAPH" -F "$FREQ" -e cpu-clock -o "$PERF_DATA" -- \
        "$DASHBOARD" -b "$BROKER" -t prof --listen "127.0.0.1:$port" --log-level warn
    perf_pid=$SPAWNED_PID
    "$PY" "$BENCHPY" wait-count --url "http://127.0.0.1:$port" --count "$ROWS" \
        --timeout 600 >/dev/null
    log "caught up; stopping"
    # SIGINT to perf's process group ends the dashboard and lets perf write.
    kill -INT -- -"$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    ;;
*) die "unknown target '$WHAT' (producer or dashboard)" ;;
esac

report() { perf report -i "$PERF_DATA" --stdio "$@" 2>/dev/null | grep -v '^#' | grep -v '^$' || true; }
{
    echo "# perf profile of $WHAT, $ROWS rows, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
    echo "## self time by thread"
    report --no-children --sort comm -g none | head -n 15
    echo "## self time by symbol (top 40)"
    report --no-children --sort comm,dso,sym -g none | head -n 40
    echo "## inclusive time by symbol${MAIN_COMM:+, thread $MAIN_COMM} (top 50)"
    report --children ${MAIN_COMM:+--comm "$MAIN_COMM"} --sort sym -g none | head -n 50
    echo "## callers of the top self-time symbols (folded, top 60 lines)"
    report --no-children --sort sym -g caller,0.5,callee,function,percent --percent-limit 3 | head -n 60
} >"$OUT"
cat "$OUT"
log "profile written to $OUT"
