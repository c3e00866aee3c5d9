/* SPDX-License-Identifier: MIT */
/* The per-category table: the categories endpoint, and the top categories
 * of the snapshot. It only prints what the view merged (view_categories.c). */
#include "snapshot_json.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot_json_internal.h"

static int render_category_items(struct wire_buf *b,
                                 const struct view_category *rows, size_t n)
{
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                const struct view_category *r = &rows[i];
                rc |= put(b, i ? ",{\"name\":" : "{\"name\":");
                rc |= put_str(b, r->name, r->len);
                rc |= wire_buf_printf(
                    b, ",\"count\":%llu,\"sum\":", (unsigned long long)r->n);
                if (r->value_n && !r->is_unknown) {
                        rc |= exact_format(&r->sum, b);
                        rc |= put(b, ",\"mean\":");
                        rc |= put_double(b, exact_to_double(&r->sum) /
                                                (double)r->value_n);
                        rc |= put(b, ",\"min\":");
                        rc |= exact_format(&r->min, b);
                        rc |= put(b, ",\"max\":");
                        rc |= exact_format(&r->max, b);
                } else {
                        rc |= put(b, "null,\"mean\":null,\"min\":null,"
                                     "\"max\":null");
                }
                rc |= put(b, ",\"mean_age\":");
                if (r->age_n && !r->is_unknown) {
                        rc |= put_double(b, exact_to_double(&r->age_sum) /
                                                (double)r->age_n);
                } else {
                        rc |= put(b, "null");
                }
                rc |= put(b, "}");
        }
        return rc;
}

/* "others": the categories past the first max, merged (exactly), so that
 * a chart's "Others" entry covers every category not listed. */
static int render_others(struct wire_buf *b, const struct view_category *rows,
                         size_t n, size_t max)
{
        struct exact sum = EXACT_ZERO;
        uint64_t count = 0, values = 0;
        bool unknown = false;
        for (size_t i = max; i < n; i++) {
                count += rows[i].n;
                values += rows[i].value_n;
                unknown |= rows[i].is_unknown;
                if (rows[i].value_n && !rows[i].is_unknown &&
                    exact_add(&sum, &rows[i].sum) != 0) {
                        unknown = true;
                }
        }
        int rc =
            wire_buf_printf(b,
                            "{\"categories\":%zu,\"count\":%llu,"
                            "\"sum\":",
                            n > max ? n - max : 0, (unsigned long long)count);
        rc |= values && !unknown ? exact_format(&sum, b) : put(b, "null");
        exact_clear(&sum);
        return rc | put(b, "}");
}

int snapshot_categories_render_obj(struct aggregates *a,
                                   const struct view_column *cols,
                                   const int roles[AGG_ROLE_COUNT], size_t max,
                                   struct wire_buf *b)
{
        struct view_category *rows;
        size_t n = aggregates_view_categories(a, cols, roles, &rows);
        int ci   = roles[AGG_ROLE_CATEGORY];
        int rc   = put(b, "{\"column\":");
        rc |= ci >= 0 ? put_str(b, cols[ci].name, strlen(cols[ci].name))
                      : put(b, "null");
        rc |= wire_buf_printf(b, ",\"total\":%zu,\"items\":[", n);
        rc |= render_category_items(b, rows, n < max ? n : max);
        rc |= put(b, "],\"others\":");
        rc |= render_others(b, rows, n, max);
        rc |= put(b, "}");
        aggregates_view_categories_free(rows, n);
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
        aggregates_view_columns_free(cols, ncols);
        return rc ? -1 : 0;
}
