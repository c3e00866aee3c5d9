/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_KAFKA_SINK_H
#define PRODUCER_KAFKA_SINK_H

/*
 * The librdkafka producer (shell). Idempotent; message.timeout.ms is 0
 * (infinite) unless the user sets it, so an outage of any length never
 * drops a message. Delivery reports are served on the loop thread: the
 * main queue signals a pipe watched by a uv_poll_t (no timer latency),
 * with a slow uv_timer as a backstop. Metadata requests (blocking calls in
 * librdkafka) run on the libuv thread pool; their results come back on the
 * loop thread.
 *
 * Payloads are produced with RD_KAFKA_MSG_F_COPY: the caller reuses one
 * encode buffer for every row, so librdkafka's copy is the only per-message
 * allocation besides the two headers (which librdkafka takes over).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "common/settings.h"
#include "common/wire.h"

struct kafka_sink_cbs {
        /** Delivery result of the message produced with seq. too_large:
         *  the message's size when Kafka refused it for being too large
         *  (a permanent error for that message), else 0. */
        void (*on_delivery)(void *ctx, uint64_t seq, bool ok, const char *error,
                            size_t too_large);
        /** A fatal librdkafka error: the process must end. */
        void (*on_fatal)(void *ctx, const char *reason);
};

/* What a message carries besides key and value (wire format v3): the
 * packed csv.id header (its kind, identity and source id) and the message
 * timestamp. */
struct kafka_sink_headers {
        struct wire_id id;    /* packed into csv.id */
        int64_t timestamp_ms; /* CreateTime, ms since the epoch; 0: now */
};

struct kafka_sink;

/**
 * @brief Creates the producer: brokers, then our defaults, then the
 *        settings' librdkafka properties (-X wins). Borrowed: settings
 *        (only during the call), cbs, ctx.
 * @returns NULL with errstr filled on a bad property.
 */
struct kafka_sink *kafka_sink_create(uv_loop_t *loop, const char *brokers,
                                     const struct settings *s,
                                     const struct kafka_sink_cbs *cbs,
                                     void *ctx, char *errstr,
                                     size_t errstr_size);

/** @returns the largest message librdkafka sends (message.max.bytes). */
size_t kafka_sink_max_message_bytes(const struct kafka_sink *ks);

/**
 * @brief Prints every librdkafka property with the value the producer
 *        would use (librdkafka's default, ours, then the settings'), one
 *        key=value a line, secrets masked (-X list).
 * @returns 0, or -1 with errstr naming a bad property.
 */
int kafka_sink_print_config(const char *brokers, const struct settings *s,
                            FILE *out, char *errstr, size_t errstr_size);

/* What the latest metadata reply said about the requested topic. */
struct kafka_sink_topic_info {
        int partitions;
        int replicas;         /* replicas of partition 0 */
        int leaderless;       /* partitions without a leader */
        int under_replicated; /* partitions with fewer in-sync replicas */
        int min_isr_seen;     /* fewest in-sync replicas of a partition */
        bool created;         /* it did not exist: the broker created it */
        bool missing;         /* it does not exist */
        int64_t messages;     /* messages it holds (high - low watermark, summed
                                 over partitions); -1: not counted */
};

/** Result of kafka_sink_request_partitions: the topic's partition count,
 *  or a negative value when it is not known (error names why). */
typedef void (*kafka_sink_partitions_cb)(void *ctx, int count,
                                         const char *error);

/**
 * @brief Asks the cluster for topic's partition count without blocking the
 *        loop: the metadata request runs on the libuv thread pool (up to
 *        timeout_ms) and cb runs later on the loop thread. One request at
 *        a time. The topic is first looked for in the cluster's topic list;
 *        only when it is missing is it asked for by name, which makes the
 *        broker auto-create it (logged once as event=topic_auto_created
 *        with its partitions and replication factor), unless the settings
 *        had no-create-topic (then error says it is missing).
 * @returns 0 when queued, -1 when a request is still running (or the topic
 *          handle could not be made).
 */
int kafka_sink_request_partitions(struct kafka_sink *ks, const char *topic,
                                  int timeout_ms, kafka_sink_partitions_cb cb,
                                  void *ctx);

/**
 * @brief Makes the next metadata request also count the messages the topic
 *        holds (kafka_sink_topic_info's messages; one watermark request per
 *        partition, on the thread pool). Ignored while a request runs.
 */
void kafka_sink_count_messages(struct kafka_sink *ks);

/**
 * @brief Adds a topic (copied) that every metadata request also looks up:
 *        its auto-creation (partitions, replication factor) or, with
 *        --no-create-topic, its absence is logged once.
 * @returns 0, or -1 when full.
 */
int kafka_sink_also_check(struct kafka_sink *ks, const char *topic);

/** @brief The requested topic as the latest metadata reply described it
 *         (valid on the loop thread once a request's callback ran). */
const struct kafka_sink_topic_info *
kafka_sink_topic_info(const struct kafka_sink *ks);

/**
 * @brief Produces one message (payload copied). partition < 0: by key.
 * @returns 0, or -1 with error set (the message was not queued).
 */
int kafka_sink_produce(struct kafka_sink *ks, const char *topic,
                       int32_t partition, const char *key, size_t key_len,
                       const char *payload, size_t len,
                       const struct kafka_sink_headers *h, uint64_t seq,
                       const char **error);

/**
 * @brief The latest non-fatal librdkafka error ("_TRANSPORT: ..."), and
 *        in *at_ms the uv_now when it came. @returns NULL when none came
 *        since the latest successful delivery.
 */
const char *kafka_sink_last_error(const struct kafka_sink *ks, uint64_t *at_ms);

/* The opaque of messages whose delivery nobody tracks. */
#define KAFKA_SINK_UNTRACKED UINTPTR_MAX

/**
 * @brief Produces a message (payload copied, partition by key) whose
 *        delivery report is not passed on: status records.
 * @returns 0, or -1 when it could not be queued.
 */
int kafka_sink_produce_untracked(struct kafka_sink *ks, const char *topic,
                                 const char *key, const char *payload,
                                 size_t len);

/** @brief Serves delivery reports now (loop thread). */
void kafka_sink_poll(struct kafka_sink *ks);

/** @brief Waits up to timeout_ms for queued messages (shutdown only).
 *  @returns the number of messages still not delivered. */
int kafka_sink_flush(struct kafka_sink *ks, int timeout_ms);

/** @brief Messages librdkafka still holds. */
int kafka_sink_outq_len(struct kafka_sink *ks);

/** @brief Closes the loop handles and destroys the producer. */
void kafka_sink_destroy(struct kafka_sink *ks);

#endif
