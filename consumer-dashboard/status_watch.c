/* SPDX-License-Identifier: MIT */
#include "status_watch.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/topic_follow.h"
#include "core/producer_status.h"

#define STATUS_POLL_MS     200
#define STATUS_METADATA_MS 5000 /* looks for (new) partitions */

struct status_watch {
        struct topic_follow *tf; /* the thread's */
        pthread_t thread;
        atomic_bool stop;
        pthread_mutex_t lock;
        struct producer_status *table; /* under lock */
        struct wire_object obj;
};

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

        while (!atomic_load(&sw->stop)) {
                rd_kafka_message_t *m = topic_follow_poll(
                    sw->tf, STATUS_METADATA_MS, STATUS_POLL_MS);
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

        if (!sw) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&sw->lock, NULL);
        sw->table = producer_status_create();
        /* From the beginning: the compacted topic keeps the latest record
         * per source. */
        sw->tf = sw->table ? topic_follow_create(brokers, topic,
                                                 "consumer-dashboard-status", s,
                                                 TOPIC_FOLLOW_ALL_PROPS, -1,
                                                 errstr, errstr_size)
                           : NULL;
        if (!sw->table) {
                snprintf(errstr, errstr_size, "out of memory");
        }
        if (sw->tf && pthread_create(&sw->thread, NULL, run, sw) != 0) {
                snprintf(errstr, errstr_size, "cannot start the status reader");
                topic_follow_destroy(sw->tf);
                sw->tf = NULL;
        }
        if (!sw->tf) {
                producer_status_destroy(sw->table);
                pthread_mutex_destroy(&sw->lock);
                free(sw);
                return NULL;
        }
        return sw;
}

void status_watch_stop(struct status_watch *sw)
{
        if (!sw) {
                return;
        }
        atomic_store(&sw->stop, true);
        pthread_join(sw->thread, NULL);
        topic_follow_destroy(sw->tf);
        wire_object_finish(&sw->obj);
        producer_status_destroy(sw->table);
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
