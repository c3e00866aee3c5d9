/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_SNAPSHOT_JSON_INTERNAL_H
#define DASHBOARD_CORE_SNAPSHOT_JSON_INTERNAL_H

/*
 * What the renderers behind snapshot_json.h share: the small writers of
 * JSON values, the category table (snapshot_categories.c) that the snapshot
 * also shows, and the column/sort lookup (snapshot_rows.c) that the CSV
 * export also uses. Nothing outside core/ includes this header.
 */

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "aggregates_internal.h"
#include "common/wire.h"
#include "double_text.h"
#include "snapshot_json.h"

static inline int put(struct wire_buf *b, const char *s)
{
        return wire_buf_append(b, s, strlen(s));
}

static inline int put_str(struct wire_buf *b, const char *s, size_t len)
{
        return wire_buf_append_json_string(b, s, len);
}

static inline int put_dec(struct wire_buf *b, dec128 m, unsigned scale)
{
        char buf[64];
        int n = column_format_dec128(m, scale, buf, sizeof(buf));
        return wire_buf_append(b, buf, (size_t)n);
}

static inline int put_double(struct wire_buf *b, double v)
{
        char text[DOUBLE_TEXT_MAX];

        if (!isfinite(v)) {
                return put(b, "null");
        }
        return wire_buf_append(b, text, double_text(v, text));
}

/* A generation being collected: {"generation","rows","expected"} (expected
 * null until its snapshot-complete marker), or null. */
static inline int put_pending(struct wire_buf *b, const struct generation *g)
{
        int rc;

        if (!g) {
                return put(b, "null");
        }
        rc =
            wire_buf_printf(b, "{\"generation\":%llu,\"rows\":%u,\"expected\":",
                            (unsigned long long)g->number, g->rows);
        rc |= g->complete_known
                  ? wire_buf_printf(b, "%llu", (unsigned long long)g->row_count)
                  : put(b, "null");
        return rc | put(b, "}");
}

static inline int put_cell(struct wire_buf *b, const struct cell *c)
{
        switch (c->kind) {
        case COLUMN_INT:
        case COLUMN_DECIMAL:
                return c->big ? wire_buf_append(b, c->big, c->big_len)
                              : put_dec(b, c->num, c->scale);
        case COLUMN_TEXT:
                return put_str(b, c->text, c->text_len);
        case COLUMN_EMPTY:
                break;
        }
        return put(b, "null");
}

static inline int put_role_name(struct wire_buf *b,
                                const struct view_column *cols, int i)
{
        return i >= 0 ? put_str(b, cols[i].name, strlen(cols[i].name))
                      : put(b, "null");
}

/**
 * @brief Appends {"column":..,"total":..,"items":[...]}: the categories of
 *        the view merged by name, by value sum descending, at most max
 *        items. @returns 0 or nonzero when memory runs out.
 */
int snapshot_categories_render_obj(struct aggregates *a,
                                   const struct view_column *cols,
                                   const int roles[AGG_ROLE_COUNT], size_t max,
                                   struct wire_buf *b);

/**
 * @brief The view columns (*cols, malloc'ed, caller frees) and the column
 *        to sort by (*sort: q->sort, else the value role, else NULL).
 * @returns 0, or -2 for an unknown sort column (*cols already freed).
 */
int snapshot_rows_columns(struct aggregates *a, const struct rows_query *q,
                          struct view_column **cols, size_t *ncols,
                          const char **sort);

#endif
