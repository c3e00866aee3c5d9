/* SPDX-License-Identifier: MIT */
#ifndef COMMON_KAFKA_CONF_H
#define COMMON_KAFKA_CONF_H

/*
 * librdkafka configuration helpers: one place that turns the settings'
 * properties (file, then -X) into an rd_kafka_conf_t, like kcat's -X.
 */

#include <stdbool.h>
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

/**
 * @brief Applies only the properties about reaching the cluster (security.*,
 *        ssl.*, sasl.*, socket.*, broker.*, client.*, metadata.*, ...): for
 *        a second client of another kind (a producer's consumer) that must
 *        connect the same way but not take the other kind's tuning.
 * @returns 0, or -1 with errstr naming the first bad property.
 */
int kafka_conf_apply_shared(rd_kafka_conf_t *conf, const struct settings *s,
                            char *errstr, size_t errstr_size);

/**
 * @brief Prints every property of conf (global and default topic ones)
 *        with its value, one key=value a line, secrets masked: what -X
 *        list shows. conf stays the caller's.
 */
void kafka_conf_print(rd_kafka_conf_t *conf, const char *program, FILE *out);

/** @brief True for keys whose values must never be logged. */
int kafka_conf_is_secret(const char *key);

/**
 * @brief Routes librdkafka's log lines and errors into common/log (call on
 *        the conf before rd_kafka_new): sets a log callback and an error
 *        callback that calls kafka_conf_log_error(). A caller that sets its
 *        own error callback afterwards calls kafka_conf_log_error() itself.
 *        Warnings and errors are written once per 30 s per distinct text,
 *        with "repeats=N" counting the copies swallowed in between; a
 *        broker failure is written once (by the error callback), not also
 *        as librdkafka's FAIL log line.
 */
void kafka_conf_route_logs(rd_kafka_conf_t *conf);

/**
 * @brief Logs a non-fatal librdkafka error (event=kafka_error), at most
 *        once per interval per distinct error. @locality any thread.
 */
void kafka_conf_log_error(int err, const char *reason);

/**
 * @brief Copies the latest error given to kafka_conf_log_error() ("NAME:
 *        reason") into buf. @returns false when there was none.
 *        @locality any thread.
 */
bool kafka_conf_last_error(char *buf, size_t size);

/**
 * @brief Writes one event=kafka_error_repeated line per error whose
 *        repeats were swallowed during a finished interval. Call it every
 *        few seconds. @locality any thread.
 */
void kafka_conf_flush_logs(void);

#endif
