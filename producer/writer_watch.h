/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_WRITER_WATCH_H
#define PRODUCER_WRITER_WATCH_H

/*
 * Reads the status topic while the producer runs, on a thread and consumer
 * of its own, from the producer's start on (by message time): every status
 * record written since by another producer instance (core/writer_conflict.h) is
 * handed to the loop thread. Nothing else of the producer reads Kafka.
 *
 * Threads: the reader thread decodes and queues (one mutex around the
 * queue); the loop thread drains it in a uv_async callback and calls
 * on_seen there.
 */

#include <stddef.h>
#include <uv.h>

#include "common/settings.h"
#include "core/writer_conflict.h"

struct writer_watch;

typedef void (*writer_watch_cb)(void *ctx, const struct writer_seen *seen);

/**
 * @brief Creates the consumer (brokers, then the settings' -X properties)
 *        and starts its thread. Records of own_instance are skipped.
 * @returns the watch, or NULL with errstr set.
 */
struct writer_watch *
writer_watch_start(uv_loop_t *loop, const char *brokers, const char *topic,
                   const char *own_instance, uint64_t started_ms,
                   const struct settings *s, writer_watch_cb on_seen, void *ctx,
                   char *errstr, size_t errstr_size);

/** @brief Stops the thread, closes the async handle and frees (from its
 *         close callback: run the loop once more). NULL is a no-op. */
void writer_watch_stop(struct writer_watch *ww);

#endif
