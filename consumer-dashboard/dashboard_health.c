/* SPDX-License-Identifier: MIT */
#include "dashboard_health.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/kafka_conf.h"
#include "common/log.h"

#define KAFKA_GRACE_MS 2500

enum { CHECK_KAFKA, CHECK_TOPIC, CHECK_PARTITIONS, CHECK_REPLAY, CHECK_COUNT };

static const char *const check_names[CHECK_COUNT] = {"kafka", "topic",
                                                     "partitions", "replay"};

struct dashboard_health {
        struct health *health;
        bool kafka_ok;
        uint64_t last_messages;
        int64_t progress_ms; /* when messages last grew */
};

struct dashboard_health *dashboard_health_create(void)
{
        struct dashboard_health *dh = calloc(1, sizeof(*dh));

        if (!dh) {
                return NULL;
        }
        /* One line per change of state: no repeats. */
        dh->health = health_create(check_names, CHECK_COUNT, UINT64_MAX);
        if (!dh->health) {
                free(dh);
                return NULL;
        }
        return dh;
}

void dashboard_health_destroy(struct dashboard_health *dh)
{
        if (dh) {
                health_destroy(dh->health);
                free(dh);
        }
}

static void on_event(void *ctx, const char *check, enum health_event ev,
                     const char *text, uint64_t failing_ms)
{
        (void)ctx;
        if (ev == HEALTH_RECOVERED) {
                log_info("event=health_recovered check=%s after_ms=%" PRIu64,
                         check, failing_ms);
        } else {
                log_warn("event=health_degraded check=%s reason=\"%s\"", check,
                         text);
        }
}

void dashboard_health_update(struct dashboard_health *dh,
                             const struct dashboard_health_input *in,
                             int64_t now_ms)
{
        const struct metadata_watch_status *m = in->meta;
        char text[HEALTH_TEXT_MAX + 512], last[160];
        uint64_t now = (uint64_t)now_ms;

        dh->kafka_ok = m->answered && m->reachable;
        if (m->answered && !m->reachable) {
                if (kafka_conf_last_error(last, sizeof(last))) {
                        snprintf(text, sizeof(text),
                                 "the broker does not answer (%s; last "
                                 "error: %s)",
                                 m->error, last);
                } else {
                        snprintf(text, sizeof(text),
                                 "the broker does not answer (%s)", m->error);
                }
                /* Two failed requests in a row (one is retried 2 s
                 * later): a single slow answer is no outage. */
                health_fail(dh->health, CHECK_KAFKA, 0, KAFKA_GRACE_MS, text);
        } else {
                health_pass(dh->health, CHECK_KAFKA);
        }
        if (dh->kafka_ok && m->missing[0]) {
                snprintf(text, sizeof(text), "topic %s does not exist",
                         in->topic);
                health_fail(dh->health, CHECK_TOPIC, 0, 0, text);
        } else if (dh->kafka_ok) {
                health_pass(dh->health, CHECK_TOPIC);
        }
        if (dh->kafka_ok && m->leaderless[0] > 0) {
                snprintf(text, sizeof(text),
                         "%d partitions of topic %s have no leader",
                         m->leaderless[0], in->topic);
                health_fail(dh->health, CHECK_PARTITIONS, 0, 0, text);
        } else if (dh->kafka_ok) {
                health_pass(dh->health, CHECK_PARTITIONS);
        }
        if (in->messages != dh->last_messages || dh->progress_ms == 0 ||
            in->caught_up) {
                dh->last_messages = in->messages;
                dh->progress_ms   = now_ms;
        }
        if (!in->caught_up && in->partitions > 0 &&
            now_ms - dh->progress_ms >= DASHBOARD_STALL_MS) {
                snprintf(text, sizeof(text),
                         "the replay is stalled at %" PRIu64 " of %" PRIu64
                         " messages",
                         in->consumed, in->target);
                health_fail(dh->health, CHECK_REPLAY, (uint64_t)dh->progress_ms,
                            DASHBOARD_STALL_MS, text);
        } else {
                health_pass(dh->health, CHECK_REPLAY);
        }
        health_evaluate(dh->health, now, on_event, dh);
}

const struct health *dashboard_health_state(const struct dashboard_health *dh)
{
        return dh->health;
}

bool dashboard_health_kafka_ok(const struct dashboard_health *dh)
{
        return dh->kafka_ok;
}
