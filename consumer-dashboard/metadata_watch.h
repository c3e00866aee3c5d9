/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_METADATA_WATCH_H
#define DASHBOARD_METADATA_WATCH_H

/*
 * Follows the partitions of the data and dead-letter topics on a thread of
 * its own: metadata requests and watermark queries wait for the broker
 * (seconds when it is slow or gone), and the Kafka thread, which owns the
 * aggregates, must never wait for them. The Kafka thread reads the latest
 * result without blocking (one mutex, held only to copy).
 */

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#define METADATA_WATCH_TOPICS 2

struct metadata_watch;

struct metadata_watch_config {
        rd_kafka_t *rk;
        rd_kafka_topic_t *topics[METADATA_WATCH_TOPICS];
        const char *names[METADATA_WATCH_TOPICS];
        /* Called (from the watch thread) when something new was seen. */
        void (*wake)(void *ctx);
        void *ctx;
};

/* What the latest metadata requests said (for the dashboard's health). */
struct metadata_watch_status {
        bool answered;   /* a request has finished */
        bool reachable;  /* the latest request got an answer */
        char error[160]; /* why the latest request failed */
        bool missing[METADATA_WATCH_TOPICS];   /* the topic does not exist */
        int leaderless[METADATA_WATCH_TOPICS]; /* partitions, no leader */
};

/** @brief Copies the latest status. @locality any thread; never waits for
 *         the broker. */
void metadata_watch_get_status(struct metadata_watch *mw,
                               struct metadata_watch_status *out);

/** @returns the watch with its thread started, or NULL. */
struct metadata_watch *
metadata_watch_start(const struct metadata_watch_config *cfg);

/** @brief Stops the thread (waits for a request in flight) and frees. */
void metadata_watch_stop(struct metadata_watch *mw);

/**
 * @brief The latest partition count of topic k (-1 before the first
 *        answer) and, for the first min(count, cap) partitions, the low and
 *        high watermarks read when the partition was first seen.
 *        @locality any thread; never waits for the broker.
 */
int metadata_watch_get(struct metadata_watch *mw, int k, int64_t *lo,
                       int64_t *hi, int cap);

#endif
