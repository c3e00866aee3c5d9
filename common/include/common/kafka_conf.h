/* SPDX-License-Identifier: MIT */
#ifndef COMMON_KAFKA_CONF_H
#define COMMON_KAFKA_CONF_H

/*
 * librdkafka configuration helpers: one place that turns the settings'
 * properties (file, then -X) into an rd_kafka_conf_t, like kcat's -X.
 */

#include <stddef.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "common/settings.h"

/**
 * @brief Sets one property. @returns 0, or -1 with errstr naming it.
 */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                   char *errstr, size_t errstr_size);

/**
 * @brief Applies every librdkafka property the settings carry, in order.
 * @returns 0, or -1 with errstr naming the first bad property.
 */
int kafka_conf_apply(rd_kafka_conf_t *conf, const struct settings *s,
                     char *errstr, size_t errstr_size);

/** @brief Prints every librdkafka property (for -X list). */
void kafka_conf_list(FILE *out);

/** @brief True for keys whose values must never be logged. */
int kafka_conf_is_secret(const char *key);

/**
 * @brief Routes librdkafka's log lines into common/log (call on the conf
 *        before rd_kafka_new).
 */
void kafka_conf_route_logs(rd_kafka_conf_t *conf);

#endif
