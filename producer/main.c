/* SPDX-License-Identifier: MIT */
/*
 * csv-producer: watches a CSV file and produces every record to Kafka.
 *
 * Threading model: ONE thread, owned by the libuv loop. File events,
 * parsing, producing, delivery reports (rd_kafka_poll, woken by the main
 * queue's io-event pipe) and signals all run on it, so the pipeline needs
 * no locks. The file's chunk reads and prefix hashes (file_tail) and the
 * state-file saves with their fsyncs (state_store) run on the libuv
 * thread pool, into buffers the loop leaves alone until they end.
 * librdkafka runs its own internal threads but calls us back only from
 * rd_kafka_poll on the loop thread (its log callback excepted; common/log
 * is thread-safe). The topic metadata request, a blocking librdkafka
 * call, runs on the libuv thread pool (kafka_sink_request_partitions) and
 * touches only rk and its own request fields; its result is handed back
 * on the loop thread. civetweb (optional --metrics-listen) runs worker
 * threads that only read atomic counters.
 *
 * Objects are created in dependency order and destroyed in reverse:
 * settings → state store → metrics → pipeline → file_tail, kafka_sink.
 */

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/allocator.h"
#include "common/kafka_conf.h"
#include "common/log.h"
#include "common/settings.h"
#include "file_tail.h"
#include "health_monitor.h"
#include "kafka_sink.h"
#include "metrics_http.h"
#include "pipeline.h"
#include "row_parser.h"
#include "source_set.h"
#include "typing.h"
#include "state_store.h"
#include "text_decoder.h"
#include "writer_watch.h"

#define PRODUCER_VERSION           "0.1.0"
#define PRODUCER_ERRSTR_LEN        512
#define PRODUCER_READ_CHUNK_BYTES  (256u * 1024u)
#define PRODUCER_MAX_PENDING_MSGS  50000
#define PRODUCER_MAX_PENDING_BYTES (64ull * 1024 * 1024)
#define PRODUCER_CHECKPOINT_MS     200
#define PRODUCER_FLUSH_TIMEOUT_MS  10000
#define PRODUCER_EXIT_USAGE        2

static const struct settings_option options[] = {
    {"brokers", 'b', "KAFKA_BROKERS", "HOST:PORT,...", "127.0.0.1:9092",
     "Kafka bootstrap servers"},
    {"topic", 't', "KAFKA_TOPIC", "TOPIC", "csv-data", "Topic for rows"},
    {"file", 'f', "PRODUCER_CSV_PATH", "PATH", "data/input.csv",
     "CSV file to watch; repeatable, and a glob pattern ('data/*.csv') "
     "also picks up matching files that appear later"},
    {"state-dir", 0, "PRODUCER_STATE_DIR", "DIR", ".csv-producer-state",
     "Directory of the state file (created if missing)"},
    {"dlq-topic", 0, "PRODUCER_DLQ_TOPIC", "TOPIC", NULL,
     "Dead-letter topic (default: <topic>.dlq)"},
    {"key-column", 0, "PRODUCER_KEY_COLUMN", "NAME", "id",
     "Column whose value is the message key"},
    {"schema", 0, "PRODUCER_SCHEMA", "NAME:TYPE,...", NULL,
     "Column types (int, decimal, bool, text); others are inferred"},
    {"source-id", 0, "PRODUCER_SOURCE_ID", "ID", NULL,
     "Source identity in messages (default: the file's absolute path)"},
    {"delimiter", 0, "PRODUCER_DELIMITER", "CHAR", NULL,
     "Field delimiter (one character, or \\t; default: detected)"},
    {"encoding", 0, "PRODUCER_ENCODING", "NAME", NULL,
     "File encoding, e.g. WINDOWS-1252, UTF-16LE (default: detected)"},
    {"decimal-point", 0, "PRODUCER_DECIMAL_POINT", NULL, NULL,
     "Numbers use a decimal point and ',' thousands: 1,234.56 (default: "
     "detected)"},
    {"columns", 0, "PRODUCER_COLUMNS", "NAME,...", NULL,
     "The file has no header line: these are its column names, and its "
     "first line is a row (default: the first line is the header)"},
    {"decimal-comma", 0, "PRODUCER_DECIMAL_COMMA", NULL, NULL,
     "Numbers use a decimal comma: 1.234,56 (default: detected)"},
    {"max-record-bytes", 0, "PRODUCER_MAX_RECORD_BYTES", "N", NULL,
     "Longer records go to the dead-letter topic (default: what Kafka "
     "accepts in one message, message.max.bytes)"},
    {"metrics-listen", 0, "PRODUCER_METRICS_LISTEN", "HOST:PORT", NULL,
     "Serve GET /metrics and /healthz here (off by default)"},
    {"stat-interval-ms", 0, "PRODUCER_STAT_INTERVAL_MS", "MS", "1000",
     "Safety-net stat check period"},
    {"metadata-refresh-ms", 0, "PRODUCER_METADATA_REFRESH_MS", "MS", "30000",
     "Period of re-reading the topic's partition count"},
    {"delete-grace-ms", 0, "PRODUCER_DELETE_GRACE_MS", "MS", "2000",
     "A deleted file not back within this time becomes an empty source"},
    {"last-line-idle-ms", 0, "PRODUCER_LAST_LINE_IDLE_MS", "MS", "1000",
     "A last line without newline unchanged this long is sent (0: never)"},
    {"log-level", 0, "LOG_LEVEL", "LEVEL", "info",
     "error, warn, info or debug"},
    {"status-topic", 0, "PRODUCER_STATUS_TOPIC", "TOPIC", NULL,
     "Compacted topic of the per-source status records (default: "
     "<topic>.status)"},
    {"status-interval-ms", 0, "PRODUCER_STATUS_INTERVAL_MS", "MS", "5000",
     "Period of the status record"},
    {"stall-warning-ms", 0, "PRODUCER_STALL_WARNING_MS", "MS", "10000",
     "Degraded (warning, /healthz 503) when a message waits this long for "
     "its acknowledgement or a record is held back this long"},
    {"no-create-topic", 0, "PRODUCER_NO_CREATE_TOPIC", NULL, NULL,
     "Never let the broker auto-create a missing topic: wait for it"},
    {"exit-at-eof", 0, NULL, NULL, NULL,
     "Exit 0 once the whole file is acknowledged (tests, benchmarks)"},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

struct app {
        uv_loop_t *loop;
        uv_signal_t sigint;
        uv_signal_t sigterm;
        struct source_set *set;
        struct kafka_sink *sink;
        struct health_monitor *health;
        struct writer_watch *writers;
        const char *instance;
        uint64_t started_ms; /* wall clock */
        char warned[64];     /* the newer writer last logged */
        bool conflict;       /* an older writer keeps our source */
        int status;
        bool done;
};

static void on_done(void *ctx, int status)
{
        struct app *app = ctx;

        app->status = status;
        app->done   = true;
        uv_stop(app->loop);
}

static void on_signal(uv_signal_t *h, int signum)
{
        struct app *app = h->data;

        log_info("event=signal signal=%s", signum == SIGINT ? "INT" : "TERM");
        health_monitor_stopping(app->health); /* flushed with the rest */
        source_set_shutdown(app->set, PRODUCER_FLUSH_TIMEOUT_MS);
}

/* The index of source in the set, or -1. */
static long source_index(const struct app *app, const char *source)
{
        struct pipeline_probe pr;

        for (size_t i = 0; i < source_set_count(app->set); i++) {
                pipeline_probe(source_set_pipeline(app->set, i), &pr);
                if (strcmp(pr.source, source) == 0) {
                        return (long)i;
                }
        }
        return -1;
}

/* Another producer instance wrote a status record of a source while we
 * run: one writer per source, the one that started first. The newer one
 * stops; the older one sends the file again, so that the newest generation
 * of the source is its own (the newer one's may have hidden its rows). */
static void on_writer_seen(void *ctx, const struct writer_seen *seen)
{
        struct app *app = ctx;
        long i          = source_index(app, seen->source);

        if (i < 0) {
                return;
        }
        switch (writer_judge(seen, app->instance, app->started_ms)) {
        case WRITER_OTHER_OLDER:
                if (!app->conflict) {
                        app->conflict = true;
                        log_error("event=source_conflict source=%s "
                                  "other_instance=%s other_started_ms=%" PRIu64
                                  " error=\"producer instance %s started "
                                  "first and writes this source (from another "
                                  "state dir or machine): this one stops\"",
                                  seen->source, seen->instance,
                                  seen->started_ms, seen->instance);
                        health_monitor_stopping(app->health);
                        source_set_shutdown(app->set,
                                            PRODUCER_FLUSH_TIMEOUT_MS);
                }
                break;
        case WRITER_OTHER_NEWER:
                health_monitor_newer_writer(app->health, (size_t)i,
                                            seen->instance, seen->interval_ms);
                if (strcmp(app->warned, seen->instance) != 0) {
                        snprintf(app->warned, sizeof(app->warned), "%s",
                                 seen->instance);
                        log_warn("event=source_conflict source=%s "
                                 "other_instance=%s other_started_ms=%" PRIu64
                                 " error=\"a newer producer writes this "
                                 "source too; it stops when it reads this "
                                 "one's status, and this one sends the file "
                                 "again\"",
                                 seen->source, seen->instance,
                                 seen->started_ms);
                        pipeline_resend(
                            source_set_pipeline(app->set, (size_t)i));
                }
                break;
        case WRITER_SELF:
        case WRITER_GONE:
        case WRITER_BEFORE:
                break;
        }
}

static uint64_t wall_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int usage_error(const char *msg)
{
        fprintf(stderr, "csv-producer: %s\n", msg);
        return PRODUCER_EXIT_USAGE;
}

struct parsed {
        struct pipeline_config cfg;
        const char *brokers;
        const char *path;
        const char *state_dir;
        const char *metrics_listen;
        long long stat_interval_ms;
        long long metadata_refresh_ms;
        long long stall_ms;
        long long status_interval_ms;
        char status_topic[1024];
        long long delete_grace_ms;
        long long last_line_idle_ms;
        char dlq_topic[1024];
        char instance[17];     /* this run's producer instance id */
        const char **patterns; /* every -f, in order */
        size_t npatterns;
};

/* A random id for this run of the producer: it names the writer of a
 * source in logs, in the source's lock and in control messages. */
static void new_instance_id(char out[17])
{
        uint64_t v = 0;

        if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
                v = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
        }
        snprintf(out, 17, "%016" PRIx64, v);
}

/* --schema is checked at start, whether or not a file matches yet. */
static int check_schema(const char *schema, char *errstr, size_t errstr_size)
{
        struct typing *t = typing_create();
        int rc;

        if (!t) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        rc = typing_set_schema(t, schema, errstr, errstr_size);
        typing_destroy(t);
        return rc;
}

/* Does arg (a flag without "=value") take the next argument as its value? */
static bool takes_value(const char *arg)
{
        if (strcmp(arg, "-X") == 0 || strcmp(arg, "-c") == 0 ||
            strcmp(arg, "--config") == 0) {
                return true;
        }
        for (size_t i = 0; i < OPTION_COUNT; i++) {
                if (!options[i].metavar) {
                        continue;
                }
                if ((arg[0] == '-' && arg[1] == options[i].short_name &&
                     !arg[2] && options[i].short_name) ||
                    (strncmp(arg, "--", 2) == 0 &&
                     strcmp(arg + 2, options[i].name) == 0)) {
                        return true;
                }
        }
        return false;
}

/* Every -f/--file of the command line, in order (settings keep only the
 * last); without any, the one from the environment, file or default. */
static int collect_patterns(const struct settings *s, int argc, char **argv,
                            struct parsed *o)
{
        o->patterns = calloc((size_t)argc + 1, sizeof(*o->patterns));
        if (!o->patterns) {
                return -1;
        }
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (strncmp(a, "--file=", 7) == 0) {
                        o->patterns[o->npatterns++] = a + 7;
                } else if ((strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0) &&
                           i + 1 < argc) {
                        o->patterns[o->npatterns++] = argv[++i];
                } else if (strchr(a, '=') == NULL && takes_value(a)) {
                        i++;
                }
        }
        if (o->npatterns == 0) {
                o->patterns[o->npatterns++] = settings_get(s, "file");
        }
        return 0;
}

static int read_config(const struct settings *s, struct parsed *o, char *errstr,
                       size_t errstr_size)
{
        const char *delim = settings_get(s, "delimiter");
        const char *level = settings_get(s, "log-level");
        enum log_level lvl;
        long long max_bytes;

        memset(o, 0, sizeof(*o));
        if (log_level_parse(level, &lvl) != 0) {
                snprintf(errstr, errstr_size,
                         "--log-level %s: expected error, warn, info or debug",
                         level);
                return -1;
        }
        log_set_level(lvl);
        if (!delim) {
                o->cfg.delimiter = 0; /* detected per file */
        } else if (strcmp(delim, "\\t") == 0 || strcmp(delim, "tab") == 0) {
                o->cfg.delimiter = '\t';
        } else if (strlen(delim) == 1 && delim[0] != '"' && delim[0] != '\n' &&
                   delim[0] != '\r') {
                o->cfg.delimiter = delim[0];
        } else {
                snprintf(errstr, errstr_size,
                         "--delimiter %s: expected one character", delim);
                return -1;
        }
        max_bytes = 0; /* 0: follow message.max.bytes */
        if ((settings_is_set(s, "max-record-bytes") &&
             settings_get_int(s, "max-record-bytes", 16, 64ll * 1024 * 1024,
                              &max_bytes, errstr, errstr_size) != 0) ||
            settings_get_int(s, "stat-interval-ms", 10, 3600000,
                             &o->stat_interval_ms, errstr, errstr_size) != 0 ||
            settings_get_int(s, "metadata-refresh-ms", 100, 86400000,
                             &o->metadata_refresh_ms, errstr,
                             errstr_size) != 0 ||
            settings_get_int(s, "status-interval-ms", 100, 3600000,
                             &o->status_interval_ms, errstr,
                             errstr_size) != 0 ||
            settings_get_int(s, "stall-warning-ms", 100, 86400000, &o->stall_ms,
                             errstr, errstr_size) != 0 ||
            settings_get_int(s, "delete-grace-ms", 0, 86400000,
                             &o->delete_grace_ms, errstr, errstr_size) != 0 ||
            settings_get_int(s, "last-line-idle-ms", 0, 86400000,
                             &o->last_line_idle_ms, errstr, errstr_size) != 0) {
                return -1;
        }
        o->brokers        = settings_get(s, "brokers");
        o->path           = settings_get(s, "file"); /* the last -f */
        o->state_dir      = settings_get(s, "state-dir");
        o->metrics_listen = settings_get(s, "metrics-listen");
        o->cfg.topic      = settings_get(s, "topic");
        if (!*o->path || !*o->cfg.topic || !*o->state_dir) {
                snprintf(errstr, errstr_size, "--%s: must not be empty",
                         !*o->path        ? "file"
                         : !*o->cfg.topic ? "topic"
                                          : "state-dir");
                return -1;
        }
        snprintf(o->dlq_topic, sizeof(o->dlq_topic), "%s.dlq", o->cfg.topic);
        snprintf(o->status_topic, sizeof(o->status_topic), "%s.status",
                 o->cfg.topic);
        if (settings_is_set(s, "status-topic")) {
                snprintf(o->status_topic, sizeof(o->status_topic), "%s",
                         settings_get(s, "status-topic"));
        }
        o->cfg.dlq_topic = settings_is_set(s, "dlq-topic")
                               ? settings_get(s, "dlq-topic")
                               : o->dlq_topic;
        /* NULL: each file's canonical absolute path (source_set.c). */
        o->cfg.source        = settings_is_set(s, "source-id")
                                   ? settings_get(s, "source-id")
                                   : NULL;
        o->cfg.key_column    = settings_get(s, "key-column");
        o->cfg.schema        = settings_get(s, "schema");
        o->cfg.encoding      = settings_get(s, "encoding");
        o->cfg.decimal_comma = settings_get_bool(s, "decimal-comma");
        o->cfg.decimal_point = settings_get_bool(s, "decimal-point");
        if (o->cfg.decimal_comma && o->cfg.decimal_point) {
                snprintf(errstr, errstr_size,
                         "--decimal-point and --decimal-comma: choose one");
                return -1;
        }
        o->cfg.columns = settings_get(s, "columns");
        if (o->cfg.columns) {
                char why[96];
                if (row_parser_check_columns(o->cfg.columns, why,
                                             sizeof(why)) == 0) {
                        snprintf(errstr, errstr_size, "--columns \"%s\": %s",
                                 o->cfg.columns, why);
                        return -1;
                }
        }
        if (o->cfg.encoding) {
                struct text_decoder *d =
                    text_decoder_create(o->cfg.encoding, errstr, errstr_size);
                if (!d) {
                        return -1;
                }
                text_decoder_destroy(d);
        }
        o->cfg.max_record_bytes       = (size_t)max_bytes;
        o->cfg.max_pending_messages   = PRODUCER_MAX_PENDING_MSGS;
        o->cfg.max_pending_bytes      = PRODUCER_MAX_PENDING_BYTES;
        o->cfg.checkpoint_interval_ms = PRODUCER_CHECKPOINT_MS;
        o->cfg.metadata_refresh_ms    = (uint64_t)o->metadata_refresh_ms;
        o->cfg.delete_grace_ms        = (uint64_t)o->delete_grace_ms;
        o->cfg.last_line_idle_ms      = (uint64_t)o->last_line_idle_ms;
        new_instance_id(o->instance);
        o->cfg.instance      = o->instance;
        o->cfg.exit_at_eof   = settings_get_bool(s, "exit-at-eof");
        o->cfg.show_progress = isatty(STDERR_FILENO) == 1;
        return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
        (void)arg;
        if (!uv_is_closing(h)) {
                uv_close(h, NULL);
        }
}

int main(int argc, char **argv)
{
        struct settings *s =
            settings_create(options, OPTION_COUNT, "PRODUCER_CONFIG");
        char errstr[PRODUCER_ERRSTR_LEN];
        struct state_store *store = NULL;
        struct metrics_http *http = NULL;
        struct producer_metrics metrics;
        struct source_set_config set_cfg;
        struct parsed o;
        struct app app;
        char owner[256];
        uv_loop_t loop;
        int status = 1;
        int r;

        /* Each row's message is freed when its batch is acknowledged and
         * the next rows allocate again at once: keep that memory ready. */
        allocator_favour_throughput();
        memset(&app, 0, sizeof(app));
        app.started_ms = wall_ms();
        producer_metrics_init(&metrics);
        log_set_module("producer");
        if (!s) {
                return 1;
        }
        switch (settings_parse(s, argc, argv, errstr, sizeof(errstr))) {
        case SETTINGS_OK:
                break;
        case SETTINGS_HELP:
                settings_print_help(
                    s, stdout,
                    "Usage: csv-producer [options]\n"
                    "Watches a CSV file and produces each record to "
                    "Kafka as a JSON row.\n"
                    "Also: -c/--config FILE (properties), -X key=value "
                    "(librdkafka, repeatable), -X list, --version.");
                settings_destroy(s);
                return 0;
        case SETTINGS_VERSION:
                printf("csv-producer %s (librdkafka %s, libuv %s)\n",
                       PRODUCER_VERSION, rd_kafka_version_str(),
                       uv_version_string());
                settings_destroy(s);
                return 0;
        case SETTINGS_X_LIST:
                status = kafka_sink_print_config(settings_get(s, "brokers"), s,
                                                 stdout, errstr, sizeof(errstr))
                             ? usage_error(errstr)
                             : 0;
                settings_destroy(s);
                return status;
        case SETTINGS_ERROR:
                status = usage_error(errstr);
                settings_destroy(s);
                return status;
        }
        if (read_config(s, &o, errstr, sizeof(errstr)) != 0) {
                status = usage_error(errstr);
                settings_destroy(s);
                return status;
        }
        if (check_schema(o.cfg.schema, errstr, sizeof(errstr)) != 0) {
                status = usage_error(errstr);
                settings_destroy(s);
                return status;
        }
        if (collect_patterns(s, argc, argv, &o) != 0) {
                settings_destroy(s);
                return 1;
        }

        uv_loop_init(&loop);
        app.loop = &loop;
        /* The state dir is checked (created, writable) before anything
         * starts, whether or not a file matches yet. */
        store = state_store_create(o.state_dir, "startup-check", errstr,
                                   sizeof(errstr));
        if (!store) {
                log_error("event=startup_failed error=\"%s\"", errstr);
                goto out;
        }
        if (o.metrics_listen) {
                http = metrics_http_start(o.metrics_listen, &metrics, errstr,
                                          sizeof(errstr));
                if (!http) {
                        log_error("event=startup_failed error=\"%s\"", errstr);
                        goto out;
                }
        }
        snprintf(owner, sizeof(owner), "pid=%d instance=%s", (int)getpid(),
                 o.instance);
        set_cfg.patterns         = o.patterns;
        set_cfg.npatterns        = o.npatterns;
        set_cfg.base             = &o.cfg;
        set_cfg.state_dir        = o.state_dir;
        set_cfg.chunk_bytes      = PRODUCER_READ_CHUNK_BYTES;
        set_cfg.stat_interval_ms = (uint64_t)o.stat_interval_ms;
        set_cfg.rescan_ms =
            o.cfg.exit_at_eof ? 0 : (uint64_t)o.stat_interval_ms;
        set_cfg.owner = owner;
        app.set = source_set_create(&loop, &set_cfg, &metrics, on_done, &app,
                                    errstr, sizeof(errstr));
        if (!app.set) {
                status = usage_error(errstr);
                goto out;
        }
        app.sink = kafka_sink_create(&loop, o.brokers, s, &source_set_sink_cbs,
                                     app.set, errstr, sizeof(errstr));
        if (!app.sink) {
                status = usage_error(errstr);
                goto out;
        }
        (void)kafka_sink_also_check(app.sink, o.cfg.dlq_topic); /* has room */
        (void)kafka_sink_also_check(app.sink, o.status_topic);
        uv_signal_init(&loop, &app.sigint);
        uv_signal_init(&loop, &app.sigterm);
        app.sigint.data = app.sigterm.data = &app;
        uv_signal_start(&app.sigint, on_signal, SIGINT);
        uv_signal_start(&app.sigterm, on_signal, SIGTERM);
        signal(SIGPIPE, SIG_IGN);

        log_info("event=start file=%s files=%zu instance=%s topic=%s "
                 "dlq_topic=%s brokers=%s state_dir=%s allocator=%s",
                 o.path, o.npatterns, o.instance, o.cfg.topic, o.cfg.dlq_topic,
                 o.brokers, o.state_dir, allocator_name());
        r = source_set_start(app.set, app.sink, errstr, sizeof(errstr));
        if (r != 0) {
                log_error("event=%s error=\"%s\"",
                          r == 1 ? "source_conflict" : "startup_failed",
                          errstr);
                goto out;
        }
        struct health_monitor_config hc = {
            .stall_ms           = (uint64_t)o.stall_ms,
            .status_topic       = o.status_topic,
            .instance           = o.instance,
            .started_ms         = app.started_ms,
            .status_interval_ms = (uint64_t)o.status_interval_ms,
        };
        app.health =
            health_monitor_start(&loop, &hc, app.set, app.sink, &metrics);
        if (!app.health) {
                log_error("event=startup_failed error=\"out of memory\"");
                goto out;
        }
        app.instance = o.instance;
        app.writers  = writer_watch_start(
             &loop, o.brokers, o.status_topic, o.instance, app.started_ms, s,
             on_writer_seen, &app, errstr, sizeof(errstr));
        if (!app.writers) {
                log_error("event=startup_failed error=\"%s\"", errstr);
                goto out;
        }
        uv_run(&loop, UV_RUN_DEFAULT);
        status = app.conflict ? 1 : app.done ? app.status : 1;

out:
        writer_watch_stop(app.writers);
        health_monitor_destroy(app.health);
        source_set_close_handles(app.set);
        kafka_sink_destroy(app.sink);
        uv_walk(&loop, close_walk, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        (void)uv_loop_close(&loop); /* all handles are closed above */
        source_set_destroy(app.set);
        free(o.patterns);
        metrics_http_stop(http);
        state_store_destroy(store);
        settings_destroy(s);
        producer_metrics_finish(&metrics);
        return status;
}
