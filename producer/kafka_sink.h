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
 * allocation besides the headers (which librdkafka takes over).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/settings.h"

struct kafka_sink_cbs {
        /** Delivery result of the message produced with seq. */
        void (*on_delivery)(void *ctx, uint64_t seq, bool ok,
                            const char *error);
        /** A fatal librdkafka error: the process must end. */
        void (*on_fatal)(void *ctx, const char *reason);
};

/* Header values of one message (NUL-terminated ASCII; NULL: omitted). */
struct kafka_sink_headers {
        const char *kind;
        const char *source;
        const char *generation;
        const char *record;
        const char *offset;
        const char *schema;
        const char *read_ts;
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

/** Result of kafka_sink_request_partitions: the topic's partition count,
 *  or a negative value when it is not known (error names why). */
typedef void (*kafka_sink_partitions_cb)(void *ctx, int count,
                                         const char *error);

/**
 * @brief Asks the cluster for topic's partition count without blocking the
 *        loop: the metadata request runs on the libuv thread pool (up to
 *        timeout_ms) and cb runs later on the loop thread. One request at
 *        a time.
 * @returns 0 when queued, -1 when a request is still running (or the topic
 *          handle could not be made).
 */
int kafka_sink_request_partitions(struct kafka_sink *ks, const char *topic,
                                  int timeout_ms, kafka_sink_partitions_cb cb,
                                  void *ctx);

/**
 * @brief Produces one message (payload copied). partition < 0: by key.
 * @returns 0, or -1 with error set (the message was not queued).
 */
int kafka_sink_produce(struct kafka_sink *ks, const char *topic,
                       int32_t partition, const char *key, size_t key_len,
                       const char *payload, size_t len,
                       const struct kafka_sink_headers *h, uint64_t seq,
                       const char **error);

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
