/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_METRICS_HTTP_H
#define PRODUCER_METRICS_HTTP_H

/*
 * Counters and the optional HTTP endpoint (civetweb shell):
 * GET /metrics (Prometheus text) and GET /healthz.
 *
 * Threads: the loop thread writes the counters; civetweb's worker threads
 * read them. They are atomics, so no lock is needed.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Columns whose values-as-text count is listed; more are only in the
 * total (a bound on the memory a file with thousands of columns costs). */
#define PRODUCER_METRICS_MAX_COLUMNS 1024

/* Values of one column of one source sent as text (they did not fit the
 * column's type). */
struct producer_column_count {
        char *source;
        char *column;
        uint64_t count;
};

struct producer_metrics {
        _Atomic uint64_t records_read;  /* records parsed, good or bad */
        _Atomic uint64_t rows_sent;     /* rows handed to librdkafka */
        _Atomic uint64_t rows_acked;    /* rows acknowledged by Kafka */
        _Atomic uint64_t rows_rejected; /* records sent to the DLQ */
        _Atomic uint64_t bytes_read;
        _Atomic uint64_t bytes_pending; /* payload bytes not yet acked */
        _Atomic uint64_t messages_pending;
        _Atomic uint64_t generation;
        _Atomic uint64_t generations_started;
        _Atomic uint64_t checkpoint_offset;
        _Atomic uint64_t file_offset; /* bytes read of the current file */
        _Atomic uint64_t delivery_failures;
        _Atomic uint64_t oldest_unacked_age_ms; /* 0: nothing pending */
        _Atomic uint64_t held_bytes; /* read, not yet a whole record */
        _Atomic uint64_t degraded;   /* 1 while /healthz answers 503 */

        /* Why the producer is degraded ("" when healthy), for /healthz. */
        pthread_mutex_t health_lock;
        char health_reason[1024];
        _Atomic uint64_t values_as_text;  /* values not fitting their column */
        _Atomic uint64_t open_quote_line; /* line of a held open quote, 0 */
        _Atomic uint64_t headers_like_rows; /* event=header_looks_like_row */

        /* Per column values_as_text, under columns_lock (written by the
         * loop thread, read by civetweb's). */
        pthread_mutex_t columns_lock;
        struct producer_column_count *columns;
        size_t columns_len;
        size_t columns_cap;
};

/** @brief Zeroes m and prepares its lock (before any thread uses it). */
void producer_metrics_init(struct producer_metrics *m);
void producer_metrics_finish(struct producer_metrics *m);

/**
 * @brief Counts one value of column of source sent as text (also in
 *        values_as_text). @locks columns_lock. @locality loop thread.
 */
void producer_metrics_value_as_text(struct producer_metrics *m,
                                    const char *source, const char *column);

/** @brief Sets the degraded reason ("" or NULL: healthy). @locality any. */
void producer_metrics_set_health(struct producer_metrics *m,
                                 const char *reason);

struct metrics_http;

/**
 * @brief Serves m on listen ("127.0.0.1:9464" or a port). m is borrowed.
 * @returns NULL with errstr filled on failure.
 */
struct metrics_http *metrics_http_start(const char *listen,
                                        struct producer_metrics *m,
                                        char *errstr, size_t errstr_size);
void metrics_http_stop(struct metrics_http *h);

#endif
