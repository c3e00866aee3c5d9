/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_SORT_INDEX_H
#define DASHBOARD_CORE_SORT_INDEX_H

/*
 * The sort index of one column over the merged view: every row's reference
 * in table order. Rows are ordered by value (numbers before text, nulls
 * last; numbers exactly at any magnitude), ties by file order in both
 * directions: source, then record number (each source shows
 * one generation), so every replica and every restart pages identically.
 *
 * An index is built in jobs, so that the expensive part can run on another
 * thread than the one that owns the aggregates:
 *
 *   1. sort_index_prepare() (owning thread) copies the sort key of every row
 *      the index does not hold yet into a job. Keys are self-contained:
 *      numbers are normalised to one scale, text points into strings the
 *      index copied for itself. Nothing in the job points into the
 *      aggregates.
 *   2. sort_job_run() (any thread) sorts the new keys and merges them with
 *      the index's current entries into a new array. It only reads what
 *      the index owns and the owning thread leaves a busy index alone.
 *   3. sort_index_install() (owning thread) puts the new array in place.
 *
 * Pages can be read from the index (owning thread) while a job runs, since
 * the job never writes what the page reads.
 *
 * Internal to core/. Pure code: no I/O, no locks, no clock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "generation.h"

/* One row's key: class (number, text, null), value, and file order. */
struct sort_entry {
        union {
                dec128 num; /* at SORT_KEY_SCALE */
                struct {
                        const char *ptr;
                        size_t len;
                } text;
        } key;
        uint64_t ref; /* view slot << AGG_REF_SLOT_SHIFT | row */
        uint32_t record;
        uint8_t cls; /* enum sort_class */
};

struct sort_index;
struct sort_job;

/**
 * @returns an empty index for column (NULL: file order), or NULL. With
 *          filter_column, it holds only the rows whose text in that column
 *          equals filter_value (a filtered table); with source, only the
 *          rows of that source (NULL: every source's).
 */
struct sort_index *sort_index_create(const char *column,
                                     const char *filter_column,
                                     const char *filter_value,
                                     const char *source);

/** @returns whether the index is for this column, filter and source. */
bool sort_index_is(const struct sort_index *ix, const char *column,
                   const char *filter_column, const char *filter_value,
                   const char *source);

/**
 * @returns the rows of the view the index has looked at (all of them are
 *          in it, unless filtered out) for view `view_version`, 0 when it
 *          was built for another view.
 */
uint64_t sort_index_covered(const struct sort_index *ix, uint64_t view_version);
/** @brief Frees the index; it must not be busy. NULL is a no-op. */
void sort_index_destroy(struct sort_index *ix);

/** @returns the column (NULL for file order). */
const char *sort_index_column(const struct sort_index *ix);

/** @returns whether a job for this index is out (prepared, not installed). */
bool sort_index_busy(const struct sort_index *ix);

/**
 * @returns the rows the index holds for view `view_version`, 0 when it was
 *          built for another view.
 */
uint64_t sort_index_rows(const struct sort_index *ix, uint64_t view_version);

/** @returns bytes held by the index (entries and copied strings). */
size_t sort_index_memory(const struct sort_index *ix);

/**
 * @brief Prepares a job bringing the index up to date with the view: the
 *        new rows of each slot, or every row when the view changed. The
 *        index is busy until sort_index_install(). @locality owning thread.
 * @param slots       the view's generations, in source order.
 * @param slot_names  the source of each slot.
 * @returns the job, or NULL when memory runs out.
 */
struct sort_job *sort_index_prepare(struct sort_index *ix,
                                    struct generation *const *slots,
                                    const char *const *slot_names,
                                    size_t nslots, uint64_t view_version);

/** @returns bytes the job will hold at most while it runs. */
size_t sort_job_memory(const struct sort_job *j);

/** @brief Sorts and merges. @locality any thread. @returns 0 or -1. */
int sort_job_run(struct sort_job *j);

/** @returns the index the job belongs to. */
struct sort_index *sort_job_index(const struct sort_job *j);

/**
 * @brief Installs a finished job's result and frees the job; a job that
 *        failed (or was never run) leaves the index as it was.
 *        @locality owning thread.
 */
void sort_index_install(struct sort_job *j);

/**
 * @brief Reads one page of the index (owning thread, also while a job
 *        runs). Descending order reverses the order of the non-null keys;
 *        rows whose keys tie stay in file order, and nulls stay last.
 *        @returns the number of references written to refs.
 */
size_t sort_index_page(const struct sort_index *ix, bool desc, uint64_t offset,
                       size_t limit, uint64_t *refs);

/**
 * @brief Where the row ref is in the page order (what offset reads it),
 *        or -1 when the index does not hold it. *hint: where the search
 *        starts, and where the entry was found; rows only get inserted
 *        between jobs, so a row is at or after where it was last found.
 */
int64_t sort_index_position(const struct sort_index *ix, bool desc,
                            uint64_t ref, uint64_t *hint);

#endif
