/* SPDX-License-Identifier: MIT */
#include "common/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check {
        const char *name;
        bool failing;
        bool degraded; /* as of the last evaluation */
        uint64_t since_ms;
        uint64_t grace_ms;
        uint64_t logged_ms; /* last event reported */
        char text[HEALTH_TEXT_MAX];
};

struct health {
        uint64_t repeat_ms;
        size_t count;
        struct check checks[HEALTH_CHECKS_MAX];
};

struct health *health_create(const char *const *names, size_t count,
                             uint64_t repeat_ms)
{
        struct health *h;

        if (count > HEALTH_CHECKS_MAX) {
                return NULL;
        }
        h = calloc(1, sizeof(*h));
        if (!h) {
                return NULL;
        }
        h->repeat_ms = repeat_ms;
        h->count     = count;
        for (size_t i = 0; i < count; i++) {
                h->checks[i].name = names[i];
        }
        return h;
}

void health_destroy(struct health *h)
{
        free(h);
}

void health_fail(struct health *h, int c, uint64_t since_ms, uint64_t grace_ms,
                 const char *text)
{
        struct check *k = &h->checks[c];

        if (!k->failing || since_ms != 0) {
                k->since_ms = since_ms;
        }
        k->failing  = true;
        k->grace_ms = grace_ms;
        snprintf(k->text, sizeof(k->text), "%s", text ? text : "");
}

void health_pass(struct health *h, int c)
{
        h->checks[c].failing = false;
}

void health_evaluate(struct health *h, uint64_t now_ms, health_event_cb cb,
                     void *ctx)
{
        for (size_t i = 0; i < h->count; i++) {
                struct check *k = &h->checks[i];
                uint64_t age    = 0;
                bool degraded;

                if (k->failing && k->since_ms == 0) {
                        k->since_ms = now_ms; /* first seen now */
                }
                age = k->failing && now_ms > k->since_ms ? now_ms - k->since_ms
                                                         : 0;
                degraded = k->failing && age >= k->grace_ms;
                if (degraded && !k->degraded) {
                        k->logged_ms = now_ms;
                        cb(ctx, k->name, HEALTH_DEGRADED, k->text, age);
                } else if (degraded && now_ms - k->logged_ms >= h->repeat_ms) {
                        k->logged_ms = now_ms;
                        cb(ctx, k->name, HEALTH_STILL, k->text, age);
                } else if (!degraded && k->degraded) {
                        /* How long it was failing, not the 0 of a pass. */
                        uint64_t failed =
                            now_ms > k->since_ms ? now_ms - k->since_ms : 0;
                        cb(ctx, k->name, HEALTH_RECOVERED, k->text, failed);
                }
                k->degraded = degraded;
        }
}

bool health_is_degraded(const struct health *h)
{
        for (size_t i = 0; i < h->count; i++) {
                if (h->checks[i].degraded) {
                        return true;
                }
        }
        return false;
}

bool health_check_degraded(const struct health *h, int c)
{
        return h->checks[c].degraded;
}

size_t health_check_count(const struct health *h)
{
        return h->count;
}

const char *health_check_get(const struct health *h, int c, const char **text)
{
        *text = h->checks[c].degraded ? h->checks[c].text : NULL;
        return h->checks[c].name;
}

void health_reason(const struct health *h, char *buf, size_t size)
{
        size_t n = 0;

        if (size == 0) {
                return;
        }
        buf[0] = '\0';
        for (size_t i = 0; i < h->count && n < size; i++) {
                const struct check *k = &h->checks[i];
                int r;
                if (!k->degraded) {
                        continue;
                }
                r = snprintf(buf + n, size - n, "%s%s: %s", n ? "; " : "",
                             k->name, k->text);
                if (r < 0) {
                        break;
                }
                n += (size_t)r;
        }
}
