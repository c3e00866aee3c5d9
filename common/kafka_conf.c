/* SPDX-License-Identifier: MIT */
#include "common/kafka_conf.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/log_dedup.h"

/* A distinct librdkafka error is written at most once per this interval;
 * the repeats in between are counted into the next line. */
#define KAFKA_LOG_REPEAT_INTERVAL_MS 30000

/* The dedup table is shared by every client of the process and called from
 * librdkafka's threads: one lock around it. */
static pthread_mutex_t dedup_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_dedup *dedup;
static char
    last_error[LOG_DEDUP_KEY_MAX + 64]; /* "NAME: reason" of the latest error */

int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                   char *errstr, size_t errstr_size)
{
        char rd_err[256];

        if (rd_kafka_conf_set(conf, key, value, rd_err, sizeof(rd_err)) !=
            RD_KAFKA_CONF_OK) {
                snprintf(errstr, errstr_size, "-X %s: %s", key, rd_err);
                return -1;
        }
        return 0;
}

int kafka_conf_apply(rd_kafka_conf_t *conf, const struct settings *s,
                     char *errstr, size_t errstr_size)
{
        for (size_t i = 0; i < settings_kafka_count(s); i++) {
                if (kafka_conf_set(conf, settings_kafka_key(s, i),
                                   settings_kafka_value(s, i), errstr,
                                   errstr_size) != 0) {
                        return -1;
                }
        }
        return 0;
}

int kafka_conf_apply_shared(rd_kafka_conf_t *conf, const struct settings *s,
                            char *errstr, size_t errstr_size)
{
        static const char *const prefixes[] = {
            "security.",   "ssl.",     "ssl_",           "sasl.", "socket.",
            "broker.",     "client.",  "metadata.",      "api.",  "reconnect.",
            "connections", "resolve.", "topic.metadata."};

        for (size_t i = 0; i < settings_kafka_count(s); i++) {
                const char *key = settings_kafka_key(s, i);
                bool shared     = false;
                for (size_t p = 0; p < sizeof(prefixes) / sizeof(*prefixes);
                     p++) {
                        shared |=
                            strncmp(key, prefixes[p], strlen(prefixes[p])) == 0;
                }
                if (shared &&
                    kafka_conf_set(conf, key, settings_kafka_value(s, i),
                                   errstr, errstr_size) != 0) {
                        return -1;
                }
        }
        return 0;
}

void kafka_conf_print(rd_kafka_conf_t *conf, const char *program, FILE *out)
{
        const char **kv;
        size_t n;

        fprintf(out,
                "# librdkafka %s properties as %s uses them (librdkafka's "
                "defaults, then %s's, then -c and -X); aliases show under "
                "their canonical name (linger.ms: queue.buffering.max.ms, "
                "bootstrap.servers: metadata.broker.list)\n",
                rd_kafka_version_str(), program, program);
        for (int topic = 0; topic < 2; topic++) {
                rd_kafka_topic_conf_t *tc =
                    topic ? rd_kafka_conf_get_default_topic_conf(conf) : NULL;
                kv = !topic ? rd_kafka_conf_dump(conf, &n)
                     : tc   ? rd_kafka_topic_conf_dump(tc, &n)
                            : NULL;
                for (size_t i = 0; kv && i + 1 < n; i += 2) {
                        fprintf(out, "%s=%s\n", kv[i],
                                kafka_conf_is_secret(kv[i]) ? "***"
                                                            : kv[i + 1]);
                }
                if (kv) {
                        rd_kafka_conf_dump_free(kv, n);
                }
        }
}

int kafka_conf_is_secret(const char *key)
{
        return strstr(key, "password") || strstr(key, "secret") ||
               strstr(key, "sasl.oauthbearer.config");
}

static uint64_t mono_ms(void)
{
        return (uint64_t)clock_mono_ms();
}

/* Returns true when the line keyed by key must be written now, with the
 * repeats swallowed since its previous line. Out of memory: every line. */
static bool dedup_note(const char *key, uint64_t *repeats)
{
        bool write = true;

        *repeats = 0;
        pthread_mutex_lock(&dedup_lock);
        if (!dedup) {
                dedup = log_dedup_create(KAFKA_LOG_REPEAT_INTERVAL_MS);
        }
        if (dedup) {
                write = log_dedup_note(dedup, key, mono_ms(), repeats);
        }
        pthread_mutex_unlock(&dedup_lock);
        return write;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
        /* syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug. */
        enum log_level l = level <= 3   ? LOG_LEVEL_ERROR
                           : level == 4 ? LOG_LEVEL_WARN
                           : level <= 6 ? LOG_LEVEL_INFO
                                        : LOG_LEVEL_DEBUG;
        char key[LOG_DEDUP_KEY_MAX];
        uint64_t repeats = 0;

        (void)rk;
        if (l > log_get_level()) {
                return;
        }
        /* A broker failure is logged as FAIL and also handed to the error
         * callback, which writes it (once): skip the copy. */
        if (l <= LOG_LEVEL_INFO &&
            (strcmp(fac, "FAIL") == 0 || strcmp(fac, "ERROR") == 0)) {
                return;
        }
        if (l > LOG_LEVEL_WARN) {
                log_write(l, "event=rdkafka facility=%s msg=\"%s\"", fac, buf);
                return;
        }
        snprintf(key, sizeof(key), "%s ", fac);
        log_dedup_normalize(buf, key + strlen(key), sizeof(key) - strlen(key));
        if (dedup_note(key, &repeats)) {
                log_write(l,
                          "event=rdkafka facility=%s msg=\"%s\" repeats=%llu",
                          fac, buf, (unsigned long long)repeats);
        }
}

void kafka_conf_log_error(int err, const char *reason)
{
        const char *name = rd_kafka_err2name((rd_kafka_resp_err_t)err);
        char key[LOG_DEDUP_KEY_MAX];
        uint64_t repeats;
        int n = snprintf(key, sizeof(key), "%s ", name);

        if (n < 0 || (size_t)n >= sizeof(key)) {
                n = 0;
        }
        log_dedup_normalize(reason ? reason : "", key + n,
                            sizeof(key) - (size_t)n);
        pthread_mutex_lock(&dedup_lock);
        snprintf(last_error, sizeof(last_error), "%s: %s", name, key + n);
        pthread_mutex_unlock(&dedup_lock);
        if (dedup_note(key, &repeats)) {
                log_warn("event=kafka_error error=%s reason=\"%s\" "
                         "repeats=%llu",
                         name, reason ? reason : "",
                         (unsigned long long)repeats);
        }
}

bool kafka_conf_last_error(char *buf, size_t size)
{
        bool any;

        pthread_mutex_lock(&dedup_lock);
        any = last_error[0] != '\0';
        snprintf(buf, size, "%s", last_error);
        pthread_mutex_unlock(&dedup_lock);
        return any;
}

static void flush_one(void *ctx, const char *key, uint64_t repeats)
{
        (void)ctx;
        log_warn("event=kafka_error_repeated what=\"%s\" repeats=%llu", key,
                 (unsigned long long)repeats);
}

void kafka_conf_flush_logs(void)
{
        pthread_mutex_lock(&dedup_lock);
        if (dedup) {
                log_dedup_flush(dedup, mono_ms(), flush_one, NULL);
        }
        pthread_mutex_unlock(&dedup_lock);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)rk;
        (void)opaque;
        kafka_conf_log_error(err, reason);
}

void kafka_conf_route_logs(rd_kafka_conf_t *conf)
{
        rd_kafka_conf_set_log_cb(conf, log_cb);
        rd_kafka_conf_set_error_cb(conf, error_cb);
}
