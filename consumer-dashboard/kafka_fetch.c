/* SPDX-License-Identifier: MIT */
#include "kafka_fetch.h"

#include <pthread.h>
#include <stdlib.h>

#define FETCH_POLL_TIMEOUT_MS 100 /* between looks at the pipe's close */

struct kafka_fetch {
        rd_kafka_t *rk;
        rd_kafka_queue_t *queue; /* the consumer queue, for waking the poll */
        struct message_pipe *pipe;
        pthread_t thread;
};

void kafka_fetch_release(void *message)
{
        rd_kafka_message_destroy(message);
}

/* librdkafka parses a message's headers on first use and keeps them with
 * the message: doing it here takes it off the Kafka thread. */
static void prepare(rd_kafka_message_t *m)
{
        rd_kafka_headers_t *h;
        if (!m->err) {
                (void)rd_kafka_message_headers(m, &h); /* none: fine */
        }
}

/* The first message for the batch, waiting for it; NULL once closed. */
static rd_kafka_message_t *first(struct kafka_fetch *f)
{
        rd_kafka_message_t *m = NULL;
        while (!m && !message_pipe_closed(f->pipe)) {
                m = rd_kafka_consumer_poll(f->rk, FETCH_POLL_TIMEOUT_MS);
        }
        return m;
}

static void *run(void *arg)
{
        struct kafka_fetch *f = arg;
        struct message_batch *b;
        while ((b = message_pipe_fill(f->pipe)) != NULL) {
                rd_kafka_message_t *m = first(f);
                if (!m) {
                        break;
                }
                /* Whatever is queued already goes in the same batch; a
                 * message that arrives alone is handed over alone. */
                do {
                        prepare(m);
                        b->items[b->n++] = m;
                } while (b->n < MESSAGE_PIPE_BATCH_MAX &&
                         (m = rd_kafka_consumer_poll(f->rk, 0)) != NULL);
                message_pipe_commit(f->pipe);
        }
        return NULL;
}

struct kafka_fetch *kafka_fetch_start(rd_kafka_t *rk, rd_kafka_queue_t *queue,
                                      struct message_pipe *pipe)
{
        struct kafka_fetch *f = calloc(1, sizeof(*f));
        if (!f) {
                return NULL;
        }
        *f = (struct kafka_fetch){.rk = rk, .queue = queue, .pipe = pipe};
        if (pthread_create(&f->thread, NULL, run, f) != 0) {
                free(f);
                return NULL;
        }
        return f;
}

void kafka_fetch_stop(struct kafka_fetch *f)
{
        if (!f) {
                return;
        }
        rd_kafka_queue_yield(f->queue); /* ends a poll's wait */
        pthread_join(f->thread, NULL);
        free(f);
}
