/* SPDX-License-Identifier: MIT */
/* Unit tests of the column store (core/column.c): cells as narrow as the
 * values allow, widened in place without losing a value or a null, across
 * chunks, scale changes and big numbers; and a generation's bytes per row
 * for the seed schema (id,nome,idade,cidade,valor). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "column.h"
#include "common/wire.h"
#include "generation.h"

/* Rows past one chunk, so widening copies more than one. */
#define ROWS (COLUMN_CHUNK_ROWS + 1000)

static void append_int(struct column *c, int64_t v)
{
        struct value x = {.type = VALUE_INT, .as.i = v};
        unsigned digits;
        CHECK_EQ_INT(column_append(c, &x, &digits), 0);
        CHECK_EQ_INT(digits, 0);
}

static void append_null(struct column *c)
{
        unsigned digits;
        CHECK_EQ_INT(column_append(c, NULL, &digits), 0);
}

static void append_text(struct column *c, const char *s)
{
        struct value x = {.type = VALUE_TEXT};
        x.as.text.ptr  = s;
        x.as.text.len  = strlen(s);
        unsigned digits;
        CHECK_EQ_INT(column_append(c, &x, &digits), 0);
}

/* The value row r of test_number_widths holds (0: null). */
static int64_t expected(uint32_t r, int64_t last)
{
        if (r % 7 == 3) {
                return COLUMN_NULL_NUM;
        }
        return r + 1 == ROWS ? last : (int64_t)(r % 100) - 50;
}

/* One column per width step: small values, then one value that needs the
 * next width (the null sentinel of the narrower one included). */
static void test_number_widths(void)
{
        static const struct {
                int64_t last;
                unsigned width;
        } cases[] = {
            {127, 1},
            {-127, 1},
            {-128, 2}, /* INT8_MIN is the 1-byte null */
            {128, 2},
            {INT16_MIN, 4},
            {INT16_MAX + 1, 4},
            {INT32_MIN, 8},
            {(int64_t)INT32_MAX + 1, 8},
            {INT64_MAX, 8},
        };
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
                struct column *c = column_create("n");
                for (uint32_t r = 0; r < ROWS; r++) {
                        int64_t v = expected(r, cases[k].last);
                        if (v == COLUMN_NULL_NUM) {
                                append_null(c);
                        } else {
                                append_int(c, v);
                        }
                        if (r == 0) {
                                CHECK_EQ_INT(c->width, 1);
                        }
                }
                CHECK_EQ_INT(c->width, cases[k].width);
                for (uint32_t r = 0; r < ROWS; r++) {
                        CHECK_EQ_INT(column_num(c, r),
                                     expected(r, cases[k].last));
                }
                CHECK_EQ_INT(c->stats.max,
                             cases[k].last > 49 ? cases[k].last : 49);
                CHECK_EQ_INT(c->stats.min,
                             cases[k].last < -50 ? cases[k].last : -50);
                column_destroy(c);
        }
}

/* A fraction raises the scale: every stored number is multiplied, the
 * cells widen for the products, nulls stay null. */
static void test_rescale_widens(void)
{
        struct column *c = column_create("v");
        for (uint32_t r = 0; r < ROWS; r++) {
                if (r % 5 == 0) {
                        append_null(c);
                } else {
                        append_int(c, (int64_t)(r % 120));
                }
        }
        CHECK_EQ_INT(c->width, 1);
        struct value d = {.type = VALUE_DECIMAL, .as.d = {1, 3}}; /* 0.001 */
        unsigned digits;
        CHECK_EQ_INT(column_append(c, &d, &digits), 0);
        CHECK_EQ_INT(digits, 3);
        CHECK_EQ_INT(c->scale, 3);
        CHECK_EQ_INT(c->kind, COLUMN_DECIMAL);
        CHECK_EQ_INT(c->width, 4); /* 119,000 */
        for (uint32_t r = 0; r < ROWS; r++) {
                CHECK_EQ_INT(column_num(c, r), r % 5 == 0
                                                   ? COLUMN_NULL_NUM
                                                   : (int64_t)(r % 120) * 1000);
        }
        CHECK_EQ_INT(column_num(c, ROWS), 1);
        CHECK_EQ_INT(c->stats.max, 119000);
        column_destroy(c);
}

/* A number too long for an int64 mantissa is kept as exact text in an
 * 8-byte cell; the narrow cells before it keep their values. */
static void test_big_number_widens(void)
{
        struct column *c = column_create("b");
        append_int(c, 5);
        append_null(c);
        append_int(c, -7);
        static const char big[] = "123456789012345678901234567890";
        struct value x          = {.type = VALUE_BIGNUM};
        x.as.big.ptr            = big;
        x.as.big.len            = strlen(big);
        unsigned digits;
        CHECK_EQ_INT(column_append(c, &x, &digits), 0);
        CHECK_EQ_INT(c->width, 8);
        CHECK_EQ_INT(column_num(c, 0), 5);
        CHECK_EQ_INT(column_num(c, 1), COLUMN_NULL_NUM);
        CHECK_EQ_INT(column_num(c, 2), -7);
        struct cell cell;
        column_get(c, 3, &cell);
        CHECK(cell.big != NULL);
        CHECK_EQ_MEM(cell.big, cell.big_len, big);
        column_destroy(c);
}

/* Text ids: one byte up to 255 distinct strings, two up to 65,535, then
 * four; each cell reads back its string. */
static void test_text_widths(void)
{
        struct column *c = column_create("t");
        char buf[32];
        uint32_t n = 80000;
        for (uint32_t r = 0; r < n; r++) {
                if (r % 11 == 5) {
                        append_null(c);
                } else {
                        snprintf(buf, sizeof(buf), "s%u", r);
                        append_text(c, buf);
                }
                if (r == 200) {
                        CHECK_EQ_INT(c->width, 1);
                }
                if (r == 1000) {
                        CHECK_EQ_INT(c->width, 2);
                }
        }
        CHECK_EQ_INT(c->width, 4);
        for (uint32_t r = 0; r < n; r++) {
                struct cell cell;
                column_get(c, r, &cell);
                if (r % 11 == 5) {
                        CHECK_EQ_INT(cell.kind, COLUMN_EMPTY);
                        continue;
                }
                snprintf(buf, sizeof(buf), "s%u", r);
                CHECK_EQ_MEM(cell.text, cell.text_len, buf);
        }
        column_destroy(c);
}

/* A column that was all null until a value arrives (past the first
 * chunk's initial room, and past a whole chunk). */
static void test_late_kind(void)
{
        static const uint32_t nulls[] = {10, 5000, COLUMN_CHUNK_ROWS + 7};
        for (size_t k = 0; k < sizeof(nulls) / sizeof(nulls[0]); k++) {
                struct column *c = column_create("late");
                struct column *n = column_create("late_number");
                for (uint32_t r = 0; r < nulls[k]; r++) {
                        append_null(c);
                        append_null(n);
                }
                append_text(c, "x");
                append_int(n, -3);
                CHECK_EQ_INT(c->kind, COLUMN_TEXT);
                CHECK_EQ_INT(n->kind, COLUMN_INT);
                for (uint32_t r = 0; r < nulls[k]; r++) {
                        CHECK_EQ_INT(column_text(c, r), 0);
                        CHECK_EQ_INT(column_num(n, r), COLUMN_NULL_NUM);
                }
                CHECK_EQ_INT(column_text(c, nulls[k]), 1);
                CHECK_EQ_INT(column_num(n, nulls[k]), -3);
                column_destroy(c);
                column_destroy(n);
        }
}

/* A generation of a few rows holds a few KiB, not whole 64 Ki-row chunks
 * per column (a topic of thousands of small files). */
static void test_small_generation_is_small(void)
{
        struct generation *g = generation_create(1);
        struct wire_object obj;
        memset(&obj, 0, sizeof(obj));
        char json[128];
        for (uint32_t r = 1; r <= 10; r++) {
                snprintf(json, sizeof(json),
                         "{\"id\":%u,\"nome\":\"n%u\",\"idade\":%u,"
                         "\"cidade\":\"c%u\",\"valor\":%u.25}",
                         r, r, 20 + r, r % 3, 100 * r);
                CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)),
                             WIRE_OK);
                CHECK_EQ_INT(generation_add_row(g, r, &obj), GENERATION_ADDED);
        }
        size_t m = generation_memory(g);
        if (m > 40 * 1024) {
                fprintf(stderr, "10 rows hold %zu bytes\n", m);
                check_failures++;
        }
        wire_object_finish(&obj);
        generation_destroy(g);
}

/* The seed schema's bytes per row held by a generation: id (4 bytes up to
 * 2^31), nome (2: hundreds of names), idade (1), cidade (1: 20 cities),
 * valor (4: cents up to 21 million), the record number (4) and the record
 * bitmap (1 bit, 2 while it has doubled). Taken as the growth from two
 * chunks of rows to four, so that what a generation holds once (category
 * tables, the sample) does not count. Was 36.1 with 8-byte numbers and
 * 4-byte text ids. */
static void test_seed_schema_bytes_per_row(void)
{
        struct generation *g = generation_create(1);
        struct wire_object obj;
        memset(&obj, 0, sizeof(obj));
        char json[256];
        uint32_t half = 2 * COLUMN_CHUNK_ROWS - 1, rows = 2 * half + 1;
        size_t at_half = 0;
        unsigned seed  = 12345;
        for (uint32_t r = 1; r <= rows; r++) {
                seed = seed * 1103515245u + 12345u;
                snprintf(json, sizeof(json),
                         "{\"id\":%u,\"nome\":\"Nome%u Sobrenome%u\","
                         "\"idade\":%u,\"cidade\":\"Cidade %u\","
                         "\"valor\":%u.%02u}",
                         r, seed % 20, (seed >> 8) % 18, 18 + (seed >> 4) % 63,
                         (seed >> 12) % 20, 50 + (seed >> 3) % 1950,
                         (seed >> 16) % 100);
                CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)),
                             WIRE_OK);
                CHECK_EQ_INT(generation_add_row(g, r, &obj), GENERATION_ADDED);
                if (r == half) {
                        at_half = generation_memory(g);
                }
        }
        double per_row =
            (double)(generation_memory(g) - at_half) / (rows - half);
        if (per_row > 16.2) {
                fprintf(stderr, "seed schema: %.2f bytes per row\n", per_row);
                check_failures++;
        }
        CHECK_EQ_INT(generation_column(g, "id")->width, 4);
        CHECK_EQ_INT(generation_column(g, "nome")->width, 2);
        CHECK_EQ_INT(generation_column(g, "idade")->width, 1);
        CHECK_EQ_INT(generation_column(g, "cidade")->width, 1);
        CHECK_EQ_INT(generation_column(g, "valor")->width, 4);
        wire_object_finish(&obj);
        generation_destroy(g);
}

int main(void)
{
        test_number_widths();
        test_rescale_widens();
        test_big_number_widens();
        test_text_widths();
        test_late_kind();
        test_small_generation_is_small();
        test_seed_schema_bytes_per_row();
        return check_exit();
}
