/* SPDX-License-Identifier: MIT */
#include "snapshot_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"

/* Categories listed in the snapshot (the bar and pie charts); the
 * categories endpoint lists all. */
#define SNAPSHOT_CATEGORIES_MAX 100
#define SNAPSHOT_SAMPLE_MAX     GENERATION_SAMPLE_MAX
#define HISTOGRAM_TARGET_BINS   10

static const char *const role_keys[AGG_ROLE_COUNT] = {"value", "category",
                                                      "age", "label"};

static int put(struct wire_buf *b, const char *s)
{
        return wire_buf_append(b, s, strlen(s));
}

static int put_str(struct wire_buf *b, const char *s, size_t len)
{
        return wire_buf_append_json_string(b, s, len);
}

static int put_dec(struct wire_buf *b, dec128 m, unsigned scale)
{
        char buf[64];
        int n = column_format_dec128(m, scale, buf, sizeof(buf));
        return wire_buf_append(b, buf, (size_t)n);
}

static int put_double(struct wire_buf *b, double v)
{
        if (!isfinite(v)) {
                return put(b, "null");
        }
        return wire_buf_printf(b, "%.15g", v);
}

static int put_cell(struct wire_buf *b, const struct cell *c)
{
        switch (c->kind) {
        case COLUMN_INT:
        case COLUMN_DECIMAL:
                return put_dec(b, c->num, c->scale);
        case COLUMN_TEXT:
                return put_str(b, c->text, c->text_len);
        case COLUMN_EMPTY:
                break;
        }
        return put(b, "null");
}

static double cell_double(const struct cell *c)
{
        return column_to_double(c->num, c->scale);
}

/* ---- Categories ---- */

struct cat_row {
        const char *name;
        size_t len;
        uint64_t n;
        uint64_t value_n;
        dec128 sum;
        int64_t min, max; /* at the view value scale */
        uint64_t age_n;
        dec128 age_sum; /* at the view age scale */
};

static int cmp_cat_name(const void *pa, const void *pb)
{
        const struct cat_row *x = pa, *y = pb;
        int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);
        return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_cat_sum(const void *pa, const void *pb)
{
        const struct cat_row *x = pa, *y = pb;
        if (x->sum != y->sum) {
                return x->sum < y->sum ? 1 : -1;
        }
        if (x->n != y->n) {
                return x->n < y->n ? 1 : -1;
        }
        return cmp_cat_name(pa, pb);
}

/* Collects the per-category rows of the view, merged by name and sorted
 * by value sum descending. */
static size_t collect_categories(struct aggregates *a,
                                 const struct view_column *cols,
                                 const int roles[AGG_ROLE_COUNT],
                                 struct cat_row **out)
{
        *out   = NULL;
        int ci = roles[AGG_ROLE_CATEGORY];
        if (ci < 0) {
                return 0;
        }
        const char *vname = roles[AGG_ROLE_VALUE] >= 0
                                ? cols[roles[AGG_ROLE_VALUE]].name
                                : NULL;
        const char *aname =
            roles[AGG_ROLE_AGE] >= 0 ? cols[roles[AGG_ROLE_AGE]].name : NULL;
        unsigned vscale = vname ? cols[roles[AGG_ROLE_VALUE]].scale : 0;
        unsigned ascale = aname ? cols[roles[AGG_ROLE_AGE]].scale : 0;
        size_t n = 0, cap = 0;
        struct cat_row *rows = NULL;
        for (size_t s = 0; s < a->nslots; s++) {
                const struct generation *g = a->slots[s];
                int k = generation_column_index(g, cols[ci].name);
                if (k < 0 || !g->cats[k].cells) {
                        continue;
                }
                const struct column *cc = g->cols[k];
                int vi        = vname ? generation_column_index(g, vname) : -1;
                int ai        = aname ? generation_column_index(g, aname) : -1;
                uint32_t ncat = intern_count(cc->strings);
                if (ncat > g->cats[k].cap) {
                        ncat = g->cats[k].cap;
                }
                for (uint32_t id = 1; id <= ncat; id++) {
                        const struct category_cell *cells =
                            &g->cats[k].cells[(size_t)(id - 1) * g->ncols];
                        if (!cells[k].n) {
                                continue;
                        }
                        if (n == cap) {
                                cap = cap ? cap * 2 : 64;
                                struct cat_row *r =
                                    realloc(rows, cap * sizeof(*r));
                                if (!r) {
                                        free(rows);
                                        return 0;
                                }
                                rows = r;
                        }
                        struct cat_row *r = &rows[n++];
                        memset(r, 0, sizeof(*r));
                        r->name = intern_get(cc->strings, id, &r->len);
                        r->n    = cells[k].n;
                        if (vi >= 0 && column_is_numeric(g->cols[vi]) &&
                            cells[vi].n) {
                                unsigned d = vscale - g->cols[vi]->scale;
                                r->value_n = cells[vi].n;
                                r->sum     = cells[vi].sum * column_pow10(d);
                                r->min     = cells[vi].min * column_pow10(d);
                                r->max     = cells[vi].max * column_pow10(d);
                        }
                        if (ai >= 0 && column_is_numeric(g->cols[ai]) &&
                            cells[ai].n) {
                                unsigned d = ascale - g->cols[ai]->scale;
                                r->age_n   = cells[ai].n;
                                r->age_sum = cells[ai].sum * column_pow10(d);
                        }
                }
        }
        if (a->nslots > 1 && n > 1) {
                qsort(rows, n, sizeof(*rows), cmp_cat_name);
                size_t w = 0;
                for (size_t i = 1; i < n; i++) {
                        struct cat_row *d = &rows[w], *s = &rows[i];
                        if (cmp_cat_name(d, s) != 0) {
                                rows[++w] = *s;
                                continue;
                        }
                        if (s->value_n && (!d->value_n || s->min < d->min)) {
                                d->min = s->min;
                        }
                        if (s->value_n && (!d->value_n || s->max > d->max)) {
                                d->max = s->max;
                        }
                        d->n += s->n;
                        d->value_n += s->value_n;
                        d->sum += s->sum;
                        d->age_n += s->age_n;
                        d->age_sum += s->age_sum;
                }
                n = w + 1;
        }
        qsort(rows, n, sizeof(*rows), cmp_cat_sum);
        *out = rows;
        return n;
}

static int render_category_items(struct wire_buf *b, const struct cat_row *rows,
                                 size_t n, unsigned vscale, unsigned ascale)
{
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                const struct cat_row *r = &rows[i];
                rc |= put(b, i ? ",{\"name\":" : "{\"name\":");
                rc |= put_str(b, r->name, r->len);
                rc |= wire_buf_printf(
                    b, ",\"count\":%llu,\"sum\":", (unsigned long long)r->n);
                if (r->value_n) {
                        rc |= put_dec(b, r->sum, vscale);
                        rc |= put(b, ",\"mean\":");
                        rc |= put_double(b, column_to_double(r->sum, vscale) /
                                                (double)r->value_n);
                        rc |= put(b, ",\"min\":");
                        rc |= put_dec(b, r->min, vscale);
                        rc |= put(b, ",\"max\":");
                        rc |= put_dec(b, r->max, vscale);
                } else {
                        rc |= put(b, "null,\"mean\":null,\"min\":null,"
                                     "\"max\":null");
                }
                rc |= put(b, ",\"mean_age\":");
                if (r->age_n) {
                        rc |=
                            put_double(b, column_to_double(r->age_sum, ascale) /
                                              (double)r->age_n);
                } else {
                        rc |= put(b, "null");
                }
                rc |= put(b, "}");
        }
        return rc;
}

static int render_categories_obj(struct aggregates *a,
                                 const struct view_column *cols,
                                 const int roles[AGG_ROLE_COUNT], size_t max,
                                 struct wire_buf *b)
{
        struct cat_row *rows;
        size_t n = collect_categories(a, cols, roles, &rows);
        int ci   = roles[AGG_ROLE_CATEGORY];
        unsigned vscale =
            roles[AGG_ROLE_VALUE] >= 0 ? cols[roles[AGG_ROLE_VALUE]].scale : 0;
        unsigned ascale =
            roles[AGG_ROLE_AGE] >= 0 ? cols[roles[AGG_ROLE_AGE]].scale : 0;
        int rc = put(b, "{\"column\":");
        rc |= ci >= 0 ? put_str(b, cols[ci].name, strlen(cols[ci].name))
                      : put(b, "null");
        rc |= wire_buf_printf(b, ",\"total\":%zu,\"items\":[", n);
        rc |= render_category_items(b, rows, n < max ? n : max, vscale, ascale);
        rc |= put(b, "]}");
        free(rows);
        return rc;
}

/* ---- Histogram ---- */

struct hist_bins {
        double start, width;
        unsigned n;
        uint64_t counts[64];
};

static void hist_setup(struct hist_bins *h, double min, double max, bool ints)
{
        double raw   = (max - min) / HISTOGRAM_TARGET_BINS;
        double width = 1;
        if (raw > 0) {
                double p = pow(10, floor(log10(raw)));
                width    = raw <= p       ? p
                           : raw <= 2 * p ? 2 * p
                           : raw <= 5 * p ? 5 * p
                                          : 10 * p;
        }
        if (ints && width < 1) {
                width = 1;
        }
        h->width = width;
        h->start = floor(min / width) * width;
        h->n     = (unsigned)floor((max - h->start) / width) + 1;
        if (h->n > 64) {
                h->n = 64;
        }
        memset(h->counts, 0, sizeof(h->counts));
}

static void hist_add(struct hist_bins *h, double v, uint64_t count)
{
        double k   = floor((v - h->start) / h->width);
        unsigned i = k < 0 ? 0 : k >= h->n ? h->n - 1 : (unsigned)k;
        h->counts[i] += count;
}

static int render_histogram(struct aggregates *a,
                            const struct view_column *cols,
                            const int roles[AGG_ROLE_COUNT], struct wire_buf *b)
{
        int ai = roles[AGG_ROLE_AGE];
        if (ai < 0 || cols[ai].stats.n == 0) {
                return put(b, "{\"column\":null,\"exact\":true,\"bins\":[]}");
        }
        const struct view_column *vc = &cols[ai];
        bool exact                   = vc->kind == COLUMN_INT;
        for (size_t s = 0; s < a->nslots && exact; s++) {
                const struct column *c =
                    generation_column(a->slots[s], vc->name);
                if (c && (c->kind != COLUMN_INT || c->vc_overflow)) {
                        exact = false;
                }
        }
        /* The range from every source's own min and max: the merged ones
         * may be partial (a source's did not fit 64 bits at the merged
         * scale). */
        double lo = 0, hi = 0;
        bool any = false;
        for (size_t s = 0; s < a->nslots; s++) {
                const struct column *c =
                    generation_column(a->slots[s], vc->name);
                if (!c || !column_is_numeric(c) || c->stats.n == 0) {
                        continue;
                }
                double cmin = column_to_double(c->stats.min, c->scale);
                double cmax = column_to_double(c->stats.max, c->scale);
                lo          = !any || cmin < lo ? cmin : lo;
                hi          = !any || cmax > hi ? cmax : hi;
                any         = true;
        }
        struct hist_bins h;
        hist_setup(&h, lo, hi, vc->kind == COLUMN_INT);
        for (size_t s = 0; s < a->nslots; s++) {
                const struct generation *g = a->slots[s];
                const struct column *c     = generation_column(g, vc->name);
                if (!c || !column_is_numeric(c)) {
                        continue;
                }
                if (exact) {
                        for (uint32_t i = 0; i < c->vc_slots; i++) {
                                if (c->vc_counts[i]) {
                                        hist_add(&h, (double)c->vc_keys[i],
                                                 c->vc_counts[i]);
                                }
                        }
                        continue;
                }
                for (uint32_t i = 0; i < g->sample_n; i++) {
                        int64_t v = column_num(c, g->sample[i]);
                        if (v != COLUMN_NULL_NUM) {
                                hist_add(&h, column_to_double(v, c->scale), 1);
                        }
                }
        }
        int rc = put(b, "{\"column\":");
        rc |= put_str(b, vc->name, strlen(vc->name));
        rc |= wire_buf_printf(b, ",\"exact\":%s,\"bins\":[",
                              exact ? "true" : "false");
        for (unsigned i = 0; i < h.n; i++) {
                rc |= put(b, i ? ",{\"from\":" : "{\"from\":");
                rc |= put_double(b, h.start + i * h.width);
                rc |= put(b, ",\"to\":");
                rc |= put_double(b, h.start + (i + 1) * h.width);
                rc |= wire_buf_printf(b, ",\"count\":%llu}",
                                      (unsigned long long)h.counts[i]);
        }
        return rc | put(b, "]}");
}

/* ---- Sample (scatter) ---- */

static int put_role_name(struct wire_buf *b, const struct view_column *cols,
                         int i)
{
        return i >= 0 ? put_str(b, cols[i].name, strlen(cols[i].name))
                      : put(b, "null");
}

static int render_sample(struct aggregates *a, const struct view_column *cols,
                         const int roles[AGG_ROLE_COUNT], uint64_t total,
                         struct wire_buf *b)
{
        int rc = put(b, "{\"x\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_AGE]);
        rc |= put(b, ",\"y\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_VALUE]);
        rc |= put(b, ",\"c\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_CATEGORY]);
        rc |= put(b, ",\"l\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_LABEL]);
        rc |= wire_buf_printf(b, ",\"of\":%llu,\"points\":[",
                              (unsigned long long)total);
        bool first = true;
        for (size_t s = 0; s < a->nslots && roles[AGG_ROLE_VALUE] >= 0 &&
                           roles[AGG_ROLE_AGE] >= 0;
             s++) {
                const struct generation *g = a->slots[s];
                /* Each source gets its share of the points. */
                uint64_t quota =
                    total ? (uint64_t)SNAPSHOT_SAMPLE_MAX * g->rows / total : 0;
                if (quota == 0 && g->rows) {
                        quota = 1;
                }
                for (uint32_t i = 0; i < g->sample_n && i < quota; i++) {
                        uint64_t ref =
                            ((uint64_t)s << AGG_REF_SLOT_SHIFT) | g->sample[i];
                        struct cell x, y, c, l;
                        aggregates_ref_cell(a, ref,
                                            cols[roles[AGG_ROLE_AGE]].name, &x);
                        aggregates_ref_cell(
                            a, ref, cols[roles[AGG_ROLE_VALUE]].name, &y);
                        if (x.kind == COLUMN_EMPTY || x.kind == COLUMN_TEXT ||
                            y.kind == COLUMN_EMPTY || y.kind == COLUMN_TEXT) {
                                continue;
                        }
                        memset(&c, 0, sizeof(c));
                        memset(&l, 0, sizeof(l));
                        if (roles[AGG_ROLE_CATEGORY] >= 0) {
                                aggregates_ref_cell(
                                    a, ref, cols[roles[AGG_ROLE_CATEGORY]].name,
                                    &c);
                        }
                        if (roles[AGG_ROLE_LABEL] >= 0) {
                                aggregates_ref_cell(
                                    a, ref, cols[roles[AGG_ROLE_LABEL]].name,
                                    &l);
                        }
                        rc |= put(b, first ? "[" : ",[");
                        first = false;
                        rc |= put_double(b, cell_double(&x));
                        rc |= put(b, ",");
                        rc |= put_double(b, cell_double(&y));
                        rc |= put(b, ",");
                        rc |= put_cell(b, &c);
                        rc |= put(b, ",");
                        rc |= put_cell(b, &l);
                        rc |= put(b, "]");
                }
        }
        return rc | put(b, "]}");
}

/* ---- Snapshot ---- */

/* A merged column's sum, or null when it overflowed 128 bits. */
static int put_sum(struct wire_buf *b, const struct view_column *c)
{
        return c->is_sum_overflow ? put(b, "null")
                                  : put_dec(b, c->stats.sum, c->scale);
}

static int put_mean(struct wire_buf *b, const struct view_column *c)
{
        if (!c->stats.n || c->is_sum_overflow) {
                return put(b, "null");
        }
        return put_double(b, column_to_double(c->stats.sum, c->scale) /
                                 (double)c->stats.n);
}

/* A min or max, or null when it does not cover every value. */
static int put_minmax(struct wire_buf *b, const struct view_column *c,
                      int64_t v)
{
        if (!c->has_minmax || c->is_minmax_partial) {
                return put(b, "null");
        }
        return put_dec(b, v, c->scale);
}

static int render_columns(struct wire_buf *b, const struct view_column *cols,
                          size_t n)
{
        int rc = put(b, "\"columns\":{");
        for (size_t i = 0; i < n; i++) {
                const struct view_column *c = &cols[i];
                rc |= put(b, i ? "," : "");
                rc |= put_str(b, c->name, strlen(c->name));
                rc |= put(b, ":{\"type\":\"");
                rc |= put(b, column_kind_name(c->kind));
                rc |= put(b, "\"");
                if (c->kind == COLUMN_INT || c->kind == COLUMN_DECIMAL) {
                        rc |= wire_buf_printf(b, ",\"count\":%llu,\"sum\":",
                                              (unsigned long long)c->stats.n);
                        rc |= put_sum(b, c);
                        rc |= put(b, ",\"mean\":");
                        rc |= put_mean(b, c);
                        rc |= put(b, ",\"min\":");
                        rc |= put_minmax(b, c, c->stats.min);
                        rc |= put(b, ",\"max\":");
                        rc |= put_minmax(b, c, c->stats.max);
                } else if (c->kind == COLUMN_TEXT) {
                        rc |= wire_buf_printf(b, ",\"distinct\":%llu",
                                              (unsigned long long)c->distinct);
                }
                rc |= put(b, "}");
        }
        rc |= put(b, "},\"column_order\":[");
        for (size_t i = 0; i < n; i++) {
                rc |= put(b, i ? "," : "");
                rc |= put_str(b, cols[i].name, strlen(cols[i].name));
        }
        return rc | put(b, "]");
}

static int render_cards(struct wire_buf *b, const struct view_column *cols,
                        const int roles[AGG_ROLE_COUNT], uint64_t count)
{
        int rc = put(b, "\"roles\":{");
        for (int r = 0; r < AGG_ROLE_COUNT; r++) {
                rc |=
                    wire_buf_printf(b, "%s\"%s\":", r ? "," : "", role_keys[r]);
                rc |= put_role_name(b, cols, roles[r]);
        }
        rc |= put(b, "},\"cards\":{\"total_value\":");
        const struct view_column *v =
            roles[AGG_ROLE_VALUE] >= 0 ? &cols[roles[AGG_ROLE_VALUE]] : NULL;
        const struct view_column *g =
            roles[AGG_ROLE_AGE] >= 0 ? &cols[roles[AGG_ROLE_AGE]] : NULL;
        if (v) {
                rc |= put_sum(b, v);
                rc |= put(b, ",\"mean_value\":");
                rc |= put_mean(b, v);
        } else {
                rc |= put(b, "null,\"mean_value\":null");
        }
        rc |= wire_buf_printf(
            b, ",\"records\":%llu,\"mean_age\":", (unsigned long long)count);
        rc |= g ? put_mean(b, g) : put(b, "null");
        return rc | put(b, "}");
}

static int render_sources(struct aggregates *a, struct wire_buf *b,
                          uint64_t *generation)
{
        int rc      = put(b, "\"sources\":[");
        *generation = 0;
        for (size_t i = 0; i < a->nsources; i++) {
                const struct source *s = &a->sources[i];
                rc |= put(b, i ? ",{\"source\":" : "{\"source\":");
                rc |= put_str(b, s->name, strlen(s->name));
                if (s->current) {
                        if (s->current->number > *generation) {
                                *generation = s->current->number;
                        }
                        rc |= wire_buf_printf(
                            b,
                            ",\"generation\":%llu,\"rows\":%u,"
                            "\"complete\":%s",
                            (unsigned long long)s->current->number,
                            s->current->rows,
                            generation_is_complete(s->current) ? "true"
                                                               : "false");
                }
                if (s->pending) {
                        rc |= wire_buf_printf(
                            b,
                            ",\"pending\":{\"generation\":%llu,"
                            "\"rows\":%u,\"expected\":",
                            (unsigned long long)s->pending->number,
                            s->pending->rows);
                        rc |=
                            s->pending->complete_known
                                ? wire_buf_printf(
                                      b, "%llu",
                                      (unsigned long long)s->pending->row_count)
                                : put(b, "null");
                        rc |= put(b, "}");
                } else {
                        rc |= put(b, ",\"pending\":null");
                }
                rc |= put(b, "}");
        }
        return rc | put(b, "]");
}

static int render_stream(struct aggregates *a, const struct dlq_stats *dlq,
                         const struct snapshot_stream *st, uint64_t generation,
                         struct wire_buf *b)
{
        int rc = put(b, ",\"stream\":{\"topic\":");
        rc |= put_str(b, st->topic ? st->topic : "",
                      st->topic ? strlen(st->topic) : 0);
        rc |= wire_buf_printf(b,
                              ",\"partitions\":%d,\"generation\":%llu,"
                              "\"last_update_ms\":%lld,\"lag\":%lld,"
                              "\"messages\":%llu,\"latency_ms\":{",
                              st->partitions, (unsigned long long)generation,
                              (long long)aggregates_last_update(a),
                              (long long)st->lag,
                              (unsigned long long)st->messages);
        const struct latency *l = st->latency;
        if (l && l->n) {
                rc |= wire_buf_printf(b,
                                      "\"last\":%lld,\"p50\":%lld,\"p99\":%lld,"
                                      "\"samples\":%llu}}",
                                      (long long)l->last,
                                      (long long)latency_percentile(l, 50),
                                      (long long)latency_percentile(l, 99),
                                      (unsigned long long)l->total);
        } else {
                rc |= put(b, "\"last\":null,\"p50\":null,\"p99\":null,"
                             "\"samples\":0}}");
        }
        double progress = st->caught_up        ? 1.0
                          : st->catchup_target ? (double)st->catchup_consumed /
                                                     (double)st->catchup_target
                                               : 0.0;
        rc |= wire_buf_printf(b,
                              ",\"catchup\":{\"done\":%s,\"consumed\":%llu,"
                              "\"target\":%llu,\"progress\":",
                              st->caught_up ? "true" : "false",
                              (unsigned long long)st->catchup_consumed,
                              (unsigned long long)st->catchup_target);
        rc |= put_double(b, progress > 1.0 ? 1.0 : progress);
        struct aggregates_counters k;
        aggregates_counters(a, &k);
        rc |= wire_buf_printf(
            b,
            "},\"ingest\":{\"applied\":%llu,\"duplicates\":%llu,"
            "\"stale\":%llu,\"invalid\":%llu,\"swaps\":%llu,"
            "\"decode_errors\":%llu},\"dlq\":{\"topic\":",
            (unsigned long long)k.applied, (unsigned long long)k.duplicates,
            (unsigned long long)k.stale, (unsigned long long)k.invalid,
            (unsigned long long)k.swaps, (unsigned long long)st->decode_errors);
        rc |= put_str(b, st->dlq_topic ? st->dlq_topic : "",
                      st->dlq_topic ? strlen(st->dlq_topic) : 0);
        rc |= put(b, ",\"summary\":");
        rc |= dlq ? dlq_stats_render(dlq, b)
                  : put(b, "{\"count\":0,\"reasons\":[],\"last\":[]}");
        rc |= put(b, "}");
        return rc;
}

int snapshot_render(struct aggregates *a, const struct dlq_stats *dlq,
                    const struct snapshot_stream *st, struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols = aggregates_view_columns(a, &cols);
        int roles[AGG_ROLE_COUNT];
        aggregates_resolve_roles(a, cols, ncols, roles);
        uint64_t count = aggregates_count(a);
        int rc =
            wire_buf_printf(out,
                            "{\"version\":%llu,\"generated_ms\":%lld,"
                            "\"count\":%llu,",
                            (unsigned long long)aggregates_version(a),
                            (long long)st->now_ms, (unsigned long long)count);
        rc |= render_columns(out, cols, ncols);
        rc |= put(out, ",");
        rc |= render_cards(out, cols, roles, count);
        rc |= put(out, ",\"categories\":");
        rc |=
            render_categories_obj(a, cols, roles, SNAPSHOT_CATEGORIES_MAX, out);
        rc |= put(out, ",\"histogram\":");
        rc |= render_histogram(a, cols, roles, out);
        rc |= put(out, ",\"sample\":");
        rc |= render_sample(a, cols, roles, count, out);
        rc |= put(out, ",");
        uint64_t generation;
        rc |= render_sources(a, out, &generation);
        rc |= render_stream(a, dlq, st, generation, out);
        size_t mem = aggregates_memory(a);
        rc |= wire_buf_printf(out,
                              ",\"memory\":{\"bytes\":%zu,"
                              "\"bytes_per_row\":",
                              mem);
        rc |= count ? put_double(out, (double)mem / (double)count)
                    : put(out, "null");
        rc |= put(out, "}}");
        free(cols);
        return rc ? -1 : 0;
}

/* ---- Rows ---- */

static int hexval(char c)
{
        if (c >= '0' && c <= '9') {
                return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
        }
        return -1;
}

/* URL-decodes s[0..len) into out (size bytes). -1: bad escape or too long. */
static int url_decode(const char *s, size_t len, char *out, size_t size)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '+') {
                        c = ' ';
                } else if (c == '%') {
                        int hi, lo;
                        if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
                            (lo = hexval(s[i + 2])) < 0) {
                                return -1;
                        }
                        c = (char)(hi * 16 + lo);
                        i += 2;
                }
                if (c == '\0' || o + 1 >= size) {
                        return -1;
                }
                out[o++] = c;
        }
        out[o] = '\0';
        return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
        if (!*s) {
                return -1;
        }
        return wire_parse_u64(s, strlen(s), out);
}

int rows_query_parse(const char *qs, bool allow_paging, struct rows_query *q,
                     char *errstr, size_t errstr_size)
{
        memset(q, 0, sizeof(*q));
        q->page       = 1;
        q->size       = ROWS_PAGE_SIZE_DEFAULT;
        q->desc       = true;
        const char *p = qs ? qs : "";
        while (*p) {
                const char *amp = strchr(p, '&');
                size_t len      = amp ? (size_t)(amp - p) : strlen(p);
                const char *eq  = memchr(p, '=', len);
                char key[32], val[sizeof(q->sort)];
                size_t klen = eq ? (size_t)(eq - p) : len;
                if (len == 0) {
                        p += amp ? 1 : 0;
                        if (!amp) {
                                break;
                        }
                        continue;
                }
                if (url_decode(p, klen, key, sizeof(key)) != 0 ||
                    url_decode(eq ? eq + 1 : p + len, eq ? len - klen - 1 : 0,
                               val, sizeof(val)) != 0) {
                        snprintf(errstr, errstr_size,
                                 "malformed query parameter");
                        return -1;
                }
                if (allow_paging && strcmp(key, "page") == 0) {
                        if (parse_u64(val, &q->page) != 0 || q->page == 0) {
                                snprintf(errstr, errstr_size,
                                         "page must be an integer >= 1");
                                return -1;
                        }
                } else if (allow_paging && strcmp(key, "size") == 0) {
                        if (parse_u64(val, &q->size) != 0 || q->size == 0 ||
                            q->size > ROWS_PAGE_SIZE_MAX) {
                                snprintf(errstr, errstr_size,
                                         "size must be an integer in 1..%d",
                                         ROWS_PAGE_SIZE_MAX);
                                return -1;
                        }
                } else if (strcmp(key, "sort") == 0) {
                        memcpy(q->sort, val, sizeof(q->sort));
                } else if (strcmp(key, "order") == 0) {
                        if (strcmp(val, "asc") && strcmp(val, "desc")) {
                                snprintf(errstr, errstr_size,
                                         "order must be asc or desc");
                                return -1;
                        }
                        q->desc        = strcmp(val, "desc") == 0;
                        q->order_given = true;
                } else {
                        snprintf(errstr, errstr_size,
                                 "unknown query parameter '%.31s'", key);
                        return -1;
                }
                if (!amp) {
                        break;
                }
                p = amp + 1;
        }
        if (q->page > UINT64_MAX / q->size) {
                snprintf(errstr, errstr_size, "page out of range");
                return -1;
        }
        return 0;
}

/* The column to sort by: the requested one, else the value role. */
static const char *sort_column(struct aggregates *a, const struct rows_query *q,
                               struct view_column *cols, size_t ncols)
{
        if (q->sort[0]) {
                return q->sort;
        }
        int roles[AGG_ROLE_COUNT];
        aggregates_resolve_roles(a, cols, ncols, roles);
        return roles[AGG_ROLE_VALUE] >= 0 ? cols[roles[AGG_ROLE_VALUE]].name
                                          : NULL;
}

static bool has_column(const struct view_column *cols, size_t n,
                       const char *name)
{
        for (size_t i = 0; i < n; i++) {
                if (strcmp(cols[i].name, name) == 0) {
                        return true;
                }
        }
        return false;
}

int snapshot_render_rows(struct aggregates *a, const struct rows_query *q,
                         struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols     = aggregates_view_columns(a, &cols);
        const char *sort = sort_column(a, q, cols, ncols);
        if (q->sort[0] && !has_column(cols, ncols, q->sort)) {
                free(cols);
                return -2;
        }
        aggregates_row_ref *refs = malloc(q->size * sizeof(*refs));
        uint64_t total           = 0;
        long n =
            refs ? aggregates_page(a, sort, q->desc, (q->page - 1) * q->size,
                                   q->size, refs, &total)
                 : -1;
        if (n < 0) {
                free(refs);
                free(cols);
                return -1;
        }
        int rc = wire_buf_printf(
            out,
            "{\"page\":%llu,\"size\":%llu,\"total\":%llu,\"pages\":%llu,"
            "\"sort\":",
            (unsigned long long)q->page, (unsigned long long)q->size,
            (unsigned long long)total,
            (unsigned long long)((total + q->size - 1) / q->size));
        rc |= sort ? put_str(out, sort, strlen(sort)) : put(out, "null");
        rc |= wire_buf_printf(out, ",\"order\":\"%s\",\"columns\":[",
                              q->desc ? "desc" : "asc");
        for (size_t i = 0; i < ncols; i++) {
                rc |= put(out, i ? ",{\"name\":" : "{\"name\":");
                rc |= put_str(out, cols[i].name, strlen(cols[i].name));
                rc |= wire_buf_printf(out, ",\"type\":\"%s\"}",
                                      column_kind_name(cols[i].kind));
        }
        rc |= put(out, "],\"rows\":[");
        for (long r = 0; r < n; r++) {
                rc |= put(out, r ? ",[" : "[");
                for (size_t i = 0; i < ncols; i++) {
                        struct cell c;
                        aggregates_ref_cell(a, refs[r], cols[i].name, &c);
                        rc |= put(out, i ? "," : "");
                        rc |= put_cell(out, &c);
                }
                rc |= put(out, "]");
        }
        rc |= put(out, "]}");
        free(refs);
        free(cols);
        return rc ? -1 : 0;
}

int snapshot_render_categories(struct aggregates *a, struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols = aggregates_view_columns(a, &cols);
        int roles[AGG_ROLE_COUNT];
        aggregates_resolve_roles(a, cols, ncols, roles);
        int rc = put(out, "{\"value\":");
        rc |= put_role_name(out, cols, roles[AGG_ROLE_VALUE]);
        rc |= put(out, ",\"age\":");
        rc |= put_role_name(out, cols, roles[AGG_ROLE_AGE]);
        rc |= put(out, ",\"categories\":");
        rc |= render_categories_obj(a, cols, roles, SIZE_MAX, out);
        rc |= put(out, "}");
        free(cols);
        return rc ? -1 : 0;
}

/* Spreadsheets evaluate a cell that starts with one of these as a formula
 * (CSV injection). Text cells that do are written with a leading single
 * quote, which spreadsheets show as text; numbers are never touched. */
static bool csv_is_formula(const char *s, size_t len)
{
        return len > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' ||
                           s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

static int put_csv_text(struct wire_buf *b, const char *s, size_t len)
{
        bool quote   = false;
        bool formula = csv_is_formula(s, len);
        for (size_t i = 0; i < len && !quote; i++) {
                quote =
                    s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
        }
        if (!quote) {
                return (formula ? put(b, "'") : 0) | wire_buf_append(b, s, len);
        }
        int rc = put(b, formula ? "\"'" : "\"");
        for (size_t i = 0; i < len; i++) {
                rc |=
                    s[i] == '"' ? put(b, "\"\"") : wire_buf_append(b, &s[i], 1);
        }
        return rc | put(b, "\"");
}

int snapshot_render_csv(struct aggregates *a, const struct rows_query *q,
                        uint64_t offset, uint64_t limit, bool *more,
                        struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols     = aggregates_view_columns(a, &cols);
        const char *sort = sort_column(a, q, cols, ncols);
        *more            = false;
        if (q->sort[0] && !has_column(cols, ncols, q->sort)) {
                free(cols);
                return -2;
        }
        aggregates_row_ref *refs = malloc((limit + 1) * sizeof(*refs));
        uint64_t total           = 0;
        long n = refs ? aggregates_page(a, sort, q->desc, offset, (size_t)limit,
                                        refs, &total)
                      : -1;
        if (n < 0) {
                free(refs);
                free(cols);
                return -1;
        }
        int rc = 0;
        if (offset == 0) {
                for (size_t i = 0; i < ncols; i++) {
                        rc |= put(out, i ? "," : "");
                        rc |= put_csv_text(out, cols[i].name,
                                           strlen(cols[i].name));
                }
                rc |= put(out, "\r\n");
        }
        for (long r = 0; r < n; r++) {
                for (size_t i = 0; i < ncols; i++) {
                        struct cell c;
                        aggregates_ref_cell(a, refs[r], cols[i].name, &c);
                        rc |= put(out, i ? "," : "");
                        if (c.kind == COLUMN_TEXT) {
                                rc |= put_csv_text(out, c.text, c.text_len);
                        } else if (c.kind != COLUMN_EMPTY) {
                                rc |= put_dec(out, c.num, c.scale);
                        }
                }
                rc |= put(out, "\r\n");
        }
        *more = offset + (uint64_t)n < total;
        free(refs);
        free(cols);
        return rc ? -1 : 0;
}
