#!/usr/bin/env bash
# Benchmark 1: producer ingest.
# N seed-schema rows (data/generate.py) into a fresh topic, timed from start
# until every record is acknowledged: csv-producer --exit-at-eof against
# `kcat -P -l` sending the same file's lines, `kcat -P -K, -l` sending them
# with the first field as the key, and Kafka Connect (standalone,
# FileStreamSource, one task) sending them: same file, same broker, same run.
# Runs alternate (kcat, kcat -K, Connect, csv-producer, kcat, ...); the
# median run of each counts (the best with BENCH_REPEAT=2 or less).
# A last contender, for the analysis only: kcat -P -K, -l sending the same
# lines with the one header of csv-producer's wire format v3 (csv.id, with
# the kind and the file's source id) and enable.idempotence=true, i.e. the
# cost of the wire format's header and delivery settings in librdkafka
# itself.
#
#   BENCH_ROWS=1000000 BENCH_REPEAT=2 bench/01-producer-ingest.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
# shellcheck source=lib/connect.sh
source "$(dirname -- "$0")/lib/connect.sh"
bench_init producer-ingest
need_binaries "$PRODUCER"
connect_fetch

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

# The source id csv-producer gives FILE: XXH3-64 of its path, through the
# libxxhash csv-producer is built with (docs/wire-format.md).
SOURCE_ID=$("$PY" -c 'import ctypes, ctypes.util, sys
f = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0").XXH3_64bits
f.restype, f.argtypes = ctypes.c_uint64, [ctypes.c_char_p, ctypes.c_size_t]
b = sys.argv[1].encode()
print("%016x" % f(b, len(b)))' "$FILE")
HEADERS=(-H "csv.id=v3;row;1764370000000;123456;12345678;0123456789abcdef;$SOURCE_ID")
# Each contender's runs as "seconds cpu_seconds" lines; the median counts.
for f in kcat kcatk kcath connect prod; do : >"$BENCH_WORK/$f"; done
prod_rss=0
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
    echo "$secs $(calc "$u + $s" %.2f)" >>"$BENCH_WORK/kcat"

    t=kcatk-$r
    topic_create "$t"
    tf=$BENCH_WORK/time-$t
    /usr/bin/time -o "$tf" -f '%e %M %U %S' kcat -P -b "$BROKER" -t "$t" -K, -l "$FILE"
    read -r secs _ u s <"$tf"
    log "run $r: kcat -K, (key) took ${secs}s"
    echo "$secs $(calc "$u + $s" %.2f)" >>"$BENCH_WORK/kcatk"

    t=kcath-$r
    topic_create "$t"
    tf=$BENCH_WORK/time-$t
    /usr/bin/time -o "$tf" -f '%e %M %U %S' kcat -P -b "$BROKER" -t "$t" "${HEADERS[@]}" \
        -X enable.idempotence=true -K, -l "$FILE"
    read -r secs _ u s <"$tf"
    log "run $r: kcat with key, the v3 header + idempotence took ${secs}s"
    echo "$secs $(calc "$u + $s" %.2f)" >>"$BENCH_WORK/kcath"

    t=connect-$r
    topic_create "$t"
    log "run $r: Kafka Connect FileStreamSource"
    # FileStreamSource sent one message fewer than the file's lines in
    # every trial (ROWS of ROWS + 1): wait for ROWS.
    read -r secs steady cpu < <(connect_load "$FILE" "$t" "$ROWS")
    log "run $r: Kafka Connect took ${secs}s (${steady}s from its first message)"
    echo "$secs $cpu $steady" >>"$BENCH_WORK/connect"

    t=producer-$r
    topic_create "$t"
    log "run $r: csv-producer --exit-at-eof"
    read -r secs rss u s < <(producer_load "$FILE" "$t")
    msgs=$(topic_messages "$t")
    ((msgs >= ROWS)) || die "producer topic $t holds $msgs messages, expected >= $ROWS"
    log "run $r: csv-producer took ${secs}s, max RSS ${rss} KiB, $msgs messages"
    echo "$secs $(calc "$u + $s" %.2f)" >>"$BENCH_WORK/prod"
    ((rss > prod_rss)) && prod_rss=$rss
done

# median NAME: the median line (by seconds) of a contender's runs; with two
# runs, the faster.
median() { sort -n "$BENCH_WORK/$1" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }
read -r kcat_s kcat_cpu < <(median kcat)
read -r kcatk_s kcatk_cpu < <(median kcatk)
read -r kcath_s kcath_cpu < <(median kcath)
read -r conn_s conn_cpu conn_steady < <(median connect)
read -r prod_s prod_cpu < <(median prod)
rate() { calc "$ROWS / $1" %.0f; }
r_kcat=$(calc "$kcat_s / $prod_s" %.2f)
r_kcatk=$(calc "$kcatk_s / $prod_s" %.2f)
r_conn=$(calc "$conn_s / $prod_s" %.2f)
result "ingest: csv-producer, $ROWS rows" "$(rate "$prod_s") rows/s, $(calc "$BYTES / $prod_s / 1000000" %.1f) MB/s ($prod_s s, CPU $prod_cpu s)" "" "" ""
result "ingest: kcat -P -l, same file" "$(rate "$kcat_s") rows/s ($kcat_s s, CPU $kcat_cpu s)" "" "" ""
result "ingest: kcat -P -K, -l (first field as key), same file" "$(rate "$kcatk_s") rows/s ($kcatk_s s, CPU $kcatk_cpu s)" "" "" ""
result "ingest: Kafka Connect FileStreamSource 4.1.2, same file" "$(rate "$conn_s") rows/s ($conn_s s incl. JVM start, $conn_steady s from its first message; CPU $conn_cpu s)" "" "" ""
result "ingest: csv-producer / kcat -P -l" "$r_kcat" "x" ">= 0.50" "$(verdict_ge "$r_kcat" 0.5)"
result "ingest: csv-producer / kcat -P -K," "$r_kcatk" "x" ">= 0.60" "$(verdict_ge "$r_kcatk" 0.6)"
result "ingest: csv-producer / Kafka Connect" "$r_conn" "x" ">= 3.00" "$(verdict_ge "$r_conn" 3)"
result "ingest (analysis): kcat -P -K, -l + the v3 header + idempotence, same file" \
    "$(rate "$kcath_s") rows/s ($kcath_s s, CPU $kcath_cpu s); csv-producer / this: $(calc "$kcath_s / $prod_s" %.2f)"
result "ingest: csv-producer max RSS ($((BYTES / 1048576)) MiB file)" "$((prod_rss / 1024)) MiB" "" "" ""
bench_finish
