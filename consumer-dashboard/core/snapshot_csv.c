/* SPDX-License-Identifier: MIT */
/* The CSV export of the sorted rows, in chunks. */
#include "snapshot_json.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot_json_internal.h"

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
                        uint64_t offset, uint64_t limit,
                        struct csv_cursor *cursor, bool *more,
                        struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols;
        const char *sort;
        bool after = cursor && cursor->set;
        *more      = false;
        if (snapshot_rows_columns(a, q, &cols, &ncols, &sort) != 0) {
                return -2;
        }
        aggregates_row_ref *refs = malloc((limit + 1) * sizeof(*refs));
        uint64_t total           = 0;
        long n = refs ? aggregates_page(a, sort, q->desc, after ? 0 : offset,
                                        after ? 0 : (size_t)limit, refs, &total)
                      : -1;
        if (n >= 0 && after) {
                long pos =
                    aggregates_page_position(a, sort, q->desc, cursor->ref,
                                             &cursor->hint, &cursor->view);
                if (pos < 0) {
                        free(refs);
                        aggregates_view_columns_free(cols, ncols);
                        return SNAPSHOT_GONE;
                }
                offset = (uint64_t)pos + 1;
                n = aggregates_page(a, sort, q->desc, offset, (size_t)limit,
                                    refs, &total);
        }
        if (n < 0) {
                free(refs);
                aggregates_view_columns_free(cols, ncols);
                return n == AGGREGATES_PAGE_NOT_READY     ? SNAPSHOT_NOT_READY
                       : n == AGGREGATES_PAGE_OVER_BUDGET ? SNAPSHOT_OVER_BUDGET
                                                          : SNAPSHOT_NOMEM;
        }
        int rc = 0;
        if (!after && offset == 0) {
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
                        } else if (c.big) {
                                rc |= wire_buf_append(out, c.big, c.big_len);
                        } else if (c.kind != COLUMN_EMPTY) {
                                rc |= put_dec(out, c.num, c.scale);
                        }
                }
                rc |= put(out, "\r\n");
        }
        *more = offset + (uint64_t)n < total;
        if (cursor && n > 0) {
                cursor->set = true;
                cursor->ref = refs[n - 1];
                (void)aggregates_page_position(a, sort, q->desc, cursor->ref,
                                               &cursor->hint, &cursor->view);
        }
        free(refs);
        aggregates_view_columns_free(cols, ncols);
        return rc ? -1 : 0;
}
