/* SPDX-License-Identifier: MIT */
#include "writer_watch.h"

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

#define WATCH_POLL_MS        200
#define WATCH_METADATA_MS    5000 /* looks for new partitions */
#define WATCH_FIRST_LOOK_MS  1000 /* until the topic is there */
#define WATCH_META_TIMEOUT   900
#define WATCH_MAX_PARTITIONS 1024
#define WATCH_QUEUE                                                            \
        64 /* records waiting for the loop; more are                           \
            * dropped: a writer repeats every interval */

struct writer_watch {
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        char *topic;
        char *own;
        uint64_t started_ms; /* read from here on (message time) */
        int partitions;
        pthread_t thread;
        bool started;
        atomic_bool stop;
        uv_async_t async;
        writer_watch_cb on_seen;
        void *ctx;
        struct wire_object obj; /* reader thread only */
        pthread_mutex_t lock;
        struct writer_seen queue[WATCH_QUEUE]; /* under lock */
        size_t queued;                         /* under lock */
};

static int64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Assigns partitions [ww->partitions, n) from the first message written
 * since the producer started (the topic may appear only after another
 * producer wrote to it). */
static void follow(struct writer_watch *ww)
{
        const struct rd_kafka_metadata *md;
        int n = 0;

        if (rd_kafka_metadata(ww->rk, 0, ww->rkt, &md, WATCH_META_TIMEOUT) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
                return;
        }
        if (md->topic_cnt == 1 && md->topics[0].err == 0) {
                n = md->topics[0].partition_cnt;
        }
        rd_kafka_metadata_destroy(md);
        if (n > WATCH_MAX_PARTITIONS) {
                n = WATCH_MAX_PARTITIONS;
        }
        if (n <= ww->partitions) {
                return;
        }
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(n);
        rd_kafka_topic_partition_list_t *now = NULL;
        if (ww->partitions > 0 &&
            rd_kafka_assignment(ww->rk, &now) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_topic_partition_list_destroy(l);
                l = now; /* keep the positions of those already read */
        }
        rd_kafka_topic_partition_list_t *since =
            rd_kafka_topic_partition_list_new(n - ww->partitions);
        for (int i = ww->partitions; i < n; i++) {
                rd_kafka_topic_partition_list_add(since, ww->topic, i)->offset =
                    (int64_t)ww->started_ms;
        }
        /* Offset -1 (nothing that new yet) means the end. */
        if (rd_kafka_offsets_for_times(ww->rk, since, WATCH_META_TIMEOUT) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_topic_partition_list_destroy(since);
                rd_kafka_topic_partition_list_destroy(l);
                return; /* asked again at the next look */
        }
        for (int i = 0; i < since->cnt; i++) {
                rd_kafka_topic_partition_list_add(l, ww->topic,
                                                  since->elems[i].partition)
                    ->offset = since->elems[i].err || since->elems[i].offset < 0
                                   ? RD_KAFKA_OFFSET_END
                                   : since->elems[i].offset;
        }
        rd_kafka_topic_partition_list_destroy(since);
        if (rd_kafka_assign(ww->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                ww->partitions = n;
        }
        rd_kafka_topic_partition_list_destroy(l);
}

static void handle(struct writer_watch *ww, const rd_kafka_message_t *m)
{
        struct writer_seen seen;

        if (m->err || !m->payload ||
            writer_seen_decode(&ww->obj, m->key, m->key_len, m->payload, m->len,
                               &seen) != 0 ||
            strcmp(seen.instance, ww->own) == 0) {
                return;
        }
        pthread_mutex_lock(&ww->lock);
        if (ww->queued < WATCH_QUEUE) {
                ww->queue[ww->queued++] = seen;
        }
        pthread_mutex_unlock(&ww->lock);
        uv_async_send(&ww->async);
}

static void *run(void *arg)
{
        struct writer_watch *ww = arg;
        int64_t looked          = 0;

        while (!atomic_load(&ww->stop)) {
                if (mono_ms() - looked >= (ww->partitions
                                               ? WATCH_METADATA_MS
                                               : WATCH_FIRST_LOOK_MS)) {
                        follow(ww);
                        looked = mono_ms();
                }
                rd_kafka_message_t *m =
                    rd_kafka_consumer_poll(ww->rk, WATCH_POLL_MS);
                if (m) {
                        handle(ww, m);
                        rd_kafka_message_destroy(m);
                }
        }
        return NULL;
}

/* Loop thread: hands the queued records to on_seen, outside the lock. */
static void on_async(uv_async_t *a)
{
        struct writer_watch *ww = a->data;
        struct writer_seen batch[WATCH_QUEUE];
        size_t n;

        pthread_mutex_lock(&ww->lock);
        n = ww->queued;
        memcpy(batch, ww->queue, n * sizeof(*batch));
        ww->queued = 0;
        pthread_mutex_unlock(&ww->lock);
        for (size_t i = 0; i < n; i++) {
                ww->on_seen(ww->ctx, &batch[i]);
        }
}

static void free_watch(struct writer_watch *ww)
{
        if (ww->rkt) {
                rd_kafka_topic_destroy(ww->rkt);
        }
        if (ww->rk) {
                (void)rd_kafka_consumer_close(ww->rk); /* nothing to commit */
                rd_kafka_destroy(ww->rk);
        }
        wire_object_finish(&ww->obj);
        pthread_mutex_destroy(&ww->lock);
        free(ww->topic);
        free(ww->own);
        free(ww);
}

static void on_closed(uv_handle_t *h)
{
        free_watch(h->data);
}

struct writer_watch *
writer_watch_start(uv_loop_t *loop, const char *brokers, const char *topic,
                   const char *own_instance, uint64_t started_ms,
                   const struct settings *s, writer_watch_cb on_seen, void *ctx,
                   char *errstr, size_t errstr_size)
{
        struct writer_watch *ww = calloc(1, sizeof(*ww));
        rd_kafka_conf_t *conf   = rd_kafka_conf_new();
        char group[96];

        if (!ww || !conf) {
                snprintf(errstr, errstr_size, "out of memory");
                free(ww);
                if (conf) {
                        rd_kafka_conf_destroy(conf);
                }
                return NULL;
        }
        pthread_mutex_init(&ww->lock, NULL);
        ww->on_seen    = on_seen;
        ww->ctx        = ctx;
        ww->topic      = strdup(topic);
        ww->own        = strdup(own_instance);
        ww->started_ms = started_ms;
        if (!ww->topic || !ww->own) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        /* A group id only for rd_kafka_assign(): nothing is committed. */
        snprintf(group, sizeof(group), "csv-producer-writers-%s", own_instance);
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
        /* The producer's -X properties are producer properties; only
         * those a consumer shares (security, addresses) apply here. */
        if (kafka_conf_apply_shared(conf, s, errstr, errstr_size) != 0) {
                goto error;
        }
        kafka_conf_route_logs(conf);
        ww->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
        if (!ww->rk) {
                goto error;
        }
        conf = NULL; /* owned by rk */
        rd_kafka_poll_set_consumer(ww->rk);
        ww->rkt = rd_kafka_topic_new(ww->rk, topic, NULL);
        if (!ww->rkt || uv_async_init(loop, &ww->async, on_async) != 0) {
                snprintf(errstr, errstr_size, "cannot start the status reader");
                goto error;
        }
        ww->async.data = ww;
        if (pthread_create(&ww->thread, NULL, run, ww) != 0) {
                snprintf(errstr, errstr_size, "cannot start the status reader");
                uv_close((uv_handle_t *)&ww->async, on_closed);
                return NULL;
        }
        ww->started = true;
        return ww;
error:
        if (conf) {
                rd_kafka_conf_destroy(conf);
        }
        free_watch(ww);
        return NULL;
}

void writer_watch_stop(struct writer_watch *ww)
{
        if (!ww) {
                return;
        }
        atomic_store(&ww->stop, true);
        pthread_join(ww->thread, NULL);
        uv_close((uv_handle_t *)&ww->async, on_closed);
}
