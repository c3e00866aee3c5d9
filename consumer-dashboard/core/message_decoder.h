/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_MESSAGE_DECODER_H
#define DASHBOARD_CORE_MESSAGE_DECODER_H

/*
 * Turns one message of the data topic (its headers, value, partition,
 * offset and timestamp, as the Kafka shell read them) into the message the
 * aggregates apply (docs/wire-format.md):
 *
 *   - csv.id gives the kind and the identity (source, generation,
 *     record): in wire format v3 the source is a source id, named by the
 *     reset and snapshot-complete messages' values (source_names.h); in
 *     v2 (still read) csv.kind gives the kind and csv.id the source itself;
 *     a message without csv.* headers (a Kafka UI, kcat) is a row whose
 *     identity is its partition and offset;
 *   - a row whose source id was never named is counted under a placeholder
 *     source named by its id ("source-id:<16 hex>") until a control
 *     message names it; the caller then renames the placeholder
 *     (aggregates_rename_source) and logs what struct message_naming says;
 *   - the value is a JSON row, a snapshot-complete message (last_record,
 *     row_count) or a reset message (the producer's column types, reason
 *     and instance);
 *   - a message of another wire format version is refused, and the first
 *     refusal of a version in a row is flagged so the shell logs it once.
 *
 * Pure code: no I/O, no locks, no clock. The decoded message points into
 * the decoder, so it stays valid until the next decode.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregates.h"

/* Headers of one message the decoder looks at; more are ignored. */
#define MESSAGE_DECODER_HEADERS_MAX 32

struct message_decoder;

/* One header of a Kafka message (value not NUL-terminated; may be NULL). */
struct message_header {
        const char *name;
        const void *value;
        size_t len;
};

/* One message of the data topic, as read. */
struct message_in {
        const struct message_header *headers;
        size_t nheaders;
        const void *payload;
        size_t len;
        int32_t partition;
        int64_t offset;
        int64_t timestamp_ms; /* the Kafka timestamp; <= 0 unknown */
};

enum message_decode {
        MESSAGE_DECODED = 0,
        MESSAGE_BAD,     /* headers or value cannot be read: skipped */
        MESSAGE_REFUSED, /* another wire format version: skipped */
        MESSAGE_NOMEM,
};

/**
 * @param topic  the data topic's name (copied): the source of messages
 *               without csv.* headers is "kafka:<topic>/<partition>".
 * @returns a decoder, or NULL when memory runs out.
 */
struct message_decoder *message_decoder_create(const char *topic);
void message_decoder_destroy(struct message_decoder *d);

/**
 * @brief Decodes one message into *out (pointing into the decoder until
 *        the next call). MESSAGE_REFUSED sets *version to the message's
 *        wire version and *first to whether it differs from the last one
 *        refused (log it once).
 */
enum message_decode message_decode(struct message_decoder *d,
                                   const struct message_in *in,
                                   struct aggregates_message *out,
                                   unsigned *version, bool *first);

/* What the last decode found out about source names, for the caller to
 * act on and log (each at most once per source id). NULL members: none. */
struct message_naming {
        /* A row of a source id never named: the placeholder it is counted
         * under (said the first time only). */
        const char *unnamed;
        /* This message names a source id whose rows were counted under this
         * placeholder: rename it to the message's source before applying. */
        const char *named_from;
        /* This message's source id already stood for another source (a hash
         * collision): that source. Rows of the id are then resolved by
         * their generation's name only. */
        const char *collision;
        char source_id[17]; /* the message's source id, hex */
};

/** @returns what the last message_decode() found out (valid until the
 *           next decode). */
const struct message_naming *
message_decoder_naming(const struct message_decoder *d);

/**
 * @brief Decodes a dead-letter record (a flat JSON object, see
 *        docs/wire-format.md). @returns it (valid until the next decode),
 *        or NULL when it cannot be read.
 */
const struct wire_object *message_decode_dlq(struct message_decoder *d,
                                             const void *payload, size_t len);

#endif
