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
# Viewers with their own roles (BENCH_QUERY_VIEWERS, default 0: skipped):
# the same burst, with that many viewers whose page shows other columns
# (?value=idade&category=nome, BENCH_QUERY_VIEWER_QUERY), so that each
# fetches its own snapshot on pushes (bench/custom-viewers.js). Two more
# phases: the old rule (a fetch on every push) and the page's rule (at most
# one fetch a second); reported: time until visible and the snapshot
# fetches the viewers made.
#
# Memory: the dashboard's resident size grows (VmRSS after the burst minus
# before) by about what its own accounting says (memory.bytes, which
# includes the sort indexes); target: within 20 %.
#
#   BENCH_QUERY_ROWS=1000000 BENCH_QUERY_CLIENTS=20 bench/06-query-load.sh
#   BENCH_QUERY_ROWS=200000 BENCH_QUERY_VIEWERS=20 bench/06-query-load.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init query-load
need_binaries "$PRODUCER" "$DASHBOARD"
VIEWERS=${BENCH_QUERY_VIEWERS:-0}
VIEWER_QUERY=${BENCH_QUERY_VIEWER_QUERY:-value=idade&category=nome}
if ((VIEWERS > 0)); then
    # shellcheck source=lib/node.sh
    source "$BENCH_LIB/node.sh"
fi

ROWS=${BENCH_QUERY_ROWS:-1000000}
CLIENTS=${BENCH_QUERY_CLIENTS:-20}
RATE=${BENCH_QUERY_RATE:-5}
REPEAT=${BENCH_QUERY_REPEAT:-2}
SEED_ROWS=10000
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_QUERY_ROWS=$ROWS BENCH_QUERY_CLIENTS=$CLIENTS BENCH_QUERY_RATE=$RATE BENCH_QUERY_REPEAT=$REPEAT BENCH_QUERY_VIEWERS=$VIEWERS bench/06-query-load.sh"

jget() {
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(" ".join(str(d[k]) for k in sys.argv[2:]))' "$@"
}

broker_start
seed=$(csv_rows "$SEED_ROWS")
burst=$(csv_rows "$ROWS")

# run_phase CLIENTS REPEAT [RULE] -> "seconds peak_rss_kib rss0 rss1 mem0
# mem1 client_json": CLIENTS paging clients, or with RULE (push, page) that
# many custom-role viewers.
run_phase() {
    local clients=$1 rule=${3:-} topic=load-$1-$2${3:+-$3} stop=$BENCH_WORK/stop-$1-$2${3:+-$3}
    local pager_pid="" t0 seen
    topic_create "$topic"
    producer_load "$seed" "$topic" >/dev/null
    dashboard_start "$topic" --log-level warn
    "$PY" "$BENCHPY" wait-count --url "$DASH_URL" --count "$SEED_ROWS" --timeout 300 \
        --pid "$DASH_PID" >/dev/null || die "dashboard never showed the seed rows"
    local m0
    m0=$("$PY" "$BENCHPY" memory --url "$DASH_URL" --pid "$DASH_PID")
    if ((clients > 0)) && [[ -n "$rule" ]]; then
        node "$BENCH_DIR/custom-viewers.js" --url "$DASH_URL" --viewers "$clients" --rule "$rule" \
            --query "$VIEWER_QUERY" --stop-file "$stop" >"$BENCH_WORK/viewers-$clients-$2-$rule.json" &
        pager_pid=$!
        BENCH_PIDS+=("$pager_pid")
        sleep 2 # the viewers are connected before the burst starts
    elif ((clients > 0)); then
        "$PY" "$BENCHPY" pager --url "$DASH_URL" --clients "$clients" --rate "$RATE" --stop-file "$stop" \
            >"$BENCH_WORK/pager-$clients-$2.json" &
        pager_pid=$!
        BENCH_PIDS+=("$pager_pid")
        sleep 2 # the clients are paging before the burst starts
    fi
    local who="paging clients"
    [[ -z "$rule" ]] || who="custom-role viewers ($rule rule)"
    log "burst of $ROWS rows, $clients $who"
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
        wait "$pager_pid" || die "pager (or viewers) failed"
        if [[ -n "$rule" ]]; then
            pager=$(cat "$BENCH_WORK/viewers-$clients-$2-$rule.json")
        else
            pager=$(cat "$BENCH_WORK/pager-$clients-$2.json")
        fi
    fi
    sleep 2
    local m1
    m1=$("$PY" "$BENCHPY" memory --url "$DASH_URL" --pid "$DASH_PID")
    if [[ -n "$rule" ]]; then
        # Snapshots the dashboard rendered for the viewers (its metrics;
        # "n/a" from a dashboard that does not count them).
        curl -fsS "$DASH_URL/metrics" | awk '$1 == "dashboard_view_snapshots_rendered_total" { n = $2 }
            END { print (n == "" ? "n/a" : n) }' >"$BENCH_WORK/renders-$clients-$2-$rule"
    fi
    bench_stop "$DASH_PID"
    echo "$secs $peak $(jget "$m0" rss_kib) $(jget "$m1" rss_kib) $(jget "$m0" memory_bytes) $(jget "$m1" memory_bytes) $pager"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
idle=() loaded=() vpush=() vpage=()
for ((r = 1; r <= REPEAT; r++)); do
    read -r s0 peak0 r00 r01 mb00 mb01 _ < <(run_phase 0 "$r")
    idle+=("$s0")
    if ((CLIENTS > 0)); then # BENCH_QUERY_CLIENTS=0: the viewer phases only
        read -r s1 peak1 r10 r11 mb10 mb11 pj < <(run_phase "$CLIENTS" "$r")
        loaded+=("$s1")
    fi
    if ((VIEWERS > 0)); then
        read -r s2 _ _ _ _ _ vj_push < <(run_phase "$VIEWERS" "$r" push)
        read -r s3 _ _ _ _ _ vj_page < <(run_phase "$VIEWERS" "$r" page)
        vpush+=("$s2")
        vpage+=("$s3")
    fi
done
m0=$(median "${idle[@]}")
result "time until visible, burst of $ROWS rows, no client (median of ${idle[*]})" "$m0" "s"
if ((CLIENTS > 0)); then
    read -r preq perr p50 p99 < <(jget "$pj" requests errors p50_ms p99_ms)
    m1=$(median "${loaded[@]}")
    ratio=$(calc "$m1 / $m0" "%.2f")
    result "time until visible, burst of $ROWS rows, $CLIENTS clients paging every order at $RATE/s each (median of ${loaded[*]})" "$m1" "s"
    result "loaded / idle time until visible" "$ratio" "x" "<= 1.2" "$(verdict_le "$ratio" 1.2)"
    result "paging during the last burst ($CLIENTS clients)" "$preq requests, $perr errors, p50 $p50 ms, p99 $p99 ms"
fi
if ((VIEWERS > 0)); then
    for rule in push page; do
        if [[ $rule == push ]]; then
            times=("${vpush[@]}") vj=$vj_push what="a fetch on every push (the old page)"
        else
            times=("${vpage[@]}") vj=$vj_page what="at most one fetch a second (the page's rule)"
        fi
        mv=$(median "${times[@]}")
        result "time until visible, $VIEWERS custom-role viewers, $what (median of ${times[*]})" "$mv" "s"
        result "custom-role viewers / idle time until visible ($rule)" "$(calc "$mv / $m0" "%.2f")" "x"
        read -r vpu vfe ver vp50 vp99 vb < <(jget "$vj" pushes fetches errors p50_ms p99_ms mean_bytes)
        vek=$("$PY" -c 'import json,sys; print(" ".join(f"{k}: {v}" for k, v in json.loads(sys.argv[1])["error_kinds"].items()) or "none")' "$vj")
        result "snapshot fetches during the last burst ($rule)" \
            "$vfe fetches for $vpu pushes, $ver errors ($vek), p50 $vp50 ms, p99 $vp99 ms, $vb bytes each, $(cat "$BENCH_WORK/renders-$VIEWERS-$REPEAT-$rule") rendered by the dashboard"
    done
fi
# Memory of the last pair of runs.
kinds=(0)
((CLIENTS == 0)) || kinds+=(1)
for k in "${kinds[@]}"; do
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
