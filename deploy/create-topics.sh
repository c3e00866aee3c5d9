#!/bin/sh
# create-topics.sh: creates the data topic, its dead-letter topic and the
# producers' (compacted) status topic, once.
#
# Run by the compose stack's one-shot `topics` service (inside the
# apache/kafka image) and by the tests natively, with the same variables:
#
#   KAFKA_BOOTSTRAP     broker address (required), e.g. kafka:19092
#   KAFKA_TOPIC         data topic (csv-data)
#   TOPIC_PARTITIONS    partitions of the data topic (3)
#   TOPIC_REPLICATION   replicas of each partition, all topics (1; 3 on a
#                       cluster of 3 or more brokers)
#   KAFKA_TOPICS_CMD    the TopicCommand launcher, split on spaces
#                       (/opt/kafka/bin/kafka-topics.sh; natively:
#                       "deploy/kafka/kafka-local topics")
#
# Existing topics are left as they are, so re-running is harmless.
set -eu

: "${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP must name the broker}"
topic=${KAFKA_TOPIC:-csv-data}
partitions=${TOPIC_PARTITIONS:-3}
replication=${TOPIC_REPLICATION:-1}
cmd=${KAFKA_TOPICS_CMD:-/opt/kafka/bin/kafka-topics.sh}

case $partitions in
    '' | *[!0-9]*) echo "create-topics: TOPIC_PARTITIONS '$partitions' is not a number" >&2; exit 2 ;;
esac
case $replication in
    '' | *[!0-9]*) echo "create-topics: TOPIC_REPLICATION '$replication' is not a number" >&2; exit 2 ;;
esac

create() { # topic partitions [--config k=v...]
    t=$1 p=$2
    shift 2
    # shellcheck disable=SC2086 # the launcher may be several words
    $cmd --bootstrap-server "$KAFKA_BOOTSTRAP" --create --if-not-exists \
        --topic "$t" --partitions "$p" --replication-factor "$replication" "$@"
}

create "$topic" "$partitions"
create "$topic.dlq" 1
# The producers' status records, keyed by source: only the latest matters.
create "$topic.status" 1 --config cleanup.policy=compact
# shellcheck disable=SC2086
$cmd --bootstrap-server "$KAFKA_BOOTSTRAP" --describe --topic "$topic"
echo "create-topics: $topic ($partitions partitions, $replication replicas), $topic.dlq and $topic.status are ready"
