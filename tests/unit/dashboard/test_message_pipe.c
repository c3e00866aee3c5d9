/* SPDX-License-Identifier: MIT */
/* Unit tests of the hand-over between the fetch thread and the Kafka thread
 * (consumer-dashboard/message_pipe.c): batches arrive whole and in order,
 * the ring is bounded, items are released on reuse and at destroy, waits
 * end on timeout, wake and close; and two real threads passing numbered
 * items see every one once, in order (run under TSan by tests/tsan). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "message_pipe.h"

#define THREADED_ITEMS 200000

/* Items are numbers cast to pointers; releasing one counts it. */
static uint64_t released, released_sum;

static void release(void *item)
{
        released++;
        released_sum += (uintptr_t)item;
}

static void *item(uintptr_t k)
{
        return (void *)k;
}

static void test_batches_in_order_and_released_on_reuse(void)
{
        struct message_pipe *p = message_pipe_create(release);
        released = released_sum = 0;
        for (uintptr_t k = 1; k <= MESSAGE_PIPE_BATCHES; k++) {
                struct message_batch *b = message_pipe_fill(p);
                CHECK(b != NULL);
                CHECK_EQ_INT(b->n, 0);
                b->items[b->n++] = item(k);
                b->items[b->n++] = item(100 + k);
                message_pipe_commit(p);
        }
        for (uintptr_t k = 1; k <= MESSAGE_PIPE_BATCHES; k++) {
                struct message_batch *b = message_pipe_take(p, 0);
                CHECK(b != NULL);
                CHECK_EQ_INT(b->n, 2);
                CHECK_EQ_INT((uintptr_t)b->items[0], k);
                CHECK_EQ_INT((uintptr_t)b->items[1], 100 + k);
                message_pipe_done(p);
        }
        CHECK(message_pipe_take(p, 0) == NULL); /* all taken */
        CHECK_EQ_INT(released, 0);              /* nothing reused yet */
        struct message_batch *b = message_pipe_fill(p);
        CHECK(b != NULL);
        CHECK_EQ_INT(b->n, 0);
        CHECK_EQ_INT(released, 2); /* the first batch's items */
        CHECK_EQ_INT(released_sum, 1 + 101);
        b->items[b->n++] = item(7);
        message_pipe_commit(p);
        message_pipe_destroy(p); /* the other three batches and the new one */
        CHECK_EQ_INT(released, 2 + 2 * (MESSAGE_PIPE_BATCHES - 1) + 1);
}

/* A batch taken but not done keeps its slot: the fetch thread cannot refill
 * it before the Kafka thread is through with it. */
struct filler {
        struct message_pipe *p;
        struct message_batch *got;
};

static void *fill_one(void *arg)
{
        struct filler *f = arg;
        f->got           = message_pipe_fill(f->p);
        return NULL;
}

static void test_ring_is_bounded_and_close_ends_waits(void)
{
        struct message_pipe *p = message_pipe_create(release);
        for (int k = 0; k < MESSAGE_PIPE_BATCHES; k++) {
                struct message_batch *b = message_pipe_fill(p);
                b->items[b->n++]        = item(1);
                message_pipe_commit(p);
        }
        CHECK(message_pipe_take(p, 0) != NULL); /* taken, not done */
        /* The ring is full: this fill waits until the close. */
        struct filler f = {p, item(1)};
        pthread_t t;
        CHECK_EQ_INT(pthread_create(&t, NULL, fill_one, &f), 0);
        message_pipe_close(p);
        pthread_join(t, NULL);
        CHECK(f.got == NULL);
        CHECK(message_pipe_closed(p));
        CHECK(message_pipe_take(p, 1000) == NULL); /* closed: at once */
        message_pipe_destroy(p);
}

static void *wake_soon(void *arg)
{
        message_pipe_wake(arg);
        return NULL;
}

static void test_take_times_out_and_wakes(void)
{
        struct message_pipe *p = message_pipe_create(release);
        CHECK(message_pipe_take(p, 0) == NULL);
        CHECK(message_pipe_take(p, 20) == NULL); /* a short timeout ends */
        pthread_t t;
        CHECK_EQ_INT(pthread_create(&t, NULL, wake_soon, p), 0);
        /* Ends on the wake (or at once if it came first); the generous
         * timeout is only a bound. */
        CHECK(message_pipe_take(p, 60000) == NULL);
        pthread_join(t, NULL);
        /* An empty batch is handed over too (it wakes the taker). */
        CHECK(message_pipe_fill(p) != NULL);
        message_pipe_commit(p);
        struct message_batch *b = message_pipe_take(p, 60000);
        CHECK(b != NULL && b->n == 0);
        message_pipe_done(p);
        message_pipe_destroy(p);
}

static void *produce(void *arg)
{
        struct message_pipe *p = arg;
        uintptr_t k            = 1;
        unsigned seed          = 7;
        struct message_batch *b;
        while (k <= THREADED_ITEMS && (b = message_pipe_fill(p)) != NULL) {
                size_t n = 1 + (size_t)rand_r(&seed) % MESSAGE_PIPE_BATCH_MAX;
                while (b->n < n && k <= THREADED_ITEMS) {
                        b->items[b->n++] = item(k++);
                }
                message_pipe_commit(p);
        }
        return NULL;
}

static void test_two_threads_keep_order(void)
{
        struct message_pipe *p = message_pipe_create(release);
        released = released_sum = 0;
        pthread_t t;
        CHECK_EQ_INT(pthread_create(&t, NULL, produce, p), 0);
        uintptr_t want = 1;
        int bad        = 0;
        while (want <= THREADED_ITEMS) {
                struct message_batch *b = message_pipe_take(p, 60000);
                if (!b) {
                        continue; /* timeout: the producer is slow */
                }
                for (size_t i = 0; i < b->n; i++) {
                        bad += (uintptr_t)b->items[i] != want++;
                }
                message_pipe_done(p);
        }
        pthread_join(t, NULL);
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(want, THREADED_ITEMS + 1);
        message_pipe_destroy(p);
        /* Every item released once: on reuse or at destroy. */
        CHECK_EQ_INT(released, THREADED_ITEMS);
        CHECK_EQ_INT(released_sum,
                     (uint64_t)THREADED_ITEMS * (THREADED_ITEMS + 1) / 2);
}

int main(void)
{
        test_batches_in_order_and_released_on_reuse();
        test_ring_is_bounded_and_close_ends_waits();
        test_take_times_out_and_wakes();
        test_two_threads_keep_order();
        return check_exit();
}
