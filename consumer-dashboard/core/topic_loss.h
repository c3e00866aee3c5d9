/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_TOPIC_LOSS_H
#define DASHBOARD_CORE_TOPIC_LOSS_H

/*
 * Rows of a generation that are gone from the topic: retention deleted the
 * oldest segments, someone ran kafka-delete-records, the topic was
 * recreated with fewer messages. The reading rule alone would show fewer
 * rows without a word; this says so, per source, exactly where the
 * dashboard can know it:
 *
 *   - a generation whose snapshot-complete message is known promised
 *     row_count good rows among records 1..last_record (records that went
 *     to the dead-letter topic are not in row_count, so they never count as
 *     missing). Once every row of it that the topic still holds has been
 *     read, row_count minus the rows held is exact. "Every row read": the
 *     producer writes the snapshot-complete message to every partition
 *     after the rows, and a partition keeps order, so a partition whose
 *     copy has been read holds no more of those rows. A partition whose
 *     oldest messages were deleted before the dashboard started (log-start
 *     offset > 0) and whose copy of the generation's reset was not read
 *     (deleted with them) counts as read once the replay is caught up,
 *     when the generation was complete before the dashboard started. Once
 *     read so, a generation stays so: a partition added to the topic later
 *     holds none of those rows.
 *   - a generation shown whose reset was read on no partition (or not on a
 *     partition whose start was deleted) and whose snapshot-complete is
 *     not known lost its start: how many rows is not known, only the
 *     lowest record still held.
 *
 * A generation still being read never counts: nothing is judged before
 * the replay since start-up is caught up, nor before every partition's
 * snapshot-complete (or its deletion, as above) has been read.
 *
 * Pure code: no I/O, no locks, no clock. The Kafka thread owns it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregates.h"
#include "common/wire.h"

struct topic_loss;

enum topic_loss_reason {
        TOPIC_LOSS_START_DELETED = 0, /* a partition's log start > 0 */
        TOPIC_LOSS_NOT_READ,          /* every partition starts at 0 */
};

/* What is missing from one source. */
struct topic_loss_finding {
        const char *source; /* borrowed until the next evaluate */
        uint64_t generation;
        bool shown;        /* the generation shown, else a newer one that
                              therefore cannot replace it */
        bool rows_known;   /* rows is exact */
        uint64_t rows;     /* rows missing (rows_known) */
        uint64_t expected; /* row_count of its snapshot-complete (known) */
        uint64_t before;   /* !rows_known: records below this one are gone */
        enum topic_loss_reason reason;
        int32_t partition; /* START_DELETED: a partition whose start is */
        int64_t log_start; /* gone, and its log-start offset */
};

/* A finding that appeared, changed (old and new) or cleared (new NULL). */
typedef void (*topic_loss_change_cb)(void *ctx,
                                     const struct topic_loss_finding *old,
                                     const struct topic_loss_finding *now);

struct topic_loss *topic_loss_create(void);
void topic_loss_destroy(struct topic_loss *t);

/**
 * @brief A reset or snapshot-complete message of the data topic was read
 *        on `partition`. before_start: its offset is below the partition's
 *        high watermark when the dashboard assigned it (it was written
 *        before the dashboard started). Other kinds are ignored.
 * @returns 0, or -1 when out of memory (that generation is then never
 *          judged: no false alarm).
 */
int topic_loss_control(struct topic_loss *t, const struct aggregates_message *m,
                       int32_t partition, bool before_start);

/* What the shell knows of the data topic's partitions. */
struct topic_loss_topic {
        const int64_t *log_start; /* per partition, at assignment */
        int partitions;
        bool caught_up; /* the replay since start-up is done */
};

/**
 * @brief Judges every source of a (the generations it shows and the one it
 *        collects), keeps the findings, and calls change for each finding
 *        that appeared, changed or cleared since the last call.
 * @returns 0, or -1 when out of memory (the previous findings stay).
 */
int topic_loss_evaluate(struct topic_loss *t, const struct aggregates *a,
                        const struct topic_loss_topic *topic,
                        topic_loss_change_cb change, void *ctx);

/** @returns the finding for source, or NULL when nothing is missing. */
const struct topic_loss_finding *topic_loss_find(const struct topic_loss *t,
                                                 const char *source);

/** @returns sources with a finding, and the exact rows missing summed. */
size_t topic_loss_sources(const struct topic_loss *t);
uint64_t topic_loss_rows(const struct topic_loss *t);

/** @returns "topic_start_deleted" or "not_read". */
const char *topic_loss_reason_name(enum topic_loss_reason r);

/**
 * @brief Appends source's finding as JSON, or null (t may be NULL):
 *        {"generation","shown","rows","expected","before_record","reason",
 *        "partition","log_start"} (docs/api.md). @returns 0 or -1.
 */
int topic_loss_render(const struct topic_loss *t, const char *source,
                      struct wire_buf *b);

/**
 * @brief One line of English for a finding (the log's and the API's
 *        "message"), into buf. @returns buf.
 */
const char *topic_loss_describe(const struct topic_loss_finding *f, char *buf,
                                size_t size);

#endif
