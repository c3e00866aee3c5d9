# shellcheck shell=bash
# Kafka Connect (standalone mode, FileStreamSource) as a benchmark peer.
# Source after common.sh. The classpath (bench/connect/pom.xml: connect-runtime
# and connect-file 4.1.2) is copied once with Maven into
# $BENCH_CONNECT_LIBS (default ~/.cache/csv-kafka-dashboard/connect-4.1.2),
# outside the repository, and reused.

CONNECT_POM=$BENCH_DIR/connect/pom.xml
CONNECT_LIBS=${BENCH_CONNECT_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/csv-kafka-dashboard/connect-4.1.2}

# connect_fetch: the runtime classpath, fetched on first use.
connect_fetch() {
    local stamp=$CONNECT_LIBS/.fetch-complete sum tmp
    sum=$(sha256sum "$CONNECT_POM" | cut -d' ' -f1)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn (Apache Maven) is needed to fetch Kafka Connect"
    log "fetching Kafka Connect 4.1.2 (connect-runtime, connect-file) into $CONNECT_LIBS"
    mkdir -p -- "$(dirname -- "$CONNECT_LIBS")"
    tmp=$(mktemp -d "$CONNECT_LIBS.tmp.XXXXXX")
    mvn -q -B -f "$CONNECT_POM" dependency:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime >"$BENCH_WORK/connect-fetch.log" 2>&1 ||
        die "Kafka Connect fetch failed (log: $BENCH_WORK/connect-fetch.log)"
    [[ -f "$tmp/connect-file-4.1.2.jar" ]] || die "fetch produced no connect-file jar"
    rm -rf -- "$CONNECT_LIBS"
    mv -- "$tmp" "$CONNECT_LIBS"
    printf '%s\n' "$sum" >"$stamp"
}

# connect_load FILE TOPIC COUNT: Kafka Connect standalone with one
# FileStreamSource task sending FILE's lines (the header too) to TOPIC,
# timed from the JVM's start until TOPIC holds COUNT messages; then stopped.
# Prints "seconds seconds_from_first_message cpu_seconds".
connect_load() {
    local file=$1 topic=$2 count=$3 dir=$BENCH_WORK/connect-$2 t0 seen first pid cpu
    mkdir -p -- "$dir"
    cat >"$dir/worker.properties" <<PROPS
bootstrap.servers=$BROKER
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$dir/offsets
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$(free_port)
PROPS
    cat >"$dir/file-source.properties" <<PROPS
name=bench-file-source-$topic
connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector
tasks.max=1
file=$file
topic=$topic
PROPS
    t0=$(now)
    bench_spawn "connect-$topic" java -Xms256m -Xmx1g -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$ROOT/deploy/kafka/tools-log4j2.xml" \
        -cp "$CONNECT_LIBS/*" org.apache.kafka.connect.cli.ConnectStandalone \
        "$dir/worker.properties" "$dir/file-source.properties"
    pid=$SPAWNED_PID
    read -r seen first < <("$PY" "$BENCHPY" wait-offsets --brokers "$BROKER" --topic "$topic" \
        --count "$count" --timeout 900) ||
        die "Kafka Connect did not deliver $count messages (log: $BENCH_WORK/connect-$topic.log)"
    cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$pid/stat" 2>/dev/null || echo "?")
    bench_stop "$pid"
    printf '%s %s %s\n' "$(elapsed "$t0" "$seen")" "$(elapsed "$first" "$seen")" "$cpu"
}
