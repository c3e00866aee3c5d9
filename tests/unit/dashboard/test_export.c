/* SPDX-License-Identifier: MIT */
/* Unit tests of the CSV export (snapshot_render_csv): quoting, and text
 * cells that a spreadsheet would run as formulas. */
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "common/wire.h"
#include "snapshot_json.h"

static struct wire_object obj;

static void source_row(struct aggregates *a, const char *source, uint64_t rec,
                       const char *json)
{
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = source,
                                       .generation = 1,
                                       .record     = rec,
                                       .row        = &obj};
        CHECK_EQ_INT(aggregates_apply(a, &m, 1000), AGGREGATES_APPLIED);
}

static void row(struct aggregates *a, uint64_t rec, const char *json)
{
        source_row(a, "f.csv", rec, json);
}

static void test_formula_cells_are_quoted(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, 1, "{\"id\":1,\"nome\":\"=1+1\",\"valor\":-1.5}");
        row(a, 2, "{\"id\":2,\"nome\":\"+SUM(A1)\",\"valor\":2}");
        row(a, 3, "{\"id\":3,\"nome\":\"-2\",\"valor\":3}");
        row(a, 4, "{\"id\":4,\"nome\":\"@cmd\",\"valor\":4}");
        row(a, 5, "{\"id\":5,\"nome\":\"\\t=x\",\"valor\":5}");
        row(a, 6, "{\"id\":6,\"nome\":\"\\r=x\",\"valor\":6}");
        row(a, 7, "{\"id\":7,\"nome\":\"=A1,\\\"B\\\"\",\"valor\":7}");
        row(a, 8, "{\"id\":8,\"nome\":\"a=b-c\",\"valor\":8}");
        row(a, 9, "{\"id\":9,\"nome\":\"\",\"valor\":9}");
        struct rows_query q;
        char err[128];
        CHECK_EQ_INT(
            rows_query_parse("sort=id&order=asc", false, &q, err, sizeof(err)),
            0);
        struct wire_buf b = {0};
        bool more         = true;
        CHECK_EQ_INT(snapshot_render_csv(a, &q, 0, 100, NULL, &more, &b), 0);
        CHECK(!more);
        wire_buf_append(&b, "", 1);
        CHECK_EQ_STR(b.data, "id,nome,valor\r\n"
                             "1,'=1+1,-1.5\r\n"
                             "2,'+SUM(A1),2.0\r\n"
                             "3,'-2,3.0\r\n"
                             "4,'@cmd,4.0\r\n"
                             "5,'\t=x,5.0\r\n"
                             "6,\"'\r=x\",6.0\r\n"
                             "7,\"'=A1,\"\"B\"\"\",7.0\r\n"
                             "8,a=b-c,8.0\r\n"
                             "9,,9.0\r\n");
        wire_buf_finish(&b);
        aggregates_destroy(a);
}

/* Exports one chunk of 2 rows sorted by valor (desc or asc), appending
 * the ids it holds to ids. */
static bool chunk(struct aggregates *a, bool desc, struct csv_cursor *cur,
                  uint64_t offset, char *ids)
{
        struct rows_query q;
        char err[128], line[64];
        struct wire_buf b = {0};
        bool more         = false;
        CHECK_EQ_INT(rows_query_parse(desc ? "sort=valor&order=desc"
                                           : "sort=valor&order=asc",
                                      false, &q, err, sizeof(err)),
                     0);
        CHECK_EQ_INT(snapshot_render_csv(a, &q, offset, 2, cur, &more, &b), 0);
        wire_buf_append(&b, "", 1);
        for (const char *p = b.data; *p;) {
                const char *e = strstr(p, "\r\n");
                snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
                if (strcmp(line, "id,valor") != 0) {
                        *strchr(line, ',') = '\0';
                        strcat(ids, line);
                        strcat(ids, " ");
                }
                p = e + 2;
        }
        wire_buf_finish(&b);
        return more;
}

/* A chunked export while rows arrive that sort before where it is: it goes
 * on after its last row, so no row is written twice and none is skipped
 * (by offset, the rows before moved the next chunk back by as many). */
static void test_export_goes_on_after_its_last_row(void)
{
        for (int desc = 0; desc < 2; desc++) {
                struct aggregates *a = aggregates_create(NULL);
                char json[64], ids[256] = "";
                for (int i = 1; i <= 6; i++) {
                        snprintf(json, sizeof(json), "{\"id\":%d,\"valor\":%d}",
                                 i, desc ? 100 - i : i);
                        row(a, (uint64_t)i, json);
                }
                struct csv_cursor cur = {0};
                uint64_t offset       = 0;
                CHECK(chunk(a, desc, &cur, offset, ids));
                /* Two rows arrive that sort first. */
                row(a, 7,
                    desc ? "{\"id\":7,\"valor\":500}"
                         : "{\"id\":7,\"valor\":-5}");
                row(a, 8,
                    desc ? "{\"id\":8,\"valor\":600}"
                         : "{\"id\":8,\"valor\":-6}");
                for (offset = 2; chunk(a, desc, &cur, offset, ids);
                     offset += 2) {
                }
                CHECK_EQ_STR(ids, "1 2 3 4 5 6 ");
                aggregates_destroy(a);
        }

        /* A new source between two chunks (it sorts first, so the sources'
         * references move): the export ends with an error, not with rows
         * another reference now names. */
        struct aggregates *a = aggregates_create(NULL);
        char ids[256]        = "";
        row(a, 1, "{\"id\":1,\"valor\":1}");
        row(a, 2, "{\"id\":2,\"valor\":2}");
        row(a, 3, "{\"id\":3,\"valor\":3}");
        struct csv_cursor cur = {0};
        CHECK(chunk(a, false, &cur, 0, ids));
        for (uint64_t r = 1; r <= 3; r++) {
                char other[64];
                snprintf(other, sizeof(other), "{\"id\":%d,\"valor\":%d.5}",
                         (int)r + 10, (int)r - 1);
                source_row(a, "a.csv", r, other);
        }
        struct rows_query q;
        char err[128];
        struct wire_buf b = {0};
        bool more         = false;
        CHECK_EQ_INT(rows_query_parse("sort=valor&order=asc", false, &q, err,
                                      sizeof(err)),
                     0);
        CHECK_EQ_INT(snapshot_render_csv(a, &q, 2, 2, &cur, &more, &b),
                     SNAPSHOT_GONE);
        CHECK_EQ_INT(b.len, 0);
        wire_buf_finish(&b);
        aggregates_destroy(a);
}

int main(void)
{
        test_formula_cells_are_quoted();
        test_export_goes_on_after_its_last_row();
        wire_object_finish(&obj);
        return check_exit();
}
