#!/usr/bin/env bash
# demo.sh: the whole stack on this machine, without Docker.
#
# Installs what is missing and builds (deploy/setup.sh), starts a local
# Apache Kafka broker on 127.0.0.1:9092 (data kept in .run/kafka), creates
# the topics, then runs csv-producer on data/input.csv and consumer-dashboard
# on http://localhost:8080. Ctrl-C stops all three.
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# DASHBOARD_PORT (8080), CSV_FILE (data/input.csv), PARTITIONS (3).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
DASHBOARD_PORT=${DASHBOARD_PORT:-8080}
CSV_FILE=${CSV_FILE:-data/input.csv}
PARTITIONS=${PARTITIONS:-3}
RUN_DIR="$ROOT/.run"
KAFKA=deploy/kafka/kafka-local
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

deploy/setup.sh
mkdir -p "$RUN_DIR"

pids=()
cleanup() {
    trap - INT TERM EXIT
    echo "demo: stopping" >&2
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    "$KAFKA" stop --dir "$RUN_DIR/kafka" || true
}
trap cleanup INT TERM EXIT

"$KAFKA" start --dir "$RUN_DIR/kafka" --port "$KAFKA_PORT" \
    --controller-port "$KAFKA_CONTROLLER_PORT" --partitions "$PARTITIONS" >/dev/null
for t in csv-data csv-data.dlq; do
    "$KAFKA" topics --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
        --topic "$t" --partitions "$PARTITIONS" >/dev/null
done

build/consumer-dashboard/consumer-dashboard -b "$BOOTSTRAP" -t csv-data \
    --listen "127.0.0.1:$DASHBOARD_PORT" &
pids+=($!)
build/producer/csv-producer -b "$BOOTSTRAP" -t csv-data -f "$CSV_FILE" \
    --state-dir "$RUN_DIR/producer-state" &
pids+=($!)

cat >&2 <<MSG

demo: Kafka on $BOOTSTRAP, csv-producer watching $CSV_FILE,
demo: dashboard on http://localhost:$DASHBOARD_PORT  (Ctrl-C stops everything)
demo: try:  echo "9,Ana,31,Recife,120.00" >> $CSV_FILE

MSG
# Exit (and clean up) as soon as either service stops.
wait -n "${pids[@]}"
