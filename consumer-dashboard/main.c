/* SPDX-License-Identifier: MIT */
/*
 * consumer-dashboard: replays a Kafka topic written by csv-producer into
 * exact in-memory aggregates and serves them as a live web dashboard.
 *
 * Threading model (threads meet in two places: snapshot_hub.c, under its
 * one mutex, and message_pipe.c, under its own, between the fetch thread
 * and the Kafka thread only):
 *
 *   - main thread: parses settings, creates the hub, the Kafka source and
 *     the web server in that order, then waits for SIGINT/SIGTERM with
 *     sigwait() (signals are blocked in every thread) and tears down in
 *     reverse order.
 *   - fetch thread (kafka_fetch.c): polls the consumer, has librdkafka
 *     parse each message's headers and hands the messages over in batches
 *     through the message pipe (message_pipe.h: a bounded ring, one lock
 *     per batch, order kept); it frees the messages of applied batches.
 *   - Kafka thread (kafka_source.c): the only thread that touches the
 *     aggregates. It applies messages, renders the snapshot JSON at most
 *     ten times a second and publishes it to the hub, and answers the
 *     requests (paged rows, categories, CSV chunks, a viewer's snapshot)
 *     that web threads queue in the hub, between two message batches
 *     (query_service.c). It never sorts and never waits for the broker:
 *   - sort thread (query_service.c): sorts the keys the Kafka thread
 *     copied out for a table index (sort_index.h) and hands the result
 *     back; a request whose index is behind waits aside meanwhile.
 *   - metadata thread (metadata_watch.c): asks the broker for partition
 *     counts and watermarks; the Kafka thread reads its latest answer.
 *   - civetweb worker threads (web_server.c): serve HTTP. They read the
 *     published snapshot (a reference-counted immutable string) or queue a
 *     request in the hub and wait for the Kafka thread's answer.
 *   - pusher threads (web_server.c): write the latest snapshot to WebSocket
 *     viewers whose last one is stale. Each viewer holds at most one
 *     pending snapshot (the latest), so a slow viewer is skipped ahead and
 *     never slows ingestion.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/allocator.h"
#include "common/kafka_conf.h"
#include "common/log.h"
#include "common/settings.h"
#include "kafka_source.h"
#include "snapshot_hub.h"
#include "tls_support.h"
#include "web_server.h"

#define ERRSTR_LEN            512
#define EXIT_USAGE            2
#define MAX_CONNECTIONS_LIMIT 20000
#define INDEX_MEMORY_MAX_MB   (1024 * 1024)
#define BYTES_PER_MB          (1024 * 1024)

static const struct settings_option options[] = {
    {"brokers", 'b', "KAFKA_BROKERS", "HOST:PORT,...", "127.0.0.1:9092",
     "Kafka bootstrap servers"},
    {"topic", 't', "KAFKA_TOPIC", "TOPIC", "csv-data",
     "topic the producer writes"},
    {"dlq-topic", 0, "DASHBOARD_DLQ_TOPIC", "TOPIC", NULL,
     "dead-letter topic for the data-quality panel (default <topic>.dlq)"},
    {"listen", 0, "DASHBOARD_LISTEN", "HOST:PORT", "127.0.0.1:8080",
     "address of the web server"},
    {"value-column", 0, "DASHBOARD_VALUE_COLUMN", "NAME", NULL,
     "value column (default: 'valor', else the first decimal column)"},
    {"category-column", 0, "DASHBOARD_CATEGORY_COLUMN", "NAME", NULL,
     "category column (default: 'cidade', else a low-cardinality text "
     "column)"},
    {"age-column", 0, "DASHBOARD_AGE_COLUMN", "NAME", NULL,
     "age column (default: 'idade', else an integer column)"},
    {"label-column", 0, "DASHBOARD_LABEL_COLUMN", "NAME", NULL,
     "label column for hovers (default: 'nome', else a text column)"},
    {"auth", 0, "DASHBOARD_AUTH", "USER:PASSWORD", NULL,
     "require HTTP Basic authentication"},
    {"tls-cert", 0, "DASHBOARD_TLS_CERT", "FILE", NULL,
     "serve HTTPS with this PEM file (private key and certificate)"},
    {"allowed-origin", 0, "DASHBOARD_ALLOWED_ORIGIN", "ORIGIN", NULL,
     "extra Origin allowed to open the WebSocket (same origin always is)"},
    {"max-connections", 0, "DASHBOARD_MAX_CONNECTIONS", "N", "1100",
     "concurrent connections (WebSocket viewers included)"},
    {"index-memory", 0, "DASHBOARD_INDEX_MEMORY", "MB", "512",
     "memory for the table's sort indexes; the least recently used go "
     "first"},
    {"status-topic", 0, "DASHBOARD_STATUS_TOPIC", "TOPIC", NULL,
     "the producers' status topic (default <topic>.status)"},
    {"log-level", 0, "LOG_LEVEL", "LEVEL", "info",
     "error, warn, info or debug"},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

static const char usage[] =
    "Usage: consumer-dashboard [OPTIONS]\n"
    "Replays a csv-producer topic and serves a live dashboard.";

/* Unset or empty means "not given". */
static const char *opt(const struct settings *s, const char *name)
{
        const char *v = settings_get(s, name);
        return v && *v ? v : NULL;
}

static int check_listen(const char *listen, char *errstr, size_t size)
{
        const char *colon = strrchr(listen, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || colon == listen || !colon[1] || *end || port < 1 ||
            port > 65535) {
                snprintf(errstr, size,
                         "--listen: '%s' is not HOST:PORT with a port in "
                         "1..65535",
                         listen);
                return -1;
        }
        return 0;
}

static int check_auth(const char *auth, char *errstr, size_t size)
{
        if (auth && (!strchr(auth, ':') || auth[0] == ':')) {
                snprintf(errstr, size, "--auth: expected USER:PASSWORD");
                return -1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        char errstr[ERRSTR_LEN];
        int status               = EXIT_FAILURE;
        struct snapshot_hub *hub = NULL;
        struct kafka_source *ks  = NULL;
        struct web_server *web   = NULL;
        char dlq_default[512];
        char status_default[512];
        struct status_watch *producers = NULL;
        log_set_module("consumer-dashboard");
        struct settings *s =
            settings_create(options, OPTION_COUNT, "DASHBOARD_CONFIG");
        if (!s) {
                fprintf(stderr, "consumer-dashboard: out of memory\n");
                return EXIT_FAILURE;
        }
        switch (settings_parse(s, argc, argv, errstr, sizeof(errstr))) {
        case SETTINGS_OK:
                break;
        case SETTINGS_HELP:
                settings_print_help(s, stdout, usage);
                settings_destroy(s);
                return EXIT_SUCCESS;
        case SETTINGS_VERSION:
                printf("consumer-dashboard %s\n", DASHBOARD_VERSION);
                settings_destroy(s);
                return EXIT_SUCCESS;
        case SETTINGS_X_LIST: {
                struct kafka_source_config lc = {.settings = s,
                                                 .brokers  = opt(s, "brokers")};
                int rc = kafka_source_print_config(&lc, stdout, errstr,
                                                   sizeof(errstr));
                if (rc != 0) {
                        fprintf(stderr, "consumer-dashboard: %s\n", errstr);
                }
                settings_destroy(s);
                return rc ? EXIT_USAGE : EXIT_SUCCESS;
        }
        case SETTINGS_ERROR:
        default:
                fprintf(stderr, "consumer-dashboard: %s\n", errstr);
                settings_destroy(s);
                return EXIT_USAGE;
        }
        enum log_level level;
        long long max_conn = 0;
        long long index_mb = 0;
        const char *topic  = opt(s, "topic");
        if (log_level_parse(settings_get(s, "log-level"), &level) != 0) {
                snprintf(errstr, sizeof(errstr),
                         "--log-level: '%s' is not error, warn, info or "
                         "debug",
                         settings_get(s, "log-level"));
                goto usage_error;
        }
        log_set_level(level);
        if (!topic || !opt(s, "brokers")) {
                snprintf(errstr, sizeof(errstr), "--%s: must not be empty",
                         topic ? "brokers" : "topic");
                goto usage_error;
        }
        if (check_listen(settings_get(s, "listen"), errstr, sizeof(errstr)) ||
            check_auth(opt(s, "auth"), errstr, sizeof(errstr)) ||
            settings_get_int(s, "max-connections", 1, MAX_CONNECTIONS_LIMIT,
                             &max_conn, errstr, sizeof(errstr)) ||
            settings_get_int(s, "index-memory", 1, INDEX_MEMORY_MAX_MB,
                             &index_mb, errstr, sizeof(errstr))) {
                goto usage_error;
        }
        /* Never start an HTTPS server that civetweb would crash in (F1). */
        if (opt(s, "tls-cert") && tls_support_prepare(errstr, sizeof(errstr))) {
                goto usage_error;
        }
        snprintf(dlq_default, sizeof(dlq_default), "%s.dlq", topic);
        snprintf(status_default, sizeof(status_default), "%s.status", topic);

        /* The replay first: freed memory may be reused while it runs (the
         * Kafka thread hands back what it held at catch-up, kafka_source.c),
         * but large blocks go back to the system as soon as they are freed,
         * so a large WebSocket frame that civetweb buffered and dropped does
         * not stay in the resident size of a worker's heap (F2). */
        allocator_bulk_load_start();

        /* Signals go to sigwait() below, never to a worker thread. */
        sigset_t sigs;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        signal(SIGPIPE, SIG_IGN);

        hub = snapshot_hub_create();
        if (!hub) {
                snprintf(errstr, sizeof(errstr), "out of memory");
                goto error;
        }
        producers = status_watch_start(
            opt(s, "brokers"),
            opt(s, "status-topic") ? opt(s, "status-topic") : status_default, s,
            errstr, sizeof(errstr));
        if (!producers) {
                goto usage_error; /* a bad -X property */
        }
        struct kafka_source_config kc = {
            .status   = producers,
            .settings = s,
            .brokers  = opt(s, "brokers"),
            .topic    = topic,
            .dlq_topic =
                opt(s, "dlq-topic") ? opt(s, "dlq-topic") : dlq_default,
            .roles        = {opt(s, "value-column"), opt(s, "category-column"),
                             opt(s, "age-column"), opt(s, "label-column")},
            .index_budget = (size_t)index_mb * BYTES_PER_MB,
        };
        ks = kafka_source_create(&kc, hub, errstr, sizeof(errstr));
        if (!ks) {
                goto usage_error; /* a bad -X property or flag value */
        }
        if (kafka_source_start(ks) != 0) {
                snprintf(errstr, sizeof(errstr), "cannot start Kafka thread");
                goto error;
        }
        struct web_server_config wc = {
            .listen          = settings_get(s, "listen"),
            .auth            = opt(s, "auth"),
            .tls_cert        = opt(s, "tls-cert"),
            .allowed_origin  = opt(s, "allowed-origin"),
            .max_connections = (size_t)max_conn,
        };
        web = web_server_start(&wc, hub, errstr, sizeof(errstr));
        if (!web) {
                goto error;
        }
        log_info("event=started listen=%s%s topic=%s dlq_topic=%s brokers=%s "
                 "allocator=%s",
                 wc.tls_cert ? "https://" : "http://", wc.listen, kc.topic,
                 kc.dlq_topic, kc.brokers, allocator_name());
        int sig = 0;
        while (sigwait(&sigs, &sig) != 0) {
                /* only EINTR-like failures; keep waiting */
        }
        log_info("event=stopping signal=%d", sig);
        status = EXIT_SUCCESS;
        goto cleanup;

usage_error:
        fprintf(stderr, "consumer-dashboard: %s\n", errstr);
        status = EXIT_USAGE;
        goto cleanup;
error:
        log_error("event=fatal error=\"%s\"", errstr);
cleanup:
        web_server_stop(web);
        kafka_source_destroy(ks);
        status_watch_stop(producers);
        snapshot_hub_destroy(hub);
        settings_destroy(s);
        return status;
}
