/* SPDX-License-Identifier: MIT */
#include "ack_tracker.h"

#include <stdlib.h>

enum entry_state {
        ENTRY_PENDING = 0,
        ENTRY_OK,
        ENTRY_FAILED,
};

struct entry {
        struct ack_pos pos;
        enum entry_state state;
};

struct ack_tracker {
        struct entry *ring;
        size_t mask;
        uint64_t head; /* seq of the oldest entry */
        uint64_t tail; /* seq the next push gets */
        size_t pending;
        uint64_t pending_bytes;
        size_t failed;
};

struct ack_tracker *ack_tracker_create(size_t capacity)
{
        struct ack_tracker *t = calloc(1, sizeof(*t));
        size_t n              = 16;

        if (!t) {
                return NULL;
        }
        while (n < capacity) {
                n *= 2;
        }
        t->ring = calloc(n, sizeof(*t->ring));
        if (!t->ring) {
                free(t);
                return NULL;
        }
        t->mask = n - 1;
        return t;
}

void ack_tracker_destroy(struct ack_tracker *t)
{
        if (!t) {
                return;
        }
        free(t->ring);
        free(t);
}

int ack_tracker_push(struct ack_tracker *t, const struct ack_pos *pos,
                     uint64_t *seq)
{
        struct entry *e;

        if (t->tail - t->head > t->mask) {
                return -1;
        }
        e        = &t->ring[t->tail & t->mask];
        e->pos   = *pos;
        e->state = ENTRY_PENDING;
        t->pending++;
        t->pending_bytes += pos->bytes;
        *seq = t->tail++;
        return 0;
}

void ack_tracker_ack(struct ack_tracker *t, uint64_t seq, bool ok)
{
        struct entry *e;

        if (seq < t->head || seq >= t->tail) {
                return; /* from before a clear */
        }
        e = &t->ring[seq & t->mask];
        if (e->state != ENTRY_PENDING) {
                return;
        }
        e->state = ok ? ENTRY_OK : ENTRY_FAILED;
        t->pending--;
        t->pending_bytes -= e->pos.bytes;
        if (!ok) {
                t->failed++;
        }
}

bool ack_tracker_pop(struct ack_tracker *t, struct ack_pos *out)
{
        struct entry *e;

        if (t->head == t->tail) {
                return false;
        }
        e = &t->ring[t->head & t->mask];
        if (e->state != ENTRY_OK) {
                return false;
        }
        *out = e->pos;
        t->head++;
        return true;
}

bool ack_tracker_oldest_pending(const struct ack_tracker *t,
                                struct ack_pos *out)
{
        /* Results mostly arrive in order, so the first pending entry is
         * near the head. */
        for (uint64_t seq = t->head; t->pending > 0 && seq < t->tail; seq++) {
                const struct entry *e = &t->ring[seq & t->mask];
                if (e->state == ENTRY_PENDING) {
                        *out = e->pos;
                        return true;
                }
        }
        return false;
}

size_t ack_tracker_count(const struct ack_tracker *t)
{
        return (size_t)(t->tail - t->head);
}

size_t ack_tracker_pending(const struct ack_tracker *t)
{
        return t->pending;
}

uint64_t ack_tracker_pending_bytes(const struct ack_tracker *t)
{
        return t->pending_bytes;
}

bool ack_tracker_has_failed(const struct ack_tracker *t)
{
        return t->failed > 0;
}

void ack_tracker_clear(struct ack_tracker *t)
{
        /* Sequence numbers keep growing, so late results for cleared
         * entries fall below head and are ignored. */
        t->head          = t->tail;
        t->pending       = 0;
        t->pending_bytes = 0;
        t->failed        = 0;
}
