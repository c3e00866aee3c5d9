/* SPDX-License-Identifier: MIT */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prom.h"

struct metrics_http {
        struct mg_context *ctx;
        struct producer_metrics *m;
};

void producer_metrics_init(struct producer_metrics *m)
{
        memset(m, 0, sizeof(*m));
        pthread_mutex_init(&m->health_lock, NULL);
        pthread_mutex_init(&m->columns_lock, NULL);
}

void producer_metrics_finish(struct producer_metrics *m)
{
        for (size_t i = 0; i < m->columns_len; i++) {
                free(m->columns[i].source);
                free(m->columns[i].column);
        }
        free(m->columns);
        m->columns     = NULL;
        m->columns_len = 0;
        pthread_mutex_destroy(&m->columns_lock);
        pthread_mutex_destroy(&m->health_lock);
}

/* The entry of (source, column), added when missing; NULL when the table
 * is full or memory is short. Called with columns_lock held. */
static struct producer_column_count *
column_entry(struct producer_metrics *m, const char *source, const char *column)
{
        struct producer_column_count *c;

        for (size_t i = 0; i < m->columns_len; i++) {
                c = &m->columns[i];
                if (strcmp(c->column, column) == 0 &&
                    strcmp(c->source, source) == 0) {
                        return c;
                }
        }
        if (m->columns_len == PRODUCER_METRICS_MAX_COLUMNS) {
                return NULL;
        }
        if (m->columns_len == m->columns_cap) {
                size_t cap = m->columns_cap ? 2 * m->columns_cap : 16;
                c          = realloc(m->columns, cap * sizeof(*c));
                if (!c) {
                        return NULL;
                }
                m->columns     = c;
                m->columns_cap = cap;
        }
        c         = &m->columns[m->columns_len];
        c->source = strdup(source);
        c->column = strdup(column);
        c->count  = 0;
        if (!c->source || !c->column) {
                free(c->source);
                free(c->column);
                return NULL;
        }
        m->columns_len++;
        return c;
}

void producer_metrics_value_as_text(struct producer_metrics *m,
                                    const char *source, const char *column)
{
        struct producer_column_count *c;

        m->values_as_text++;
        pthread_mutex_lock(&m->columns_lock);
        c = column_entry(m, source, column);
        if (c) {
                c->count++;
        }
        pthread_mutex_unlock(&m->columns_lock);
}

/* Appends csv_producer_column_values_as_text_total, one sample per
 * column. @locks columns_lock. */
static int write_column_counts(struct wire_buf *b, struct producer_metrics *m)
{
        struct prom_label *labels;
        struct prom_sample *samples;
        int rc;

        pthread_mutex_lock(&m->columns_lock);
        labels  = calloc(2 * m->columns_len + 1, sizeof(*labels));
        samples = calloc(m->columns_len + 1, sizeof(*samples));
        rc      = labels && samples ? 0 : -1;
        for (size_t i = 0; rc == 0 && i < m->columns_len; i++) {
                labels[2 * i] =
                    (struct prom_label){"source", m->columns[i].source};
                labels[2 * i + 1] =
                    (struct prom_label){"column", m->columns[i].column};
                samples[i] = (struct prom_sample){&labels[2 * i], 2,
                                                  (int64_t)m->columns[i].count};
        }
        if (rc == 0) {
                rc = prom_write_samples(
                    b, "csv_producer_column_values_as_text_total", PROM_COUNTER,
                    "Values of a typed column sent as text, per source and "
                    "column",
                    samples, m->columns_len);
        }
        pthread_mutex_unlock(&m->columns_lock);
        free(labels);
        free(samples);
        return rc;
}

void producer_metrics_set_health(struct producer_metrics *m, const char *reason)
{
        pthread_mutex_lock(&m->health_lock);
        snprintf(m->health_reason, sizeof(m->health_reason), "%s",
                 reason ? reason : "");
        m->degraded = m->health_reason[0] != '\0';
        pthread_mutex_unlock(&m->health_lock);
}

static int on_metrics(struct mg_connection *conn, void *data)
{
        struct producer_metrics *m      = data;
        const struct prom_metric rows[] = {
            {"csv_producer_records_read_total", PROM_COUNTER,
             "CSV records parsed (good and bad)", (int64_t)m->records_read},
            {"csv_producer_rows_sent_total", PROM_COUNTER,
             "Rows handed to Kafka", (int64_t)m->rows_sent},
            {"csv_producer_rows_acked_total", PROM_COUNTER,
             "Rows acknowledged by Kafka", (int64_t)m->rows_acked},
            {"csv_producer_records_rejected_total", PROM_COUNTER,
             "Bad records sent to the dead-letter topic",
             (int64_t)m->rows_rejected},
            {"csv_producer_bytes_read_total", PROM_COUNTER,
             "Bytes read from the file", (int64_t)m->bytes_read},
            {"csv_producer_bytes_pending", PROM_GAUGE,
             "Payload bytes waiting for acknowledgement",
             (int64_t)m->bytes_pending},
            {"csv_producer_messages_pending", PROM_GAUGE,
             "Messages waiting for acknowledgement",
             (int64_t)m->messages_pending},
            {"csv_producer_generation", PROM_GAUGE, "Current generation number",
             (int64_t)m->generation},
            {"csv_producer_generations_started_total", PROM_COUNTER,
             "Generations started (rewrites seen)",
             (int64_t)m->generations_started},
            {"csv_producer_checkpoint_offset_bytes", PROM_GAUGE,
             "File offset saved in the state file",
             (int64_t)m->checkpoint_offset},
            {"csv_producer_file_offset_bytes", PROM_GAUGE,
             "File offset read so far", (int64_t)m->file_offset},
            {"csv_producer_delivery_failures_total", PROM_COUNTER,
             "Messages that failed permanently (then resent)",
             (int64_t)m->delivery_failures},
            {"csv_producer_oldest_unacked_age_ms", PROM_GAUGE,
             "Age of the oldest message without acknowledgement (0: none)",
             (int64_t)m->oldest_unacked_age_ms},
            {"csv_producer_held_bytes", PROM_GAUGE,
             "Bytes read but not yet part of a whole record",
             (int64_t)m->held_bytes},
            {"csv_producer_degraded", PROM_GAUGE,
             "1 while /healthz answers 503 (see its reason)",
             (int64_t)m->degraded},
            {"csv_producer_values_as_text_total", PROM_COUNTER,
             "Values sent as text because they do not fit their column",
             (int64_t)m->values_as_text},
            {"csv_producer_headers_like_rows_total", PROM_COUNTER,
             "New files whose header looks like a row (no header line? "
             "see --columns)",
             (int64_t)m->headers_like_rows},
            {"csv_producer_open_quote_line", PROM_GAUGE,
             "Line of a quoted field held open at the end of the file (0: "
             "none)",
             (int64_t)m->open_quote_line},
        };
        struct wire_buf b = {0};
        /* No memory: a shorter answer, retried by the next scrape. */
        (void)prom_write(&b, rows, sizeof(rows) / sizeof(rows[0]));
        (void)write_column_counts(&b, m);
        size_t n = b.len;
        mg_printf(conn,
                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
                  "version=0.0.4\r\nContent-Length: %zu\r\nConnection: "
                  "close\r\n\r\n",
                  n);
        mg_write(conn, b.data ? b.data : "", n);
        wire_buf_finish(&b);
        return 200;
}

/* Writes s as the inside of a JSON string (quotes, backslashes and
 * control characters escaped). */
static size_t json_escape(const char *s, char *out, size_t size)
{
        size_t n = 0;

        for (; *s && n + 7 < size; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\') {
                        out[n++] = '\\';
                        out[n++] = (char)c;
                } else if (c < 0x20) {
                        n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
                } else {
                        out[n++] = (char)c;
                }
        }
        out[n] = '\0';
        return n;
}

static int on_healthz(struct mg_connection *conn, void *data)
{
        struct producer_metrics *m = data;
        char reason[sizeof(m->health_reason)];
        char escaped[2 * sizeof(m->health_reason) + 8];
        char body[sizeof(escaped) + 64];
        int n;

        pthread_mutex_lock(&m->health_lock);
        memcpy(reason, m->health_reason, sizeof(reason));
        pthread_mutex_unlock(&m->health_lock);
        if (reason[0]) {
                json_escape(reason, escaped, sizeof(escaped));
                n = snprintf(body, sizeof(body),
                             "{\"status\":\"degraded\",\"reason\":\"%s\"}\n",
                             escaped);
        } else {
                n = snprintf(body, sizeof(body), "{\"status\":\"ok\"}\n");
        }
        mg_printf(conn,
                  "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\nConnection: close\r\n\r\n",
                  reason[0] ? "503 Service Unavailable" : "200 OK", n);
        mg_write(conn, body, (size_t)n);
        return reason[0] ? 503 : 200;
}

/* Why listen cannot be bound: civetweb only says "Failed to setup server
 * ports". Tries the same bind itself and returns strerror of the failure. */
static const char *bind_error(const char *listen)
{
        const char *colon = strrchr(listen, ':');
        char host[64]     = "0.0.0.0";
        struct sockaddr_in sa;
        const char *why = NULL;
        int fd, one = 1;

        if (colon && (size_t)(colon - listen) < sizeof(host)) {
                memcpy(host, listen, (size_t)(colon - listen));
                host[colon - listen] = '\0';
        }
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port   = htons((uint16_t)atoi(colon ? colon + 1 : listen));
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
                return "not an IPv4 HOST:PORT";
        }
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                return strerror(errno);
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
                why = strerror(errno);
        }
        close(fd);
        return why;
}

struct metrics_http *metrics_http_start(const char *listen,
                                        struct producer_metrics *m,
                                        char *errstr, size_t errstr_size)
{
        struct metrics_http *h = calloc(1, sizeof(*h));
        const char *options[]  = {"listening_ports", listen, "num_threads", "2",
                                  NULL};
        struct mg_callbacks cbs;
        struct mg_init_data init   = {&cbs, NULL, options};
        char why[256]              = "";
        unsigned code              = 0;
        struct mg_error_data error = {&code, why, sizeof(why)};

        if (!h) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        memset(&cbs, 0, sizeof(cbs));
        mg_init_library(0);
        h->m   = m;
        h->ctx = mg_start2(&init, &error);
        if (!h->ctx) {
                const char *cause = bind_error(listen);
                snprintf(errstr, errstr_size,
                         "--metrics-listen %s: cannot listen there: %s", listen,
                         cause    ? cause
                         : why[0] ? why
                                  : "unknown error");
                mg_exit_library();
                free(h);
                return NULL;
        }
        mg_set_request_handler(h->ctx, "/metrics$", on_metrics, (void *)m);
        mg_set_request_handler(h->ctx, "/healthz$", on_healthz, m);
        return h;
}

void metrics_http_stop(struct metrics_http *h)
{
        if (!h) {
                return;
        }
        mg_stop(h->ctx);
        mg_exit_library();
        free(h);
}
