/* SPDX-License-Identifier: MIT */
/* Unit tests of the paged table: deterministic order (ties by file order,
 * whatever the arrival order), index jobs handed out in deferred mode, and
 * the memory budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "common/wire.h"

#define ROWS    600
#define SOURCES 3
#define PAGE    25
#define SORTS   5

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

/* Row i of source s: few distinct values, so most rows tie. */
static void add_row(struct aggregates *a, unsigned s, unsigned i)
{
        static const char *const cities[] = {"Recife", "Olinda", "Natal"};
        char src[16], json[160];
        snprintf(src, sizeof(src), "src-%u", s);
        snprintf(json, sizeof(json),
                 "{\"id\":\"%u-%u\",\"valor\":%u.5,\"idade\":%u,\"cidade\":"
                 "\"%s\",\"nota\":%s}",
                 s, i, i % 4, i % 3, cities[i % 3], i % 5 ? "1" : "null");
        row(a, src, i + 1, json);
}

/* The ids of one page, joined. */
static void page_ids(struct aggregates *a, const char *sort, bool desc,
                     uint64_t offset, char *out, size_t size)
{
        aggregates_row_ref refs[PAGE];
        uint64_t total;
        long n = aggregates_page(a, sort, desc, offset, PAGE, refs, &total);
        CHECK_EQ_INT(total, SOURCES * ROWS);
        size_t o = 0;
        out[0]   = '\0';
        for (long i = 0; i < n && o < size; i++) {
                struct cell c;
                aggregates_ref_cell(a, refs[i], "id", &c);
                o += (size_t)snprintf(out + o, size - o, "%.*s,",
                                      (int)c.text_len, c.text);
        }
}

static void test_ties_follow_file_order(void)
{
        /* Same rows, arriving in opposite orders (as from several
         * partitions read at different speeds). */
        struct aggregates *x = aggregates_create(NULL);
        struct aggregates *y = aggregates_create(NULL);
        for (unsigned i = 0; i < ROWS; i++) {
                for (unsigned s = 0; s < SOURCES; s++) {
                        add_row(x, s, i);
                        add_row(y, SOURCES - 1 - s, ROWS - 1 - i);
                }
        }
        static const char *const sorts[SORTS] = {NULL, "valor", "idade",
                                                 "cidade", "nota"};
        char px[PAGE * 16], py[PAGE * 16];
        for (int k = 0; k < SORTS; k++) {
                for (int d = 0; d < 2; d++) {
                        for (uint64_t off = 0; off < SOURCES * ROWS;
                             off += PAGE) {
                                page_ids(x, sorts[k], d, off, px, sizeof(px));
                                page_ids(y, sorts[k], d, off, py, sizeof(py));
                                CHECK_EQ_STR(px, py);
                        }
                }
        }
        /* File order: source, then record. */
        page_ids(x, NULL, false, 0, px, sizeof(px));
        CHECK(strncmp(px, "0-0,0-1,0-2,", 12) == 0);
        /* Ties on the value go by file order too. */
        page_ids(x, "valor", false, 0, px, sizeof(px));
        CHECK(strncmp(px, "0-0,0-4,0-8,", 12) == 0);
        aggregates_destroy(x);
        aggregates_destroy(y);
}

static void test_deferred_jobs(void)
{
        struct aggregates *a = aggregates_create(NULL);
        aggregates_set_index_mode(a, AGGREGATES_INDEX_BUDGET_DEFAULT, true);
        for (unsigned i = 0; i < 100; i++) {
                add_row(a, 0, i);
        }
        aggregates_row_ref refs[PAGE];
        uint64_t total;
        aggregates_set_page_min_rows(a, 100);
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     AGGREGATES_PAGE_NOT_READY);
        struct sort_job *j = aggregates_index_next_job(a);
        CHECK(j != NULL);
        CHECK(aggregates_index_next_job(a) == NULL); /* one job per index */
        /* While the job is out, the request still waits: the index holds
         * none of its rows yet (an export answered then was empty). */
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     AGGREGATES_PAGE_NOT_READY);
        CHECK(aggregates_index_next_job(a) == NULL);
        /* Rows keep coming while the job is out. */
        add_row(a, 0, 100);
        CHECK_EQ_INT(sort_job_run(j), 0);
        aggregates_index_finish(a, j);
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     PAGE);
        CHECK_EQ_INT(total, 100); /* what the request saw, consistently */
        /* A request that saw row 101 waits for the next job. */
        aggregates_set_page_min_rows(a, 101);
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     AGGREGATES_PAGE_NOT_READY);
        j = aggregates_index_next_job(a);
        CHECK(j != NULL);
        CHECK_EQ_INT(sort_job_run(j), 0);
        aggregates_index_finish(a, j);
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     PAGE);
        CHECK_EQ_INT(total, 101);
        CHECK(aggregates_index_memory(a) > 101 * sizeof(struct sort_entry));
        CHECK(aggregates_memory(a) > aggregates_index_memory(a));
        aggregates_destroy(a);
}

static void test_budget(void)
{
        struct aggregates *a = aggregates_create(NULL);
        for (unsigned i = 0; i < 100; i++) {
                add_row(a, 0, i);
        }
        aggregates_row_ref refs[PAGE];
        uint64_t total;
        /* Room for one index of 100 rows, not two. */
        aggregates_set_index_mode(a, 400 * sizeof(struct sort_entry), false);
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     PAGE);
        /* The second one evicts the first. */
        CHECK_EQ_INT(aggregates_page(a, "idade", true, 0, PAGE, refs, &total),
                     PAGE);
        CHECK(aggregates_index_memory(a) <= 400 * sizeof(struct sort_entry));
        /* An index that cannot fit at all is refused, not built. */
        aggregates_set_index_mode(a, 10 * sizeof(struct sort_entry), false);
        CHECK_EQ_INT(aggregates_page(a, "cidade", true, 0, PAGE, refs, &total),
                     AGGREGATES_PAGE_OVER_BUDGET);
        aggregates_destroy(a);
}

/* A category filter: pages hold that category's rows only, in the same
 * order as the whole table, and the total counts them. */
static void test_filter(void)
{
        struct aggregates *a = aggregates_create(NULL);
        for (unsigned s = 0; s < SOURCES; s++) {
                for (unsigned i = 0; i < 99; i++) {
                        add_row(a, s, i);
                }
        }
        aggregates_row_ref refs[PAGE];
        uint64_t total;
        aggregates_set_page_filter(a, "cidade", "Olinda");
        long n = aggregates_page(a, "valor", true, 0, PAGE, refs, &total);
        CHECK_EQ_INT(n, PAGE);
        CHECK_EQ_INT(total, SOURCES * 33); /* i % 3 == 1 */
        for (long i = 0; i < n; i++) {
                struct cell c;
                aggregates_ref_cell(a, refs[i], "cidade", &c);
                CHECK_EQ_MEM(c.text, c.text_len, "Olinda");
        }
        /* A value no row has: an empty table. */
        aggregates_set_page_filter(a, "cidade", "Lisboa");
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, PAGE, refs, &total),
                     0);
        CHECK_EQ_INT(total, 0);
        /* Rows that arrive later are filtered as they come. */
        add_row(a, 0, 100); /* 100 % 3 == 1: Olinda */
        aggregates_set_page_filter(a, "cidade", "Olinda");
        (void)aggregates_page(a, NULL, false, 0, PAGE, refs, &total);
        CHECK_EQ_INT(total, SOURCES * 33 + 1);
        aggregates_set_page_filter(a, NULL, NULL);
        (void)aggregates_page(a, NULL, false, 0, PAGE, refs, &total);
        CHECK_EQ_INT(total, SOURCES * 99 + 1);
        aggregates_destroy(a);
}

int main(void)
{
        test_ties_follow_file_order();
        test_filter();
        test_deferred_jobs();
        test_budget();
        wire_object_finish(&obj);
        return check_exit();
}
