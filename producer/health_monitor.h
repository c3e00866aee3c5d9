/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_HEALTH_MONITOR_H
#define PRODUCER_HEALTH_MONITOR_H

/*
 * The producer's health (libuv shell around common/health): once a second
 * it reads each source's pipeline (pipeline_probe) and the Kafka sink and
 * judges, per source,
 *
 *   delivery    the oldest unacknowledged message is older than stall_ms;
 *               the reason names the blocking broker error (the latest
 *               librdkafka error, partitions without a leader, too few
 *               in-sync replicas, from a metadata request made while
 *               stalled)
 *   topic       the topic is missing or its metadata cannot be read
 *   file        the file cannot be read (permission denied, a directory)
 *               or does not exist
 *   held        bytes at the end of the file are held back for stall_ms:
 *               an open quote or a last line without its newline
 *   checkpoint  the state file cannot be saved
 *   conflict    a newer producer instance writes the same source (it
 *               stops when it reads this one's status record; this one
 *               then sends the file again)
 *
 * A degraded check is logged once (event=health_degraded), again every
 * 30 s while it lasts, and once when it clears (event=health_recovered);
 * /healthz answers 503 with the reasons meanwhile. The age of the oldest
 * unacknowledged message and the held bytes are metrics.
 *
 * Thread: the loop thread only.
 */

#include <stdint.h>
#include <uv.h>

#include "kafka_sink.h"
#include "metrics_http.h"
#include "pipeline.h"
#include "source_set.h"

struct health_monitor;

struct health_monitor_config {
        uint64_t stall_ms;
        const char *status_topic; /* "<topic>.status" (copied) */
        const char *instance;     /* this run's instance id (copied) */
        uint64_t started_ms;      /* this run's start, wall clock */
        uint64_t status_interval_ms;
};

/**
 * @brief Creates the monitor and starts its timer. set, sink and metrics
 *        are borrowed and must outlive it. Every source of the set (also
 *        those added later) is judged on its own; /healthz joins their
 *        reasons (each prefixed by its source when there are several). Every
 *        status_interval_ms it also produces the source's status record
 *        to the status topic, keyed by source (docs/producer.md).
 * @returns NULL when out of memory.
 */
struct health_monitor *
health_monitor_start(uv_loop_t *loop, const struct health_monitor_config *cfg,
                     struct source_set *set, struct kafka_sink *sink,
                     struct producer_metrics *m);

/** @brief Produces a last status record with state "stopped" (call when
 *         shutting down, before the final flush). NULL is a no-op. */
void health_monitor_stopping(struct health_monitor *hm);

/** @brief Source i of the set is written by a newer producer instance
 *         too (seen now): its conflict check fails until three of that
 *         one's status intervals pass without another of its records. */
void health_monitor_newer_writer(struct health_monitor *hm, size_t i,
                                 const char *instance, uint64_t interval_ms);

/** @brief Stops and closes the timer, then frees (from the close
 *         callback; run the loop once more). NULL is a no-op. */
void health_monitor_destroy(struct health_monitor *hm);

#endif
