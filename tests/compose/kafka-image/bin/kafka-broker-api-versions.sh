#!/bin/sh
# The official image's kafka-broker-api-versions.sh: Kafka's org.apache.kafka.tools.BrokerApiVersionsCommand.
exec /opt/kafka/bin/kafka-tool org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
