/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_ACK_TRACKER_H
#define PRODUCER_ACK_TRACKER_H

/*
 * Tracks messages in flight in produce order (pure). Kafka acknowledges
 * them in any order across partitions; the tracker hands back entries only
 * as a contiguous acknowledged prefix, so a checkpoint built from them
 * never passes a record that is not yet stored.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ack_kind {
        ACK_ROW = 0,  /* a row or a dead-lettered record */
        ACK_RESET,    /* one partition's copy of a reset marker */
        ACK_SNAPSHOT, /* one partition's copy of a snapshot-complete marker */
};

/* Where reading may resume once this message and all before it are
 * stored. */
struct ack_pos {
        enum ack_kind kind;
        uint64_t generation;
        uint64_t offset;      /* byte offset after the record */
        uint64_t line;        /* line number at offset */
        uint64_t next_record; /* number of the record at offset */
        uint64_t row_count;   /* good rows among records before it */
        uint32_t bytes;       /* payload size, for back-pressure */
        uint64_t sent_ms;     /* when it was produced (any clock; health) */
        bool is_last;         /* control markers: the last partition's copy */
};

struct ack_tracker;

/** @brief capacity: most entries in flight at once (rounded up to a power
 *         of two). @returns the tracker (caller owns) or NULL. */
struct ack_tracker *ack_tracker_create(size_t capacity);
void ack_tracker_destroy(struct ack_tracker *t);

/** @brief Appends an entry. @returns 0 and sets *seq (the message's
 *         opaque), or -1 when full. */
int ack_tracker_push(struct ack_tracker *t, const struct ack_pos *pos,
                     uint64_t *seq);

/** @brief Records a delivery result for seq (ok false: failed). */
void ack_tracker_ack(struct ack_tracker *t, uint64_t seq, bool ok);

/**
 * @brief Pops the oldest entry if it was acknowledged successfully.
 * @returns true and fills *out, false if the oldest is pending or failed
 *          (or nothing is in flight).
 */
bool ack_tracker_pop(struct ack_tracker *t, struct ack_pos *out);

/** @returns entries pushed and not yet popped (incl. acknowledged ones). */
size_t ack_tracker_count(const struct ack_tracker *t);
/** @returns entries with no delivery result yet. */
size_t ack_tracker_pending(const struct ack_tracker *t);
/** @returns payload bytes of entries with no delivery result yet. */
uint64_t ack_tracker_pending_bytes(const struct ack_tracker *t);
/**
 * @brief The oldest entry still waiting for its delivery result.
 * @returns true and fills *out, false when nothing is pending.
 */
bool ack_tracker_oldest_pending(const struct ack_tracker *t,
                                struct ack_pos *out);
/** @returns true if any entry in the tracker failed. */
bool ack_tracker_has_failed(const struct ack_tracker *t);
/** @brief Forgets every entry (after a rewind; pending results for old
 *         entries must not arrive afterwards). */
void ack_tracker_clear(struct ack_tracker *t);

#endif
