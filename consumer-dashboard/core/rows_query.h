/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_ROWS_QUERY_H
#define DASHBOARD_CORE_ROWS_QUERY_H

/*
 * The query string of the rows and export endpoints (docs/api.md). Pure
 * code: no I/O, no state.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A request for rows, parsed from a query string. */
struct rows_query {
        char sort[128];   /* "" = the value column */
        char filter[128]; /* rows of this category only (filter_given) */
        bool filter_given;
        bool desc;
        bool order_given;
        uint64_t page; /* 1-based */
        uint64_t size;
};

#define ROWS_PAGE_SIZE_DEFAULT 50
#define ROWS_PAGE_SIZE_MAX     1000

/**
 * @brief Parses "page=2&size=50&sort=valor&order=desc&filter=Recife"
 *        (URL-encoded; every
 *        key optional; unknown keys are errors). The role keys (value,
 *        category, age, label) and source are accepted and left to the
 *        caller (the viewer's roles and source). qs may be NULL.
 *        allow_paging false: only sort and order are accepted (export).
 * @returns 0, or -1 with errstr saying what is wrong.
 */
int rows_query_parse(const char *qs, bool allow_paging, struct rows_query *q,
                     char *errstr, size_t errstr_size);

#endif
