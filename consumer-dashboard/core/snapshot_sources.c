/* SPDX-License-Identifier: MIT */
/* The sources table (GET /api/sources): each source's current generation
 * (as a number and as the time its file version started), its last change,
 * why its generation began, and what its producer last said. */
#include "snapshot_json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "snapshot_json_internal.h"

/* "2026-11-30T00:01:02.345Z" for ms since the epoch; null when unset. */
static int put_time(struct wire_buf *b, int64_t ms)
{
        if (ms <= 0) {
                return put(b, "null");
        }
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        char text[40];
        if (!gmtime_r(&secs, &tm) ||
            strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
                return put(b, "null");
        }
        return wire_buf_printf(b, "\"%s.%03dZ\"", text, (int)(ms % 1000));
}

static int put_text_or_null(struct wire_buf *b, const char *s)
{
        return s && s[0] ? put_str(b, s, strlen(s)) : put(b, "null");
}

/* "producer": the status topic's record, else the instance named by the
 * generation's reset message (its state then unknown). */
static int put_producer(struct wire_buf *b, const struct source *s,
                        snapshot_producer_cb producer, void *ctx)
{
        struct producer_status_info info;
        if (producer && producer(ctx, s->name, &info)) {
                int rc = put(b, "{\"instance\":");
                rc |= put_text_or_null(b, info.instance);
                rc |= put(b, ",\"state\":");
                rc |= put_text_or_null(b, info.state);
                return rc | wire_buf_printf(b, ",\"alive\":%s}",
                                            info.alive ? "true" : "false");
        }
        const char *instance = s->current ? s->current->producer : "";
        if (!instance[0]) {
                return put(b, "null");
        }
        int rc = put(b, "{\"instance\":");
        rc |= put_str(b, instance, strlen(instance));
        return rc | put(b, ",\"state\":null,\"alive\":null}");
}

static int render_source(struct wire_buf *b, const struct source *s,
                         snapshot_producer_cb producer, void *ctx,
                         const struct topic_loss *losses)
{
        const struct generation *g = s->current;
        int rc                     = put(b, "{\"id\":");
        rc |= put_str(b, s->name, strlen(s->name));
        rc |=
            wire_buf_printf(b, ",\"rows\":%u,\"generation\":", g ? g->rows : 0);
        rc |= g ? wire_buf_printf(b, "%llu", (unsigned long long)g->number)
                : put(b, "null");
        rc |= put(b, ",\"generation_time\":");
        /* A generation number is the time (ms) its file version started. */
        rc |= put_time(b, g && g->number <= INT64_MAX ? (int64_t)g->number : 0);
        int64_t changed = source_changed_ms(s);
        rc |= put(b, ",\"changed_ms\":");
        rc |= changed > 0 ? wire_buf_printf(b, "%lld", (long long)changed)
                          : put(b, "null");
        rc |= put(b, ",\"changed_time\":");
        rc |= put_time(b, changed);
        bool complete = g && generation_is_complete(g);
        rc |= wire_buf_printf(
            b, ",\"complete\":%s,\"reason\":", complete ? "true" : "false");
        rc |= put_text_or_null(b, g ? g->reason : NULL);
        rc |= wire_buf_printf(b, ",\"deleted\":%s,\"empty\":%s,\"pending\":",
                              g && strcmp(g->reason, "deleted") == 0 ? "true"
                                                                     : "false",
                              complete && g->rows == 0 ? "true" : "false");
        rc |= put_pending(b, s->pending);
        rc |= put(b, ",\"missing\":");
        rc |= topic_loss_render(losses, s->name, b);
        rc |= put(b, ",\"producer\":");
        rc |= put_producer(b, s, producer, ctx);
        return rc | put(b, "}");
}

int snapshot_render_sources(const struct aggregates *a,
                            snapshot_producer_cb producer, void *ctx,
                            const struct topic_loss *losses, int64_t now_ms,
                            struct wire_buf *out)
{
        int rc = wire_buf_printf(out, "{\"generated_ms\":%lld,\"sources\":[",
                                 (long long)now_ms);
        for (size_t i = 0; i < a->nsources; i++) {
                rc |= put(out, i ? "," : "");
                rc |= render_source(out, &a->sources[i], producer, ctx, losses);
        }
        rc |= put(out, "]}");
        return rc ? -1 : 0;
}
