/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_KAFKA_SOURCE_H
#define DASHBOARD_KAFKA_SOURCE_H

/*
 * The Kafka thread: it owns the consumer and the aggregates. It assigns
 * every partition of the data topic and of the dead-letter topic from the
 * beginning (no group offsets are read or committed), follows partitions
 * added later, takes the consumed messages in batches from the fetch
 * thread (kafka_fetch.h), hands each to the decoder (core/message_decoder.h)
 * and applies what it decoded to the aggregates, answers the table
 * requests queued in the hub, and publishes a rendered snapshot at most
 * every SNAPSHOT_MIN_INTERVAL_MS.
 */

#include <stddef.h>
#include <stdio.h>

#include "core/aggregates.h"
#include "common/settings.h"
#include "snapshot_hub.h"
#include "status_watch.h"

struct kafka_source_config {
        const struct settings *settings; /* librdkafka properties (-X) */
        const char *brokers;
        const char *topic;
        const char *dlq_topic;
        struct aggregates_roles roles;
        size_t index_budget;         /* bytes for sort indexes */
        struct status_watch *status; /* producers' status; NULL: none */
};

struct kafka_source;

/**
 * @brief Creates the consumer (not started). cfg's strings are copied by
 *        librdkafka or must outlive the source. hub is borrowed.
 * @returns the source, or NULL with errstr set.
 * @locality main thread.
 */
struct kafka_source *kafka_source_create(const struct kafka_source_config *cfg,
                                         struct snapshot_hub *hub, char *errstr,
                                         size_t errstr_size);

/**
 * @brief Prints every librdkafka property with the value the consumer would
 *        use (-X list). @returns 0, or -1 with errstr naming a bad one.
 */
int kafka_source_print_config(const struct kafka_source_config *cfg, FILE *out,
                              char *errstr, size_t errstr_size);

/** @brief Starts the Kafka thread. @returns 0 or -1. */
int kafka_source_start(struct kafka_source *ks);

/** @brief Stops and joins the Kafka thread. @locality main thread. */
void kafka_source_stop(struct kafka_source *ks);

/** @brief Closes the consumer and frees everything. NULL is a no-op. */
void kafka_source_destroy(struct kafka_source *ks);

#endif
