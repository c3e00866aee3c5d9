/* SPDX-License-Identifier: MIT */
#include "common/prom.h"

#include <inttypes.h>

static const char *type_name(enum prom_type t)
{
        return t == PROM_COUNTER ? "counter" : "gauge";
}

int prom_write(struct wire_buf *out, const struct prom_metric *metrics,
               size_t n)
{
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                const struct prom_metric *m = &metrics[i];
                rc |= wire_buf_printf(
                    out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRId64 "\n",
                    m->name, m->help, m->name, type_name(m->type), m->name,
                    m->value);
        }
        return rc ? -1 : 0;
}

int prom_write_summary(struct wire_buf *out, const char *name, const char *help,
                       const struct prom_quantile *q, size_t nq, uint64_t count)
{
        int rc = wire_buf_printf(out, "# HELP %s %s\n# TYPE %s summary\n", name,
                                 help, name);
        for (size_t i = 0; i < nq; i++) {
                rc |= wire_buf_printf(out, "%s{quantile=\"%s\"} %" PRId64 "\n",
                                      name, q[i].quantile, q[i].value);
        }
        rc |= wire_buf_printf(out, "%s_count %" PRIu64 "\n", name, count);
        return rc ? -1 : 0;
}
