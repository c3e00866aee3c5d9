/* SPDX-License-Identifier: MIT */
#include "latency.h"

#include <stdlib.h>
#include <string.h>

void latency_add(struct latency *l, int64_t read_ts_ms, int64_t now_ms)
{
        int64_t d = now_ms - read_ts_ms;
        if (d < 0) {
                d = 0; /* clocks of two hosts may disagree a little */
        }
        l->samples[l->next] = d;
        l->next             = (l->next + 1) % LATENCY_WINDOW;
        if (l->n < LATENCY_WINDOW) {
                l->n++;
        }
        l->total++;
        l->last = d;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

int64_t latency_percentile(const struct latency *l, unsigned p)
{
        if (l->n == 0) {
                return -1;
        }
        int64_t sorted[LATENCY_WINDOW];
        memcpy(sorted, l->samples, l->n * sizeof(sorted[0]));
        qsort(sorted, l->n, sizeof(sorted[0]), cmp_i64);
        size_t i = (size_t)((uint64_t)p * (l->n - 1) / 100);
        return sorted[i];
}
