/* SPDX-License-Identifier: MIT */
/*
 * The merged view of every source's current generation: its columns, the
 * roles, and the sorted, paged table.
 */
#include "aggregates_internal.h"

#include <stdio.h>
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
        a->slots = slots;
        const char **names =
            realloc(a->slot_names, (a->nsources + 1) * sizeof(*names));
        if (!names) {
                return -1;
        }
        a->slot_names = names;
        a->nslots     = 0;
        for (size_t i = 0; i < a->nsources; i++) {
                if (a->sources[i].current) {
                        names[a->nslots]   = a->sources[i].name;
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

/* Adds one generation's column to the merged column, exactly: sums, minima
 * and maxima of any magnitude and scale (exact.h). */
static void merge_stats(struct view_column *vc, const struct column *c)
{
        if (!column_is_numeric(c) || column_count(c) == 0) {
                return;
        }
        struct exact sum = EXACT_ZERO, min = EXACT_ZERO, max = EXACT_ZERO;
        if (column_exact_stats(c, &sum, &min, &max) != 0 ||
            exact_add(&vc->sum, &sum) != 0 || exact_min(&vc->min, &min) != 0 ||
            exact_max(&vc->max, &max) != 0) {
                vc->is_stats_unknown = true;
        }
        vc->n += column_count(c);
        exact_clear(&sum);
        exact_clear(&min);
        exact_clear(&max);
}

void aggregates_view_columns_free(struct view_column *cols, size_t n)
{
        for (size_t i = 0; cols && i < n; i++) {
                exact_clear(&cols[i].sum);
                exact_clear(&cols[i].min);
                exact_clear(&cols[i].max);
        }
        free(cols);
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
                if (!aggregates_slot_shown(a, s)) {
                        continue;
                }
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
                        if (!vc->unit_set) {
                                vc->unit     = c->unit[0] ? c->unit : NULL;
                                vc->unit_set = true;
                        } else if (vc->unit && strcmp(vc->unit, c->unit) != 0) {
                                vc->unit = NULL; /* sources differ */
                        }
                        vc->invalid += c->mismatches;
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
                if (!aggregates_slot_shown(a, s)) {
                        continue;
                }
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
                const char *name = a->roles[r];
                if (a->viewer_roles && a->viewer_roles[r]) {
                        name =
                            a->viewer_roles[r][0] ? a->viewer_roles[r] : NULL;
                }
                chosen[r] = find_col(cols, ncols, name);
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

int aggregates_role_column(struct aggregates *a, enum aggregates_role r,
                           char *buf, size_t size)
{
        struct view_column *cols;
        int roles[AGG_ROLE_COUNT];
        size_t n = aggregates_view_columns(a, &cols);
        aggregates_resolve_roles(a, cols, n, roles);
        int i = r < AGG_ROLE_COUNT ? roles[r] : -1;
        snprintf(buf, size, "%s", i >= 0 ? cols[i].name : "");
        aggregates_view_columns_free(cols, n);
        return i >= 0 ? 0 : -1;
}
