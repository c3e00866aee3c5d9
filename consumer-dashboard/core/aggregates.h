/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_AGGREGATES_H
#define DASHBOARD_CORE_AGGREGATES_H

/*
 * The dashboard's state: every source's current generation (and the newer
 * one being collected aside), exact aggregates, and the row table with its
 * sort indexes. It applies the reading rule of docs/wire-format.md:
 *
 *   - rows of a generation older than the source's current one are dropped;
 *   - rows of a newer generation are collected aside and replace the current
 *     generation in one step, once its snapshot-complete message arrived and
 *     row_count distinct rows with numbers <= last_record are held;
 *   - a source with no current generation shows the first one it sees;
 *   - a record seen twice (same source, generation, number) counts once.
 *
 * Pure code: no I/O, no locks, no clock (time comes in as a parameter). One
 * thread owns an aggregates object at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

struct aggregates;

/* Column names chosen by the user for each role; NULL: detect. */
struct aggregates_roles {
        const char *value;
        const char *category;
        const char *age;
        const char *label;
};

/** @returns a new, empty state (role names are copied), or NULL. */
struct aggregates *aggregates_create(const struct aggregates_roles *roles);
void aggregates_destroy(struct aggregates *a);

/* One message of the data topic, decoded by the caller. */
struct aggregates_message {
        enum wire_kind kind;
        const char *source; /* NUL-terminated */
        uint64_t generation;
        uint64_t record;               /* rows */
        const struct wire_object *row; /* rows */
        uint64_t last_record;          /* snapshot complete */
        uint64_t row_count;            /* snapshot complete */
};

enum aggregates_result {
        AGGREGATES_APPLIED = 0, /* changed what is (or will be) shown */
        AGGREGATES_DUPLICATE,   /* identity already held */
        AGGREGATES_STALE,       /* older than the source's generation */
        AGGREGATES_INVALID,     /* record number out of range */
        AGGREGATES_NOMEM,
};

/**
 * @brief Applies one message. now_ms is stored as the last update time.
 * @returns what happened to it (the state is consistent in every case).
 */
enum aggregates_result aggregates_apply(struct aggregates *a,
                                        const struct aggregates_message *m,
                                        int64_t now_ms);

/** @returns the number of rows shown (all sources' current generations). */
uint64_t aggregates_count(const struct aggregates *a);

/** @returns a counter that changes whenever what is shown changes. */
uint64_t aggregates_version(const struct aggregates *a);

/** @returns the last time (now_ms of aggregates_apply) anything changed. */
int64_t aggregates_last_update(const struct aggregates *a);

/* Counters of what aggregates_apply did. */
struct aggregates_counters {
        uint64_t applied, duplicates, stale, invalid, swaps;
};
void aggregates_counters(const struct aggregates *a,
                         struct aggregates_counters *out);

/** @returns bytes held by rows, strings, indexes and statistics. */
size_t aggregates_memory(const struct aggregates *a);

/**
 * @brief Sets a role's column (NULL or "" for automatic). role is "value",
 *        "category", "age" or "label". @returns 0, or -1 for another role.
 */
int aggregates_set_role(struct aggregates *a, const char *role,
                        const char *column);

/* A reference to one row: which visible generation, which row in it. */
typedef uint64_t aggregates_row_ref;

/**
 * @brief One page of the table sorted by column `sort` (NULL: insertion
 *        order), ascending or descending; nulls sort last either way.
 *        Sorting uses an index kept per column and brought up to date here
 *        (amortised: a merge of new rows, a full sort only after a
 *        generation swap), never a sort per request.
 * @param refs  room for limit references.
 * @returns the number of references written; *total gets the row count.
 *          -1: unknown column or out of memory.
 */
long aggregates_page(struct aggregates *a, const char *sort, bool desc,
                     uint64_t offset, size_t limit, aggregates_row_ref *refs,
                     uint64_t *total);

#endif
