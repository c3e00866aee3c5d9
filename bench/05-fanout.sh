#!/usr/bin/env bash
# Benchmark 5: fan-out. Ingest of BENCH_FANOUT_ROWS rows through the whole
# pipeline (csv-producer tailing a fresh file -> Kafka -> consumer-dashboard),
# timed from the producer's start until the dashboard shows count == N:
#   A. with no viewer;
#   B. with BENCH_VIEWERS (1000) WebSocket viewers connected throughout
#      (bench/ws-viewers.js), recording each update's push delay (receipt -
#      the snapshot's generated_ms);
#   C. still on B's dashboard: append-to-viewer latency across all viewers,
#      rows appended at BENCH_LAT_RATE (200/s) (bench/ws-latency.js).
# Each phase has its own topic, file and dashboard. Target: B's ingest rate
# within 10 % of A's.
#
# BENCH_PERF=1 also samples the whole machine with perf for BENCH_PERF_SECONDS
# (8) of phase B's ingest and writes where the CPU went (by command, and the
# dashboard's top symbols) to bench/results/fanout-perf-<run>.txt.
#
#   BENCH_FANOUT_ROWS=1000000 BENCH_VIEWERS=1000 bench/05-fanout.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init fanout
need_binaries "$PRODUCER" "$DASHBOARD"
# shellcheck source=lib/node.sh
source "$BENCH_LIB/node.sh"

N=${BENCH_FANOUT_ROWS:-1000000}
VIEWERS=${BENCH_VIEWERS:-1000}
RATE=${BENCH_LAT_RATE:-200}
LAT_SAMPLES=${BENCH_FANOUT_LAT_SAMPLES:-1000}
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_FANOUT_ROWS=$N BENCH_VIEWERS=$VIEWERS BENCH_LAT_RATE=$RATE BENCH_FANOUT_LAT_SAMPLES=$LAT_SAMPLES bench/05-fanout.sh"
# Room for the viewers, the latency client and HTTP polling.
MAXCONN=$((VIEWERS + 100))

SRC=$(csv_rows "$N")
ROWS=$(data_rows "$SRC")
broker_start

# ingest PHASE: fresh topic + dashboard + tailing producer on a copy of SRC;
# with viewers when VIEWER_COUNT > 0. Sets INGEST_SECS, LIVE_FILE.
ingest() {
    local phase=$1 topic=fan-$1 t0 out t1 count
    LIVE_FILE=$BENCH_WORK/live-$phase.csv
    cp -- "$SRC" "$LIVE_FILE.tmp"
    topic_create "$topic"
    dashboard_start "$topic" --log-level warn --max-connections "$MAXCONN"
    "$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count 0 --timeout 60 --pid "$DASH_PID" >/dev/null ||
        die "dashboard did not start (log: $BENCH_WORK/dashboard-$topic.log)"
    VIEWERS_PID=""
    if ((VIEWER_COUNT > 0)); then
        log "phase $phase: connecting $VIEWER_COUNT viewers"
        local ready=$BENCH_WORK/viewers-ready-$phase
        bench_spawn "viewers-$phase" node "$BENCH_DIR/ws-viewers.js" \
            --url "${DASH_URL/http:/ws:}/ws" --viewers "$VIEWER_COUNT" --ready-file "$ready"
        VIEWERS_PID=$SPAWNED_PID
        local n=0
        while [[ ! -s "$ready" ]] && ((n < 1200)); do
            kill -0 "$VIEWERS_PID" 2>/dev/null || die "ws-viewers exited: $(cat "$BENCH_WORK/viewers-$phase.log")"
            sleep 0.1
            n=$((n + 1))
        done
        [[ -s "$ready" ]] || die "viewers did not connect within 120 s"
        log "phase $phase: $(cat "$ready") viewers connected"
    fi
    mv -f -- "$LIVE_FILE.tmp" "$LIVE_FILE"
    log "phase $phase: ingesting $ROWS rows"
    t0=$(now)
    # shellcheck disable=SC2086 # BENCH_PRODUCER_ARGS is a list of words
    bench_spawn "producer-$phase" "$PRODUCER" -b "$BROKER" -t "$topic" -f "$LIVE_FILE" \
        --state-dir "$BENCH_WORK/state-$phase" --log-level warn ${BENCH_PRODUCER_ARGS:-}
    PROD_PID=$SPAWNED_PID
    PERF_PID=""
    if [[ "${BENCH_PERF:-0}" == 1 && "$phase" == b ]]; then
        bench_spawn perf-fanout perf record -q -a -g -F 199 -e cpu-clock \
            -o "$BENCH_WORK/fanout.perf" -- sleep "${BENCH_PERF_SECONDS:-8}"
        PERF_PID=$SPAWNED_PID
    fi
    out=$("$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count "$ROWS" --timeout 900 \
        --interval 0.02 --pid "$DASH_PID") || die "dashboard did not reach $ROWS rows"
    read -r t1 _ count _ <<<"$out"
    INGEST_SECS=$(elapsed "$t0" "$t1")
    log "phase $phase: $count rows shown after ${INGEST_SECS}s"
}

# A: no viewers.
VIEWER_COUNT=0
ingest a
secs_a=$INGEST_SECS
bench_stop "$PROD_PID"
bench_stop "$DASH_PID"
rate_a=$(calc "$ROWS / $secs_a" %.0f)

# B: with viewers.
VIEWER_COUNT=$VIEWERS
ingest b
secs_b=$INGEST_SECS
rate_b=$(calc "$ROWS / $secs_b" %.0f)
kill -TERM "$VIEWERS_PID"
wait "$VIEWERS_PID" 2>/dev/null || true
vjs=$(tail -n 1 "$BENCH_WORK/viewers-b.log")
log "viewers: $vjs"
read -r connected closed upd_min upd_mean bytes d50 d99 dmax < <(json_get "$vjs" connected closed \
    updates_per_viewer_min updates_per_viewer_mean mean_update_bytes push_delay_ms.p50 \
    push_delay_ms.p99 push_delay_ms.max)

ratio=$(calc "$rate_b / $rate_a" %.2f)
result "fan-out: ingest $ROWS rows, no viewer (producer start to dashboard count == N)" "$rate_a rows/s ($secs_a s)"
result "fan-out: ingest $ROWS rows, $VIEWERS viewers connected" "$rate_b rows/s ($secs_b s)"
result "fan-out: ingest rate with / without viewers" "$ratio" "x" ">= 0.90" "$(verdict_ge "$ratio" 0.9)"
result "fan-out: viewers during ingest" \
    "$connected of $VIEWERS stayed connected ($closed closed); updates per viewer min $upd_min mean $upd_mean; $bytes bytes per update"
result "fan-out: update push delay during ingest (receipt - generated_ms)" "p50 $d50 ms, p99 $d99 ms, max $dmax ms"

if [[ -n "$PERF_PID" ]]; then
    wait "$PERF_PID" 2>/dev/null || true
    pout=$BENCH_RESULTS/fanout-perf-$BENCH_RUN_ID.txt
    {
        echo "# whole machine, ${BENCH_PERF_SECONDS:-8} s of phase B ($VIEWERS viewers, ingest)"
        perf report -i "$BENCH_WORK/fanout.perf" --stdio --no-children --sort comm -g none 2>/dev/null |
            grep -v '^#' | grep -v '^$' | head -n 20 || true
        echo "# consumer-dashboard threads by symbol"
        perf report -i "$BENCH_WORK/fanout.perf" --stdio --no-children --comm consumer-dashbo,civetweb-worker,rdk:broker1 \
            --sort comm,dso,sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 30 || true
    } >"$pout"
    log "fan-out profile: $pout"
fi

# C: append latency at every viewer, on B's dashboard (B's viewers closed).
if ((LAT_SAMPLES > 0)); then
    log "phase c: $LAT_SAMPLES rows at $RATE/s, $VIEWERS viewers"
    js=$(node "$BENCH_DIR/ws-latency.js" --url "${DASH_URL/http:/ws:}/ws" --file "$LIVE_FILE" \
        --rate "$RATE" --samples "$LAT_SAMPLES" --viewers "$VIEWERS" \
        --start-id $((ROWS + 1)) --timeout-s 300) || die "ws-latency failed: $js"
    log "$js"
    read -r n p50 p99 mx missing < <(json_get "$js" all.n all.p50_ms all.p99_ms all.max_ms missing_samples)
    result "fan-out: write() to update at all $VIEWERS viewers, $RATE rows/s ($n samples, $missing missing)" \
        "p50 $p50 ms, p99 $p99 ms, max $mx ms"
fi
bench_finish
