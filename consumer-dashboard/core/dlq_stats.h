/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_DLQ_STATS_H
#define DASHBOARD_CORE_DLQ_STATS_H

/*
 * Data-quality counters from the dead-letter topic: how many records were
 * rejected, why (grouped by reason text), and the last few of them.
 *
 * Pure code: no I/O, no locks.
 */

#include <stdint.h>

#include "common/wire.h"

#define DLQ_REASONS_MAX 32 /* more distinct reasons count as "other" */
#define DLQ_LAST_MAX    10
#define DLQ_RAW_MAX     256 /* bytes of raw text kept per entry */

struct dlq_stats;

struct dlq_stats *dlq_stats_create(void);
void dlq_stats_destroy(struct dlq_stats *d);

/** @brief Counts one dead-letter message (its decoded value). */
void dlq_stats_add(struct dlq_stats *d, const struct wire_object *value);

/** @returns dead-letter messages counted. */
uint64_t dlq_stats_count(const struct dlq_stats *d);

/**
 * @brief Appends {"count":N,"reasons":[...],"last":[...]} to b (the caller
 *        adds the topic). @returns 0 or -1 when memory runs out.
 */
int dlq_stats_render(const struct dlq_stats *d, struct wire_buf *b);

#endif
