/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_AGGREGATES_INTERNAL_H
#define DASHBOARD_CORE_AGGREGATES_INTERNAL_H

/*
 * The layout of struct aggregates, shared by the files of core/ that read
 * it (aggregates.c, view.c and the snapshot_*.c renderers). Nothing outside
 * core/ includes this header.
 */

#include <string.h>

#include "aggregates.h"
#include "generation.h"
#include "latency.h"
#include "sort_index.h"
#include "timeline.h"

#define AGG_MAX_SOURCES 4096
/* Sort indexes kept at once (least recently used goes first); the memory
 * budget usually limits them first. */
#define AGG_MAX_INDEXES    32
#define AGG_REF_SLOT_SHIFT 40
#define AGG_REF_ROW_MASK   ((UINT64_C(1) << AGG_REF_SLOT_SHIFT) - 1)

struct source {
        char *name;
        struct generation *current;
        struct generation *pending;          /* newer, being collected */
        struct aggregates_counters counters; /* this source's messages */
        struct latency *latency;   /* its live rows' latency; NULL: none */
        struct timeline *timeline; /* rows and sums per second; NULL:
                                      no row in the window yet */
};

/** @returns when a source last changed: the newest message of its current
 *           or pending generation (generation.h), 0 when none. */
static inline int64_t source_changed_ms(const struct source *s)
{
        int64_t c = s->current ? s->current->changed_ms : 0;
        int64_t p = s->pending ? s->pending->changed_ms : 0;
        return c > p ? c : p;
}

/* A column of the merged view of every visible generation. */
struct view_column {
        const char *name; /* borrowed from a generation's column */
        enum column_kind kind;
        uint8_t scale;    /* largest fast-path scale among the sources */
        uint64_t n;       /* numbers, fast path and big */
        struct exact sum; /* exact, whatever the magnitudes and scales */
        struct exact min, max;
        /* A sum, minimum or maximum needed more than EXACT_MAX_DIGITS: they
         * are unknown (never wrong). */
        bool is_stats_unknown;
        uint64_t invalid;  /* values that fit no number or the column */
        uint64_t distinct; /* text: sum of distinct per generation */
        bool categorical;  /* text with category stats everywhere */
        /* The currency symbol every shown generation gives the column, or
         * NULL (none, or they differ). */
        const char *unit;
        bool unit_set;
};

struct aggregates {
        struct source *sources; /* sorted by name */
        size_t nsources;
        char *roles[4]; /* value, category, age, label overrides */
        const char *const *viewer_roles; /* one render's, borrowed */
        const char *viewer_source;       /* one render's, borrowed; NULL: all */
        uint64_t version;                /* what is shown changed */
        uint64_t view_version; /* the set of visible generations changed */
        int64_t last_update;
        struct aggregates_counters counters;
        /* The view: visible generations, in source order. */
        struct generation **slots;
        const char **slot_names; /* each slot's source (its name) */
        size_t nslots;
        uint64_t slots_version;
        struct sort_index *indexes[AGG_MAX_INDEXES];
        uint64_t index_used[AGG_MAX_INDEXES]; /* last use, for LRU */
        bool index_wanted[AGG_MAX_INDEXES];   /* a page waits for a job */
        bool index_over[AGG_MAX_INDEXES];     /* did not fit the budget */
        uint64_t index_clock;
        size_t index_budget;    /* bytes for indexes and running jobs */
        size_t job_bytes;       /* held by jobs handed out */
        bool index_deferred;    /* pages never build an index inline */
        uint64_t page_min_rows; /* deferred: oldest index a page may use */
        const char *page_filter_column; /* borrowed; NULL: no filter */
        const char *page_filter_value;
};

/* Role order in roles[] and in the snapshot (aggregates.h). */
#define AGG_ROLE_VALUE    AGGREGATES_ROLE_VALUE
#define AGG_ROLE_CATEGORY AGGREGATES_ROLE_CATEGORY
#define AGG_ROLE_AGE      AGGREGATES_ROLE_AGE
#define AGG_ROLE_LABEL    AGGREGATES_ROLE_LABEL
#define AGG_ROLE_COUNT    AGGREGATES_ROLE_COUNT

/** @brief Refreshes a->slots when the visible generations changed. */
int aggregates_view_slots(struct aggregates *a);

/**
 * @returns whether slot s is in the render's view: every slot, or only the
 *          viewer's source (aggregates_set_viewer_source).
 */
static inline bool aggregates_slot_shown(const struct aggregates *a, size_t s)
{
        return !a->viewer_source ||
               strcmp(a->slot_names[s], a->viewer_source) == 0;
}

/**
 * @brief The merged columns of the view, in first-seen order.
 * @returns the count; *out is malloc'ed (caller frees), NULL when none.
 */
size_t aggregates_view_columns(struct aggregates *a, struct view_column **out);

/** @brief Frees what aggregates_view_columns() returned. */
void aggregates_view_columns_free(struct view_column *cols, size_t n);

/* One category of the merged view (the category role's column). */
struct view_category {
        const char *name; /* borrowed from a generation's strings */
        size_t len;
        uint64_t n;                 /* rows */
        uint64_t value_n;           /* numbers of the value column */
        struct exact sum, min, max; /* of the value column */
        uint64_t age_n;
        struct exact age_sum;
        bool is_unknown; /* a result needed more than EXACT_MAX_DIGITS */
};

/**
 * @brief The categories of the view merged by name, by value sum
 *        descending (then rows, then name).
 * @returns the count; *out is malloc'ed (free it with
 *          aggregates_view_categories_free), NULL when none.
 */
size_t aggregates_view_categories(struct aggregates *a,
                                  const struct view_column *cols,
                                  const int roles[AGG_ROLE_COUNT],
                                  struct view_category **out);
void aggregates_view_categories_free(struct view_category *rows, size_t n);

/**
 * @brief Resolves the four roles over the merged columns.
 *        out[role] is an index into cols, or -1 when no column fits.
 */
void aggregates_resolve_roles(const struct aggregates *a,
                              const struct view_column *cols, size_t ncols,
                              int out[AGG_ROLE_COUNT]);

/** @brief Reads the cell of column `name` in a row reference. */
void aggregates_ref_cell(const struct aggregates *a, aggregates_row_ref ref,
                         const char *name, struct cell *out);

#endif
