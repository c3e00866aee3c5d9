/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_CORE_WRITER_CONFLICT_H
#define PRODUCER_CORE_WRITER_CONFLICT_H

/*
 * One writer per source, across machines: every producer writes a status
 * record per source to the status topic (docs/producer.md); a producer
 * that reads there a record of one of its own sources from another
 * instance, written while it runs, knows that two producers write that
 * source. The one that started later stops; the other goes on and says so.
 *
 * Pure code: no I/O; the status topic is read by writer_watch.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

#define WRITER_TEXT_MAX 1024

/* What a status record says about its writer. */
struct writer_seen {
        char source[WRITER_TEXT_MAX];
        char instance[64];
        uint64_t started_ms; /* 0: a producer that does not say */
        uint64_t ts_ms;
        uint64_t interval_ms;
        bool stopped; /* its last record: it shut down */
};

/**
 * @brief Reads a status record (key = source, value = its JSON object;
 *        scratch is reused between calls).
 * @returns 0, or -1 when it is not a status record (a tombstone, not JSON,
 *          no instance).
 */
int writer_seen_decode(struct wire_object *scratch, const char *key,
                       size_t key_len, const char *json, size_t len,
                       struct writer_seen *out);

enum writer_verdict {
        WRITER_SELF,        /* our own record */
        WRITER_GONE,        /* an older one stopped */
        WRITER_BEFORE,      /* written before we started: a predecessor */
        WRITER_OTHER_OLDER, /* another one, started first: we must stop */
        WRITER_OTHER_NEWER, /* another one, started later: it must stop
                             * (or did: its last record) */
};

/**
 * @brief Judges a record of one of our sources read while we run (one
 *        written before own_started_ms says nothing about now). The
 *        producer that started first keeps the source; equal start times
 *        are ordered by instance id; a record without a start time counts
 *        as the older one.
 */
enum writer_verdict writer_judge(const struct writer_seen *seen,
                                 const char *own_instance,
                                 uint64_t own_started_ms);

#endif
