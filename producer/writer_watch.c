/* SPDX-License-Identifier: MIT */
#include "writer_watch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/topic_follow.h"

#define WATCH_POLL_MS       200
#define WATCH_LOOK_MS       5000 /* looks for new partitions */
#define WATCH_FIRST_LOOK_MS 1000 /* until the topic is there */
#define WATCH_QUEUE                                                            \
        64 /* records waiting for the loop; more are                           \
            * dropped: a writer repeats every interval */

struct writer_watch {
        struct topic_follow *tf; /* reader thread only */
        char *own;
        pthread_t thread;
        atomic_bool stop;
        uv_async_t async;
        writer_watch_cb on_seen;
        void *ctx;
        struct wire_object obj; /* reader thread only */
        pthread_mutex_t lock;
        struct writer_seen queue[WATCH_QUEUE]; /* under lock */
        size_t queued;                         /* under lock */
};

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

        while (!atomic_load(&ww->stop)) {
                rd_kafka_message_t *m = topic_follow_poll(
                    ww->tf,
                    topic_follow_partitions(ww->tf) ? WATCH_LOOK_MS
                                                    : WATCH_FIRST_LOOK_MS,
                    WATCH_POLL_MS);
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
        topic_follow_destroy(ww->tf);
        wire_object_finish(&ww->obj);
        pthread_mutex_destroy(&ww->lock);
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

        if (!ww) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&ww->lock, NULL);
        ww->on_seen = on_seen;
        ww->ctx     = ctx;
        ww->own     = strdup(own_instance);
        if (!ww->own) {
                snprintf(errstr, errstr_size, "out of memory");
                free_watch(ww);
                return NULL;
        }
        /* The producer's -X properties are producer properties; only those
         * about reaching the cluster apply to this consumer. */
        ww->tf = topic_follow_create(brokers, topic, "csv-producer-writers", s,
                                     TOPIC_FOLLOW_SHARED_PROPS,
                                     (int64_t)started_ms, errstr, errstr_size);
        if (!ww->tf) {
                free_watch(ww);
                return NULL;
        }
        if (uv_async_init(loop, &ww->async, on_async) != 0) {
                snprintf(errstr, errstr_size, "cannot start the status reader");
                free_watch(ww);
                return NULL;
        }
        ww->async.data = ww;
        if (pthread_create(&ww->thread, NULL, run, ww) != 0) {
                snprintf(errstr, errstr_size, "cannot start the status reader");
                uv_close((uv_handle_t *)&ww->async, on_closed);
                return NULL;
        }
        return ww;
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
