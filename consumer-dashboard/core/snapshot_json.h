/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_SNAPSHOT_JSON_H
#define DASHBOARD_CORE_SNAPSHOT_JSON_H

/*
 * Renders the aggregates as the API's JSON (docs/api.md): the snapshot, one
 * page of rows, the per-category table, and CSV export chunks. Sums, minima
 * and maxima are printed as exact decimal text; means as doubles. The query
 * of the rows and export endpoints is parsed by rows_query.h.
 *
 * Pure code: no I/O, no locks. Rendering may bring a sort index up to date
 * (or, in deferred mode, ask for it: aggregates.h), so it needs the same
 * (single) thread that applies messages.
 */

#include <stdbool.h>
#include <stdint.h>

#include "aggregates.h"
#include "common/health.h"
#include "common/wire.h"
#include "dlq_stats.h"
#include "latency.h"
#include "producer_status.h"
#include "rows_query.h"
#include "topic_loss.h"

/* What the Kafka shell knows about the stream. */
struct snapshot_stream {
        const char *topic;
        const char *dlq_topic;
        int partitions;
        int64_t now_ms;
        int64_t lag; /* messages behind the high watermarks; -1 unknown */
        uint64_t messages;
        uint64_t decode_errors;
        bool caught_up;
        uint64_t catchup_consumed;
        uint64_t catchup_target;
        const struct latency *latency;
        const struct health *health;     /* common/health.h; NULL: unknown */
        bool kafka_ok;                   /* the broker answers */
        const char *producers_json;      /* JSON array of producer status */
        const struct topic_loss *losses; /* rows gone from the topic;
                                            NULL: none known */
};

/* Results of the table renderers besides 0. */
enum {
        SNAPSHOT_NOMEM          = -1,
        SNAPSHOT_UNKNOWN_COLUMN = -2,
        SNAPSHOT_NOT_READY      = -3, /* deferred: the sort index is behind */
        SNAPSHOT_OVER_BUDGET    = -4, /* the sort index does not fit */
        SNAPSHOT_GONE = -5, /* an export's row is gone (a new generation) */
};

/** @brief Appends the whole snapshot object to out. @returns 0 or -1. */
int snapshot_render(struct aggregates *a, const struct dlq_stats *dlq,
                    const struct snapshot_stream *st, struct wire_buf *out);

/**
 * @brief Appends one page as {"page":..,"rows":[[...]],...}.
 * @returns 0 or one of the SNAPSHOT_ results; nothing is appended unless 0.
 */
int snapshot_render_rows(struct aggregates *a, const struct rows_query *q,
                         struct wire_buf *out);

/**
 * @brief Looks up what source's producer last said (status topic).
 * @returns true with *out filled in, false when nothing is known.
 */
typedef bool (*snapshot_producer_cb)(void *ctx, const char *source,
                                     struct producer_status_info *out);

/**
 * @brief Appends {"generated_ms":..,"sources":[{"id","rows","generation",
 *        "generation_time","changed_ms","changed_time","complete",
 *        "reason","deleted","empty","pending","missing","producer"}]}
 *        (docs/api.md), every source ever seen, sorted by id. producer and
 *        losses (topic_loss.h: rows gone from the topic) may be NULL.
 * @returns 0 or -1.
 */
int snapshot_render_sources(const struct aggregates *a,
                            snapshot_producer_cb producer, void *ctx,
                            const struct topic_loss *losses, int64_t now_ms,
                            struct wire_buf *out);

/** @brief Appends the full per-category table. @returns 0 or -1. */
int snapshot_render_categories(struct aggregates *a, struct wire_buf *out);

/* Where a chunked export has got to: the last row it wrote. Rows that
 * arrive meanwhile may sort before it, so the next chunk starts after that
 * row, not at an offset (an offset repeated rows). */
struct csv_cursor {
        bool set;
        aggregates_row_ref ref;
        uint64_t hint; /* for aggregates_page_position() */
        uint64_t view; /* the view the reference belongs to */
};

/**
 * @brief Appends rows [offset, offset+limit) of the sorted table as CSV;
 *        offset 0 starts with the header line. With a cursor set by the
 *        previous chunk, the rows start after the cursor's row instead
 *        (no header); the cursor then moves to this chunk's last row.
 *        *more tells whether rows remain after this chunk.
 *        SNAPSHOT_GONE: the cursor's row is gone (the view changed).
 * @returns 0 or one of the SNAPSHOT_ results; nothing is appended unless 0.
 */
int snapshot_render_csv(struct aggregates *a, const struct rows_query *q,
                        uint64_t offset, uint64_t limit,
                        struct csv_cursor *cursor, bool *more,
                        struct wire_buf *out);

#endif
