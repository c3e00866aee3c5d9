/* SPDX-License-Identifier: MIT */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "exact.h"

#define MS_PER_S 1000
/* Field positions remembered for the column lookup: rows of one source
 * have their fields in the same order. */
#define TIMELINE_HINTS 64

struct timeline_sum {
        struct exact sum;
        uint64_t n;   /* numbers added */
        bool unknown; /* a number could not be added (too long, memory) */
};

struct timeline_bucket {
        int64_t second; /* Unix second; 0: empty */
        uint64_t rows;
        struct timeline_sum *sums; /* TIMELINE_COLUMNS_MAX, or NULL */
};

struct timeline {
        struct timeline_bucket b[TIMELINE_SECONDS];
        char *names[TIMELINE_COLUMNS_MAX];
        size_t ncols;
        bool full; /* a column with numbers was left without sums */
        int8_t hint[TIMELINE_HINTS]; /* field position -> column, or -1 */
};

static int64_t second_of(int64_t ms)
{
        return ms >= 0 ? ms / MS_PER_S : (ms - (MS_PER_S - 1)) / MS_PER_S;
}

struct timeline *timeline_create(void)
{
        struct timeline *t = calloc(1, sizeof(*t));
        if (t) {
                memset(t->hint, -1, sizeof(t->hint));
        }
        return t;
}

static void clear_sums(struct timeline_sum *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                exact_clear(&s[i].sum);
                s[i].n       = 0;
                s[i].unknown = false;
        }
}

void timeline_destroy(struct timeline *t)
{
        if (!t) {
                return;
        }
        for (size_t i = 0; i < TIMELINE_SECONDS; i++) {
                if (t->b[i].sums) {
                        clear_sums(t->b[i].sums, t->ncols);
                        free(t->b[i].sums);
                }
        }
        for (size_t c = 0; c < t->ncols; c++) {
                free(t->names[c]);
        }
        free(t);
}

bool timeline_in_window(int64_t ts_ms, int64_t now_ms)
{
        int64_t s   = second_of(ts_ms);
        int64_t now = second_of(now_ms);
        return ts_ms > 0 && s <= now && s > now - TIMELINE_SECONDS;
}

static int find_column(const struct timeline *t, const char *name)
{
        for (size_t c = 0; c < t->ncols; c++) {
                if (strcmp(t->names[c], name) == 0) {
                        return (int)c;
                }
        }
        return -1;
}

/* The column of field i (named name), added when there is room. -1: none
 * (past the limit, or out of memory: *nomem). */
static int column_of(struct timeline *t, size_t i, const char *name,
                     bool *nomem)
{
        if (i < TIMELINE_HINTS && t->hint[i] >= 0 &&
            strcmp(t->names[t->hint[i]], name) == 0) {
                return t->hint[i];
        }
        int c = find_column(t, name);
        if (c < 0) {
                if (t->ncols == TIMELINE_COLUMNS_MAX) {
                        t->full = true;
                        return -1;
                }
                char *copy = strdup(name);
                if (!copy) {
                        *nomem = true;
                        return -1;
                }
                c           = (int)t->ncols++;
                t->names[c] = copy;
        }
        if (i < TIMELINE_HINTS) {
                t->hint[i] = (int8_t)c;
        }
        return c;
}

static bool is_number(const struct value *v)
{
        return v->type == VALUE_INT || v->type == VALUE_DECIMAL ||
               v->type == VALUE_BIGNUM;
}

static int add_number(struct timeline_sum *s, const struct value *v)
{
        int rc;
        if (v->type == VALUE_INT) {
                rc = exact_add_dec(&s->sum, v->as.i, 0);
        } else if (v->type == VALUE_DECIMAL) {
                rc = exact_add_dec(&s->sum, v->as.d.mantissa, v->as.d.scale);
        } else {
                struct exact x = EXACT_ZERO;
                rc = exact_set_text(&x, v->as.big.ptr, v->as.big.len) ||
                     exact_add(&s->sum, &x);
                exact_clear(&x);
        }
        if (rc) {
                s->unknown = true;
                return -1;
        }
        s->n++;
        return 0;
}

int timeline_add(struct timeline *t, int64_t ts_ms,
                 const struct wire_object *row, int64_t now_ms)
{
        if (!timeline_in_window(ts_ms, now_ms)) {
                return 0;
        }
        int64_t s                 = second_of(ts_ms);
        struct timeline_bucket *b = &t->b[s % TIMELINE_SECONDS];
        if (b->second != s) {
                if (b->sums) {
                        clear_sums(b->sums, t->ncols);
                }
                b->second = s;
                b->rows   = 0;
        }
        b->rows++;
        bool nomem = false;
        for (size_t i = 0; row && i < row->count; i++) {
                const struct wire_field *f = &row->fields[i];
                if (!is_number(&f->value)) {
                        continue;
                }
                int c = column_of(t, i, f->name, &nomem);
                if (c < 0) {
                        continue;
                }
                if (!b->sums) {
                        b->sums =
                            calloc(TIMELINE_COLUMNS_MAX, sizeof(*b->sums));
                        if (!b->sums) {
                                nomem = true;
                                break;
                        }
                }
                (void)add_number(&b->sums[c], &f->value); /* marks unknown */
        }
        if (nomem && b->sums) {
                /* A number could not be kept: no sum of this second is
                 * sure any more. */
                for (size_t c = 0; c < t->ncols; c++) {
                        b->sums[c].unknown = true;
                }
        }
        return nomem ? -1 : 0;
}

size_t timeline_memory(const struct timeline *t)
{
        size_t m = sizeof(*t);
        for (size_t c = 0; c < t->ncols; c++) {
                m += strlen(t->names[c]) + 1;
        }
        for (size_t i = 0; i < TIMELINE_SECONDS; i++) {
                if (t->b[i].sums) {
                        m += TIMELINE_COLUMNS_MAX * sizeof(*t->b[i].sums);
                }
        }
        return m;
}

/* Adds timeline t's sum of column c in second s to *sum. */
static void merge_second(const struct timeline *t, int c, int64_t s,
                         struct exact *sum, bool *any, bool *unknown)
{
        const struct timeline_bucket *b = &t->b[s % TIMELINE_SECONDS];
        if (c < 0 || b->second != s || !b->sums) {
                return;
        }
        const struct timeline_sum *x = &b->sums[c];
        if (x->unknown) {
                *unknown = true;
        } else if (x->n) {
                *any = true;
                if (exact_add(sum, &x->sum) != 0) {
                        *unknown = true;
                }
        }
}

static int render_values(const struct timeline *const *t, size_t n,
                         const int *cols, bool available, int64_t from,
                         int64_t now, struct wire_buf *out)
{
        int rc = 0;
        for (int64_t s = from; s <= now; s++) {
                rc |= wire_buf_append(out, ",", s > from);
                struct exact sum = EXACT_ZERO;
                bool any = false, unknown = false;
                for (size_t k = 0; available && k < n; k++) {
                        if (t[k]) {
                                merge_second(t[k], cols[k], s, &sum, &any,
                                             &unknown);
                        }
                }
                rc |= any && !unknown ? exact_format(&sum, out)
                                      : wire_buf_append(out, "null", 4);
                exact_clear(&sum);
        }
        return rc;
}

int timeline_render(const struct timeline *const *t, size_t n,
                    const char *value, int64_t now_ms, struct wire_buf *out)
{
        int64_t now    = second_of(now_ms);
        int64_t from   = now - TIMELINE_SECONDS + 1;
        int *cols      = calloc(n ? n : 1, sizeof(*cols));
        bool available = value != NULL;
        if (!cols) {
                return -1;
        }
        for (size_t k = 0; k < n; k++) {
                cols[k] = t[k] && value ? find_column(t[k], value) : -1;
                if (t[k] && value && cols[k] < 0 && t[k]->full) {
                        available = false;
                }
        }
        int rc = wire_buf_printf(out,
                                 "{\"interval_ms\":%d,\"from_ms\":%lld,"
                                 "\"rows\":[",
                                 MS_PER_S, (long long)(from * MS_PER_S));
        for (int64_t s = from; s <= now; s++) {
                uint64_t rows = 0;
                for (size_t k = 0; k < n; k++) {
                        const struct timeline_bucket *b =
                            t[k] ? &t[k]->b[s % TIMELINE_SECONDS] : NULL;
                        rows += b && b->second == s ? b->rows : 0;
                }
                rc |= wire_buf_printf(out, s > from ? ",%llu" : "%llu",
                                      (unsigned long long)rows);
        }
        rc |= wire_buf_append(out, "],\"values\":[", 12);
        rc |= render_values(t, n, cols, available, from, now, out);
        rc |= wire_buf_printf(out,
                              "],\"values_unavailable\":%s,"
                              "\"columns_max\":%d}",
                              value && !available ? "\"column_limit\"" : "null",
                              TIMELINE_COLUMNS_MAX);
        free(cols);
        return rc ? -1 : 0;
}
