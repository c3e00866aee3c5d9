#!/bin/sh
# The official image's kafka-metadata-quorum.sh: Kafka's org.apache.kafka.tools.MetadataQuorumCommand.
exec /opt/kafka/bin/kafka-tool org.apache.kafka.tools.MetadataQuorumCommand "$@"
