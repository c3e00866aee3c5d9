/* SPDX-License-Identifier: MIT */
#include "message_pipe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define NS_PER_MS  1000000L
#define NS_PER_SEC 1000000000L

struct message_pipe {
        pthread_mutex_t lock;
        pthread_cond_t ready; /* a batch was committed, a wake, the close */
        pthread_cond_t space; /* a batch was done, the close */
        void (*release)(void *item);
        /* Batches committed, taken and done since the start; batch k lives
         * in slot k % MESSAGE_PIPE_BATCHES. done <= taken <= filled. */
        uint64_t filled, taken, done;
        bool woken;
        bool closed;
        struct message_batch slots[MESSAGE_PIPE_BATCHES];
};

struct message_pipe *message_pipe_create(void (*release)(void *item))
{
        struct message_pipe *p = calloc(1, sizeof(*p));
        pthread_condattr_t attr;
        if (!p) {
                return NULL;
        }
        p->release = release;
        pthread_mutex_init(&p->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&p->ready, &attr);
        pthread_condattr_destroy(&attr);
        pthread_cond_init(&p->space, NULL);
        return p;
}

static void release_all(struct message_pipe *p, struct message_batch *b)
{
        for (size_t i = 0; i < b->n; i++) {
                p->release(b->items[i]);
        }
        b->n = 0;
}

void message_pipe_destroy(struct message_pipe *p)
{
        if (!p) {
                return;
        }
        for (size_t i = 0; i < MESSAGE_PIPE_BATCHES; i++) {
                release_all(p, &p->slots[i]);
        }
        pthread_cond_destroy(&p->ready);
        pthread_cond_destroy(&p->space);
        pthread_mutex_destroy(&p->lock);
        free(p);
}

struct message_batch *message_pipe_fill(struct message_pipe *p)
{
        pthread_mutex_lock(&p->lock);
        /* The slot of batch `filled` last held batch filled - BATCHES, which
         * must be done. */
        while (!p->closed && p->filled - p->done >= MESSAGE_PIPE_BATCHES) {
                pthread_cond_wait(&p->space, &p->lock);
        }
        struct message_batch *b =
            p->closed ? NULL : &p->slots[p->filled % MESSAGE_PIPE_BATCHES];
        pthread_mutex_unlock(&p->lock);
        if (b) {
                release_all(p, b); /* ours until committed */
        }
        return b;
}

void message_pipe_commit(struct message_pipe *p)
{
        pthread_mutex_lock(&p->lock);
        p->filled++;
        pthread_cond_signal(&p->ready);
        pthread_mutex_unlock(&p->lock);
}

static void deadline_after(struct timespec *ts, int timeout_ms)
{
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += timeout_ms / 1000;
        ts->tv_nsec += (long)(timeout_ms % 1000) * NS_PER_MS;
        if (ts->tv_nsec >= NS_PER_SEC) {
                ts->tv_sec++;
                ts->tv_nsec -= NS_PER_SEC;
        }
}

struct message_batch *message_pipe_take(struct message_pipe *p, int timeout_ms)
{
        struct timespec deadline;
        bool timed_out = timeout_ms <= 0;
        if (!timed_out) {
                deadline_after(&deadline, timeout_ms);
        }
        pthread_mutex_lock(&p->lock);
        while (!p->closed && !p->woken && !timed_out && p->taken == p->filled) {
                timed_out =
                    pthread_cond_timedwait(&p->ready, &p->lock, &deadline) != 0;
        }
        struct message_batch *b = NULL;
        if (!p->closed && p->taken < p->filled) {
                b = &p->slots[p->taken % MESSAGE_PIPE_BATCHES];
                p->taken++;
        }
        p->woken = false;
        pthread_mutex_unlock(&p->lock);
        return b;
}

void message_pipe_done(struct message_pipe *p)
{
        pthread_mutex_lock(&p->lock);
        p->done = p->taken;
        pthread_cond_signal(&p->space);
        pthread_mutex_unlock(&p->lock);
}

void message_pipe_wake(struct message_pipe *p)
{
        pthread_mutex_lock(&p->lock);
        p->woken = true;
        pthread_cond_signal(&p->ready);
        pthread_mutex_unlock(&p->lock);
}

void message_pipe_close(struct message_pipe *p)
{
        pthread_mutex_lock(&p->lock);
        p->closed = true;
        pthread_cond_broadcast(&p->ready);
        pthread_cond_broadcast(&p->space);
        pthread_mutex_unlock(&p->lock);
}

bool message_pipe_closed(struct message_pipe *p)
{
        pthread_mutex_lock(&p->lock);
        bool closed = p->closed;
        pthread_mutex_unlock(&p->lock);
        return closed;
}
