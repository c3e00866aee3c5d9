/* SPDX-License-Identifier: MIT */
#include "common/kafka_conf.h"

#include <string.h>

#include "common/log.h"

int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                   char *errstr, size_t errstr_size)
{
        char rd_err[256];

        if (rd_kafka_conf_set(conf, key, value, rd_err, sizeof(rd_err)) !=
            RD_KAFKA_CONF_OK) {
                snprintf(errstr, errstr_size, "-X %s: %s", key, rd_err);
                return -1;
        }
        return 0;
}

int kafka_conf_apply(rd_kafka_conf_t *conf, const struct settings *s,
                     char *errstr, size_t errstr_size)
{
        for (size_t i = 0; i < settings_kafka_count(s); i++) {
                if (kafka_conf_set(conf, settings_kafka_key(s, i),
                                   settings_kafka_value(s, i), errstr,
                                   errstr_size) != 0) {
                        return -1;
                }
        }
        return 0;
}

void kafka_conf_list(FILE *out)
{
        rd_kafka_conf_properties_show(out);
}

int kafka_conf_is_secret(const char *key)
{
        return strstr(key, "password") || strstr(key, "secret") ||
               strstr(key, "sasl.oauthbearer.config");
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
        /* syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug. */
        enum log_level l = level <= 3   ? LOG_LEVEL_ERROR
                           : level == 4 ? LOG_LEVEL_WARN
                           : level <= 6 ? LOG_LEVEL_INFO
                                        : LOG_LEVEL_DEBUG;

        (void)rk;
        LOG_AT(l, "event=rdkafka facility=%s msg=\"%s\"", fac, buf);
}

void kafka_conf_route_logs(rd_kafka_conf_t *conf)
{
        rd_kafka_conf_set_log_cb(conf, log_cb);
}
