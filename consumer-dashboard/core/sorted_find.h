/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_SORTED_FIND_H
#define DASHBOARD_SORTED_FIND_H

/*
 * Binary search in an array sorted by cmp, for the tables the core keeps
 * in key order (sources, producer status entries, tracked generations).
 */

#include <stdbool.h>
#include <stddef.h>

/**
 * @brief The index of the element that cmp(element, key) says equals key
 *        (*found true), or the index where key would be inserted to keep
 *        the order (*found false).
 */
static inline size_t sorted_find(const void *base, size_t n, size_t size,
                                 const void *key,
                                 int (*cmp)(const void *elem, const void *key),
                                 bool *found)
{
        size_t lo = 0, hi = n;

        *found = false;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c      = cmp((const char *)base + mid * size, key);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0) {
                        lo = mid + 1;
                } else {
                        hi = mid;
                }
        }
        return lo;
}

#endif
