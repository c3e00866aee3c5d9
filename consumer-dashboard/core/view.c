/* SPDX-License-Identifier: MIT */
/*
 * The merged view of every source's current generation: its columns, the
 * roles, and the sorted, paged table.
 */
#include "aggregates_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int aggregates_view_slots(struct aggregates *a)
{
        if (a->slots_version == a->view_version) {
                return 0;
        }
        struct generation **slots =
            realloc(a->slots, (a->nsources + 1) * sizeof(*slots));
        if (!slots) {
                return -1;
        }
        a->slots  = slots;
        a->nslots = 0;
        for (size_t i = 0; i < a->nsources; i++) {
                if (a->sources[i].current) {
                        slots[a->nslots++] = a->sources[i].current;
                }
        }
        a->slots_version = a->view_version;
        return 0;
}

static enum column_kind merge_kind(enum column_kind x, enum column_kind y)
{
        if (x == COLUMN_EMPTY) {
                return y;
        }
        if (y == COLUMN_EMPTY || x == y) {
                return x;
        }
        if (x == COLUMN_TEXT || y == COLUMN_TEXT) {
                return COLUMN_TEXT;
        }
        return COLUMN_DECIMAL;
}

/* Adds one generation's column to the merged column, at the merged scale.
 * The count and the sum always go in: the sum is 128-bit, and when even that
 * overflows it is marked unknown rather than wrong. The min and max are
 * 64-bit, so a value that cannot be rescaled to the merged scale leaves them
 * marked partial instead of dropping the whole source (F4). */
static void merge_stats(struct view_column *vc, const struct column *c)
{
        if (!column_is_numeric(c) || c->stats.n == 0) {
                return;
        }
        unsigned d             = vc->scale - c->scale;
        struct column_stats *s = &vc->stats;
        dec128 scaled;
        s->n += c->stats.n;
        if (__builtin_mul_overflow(c->stats.sum, (dec128)column_pow10(d),
                                   &scaled) ||
            __builtin_add_overflow(s->sum, scaled, &s->sum)) {
                vc->is_sum_overflow = true;
        }
        int64_t mn, mx;
        if (column_scale_up(c->stats.min, d, &mn) != 0 ||
            column_scale_up(c->stats.max, d, &mx) != 0) {
                vc->is_minmax_partial = true;
                return;
        }
        if (!vc->has_minmax || mn < s->min) {
                s->min = mn;
        }
        if (!vc->has_minmax || mx > s->max) {
                s->max = mx;
        }
        vc->has_minmax = true;
}

size_t aggregates_view_columns(struct aggregates *a, struct view_column **out)
{
        *out = NULL;
        if (aggregates_view_slots(a) != 0) {
                return 0;
        }
        size_t n = 0, cap = 0;
        struct view_column *cols = NULL;
        for (size_t s = 0; s < a->nslots; s++) {
                const struct generation *g = a->slots[s];
                for (size_t i = 0; i < g->ncols; i++) {
                        const struct column *c = g->cols[i];
                        size_t j               = 0;
                        while (j < n && strcmp(cols[j].name, c->name) != 0) {
                                j++;
                        }
                        if (j == n) {
                                if (n == cap) {
                                        cap = cap ? cap * 2 : 16;
                                        struct view_column *nc =
                                            realloc(cols, cap * sizeof(*nc));
                                        if (!nc) {
                                                free(cols);
                                                return 0;
                                        }
                                        cols = nc;
                                }
                                cols[n++] = (struct view_column){
                                    .name = c->name, .categorical = true};
                        }
                        struct view_column *vc = &cols[j];
                        vc->kind               = merge_kind(vc->kind, c->kind);
                        if (c->scale > vc->scale) {
                                vc->scale = c->scale;
                        }
                        if (c->kind == COLUMN_TEXT) {
                                vc->distinct += intern_count(c->strings);
                                if (g->cats[i].disabled) {
                                        vc->categorical = false;
                                }
                        }
                }
        }
        for (size_t s = 0; s < a->nslots; s++) {
                const struct generation *g = a->slots[s];
                for (size_t i = 0; i < g->ncols; i++) {
                        for (size_t j = 0; j < n; j++) {
                                if (strcmp(cols[j].name, g->cols[i]->name)) {
                                        continue;
                                }
                                if (column_is_numeric(g->cols[i]) &&
                                    cols[j].kind != COLUMN_TEXT) {
                                        merge_stats(&cols[j], g->cols[i]);
                                }
                                break;
                        }
                }
        }
        for (size_t j = 0; j < n; j++) {
                if (cols[j].kind != COLUMN_TEXT) {
                        cols[j].categorical = false;
                }
        }
        *out = cols;
        return n;
}

static int find_col(const struct view_column *cols, size_t n, const char *name)
{
        for (size_t i = 0; name && i < n; i++) {
                if (strcmp(cols[i].name, name) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

static bool is_numeric_kind(enum column_kind k)
{
        return k == COLUMN_INT || k == COLUMN_DECIMAL;
}

/* "id", "user_id", "ID": identifiers are never values or ages. */
static bool looks_like_id(const char *name)
{
        size_t len = strlen(name);
        return (len >= 2 && strcasecmp(name + len - 2, "id") == 0);
}

static int pick_value(const struct view_column *cols, size_t n)
{
        int i = find_col(cols, n, "valor");
        if (i >= 0 && is_numeric_kind(cols[i].kind)) {
                return i;
        }
        for (size_t j = 0; j < n; j++) {
                if (cols[j].kind == COLUMN_DECIMAL) {
                        return (int)j;
                }
        }
        for (size_t j = 0; j < n; j++) {
                if (cols[j].kind == COLUMN_INT &&
                    !looks_like_id(cols[j].name)) {
                        return (int)j;
                }
        }
        return -1;
}

static int pick_age(const struct view_column *cols, size_t n, int value)
{
        static const char *const names[] = {"idade", "age"};
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
                int i = find_col(cols, n, names[k]);
                if (i >= 0 && is_numeric_kind(cols[i].kind)) {
                        return i;
                }
        }
        for (size_t j = 0; j < n; j++) {
                if (cols[j].kind == COLUMN_INT && (int)j != value &&
                    !looks_like_id(cols[j].name)) {
                        return (int)j;
                }
        }
        return -1;
}

static int pick_category(const struct view_column *cols, size_t n)
{
        int i = find_col(cols, n, "cidade");
        if (i >= 0 && cols[i].categorical) {
                return i;
        }
        int best = -1;
        for (size_t j = 0; j < n; j++) {
                if (cols[j].categorical &&
                    (best < 0 || cols[j].distinct < cols[best].distinct)) {
                        best = (int)j;
                }
        }
        return best;
}

static int pick_label(const struct view_column *cols, size_t n, int category)
{
        int i = find_col(cols, n, "nome");
        if (i >= 0 && cols[i].kind == COLUMN_TEXT) {
                return i;
        }
        for (size_t j = 0; j < n; j++) {
                if (cols[j].kind == COLUMN_TEXT && (int)j != category) {
                        return (int)j;
                }
        }
        return category;
}

void aggregates_resolve_roles(const struct aggregates *a,
                              const struct view_column *cols, size_t ncols,
                              int out[AGG_ROLE_COUNT])
{
        int chosen[AGG_ROLE_COUNT];
        for (int r = 0; r < AGG_ROLE_COUNT; r++) {
                chosen[r] = find_col(cols, ncols, a->roles[r]);
        }
        if (chosen[AGG_ROLE_VALUE] >= 0 &&
            !is_numeric_kind(cols[chosen[AGG_ROLE_VALUE]].kind)) {
                chosen[AGG_ROLE_VALUE] = -1;
        }
        if (chosen[AGG_ROLE_AGE] >= 0 &&
            !is_numeric_kind(cols[chosen[AGG_ROLE_AGE]].kind)) {
                chosen[AGG_ROLE_AGE] = -1;
        }
        if (chosen[AGG_ROLE_CATEGORY] >= 0 &&
            !cols[chosen[AGG_ROLE_CATEGORY]].categorical) {
                chosen[AGG_ROLE_CATEGORY] = -1;
        }
        out[AGG_ROLE_VALUE]    = chosen[AGG_ROLE_VALUE] >= 0
                                     ? chosen[AGG_ROLE_VALUE]
                                     : pick_value(cols, ncols);
        out[AGG_ROLE_AGE]      = chosen[AGG_ROLE_AGE] >= 0
                                     ? chosen[AGG_ROLE_AGE]
                                     : pick_age(cols, ncols, out[AGG_ROLE_VALUE]);
        out[AGG_ROLE_CATEGORY] = chosen[AGG_ROLE_CATEGORY] >= 0
                                     ? chosen[AGG_ROLE_CATEGORY]
                                     : pick_category(cols, ncols);
        out[AGG_ROLE_LABEL] =
            chosen[AGG_ROLE_LABEL] >= 0
                ? chosen[AGG_ROLE_LABEL]
                : pick_label(cols, ncols, out[AGG_ROLE_CATEGORY]);
}

void aggregates_ref_cell(const struct aggregates *a, aggregates_row_ref ref,
                         const char *name, struct cell *out)
{
        size_t slot  = (size_t)(ref >> AGG_REF_SLOT_SHIFT);
        uint32_t row = (uint32_t)(ref & AGG_REF_ROW_MASK);
        const struct column *c =
            slot < a->nslots ? generation_column(a->slots[slot], name) : NULL;
        if (!c) {
                memset(out, 0, sizeof(*out));
                out->text = "";
                return;
        }
        column_get(c, row, out);
}

/* ---- Sort indexes ---- */

struct sort_ctx {
        const struct column **cols; /* per slot, NULL if absent */
        const uint32_t **ranks;     /* per slot, text columns */
        uint8_t scale;              /* largest scale among the slots */
};

static bool ref_is_null(const struct sort_ctx *x, uint64_t ref)
{
        const struct column *c = x->cols[ref >> AGG_REF_SLOT_SHIFT];
        uint32_t row           = (uint32_t)(ref & AGG_REF_ROW_MASK);
        if (!c || c->kind == COLUMN_EMPTY) {
                return true;
        }
        if (c->kind == COLUMN_TEXT) {
                return column_text(c, row) == 0;
        }
        return column_num(c, row) == COLUMN_NULL_NUM;
}

static int cmp_refs(const void *pa, const void *pb, void *ctx)
{
        const struct sort_ctx *x = ctx;
        uint64_t ra = *(const uint64_t *)pa, rb = *(const uint64_t *)pb;
        size_t sa               = (size_t)(ra >> AGG_REF_SLOT_SHIFT);
        size_t sb               = (size_t)(rb >> AGG_REF_SLOT_SHIFT);
        const struct column *ca = x->cols[sa], *cb = x->cols[sb];
        uint32_t a = (uint32_t)(ra & AGG_REF_ROW_MASK);
        uint32_t b = (uint32_t)(rb & AGG_REF_ROW_MASK);
        int c      = 0;
        bool na = ref_is_null(x, ra), nb = ref_is_null(x, rb);
        if (na || nb) {
                c = (int)na - (int)nb; /* nulls last */
        } else if (ca->kind == COLUMN_TEXT && cb->kind == COLUMN_TEXT) {
                if (sa == sb && x->ranks[sa]) {
                        uint32_t ka = x->ranks[sa][column_text(ca, a)];
                        uint32_t kb = x->ranks[sb][column_text(cb, b)];
                        c           = (ka > kb) - (ka < kb);
                } else {
                        size_t la, lb;
                        const char *ta =
                            intern_get(ca->strings, column_text(ca, a), &la);
                        const char *tb =
                            intern_get(cb->strings, column_text(cb, b), &lb);
                        c = memcmp(ta, tb, la < lb ? la : lb);
                        if (!c) {
                                c = (la > lb) - (la < lb);
                        }
                }
        } else if (ca->kind == COLUMN_TEXT || cb->kind == COLUMN_TEXT) {
                c = ca->kind == COLUMN_TEXT ? 1 : -1; /* numbers first */
        } else if (ca->scale == cb->scale) {
                int64_t va = column_num(ca, a), vb = column_num(cb, b);
                c = (va > vb) - (va < vb);
        } else {
                dec128 va = (dec128)column_num(ca, a) *
                            column_pow10(x->scale - ca->scale);
                dec128 vb = (dec128)column_num(cb, b) *
                            column_pow10(x->scale - cb->scale);
                c = (va > vb) - (va < vb);
        }
        if (c) {
                return c;
        }
        return (ra > rb) - (ra < rb); /* ties: arrival order */
}

static struct row_index *get_index(struct aggregates *a, const char *column)
{
        struct row_index *lru = &a->indexes[0];
        for (int i = 0; i < AGG_MAX_INDEXES; i++) {
                struct row_index *ix = &a->indexes[i];
                if (ix->column && strcmp(ix->column, column) == 0) {
                        return ix;
                }
                if (!ix->column ||
                    (lru->column && ix->last_used < lru->last_used)) {
                        lru = ix;
                }
        }
        free(lru->column);
        free(lru->refs);
        free(lru->built_rows);
        memset(lru, 0, sizeof(*lru));
        lru->column = strdup(column);
        if (!lru->column) {
                return NULL;
        }
        lru->view_version = UINT64_MAX;
        return lru;
}

/* Appends refs of rows [from, to) of a slot to out. */
static size_t fill_refs(uint64_t *out, size_t slot, uint32_t from, uint32_t to)
{
        size_t n = 0;
        for (uint32_t r = from; r < to; r++) {
                out[n++] = ((uint64_t)slot << AGG_REF_SLOT_SHIFT) | r;
        }
        return n;
}

static int reserve(struct row_index *ix, size_t n)
{
        if (n <= ix->cap) {
                return 0;
        }
        size_t cap = ix->cap ? ix->cap : 1024;
        while (cap < n) {
                cap += cap / 2;
        }
        uint64_t *refs = realloc(ix->refs, cap * sizeof(*refs));
        if (!refs) {
                return -1;
        }
        ix->refs = refs;
        ix->cap  = cap;
        return 0;
}

static int rebuild(struct aggregates *a, struct row_index *ix,
                   struct sort_ctx *ctx, size_t total)
{
        uint32_t *built =
            realloc(ix->built_rows, (a->nslots + 1) * sizeof(*built));
        if (!built) {
                return -1;
        }
        ix->built_rows = built;
        if (reserve(ix, total) != 0) {
                return -1;
        }
        ix->n = 0;
        for (size_t s = 0; s < a->nslots; s++) {
                ix->n += fill_refs(ix->refs + ix->n, s, 0, a->slots[s]->rows);
                built[s] = a->slots[s]->rows;
        }
        qsort_r(ix->refs, ix->n, sizeof(*ix->refs), cmp_refs, ctx);
        ix->view_version = a->view_version;
        return 0;
}

/* Sorts the rows added since the index was built and merges them in. */
static int catch_up(struct aggregates *a, struct row_index *ix,
                    struct sort_ctx *ctx, size_t total)
{
        size_t m = total - ix->n;
        if (m == 0) {
                return 0;
        }
        uint64_t *fresh = malloc(m * sizeof(*fresh));
        if (!fresh || reserve(ix, total) != 0) {
                free(fresh);
                return -1;
        }
        size_t k = 0;
        for (size_t s = 0; s < a->nslots; s++) {
                k += fill_refs(fresh + k, s, ix->built_rows[s],
                               a->slots[s]->rows);
                ix->built_rows[s] = a->slots[s]->rows;
        }
        qsort_r(fresh, m, sizeof(*fresh), cmp_refs, ctx);
        /* Merge from the back so that no second full-size array is needed. */
        size_t i = ix->n, j = m, out = ix->n + m;
        while (j > 0) {
                if (i > 0 &&
                    cmp_refs(&ix->refs[i - 1], &fresh[j - 1], ctx) > 0) {
                        ix->refs[--out] = ix->refs[--i];
                } else {
                        ix->refs[--out] = fresh[--j];
                }
        }
        ix->n += m;
        free(fresh);
        return 0;
}

long aggregates_page(struct aggregates *a, const char *sort, bool desc,
                     uint64_t offset, size_t limit, aggregates_row_ref *refs,
                     uint64_t *total)
{
        if (aggregates_view_slots(a) != 0) {
                return -1;
        }
        uint64_t n = 0;
        for (size_t s = 0; s < a->nslots; s++) {
                n += a->slots[s]->rows;
        }
        *total = n;
        if (!sort) {
                /* Arrival order: slot by slot, no index needed. */
                long out = 0;
                for (uint64_t p = offset; p < n && (size_t)out < limit; p++) {
                        uint64_t pos = desc ? n - 1 - p : p;
                        size_t s     = 0;
                        while (pos >= a->slots[s]->rows) {
                                pos -= a->slots[s]->rows;
                                s++;
                        }
                        refs[out++] = ((uint64_t)s << AGG_REF_SLOT_SHIFT) | pos;
                }
                return out;
        }
        bool known                 = false;
        const struct column **cols = calloc(a->nslots + 1, sizeof(*cols));
        const uint32_t **ranks     = calloc(a->nslots + 1, sizeof(*ranks));
        struct sort_ctx ctx        = {cols, ranks, 0};
        long out                   = -1;
        if (!cols || !ranks) {
                goto done;
        }
        for (size_t s = 0; s < a->nslots; s++) {
                cols[s]  = generation_column(a->slots[s], sort);
                ranks[s] = NULL;
                if (!cols[s]) {
                        continue;
                }
                known = true;
                if (cols[s]->scale > ctx.scale) {
                        ctx.scale = cols[s]->scale;
                }
                if (cols[s]->kind == COLUMN_TEXT) {
                        ranks[s] = intern_ranks(cols[s]->strings);
                }
        }
        struct row_index *ix = known ? get_index(a, sort) : NULL;
        if (!ix) {
                goto done;
        }
        ix->last_used = ++a->index_clock;
        /* A rescaled column changes no order; a new view does. */
        int rc = ix->view_version == a->view_version
                     ? catch_up(a, ix, &ctx, (size_t)n)
                     : rebuild(a, ix, &ctx, (size_t)n);
        if (rc != 0) {
                ix->view_version = UINT64_MAX;
                goto done;
        }
        /* Nulls sit at the end; descending order reverses only the rest. */
        size_t lo = 0, hi = ix->n;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (ref_is_null(&ctx, ix->refs[mid])) {
                        hi = mid;
                } else {
                        lo = mid + 1;
                }
        }
        size_t nonnull = lo;
        out            = 0;
        for (uint64_t p = offset; p < ix->n && (size_t)out < limit; p++) {
                size_t pos =
                    desc && p < nonnull ? nonnull - 1 - (size_t)p : (size_t)p;
                refs[out++] = ix->refs[pos];
        }
done:
        free(cols);
        free(ranks);
        return out;
}
