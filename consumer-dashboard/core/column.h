/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_COLUMN_H
#define DASHBOARD_CORE_COLUMN_H

/*
 * One column of one generation: its values packed by type plus exact running
 * statistics. Numbers are int64 mantissas at the column's scale (a decimal
 * column that has seen "275.5" and "10.25" holds 27550 and 1025 at scale 2),
 * text is an interned id. Storage grows in fixed chunks, so appending
 * never copies what is already there.
 *
 * Cells are as narrow as the values so far allow (struct column.width):
 * 1, 2, 4 or 8 bytes for numbers, 1, 2 or 4 for text ids. A column of ages
 * takes one byte a row and a column of ids up to 2^31 four; a value that
 * needs more widens the whole column once (each width at most once, so a
 * column is copied at most three times in its life). Narrow number cells
 * keep their type's minimum for null; readers get int64 either way
 * (column_num), so nothing outside column.c sees the width.
 *
 * Internal to core/: the struct is visible so that the sort comparators can
 * read cells without a call per access. Pure code: no I/O, no locks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/value.h"
#include "exact.h"
#include "intern.h"

#define COLUMN_CHUNK_SHIFT 16
#define COLUMN_CHUNK_ROWS  (1u << COLUMN_CHUNK_SHIFT)
#define COLUMN_CHUNK_MASK  (COLUMN_CHUNK_ROWS - 1)
/* The first chunk starts with room for this many rows and doubles up to
 * COLUMN_CHUNK_ROWS, so a source of a few rows holds a few KiB per column,
 * not a whole chunk; every later chunk is whole from the start. */
#define COLUMN_FIRST_CHUNK_ROWS 1024u
#define COLUMN_NULL_NUM         INT64_MIN
/* A number that does not fit an int64 mantissa at the column's scale is
 * "big": its cell holds COLUMN_BIG_BASE + (id - 1), where id is its exact
 * text's id in the column's `bigs`. Mantissas in that range are stored as
 * big numbers too, so the two never mix. */
#define COLUMN_BIG_BASE  (INT64_MIN + 1)
#define COLUMN_BIG_LIMIT (COLUMN_BIG_BASE + (int64_t)UINT32_MAX)
/* Distinct integers counted exactly per column (for the age histogram). */
#define COLUMN_VALUE_COUNTS_MAX 4096

enum column_kind {
        COLUMN_EMPTY = 0, /* only nulls so far */
        COLUMN_INT,
        COLUMN_DECIMAL,
        COLUMN_TEXT, /* text and booleans */
};

/* Statistics of the numbers that fit the fast path (int64 mantissas at the
 * column's scale); big numbers have their own (struct column.big_*). */
struct column_stats {
        uint64_t n; /* non-null numeric values */
        dec128 sum; /* at the column's scale */
        int64_t min, max;
};

#define COLUMN_UNIT_MAX 8 /* bytes of a currency symbol, with its NUL */

struct column {
        char *name;
        char unit[COLUMN_UNIT_MAX]; /* currency symbol, "" none */
        enum column_kind kind;
        uint8_t scale;
        uint8_t width; /* bytes per cell: 1, 2, 4 or 8 (text: up to 4) */
        uint32_t rows;
        uint32_t nchunks;
        uint32_t cap;  /* rows the chunks have room for */
        void **chunks; /* nchunks of COLUMN_CHUNK_ROWS cells of width bytes
                          (the first one alone may be smaller) */
        struct column_stats stats;
        uint64_t mismatches;    /* values that did not fit the column's kind */
        struct intern *strings; /* text columns */
        /* Big numbers (see COLUMN_BIG_BASE): their texts, count, exact sum,
         * minimum and maximum. */
        struct intern *bigs;
        uint64_t big_n;
        struct exact big_sum, big_min, big_max;
        /* Exact value counts of an integer column, open addressing. */
        int64_t *vc_keys;
        uint64_t *vc_counts;
        uint32_t vc_used;
        uint32_t vc_slots;
        bool vc_overflow;
};

/* One cell, read back. */
struct cell {
        enum column_kind kind; /* COLUMN_EMPTY for null */
        int64_t num;
        uint8_t scale;
        uint32_t text_id;
        const char *text;
        size_t text_len;
        const char *big; /* a big number's exact text (num is unused) */
        size_t big_len;
};

/** @returns a column with a copy of name, or NULL when memory runs out. */
struct column *column_create(const char *name);
void column_destroy(struct column *c);

/**
 * @brief Appends one cell (v NULL or VALUE_NULL for null).
 *        When the column's scale grows, every stored number is multiplied by
 *        10^(*rescale_digits) and *rescale_digits says by how many digits, so
 *        that the caller can rescale what it derived from them.
 * @returns 0, 1 when the value did not fit (stored as null and counted), or
 *          -1 when memory runs out (nothing appended).
 */
/**
 * @brief Gives a column that holds only nulls the kind its producer declared
 *        (the reset message's column types), so that a first value that does
 *        not fit (a JSON string "N/A" in a decimal column) is counted as a
 *        mismatch instead of turning the whole column into text.
 *        INT and DECIMAL are declared; other types leave the column as it is.
 * @returns 0, or -1 when memory runs out. A column that already has a kind
 *          keeps it.
 */
int column_declare(struct column *c, enum value_type type);

/** @brief Sets the currency symbol of the column's numbers (the reset's
 *         "unit"; NULL or too long: none). */
void column_set_unit(struct column *c, const char *unit);

int column_append(struct column *c, const struct value *v,
                  unsigned *rescale_digits);

/** @brief Reads a cell. */
void column_get(const struct column *c, uint32_t row, struct cell *out);

/** @returns a number cell (COLUMN_NULL_NUM for null) of a numeric column. */
static inline int64_t column_num(const struct column *c, uint32_t row)
{
        const void *p = c->chunks[row >> COLUMN_CHUNK_SHIFT];
        uint32_t i    = row & COLUMN_CHUNK_MASK;
        switch (c->width) {
        case 1: {
                int8_t v = ((const int8_t *)p)[i];
                return v == INT8_MIN ? COLUMN_NULL_NUM : v;
        }
        case 2: {
                int16_t v = ((const int16_t *)p)[i];
                return v == INT16_MIN ? COLUMN_NULL_NUM : v;
        }
        case 4: {
                int32_t v = ((const int32_t *)p)[i];
                return v == INT32_MIN ? COLUMN_NULL_NUM : v;
        }
        default:
                return ((const int64_t *)p)[i];
        }
}

/** @returns a text cell's string id (0 for null) of a text column. */
static inline uint32_t column_text(const struct column *c, uint32_t row)
{
        const void *p = c->chunks[row >> COLUMN_CHUNK_SHIFT];
        uint32_t i    = row & COLUMN_CHUNK_MASK;
        switch (c->width) {
        case 1:
                return ((const uint8_t *)p)[i];
        case 2:
                return ((const uint16_t *)p)[i];
        default:
                return ((const uint32_t *)p)[i];
        }
}

static inline bool column_is_big(int64_t v)
{
        return v != COLUMN_NULL_NUM && v <= COLUMN_BIG_LIMIT;
}

/** @returns a big cell's exact text (v as read with column_num). */
const char *column_big_text(const struct column *c, int64_t v, size_t *len);

/** @returns the column's numbers' count: fast path and big ones. */
static inline uint64_t column_count(const struct column *c)
{
        return c->stats.n + c->big_n;
}

/** @brief The exact sum, minimum and maximum of every number (both paths).
 *  @returns 0, or -1 when memory runs out or a result is too long. */
int column_exact_stats(const struct column *c, struct exact *sum,
                       struct exact *min, struct exact *max);

static inline bool column_is_numeric(const struct column *c)
{
        return c->kind == COLUMN_INT || c->kind == COLUMN_DECIMAL;
}

/** @returns 10^digits (digits <= 18). */
int64_t column_pow10(unsigned digits);

/**
 * @brief Multiplies v by 10^digits. @returns 0, or -1 on overflow.
 */
int column_scale_up(int64_t v, unsigned digits, int64_t *out);

/**
 * @brief Writes mantissa/10^scale as exact decimal text ("3901.51").
 * @returns characters written (buf needs 48 bytes).
 */
int column_format_dec128(dec128 mantissa, unsigned scale, char *buf,
                         size_t size);

/** @returns a mantissa at scale as a double (for means and charts). */
double column_to_double(dec128 mantissa, unsigned scale);

/** @returns "empty", "integer", "decimal" or "text". */
const char *column_kind_name(enum column_kind kind);

/** @returns bytes held by the column. */
size_t column_memory(const struct column *c);

/** @returns bytes a number cell needs to hold v (1, 2, 4 or 8). */
unsigned column_num_width(int64_t v);

#endif
