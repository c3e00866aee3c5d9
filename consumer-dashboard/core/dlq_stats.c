/* SPDX-License-Identifier: MIT */
#include "dlq_stats.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DLQ_TEXT_MAX 128

struct dlq_entry {
        int64_t line;
        char reason[DLQ_TEXT_MAX];
        char raw[DLQ_RAW_MAX + 1];
        uint64_t seq; /* order of arrival, for "newest first" */
};

/* One generation of one source. */
struct dlq_gen {
        uint64_t generation;
        bool used;
        uint64_t count;
        char reasons[DLQ_REASONS_MAX][DLQ_TEXT_MAX];
        uint64_t reason_counts[DLQ_REASONS_MAX];
        int nreasons;
        uint64_t other;
        struct dlq_entry last[DLQ_LAST_MAX];
        unsigned next; /* ring position */
};

struct dlq_source {
        char name[DLQ_SOURCE_MAX];
        uint64_t history; /* rejects of generations older than gens[] */
        struct dlq_gen gens[2];
};

struct dlq_stats {
        uint64_t count;
        uint64_t seq;
        uint64_t lost; /* not kept in detail (out of memory) */
        struct dlq_source *sources;
        size_t nsources, cap;
};

struct dlq_stats *dlq_stats_create(void)
{
        return calloc(1, sizeof(struct dlq_stats));
}

void dlq_stats_destroy(struct dlq_stats *d)
{
        if (d) {
                free(d->sources);
                free(d);
        }
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

static int64_t int_member(const struct wire_object *o, const char *name)
{
        const struct wire_field *f = wire_object_get(o, name);
        return f && f->value.type == VALUE_INT ? f->value.as.i : -1;
}

static struct dlq_source *source_of(struct dlq_stats *d, const char *name)
{
        for (size_t i = 0; i < d->nsources; i++) {
                if (strcmp(d->sources[i].name, name) == 0) {
                        return &d->sources[i];
                }
        }
        if (d->nsources == d->cap) {
                size_t cap = d->cap ? 2 * d->cap : 4;
                struct dlq_source *s =
                    realloc(d->sources, cap * sizeof(*d->sources));
                if (!s) {
                        return NULL;
                }
                d->sources = s;
                d->cap     = cap;
        }
        struct dlq_source *s = &d->sources[d->nsources++];
        memset(s, 0, sizeof(*s));
        memcpy(s->name, name, sizeof(s->name));
        return s;
}

/* The generation's slot: gens[0] is the newest, gens[1] the one before; a
 * newer generation pushes the oldest into the history. */
static struct dlq_gen *gen_of(struct dlq_source *s, uint64_t generation)
{
        for (int i = 0; i < 2; i++) {
                if (s->gens[i].used && s->gens[i].generation == generation) {
                        return &s->gens[i];
                }
        }
        if (s->gens[0].used && generation < s->gens[0].generation) {
                if (s->gens[1].used && generation < s->gens[1].generation) {
                        return NULL; /* older than both: history */
                }
                s->history += s->gens[1].used ? s->gens[1].count : 0;
                memset(&s->gens[1], 0, sizeof(s->gens[1]));
                s->gens[1].used       = true;
                s->gens[1].generation = generation;
                return &s->gens[1];
        }
        s->history += s->gens[1].used ? s->gens[1].count : 0;
        s->gens[1] = s->gens[0];
        memset(&s->gens[0], 0, sizeof(s->gens[0]));
        s->gens[0].used       = true;
        s->gens[0].generation = generation;
        return &s->gens[0];
}

int dlq_stats_add(struct dlq_stats *d, const struct wire_object *value)
{
        char name[DLQ_SOURCE_MAX];
        struct dlq_source *s;
        struct dlq_gen *g;
        int64_t generation = int_member(value, "generation");

        d->count++;
        copy_text(value, "source", name, sizeof(name));
        s = source_of(d, name);
        if (!s) {
                d->lost++;
                return -1;
        }
        g = gen_of(s, generation < 0 ? 0 : (uint64_t)generation);
        if (!g) {
                s->history++;
                return 0;
        }
        g->count++;
        struct dlq_entry *e = &g->last[g->next];
        g->next             = (g->next + 1) % DLQ_LAST_MAX;
        copy_text(value, "reason", e->reason, sizeof(e->reason));
        copy_text(value, "raw", e->raw, sizeof(e->raw));
        e->line = int_member(value, "line");
        e->seq  = ++d->seq;
        for (int i = 0; i < g->nreasons; i++) {
                if (strcmp(g->reasons[i], e->reason) == 0) {
                        g->reason_counts[i]++;
                        return 0;
                }
        }
        if (g->nreasons < DLQ_REASONS_MAX) {
                memcpy(g->reasons[g->nreasons], e->reason, sizeof(e->reason));
                g->reason_counts[g->nreasons++] = 1;
                return 0;
        }
        g->other++;
        return 0;
}

uint64_t dlq_stats_count(const struct dlq_stats *d)
{
        return d->count;
}

/* The shown generation of s (NULL: none of the kept ones) and the rejects
 * of its other generations counted as history. */
static const struct dlq_gen *shown(const struct dlq_source *s,
                                   dlq_current_cb current, void *ctx,
                                   uint64_t *history)
{
        uint64_t cur            = current ? current(ctx, s->name) : 0;
        const struct dlq_gen *g = NULL;

        *history = s->history;
        for (int i = 0; i < 2; i++) {
                const struct dlq_gen *k = &s->gens[i];
                if (!k->used) {
                        continue;
                }
                /* No current generation: the newest counts as current. A
                 * newer one than shown is still being read: not history. */
                if (cur == 0 ? i == 0 : k->generation == cur) {
                        g = k;
                } else if (cur == 0 || k->generation < cur) {
                        *history += k->count;
                }
        }
        return g;
}

/* Reasons merged over the shown generations (by text). */
struct merged {
        const char *reason;
        uint64_t count;
};

static void merge(struct merged *m, int *n, const char *reason, uint64_t count)
{
        for (int i = 0; i < *n; i++) {
                if (strcmp(m[i].reason, reason) == 0) {
                        m[i].count += count;
                        return;
                }
        }
        if (*n < DLQ_REASONS_MAX) {
                m[(*n)++] = (struct merged){reason, count};
                return;
        }
        for (int i = 0; i < *n; i++) {
                if (strcmp(m[i].reason, "other") == 0) {
                        m[i].count += count;
                        return;
                }
        }
        m[*n - 1].reason = "other";
        m[*n - 1].count += count;
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

/* Every reject of one source, all its generations. */
static uint64_t source_total(const struct dlq_source *s)
{
        return s->history + s->gens[0].count + s->gens[1].count;
}

int dlq_stats_render(const struct dlq_stats *d, dlq_current_cb current,
                     void *ctx, const char *source, struct wire_buf *b)
{
        struct merged reasons[DLQ_REASONS_MAX];
        const struct dlq_entry *last[DLQ_LAST_MAX];
        const char *last_source[DLQ_LAST_MAX];
        int nreasons = 0, nlast = 0;
        uint64_t count = 0, history = source ? 0 : d->lost, h;
        uint64_t total = source ? 0 : d->count;

        for (size_t i = 0; i < d->nsources; i++) {
                const struct dlq_source *s = &d->sources[i];
                if (source && strcmp(s->name, source) != 0) {
                        continue;
                }
                const struct dlq_gen *g = shown(s, current, ctx, &h);
                history += h;
                total += source ? source_total(s) : 0;
                if (!g) {
                        continue;
                }
                count += g->count;
                for (int k = 0; k < g->nreasons; k++) {
                        merge(reasons, &nreasons, g->reasons[k],
                              g->reason_counts[k]);
                }
                if (g->other) {
                        merge(reasons, &nreasons, "other", g->other);
                }
                /* Keep the DLQ_LAST_MAX newest entries, newest first. */
                uint64_t kept =
                    g->count < DLQ_LAST_MAX ? g->count : DLQ_LAST_MAX;
                for (uint64_t k = 0; k < kept; k++) {
                        const struct dlq_entry *e = &g->last[k];
                        int at                    = nlast;
                        while (at > 0 && last[at - 1]->seq < e->seq) {
                                at--;
                        }
                        if (at >= DLQ_LAST_MAX) {
                                continue;
                        }
                        int end =
                            nlast < DLQ_LAST_MAX ? nlast : DLQ_LAST_MAX - 1;
                        memmove(&last[at + 1], &last[at],
                                (size_t)(end - at) * sizeof(last[0]));
                        memmove(&last_source[at + 1], &last_source[at],
                                (size_t)(end - at) * sizeof(last_source[0]));
                        last[at]        = e;
                        last_source[at] = s->name;
                        nlast = nlast < DLQ_LAST_MAX ? nlast + 1 : nlast;
                }
        }
        int rc = wire_buf_printf(b, "{\"count\":%llu,\"reasons\":[",
                                 (unsigned long long)count);
        for (int i = 0; i < nreasons; i++) {
                rc |= render_reason(b, reasons[i].reason, reasons[i].count,
                                    i == 0);
        }
        rc |= wire_buf_append(b, "],\"last\":[", 10);
        for (int k = 0; k < nlast; k++) {
                const struct dlq_entry *e = last[k];
                rc |= wire_buf_append(
                    b, k ? ",{\"source\":" : "{\"source\":", k ? 11 : 10);
                rc |= wire_buf_append_json_string(b, last_source[k],
                                                  strlen(last_source[k]));
                rc |= wire_buf_printf(
                    b, ",\"line\":%lld,\"reason\":", (long long)e->line);
                rc |= wire_buf_append_json_string(b, e->reason,
                                                  strlen(e->reason));
                rc |= wire_buf_append(b, ",\"raw\":", 7);
                rc |= wire_buf_append_json_string(b, e->raw, strlen(e->raw));
                rc |= wire_buf_append(b, "}", 1);
        }
        rc |= wire_buf_printf(b, "],\"history\":%llu,\"total\":%llu}",
                              (unsigned long long)history,
                              (unsigned long long)total);
        return rc ? -1 : 0;
}
