/* SPDX-License-Identifier: MIT */
/* Health checks: grace period, one event per change, bounded repeats. */
#include "check.h"
#include "common/health.h"

struct events {
        int degraded, still, recovered;
        uint64_t recovered_after_ms[2]; /* of the last two recoveries */
        char last[HEALTH_TEXT_MAX];
};

static void on_event(void *ctx, const char *check, enum health_event ev,
                     const char *text, uint64_t failing_ms)
{
        struct events *e = ctx;

        if (ev == HEALTH_RECOVERED) {
                e->recovered_after_ms[0] = e->recovered_after_ms[1];
                e->recovered_after_ms[1] = failing_ms;
        }
        e->degraded += ev == HEALTH_DEGRADED;
        e->still += ev == HEALTH_STILL;
        e->recovered += ev == HEALTH_RECOVERED;
        snprintf(e->last, sizeof(e->last), "%s %s", check, text);
}

static void test_grace_repeat_recover(void)
{
        static const char *const names[] = {"delivery", "file"};
        struct health *h                 = health_create(names, 2, 30000);
        struct events e                  = {0};
        char reason[256];

        /* Pending since t=1000, grace 10 s: not yet degraded at 5000. */
        health_fail(h, 0, 1000, 10000, "oldest message 4 s old");
        health_evaluate(h, 5000, on_event, &e);
        CHECK(!health_is_degraded(h));
        health_reason(h, reason, sizeof(reason));
        CHECK_EQ_STR(reason, "");
        /* Past the grace: one event, then silence until repeat_ms. */
        health_fail(h, 0, 1000, 10000, "NOT_ENOUGH_REPLICAS");
        health_evaluate(h, 11000, on_event, &e);
        health_evaluate(h, 12000, on_event, &e);
        CHECK_EQ_INT(e.degraded, 1);
        CHECK_EQ_INT(e.still, 0);
        CHECK_EQ_STR(e.last, "delivery NOT_ENOUGH_REPLICAS");
        CHECK(health_is_degraded(h));
        CHECK(health_check_degraded(h, 0));
        CHECK(!health_check_degraded(h, 1));
        health_evaluate(h, 41000, on_event, &e);
        CHECK_EQ_INT(e.still, 1);
        /* A second check with no grace joins the reason at once. */
        health_fail(h, 1, 0, 0, "permission denied");
        health_evaluate(h, 42000, on_event, &e);
        CHECK_EQ_INT(e.degraded, 2);
        health_reason(h, reason, sizeof(reason));
        CHECK_EQ_STR(reason,
                     "delivery: NOT_ENOUGH_REPLICAS; file: permission denied");
        /* Both clear: one recovery each, healthy again. */
        health_pass(h, 0);
        health_pass(h, 1);
        health_evaluate(h, 43000, on_event, &e);
        health_evaluate(h, 44000, on_event, &e);
        CHECK_EQ_INT(e.recovered, 2);
        /* Each recovery says how long its check was failing. */
        CHECK(e.recovered_after_ms[0] == 42000);
        CHECK(e.recovered_after_ms[1] == 1000);
        CHECK(!health_is_degraded(h));
        /* since 0 on a new failure: counted from the next evaluation. */
        health_fail(h, 1, 0, 5000, "missing");
        health_evaluate(h, 50000, on_event, &e);
        health_fail(h, 1, 0, 5000, "missing");
        health_evaluate(h, 54000, on_event, &e);
        CHECK(!health_is_degraded(h));
        health_evaluate(h, 55000, on_event, &e);
        CHECK(health_is_degraded(h));
        health_reason(h, reason, 10);
        CHECK_EQ_STR(reason, "file: mis");
        health_destroy(h);
}

int main(void)
{
        test_grace_repeat_recover();
        return check_exit();
}
