/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_QUERY_SERVICE_H
#define DASHBOARD_QUERY_SERVICE_H

/*
 * Answers the requests web threads queue in the hub (pages of rows, the
 * per-category table, CSV chunks, the snapshot with a viewer's own roles)
 * without ever making ingestion wait for a sort. A request's roles apply to
 * its answer only (aggregates_set_viewer_roles).
 *
 * The Kafka thread owns the aggregates, so it reads them for every answer,
 * but a request whose sort index is behind is set aside: the index's job
 * (sort_index.h) runs on this service's sort thread from keys copied out of
 * the aggregates, and the request is answered once the job is installed.
 * Copying keys and rendering a page are short; sorting is the long part,
 * and it is never on the Kafka thread.
 *
 * A viewer's snapshot is rendered at most once per published snapshot:
 * viewers of the same view (roles and source) share one text until the next
 * publish (at most SNAPSHOT_CACHE_MAX views are kept).
 *
 * Threads: query_service_poll() and query_service_finish() run on the Kafka
 * thread; the sort thread touches only the jobs it is handed (one mutex,
 * one condition variable, both here).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/aggregates.h"
#include "snapshot_hub.h"

struct query_service;

struct query_service_config {
        struct snapshot_hub *hub;
        struct aggregates *agg;
        size_t index_budget; /* bytes for sort indexes */
        /* Wakes the Kafka thread when a job is done (thread-safe). */
        void (*wake)(void *ctx);
        /* Renders the whole snapshot (Kafka thread) with the roles set. */
        int (*render_snapshot)(void *ctx, struct wire_buf *out);
        /* Renders the sources table (Kafka thread). */
        int (*render_sources)(void *ctx, struct wire_buf *out);
        void *ctx;
};

/** @returns the service with its sort thread running, or NULL. */
struct query_service *
query_service_create(const struct query_service_config *cfg);

/**
 * @brief Installs finished jobs, answers what can be answered, and hands
 *        the next jobs to the sort thread. @locality Kafka thread.
 */
void query_service_poll(struct query_service *qs);

/**
 * @brief A new snapshot was published: snapshots rendered for viewers'
 *        roles and sources since the last one are not reused any more.
 *        Until the next, one (roles, source) view is rendered once and the
 *        same text answers every request for it. @locality Kafka thread.
 */
void query_service_published(struct query_service *qs);

/**
 * @brief Viewers' snapshots rendered, and answered with the render of the
 *        same view since the last publish. @locality Kafka thread.
 */
void query_service_view_counts(const struct query_service *qs,
                               uint64_t *rendered, uint64_t *shared);

/**
 * @brief Asks for the index of the table's first page (value column,
 *        descending), so that the first viewer does not wait for it.
 *        @locality Kafka thread.
 */
void query_service_warm(struct query_service *qs);

/**
 * @brief Answers every request still set aside with 503 (the Kafka thread
 *        is stopping). @locality Kafka thread.
 */
void query_service_finish(struct query_service *qs);

/**
 * @brief Stops the sort thread and frees the service. Call after the Kafka
 *        thread stopped, before the aggregates are destroyed. NULL: no-op.
 */
void query_service_destroy(struct query_service *qs);

#endif
