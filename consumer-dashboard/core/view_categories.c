/* SPDX-License-Identifier: MIT */
/*
 * The per-category table of the merged view: each source's category cells
 * merged by name, with exact sums, minima and maxima (exact.h) whatever the
 * sources' magnitudes and scales. The renderers only print it.
 */
#include "aggregates_internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_name(const void *pa, const void *pb)
{
        const struct view_category *x = pa, *y = pb;
        int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);
        return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* By value sum, descending; then by rows; then by name. */
static int cmp_sum(const void *pa, const void *pb)
{
        const struct view_category *x = pa, *y = pb;
        int c = exact_cmp(&y->sum, &x->sum);
        if (c) {
                return c;
        }
        if (x->n != y->n) {
                return x->n < y->n ? 1 : -1;
        }
        return cmp_name(pa, pb);
}

/* The exact sum, min and max of one cell (fast path and big numbers). */
static int cell_exact(const struct category_cell *cell, unsigned scale,
                      struct exact *sum, struct exact *min, struct exact *max)
{
        if (cell->n) {
                exact_set_dec(sum, cell->sum, scale);
                exact_set_dec(min, cell->min, scale);
                exact_set_dec(max, cell->max, scale);
        }
        if (cell->big && cell->big->n &&
            (exact_add(sum, &cell->big->sum) != 0 ||
             exact_min(min, &cell->big->min) != 0 ||
             exact_max(max, &cell->big->max) != 0)) {
                return -1;
        }
        return 0;
}

static uint64_t cell_count(const struct category_cell *cell)
{
        return cell->n + (cell->big ? cell->big->n : 0);
}

void aggregates_view_categories_free(struct view_category *rows, size_t n)
{
        for (size_t i = 0; rows && i < n; i++) {
                exact_clear(&rows[i].sum);
                exact_clear(&rows[i].min);
                exact_clear(&rows[i].max);
                exact_clear(&rows[i].age_sum);
        }
        free(rows);
}

/* Merges rows[i] into rows[w] (same name). */
static void merge_row(struct view_category *d, struct view_category *s)
{
        d->n += s->n;
        d->value_n += s->value_n;
        d->age_n += s->age_n;
        if (exact_add(&d->sum, &s->sum) != 0 ||
            exact_min(&d->min, &s->min) != 0 ||
            exact_max(&d->max, &s->max) != 0 ||
            exact_add(&d->age_sum, &s->age_sum) != 0) {
                d->is_unknown = true;
        }
        d->is_unknown |= s->is_unknown;
        exact_clear(&s->sum);
        exact_clear(&s->min);
        exact_clear(&s->max);
        exact_clear(&s->age_sum);
}

size_t aggregates_view_categories(struct aggregates *a,
                                  const struct view_column *cols,
                                  const int roles[AGG_ROLE_COUNT],
                                  struct view_category **out)
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
        size_t n = 0, cap = 0;
        struct view_category *rows = NULL;
        for (size_t s = 0; s < a->nslots; s++) {
                const struct generation *g = a->slots[s];
                if (!aggregates_slot_shown(a, s)) {
                        continue;
                }
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
                                struct view_category *r =
                                    realloc(rows, cap * sizeof(*r));
                                if (!r) {
                                        aggregates_view_categories_free(rows,
                                                                        n);
                                        return 0;
                                }
                                rows = r;
                        }
                        struct view_category *r = &rows[n++];
                        memset(r, 0, sizeof(*r));
                        r->name = intern_get(cc->strings, id, &r->len);
                        r->n    = cells[k].n;
                        if (vi >= 0 && column_is_numeric(g->cols[vi])) {
                                r->value_n = cell_count(&cells[vi]);
                                r->is_unknown |=
                                    cell_exact(&cells[vi], g->cols[vi]->scale,
                                               &r->sum, &r->min, &r->max) != 0;
                        }
                        if (ai >= 0 && column_is_numeric(g->cols[ai])) {
                                struct exact mn = EXACT_ZERO, mx = EXACT_ZERO;
                                r->age_n = cell_count(&cells[ai]);
                                r->is_unknown |=
                                    cell_exact(&cells[ai], g->cols[ai]->scale,
                                               &r->age_sum, &mn, &mx) != 0;
                                exact_clear(&mn);
                                exact_clear(&mx);
                        }
                }
        }
        if (a->nslots > 1 && n > 1) {
                qsort(rows, n, sizeof(*rows), cmp_name);
                size_t w = 0;
                for (size_t i = 1; i < n; i++) {
                        if (cmp_name(&rows[w], &rows[i]) != 0) {
                                rows[++w] = rows[i];
                                continue;
                        }
                        merge_row(&rows[w], &rows[i]);
                }
                n = w + 1;
        }
        qsort(rows, n, sizeof(*rows), cmp_sum);
        *out = rows;
        return n;
}
