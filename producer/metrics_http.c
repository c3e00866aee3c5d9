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
        const struct producer_metrics *m;
};

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

static int on_healthz(struct mg_connection *conn, void *data)
{
        (void)data;
        mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        "Content-Length: 3\r\nConnection: close\r\n\r\nok\n");
        return 200;
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
                                        const struct producer_metrics *m,
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
        mg_set_request_handler(h->ctx, "/healthz$", on_healthz, NULL);
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
