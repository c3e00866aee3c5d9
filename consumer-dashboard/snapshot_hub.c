/* SPDX-License-Identifier: MIT */
#include "snapshot_hub.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct hub_viewer {
        void *conn;
        uint64_t sent_seq;
        bool is_ready; /* handshake done: pushers may write to it */
        bool busy;
        bool dead;
        struct hub_viewer *prev, *next;
};

struct snapshot_hub {
        pthread_mutex_t lock;
        pthread_cond_t cond;      /* answers, a viewer not busy, close */
        pthread_cond_t push_cond; /* a pusher may have work: one is woken */
        struct hub_blob *latest;
        struct hub_request *queue_head, *queue_tail;
        void (*wake)(void *);
        void *wake_ctx;
        struct hub_viewer *viewers;
        struct hub_stats stats;
        bool closed;
};

struct snapshot_hub *snapshot_hub_create(void)
{
        struct snapshot_hub *h = calloc(1, sizeof(*h));
        if (!h) {
                return NULL;
        }
        pthread_mutex_init(&h->lock, NULL);
        pthread_cond_init(&h->cond, NULL);
        pthread_cond_init(&h->push_cond, NULL);
        return h;
}

static void blob_free(struct hub_blob *b)
{
        free(b->json);
        free(b->metrics);
        free(b->health_reason);
        free(b);
}

void snapshot_hub_destroy(struct snapshot_hub *h)
{
        if (!h) {
                return;
        }
        if (h->latest && --h->latest->refs == 0) {
                blob_free(h->latest);
        }
        struct hub_viewer *v = h->viewers;
        while (v) {
                struct hub_viewer *next = v->next;
                free(v);
                v = next;
        }
        pthread_cond_destroy(&h->cond);
        pthread_cond_destroy(&h->push_cond);
        pthread_mutex_destroy(&h->lock);
        free(h);
}

void snapshot_hub_publish(struct snapshot_hub *h, char *json, size_t json_len,
                          char *metrics, size_t metrics_len, bool caught_up,
                          const char *health_reason)
{
        struct hub_blob *b = calloc(1, sizeof(*b));
        if (!b) {
                free(json);
                free(metrics);
                return;
        }
        *b = (struct hub_blob){json, json_len,  metrics, metrics_len,
                               0,    caught_up, 1,       NULL};
        if (health_reason && health_reason[0]) {
                b->health_reason = strdup(health_reason); /* NULL: says ok */
        }
        struct hub_blob *old = NULL;
        pthread_mutex_lock(&h->lock);
        b->seq = h->latest ? h->latest->seq + 1 : 1;
        if (h->latest && --h->latest->refs == 0) {
                old = h->latest;
        }
        h->latest = b;
        pthread_cond_broadcast(&h->cond);
        pthread_cond_signal(&h->push_cond); /* it wakes the next, see below */
        pthread_mutex_unlock(&h->lock);
        if (old) {
                blob_free(old);
        }
}

struct hub_blob *snapshot_hub_acquire(struct snapshot_hub *h)
{
        pthread_mutex_lock(&h->lock);
        struct hub_blob *b = h->latest;
        if (b) {
                b->refs++;
        }
        pthread_mutex_unlock(&h->lock);
        return b;
}

void snapshot_hub_release(struct snapshot_hub *h, struct hub_blob *b)
{
        if (!b) {
                return;
        }
        pthread_mutex_lock(&h->lock);
        bool last = --b->refs == 0;
        pthread_mutex_unlock(&h->lock);
        if (last) {
                blob_free(b);
        }
}

void snapshot_hub_set_wake(struct snapshot_hub *h, void (*wake)(void *),
                           void *ctx)
{
        pthread_mutex_lock(&h->lock);
        h->wake     = wake;
        h->wake_ctx = ctx;
        pthread_mutex_unlock(&h->lock);
}

void snapshot_hub_request(struct snapshot_hub *h, struct hub_request *r)
{
        r->done = false;
        r->next = NULL;
        pthread_mutex_lock(&h->lock);
        if (h->closed) {
                pthread_mutex_unlock(&h->lock);
                r->status = 503;
                return;
        }
        if (h->queue_tail) {
                h->queue_tail->next = r;
        } else {
                h->queue_head = r;
        }
        h->queue_tail        = r;
        void (*wake)(void *) = h->wake;
        void *ctx            = h->wake_ctx;
        pthread_mutex_unlock(&h->lock);
        if (wake) {
                wake(ctx); /* outside the lock: it calls into librdkafka */
        }
        /* Queued requests are answered by the Kafka thread, or with 503 by
         * snapshot_hub_close(); taken ones are always answered. */
        pthread_mutex_lock(&h->lock);
        while (!r->done) {
                pthread_cond_wait(&h->cond, &h->lock);
        }
        pthread_mutex_unlock(&h->lock);
}

struct hub_request *snapshot_hub_take_requests(struct snapshot_hub *h)
{
        pthread_mutex_lock(&h->lock);
        struct hub_request *r = h->queue_head;
        h->queue_head = h->queue_tail = NULL;
        pthread_mutex_unlock(&h->lock);
        return r;
}

void snapshot_hub_answer(struct snapshot_hub *h, struct hub_request *r)
{
        pthread_mutex_lock(&h->lock);
        r->done = true;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

void snapshot_hub_close(struct snapshot_hub *h)
{
        pthread_mutex_lock(&h->lock);
        h->closed = true;
        /* Requests nobody will serve any more. */
        for (struct hub_request *r = h->queue_head; r; r = r->next) {
                r->status = 503;
                r->done   = true;
        }
        h->queue_head = h->queue_tail = NULL;
        pthread_cond_broadcast(&h->cond);
        pthread_cond_broadcast(&h->push_cond);
        pthread_mutex_unlock(&h->lock);
}

struct hub_viewer *snapshot_hub_viewer_add(struct snapshot_hub *h, void *conn,
                                           size_t max_viewers)
{
        struct hub_viewer *v = calloc(1, sizeof(*v));
        if (!v) {
                return NULL;
        }
        v->conn = conn;
        pthread_mutex_lock(&h->lock);
        if (h->stats.viewers >= max_viewers || h->closed) {
                h->stats.rejected_viewers++;
                pthread_mutex_unlock(&h->lock);
                free(v);
                return NULL;
        }
        v->next = h->viewers;
        if (h->viewers) {
                h->viewers->prev = v;
        }
        h->viewers = v;
        h->stats.viewers++;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
        return v;
}

void snapshot_hub_viewer_ready(struct snapshot_hub *h, struct hub_viewer *v)
{
        if (!v) {
                return;
        }
        pthread_mutex_lock(&h->lock);
        v->is_ready = true;
        pthread_cond_signal(&h->push_cond);
        pthread_mutex_unlock(&h->lock);
}

void snapshot_hub_viewer_remove(struct snapshot_hub *h, struct hub_viewer *v)
{
        if (!v) {
                return;
        }
        pthread_mutex_lock(&h->lock);
        v->dead = true;
        while (v->busy) {
                pthread_cond_wait(&h->cond, &h->lock);
        }
        if (v->prev) {
                v->prev->next = v->next;
        } else {
                h->viewers = v->next;
        }
        if (v->next) {
                v->next->prev = v->prev;
        }
        h->stats.viewers--;
        pthread_mutex_unlock(&h->lock);
        free(v);
}

struct hub_viewer *snapshot_hub_push_next(struct snapshot_hub *h, void **conn,
                                          struct hub_blob **blob)
{
        pthread_mutex_lock(&h->lock);
        for (;;) {
                if (h->closed) {
                        pthread_mutex_unlock(&h->lock);
                        return NULL;
                }
                struct hub_viewer *v = h->viewers;
                uint64_t seq         = h->latest ? h->latest->seq : 0;
                while (v && (!v->is_ready || v->busy || v->dead ||
                             v->sent_seq >= seq)) {
                        v = v->next;
                }
                if (v) {
                        v->busy = true;
                        if (v->sent_seq && seq > v->sent_seq + 1) {
                                h->stats.skipped += seq - v->sent_seq - 1;
                        }
                        v->sent_seq = seq;
                        h->latest->refs++;
                        *blob = h->latest;
                        *conn = v->conn;
                        /* Another viewer may be waiting: the next idle
                         * pusher looks (one wake-up at most is wasted). */
                        pthread_cond_signal(&h->push_cond);
                        pthread_mutex_unlock(&h->lock);
                        return v;
                }
                pthread_cond_wait(&h->push_cond, &h->lock);
        }
}

void snapshot_hub_push_done(struct snapshot_hub *h, struct hub_viewer *v,
                            struct hub_blob *blob, bool ok)
{
        pthread_mutex_lock(&h->lock);
        v->busy = false;
        if (!ok) {
                v->dead = true;
        } else {
                h->stats.pushes++;
        }
        bool last = --blob->refs == 0;
        pthread_cond_broadcast(&h->cond); /* snapshot_hub_viewer_remove */
        /* The viewer may have missed a newer snapshot while busy; the
         * caller usually looks itself, this covers one that does not. */
        pthread_cond_signal(&h->push_cond);
        pthread_mutex_unlock(&h->lock);
        if (last) {
                blob_free(blob);
        }
}

void snapshot_hub_stats(struct snapshot_hub *h, struct hub_stats *out)
{
        pthread_mutex_lock(&h->lock);
        *out = h->stats;
        pthread_mutex_unlock(&h->lock);
}
