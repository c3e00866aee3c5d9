/* SPDX-License-Identifier: MIT */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

/*
 * One logger for both services. Each call writes exactly one line to stderr:
 *
 *   2026-11-28T10:00:00.123Z level=info module=producer event=... key=value
 *
 * Thread-safe: librdkafka and civetweb call in from their own threads.
 * The level is checked before any formatting.
 */

#include <stdarg.h>

enum log_level {
        LOG_LEVEL_ERROR = 0,
        LOG_LEVEL_WARN,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

/** @brief Sets the most verbose level written (default: info). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/** @brief Parses "error", "warn", "info" or "debug". @returns 0 or -1. */
int log_level_parse(const char *name, enum log_level *out);

/** @brief Names the module shown in every line (default: the program). */
void log_set_module(const char *module);

void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vwrite(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define LOG_AT(level, ...)                                                     \
        do {                                                                   \
                if ((level) <= log_get_level()) {                              \
                        log_write((level), __VA_ARGS__);                       \
                }                                                              \
        } while (0)

#define log_error(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
