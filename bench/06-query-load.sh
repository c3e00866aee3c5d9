#!/usr/bin/env bash
# Benchmark 6: ingestion under query load.
# A dashboard that already shows a small file (the seed) gets a burst of
# BENCH_QUERY_ROWS rows (csv-producer --exit-at-eof on a second file), and
# we time from the start of the burst until the dashboard's count includes
# every row. Run twice side by side, each on a fresh topic and dashboard:
# with no client, and with BENCH_QUERY_CLIENTS clients paging GET /api/rows
# (random pages of 50, BENCH_QUERY_RATE requests/s each, default 5: a
# person clicking fast) over every column in both orders, the whole time.
# Target: the loaded time within 1.2x of the idle one. The two phases
# alternate BENCH_QUERY_REPEAT times (default 2) and the medians are compared,
# so that load from elsewhere on the machine hits both alike.
#
# Memory: the dashboard's resident size grows (VmRSS after the burst minus
# before) by about what its own accounting says (memory.bytes, which
# includes the sort indexes); target: within 20 %.
#
#   BENCH_QUERY_ROWS=1000000 BENCH_QUERY_CLIENTS=20 bench/06-query-load.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init query-load
need_binaries "$PRODUCER" "$DASHBOARD"

ROWS=${BENCH_QUERY_ROWS:-1000000}
CLIENTS=${BENCH_QUERY_CLIENTS:-20}
RATE=${BENCH_QUERY_RATE:-5}
REPEAT=${BENCH_QUERY_REPEAT:-2}
SEED_ROWS=10000
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_QUERY_ROWS=$ROWS BENCH_QUERY_CLIENTS=$CLIENTS BENCH_QUERY_RATE=$RATE BENCH_QUERY_REPEAT=$REPEAT bench/06-query-load.sh"

jget() {
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(" ".join(str(d[k]) for k in sys.argv[2:]))' "$@"
}

broker_start
seed=$(csv_rows "$SEED_ROWS")
burst=$(csv_rows "$ROWS")

# run_phase CLIENTS -> "seconds peak_rss_kib rss0 rss1 mem0 mem1 pager_json"
run_phase() {
    local clients=$1 topic=load-$1-$2 stop=$BENCH_WORK/stop-$1-$2 pager_pid="" t0 seen
    topic_create "$topic"
    producer_load "$seed" "$topic" >/dev/null
    dashboard_start "$topic" --log-level warn
    "$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count "$SEED_ROWS" --timeout 300 \
        --pid "$DASH_PID" >/dev/null || die "dashboard never showed the seed rows"
    local m0
    m0=$("$PY" "$BENCHPY" memory --url "$DASH_URL" --pid "$DASH_PID")
    if ((clients > 0)); then
        "$PY" "$BENCHPY" pager --url "$DASH_URL" --clients "$clients" --rate "$RATE" --stop-file "$stop" \
            >"$BENCH_WORK/pager-$clients-$2.json" &
        pager_pid=$!
        BENCH_PIDS+=("$pager_pid")
        sleep 2 # the clients are paging before the burst starts
    fi
    log "burst of $ROWS rows, $clients paging clients"
    t0=$(now)
    producer_load "$burst" "$topic" >/dev/null
    seen=$("$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count $((SEED_ROWS + ROWS)) \
        --timeout 1800 --pid "$DASH_PID") || die "the burst never became visible"
    read -r t_seen peak _ <<<"$seen"
    local secs
    secs=$(elapsed "$t0" "$t_seen")
    local pager='{"requests":0,"errors":0,"p50_ms":0,"p99_ms":0}'
    if [[ -n "$pager_pid" ]]; then
        # A little longer with the clients, so that every order's index is
        # built and counted below.
        sleep 5
        touch "$stop"
        wait "$pager_pid" || die "pager failed"
        pager=$(cat "$BENCH_WORK/pager-$clients-$2.json")
    fi
    sleep 2
    local m1
    m1=$("$PY" "$BENCHPY" memory --url "$DASH_URL" --pid "$DASH_PID")
    bench_stop "$DASH_PID"
    echo "$secs $peak $(jget "$m0" rss_kib) $(jget "$m1" rss_kib) $(jget "$m0" memory_bytes) $(jget "$m1" memory_bytes) $pager"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
idle=() loaded=()
for ((r = 1; r <= REPEAT; r++)); do
    read -r s0 peak0 r00 r01 mb00 mb01 _ < <(run_phase 0 "$r")
    read -r s1 peak1 r10 r11 mb10 mb11 pj < <(run_phase "$CLIENTS" "$r")
    idle+=("$s0")
    loaded+=("$s1")
done
read -r preq perr p50 p99 < <(jget "$pj" requests errors p50_ms p99_ms)
m0=$(median "${idle[@]}")
m1=$(median "${loaded[@]}")
ratio=$(calc "$m1 / $m0" "%.2f")
result "time until visible, burst of $ROWS rows, no client (median of ${idle[*]})" "$m0" "s"
result "time until visible, burst of $ROWS rows, $CLIENTS clients paging every order at $RATE/s each (median of ${loaded[*]})" "$m1" "s"
result "loaded / idle time until visible" "$ratio" "x" "<= 1.2" "$(verdict_le "$ratio" 1.2)"
result "paging during the last burst ($CLIENTS clients)" "$preq requests, $perr errors, p50 $p50 ms, p99 $p99 ms"
# Memory of the last pair of runs.
for k in 0 1; do
    if ((k == 0)); then
        r0=$r00 r1=$r01 m0=$mb00 m1=$mb01 pk=$peak0 who="no client"
    else
        r0=$r10 r1=$r11 m0=$mb10 m1=$mb11 pk=$peak1 who="$CLIENTS clients"
    fi
    drss=$(calc "($r1 - $r0) * 1024 / 1048576" "%.1f")
    dmem=$(calc "($m1 - $m0) / 1048576" "%.1f")
    off=$(calc "($drss - $dmem) / ($drss > 0 ? $drss : 1) * 100" "%.1f")
    absoff=$(calc "($off < 0 ? -$off : $off)" "%.1f")
    result "RSS growth vs memory.bytes growth ($who)" \
        "RSS +$drss MiB, memory.bytes +$dmem MiB, peak RSS $((pk / 1024)) MiB"
    result "RSS growth not in memory.bytes ($who)" "$off" "%" "within 20" "$(verdict_le "$absoff" 20)"
done
bench_finish
