#!/usr/bin/env bash
# Benchmark 1: producer ingest.
# N seed-schema rows (data/generate.py) into a fresh topic, timed from start
# until every record is acknowledged: csv-producer --exit-at-eof against
# `kcat -P -l` sending the same file's lines, same broker, same run.
# Runs alternate (kcat, csv-producer, kcat, ...); the best run of each counts.
# A third contender, for the analysis only: kcat -P -l sending the same lines
# with the two fixed headers of csv-producer's wire format v2 (csv.kind,
# csv.id) and enable.idempotence=true, i.e. the cost of the wire format's
# headers and delivery settings in librdkafka itself.
#
#   BENCH_ROWS=1000000 BENCH_REPEAT=2 bench/01-producer-ingest.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init producer-ingest
need_binaries "$PRODUCER"

N=${BENCH_ROWS:-1000000}
REPEAT=${BENCH_REPEAT:-2}
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_ROWS=$N BENCH_REPEAT=$REPEAT bench/01-producer-ingest.sh"

FILE=$(csv_rows "$N")
ROWS=$(data_rows "$FILE")
BYTES=$(stat -c %s "$FILE")
broker_start

# Warm the broker (JIT, page cache, log segments) so the first timed run is
# not penalised: 100k lines, untimed.
head -n 100001 "$FILE" >"$BENCH_WORK/warm.csv"
kcat -P -b "$BROKER" -t warmup -l "$BENCH_WORK/warm.csv"

HEADERS=(-H csv.kind=row
    -H "csv.id=v2;1764370000000;123456;12345678;0123456789abcdef;$FILE")
best_kcat="" best_prod="" prod_rss="" best_kcath=""
for ((r = 1; r <= REPEAT; r++)); do
    t=kcat-$r
    topic_create "$t"
    log "run $r: kcat -P -l ($ROWS rows, $BYTES bytes)"
    tf=$BENCH_WORK/time-$t
    /usr/bin/time -o "$tf" -f '%e %M %U %S' kcat -P -b "$BROKER" -t "$t" -l "$FILE"
    read -r secs _ u s <"$tf"
    msgs=$(topic_messages "$t")
    ((msgs == ROWS + 1)) || die "kcat topic $t holds $msgs messages, expected $((ROWS + 1))"
    log "run $r: kcat took ${secs}s"
    if [[ -z "$best_kcat" ]] || awk -v a="$secs" -v b="$best_kcat" 'BEGIN{exit !(a<b)}'; then
        best_kcat=$secs
        kcat_cpu=$(calc "$u + $s" %.2f)
    fi

    t=kcath-$r
    topic_create "$t"
    tf=$BENCH_WORK/time-$t
    /usr/bin/time -o "$tf" -f '%e %M %U %S' kcat -P -b "$BROKER" -t "$t" "${HEADERS[@]}" \
        -X enable.idempotence=true -l "$FILE"
    read -r secs _ u s <"$tf"
    log "run $r: kcat with 2 headers + idempotence took ${secs}s"
    if [[ -z "$best_kcath" ]] || awk -v a="$secs" -v b="$best_kcath" 'BEGIN{exit !(a<b)}'; then
        best_kcath=$secs
        kcath_cpu=$(calc "$u + $s" %.2f)
    fi

    t=producer-$r
    topic_create "$t"
    log "run $r: csv-producer --exit-at-eof"
    read -r secs rss u s < <(producer_load "$FILE" "$t")
    msgs=$(topic_messages "$t")
    ((msgs >= ROWS)) || die "producer topic $t holds $msgs messages, expected >= $ROWS"
    log "run $r: csv-producer took ${secs}s, max RSS ${rss} KiB, $msgs messages"
    if [[ -z "$best_prod" ]] || awk -v a="$secs" -v b="$best_prod" 'BEGIN{exit !(a<b)}'; then
        best_prod=$secs
        prod_rss=$rss
        prod_cpu=$(calc "$u + $s" %.2f)
    fi
done

k_rows=$(calc "$ROWS / $best_kcat" %.0f)
p_rows=$(calc "$ROWS / $best_prod" %.0f)
k_mb=$(calc "$BYTES / $best_kcat / 1000000" %.1f)
p_mb=$(calc "$BYTES / $best_prod / 1000000" %.1f)
ratio=$(calc "$best_kcat / $best_prod" %.2f)
result "ingest: csv-producer, $ROWS rows" "$p_rows rows/s, $p_mb MB/s ($best_prod s, CPU $prod_cpu s)" "" "" ""
result "ingest: kcat -P -l, same file" "$k_rows rows/s, $k_mb MB/s ($best_kcat s, CPU $kcat_cpu s)" "" "" ""
result "ingest: csv-producer / kcat rows/s" "$ratio" "x" ">= 1.00" "$(verdict_ge "$ratio" 1)"
result "ingest (analysis): kcat -P -l + 2 v2 headers + idempotence, same file" \
    "$(calc "$ROWS / $best_kcath" %.0f) rows/s ($best_kcath s, CPU $kcath_cpu s); csv-producer / this: $(calc "$best_kcath / $best_prod" %.2f)"
result "ingest: csv-producer max RSS ($((BYTES / 1048576)) MiB file)" "$((prod_rss / 1024)) MiB" "" "" ""
bench_finish
