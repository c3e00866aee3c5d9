/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_SOURCE_SET_H
#define PRODUCER_SOURCE_SET_H

/*
 * The files one producer watches (loop thread only). Each -f pattern is a
 * path or a glob(3) pattern; patterns are expanded at start and again every
 * rescan period, so files that appear later and match are picked up. Each
 * file is its own source: its absolute path (directory canonical, name as
 * given) is its identity, and
 * it has its own state file and lock in the one state dir, its own
 * pipeline and its own file tail. The Kafka sink is shared: a message's
 * sequence number carries its source's index in its top bits, and the
 * set hands each delivery report to its pipeline.
 *
 * A state file in the state dir whose source matches a pattern but whose
 * file is gone becomes a source too, so a restarted producer mirrors the
 * deletion (an empty generation after the grace time).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kafka_sink.h"
#include "metrics_http.h"
#include "pipeline.h"

struct source_set_config {
        const char *const *patterns; /* paths or glob patterns */
        size_t npatterns;
        const struct pipeline_config *base; /* source is filled per file */
        const char *state_dir;
        size_t chunk_bytes;
        uint64_t stat_interval_ms;
        uint64_t rescan_ms; /* 0: patterns expanded at start only */
        const char *owner;  /* written into each source's lock */
};

struct source_set;

/** Called once when every source has finished (status: the highest of
 *  their exit statuses). */
typedef void (*source_set_done_cb)(void *ctx, int status);

/** @brief The callbacks to hand to kafka_sink_create with the set as ctx. */
extern const struct kafka_sink_cbs source_set_sink_cbs;

/**
 * @brief Creates the set (no source yet). cfg strings and metrics are
 *        borrowed and must outlive it. @returns NULL with errstr filled.
 */
struct source_set *source_set_create(uv_loop_t *loop,
                                     const struct source_set_config *cfg,
                                     struct producer_metrics *metrics,
                                     source_set_done_cb done, void *done_ctx,
                                     char *errstr, size_t errstr_size);

/**
 * @brief Expands the patterns, creates and starts a source per file, and
 *        starts the rescan timer. sink is borrowed.
 * @returns 0, 1 when a source is already being produced by another
 *          process (errstr names it: the producer must not start), or -1
 *          (errstr).
 */
int source_set_start(struct source_set *set, struct kafka_sink *sink,
                     char *errstr, size_t errstr_size);

/** @returns the number of sources. */
size_t source_set_count(const struct source_set *set);

/** @returns source i's pipeline and watched path. */
struct pipeline *source_set_pipeline(const struct source_set *set, size_t i);
const char *source_set_path(const struct source_set *set, size_t i);

/** @brief Stops every source (flushes Kafka once for all). */
void source_set_shutdown(struct source_set *set, int flush_timeout_ms);

/** @brief Closes the loop handles of every source (before the last
 *         uv_run). */
void source_set_close_handles(struct source_set *set);

/** @brief Frees the set (after the loop handles are closed). */
void source_set_destroy(struct source_set *set);

#endif
