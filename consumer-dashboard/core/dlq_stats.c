/* SPDX-License-Identifier: MIT */
#include "dlq_stats.h"

#include <stdlib.h>
#include <string.h>

struct dlq_entry {
        char source[128];
        int64_t line;
        char reason[128];
        char raw[DLQ_RAW_MAX + 1];
};

struct dlq_stats {
        uint64_t count;
        char reasons[DLQ_REASONS_MAX][128];
        uint64_t reason_counts[DLQ_REASONS_MAX];
        int nreasons;
        uint64_t other;
        struct dlq_entry last[DLQ_LAST_MAX];
        unsigned next; /* ring position */
};

struct dlq_stats *dlq_stats_create(void)
{
        return calloc(1, sizeof(struct dlq_stats));
}

void dlq_stats_destroy(struct dlq_stats *d)
{
        free(d);
}

/* Copies a text member into a fixed buffer, truncated. */
static void copy_text(const struct wire_object *o, const char *name, char *dst,
                      size_t size)
{
        const struct wire_field *f = wire_object_get(o, name);
        dst[0]                     = '\0';
        if (!f || f->value.type != VALUE_TEXT) {
                return;
        }
        size_t n =
            f->value.as.text.len < size - 1 ? f->value.as.text.len : size - 1;
        /* Never cut a UTF-8 sequence in half. */
        while (n > 0 && n < f->value.as.text.len &&
               ((unsigned char)f->value.as.text.ptr[n] & 0xC0) == 0x80) {
                n--;
        }
        memcpy(dst, f->value.as.text.ptr, n);
        dst[n] = '\0';
}

void dlq_stats_add(struct dlq_stats *d, const struct wire_object *value)
{
        struct dlq_entry *e = &d->last[d->next];
        d->next             = (d->next + 1) % DLQ_LAST_MAX;
        d->count++;
        copy_text(value, "source", e->source, sizeof(e->source));
        copy_text(value, "reason", e->reason, sizeof(e->reason));
        copy_text(value, "raw", e->raw, sizeof(e->raw));
        const struct wire_field *line = wire_object_get(value, "line");
        e->line = line && line->value.type == VALUE_INT ? line->value.as.i : -1;
        for (int i = 0; i < d->nreasons; i++) {
                if (strcmp(d->reasons[i], e->reason) == 0) {
                        d->reason_counts[i]++;
                        return;
                }
        }
        if (d->nreasons < DLQ_REASONS_MAX) {
                memcpy(d->reasons[d->nreasons], e->reason, sizeof(e->reason));
                d->reason_counts[d->nreasons++] = 1;
                return;
        }
        d->other++;
}

uint64_t dlq_stats_count(const struct dlq_stats *d)
{
        return d->count;
}

static int render_reason(struct wire_buf *b, const char *reason, uint64_t n,
                         bool first)
{
        int rc = wire_buf_append(
            b, first ? "{\"reason\":" : ",{\"reason\":", first ? 10 : 11);
        rc |= wire_buf_append_json_string(b, reason, strlen(reason));
        rc |= wire_buf_printf(b, ",\"count\":%llu}", (unsigned long long)n);
        return rc ? -1 : 0;
}

int dlq_stats_render(const struct dlq_stats *d, struct wire_buf *b)
{
        int rc = wire_buf_printf(b, "{\"count\":%llu,\"reasons\":[",
                                 (unsigned long long)d->count);
        for (int i = 0; i < d->nreasons; i++) {
                rc |= render_reason(b, d->reasons[i], d->reason_counts[i],
                                    i == 0);
        }
        if (d->other) {
                rc |= render_reason(b, "other", d->other, d->nreasons == 0);
        }
        rc |= wire_buf_append(b, "],\"last\":[", 10);
        uint64_t kept = d->count < DLQ_LAST_MAX ? d->count : DLQ_LAST_MAX;
        for (uint64_t k = 0; k < kept; k++) {
                /* Newest first. */
                unsigned i =
                    (d->next + DLQ_LAST_MAX - 1 - (unsigned)k) % DLQ_LAST_MAX;
                const struct dlq_entry *e = &d->last[i];
                rc |= wire_buf_append(
                    b, k ? ",{\"source\":" : "{\"source\":", k ? 11 : 10);
                rc |= wire_buf_append_json_string(b, e->source,
                                                  strlen(e->source));
                rc |= wire_buf_printf(
                    b, ",\"line\":%lld,\"reason\":", (long long)e->line);
                rc |= wire_buf_append_json_string(b, e->reason,
                                                  strlen(e->reason));
                rc |= wire_buf_append(b, ",\"raw\":", 7);
                rc |= wire_buf_append_json_string(b, e->raw, strlen(e->raw));
                rc |= wire_buf_append(b, "}", 1);
        }
        rc |= wire_buf_append(b, "]}", 2);
        return rc ? -1 : 0;
}
