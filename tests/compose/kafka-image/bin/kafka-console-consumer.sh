#!/bin/sh
# The official image's kafka-console-consumer.sh: Kafka's org.apache.kafka.tools.consumer.ConsoleConsumer.
exec /opt/kafka/bin/kafka-tool org.apache.kafka.tools.consumer.ConsoleConsumer "$@"
