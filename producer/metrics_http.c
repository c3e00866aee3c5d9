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
}

void producer_metrics_finish(struct producer_metrics *m)
{
        pthread_mutex_destroy(&m->health_lock);
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
        const struct producer_metrics *m = data;
        const struct prom_metric rows[]  = {
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
             {"csv_producer_open_quote_line", PROM_GAUGE,
              "Line of a quoted field held open at the end of the file (0: "
               "none)",
              (int64_t)m->open_quote_line},
        };
        struct wire_buf b = {0};
        (void)prom_write(&b, rows, sizeof(rows) / sizeof(rows[0])); /* no
                                        memory: an empty answer, retried */
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
