/* SPDX-License-Identifier: MIT */
#ifndef COMMON_WIRE_H
#define COMMON_WIRE_H

/*
 * The wire format: the only coupling between csv-producer and
 * consumer-dashboard. docs/wire-format.md is the prose version of this file.
 *
 * A message value is one flat JSON object. A data row maps column names to
 * typed values. A control message (reset, snapshot complete) is an object
 * whose "__control" member names its kind; its key is "__reset__" or
 * "__snapshot_complete__" and its WIRE_HDR_KIND header says the same.
 *
 * Pure code: no I/O. Encoding appends to a growable buffer (struct wire_buf);
 * decoding fills a caller-owned struct wire_object whose strings point into
 * the input or into the object's own scratch space.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/value.h"

/*
 * Wire format version 3: every message carries one header.
 *   csv.id    the packed identity, ASCII text (see struct wire_id):
 *             v3;<kind>;<generation>;<record>;<offset>;<schema>;<source id>
 *             kind is row | reset | snapshot_complete | rejected;
 *             generation, record and offset are decimal u64 (record and
 *             offset are 0 on control messages); schema and source id are
 *             16 lower-case hex digits. The source id is wire_source_id()
 *             of the source identity, which control messages and dead
 *             letters name in their value ("source" and "source_id").
 * The time the producer read a row is the Kafka message timestamp
 * (CreateTime), not a header.
 *
 * Readers still read version 2: two headers, csv.kind (the kind) and
 *   csv.id = v2;<generation>;<record>;<offset>;<schema>;<source>
 * with the source identity itself as the rest of the value (any byte, ';'
 * included). Version 1 (seven csv.* headers) is refused by name.
 */
#define WIRE_VERSION  3
#define WIRE_HDR_KIND "csv.kind" /* version 2 */
#define WIRE_HDR_ID   "csv.id"
/* A version 1 header: its presence (without WIRE_HDR_ID) marks a v1
 * message, which readers refuse by name. */
#define WIRE_HDR_V1_SOURCE "csv.source"

#define WIRE_KIND_ROW               "row"
#define WIRE_KIND_RESET             "reset"
#define WIRE_KIND_SNAPSHOT_COMPLETE "snapshot_complete"
#define WIRE_KIND_REJECTED          "rejected"

#define WIRE_KEY_RESET             "__reset__"
#define WIRE_KEY_SNAPSHOT_COMPLETE "__snapshot_complete__"
#define WIRE_CONTROL_MEMBER        "__control"

enum wire_kind {
        WIRE_ROW = 0,
        WIRE_RESET,
        WIRE_SNAPSHOT_COMPLETE,
        WIRE_REJECTED, /* a dead letter (the dead-letter topic only) */
};

/* A growable byte buffer. Zero-initialise, then wire_buf_finish(). */
struct wire_buf {
        char *data;
        size_t len;
        size_t cap;
};

void wire_buf_reset(struct wire_buf *b);
void wire_buf_finish(struct wire_buf *b);
/** @returns 0, or -1 when memory runs out (the buffer is then unchanged). */
int wire_buf_append(struct wire_buf *b, const char *s, size_t len);
int wire_buf_printf(struct wire_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** @brief Appends s as a JSON string literal, quotes included. */
int wire_buf_append_json_string(struct wire_buf *b, const char *s, size_t len);
/** @brief Appends a typed value as JSON (null, number, true/false, string). */
int wire_buf_append_value(struct wire_buf *b, const struct value *v);
/** @brief Appends `,"source_id":"<16 hex>"`, the id of source (len bytes):
 *         what control messages, dead letters and status records carry
 *         beside their "source". */
int wire_buf_append_source_id(struct wire_buf *b, const char *source,
                              size_t len);

/**
 * @brief Encodes a data row: {"name":value,...}, in column order.
 *        names[i] are NUL-terminated; values[i] typed. Appends to b.
 */
int wire_encode_row(struct wire_buf *b, const char *const *names,
                    const struct value *values, size_t count);

/* Identity and content of a control message. */
struct wire_control {
        enum wire_kind kind;
        const char *source; /* NUL-terminated; its "source_id" is written
                               beside it (wire_source_id) */
        uint64_t generation;
        /* Snapshot complete only: the last record number of the snapshot
         * and how many good rows (not dead-lettered) it holds. */
        uint64_t last_record;
        uint64_t row_count;
        const char *reason;       /* reset only: why (NULL for none) */
        const char *columns_json; /* reset only: JSON array text or NULL */
        const char *producer;     /* the writing producer's instance id, or
                                     NULL (both control kinds) */
        const char *dialect_json; /* reset only: JSON object text or NULL:
                                   * how the file is read (delimiter, quote,
                                   * newline, sep_line, encoding) */
};

int wire_encode_control(struct wire_buf *b, const struct wire_control *c);

/* The identity a message's csv.id header carries. */
struct wire_id {
        enum wire_kind kind; /* v3: in csv.id; v2: the csv.kind header's */
        uint64_t generation;
        uint64_t record; /* 0 on control messages */
        uint64_t offset; /* 0 on control messages */
        uint64_t schema;
        uint64_t source_id; /* v3: wire_source_id() of the source */
        /* v2 only: the source identity itself (not NUL-terminated when
         * decoded); NULL and 0 in v3. */
        const char *source;
        size_t source_len;
};

/* Bytes of a v3 csv.id value at most: "v3;" + the longest kind + ';' +
 * three u64 and their ';' + two times 16 hex digits and one ';'. */
#define WIRE_ID_MAX (3 + 18 + 3 * 21 + 17 + 16)

/* Hex digits of a source id (and of a schema id). */
#define WIRE_SOURCE_ID_HEX 16

/**
 * @brief The source id of a source identity (its len bytes): XXH3, 64
 *        bits, seed 0. The same for one source in every run of every
 *        producer, and computable by a reader from a v2 csv.id's source.
 */
uint64_t wire_source_id(const char *source, size_t len);

/** @brief Writes id as 16 lower-case hex digits and a NUL into out. */
void wire_hex64(uint64_t id, char out[WIRE_SOURCE_ID_HEX + 1]);

/** @brief Parses exactly 16 lower-case hex digits. @returns 0 or -1. */
int wire_parse_hex64(const char *s, size_t len, uint64_t *out);

/**
 * @brief Writes id as a v3 csv.id value into out (cap bytes, no NUL
 *        added); id->source is not used (the source id stands for it).
 * @returns the value's length, or 0 when it does not fit in cap.
 */
size_t wire_id_encode(const struct wire_id *id, char *out, size_t cap);

/* Bytes of a v2 csv.id value besides the source: "v2;" + three u64 + 16
 * hex digits + four ';'. */
#define WIRE_ID_V2_FIXED_MAX (3 + 3 * 20 + 16 + 4)

/**
 * @brief Writes id as a version 2 csv.id value (id->source last) into out
 *        (cap bytes, no NUL added): what a v2 producer wrote, for tests
 *        and tools that write older topics. @returns the length, or 0 when
 *        it does not fit in cap.
 */
size_t wire_id_encode_v2(const struct wire_id *id, char *out, size_t cap);

/* ---- Decoding ---- */

#define WIRE_MAX_FIELDS 1024

struct wire_field {
        const char *name;   /* NUL-terminated, owned by the wire_object */
        struct value value; /* text values: owned by the wire_object */
};

/* Decoded flat object. Reuse one across calls to avoid allocation. */
struct wire_object {
        struct wire_field fields[WIRE_MAX_FIELDS];
        size_t count;
        char *scratch; /* unescaped names and strings */
        size_t scratch_cap;
};

enum wire_err {
        WIRE_OK = 0,
        WIRE_ERR_SYNTAX,     /* not JSON */
        WIRE_ERR_NOT_OBJECT, /* JSON, but not a flat object */
        WIRE_ERR_NESTED,     /* a member holds an object or array */
        WIRE_ERR_TOO_MANY,   /* more than WIRE_MAX_FIELDS members */
        WIRE_ERR_NUMBER,     /* a malformed number ("01", "1.", "-") */
        WIRE_ERR_NOMEM,
        WIRE_ERR_ID,      /* a csv.id value that is not well formed */
        WIRE_ERR_VERSION, /* a csv.id value of another format version */
};

const char *wire_strerror(enum wire_err err);

/**
 * @brief Decodes one flat JSON object. Numbers are exact at any length:
 *        VALUE_INT when an integer fits int64_t, VALUE_DECIMAL when the
 *        number fits struct decimal, else VALUE_BIGNUM with the number's
 *        text (see value_parse_json_number). Strings and bignum texts are
 *        copied into obj's scratch space (valid until the next decode into
 *        obj or wire_object_finish).
 */
enum wire_err wire_decode_object(struct wire_object *obj, const char *json,
                                 size_t len);

void wire_object_finish(struct wire_object *obj);

/** @returns the field named name, or NULL. */
const struct wire_field *wire_object_get(const struct wire_object *obj,
                                         const char *name);

/**
 * @brief Decodes a csv.id value (len bytes, NUL not needed) of version 3
 *        or 2. *version is set whenever the value starts with "v<digits>;"
 *        (so a reader can name a version it does not read). Version 3
 *        fills kind and source_id (source NULL); version 2 fills source
 *        (pointing into s) and leaves kind and source_id 0: the kind is
 *        the csv.kind header's, the source id wire_source_id(source).
 * @returns WIRE_OK, WIRE_ERR_VERSION (another version) or WIRE_ERR_ID
 *          (malformed; an empty v2 source included).
 */
enum wire_err wire_id_decode(const char *s, size_t len, struct wire_id *id,
                             unsigned *version);

/** @brief Parses a header's value as a decimal u64. @returns 0 or -1. */
int wire_parse_u64(const char *s, size_t len, uint64_t *out);

/** @brief Maps a WIRE_HDR_KIND value to its enum. @returns 0 or -1. */
int wire_kind_parse(const char *s, size_t len, enum wire_kind *out);

const char *wire_kind_name(enum wire_kind kind);

#endif
