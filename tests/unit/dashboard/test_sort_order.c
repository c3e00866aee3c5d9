/* SPDX-License-Identifier: MIT */
/* Unit tests of the table's order (core/sort_index.c): numbers beyond a
 * 128-bit key (about 1.7e20) sort exactly, not as ties; descending order
 * keeps ties in file order (as ascending does); any page of either
 * order is a slice of the whole order; and the order stays right while
 * the column's cells widen and its scale grows between pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "common/wire.h"

static struct wire_object obj;

static void row(struct aggregates *a, uint64_t rec, const char *valor)
{
        char json[256];
        snprintf(json, sizeof(json), "{\"id\":%llu,\"valor\":%s}",
                 (unsigned long long)rec, valor);
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = "a.csv",
                                       .generation = 1,
                                       .record     = rec,
                                       .row        = &obj};
        CHECK_EQ_INT(aggregates_apply(a, &m, 1000), AGGREGATES_APPLIED);
}

/* The ids of rows [offset, offset + limit) joined by ','. */
static void ids(struct aggregates *a, bool desc, uint64_t offset, size_t limit,
                char *out, size_t size)
{
        aggregates_row_ref refs[64];
        uint64_t total;
        long n = aggregates_page(a, "valor", desc, offset, limit, refs, &total);
        size_t o = 0;
        out[0]   = '\0';
        for (long i = 0; i < n && o < size; i++) {
                struct cell c;
                aggregates_ref_cell(a, refs[i], "id", &c);
                o += (size_t)snprintf(out + o, size - o, "%s%lld", i ? "," : "",
                                      (long long)c.num);
        }
}

/* Every page of size 1..4 at every offset is a slice of the whole. */
static void check_pages(struct aggregates *a, bool desc, const char *whole,
                        size_t n)
{
        char all[512], part[512];
        ids(a, desc, 0, n, all, sizeof(all));
        CHECK_EQ_STR(all, whole);
        for (size_t size = 1; size <= 4; size++) {
                char joined[512] = "";
                for (uint64_t off = 0; off < n; off += size) {
                        ids(a, desc, off, size, part, sizeof(part));
                        if (off) {
                                strcat(joined, ",");
                        }
                        strcat(joined, part);
                }
                CHECK_EQ_STR(joined, whole);
        }
}

static void test_giants_sort_exactly(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, 1, "100000000000000000000002");   /* 1e23 + 2 */
        row(a, 2, "-3000000000000000000000000"); /* -3e24 */
        row(a, 3, "100000000000000000000001");   /* 1e23 + 1 */
        row(a, 4, "5");
        row(a, 5, "150000000000000000000000000"); /* 1.5e26 */
        row(a, 6, "-1000000000000000000000000");  /* -1e24 */
        row(a, 7, "100000000000000000000001.50"); /* 1e23 + 1.5 */
        row(a, 8, "100000000000000000000001.5");  /* the same value */
        row(a, 9, "99999999999999999999");        /* fits a 128-bit key */
        row(a, 10, "null");
        check_pages(a, false, "2,6,4,9,3,7,8,1,5,10", 10);
        /* Descending: keys reversed, the tie (7, 8) still in file order,
         * the null last. */
        check_pages(a, true, "5,1,7,8,3,9,4,6,2,10", 10);
        aggregates_destroy(a);
}

static void test_desc_keeps_ties_in_file_order(void)
{
        struct aggregates *a         = aggregates_create(NULL);
        static const char *const v[] = {"1", "2", "1",    "null", "2",
                                        "1", "3", "null", "2"};
        for (uint64_t i = 0; i < 9; i++) {
                row(a, i + 1, v[i]);
        }
        check_pages(a, false, "1,3,6,2,5,9,7,4,8", 9);
        check_pages(a, true, "7,2,5,9,1,3,6,4,8", 9);
        aggregates_destroy(a);
}

/* The index is built, then rows arrive that widen the column's cells
 * (1 byte, then 2, 4, a scale change and 8) and it is brought up to date. */
static void test_order_while_cells_widen(void)
{
        struct aggregates *a         = aggregates_create(NULL);
        static const char *const v[] = {"3",          "1",   "2",      "null",
                                        "-1",         "300", "-70000", "0.5",
                                        "5000000000", "null"};
        for (uint64_t i = 0; i < 5; i++) {
                row(a, i + 1, v[i]);
        }
        check_pages(a, false, "5,2,3,1,4", 5);
        row(a, 6, v[5]);
        check_pages(a, true, "6,1,3,2,5,4", 6);
        row(a, 7, v[6]);
        row(a, 8, v[7]);
        check_pages(a, false, "7,5,8,2,3,1,6,4", 8);
        row(a, 9, v[8]);
        row(a, 10, v[9]);
        check_pages(a, false, "7,5,8,2,3,1,6,9,4,10", 10);
        check_pages(a, true, "9,6,1,3,2,8,5,7,4,10", 10);
        aggregates_destroy(a);
}

int main(void)
{
        test_giants_sort_exactly();
        test_desc_keeps_ties_in_file_order();
        test_order_while_cells_widen();
        wire_object_finish(&obj);
        return check_exit();
}
