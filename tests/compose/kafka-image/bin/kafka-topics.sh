#!/bin/sh
# The official image's kafka-topics.sh: Kafka's org.apache.kafka.tools.TopicCommand.
exec /opt/kafka/bin/kafka-tool org.apache.kafka.tools.TopicCommand "$@"
