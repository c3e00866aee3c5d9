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

#define METRICS_BODY_MAX 4096

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
        char body[METRICS_BODY_MAX];
        const struct {
                const char *name;
                const char *type;
                const char *help;
                uint64_t v;
        } rows[] = {
            {"csv_producer_records_read_total", "counter",
             "CSV records parsed (good and bad)", m->records_read},
            {"csv_producer_rows_sent_total", "counter", "Rows handed to Kafka",
             m->rows_sent},
            {"csv_producer_rows_acked_total", "counter",
             "Rows acknowledged by Kafka", m->rows_acked},
            {"csv_producer_records_rejected_total", "counter",
             "Bad records sent to the dead-letter topic", m->rows_rejected},
            {"csv_producer_bytes_read_total", "counter",
             "Bytes read from the file", m->bytes_read},
            {"csv_producer_bytes_pending", "gauge",
             "Payload bytes waiting for acknowledgement", m->bytes_pending},
            {"csv_producer_messages_pending", "gauge",
             "Messages waiting for acknowledgement", m->messages_pending},
            {"csv_producer_generation", "gauge", "Current generation number",
             m->generation},
            {"csv_producer_generations_started_total", "counter",
             "Generations started (rewrites seen)", m->generations_started},
            {"csv_producer_checkpoint_offset_bytes", "gauge",
             "File offset saved in the state file", m->checkpoint_offset},
            {"csv_producer_file_offset_bytes", "gauge",
             "File offset read so far", m->file_offset},
            {"csv_producer_delivery_failures_total", "counter",
             "Messages that failed permanently (then resent)",
             m->delivery_failures},
            {"csv_producer_oldest_unacked_age_ms", "gauge",
             "Age of the oldest message without acknowledgement (0: none)",
             m->oldest_unacked_age_ms},
            {"csv_producer_held_bytes", "gauge",
             "Bytes read but not yet part of a whole record", m->held_bytes},
            {"csv_producer_degraded", "gauge",
             "1 while /healthz answers 503 (see its reason)", m->degraded},
            {"csv_producer_values_as_text_total", "counter",
             "Values sent as text because they do not fit their column",
             m->values_as_text},
            {"csv_producer_open_quote_line", "gauge",
             "Line of a quoted field held open at the end of the file (0: "
             "none)",
             m->open_quote_line},
        };
        size_t n = 0;

        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                int r = snprintf(body + n, sizeof(body) - n,
                                 "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n",
                                 rows[i].name, rows[i].help, rows[i].name,
                                 rows[i].type, rows[i].name, rows[i].v);
                if (r < 0 || (size_t)r >= sizeof(body) - n) {
                        break;
                }
                n += (size_t)r;
        }
        mg_printf(conn,
                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
                  "version=0.0.4\r\nContent-Length: %zu\r\nConnection: "
                  "close\r\n\r\n",
                  n);
        mg_write(conn, body, n);
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
