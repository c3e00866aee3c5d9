/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_LATENCY_H
#define DASHBOARD_CORE_LATENCY_H

/*
 * File-to-dashboard latency: the last LATENCY_WINDOW samples (ms between the
 * producer reading a record and the dashboard applying it) and their
 * percentiles. Pure code: the caller passes both timestamps.
 */

#include <stdint.h>

#define LATENCY_WINDOW 1024

struct latency {
        int64_t samples[LATENCY_WINDOW];
        uint32_t n;    /* samples held, <= LATENCY_WINDOW */
        uint32_t next; /* ring position */
        uint64_t total;
        int64_t last;
};

void latency_add(struct latency *l, int64_t read_ts_ms, int64_t now_ms);

/** @returns the p-th percentile (0..100) of the window, or -1 if empty. */
int64_t latency_percentile(const struct latency *l, unsigned p);

#endif
