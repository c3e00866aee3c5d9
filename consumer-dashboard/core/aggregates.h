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

/* The dashboard's roles: which column each part of the page shows. */
enum aggregates_role {
        AGGREGATES_ROLE_VALUE = 0,
        AGGREGATES_ROLE_CATEGORY,
        AGGREGATES_ROLE_AGE,
        AGGREGATES_ROLE_LABEL,
        AGGREGATES_ROLE_COUNT,
};

/** @returns "value", "category", "age" or "label". */
const char *aggregates_role_name(enum aggregates_role r);

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
/* One column as the producer typed it (reset messages). */
struct aggregates_column {
        const char *name; /* NUL-terminated */
        enum value_type type;
        const char *unit; /* the numbers' currency symbol ("R$"), or NULL */
};

struct aggregates_message {
        enum wire_kind kind;
        const char *source; /* NUL-terminated */
        uint64_t generation;
        uint64_t record;                         /* rows */
        const struct wire_object *row;           /* rows */
        uint64_t last_record;                    /* snapshot complete */
        uint64_t row_count;                      /* snapshot complete */
        const struct aggregates_column *columns; /* reset (may be NULL) */
        size_t ncolumns;
        const char *reason;   /* reset: why (e.g. "deleted"); may be NULL */
        const char *producer; /* reset: the producer instance; may be NULL */
        int64_t timestamp_ms; /* the message's Kafka timestamp; 0 unknown */
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

/**
 * @brief One viewer's roles for the renders that follow, until called with
 *        NULL: roles[r] NULL keeps the default (flags), "" is automatic, a
 *        name chooses that column. The strings are borrowed until cleared.
 *        Nothing shared changes: other viewers keep the defaults.
 */
void aggregates_set_viewer_roles(struct aggregates *a,
                                 const char *const *roles);

/**
 * @brief One viewer's source for the renders that follow (snapshot,
 *        categories, pages, export), until called with NULL (every
 *        source). Figures are then that source's alone; with NULL they are
 *        every source's, merged exactly. The string is borrowed until
 *        cleared. Nothing shared changes.
 */
void aggregates_set_viewer_source(struct aggregates *a, const char *source);

/**
 * @brief Counts one row's file-to-dashboard latency (read_ts_ms: when the
 *        producer read it, its Kafka timestamp) for its source, so that a
 *        viewer of one source sees that source's latency. A source never
 *        applied is ignored. @returns 0, or -1 when out of memory.
 */
int aggregates_add_latency(struct aggregates *a, const char *source,
                           int64_t read_ts_ms, int64_t now_ms);

/** @returns whether a message of this source was ever applied. */
bool aggregates_has_source(const struct aggregates *a, const char *source);

/**
 * @brief Gives source `from` (its generations, counters, chart) the name
 *        `to`: a source shown under a placeholder until its name was read
 *        (message_decoder.h). @returns 0, 1 when `from` is not a source,
 *        -1 when `to` already is one (nothing merged) or memory runs out.
 */
int aggregates_rename_source(struct aggregates *a, const char *from,
                             const char *to);

/**
 * @brief The column the roles in force (a viewer's while set, else the
 *        defaults) give role r, copied into buf.
 * @returns 0, or -1 when no column fits (buf gets "").
 */
int aggregates_role_column(struct aggregates *a, enum aggregates_role r,
                           char *buf, size_t size);

/* A reference to one row: which visible generation, which row in it. */
typedef uint64_t aggregates_row_ref;

/* Bytes sort indexes may hold by default (aggregates_set_index_budget). */
#define AGGREGATES_INDEX_BUDGET_DEFAULT ((size_t)512 << 20)

/* aggregates_page() results besides a row count. */
enum {
        AGGREGATES_PAGE_ERROR       = -1, /* unknown column, out of memory */
        AGGREGATES_PAGE_NOT_READY   = -3, /* deferred: an index job is due */
        AGGREGATES_PAGE_OVER_BUDGET = -4, /* the index would not fit */
};

/**
 * @brief One page of the table sorted by column `sort` (NULL: file order),
 *        ascending or descending; nulls sort last either way and ties go
 *        by file order (source, record), so pages are the same on every
 *        replica. Sorting uses an index kept per column (see sort_index.h).
 *        Inline mode (the default) brings the index up to date here;
 *        deferred mode (aggregates_set_index_mode) never sorts here: it
 *        answers from an index holding at least the rows set with
 *        aggregates_set_page_min_rows(), else AGGREGATES_PAGE_NOT_READY,
 *        and aggregates_index_next_job() hands out the work.
 * @param refs  room for limit references.
 * @returns the number of references written; *total gets the rows of the
 *          table the page was read from; or one of the values above.
 */
long aggregates_page(struct aggregates *a, const char *sort, bool desc,
                     uint64_t offset, size_t limit, aggregates_row_ref *refs,
                     uint64_t *total);

/**
 * @brief Where row ref is now in the order of the last aggregates_page()
 *        with these arguments (the offset that reads it), or -1 when that
 *        index does not hold it or the view changed since *view was taken
 *        (a new generation or source: a reference may then name another
 *        row). *view: 0 the first time, then kept by the caller. *hint
 *        carries the search's start from call to call.
 *        A reader that goes on from here neither repeats nor skips a row
 *        while rows arrive (they may land before the position).
 */
long aggregates_page_position(struct aggregates *a, const char *sort, bool desc,
                              aggregates_row_ref ref, uint64_t *hint,
                              uint64_t *view);

/**
 * @brief Sets how many bytes indexes (and jobs out) may hold, and whether
 *        pages defer index work to aggregates_index_next_job().
 */
void aggregates_set_index_mode(struct aggregates *a, size_t budget,
                               bool deferred);

/**
 * @brief Deferred mode: a page may come from an index holding at least
 *        min_rows rows (the rows a request saw when it came in), even when
 *        newer rows are not in it yet.
 */
void aggregates_set_page_min_rows(struct aggregates *a, uint64_t min_rows);

/**
 * @brief Pages read only the rows whose text in `column` is `value` (a
 *        category filter), until called with NULL. Borrowed strings.
 *        The total of such a page counts the matching rows.
 */
void aggregates_set_page_filter(struct aggregates *a, const char *column,
                                const char *value);

/** @returns rows shown in the view (what a complete index holds). */
uint64_t aggregates_view_rows(struct aggregates *a);

struct sort_job;

/**
 * @brief Deferred mode: a job for an index a page asked for and found
 *        behind, or NULL when none is due. Run it with sort_job_run() on
 *        any thread, then give it back with aggregates_index_finish().
 *        Each index has at most one job out.
 */
struct sort_job *aggregates_index_next_job(struct aggregates *a);

/** @brief Installs a job's result (owning thread) and frees the job. */
void aggregates_index_finish(struct aggregates *a, struct sort_job *j);

/** @brief Sorts and merges a job's rows. @locality any thread. */
int sort_job_run(struct sort_job *j);

/** @returns bytes held by sort indexes and jobs out. */
size_t aggregates_index_memory(const struct aggregates *a);

#endif
