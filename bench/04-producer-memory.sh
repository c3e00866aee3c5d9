#!/usr/bin/env bash
# Benchmark 4 (producer part): csv-producer's peak RSS while it loads a
# small and a large seed-schema file (default 100 MiB and 1024 MiB) into a
# fresh topic until every record is acknowledged (--exit-at-eof). Memory
# must stay flat in file size: the large file may add nothing.
# Peak RSS is the kernel's high-water mark (GNU time %M); RSS is also sampled
# every 0.5 s to show its shape over the load.
# The files are generated once into BENCH_CACHE and reused.
#
#   BENCH_PRODUCER_MB="100 1024" bench/04-producer-memory.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init producer-memory
need_binaries "$PRODUCER"

SIZES=${BENCH_PRODUCER_MB:-100 1024}
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_PRODUCER_MB=\"$SIZES\" bench/04-producer-memory.sh"

# Files first, so that generating them is not mixed with the broker's work.
declare -A FILES
for mb in $SIZES; do
    FILES[$mb]=$(csv_bytes "$mb")
done
broker_start

first_peak=""
for mb in $SIZES; do
    file=${FILES[$mb]}
    rows=$(data_rows "$file")
    bytes=$(stat -c %s "$file")
    topic=mem-$mb
    topic_create "$topic"
    log "csv-producer loading $rows rows ($((bytes / 1048576)) MiB)"
    tf=$BENCH_WORK/time-$topic
    samples=$BENCH_WORK/rss-$topic
    t0=$(now)
    # shellcheck disable=SC2086 # BENCH_PRODUCER_ARGS is a list of words
    /usr/bin/time -o "$tf" -f '%e %M' "$PRODUCER" -b "$BROKER" -t "$topic" -f "$file" \
        --state-dir "$BENCH_WORK/state-$topic" --exit-at-eof --log-level warn \
        ${BENCH_PRODUCER_ARGS:-} >"$BENCH_WORK/producer-$topic.log" 2>&1 &
    tpid=$!
    BENCH_PIDS+=("$tpid")
    # The producer is time's child; sample its RSS until it exits.
    : >"$samples"
    ppid_rss() {
        local c
        c=$(pgrep -P "$tpid" -x csv-producer | head -n 1) || return 0
        [[ -n "$c" ]] && "$PY" "$BENCHPY" rss --pid "$c"
    }
    while kill -0 "$tpid" 2>/dev/null; do
        r=$(ppid_rss || true)
        [[ -n "$r" && "$r" != 0 ]] && printf '%s %s\n' "$(elapsed "$t0" "$(now)")" "$r" >>"$samples"
        sleep 0.5
    done
    wait "$tpid" || die "csv-producer failed: $(tail -n 5 "$BENCH_WORK/producer-$topic.log")"
    read -r secs peak <"$tf"
    # Shape: RSS at 25 %, 50 %, 75 % and the end of the load.
    shape=$(awk 'function at(p,  i) { i = int(NR * p); return r[i < 1 ? 1 : i] / 1024 }
        { r[NR] = $2 }
        END { if (NR == 0) print "no samples"; else printf "%d/%d/%d/%d MiB", at(0.25), at(0.5), at(0.75), at(1) }' "$samples")
    result "producer memory: $((bytes / 1048576)) MiB file ($rows rows)" \
        "peak RSS $((peak / 1024)) MiB; RSS at 25/50/75/100 % of the load: $shape; $(calc "$rows / $secs" %.0f) rows/s"
    if [[ -z "$first_peak" ]]; then
        first_peak=$peak
        first_mb=$((bytes / 1048576))
    else
        growth=$(((peak - first_peak) / 1024))
        result "producer memory: peak RSS growth $first_mb MiB -> $((bytes / 1048576)) MiB file" \
            "$growth" "MiB" "flat (<= +5 MiB)" "$( ((growth <= 5)) && echo met || echo missed)"
    fi
done
bench_finish
