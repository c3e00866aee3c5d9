#!/usr/bin/env bash
# Benchmark 3: append-to-browser latency.
# csv-producer tails a CSV, consumer-dashboard serves it, and one node
# process (bench/ws-latency.js, `ws` pinned in bench/package.json) holds a
# WebSocket viewer while it appends single rows at a steady rate; latency is
# from just before each row's write() to the first pushed update whose count
# includes the row.
#
# Then the same at a sparse rate (default 5 rows/s, 100 rows). kcat reads the
# topic alongside, to split the latency into its stages (see ws-latency.js).
#
#   BENCH_LAT_RATE=200 BENCH_LAT_SAMPLES=1000 bench/03-append-latency.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init append-latency
need_binaries "$PRODUCER" "$DASHBOARD"
# shellcheck source=lib/node.sh
source "$BENCH_LIB/node.sh"

RATE=${BENCH_LAT_RATE:-200}
SAMPLES=${BENCH_LAT_SAMPLES:-1000}
# A second, sparse phase (rows further apart than the ~100 ms push period).
SPARSE_RATE=${BENCH_LAT_SPARSE_RATE:-5}
SPARSE_SAMPLES=${BENCH_LAT_SPARSE_SAMPLES:-100}
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_LAT_RATE=$RATE BENCH_LAT_SAMPLES=$SAMPLES BENCH_LAT_SPARSE_RATE=$SPARSE_RATE BENCH_LAT_SPARSE_SAMPLES=$SPARSE_SAMPLES bench/03-append-latency.sh"

broker_start
# CreateTime (the default): the Kafka timestamp kcat prints is csv-producer's
# read time (wire format v2), which splits write->read from read->consumer.
topic_create latency
live=$BENCH_WORK/live.csv
head -n 1001 "$(csv_rows 100000)" >"$live"
# shellcheck disable=SC2086 # BENCH_PRODUCER_ARGS is a list of words
bench_spawn producer-live "$PRODUCER" -b "$BROKER" -t latency -f "$live" \
    --state-dir "$BENCH_WORK/state-live" --log-level warn ${BENCH_PRODUCER_ARGS:-}
PROD_PID=$SPAWNED_PID
dashboard_start latency --log-level warn
"$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count 1000 --timeout 120 --pid "$DASH_PID" >/dev/null ||
    die "dashboard never showed the first 1000 rows"
kill -0 "$PROD_PID" || die "csv-producer exited (log: $BENCH_WORK/producer-live.log)"

# run_phase RATE SAMPLES START_ID -> JSON of ws-latency.js
run_phase() {
    log "appending $2 rows at $1/s, 1 viewer"
    node "$BENCH_DIR/ws-latency.js" --url "${DASH_URL/http:/ws:}/ws" --file "$live" \
        --rate "$1" --samples "$2" --viewers 1 --start-id "$3" --timeout-s 300 \
        --kcat-brokers "$BROKER" --kcat-topic latency
}
breakdown() {
    json_get "$1" breakdown.write_to_producer_read.p50_ms \
        breakdown.write_to_kcat_receipt.p50_ms breakdown.kcat_receipt_to_ws_update.p50_ms \
        breakdown.write_to_kcat_receipt.p99_ms breakdown.kcat_receipt_to_ws_update.p99_ms
}

js=$(run_phase "$RATE" "$SAMPLES" 1001) || die "ws-latency failed: $js"
log "$js"
read -r n p50 p99 mx < <(json_get "$js" all.n all.p50_ms all.p99_ms all.max_ms)
read -r b_read b_kafka b_ws b_kafka99 b_ws99 < <(breakdown "$js")
result "latency: write() to WebSocket update, $RATE rows/s, 1 viewer ($n samples)" "p50 $p50 ms, p99 $p99 ms, max $mx ms"
result "latency p99 at $RATE rows/s" "$p99" "ms" "<= 150" "$(verdict_le "$p99" 150)"
result "latency breakdown at $RATE rows/s (p50)" \
    "write->producer read $b_read ms, ->kcat receipt $b_kafka ms (p99 $b_kafka99); kcat receipt->WS update $b_ws ms (p99 $b_ws99)"

if [[ "$SPARSE_SAMPLES" -gt 0 ]]; then
    js=$(run_phase "$SPARSE_RATE" "$SPARSE_SAMPLES" $((1001 + SAMPLES))) || die "ws-latency failed: $js"
    log "$js"
    read -r n p50 p99 mx < <(json_get "$js" all.n all.p50_ms all.p99_ms all.max_ms)
    read -r b_read b_kafka b_ws b_kafka99 b_ws99 < <(breakdown "$js")
    result "latency: write() to WebSocket update, $SPARSE_RATE rows/s, 1 viewer ($n samples)" "p50 $p50 ms, p99 $p99 ms, max $mx ms"
    result "latency p50 at $SPARSE_RATE rows/s" "$p50" "ms" "<= 5" "$(verdict_le "$p50" 5)"
    result "latency p99 at $SPARSE_RATE rows/s" "$p99" "ms" "<= 25" "$(verdict_le "$p99" 25)"
    result "latency breakdown at $SPARSE_RATE rows/s (p50)" \
        "write->producer read $b_read ms, ->kcat receipt $b_kafka ms (p99 $b_kafka99); kcat receipt->WS update $b_ws ms (p99 $b_ws99)"
fi
bench_finish
