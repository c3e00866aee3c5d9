/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_STATUS_WATCH_H
#define DASHBOARD_STATUS_WATCH_H

/*
 * Reads the producers' compacted status topic (<topic>.status) on a thread
 * and consumer of its own, from the beginning, keeping the latest record
 * per source (core/producer_status.h). Kafka stays the only channel
 * between csv-producer and the dashboard. The Kafka thread renders the
 * table into each snapshot ("producers").
 *
 * @locks one mutex around the table, held only to update or render it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/settings.h"
#include "common/wire.h"
#include "core/producer_status.h"

struct status_watch;

/**
 * @brief Creates the consumer (brokers, then the settings' -X properties)
 *        and starts its thread. Strings are copied.
 * @returns the watch, or NULL with errstr set. @locality main thread.
 */
struct status_watch *status_watch_start(const char *brokers, const char *topic,
                                        const struct settings *s, char *errstr,
                                        size_t errstr_size);

/** @brief Stops the thread and frees. NULL is a no-op. */
void status_watch_stop(struct status_watch *sw);

/** @brief Appends the producers' JSON array (see producer_status_render).
 *  @returns 0 or -1. @locality any thread. */
int status_watch_render(struct status_watch *sw, int64_t now_ms,
                        struct wire_buf *b);

/** @brief What source's producer last said (producer_status_get).
 *  @returns true when known. @locality any thread. */
bool status_watch_get(struct status_watch *sw, const char *source,
                      int64_t now_ms, struct producer_status_info *out);

#endif
