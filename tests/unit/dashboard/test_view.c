/* SPDX-License-Identifier: MIT */
/* Unit tests of the merged view (core/view.c): how the columns of several
 * sources combine when their scales differ, including values that do not
 * fit 64 bits at the merged scale (finding F4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "common/wire.h"
#include "snapshot_json.h"
#include "snapshot_check.h"

static struct wire_object obj;

static void row(struct aggregates *a, const char *src, uint64_t rec,
                const char *json)
{
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = src,
                                       .generation = 1,
                                       .record     = rec,
                                       .row        = &obj};
        CHECK_EQ_INT(aggregates_apply(a, &m, 1000), AGGREGATES_APPLIED);
}

/* The count of the merged column named name (0 when there is none). */
static uint64_t view_count(struct aggregates *a, const char *name)
{
        struct view_column *cols;
        uint64_t count = 0;
        size_t n       = aggregates_view_columns(a, &cols);
        for (size_t i = 0; i < n; i++) {
                if (strcmp(cols[i].name, name) == 0) {
                        count = cols[i].n;
                }
        }
        aggregates_view_columns_free(cols, n);
        return count;
}

static void test_scales_merge_exactly(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "a.csv", 1, "{\"valor\":1.5}");
        row(a, "b.csv", 1, "{\"valor\":2.25}");
        row(a, "b.csv", 2, "{\"valor\":-3}");
        CHECK_EQ_INT(view_count(a, "valor"), 3);
        char *s = snapshot(a);
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":3,"
                    "\"sum\":0.75,\"mean\":0.25,\"min\":-3.00,"
                    "\"max\":2.25,\"invalid\":0}");
        free(s);
        aggregates_destroy(a);
}

/* F4 and issue 10: 10^17 at scale 0 does not fit 64 bits at scale 6. The
 * count, the sum, the minimum and the maximum stay exact. */
static void test_big_and_small_sources_merge_exactly(void)
{
        const char *big   = "{\"id\":1,\"valor\":100000000000000000}";
        const char *small = "{\"id\":1,\"valor\":0.000001}";
        for (int order = 0; order < 2; order++) {
                struct aggregates *a = aggregates_create(NULL);
                row(a, "a.csv", 1, order ? small : big);
                row(a, "b.csv", 1, order ? big : small);
                CHECK_EQ_INT(view_count(a, "valor"), 2);
                char *s = snapshot(a);
                CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":2,"
                            "\"sum\":100000000000000000.000001,"
                            "\"mean\":5e+16,"
                            "\"min\":0.000001,\"max\":100000000000000000,"
                            "\"invalid\":0}");
                CONTAINS(s, "\"total_value\":100000000000000000.000001,");
                CONTAINS(s, "\"id\":{\"type\":\"integer\",\"count\":2,"
                            "\"sum\":2,\"mean\":1,\"min\":1,\"max\":1,");
                free(s);
                aggregates_destroy(a);
        }
}

/* Issue 10: in one source, 99999999999999.99 then 0.000001 would need a
 * mantissa past 2^63 at scale 6; both are kept, exactly. */
static void test_one_source_any_scale(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "a.csv", 1, "{\"valor\":99999999999999.99}");
        row(a, "a.csv", 2, "{\"valor\":0.000001}");
        row(a, "a.csv", 3, "{\"valor\":-1.5}");
        char *s = snapshot(a);
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":3,"
                    "\"sum\":99999999999998.490001,");
        CONTAINS(s, "\"min\":-1.50,\"max\":99999999999999.99,\"invalid\":0}");
        free(s);
        /* The cells read back exactly, and sort by value. */
        aggregates_row_ref refs[3];
        uint64_t total;
        CHECK_EQ_INT(aggregates_page(a, "valor", false, 0, 3, refs, &total), 3);
        struct cell c;
        aggregates_ref_cell(a, refs[1], "valor", &c);
        CHECK_EQ_MEM(c.big, c.big_len, "0.000001");
        aggregates_ref_cell(a, refs[2], "valor", &c);
        CHECK(c.big == NULL && c.num == 9999999999999999);
        aggregates_destroy(a);
}

/* Numbers of any length (VALUE_BIGNUM) add up exactly; one too long to use
 * is counted as invalid and shown, and its row is kept. */
static void test_bignums(void)
{
        struct aggregates *a = aggregates_create(NULL);
        for (uint64_t r = 1; r <= 20; r++) {
                row(a, "a.csv", r, "{\"valor\":9000000000000000000}");
        }
        row(a, "b.csv", 1, "{\"valor\":0.000000000000000001}");
        row(a, "b.csv", 2,
            "{\"valor\":123456789012345678901234567890.123456789}");
        row(a, "b.csv", 3, "{\"valor\":1e2000}");
        char *s = snapshot(a);
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":22,"
                    "\"sum\":123456789192345678901234567890."
                    "123456789000000001,");
        CONTAINS(s, "\"max\":123456789012345678901234567890.123456789,"
                    "\"invalid\":1}");
        CONTAINS(s, "\"records\":23,");
        free(s);
        aggregates_destroy(a);
}

/* /api/categories merges sources exactly (it printed a wrapped number). */
static void test_categories_merge_exactly(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "a.csv", 1,
            "{\"cidade\":\"Recife\",\"valor\":100000000000000000}");
        row(a, "b.csv", 1, "{\"cidade\":\"Recife\",\"valor\":0.000001}");
        struct wire_buf b = {0};
        CHECK_EQ_INT(snapshot_render_categories(a, &b), 0);
        wire_buf_append(&b, "", 1);
        CONTAINS(b.data, "{\"name\":\"Recife\",\"count\":2,"
                         "\"sum\":100000000000000000.000001,\"mean\":5e+16,"
                         "\"min\":0.000001,\"max\":100000000000000000,");
        wire_buf_finish(&b);
        aggregates_destroy(a);
}

/* The snapshot lists the top 100 categories; "others" merges the rest
 * exactly (the page's "Others" once summed only the listed ones). */
static void test_others_cover_unlisted_categories(void)
{
        struct aggregates *a = aggregates_create(NULL);
        char json[128];
        /* City k has value k (k = 1..105) and one row; cities 1..5 are
         * past the top 100, two sources hold city 1. */
        for (int k = 1; k <= 105; k++) {
                snprintf(json, sizeof(json),
                         "{\"cidade\":\"C%03d\",\"valor\":%d}", k, k);
                row(a, "a.csv", (uint64_t)k, json);
        }
        row(a, "b.csv", 1, "{\"cidade\":\"C001\",\"valor\":0.000001}");
        char *s = snapshot(a);
        CONTAINS(s, "\"total\":105,\"items\":[{\"name\":\"C105\"");
        CONTAINS(s, "\"others\":{\"categories\":5,\"count\":6,"
                    "\"sum\":15.000001}}");
        free(s);
        /* /api/categories lists every one: nothing left over. */
        struct wire_buf b = {0};
        CHECK_EQ_INT(snapshot_render_categories(a, &b), 0);
        wire_buf_append(&b, "", 1);
        CONTAINS(b.data,
                 "\"others\":{\"categories\":0,\"count\":0,\"sum\":null}");
        wire_buf_finish(&b);
        aggregates_destroy(a);
}

int main(void)
{
        test_scales_merge_exactly();
        test_big_and_small_sources_merge_exactly();
        test_one_source_any_scale();
        test_bignums();
        test_categories_merge_exactly();
        test_others_cover_unlisted_categories();
        wire_object_finish(&obj);
        return check_exit();
}
