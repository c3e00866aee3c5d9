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

/* The merged column named name, copied out (n == 0 when there is none). */
static struct view_column view_col(struct aggregates *a, const char *name)
{
        struct view_column *cols, out = {0};
        size_t n = aggregates_view_columns(a, &cols);
        for (size_t i = 0; i < n; i++) {
                if (strcmp(cols[i].name, name) == 0) {
                        out = cols[i];
                }
        }
        free(cols);
        out.name = NULL; /* borrowed: not valid past this call */
        return out;
}

static void test_scales_merge_exactly(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "a.csv", 1, "{\"valor\":1.5}");
        row(a, "b.csv", 1, "{\"valor\":2.25}");
        row(a, "b.csv", 2, "{\"valor\":-3}");
        struct view_column vc = view_col(a, "valor");
        CHECK_EQ_INT(vc.stats.n, 3);
        CHECK_EQ_INT(vc.scale, 2);
        CHECK_EQ_INT(vc.stats.sum, 75);
        CHECK_EQ_INT(vc.stats.min, -300);
        CHECK_EQ_INT(vc.stats.max, 225);
        CHECK(vc.has_minmax && !vc.is_minmax_partial && !vc.is_sum_overflow);
        char *s = snapshot(a);
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":3,"
                    "\"sum\":0.75,\"mean\":0.25,\"min\":-3.00,"
                    "\"max\":2.25}");
        free(s);
        aggregates_destroy(a);
}

/* F4: 10^17 at scale 0 does not fit 64 bits at scale 6. The count and the
 * sum must still hold both sources; only min and max become unknown. */
static void test_minmax_overflow_keeps_count_and_sum(void)
{
        const char *big   = "{\"id\":1,\"valor\":100000000000000000}";
        const char *small = "{\"id\":1,\"valor\":0.000001}";
        for (int order = 0; order < 2; order++) {
                struct aggregates *a = aggregates_create(NULL);
                row(a, "a.csv", 1, order ? small : big);
                row(a, "b.csv", 1, order ? big : small);
                struct view_column vc = view_col(a, "valor");
                CHECK_EQ_INT(vc.stats.n, 2);
                CHECK_EQ_INT(vc.scale, 6);
                CHECK(vc.stats.sum == (dec128)100000000000000000 * 1000000 + 1);
                CHECK(!vc.is_sum_overflow);
                CHECK(vc.is_minmax_partial);
                char *s = snapshot(a);
                CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":2,"
                            "\"sum\":100000000000000000.000001,"
                            "\"mean\":5e+16,"
                            "\"min\":null,\"max\":null}");
                CONTAINS(s, "\"total_value\":100000000000000000.000001,");
                /* The other column is not affected. */
                CONTAINS(s, "\"id\":{\"type\":\"integer\",\"count\":2,"
                            "\"sum\":2,\"mean\":1,\"min\":1,\"max\":1}");
                free(s);
                aggregates_destroy(a);
        }
}

/* A sum past 128 bits at the merged scale is shown as unknown (null), never
 * as a wrapped number, and the count still holds every value. */
static void test_sum_overflow_is_unknown(void)
{
        struct aggregates *a = aggregates_create(NULL);
        for (uint64_t r = 1; r <= 20; r++) {
                row(a, "a.csv", r, "{\"valor\":9000000000000000000}");
        }
        row(a, "b.csv", 1, "{\"valor\":0.000000000000000001}");
        struct view_column vc = view_col(a, "valor");
        CHECK_EQ_INT(vc.stats.n, 21);
        CHECK_EQ_INT(vc.scale, 18);
        CHECK(vc.is_sum_overflow);
        char *s = snapshot(a);
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":21,"
                    "\"sum\":null,\"mean\":null,\"min\":null,\"max\":null}");
        CONTAINS(s, "\"total_value\":null,\"mean_value\":null,");
        free(s);
        aggregates_destroy(a);
}

int main(void)
{
        test_scales_merge_exactly();
        test_minmax_overflow_keeps_count_and_sum();
        test_sum_overflow_is_unknown();
        wire_object_finish(&obj);
        return check_exit();
}
