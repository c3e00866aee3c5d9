/* SPDX-License-Identifier: MIT */
#ifndef COMMON_LOG_DEDUP_H
#define COMMON_LOG_DEDUP_H

/*
 * Repeat suppression for log lines (pure: no I/O, no locks, time is a
 * parameter). Each distinct key is let through once per interval; the
 * repeats seen meanwhile are counted and handed back with the next line
 * let through, or by log_dedup_flush() once the interval is over, so a
 * burst of identical errors costs one line plus one summary line.
 *
 * Not thread-safe: the caller serialises calls (kafka_conf.c holds a
 * mutex around it, because librdkafka logs from its own threads).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_DEDUP_KEY_MAX 256 /* longer keys are compared on this prefix */

struct log_dedup;

/** @brief interval_ms: how long a key stays quiet after a line.
 *  @returns the table (caller owns) or NULL when out of memory. */
struct log_dedup *log_dedup_create(uint64_t interval_ms);
void log_dedup_destroy(struct log_dedup *d);

/**
 * @brief Notes one occurrence of key at now_ms.
 * @returns true when the line must be written now; then *repeats is the
 *          number of occurrences swallowed since the key's previous line.
 */
bool log_dedup_note(struct log_dedup *d, const char *key, uint64_t now_ms,
                    uint64_t *repeats);

/** Called by log_dedup_flush for each key whose swallowed repeats are due:
 *  key is valid only during the call. */
typedef void (*log_dedup_flush_cb)(void *ctx, const char *key,
                                   uint64_t repeats);

/** @brief Reports keys whose interval is over and which swallowed repeats
 *         (then starts their next interval). */
void log_dedup_flush(struct log_dedup *d, uint64_t now_ms,
                     log_dedup_flush_cb cb, void *ctx);

/**
 * @brief Writes into out (size bytes) the part of a librdkafka error
 *        text that names the error, without what changes between two
 *        occurrences of it (the "(after 12ms in state CONNECT)" tail).
 */
void log_dedup_normalize(const char *text, char *out, size_t size);

#endif
