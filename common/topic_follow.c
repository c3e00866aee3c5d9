/* SPDX-License-Identifier: MIT */
#include "common/topic_follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/kafka_conf.h"
#include "common/log.h"

#define FOLLOW_META_TIMEOUT_MS 900
#define FOLLOW_MAX_PARTITIONS  1024

struct topic_follow {
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        char *topic;
        int64_t since_ms;
        int partitions;
        int64_t looked_ms; /* monotonic: the last look for partitions */
};

static int64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where partitions [from, n) start: their beginning, or their first
 * message since since_ms (the end when there is none yet). */
static int start_offsets(struct topic_follow *tf,
                         rd_kafka_topic_partition_list_t *l, int from, int n)
{
        rd_kafka_topic_partition_list_t *t =
            rd_kafka_topic_partition_list_new(n - from);

        for (int i = from; i < n; i++) {
                rd_kafka_topic_partition_list_add(t, tf->topic, i)->offset =
                    tf->since_ms < 0 ? RD_KAFKA_OFFSET_BEGINNING : tf->since_ms;
        }
        if (tf->since_ms >= 0 &&
            rd_kafka_offsets_for_times(tf->rk, t, FOLLOW_META_TIMEOUT_MS) !=
                RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_topic_partition_list_destroy(t);
                return -1; /* asked again at the next look */
        }
        for (int i = 0; i < t->cnt; i++) {
                const rd_kafka_topic_partition_t *e = &t->elems[i];
                rd_kafka_topic_partition_list_add(l, tf->topic, e->partition)
                    ->offset = tf->since_ms >= 0 && (e->err || e->offset < 0)
                                   ? RD_KAFKA_OFFSET_END
                                   : e->offset;
        }
        rd_kafka_topic_partition_list_destroy(t);
        return 0;
}

/* Assigns the partitions that appeared since the last look; those already
 * assigned keep their positions. */
static void follow(struct topic_follow *tf)
{
        const struct rd_kafka_metadata *md;
        rd_kafka_topic_partition_list_t *l = NULL;
        int n                              = 0;

        if (rd_kafka_metadata(tf->rk, 0, tf->rkt, &md,
                              FOLLOW_META_TIMEOUT_MS) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
                return;
        }
        if (md->topic_cnt == 1 && md->topics[0].err == 0) {
                n = md->topics[0].partition_cnt;
        }
        rd_kafka_metadata_destroy(md);
        n = n > FOLLOW_MAX_PARTITIONS ? FOLLOW_MAX_PARTITIONS : n;
        if (n <= tf->partitions) {
                return;
        }
        if (tf->partitions == 0 ||
            rd_kafka_assignment(tf->rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                l = rd_kafka_topic_partition_list_new(n);
        }
        if (start_offsets(tf, l, tf->partitions, n) == 0 &&
            rd_kafka_assign(tf->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                tf->partitions = n;
                log_debug("event=topic_assigned topic=%s partitions=%d",
                          tf->topic, n);
        }
        rd_kafka_topic_partition_list_destroy(l);
}

rd_kafka_message_t *topic_follow_poll(struct topic_follow *tf,
                                      int64_t look_interval_ms, int timeout_ms)
{
        if (tf->looked_ms == 0 ||
            mono_ms() - tf->looked_ms >= look_interval_ms) {
                follow(tf);
                tf->looked_ms = mono_ms();
        }
        return rd_kafka_consumer_poll(tf->rk, timeout_ms);
}

int topic_follow_partitions(const struct topic_follow *tf)
{
        return tf->partitions;
}

struct topic_follow *topic_follow_create(const char *brokers, const char *topic,
                                         const char *client_name,
                                         const struct settings *s,
                                         enum topic_follow_props props,
                                         int64_t since_ms, char *errstr,
                                         size_t errstr_size)
{
        struct topic_follow *tf = calloc(1, sizeof(*tf));
        rd_kafka_conf_t *conf   = rd_kafka_conf_new();
        char group[128];

        if (!tf || !conf || !(tf->topic = strdup(topic))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        tf->since_ms = since_ms;
        /* A group id only because rd_kafka_assign() wants one: nothing
         * is committed under it. */
        snprintf(group, sizeof(group), "%s-%ld-%lld", client_name,
                 (long)getpid(), (long long)mono_ms());
        const char *const base[][2] = {
            {"bootstrap.servers", brokers},
            {"group.id", group},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"enable.partition.eof", "false"},
            {"allow.auto.create.topics", "false"},
        };
        for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
                if (kafka_conf_set(conf, base[i][0], base[i][1], errstr,
                                   errstr_size) != 0) {
                        goto error;
                }
        }
        if ((props == TOPIC_FOLLOW_ALL_PROPS
                 ? kafka_conf_apply(conf, s, errstr, errstr_size)
                 : kafka_conf_apply_shared(conf, s, errstr, errstr_size)) !=
            0) {
                goto error;
        }
        kafka_conf_route_logs(conf);
        tf->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
        if (!tf->rk) {
                goto error;
        }
        conf = NULL; /* owned by rk */
        rd_kafka_poll_set_consumer(tf->rk);
        tf->rkt = rd_kafka_topic_new(tf->rk, topic, NULL);
        if (!tf->rkt) {
                snprintf(errstr, errstr_size, "cannot read topic %s", topic);
                goto error;
        }
        return tf;
error:
        if (conf) {
                rd_kafka_conf_destroy(conf);
        }
        topic_follow_destroy(tf);
        return NULL;
}

void topic_follow_destroy(struct topic_follow *tf)
{
        if (!tf) {
                return;
        }
        if (tf->rkt) {
                rd_kafka_topic_destroy(tf->rkt);
        }
        if (tf->rk) {
                (void)rd_kafka_consumer_close(tf->rk); /* nothing to commit */
                rd_kafka_destroy(tf->rk);
        }
        free(tf->topic);
        free(tf);
}
