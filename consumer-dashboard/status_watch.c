/* SPDX-License-Identifier: MIT */
#include "status_watch.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/kafka_conf.h"
#include "common/log.h"
#include "core/producer_status.h"

#define STATUS_POLL_MS        200
#define STATUS_METADATA_MS    5000 /* looks for (new) partitions */
#define STATUS_META_TIMEOUT   900
#define STATUS_MAX_PARTITIONS 1024

struct status_watch {
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        char *topic;
        int partitions;
        pthread_t thread;
        atomic_bool stop;
        pthread_mutex_t lock;
        struct producer_status *table; /* under lock */
        struct wire_object obj;
};

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Assigns partitions [sw->partitions, n) from the beginning. */
static void follow(struct status_watch *sw)
{
        const struct rd_kafka_metadata *md;
        int n = 0;

        if (rd_kafka_metadata(sw->rk, 0, sw->rkt, &md, STATUS_META_TIMEOUT) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
                return;
        }
        if (md->topic_cnt == 1 && md->topics[0].err == 0) {
                n = md->topics[0].partition_cnt;
        }
        rd_kafka_metadata_destroy(md);
        if (n > STATUS_MAX_PARTITIONS) {
                n = STATUS_MAX_PARTITIONS;
        }
        if (n <= sw->partitions) {
                return;
        }
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(n);
        for (int i = 0; i < n; i++) {
                rd_kafka_topic_partition_list_add(l, sw->topic, i)->offset =
                    RD_KAFKA_OFFSET_BEGINNING;
        }
        /* Re-reading the older partitions again is harmless: the latest
         * record per source wins. */
        if (rd_kafka_assign(sw->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                sw->partitions = n;
                log_info("event=status_assigned topic=%s partitions=%d",
                         sw->topic, n);
        }
        rd_kafka_topic_partition_list_destroy(l);
}

static void handle(struct status_watch *sw, const rd_kafka_message_t *m)
{
        bool ok;

        if (m->err || !m->key) {
                return;
        }
        ok = !m->payload ||
             wire_decode_object(&sw->obj, m->payload, m->len) == WIRE_OK;
        if (!ok) {
                return; /* not a status record */
        }
        pthread_mutex_lock(&sw->lock);
        (void)producer_status_set(sw->table, m->key, m->key_len,
                                  m->payload ? &sw->obj : NULL); /* full */
        pthread_mutex_unlock(&sw->lock);
}

static void *run(void *arg)
{
        struct status_watch *sw = arg;
        int64_t looked          = 0;

        while (!atomic_load(&sw->stop)) {
                if (mono_ms() - looked >= STATUS_METADATA_MS) {
                        follow(sw);
                        looked = mono_ms();
                }
                rd_kafka_message_t *m =
                    rd_kafka_consumer_poll(sw->rk, STATUS_POLL_MS);
                if (m) {
                        handle(sw, m);
                        rd_kafka_message_destroy(m);
                }
        }
        return NULL;
}

struct status_watch *status_watch_start(const char *brokers, const char *topic,
                                        const struct settings *s, char *errstr,
                                        size_t errstr_size)
{
        struct status_watch *sw = calloc(1, sizeof(*sw));
        rd_kafka_conf_t *conf   = rd_kafka_conf_new();
        char group[96];

        if (!sw || !conf) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        pthread_mutex_init(&sw->lock, NULL);
        sw->topic = strdup(topic);
        sw->table = producer_status_create();
        if (!sw->topic || !sw->table) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        /* As the data consumer: a group id only for rd_kafka_assign(),
         * nothing committed, every start reads the topic again. */
        snprintf(group, sizeof(group), "consumer-dashboard-status-%ld-%lld",
                 (long)getpid(), (long long)mono_ms());
        const char *const props[][2] = {
            {"bootstrap.servers", brokers},
            {"group.id", group},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"enable.partition.eof", "false"},
            {"allow.auto.create.topics", "false"},
        };
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                if (kafka_conf_set(conf, props[i][0], props[i][1], errstr,
                                   errstr_size) != 0) {
                        goto error;
                }
        }
        if (kafka_conf_apply(conf, s, errstr, errstr_size) != 0) {
                goto error;
        }
        kafka_conf_route_logs(conf);
        sw->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
        if (!sw->rk) {
                goto error;
        }
        conf = NULL; /* owned by rk */
        rd_kafka_poll_set_consumer(sw->rk);
        sw->rkt = rd_kafka_topic_new(sw->rk, topic, NULL);
        if (!sw->rkt || pthread_create(&sw->thread, NULL, run, sw) != 0) {
                snprintf(errstr, errstr_size, "cannot start the status reader");
                goto error;
        }
        return sw;
error:
        if (conf) {
                rd_kafka_conf_destroy(conf);
        }
        if (sw) {
                if (sw->rkt) {
                        rd_kafka_topic_destroy(sw->rkt);
                }
                if (sw->rk) {
                        rd_kafka_destroy(sw->rk);
                }
                producer_status_destroy(sw->table);
                free(sw->topic);
                pthread_mutex_destroy(&sw->lock);
                free(sw);
        }
        return NULL;
}

void status_watch_stop(struct status_watch *sw)
{
        if (!sw) {
                return;
        }
        atomic_store(&sw->stop, true);
        pthread_join(sw->thread, NULL);
        rd_kafka_topic_destroy(sw->rkt);
        (void)rd_kafka_consumer_close(sw->rk); /* nothing to commit */
        rd_kafka_destroy(sw->rk);
        wire_object_finish(&sw->obj);
        producer_status_destroy(sw->table);
        free(sw->topic);
        pthread_mutex_destroy(&sw->lock);
        free(sw);
}

int status_watch_render(struct status_watch *sw, int64_t now_ms,
                        struct wire_buf *b)
{
        int rc;

        pthread_mutex_lock(&sw->lock);
        rc = producer_status_render(sw->table, now_ms, b);
        pthread_mutex_unlock(&sw->lock);
        return rc;
}

bool status_watch_get(struct status_watch *sw, const char *source,
                      int64_t now_ms, struct producer_status_info *out)
{
        bool found;

        pthread_mutex_lock(&sw->lock);
        found = producer_status_get(sw->table, source, now_ms, out);
        pthread_mutex_unlock(&sw->lock);
        return found;
}
