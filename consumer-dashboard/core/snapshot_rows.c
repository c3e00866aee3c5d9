/* SPDX-License-Identifier: MIT */
/* One page of the sorted rows, and the column/sort lookup it shares with
 * the CSV export (snapshot_csv.c). */
#include "snapshot_json.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot_json_internal.h"

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

int snapshot_rows_columns(struct aggregates *a, const struct rows_query *q,
                          struct view_column **cols, size_t *ncols,
                          const char **sort)
{
        *ncols = aggregates_view_columns(a, cols);
        *sort  = sort_column(a, q, *cols, *ncols);
        if (q->sort[0] && !has_column(*cols, *ncols, q->sort)) {
                aggregates_view_columns_free(*cols, *ncols);
                *cols = NULL;
                return -2;
        }
        return 0;
}

int snapshot_render_rows(struct aggregates *a, const struct rows_query *q,
                         struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols;
        const char *sort;
        if (snapshot_rows_columns(a, q, &cols, &ncols, &sort) != 0) {
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
                aggregates_view_columns_free(cols, ncols);
                return n == AGGREGATES_PAGE_NOT_READY     ? SNAPSHOT_NOT_READY
                       : n == AGGREGATES_PAGE_OVER_BUDGET ? SNAPSHOT_OVER_BUDGET
                                                          : SNAPSHOT_NOMEM;
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
        aggregates_view_columns_free(cols, ncols);
        return rc ? -1 : 0;
}
