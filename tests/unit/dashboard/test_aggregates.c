/* SPDX-License-Identifier: MIT */
/* Unit tests of the aggregation core: generations, duplicates, exact sums,
 * paging and sorting, roles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "reset_columns.h"
#include "common/wire.h"
#include "snapshot_json.h"
#include "snapshot_check.h"

static struct wire_object obj;

static enum aggregates_result row(struct aggregates *a, const char *src,
                                  uint64_t gen, uint64_t rec, const char *json)
{
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = src,
                                       .generation = gen,
                                       .record     = rec,
                                       .row        = &obj};
        return aggregates_apply(a, &m, 1000);
}

static void control(struct aggregates *a, enum wire_kind kind, const char *src,
                    uint64_t gen, uint64_t last, uint64_t count)
{
        struct aggregates_message m = {.kind        = kind,
                                       .source      = src,
                                       .generation  = gen,
                                       .last_record = last,
                                       .row_count   = count};
        aggregates_apply(a, &m, 1000);
}

static void test_exact_sums(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "f", 1, 1, "{\"id\":1,\"valor\":0.1,\"idade\":20}");
        row(a, "f", 1, 2, "{\"id\":2,\"valor\":0.2,\"idade\":30}");
        row(a, "f", 1, 3, "{\"id\":3,\"valor\":275.50,\"idade\":40}");
        row(a, "f", 1, 4, "{\"id\":4,\"valor\":10,\"idade\":null}");
        row(a, "f", 1, 5, "{\"id\":5,\"valor\":0.005,\"idade\":25}");
        char *s = snapshot(a);
        CONTAINS(s, "\"count\":5");
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":5,"
                    "\"sum\":285.805,");
        CONTAINS(s, "\"min\":0.005,\"max\":275.500");
        CONTAINS(s, "\"idade\":{\"type\":\"integer\",\"count\":4,\"sum\":115,"
                    "\"mean\":28.75");
        CONTAINS(s, "\"total_value\":285.805");
        free(s);
        /* A million cents sum exactly. */
        struct aggregates *b = aggregates_create(NULL);
        for (uint64_t i = 1; i <= 100000; i++) {
                row(b, "f", 1, i, "{\"valor\":0.01}");
        }
        s = snapshot(b);
        CONTAINS(s, "\"sum\":1000.00,");
        free(s);
        aggregates_destroy(a);
        aggregates_destroy(b);
}

/* Each cell lands in its own column whatever the order of a row's fields,
 * with fields missing, and when a row brings a new column. */
static void test_fields_in_any_order(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "f", 1, 1, "{\"a\":1,\"b\":2}");
        row(a, "f", 1, 2, "{\"b\":20,\"a\":10}");
        row(a, "f", 1, 3, "{\"b\":200}");
        row(a, "f", 1, 4, "{\"a\":1000,\"b\":2000,\"c\":5}");
        row(a, "f", 1, 5, "{\"c\":6,\"a\":1,\"b\":1}");
        row(a, "f", 1, 6, "{\"a\":3,\"b\":4}");
        char *s = snapshot(a);
        CONTAINS(s, "\"a\":{\"type\":\"integer\",\"count\":5,\"sum\":1015,");
        CONTAINS(s, "\"b\":{\"type\":\"integer\",\"count\":6,\"sum\":2227,");
        CONTAINS(s, "\"c\":{\"type\":\"integer\",\"count\":2,\"sum\":11,");
        free(s);
        aggregates_destroy(a);
}

static void test_duplicates(void)
{
        struct aggregates *a = aggregates_create(NULL);
        CHECK_EQ_INT(row(a, "f", 1, 1, "{\"valor\":1.5}"), AGGREGATES_APPLIED);
        CHECK_EQ_INT(row(a, "f", 1, 1, "{\"valor\":1.5}"),
                     AGGREGATES_DUPLICATE);
        CHECK_EQ_INT(row(a, "f", 1, 2, "{\"valor\":1.5}"), AGGREGATES_APPLIED);
        /* Same record number in another source or generation is another
         * record. */
        CHECK_EQ_INT(row(a, "g", 1, 1, "{\"valor\":1.5}"), AGGREGATES_APPLIED);
        CHECK_EQ_INT(aggregates_count(a), 3);
        CHECK_EQ_INT(row(a, "f", 1, 0, "{\"valor\":1.5}"), AGGREGATES_INVALID);
        struct aggregates_counters k;
        aggregates_counters(a, &k);
        CHECK_EQ_INT(k.duplicates, 1);
        char *s = snapshot(a);
        CONTAINS(s, "\"sum\":4.5,");
        free(s);
        aggregates_destroy(a);
}

static void test_generation_swap(void)
{
        struct aggregates *a = aggregates_create(NULL);
        control(a, WIRE_RESET, "f", 10, 0, 0);
        row(a, "f", 10, 1, "{\"valor\":1.00}");
        row(a, "f", 10, 2, "{\"valor\":2.00}");
        control(a, WIRE_SNAPSHOT_COMPLETE, "f", 10, 2, 2);
        CHECK_EQ_INT(aggregates_count(a), 2);
        /* A rewrite: the new generation is collected aside. */
        control(a, WIRE_RESET, "f", 20, 0, 0);
        row(a, "f", 20, 1, "{\"valor\":5.00}");
        CHECK_EQ_INT(aggregates_count(a), 2);
        /* Complete arrives before the last rows (another partition). */
        control(a, WIRE_SNAPSHOT_COMPLETE, "f", 20, 4, 3);
        control(a, WIRE_SNAPSHOT_COMPLETE, "f", 20, 4, 3); /* idempotent */
        CHECK_EQ_INT(aggregates_count(a), 2);
        row(a, "f", 20, 4, "{\"valor\":7.00}");
        CHECK_EQ_INT(aggregates_count(a), 2);
        row(a, "f", 20, 4, "{\"valor\":7.00}"); /* duplicate: no swap */
        CHECK_EQ_INT(aggregates_count(a), 2);
        /* Record 3 went to the DLQ; record 2 completes the snapshot. */
        row(a, "f", 20, 2, "{\"valor\":6.00}");
        CHECK_EQ_INT(aggregates_count(a), 3);
        char *s = snapshot(a);
        CONTAINS(s, "\"sum\":18.00,");
        CONTAINS(s, "\"generation\":20");
        free(s);
        /* Old generation's rows and controls now drop. */
        CHECK_EQ_INT(row(a, "f", 10, 3, "{\"valor\":1.00}"), AGGREGATES_STALE);
        /* Appends to the current generation show at once. */
        row(a, "f", 20, 5, "{\"valor\":2.00}");
        CHECK_EQ_INT(aggregates_count(a), 4);
        /* A rewrite overtaken by a newer one: the newest wins. */
        row(a, "f", 30, 1, "{\"valor\":100}");
        row(a, "f", 40, 1, "{\"valor\":200}");
        CHECK_EQ_INT(row(a, "f", 30, 2, "{\"valor\":1}"), AGGREGATES_STALE);
        control(a, WIRE_SNAPSHOT_COMPLETE, "f", 40, 1, 1);
        CHECK_EQ_INT(aggregates_count(a), 1);
        /* An empty file is a complete generation of zero rows. */
        control(a, WIRE_RESET, "f", 50, 0, 0);
        control(a, WIRE_SNAPSHOT_COMPLETE, "f", 50, 0, 0);
        CHECK_EQ_INT(aggregates_count(a), 0);
        struct aggregates_counters k;
        aggregates_counters(a, &k);
        CHECK_EQ_INT(k.swaps, 3);
        aggregates_destroy(a);
}

static void test_first_generation_shows_while_loading(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "f", 7, 1, "{\"valor\":1}");
        CHECK_EQ_INT(aggregates_count(a), 1);
        aggregates_destroy(a);
}

static int64_t page_value(struct aggregates *a, aggregates_row_ref ref,
                          const char *col)
{
        struct cell c;
        aggregates_ref_cell(a, ref, col, &c);
        return c.kind == COLUMN_EMPTY ? -1 : c.num;
}

static void test_paging(void)
{
        struct aggregates *a = aggregates_create(NULL);
        char json[128];
        /* Values 0.00 .. 99.99 in a shuffled order, every 10th null. */
        for (unsigned i = 0; i < 1000; i++) {
                unsigned v = (i * 7919) % 1000;
                if (v % 100 == 50) {
                        snprintf(
                            json, sizeof(json),
                            "{\"id\":%u,\"valor\":null,\"nome\":\"n%03u\"}", i,
                            v);
                } else {
                        snprintf(json, sizeof(json),
                                 "{\"id\":%u,\"valor\":%u.%02u,\"nome\":"
                                 "\"n%03u\"}",
                                 i, v / 10, (v % 10) * 10, v);
                }
                row(a, "f", 1, i + 1, json);
        }
        aggregates_row_ref refs[10];
        uint64_t total;
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, 10, refs, &total),
                     10);
        CHECK_EQ_INT(total, 1000);
        CHECK_EQ_INT(page_value(a, refs[0], "valor"), 9990);
        CHECK_EQ_INT(page_value(a, refs[1], "valor"), 9980);
        /* Page 2 continues where page 1 ended. */
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 10, 10, refs, &total),
                     10);
        CHECK_EQ_INT(page_value(a, refs[0], "valor"), 9890);
        /* Nulls sort last in both orders. */
        CHECK_EQ_INT(aggregates_page(a, "valor", false, 985, 10, refs, &total),
                     10);
        CHECK_EQ_INT(page_value(a, refs[4], "valor"), 9990);
        CHECK_EQ_INT(page_value(a, refs[5], "valor"), -1);
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 990, 10, refs, &total),
                     10);
        CHECK_EQ_INT(page_value(a, refs[0], "valor"), -1);
        /* Rows added after the index was built are merged in. */
        row(a, "f", 1, 1001, "{\"id\":1001,\"valor\":500.5,\"nome\":\"z\"}");
        row(a, "f", 1, 1002, "{\"id\":1002,\"valor\":50.05,\"nome\":\"a\"}");
        CHECK_EQ_INT(aggregates_page(a, "valor", true, 0, 2, refs, &total), 2);
        CHECK_EQ_INT(total, 1002);
        CHECK_EQ_INT(page_value(a, refs[0], "valor"), 50050);
        CHECK_EQ_INT(page_value(a, refs[1], "valor"), 9990);
        /* Text sorts by bytes. */
        CHECK_EQ_INT(aggregates_page(a, "nome", false, 0, 2, refs, &total), 2);
        struct cell c;
        aggregates_ref_cell(a, refs[0], "nome", &c);
        CHECK_EQ_MEM(c.text, c.text_len, "a");
        aggregates_ref_cell(a, refs[1], "nome", &c);
        CHECK_EQ_MEM(c.text, c.text_len, "n000");
        CHECK_EQ_INT(aggregates_page(a, "nope", false, 0, 2, refs, &total), -1);
        aggregates_destroy(a);
}

static void test_roles(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "f", 1, 1,
            "{\"id\":1,\"nome\":\"Ana\",\"idade\":30,\"cidade\":\"Recife\","
            "\"valor\":10.50}");
        char *s = snapshot(a);
        CONTAINS(s, "\"roles\":{\"value\":\"valor\",\"category\":\"cidade\","
                    "\"age\":\"idade\",\"label\":\"nome\"}");
        free(s);
        aggregates_destroy(a);
        /* Another schema: roles by type. */
        a = aggregates_create(NULL);
        row(a, "f", 1, 1,
            "{\"sku\":\"X-1\",\"loja\":\"Centro\",\"anos\":3,\"preco\":9.90,"
            "\"order_id\":77}");
        row(a, "f", 1, 2,
            "{\"sku\":\"X-2\",\"loja\":\"Centro\",\"anos\":4,\"preco\":1.10,"
            "\"order_id\":78}");
        s = snapshot(a);
        CONTAINS(s, "\"roles\":{\"value\":\"preco\",\"category\":\"loja\","
                    "\"age\":\"anos\",\"label\":\"sku\"}");
        CONTAINS(s, "{\"name\":\"Centro\",\"count\":2,\"sum\":11.00,");
        free(s);
        /* Overrides win when the column fits the role. */
        CHECK_EQ_INT(aggregates_set_role(a, "value", "anos"), 0);
        CHECK_EQ_INT(aggregates_set_role(a, "category", "sku"), 0);
        CHECK_EQ_INT(aggregates_set_role(a, "colour", "sku"), -1);
        s = snapshot(a);
        CONTAINS(s, "\"roles\":{\"value\":\"anos\",\"category\":\"sku\"");
        CONTAINS(s, "\"total_value\":7,");
        free(s);
        aggregates_destroy(a);
}

static void test_categories_and_histogram(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "f", 1, 1, "{\"idade\":12,\"cidade\":\"A\",\"valor\":100.00}");
        row(a, "f", 1, 2, "{\"idade\":27,\"cidade\":\"B\",\"valor\":1200.00}");
        row(a, "f", 1, 3, "{\"idade\":44,\"cidade\":\"A\",\"valor\":50.25}");
        char *s = snapshot(a);
        CONTAINS(s, "\"items\":[{\"name\":\"B\",\"count\":1,\"sum\":1200.00,"
                    "\"mean\":1200,\"min\":1200.00,\"max\":1200.00,"
                    "\"mean_age\":27},{\"name\":\"A\",\"count\":2,"
                    "\"sum\":150.25,\"mean\":75.125,\"min\":50.25,"
                    "\"max\":100.00,\"mean_age\":28}");
        CONTAINS(s, "\"bins\":[{\"from\":10,\"to\":15,\"count\":1},");
        CONTAINS(s, "{\"from\":40,\"to\":45,\"count\":1}]");
        free(s);
        aggregates_destroy(a);
}

static void test_rows_query(void)
{
        struct rows_query q;
        char err[128];
        CHECK_EQ_INT(rows_query_parse("page=2&size=10&sort=valor&order=asc",
                                      true, &q, err, sizeof(err)),
                     0);
        CHECK_EQ_INT(q.page, 2);
        CHECK_EQ_INT(q.size, 10);
        CHECK_EQ_STR(q.sort, "valor");
        CHECK_EQ_INT(q.desc, 0);
        CHECK_EQ_INT(
            rows_query_parse("sort=pre%C3%A7o", true, &q, err, sizeof(err)), 0);
        CHECK_EQ_STR(q.sort, "pre\xC3\xA7o");
        static const char *const bad[] = {"page=0",   "page=x", "size=100000",
                                          "order=up", "foo=1",  "sort=%zz",
                                          "size="};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                CHECK_EQ_INT(
                    rows_query_parse(bad[i], true, &q, err, sizeof(err)), -1);
        }
        CHECK_EQ_INT(rows_query_parse("page=1", false, &q, err, sizeof(err)),
                     -1);
}

/* The reset's column types hold even when the first values are text: "N/A"
 * in a decimal column costs one cell, not the column's sum (and role). */
static void test_reset_declares_column_types(void)
{
        struct aggregates *a     = aggregates_create(NULL);
        struct reset_columns *rc = reset_columns_create();
        const char *reset_value  = "{\"__control\":\"reset\",\"source\":\"f\","
                                   "\"generation\":1,\"columns\":["
                                   "{\"name\":\"id\",\"type\":\"integer\"},"
                                   "{\"name\":\"cidade\",\"type\":\"text\"},"
                                   "{\"name\":\"valor\",\"type\":\"decimal\"},"
                                   "{\"name\":\"x\",\"type\":\"nonsense\"}],"
                                   "\"dialect\":{\"delimiter\":\";\"}}";
        CHECK_EQ_INT(reset_columns_parse(rc, reset_value, strlen(reset_value)),
                     0);
        size_t n                             = 0;
        const struct aggregates_column *cols = reset_columns_list(rc, &n);
        CHECK_EQ_INT((int)n, 3);
        struct aggregates_message m = {.kind       = WIRE_RESET,
                                       .source     = "f",
                                       .generation = 1,
                                       .columns    = cols,
                                       .ncolumns   = n};
        CHECK_EQ_INT(aggregates_apply(a, &m, 1000), AGGREGATES_APPLIED);
        row(a, "f", 1, 1, "{\"id\":1,\"cidade\":\"Recife\",\"valor\":\"N/A\"}");
        row(a, "f", 1, 2, "{\"id\":2,\"cidade\":\"Natal\",\"valor\":10.50}");
        row(a, "f", 1, 3, "{\"id\":3,\"cidade\":\"Natal\",\"valor\":2.25}");
        char *s = snapshot(a);
        CONTAINS(s, "\"count\":3");
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":2,"
                    "\"sum\":12.75");
        CONTAINS(s, "\"total_value\":12.75");
        free(s);
        /* Not JSON: no columns, an error. */
        CHECK_EQ_INT(reset_columns_parse(rc, "nope", 4), -1);
        reset_columns_list(rc, &n);
        CHECK_EQ_INT((int)n, 0);
        reset_columns_destroy(rc);
        aggregates_destroy(a);
}

/* A currency column's symbol (the reset's "unit") is shown with its
 * column while every source shown agrees on it; sources that differ show
 * none (a sum of reais and dollars has no symbol). */
static void test_reset_column_unit(void)
{
        struct aggregates *a       = aggregates_create(NULL);
        struct reset_columns *rc   = reset_columns_create();
        const char *const resets[] = {
            "{\"__control\":\"reset\",\"source\":\"a\",\"generation\":1,"
            "\"columns\":[{\"name\":\"valor\",\"type\":\"decimal\","
            "\"unit\":\"R$\"}]}",
            "{\"__control\":\"reset\",\"source\":\"b\",\"generation\":1,"
            "\"columns\":[{\"name\":\"valor\",\"type\":\"decimal\","
            "\"unit\":\"$\"}]}",
        };
        const char *const sources[] = {"a", "b"};
        for (int k = 0; k < 2; k++) {
                size_t n = 0;
                CHECK_EQ_INT(
                    reset_columns_parse(rc, resets[k], strlen(resets[k])), 0);
                struct aggregates_message m = {.kind       = WIRE_RESET,
                                               .source     = sources[k],
                                               .generation = 1,
                                               .columns =
                                                   reset_columns_list(rc, &n),
                                               .ncolumns = n};
                CHECK_EQ_INT((int)n, 1);
                CHECK_EQ_INT(aggregates_apply(a, &m, 1000), AGGREGATES_APPLIED);
                row(a, sources[k], 1, 1, "{\"valor\":2.50}");
                if (k == 0) {
                        char *s = snapshot(a);
                        CONTAINS(s, "\"valor\":{\"type\":\"decimal\","
                                    "\"unit\":\"R$\",\"count\":1");
                        free(s);
                }
        }
        char *s = snapshot(a);
        CONTAINS(s, "\"valor\":{\"type\":\"decimal\",\"count\":2");
        CHECK(strstr(s, "\"unit\"") == NULL);
        free(s);
        reset_columns_destroy(rc);
        aggregates_destroy(a);
}

int main(void)
{
        test_reset_column_unit();
        test_exact_sums();
        test_fields_in_any_order();
        test_duplicates();
        test_generation_swap();
        test_first_generation_shows_while_loading();
        test_paging();
        test_roles();
        test_categories_and_histogram();
        test_rows_query();
        test_reset_declares_column_types();
        wire_object_finish(&obj);
        return check_exit();
}
