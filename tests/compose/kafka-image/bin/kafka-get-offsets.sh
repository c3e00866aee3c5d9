#!/bin/sh
# The official image's kafka-get-offsets.sh: Kafka's org.apache.kafka.tools.GetOffsetShell.
exec /opt/kafka/bin/kafka-tool org.apache.kafka.tools.GetOffsetShell "$@"
