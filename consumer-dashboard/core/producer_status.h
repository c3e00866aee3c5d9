/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_PRODUCER_STATUS_H
#define DASHBOARD_CORE_PRODUCER_STATUS_H

/*
 * The latest status record of each source's producer, as read from the
 * compacted status topic (csv-producer writes one per source every few
 * seconds, keyed by source): whether the producer is alive, caught up,
 * blocked or holding data, and why.
 *
 * Pure code: no I/O, no locks, time is a parameter.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

#define PRODUCER_STATUS_TEXT_MAX 256
#define PRODUCER_STATUS_MAX      1024 /* sources; more are not shown */

struct producer_status;

struct producer_status *producer_status_create(void);
void producer_status_destroy(struct producer_status *ps);

/**
 * @brief Keeps value (a decoded status record; NULL: a tombstone, which
 *        forgets the source) as the latest of source key.
 * @returns 0, or -1 when the table is full or memory runs out.
 */
int producer_status_set(struct producer_status *ps, const char *key,
                        size_t key_len, const struct wire_object *value);

/* What the status table says of one source's producer. */
struct producer_status_info {
        char instance[64];
        char state[32];
        bool alive;
};

/**
 * @brief The latest status of source's producer at now_ms.
 * @returns true when a record of it is held (*out filled in).
 */
bool producer_status_get(const struct producer_status *ps, const char *source,
                         int64_t now_ms, struct producer_status_info *out);

/**
 * @brief Appends the JSON array of the sources' latest status, sorted by
 *        source: [{"source","instance","state","alive","age_ms",
 *        "pending","oldest_unacked_ms","held_bytes","held_why","file",
 *        "reason","notes"}], notes: what reading the source's current
 *        generation assumed, [{"kind":"encoding","text"} |
 *        {"kind":"number_guess","column"} | {"kind":"header_like_row"} |
 *        {"kind":"values_as_text","count","column"}]. A producer is alive when
 * its latest record is not "stopped" and not older than three of its intervals
 * at now_ms.
 * @returns 0 or -1 when memory runs out.
 */
int producer_status_render(const struct producer_status *ps, int64_t now_ms,
                           struct wire_buf *b);

#endif
