/* SPDX-License-Identifier: MIT */
/*
 * The paged table: which sort indexes are kept (least recently used goes
 * first, within a memory budget), and when their jobs run (inline, or handed
 * out to another thread in deferred mode). The indexes themselves are in
 * sort_index.c.
 */
#include "aggregates_internal.h"

#include <stdlib.h>
#include <string.h>

static int find_index(const struct aggregates *a, const char *sort)
{
        for (int i = 0; i < AGG_MAX_INDEXES; i++) {
                if (a->indexes[i] &&
                    sort_index_is(a->indexes[i], sort, a->page_filter_column,
                                  a->page_filter_value, a->viewer_source)) {
                        return i;
                }
        }
        return -1;
}

static void drop_index(struct aggregates *a, int i)
{
        sort_index_destroy(a->indexes[i]);
        a->indexes[i]      = NULL;
        a->index_wanted[i] = false;
        a->index_over[i]   = false;
}

/* The least recently used index that can go (not busy, nobody waits), or
 * -1. `keep` is never chosen. */
static int lru_victim(const struct aggregates *a, int keep)
{
        int v = -1;
        for (int i = 0; i < AGG_MAX_INDEXES; i++) {
                if (i == keep || !a->indexes[i] ||
                    sort_index_busy(a->indexes[i]) || a->index_wanted[i]) {
                        continue;
                }
                if (v < 0 || a->index_used[i] < a->index_used[v]) {
                        v = i;
                }
        }
        return v;
}

static int get_index(struct aggregates *a, const char *sort)
{
        int i = find_index(a, sort);
        if (i >= 0) {
                return i;
        }
        for (i = 0; i < AGG_MAX_INDEXES && a->indexes[i]; i++) {
        }
        if (i == AGG_MAX_INDEXES) {
                i = lru_victim(a, -1);
                if (i < 0) {
                        return -1;
                }
                drop_index(a, i);
        }
        a->indexes[i] =
            sort_index_create(sort, a->page_filter_column, a->page_filter_value,
                              a->viewer_source);
        return a->indexes[i] ? i : -1;
}

static bool column_known(const struct aggregates *a, const char *sort)
{
        for (size_t s = 0; sort && s < a->nslots; s++) {
                if (generation_column(a->slots[s], sort)) {
                        return true;
                }
        }
        return !sort;
}

uint64_t aggregates_view_rows(struct aggregates *a)
{
        uint64_t n = 0;
        if (aggregates_view_slots(a) != 0) {
                return 0;
        }
        for (size_t s = 0; s < a->nslots; s++) {
                n += a->slots[s]->rows;
        }
        return n;
}

size_t aggregates_index_memory(const struct aggregates *a)
{
        size_t m = a->job_bytes;
        for (int i = 0; i < AGG_MAX_INDEXES; i++) {
                if (a->indexes[i]) {
                        m += sort_index_memory(a->indexes[i]);
                }
        }
        return m;
}

void aggregates_set_index_mode(struct aggregates *a, size_t budget,
                               bool deferred)
{
        a->index_budget   = budget;
        a->index_deferred = deferred;
}

void aggregates_set_page_min_rows(struct aggregates *a, uint64_t min_rows)
{
        a->page_min_rows = min_rows;
}

void aggregates_set_page_filter(struct aggregates *a, const char *column,
                                const char *value)
{
        a->page_filter_column = column;
        a->page_filter_value  = column ? value : NULL;
}

/* Prepares the job of index i, making room in the budget first. */
static struct sort_job *prepare(struct aggregates *a, int i)
{
        struct sort_index *ix = a->indexes[i];
        uint64_t rows         = aggregates_view_rows(a);
        /* At most: the new entries, plus the merge's copy and fresh part. */
        size_t need =
            (size_t)(rows * 2 + (rows - sort_index_rows(ix, a->view_version))) *
            sizeof(struct sort_entry);
        size_t own = sort_index_memory(ix);
        while (aggregates_index_memory(a) - own + need > a->index_budget) {
                int v = lru_victim(a, i);
                if (v < 0) {
                        a->index_over[i]   = true;
                        a->index_wanted[i] = false;
                        return NULL;
                }
                drop_index(a, v);
        }
        a->index_over[i]   = false;
        struct sort_job *j = sort_index_prepare(ix, a->slots, a->slot_names,
                                                a->nslots, a->view_version);
        if (j) {
                a->job_bytes += sort_job_memory(j);
        }
        return j;
}

void aggregates_index_finish(struct aggregates *a, struct sort_job *j)
{
        a->job_bytes -= sort_job_memory(j);
        sort_index_install(j);
}

struct sort_job *aggregates_index_next_job(struct aggregates *a)
{
        if (aggregates_view_slots(a) != 0) {
                return NULL;
        }
        for (int i = 0; i < AGG_MAX_INDEXES; i++) {
                if (!a->indexes[i] || !a->index_wanted[i] ||
                    sort_index_busy(a->indexes[i])) {
                        continue;
                }
                a->index_wanted[i] = false;
                struct sort_job *j = prepare(a, i);
                if (j) {
                        return j;
                }
        }
        return NULL;
}

/* Inline mode: brings index i up to date here. */
static int build_inline(struct aggregates *a, int i)
{
        if (sort_index_busy(a->indexes[i])) {
                return 0; /* a job is out: read what the index holds */
        }
        struct sort_job *j = prepare(a, i);
        if (!j) {
                return a->index_over[i] ? AGGREGATES_PAGE_OVER_BUDGET
                                        : AGGREGATES_PAGE_ERROR;
        }
        int rc = sort_job_run(j);
        aggregates_index_finish(a, j);
        return rc == 0 ? 0 : AGGREGATES_PAGE_ERROR;
}

long aggregates_page(struct aggregates *a, const char *sort, bool desc,
                     uint64_t offset, size_t limit, aggregates_row_ref *refs,
                     uint64_t *total)
{
        *total = 0;
        if (aggregates_view_slots(a) != 0 || !column_known(a, sort)) {
                return AGGREGATES_PAGE_ERROR;
        }
        int i = get_index(a, sort);
        if (i < 0) {
                return AGGREGATES_PAGE_ERROR;
        }
        struct sort_index *ix = a->indexes[i];
        uint64_t rows         = aggregates_view_rows(a);
        a->index_used[i]      = ++a->index_clock;
        if (a->index_over[i] && !sort_index_busy(ix)) {
                a->index_over[i] = false; /* try again, others may be gone */
                return AGGREGATES_PAGE_OVER_BUDGET;
        }
        if (!a->index_deferred) {
                if (sort_index_covered(ix, a->view_version) < rows ||
                    !sort_index_covered(ix, a->view_version)) {
                        int rc = build_inline(a, i);
                        if (rc != 0) {
                                return rc;
                        }
                }
        } else {
                uint64_t need =
                    a->page_min_rows < rows ? a->page_min_rows : rows;
                if (sort_index_covered(ix, a->view_version) < need) {
                        a->index_wanted[i] = true;
                        return AGGREGATES_PAGE_NOT_READY;
                }
        }
        /* A view change leaves an index empty until its next job. */
        *total = sort_index_rows(ix, a->view_version);
        return (long)sort_index_page(ix, desc, offset, limit, refs);
}

long aggregates_page_position(struct aggregates *a, const char *sort, bool desc,
                              aggregates_row_ref ref, uint64_t *hint,
                              uint64_t *view)
{
        if (*view == 0) {
                *view = a->view_version + 1;
        } else if (*view != a->view_version + 1) {
                return -1;
        }
        int i = find_index(a, sort);
        if (i < 0 || aggregates_view_slots(a) != 0 ||
            sort_index_rows(a->indexes[i], a->view_version) == 0) {
                return -1;
        }
        return (long)sort_index_position(a->indexes[i], desc, ref, hint);
}
