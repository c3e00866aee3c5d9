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

/* A label value as the text format wants it: \\, \" and \n escaped. */
static int write_label_value(struct wire_buf *out, const char *v)
{
        int rc = 0;

        for (; *v; v++) {
                if (*v == '\\' || *v == '"') {
                        rc |= wire_buf_printf(out, "\\%c", *v);
                } else if (*v == '\n') {
                        rc |= wire_buf_printf(out, "\\n");
                } else {
                        rc |= wire_buf_append(out, v, 1);
                }
        }
        return rc ? -1 : 0;
}

int prom_write_samples(struct wire_buf *out, const char *name,
                       enum prom_type type, const char *help,
                       const struct prom_sample *samples, size_t n)
{
        int rc = wire_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name,
                                 help, name, type_name(type));

        for (size_t i = 0; i < n; i++) {
                const struct prom_sample *s = &samples[i];
                rc |= wire_buf_printf(out, "%s{", name);
                for (size_t k = 0; k < s->n_labels; k++) {
                        rc |= wire_buf_printf(out, "%s%s=\"", k ? "," : "",
                                              s->labels[k].name);
                        rc |= write_label_value(out, s->labels[k].value);
                        rc |= wire_buf_append(out, "\"", 1);
                }
                rc |= wire_buf_printf(out, "} %" PRId64 "\n", s->value);
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
