#!/bin/sh
# The official image's kafka-console-producer.sh: Kafka's org.apache.kafka.tools.ConsoleProducer.
exec /opt/kafka/bin/kafka-tool org.apache.kafka.tools.ConsoleProducer "$@"
