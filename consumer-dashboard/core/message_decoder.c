/* SPDX-License-Identifier: MIT */
#include "message_decoder.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reset_columns.h"

/* Bytes of a source id, NUL included (longer ones are bad messages). */
#define SOURCE_MAX 512

struct message_decoder {
        char *topic;
        char source[SOURCE_MAX];
        struct wire_object obj;
        struct reset_columns *reset;
        unsigned refused_version; /* last version refused; 0 none */
};

struct message_decoder *message_decoder_create(const char *topic)
{
        struct message_decoder *d = calloc(1, sizeof(*d));
        if (!d) {
                return NULL;
        }
        d->topic = strdup(topic ? topic : "");
        d->reset = reset_columns_create();
        if (!d->topic || !d->reset) {
                message_decoder_destroy(d);
                return NULL;
        }
        return d;
}

void message_decoder_destroy(struct message_decoder *d)
{
        if (!d) {
                return;
        }
        wire_object_finish(&d->obj);
        reset_columns_destroy(d->reset);
        free(d->topic);
        free(d);
}

const struct wire_object *message_decode_dlq(struct message_decoder *d,
                                             const void *payload, size_t len)
{
        return wire_decode_object(&d->obj, payload, len) == WIRE_OK ? &d->obj
                                                                    : NULL;
}

/* The csv.* headers of a message, found in one pass. */
struct csv_headers {
        const char *kind, *id;
        size_t kind_len, id_len;
        bool v1; /* a wire format v1 header is present */
};

static void find_headers(const struct message_in *in, struct csv_headers *out)
{
        *out     = (struct csv_headers){0};
        size_t n = in->nheaders < MESSAGE_DECODER_HEADERS_MAX
                       ? in->nheaders
                       : MESSAGE_DECODER_HEADERS_MAX;
        for (size_t i = 0; i < n; i++) {
                const struct message_header *h = &in->headers[i];
                if (!h->value || !h->name || strncmp(h->name, "csv.", 4) != 0) {
                        continue;
                }
                if (strcmp(h->name, WIRE_HDR_KIND) == 0) {
                        out->kind     = h->value;
                        out->kind_len = h->len;
                } else if (strcmp(h->name, WIRE_HDR_ID) == 0) {
                        out->id     = h->value;
                        out->id_len = h->len;
                } else if (strcmp(h->name, WIRE_HDR_V1_SOURCE) == 0) {
                        out->v1 = true;
                }
        }
}

static enum message_decode refuse(struct message_decoder *d, unsigned v,
                                  unsigned *version, bool *first)
{
        *version           = v;
        *first             = d->refused_version != v;
        d->refused_version = v;
        return MESSAGE_REFUSED;
}

/* The identity of a message: from csv.kind and csv.id, or its position. */
static enum message_decode identity(struct message_decoder *d,
                                    const struct message_in *in,
                                    struct aggregates_message *out,
                                    unsigned *version, bool *first)
{
        struct csv_headers h;
        struct wire_id id;
        unsigned v = 0;

        find_headers(in, &h);
        if (!h.kind) {
                /* Written by something other than csv-producer: the
                 * message's position is its identity. */
                snprintf(d->source, sizeof(d->source), "kafka:%s/%" PRId32,
                         d->topic, in->partition);
                out->kind   = WIRE_ROW;
                out->record = (uint64_t)in->offset + 1;
                return MESSAGE_DECODED;
        }
        if (!h.id && h.v1) {
                return refuse(d, 1, version, first);
        }
        if (wire_kind_parse(h.kind, h.kind_len, &out->kind) != 0 || !h.id) {
                return MESSAGE_BAD;
        }
        switch (wire_id_decode(h.id, h.id_len, &id, &v)) {
        case WIRE_OK:
                break;
        case WIRE_ERR_VERSION:
                return refuse(d, v, version, first);
        default:
                return MESSAGE_BAD;
        }
        if (id.source_len >= sizeof(d->source) ||
            (out->kind == WIRE_ROW && id.record == 0)) {
                return MESSAGE_BAD;
        }
        memcpy(d->source, id.source, id.source_len);
        d->source[id.source_len] = '\0';
        out->generation          = id.generation;
        out->record              = id.record;
        return MESSAGE_DECODED;
}

/* A snapshot-complete message's promise: its last record and row count. */
static enum message_decode complete(const struct wire_object *o,
                                    struct aggregates_message *out)
{
        const struct wire_field *lr = wire_object_get(o, "last_record");
        const struct wire_field *rc = wire_object_get(o, "row_count");
        if (!lr || !rc || lr->value.type != VALUE_INT ||
            rc->value.type != VALUE_INT || lr->value.as.i < 0 ||
            rc->value.as.i < 0) {
                return MESSAGE_BAD;
        }
        out->last_record = (uint64_t)lr->value.as.i;
        out->row_count   = (uint64_t)rc->value.as.i;
        return MESSAGE_DECODED;
}

enum message_decode message_decode(struct message_decoder *d,
                                   const struct message_in *in,
                                   struct aggregates_message *out,
                                   unsigned *version, bool *first)
{
        *out                  = (struct aggregates_message){.kind = WIRE_ROW};
        *version              = 0;
        *first                = false;
        enum message_decode r = identity(d, in, out, version, first);
        if (r != MESSAGE_DECODED) {
                return r;
        }
        out->source       = d->source;
        out->timestamp_ms = in->timestamp_ms > 0 ? in->timestamp_ms : 0;
        if (out->kind == WIRE_RESET) {
                /* The producer's column types (from its sample of the
                 * file), why the generation began, and who wrote it. A
                 * value that is not an object declares nothing. */
                if (reset_columns_parse(d->reset, in->payload, in->len) == 0) {
                        out->columns =
                            reset_columns_list(d->reset, &out->ncolumns);
                        out->reason   = reset_columns_reason(d->reset);
                        out->producer = reset_columns_producer(d->reset);
                }
                return MESSAGE_DECODED;
        }
        switch (wire_decode_object(&d->obj, in->payload, in->len)) {
        case WIRE_OK:
                break;
        case WIRE_ERR_NOMEM:
                return MESSAGE_NOMEM;
        default:
                return MESSAGE_BAD;
        }
        out->row = &d->obj;
        return out->kind == WIRE_SNAPSHOT_COMPLETE ? complete(&d->obj, out)
                                                   : MESSAGE_DECODED;
}
