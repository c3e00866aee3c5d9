/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_GENERATION_H
#define DASHBOARD_CORE_GENERATION_H

/*
 * One generation of one source: its rows (column store), which record
 * numbers it holds (duplicates are dropped by number), per-category
 * statistics of every low-cardinality text column, a bounded uniform sample
 * of rows, and what its snapshot-complete message promised.
 *
 * Internal to core/. Pure code: no I/O, no locks, no clock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "common/wire.h"

/* Text columns with more distinct values than this are not categories. */
#define GENERATION_CATEGORY_MAX 1000
/* Rows kept in the uniform sample (the scatter chart). Every live update
 * carries it, so it sets most of an update's size: 500 points are ~22 KB,
 * enough for a readable scatter and cheap to push to 1,000 viewers. */
#define GENERATION_SAMPLE_MAX 500
/* Highest record number accepted (the dedup bitmap is dense). */
#define GENERATION_RECORD_MAX (UINT64_C(1) << 32)

/* Per (category, column) statistics; for the category column itself only
 * n is used (the category's row count). */
struct category_cell {
        uint64_t n;
        dec128 sum;
        int64_t min, max;
        struct category_big *big; /* big numbers (column.h), rare */
};

/* The big numbers of one (category, column). */
struct category_big {
        uint64_t n;
        struct exact sum, min, max;
};

struct category_stats {
        bool disabled; /* too many distinct values */
        uint32_t cap;  /* categories the cells array has room for */
        struct category_cell *cells; /* [(id - 1) * ncols + col] */
};

/* Bytes kept of a reset message's reason and producer instance. */
#define GENERATION_TAG_MAX 64

struct generation {
        uint64_t number;
        char reason[GENERATION_TAG_MAX];   /* of its reset; "" unknown */
        char producer[GENERATION_TAG_MAX]; /* instance; "" unknown */
        int64_t changed_ms; /* newest Kafka timestamp of its messages */
        uint32_t rows;
        struct column **cols;
        size_t ncols;
        struct category_stats *cats; /* one per column, used by text ones */
        uint64_t *seen;              /* bitmap of record numbers */
        uint32_t **records; /* record number of each row, in chunks (the
                               first one grows as column.h's do) */
        uint32_t record_chunks;
        uint32_t record_cap; /* rows the chunks have room for */
        size_t seen_words;
        bool complete_known;
        uint64_t last_record;
        uint64_t row_count;
        uint64_t rows_le_last; /* rows held with record <= last_record */
        uint32_t *sample;
        uint32_t sample_n;
        uint64_t sample_seen;
        uint64_t rng;
};

enum generation_add {
        GENERATION_ADDED = 0,
        GENERATION_DUPLICATE,
        GENERATION_INVALID, /* record number out of range */
        GENERATION_NOMEM,
};

struct generation *generation_create(uint64_t number);
void generation_destroy(struct generation *g);

/** @brief Adds a decoded row unless its record number was seen. */
enum generation_add generation_add_row(struct generation *g, uint64_t record,
                                       const struct wire_object *row);

/** @brief Records a snapshot-complete message (idempotent). */
void generation_set_complete(struct generation *g, uint64_t last_record,
                             uint64_t row_count);

/** @returns whether the snapshot-complete rule holds. */
bool generation_is_complete(const struct generation *g);

/** @returns the record number (file order) of row `row`. */
static inline uint32_t generation_record(const struct generation *g,
                                         uint32_t row)
{
        return g->records[row >> COLUMN_CHUNK_SHIFT][row & COLUMN_CHUNK_MASK];
}

/** @returns the column named name, or NULL. */
struct column *generation_column(const struct generation *g, const char *name);

/**
 * @brief Declares a column's type as the producer typed it (reset message):
 *        the column is added when it is new, and a numeric type is kept even
 *        if the first values that arrive are text; unit: its numbers'
 *        currency symbol, or NULL. @returns 0 or -1 (memory).
 */
int generation_declare_column(struct generation *g, const char *name,
                              enum value_type type, const char *unit);

/** @returns the index of the column named name, or -1. */
int generation_column_index(const struct generation *g, const char *name);

/** @returns bytes held (rows, strings, indexes of this generation). */
size_t generation_memory(const struct generation *g);

#endif
