/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_TIMELINE_H
#define DASHBOARD_CORE_TIMELINE_H

/*
 * One source's rows per second and, for each numeric column, the exact sum
 * of its numbers per second, over the last TIMELINE_SECONDS, by the rows'
 * Kafka timestamps (when the producer read them), for the page's live time
 * chart. Keeping every numeric column lets each viewer's chart follow its
 * own value column. Rows older than the window are not counted here (they
 * are in every other figure).
 *
 * Bounded memory: the first TIMELINE_COLUMNS_MAX columns that hold a number
 * (per source, in the order they are first seen) get sums; a column past
 * them has none, and a render for it says so ("values_unavailable"). A
 * second's buckets of sums are allocated when it first holds a number.
 *
 * Pure code: no I/O, no locks, no clock (time comes in as a parameter).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

#define TIMELINE_SECONDS     120
#define TIMELINE_COLUMNS_MAX 16

struct timeline;

/** @returns an empty timeline, or NULL (out of memory). */
struct timeline *timeline_create(void);
void timeline_destroy(struct timeline *t);

/** @returns whether a row read at ts_ms falls in the window ending now. */
bool timeline_in_window(int64_t ts_ms, int64_t now_ms);

/**
 * @brief Counts one row read at ts_ms (Kafka timestamp) and adds each of
 *        its numbers to its column's sum of that second. A row from before
 *        the window that ends at now_ms, or from the future, is not counted.
 * @returns 0, or -1 when memory ran out (that second's sums are then
 *          marked unknown, never wrong).
 */
int timeline_add(struct timeline *t, int64_t ts_ms,
                 const struct wire_object *row, int64_t now_ms);

/** @returns bytes held. */
size_t timeline_memory(const struct timeline *t);

/**
 * @brief Appends the seconds ending at now_ms, oldest first, of the n
 *        timelines merged (NULL entries are skipped):
 *        {"interval_ms":1000,"from_ms":..,"rows":[..],"values":[..],
 *        "values_unavailable":..,"columns_max":TIMELINE_COLUMNS_MAX}.
 *        values[i] is the exact sum of column `value` in that second
 *        (null when it had no number or a sum is unknown; all null when
 *        value is NULL). values_unavailable is null, or "column_limit"
 *        when a timeline keeps no sums for `value` because it reached
 *        TIMELINE_COLUMNS_MAX (values are then all null).
 * @returns 0 or -1 (out of memory).
 */
int timeline_render(const struct timeline *const *t, size_t n,
                    const char *value, int64_t now_ms, struct wire_buf *out);

#endif
