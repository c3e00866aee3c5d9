/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_KAFKA_FETCH_H
#define DASHBOARD_KAFKA_FETCH_H

/*
 * The fetch thread: takes messages from the consumer's queue, has
 * librdkafka parse each one's headers, and hands them to the Kafka thread
 * in batches through the message pipe (message_pipe.h), in the order they
 * were consumed. It frees the messages of the batches the Kafka thread has
 * applied. With it, a replay's per-message librdkafka work (polling,
 * header parsing, freeing) runs beside the decoding and the aggregates on
 * the other core.
 *
 * It never touches the aggregates, and it does not decode: the Kafka
 * thread reads each message as before.
 */

#include <librdkafka/rdkafka.h>

#include "message_pipe.h"

struct kafka_fetch;

/**
 * @brief Starts the fetch thread on rk's consumer queue (rk must have
 *        rd_kafka_poll_set_consumer()). The pipe is borrowed, and its
 *        items are rd_kafka_message_t (release them with
 *        kafka_fetch_release).
 * @returns the thread's handle, or NULL when it cannot start.
 */
struct kafka_fetch *kafka_fetch_start(rd_kafka_t *rk, rd_kafka_queue_t *queue,
                                      struct message_pipe *pipe);

/**
 * @brief Stops and joins the fetch thread (close the pipe first, so a wait
 *        for a free slot ends too). NULL is a no-op.
 */
void kafka_fetch_stop(struct kafka_fetch *f);

/** @brief The pipe's release function: destroys one consumed message. */
void kafka_fetch_release(void *message);

#endif
