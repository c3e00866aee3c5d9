/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_DASHBOARD_HEALTH_H
#define DASHBOARD_DASHBOARD_HEALTH_H

/*
 * The dashboard's health (a shell around common/health, fed by the Kafka
 * thread): whether what the page shows can be trusted now.
 *
 *   kafka       the broker does not answer metadata requests
 *   topic       the data topic does not exist (never "caught up" then)
 *   partitions  partitions of the data topic have no leader
 *   replay      the replay made no progress for DASHBOARD_STALL_MS
 *
 * Each change of state is logged once (event=health_degraded /
 * event=health_recovered); the snapshot carries the problems for the
 * page's banner and /healthz answers 503 with their reasons.
 *
 * @locality Kafka thread only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/health.h"
#include "metadata_watch.h"

#define DASHBOARD_STALL_MS 10000

/* What the Kafka thread observed. */
struct dashboard_health_input {
        const char *topic;
        const struct metadata_watch_status *meta;
        bool caught_up;
        int partitions;            /* of the data topic, assigned */
        uint64_t messages;         /* consumed so far */
        uint64_t consumed, target; /* catch-up progress */
};

struct dashboard_health;

struct dashboard_health *dashboard_health_create(void);
void dashboard_health_destroy(struct dashboard_health *dh);

/** @brief Judges the input at now_ms and logs the changes. */
void dashboard_health_update(struct dashboard_health *dh,
                             const struct dashboard_health_input *in,
                             int64_t now_ms);

/** @returns the checks, for rendering. */
const struct health *dashboard_health_state(const struct dashboard_health *dh);

/** @returns true when the broker answered the latest metadata request. */
bool dashboard_health_kafka_ok(const struct dashboard_health *dh);

#endif
