/* SPDX-License-Identifier: MIT */
#ifndef COMMON_PROM_H
#define COMMON_PROM_H

/*
 * The one Prometheus text writer of both services (text exposition format
 * 0.0.4): a table of metrics in, "# HELP", "# TYPE" and sample lines out.
 *
 * Pure code: no I/O, no locks.
 */

#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

enum prom_type {
        PROM_COUNTER,
        PROM_GAUGE,
};

struct prom_metric {
        const char *name;
        enum prom_type type;
        const char *help;
        int64_t value;
};

/** @brief Appends every metric of the table. @returns 0 or -1 (memory). */
int prom_write(struct wire_buf *out, const struct prom_metric *metrics,
               size_t n);

/* One labeled sample of a metric family, e.g. {source="a.csv",column="v"}. */
struct prom_label {
        const char *name;
        const char *value; /* any text: escaped when written */
};
struct prom_sample {
        const struct prom_label *labels;
        size_t n_labels;
        int64_t value;
};

/**
 * @brief Appends a metric family whose samples carry labels (HELP and TYPE
 *        even when there is no sample). @returns 0 or -1 (memory).
 */
int prom_write_samples(struct wire_buf *out, const char *name,
                       enum prom_type type, const char *help,
                       const struct prom_sample *samples, size_t n);

/* One quantile of a summary. */
struct prom_quantile {
        const char *quantile; /* "0.5" */
        int64_t value;
};

/** @brief Appends a summary with its quantiles and count. @returns 0/-1. */
int prom_write_summary(struct wire_buf *out, const char *name, const char *help,
                       const struct prom_quantile *q, size_t nq,
                       uint64_t count);

#endif
