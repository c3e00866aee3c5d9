/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_DLQ_RECORD_H
#define PRODUCER_DLQ_RECORD_H

/*
 * The dead-letter message value (pure), as in docs/wire-format.md:
 * {"source":...,"source_id":...,"generation":...,"record":...,"line":...,"offset":...,
 *  "reason":...,"raw":...}. The raw text is cut at DLQ_RECORD_RAW_MAX
 * bytes; bytes that are not valid UTF-8 are written as \u00XX so the value
 * stays valid JSON.
 */

#include <stddef.h>
#include <stdint.h>

#define DLQ_RECORD_RAW_MAX (64u * 1024u)

struct wire_buf;

struct dlq_record {
        const char *source;
        uint64_t generation;
        uint64_t record;
        uint64_t line;
        uint64_t offset;
        const char *reason;
        const char *raw;
        size_t raw_len;
};

/** @brief Appends the JSON value to out. @returns 0 or -1 (OOM). */
int dlq_record_encode(struct wire_buf *out, const struct dlq_record *r);

#endif
