/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_TIMELINE_H
#define DASHBOARD_CORE_TIMELINE_H

/*
 * Rows per second and the value column's sum per second over the last
 * TIMELINE_SECONDS, by the rows' Kafka timestamps (when the producer read
 * them), for the page's live time chart. Rows older than the window are
 * not counted here (they are in every other figure).
 *
 * Pure code: no I/O, no locks, no clock (time comes in as a parameter).
 */

#include <stdbool.h>
#include <stdint.h>

#include "common/wire.h"

#define TIMELINE_SECONDS 120

struct timeline_bucket {
        int64_t second; /* Unix second; 0: empty */
        uint64_t rows;
        uint64_t values; /* rows with a number in the value column */
        double value_sum;
};

struct timeline {
        struct timeline_bucket b[TIMELINE_SECONDS];
};

/**
 * @brief Counts one row read at ts_ms (Kafka timestamp), with its value
 *        (has_value false: null or not a number). A row from before the
 *        window that ends at now_ms, or from the future, is not counted.
 */
void timeline_add(struct timeline *t, int64_t ts_ms, bool has_value,
                  double value, int64_t now_ms);

/** @brief Forgets everything (the value column changed). */
void timeline_clear(struct timeline *t);

/**
 * @brief Appends {"interval_ms":1000,"from_ms":..,"rows":[..],"values":[..]}
 *        for the TIMELINE_SECONDS seconds ending at now_ms, oldest first;
 *        values[i] is the sum of that second (null when it had none).
 * @returns 0 or -1 (out of memory).
 */
int timeline_render(const struct timeline *t, int64_t now_ms,
                    struct wire_buf *out);

#endif
