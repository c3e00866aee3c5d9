/* SPDX-License-Identifier: MIT */
/* The per-category table: the categories endpoint, and the top categories
 * of the snapshot. */
#include "snapshot_json.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot_json_internal.h"

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

int snapshot_categories_render_obj(struct aggregates *a,
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
        rc |= snapshot_categories_render_obj(a, cols, roles, SIZE_MAX, out);
        rc |= put(out, "}");
        free(cols);
        return rc ? -1 : 0;
}
