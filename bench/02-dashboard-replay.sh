#!/usr/bin/env bash
# Benchmarks 2, 4 (dashboard part) and 6, for each size in BENCH_REPLAY_ROWS:
#  - replay: consumer-dashboard started on a topic holding N records (loaded
#    by csv-producer, not timed), timed until /api/snapshot shows count == N,
#    against `kcat -C -e -o beginning` reading the same topic to /dev/null;
#    the best of BENCH_REPEAT runs of each (one run for the later sizes);
#  - memory: the caught-up dashboard's RSS, as bytes per record (and the
#    dashboard's own estimate, memory.bytes_per_row);
#  - paging: p50/p99 of GET /api/rows for random pages of 50 rows, sorted by
#    valor desc and by nome asc (BENCH_PAGE_REQUESTS requests each, after one
#    untimed request that builds the sort index, reported as "first").
#
#   BENCH_REPLAY_ROWS="1000000 10000000" bench/02-dashboard-replay.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init dashboard-replay
need_binaries "$PRODUCER" "$DASHBOARD"

SIZES=${BENCH_REPLAY_ROWS:-1000000}
REPEAT=${BENCH_REPEAT:-2}
PAGE_REQUESTS=${BENCH_PAGE_REQUESTS:-300}
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_REPLAY_ROWS=\"$SIZES\" BENCH_REPEAT=$REPEAT BENCH_PAGE_REQUESTS=$PAGE_REQUESTS bench/02-dashboard-replay.sh"

broker_start

# RSS of a dashboard holding nothing (threads, buffers, assets): the base
# that per-record figures are taken above.
topic_create empty
dashboard_start empty --log-level warn
"$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count 0 --timeout 60 --pid "$DASH_PID" >/dev/null ||
    die "dashboard did not start (log: $BENCH_WORK/dashboard-empty.log)"
sleep 1
base_rss=$("$PY" "$BENCHPY" rss --pid "$DASH_PID")
bench_stop "$DASH_PID"
result "memory: dashboard RSS with an empty topic" "$((base_rss / 1024)) MiB"

prev_rows="" prev_rss=""
for N in $SIZES; do
    FILE=$(csv_rows "$N")
    ROWS=$(data_rows "$FILE")
    topic=replay-$N
    topic_create "$topic"
    log "loading $ROWS rows into $topic with csv-producer (not timed)"
    producer_load "$FILE" "$topic" >/dev/null
    msgs=$(topic_messages "$topic")
    log "$topic holds $msgs messages"

    best_kcat="" best_dash=""
    # Sizes after the first run once (time budget).
    reps=$REPEAT
    [[ "$N" == "${SIZES%% *}" ]] || reps=1
    for ((r = 1; r <= reps; r++)); do
        tf=$BENCH_WORK/time-kcat-$N-$r
        /usr/bin/time -o "$tf" -f '%e %M %U %S' kcat -C -b "$BROKER" -t "$topic" -o beginning -e -q >/dev/null
        read -r secs _ u s <"$tf"
        log "run $r: kcat -C -e read $msgs messages in ${secs}s"
        if [[ -z "$best_kcat" ]] || awk -v a="$secs" -v b="$best_kcat" 'BEGIN{exit !(a<b)}'; then
            best_kcat=$secs
            kcat_cpu=$(calc "$u + $s" %.2f)
        fi

        t0=$(now)
        dashboard_start "$topic" --log-level warn
        out=$("$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count "$ROWS" --timeout 900 \
            --interval 0.01 --pid "$DASH_PID") || die "dashboard did not catch up (log: $BENCH_WORK/dashboard-$topic.log)"
        read -r t1 _peak count cpu tcpu twait <<<"$out"
        secs=$(elapsed "$t0" "$t1")
        ((count == ROWS)) || die "dashboard shows $count rows, expected $ROWS"
        log "run $r: dashboard caught up on $ROWS rows in ${secs}s (CPU ${cpu}s; busiest thread ran ${tcpu}s, waited ${twait}s for a CPU)"
        if [[ -z "$best_dash" ]] || awk -v a="$secs" -v b="$best_dash" 'BEGIN{exit !(a<b)}'; then
            best_dash=$secs
            dash_cpu=$cpu
            dash_tcpu=$tcpu
            dash_twait=$twait
        fi
        if ((r < reps)); then
            bench_stop "$DASH_PID"
        fi
    done
    ratio=$(calc "$best_kcat / $best_dash" %.2f)
    result "replay $ROWS: consumer-dashboard start to count == N" \
        "$(calc "$ROWS / $best_dash" %.0f) rows/s ($best_dash s; CPU $dash_cpu s, busiest thread $dash_tcpu s + waited $dash_twait s for a CPU)"
    result "replay $ROWS: kcat -C -e -o beginning > /dev/null" \
        "$(calc "$msgs / $best_kcat" %.0f) msgs/s ($best_kcat s, CPU $kcat_cpu s)"
    result "replay $ROWS: consumer-dashboard / kcat speed" "$ratio" "x" ">= 1.00" "$(verdict_ge "$ratio" 1)"

    # Memory of the last (caught-up, idle) dashboard. Let the consumer's
    # prefetch queue drain and the allocator settle first.
    sleep 2
    rss=$("$PY" "$BENCHPY" rss --pid "$DASH_PID")
    hwm=$("$PY" "$BENCHPY" rss --pid "$DASH_PID" --field VmHWM)
    own=$("$PY" - "$DASH_URL" <<'EOF'
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + "/api/snapshot", timeout=30))
m = s.get("memory") or {}
print(m.get("bytes_per_row") or "?")
EOF
)
    bpr=$(calc "$rss * 1024 / $ROWS" %.0f)
    above=$(calc "($rss - $base_rss) * 1024 / $ROWS" %.0f)
    result "memory $ROWS: dashboard RSS, caught up" "$((rss / 1024)) MiB (peak $((hwm / 1024)) MiB)"
    result "memory $ROWS: dashboard RSS / records" "$bpr" "bytes" "<= 64 at 10 M" \
        "$( ((ROWS >= 10000000)) && verdict_le "$bpr" 64 || echo "n/a below 10 M")"
    result "memory $ROWS: (RSS - empty dashboard's RSS) / records" "$above" "bytes"
    if [[ -n "$prev_rows" ]]; then
        result "memory: RSS growth per record from $prev_rows to $ROWS records" \
            "$(calc "($rss - $prev_rss) * 1024 / ($ROWS - $prev_rows)" %.0f)" "bytes"
    fi
    prev_rows=$ROWS prev_rss=$rss
    result "memory $ROWS: dashboard's own estimate (memory.bytes_per_row)" "$(calc "$own" %.1f)" "bytes"

    for spec in "valor desc" "nome asc"; do
        read -r col order <<<"$spec"
        # A sort the dashboard refuses (an index larger than its
        # --index-memory, 503) is a result too, not the end of the run.
        if ! js=$("$PY" "$BENCHPY" paging --url "$DASH_URL" --sort "$col" --order "$order" \
            --requests "$PAGE_REQUESTS" --max-seconds 120 2>"$BENCH_WORK/paging.err"); then
            result "paging $ROWS: /api/rows size=50 sort=$col $order" \
                "not measured: $(tail -n 1 "$BENCH_WORK/paging.err")"
            continue
        fi
        read -r p50 p99 mx first n < <("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["p50_ms"], d["p99_ms"], d["max_ms"], d["first_ms"], d["requests"])' "$js")
        result "paging $ROWS: /api/rows size=50 sort=$col $order, random pages ($n requests)" \
            "p50 $p50 ms, p99 $p99 ms, max $mx ms (first request $first ms)"
    done
    bench_stop "$DASH_PID"
done
bench_finish
