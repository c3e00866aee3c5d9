/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_DLQ_STATS_H
#define DASHBOARD_CORE_DLQ_STATS_H

/*
 * Data-quality counters from the dead-letter topic, per source and
 * generation: the panel shows the rejects of each source's current
 * generation (how many, why, the last few); the rejects of earlier
 * generations (the file was rewritten since) are counted as history.
 * Per source the two newest generations are kept in detail (the one shown
 * and a newer one still being read); older ones fold into the history.
 *
 * Pure code: no I/O, no locks.
 */

#include <stdint.h>

#include "common/wire.h"

#define DLQ_REASONS_MAX 32 /* per generation; more count as "other" */
#define DLQ_LAST_MAX    10
#define DLQ_RAW_MAX     256 /* bytes of raw text kept per entry */
#define DLQ_SOURCE_MAX  512 /* bytes of a source id kept, NUL included */

struct dlq_stats;

struct dlq_stats *dlq_stats_create(void);
void dlq_stats_destroy(struct dlq_stats *d);

/** @brief Counts one dead-letter message (its decoded value: source,
 *         generation, line, reason, raw). @returns 0, or -1 when out of
 *         memory (the message is then counted as history only). */
int dlq_stats_add(struct dlq_stats *d, const struct wire_object *value);

/** @returns dead-letter messages counted, all generations. */
uint64_t dlq_stats_count(const struct dlq_stats *d);

/** The generation a source currently shows, or 0 when it shows none (then
 *  its newest dead-letter generation counts as current). */
typedef uint64_t (*dlq_current_cb)(void *ctx, const char *source);

/**
 * @brief Appends {"count":N,"reasons":[...],"last":[...],"history":H,
 *        "total":T} to b: count, reasons and last cover the current
 *        generations only, history the earlier ones (the caller adds the
 *        topic). With `source` (NULL: every source) every figure is that
 *        source's alone; messages that could not be told apart by source
 *        (out of memory) are then in no figure.
 * @returns 0 or -1 when memory runs out.
 */
int dlq_stats_render(const struct dlq_stats *d, dlq_current_cb current,
                     void *ctx, const char *source, struct wire_buf *b);

#endif
