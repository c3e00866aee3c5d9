/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_MESSAGE_PIPE_H
#define DASHBOARD_MESSAGE_PIPE_H

/*
 * Where the fetch thread and the Kafka thread meet (one mutex, two
 * condition variables): a ring of MESSAGE_PIPE_BATCHES batches of consumed
 * messages, handed over whole, so the lock is taken once per batch, never
 * per message.
 *
 * Each batch slot goes round the ring in order:
 *
 *   fetch thread   message_pipe_fill()   -> frees what the slot held (the
 *                                           messages of a batch applied
 *                                           MESSAGE_PIPE_BATCHES batches
 *                                           ago), fills it
 *                  message_pipe_commit() -> the slot is the Kafka thread's
 *   Kafka thread   message_pipe_take()   -> the oldest committed batch
 *                  message_pipe_done()   -> back to the fetch thread, which
 *                                           frees its messages on reuse
 *
 * Batches are taken in the order they were committed, and a batch keeps
 * the order of its messages, so the Kafka thread sees the messages in the
 * order the fetch thread read them. The fetch thread waits while every
 * slot is committed or being applied (the ring is bounded); the Kafka
 * thread waits while none is committed, until a timeout or a wake.
 *
 * The items are opaque pointers; the pipe frees leftovers with the release
 * function given at creation, when it is destroyed.
 */

#include <stdbool.h>
#include <stddef.h>

/* Batches in the ring, and items per batch. */
#define MESSAGE_PIPE_BATCHES   4
#define MESSAGE_PIPE_BATCH_MAX 2000

struct message_pipe;

/* One slot of the ring: while a thread holds it, only that thread reads or
 * writes it. */
struct message_batch {
        void *items[MESSAGE_PIPE_BATCH_MAX];
        size_t n;
};

/**
 * @param release  frees one item (the fetch thread's items on reuse of a
 *                 slot, and leftovers at destroy).
 * @returns the pipe, or NULL when memory runs out.
 * @locality any thread, before the two threads start.
 */
struct message_pipe *message_pipe_create(void (*release)(void *item));

/**
 * @brief Frees every item still held and the pipe. NULL is a no-op.
 * @locality after both threads are joined.
 */
void message_pipe_destroy(struct message_pipe *p);

/**
 * @brief The next slot to fill, emptied (its old items released). Waits
 *        while the ring is full.
 * @returns the slot, or NULL once the pipe is closed.
 * @locks takes the pipe's mutex; releases items outside it.
 * @locality fetch thread.
 */
struct message_batch *message_pipe_fill(struct message_pipe *p);

/**
 * @brief Hands the slot returned by the last message_pipe_fill() over to the
 *        Kafka thread (an empty one too: it wakes the taker).
 * @locks takes the pipe's mutex. @locality fetch thread.
 */
void message_pipe_commit(struct message_pipe *p);

/**
 * @brief The oldest committed batch. Waits up to timeout_ms (0: never) for
 *        one; message_pipe_wake() and message_pipe_close() end the wait
 *        early.
 * @returns the batch, or NULL (timeout, wake or closed).
 * @locks takes the pipe's mutex. @locality Kafka thread.
 */
struct message_batch *message_pipe_take(struct message_pipe *p, int timeout_ms);

/**
 * @brief Gives the batch returned by the last message_pipe_take() back;
 *        the fetch thread frees its items when it reuses the slot.
 * @locks takes the pipe's mutex. @locality Kafka thread.
 */
void message_pipe_done(struct message_pipe *p);

/**
 * @brief Ends the Kafka thread's current or next wait in message_pipe_take()
 *        (a web request or the metadata watch has work for it).
 * @locks takes the pipe's mutex. @locality any thread.
 */
void message_pipe_wake(struct message_pipe *p);

/**
 * @brief Both sides return NULL from now on (waits end at once).
 * @locks takes the pipe's mutex. @locality any thread.
 */
void message_pipe_close(struct message_pipe *p);

/** @returns whether message_pipe_close() was called. @locks the mutex. */
bool message_pipe_closed(struct message_pipe *p);

#endif
