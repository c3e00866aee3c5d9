/* SPDX-License-Identifier: MIT */
/* Unit tests of the one Prometheus text writer (common/prom.c). */
#include <string.h>

#include "check.h"
#include "common/prom.h"

int main(void)
{
        struct wire_buf b              = {0};
        const struct prom_metric m[]   = {{"x_total", PROM_COUNTER, "Xs", 3},
                                          {"lag", PROM_GAUGE, "Behind", -1}};
        const struct prom_quantile q[] = {{"0.5", 7}, {"0.99", 12}};
        CHECK_EQ_INT(prom_write(&b, m, 2), 0);
        CHECK_EQ_INT(prom_write_summary(&b, "lat_ms", "Latency", q, 2, 40), 0);
        wire_buf_append(&b, "", 1);
        CHECK_EQ_STR(b.data, "# HELP x_total Xs\n# TYPE x_total counter\n"
                             "x_total 3\n"
                             "# HELP lag Behind\n# TYPE lag gauge\nlag -1\n"
                             "# HELP lat_ms Latency\n# TYPE lat_ms summary\n"
                             "lat_ms{quantile=\"0.5\"} 7\n"
                             "lat_ms{quantile=\"0.99\"} 12\n"
                             "lat_ms_count 40\n");
        wire_buf_finish(&b);

        /* Labeled samples: label values escaped as the format wants. */
        const struct prom_label l1[] = {{"source", "a.csv"}, {"column", "v"}};
        const struct prom_label l2[] = {{"source", "dir\\\"x\"\n.csv"},
                                        {"column", "total, R$"}};
        const struct prom_sample s[] = {{l1, 2, 3}, {l2, 2, 0}};
        memset(&b, 0, sizeof(b));
        CHECK_EQ_INT(
            prom_write_samples(&b, "t_total", PROM_COUNTER, "Ts", s, 2), 0);
        CHECK_EQ_INT(prom_write_samples(&b, "none", PROM_GAUGE, "No", NULL, 0),
                     0);
        wire_buf_append(&b, "", 1);
        CHECK_EQ_STR(b.data, "# HELP t_total Ts\n# TYPE t_total counter\n"
                             "t_total{source=\"a.csv\",column=\"v\"} 3\n"
                             "t_total{source=\"dir\\\\\\\"x\\\"\\n.csv\","
                             "column=\"total, R$\"} 0\n"
                             "# HELP none No\n# TYPE none gauge\n");
        wire_buf_finish(&b);
        return check_exit();
}
