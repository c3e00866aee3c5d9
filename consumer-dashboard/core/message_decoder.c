/* SPDX-License-Identifier: MIT */
#include "message_decoder.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reset_columns.h"
#include "source_names.h"

/* Bytes of a source name, NUL included (longer ones are bad messages). */
#define SOURCE_MAX 512
/* The name a row of an unnamed source id is counted under. */
#define PLACEHOLDER_PREFIX "source-id:"

struct message_decoder {
        char *topic;
        char source[SOURCE_MAX];
        const char *name; /* the message's source: source[] or a name kept
                             by names (valid until destroy) */
        struct wire_object obj;
        struct reset_columns *reset;
        unsigned refused_version; /* last version refused; 0 none */
        struct source_names *names;
        struct message_naming naming;
        char placeholder[sizeof(PLACEHOLDER_PREFIX) + WIRE_SOURCE_ID_HEX];
        /* The last v2 source and generation learned (rows come in runs). */
        char v2_source[SOURCE_MAX];
        size_t v2_len;
        uint64_t v2_generation;
};

struct message_decoder *message_decoder_create(const char *topic)
{
        struct message_decoder *d = calloc(1, sizeof(*d));
        if (!d) {
                return NULL;
        }
        d->topic = strdup(topic ? topic : "");
        d->reset = reset_columns_create();
        d->names = source_names_create();
        if (!d->topic || !d->reset || !d->names) {
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
        source_names_destroy(d->names);
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

const struct message_naming *
message_decoder_naming(const struct message_decoder *d)
{
        return &d->naming;
}

static int set_source(struct message_decoder *d, const char *s, size_t len)
{
        if (len == 0 || len >= sizeof(d->source) || memchr(s, '\0', len)) {
                return -1;
        }
        memcpy(d->source, s, len);
        d->source[len] = '\0';
        d->name        = d->source;
        return 0;
}

/* Learns (id, generation) -> name, noting a collision or the naming of a
 * placeholder for the caller. */
static enum message_decode learn(struct message_decoder *d, uint64_t id,
                                 uint64_t generation, const char *name,
                                 size_t len)
{
        const char *other = NULL;
        switch (
            source_names_learn(d->names, id, generation, name, len, &other)) {
        case SOURCE_NAMES_NOMEM:
                return MESSAGE_NOMEM;
        case SOURCE_NAMES_COLLISION:
                wire_hex64(id, d->naming.source_id);
                d->naming.collision = other;
                break;
        case SOURCE_NAMES_NEW:
                if (source_names_unnamed(d->names, id)) {
                        source_names_clear_unnamed(d->names, id);
                        wire_hex64(id, d->naming.source_id);
                        snprintf(d->placeholder, sizeof(d->placeholder),
                                 PLACEHOLDER_PREFIX "%s", d->naming.source_id);
                        d->naming.named_from = d->placeholder;
                }
                break;
        case SOURCE_NAMES_KNOWN:
                break;
        }
        return MESSAGE_DECODED;
}

/* A v3 row's source: its id's name, or the id's placeholder. */
static enum message_decode resolve(struct message_decoder *d, uint64_t id,
                                   uint64_t generation)
{
        const char *name = source_names_find(d->names, id, generation);
        if (name) {
                /* Learned only after set_source() took it: no copy. */
                d->name = name;
                return MESSAGE_DECODED;
        }
        char hex[WIRE_SOURCE_ID_HEX + 1];
        wire_hex64(id, hex);
        snprintf(d->source, sizeof(d->source), PLACEHOLDER_PREFIX "%s", hex);
        d->name = d->source;
        switch (source_names_mark_unnamed(d->names, id)) {
        case -1:
                return MESSAGE_NOMEM;
        case 1:
                memcpy(d->naming.source_id, hex, sizeof(hex));
                d->naming.unnamed = d->source;
                break;
        default:
                break;
        }
        return MESSAGE_DECODED;
}

/* A v2 message's source names its id (wire_source_id of its text): so v3
 * rows of the same source that follow it (a producer upgraded mid-topic)
 * are counted with it. */
static enum message_decode learn_v2(struct message_decoder *d,
                                    const struct wire_id *id)
{
        if (id->source_len == d->v2_len && id->generation == d->v2_generation &&
            memcmp(id->source, d->v2_source, id->source_len) == 0) {
                return MESSAGE_DECODED;
        }
        enum message_decode r =
            learn(d, wire_source_id(id->source, id->source_len), id->generation,
                  id->source, id->source_len);
        if (r == MESSAGE_DECODED) {
                memcpy(d->v2_source, id->source, id->source_len);
                d->v2_len        = id->source_len;
                d->v2_generation = id->generation;
        }
        return r;
}

/* The identity of a message: from csv.id (and csv.kind in v2), or its
 * position. A v3 control message's source is set later, from its value. */
static enum message_decode identity(struct message_decoder *d,
                                    const struct message_in *in,
                                    struct aggregates_message *out,
                                    struct wire_id *id, unsigned *version,
                                    bool *first)
{
        struct csv_headers h;
        unsigned v = 0;

        find_headers(in, &h);
        if (!h.kind && !h.id) {
                /* Written by something other than csv-producer: the
                 * message's position is its identity. */
                snprintf(d->source, sizeof(d->source), "kafka:%s/%" PRId32,
                         d->topic, in->partition);
                d->name     = d->source;
                out->kind   = WIRE_ROW;
                out->record = (uint64_t)in->offset + 1;
                return MESSAGE_DECODED;
        }
        if (!h.id) {
                return h.v1 ? refuse(d, 1, version, first) : MESSAGE_BAD;
        }
        switch (wire_id_decode(h.id, h.id_len, id, &v)) {
        case WIRE_OK:
                break;
        case WIRE_ERR_VERSION:
                return refuse(d, v, version, first);
        default:
                return MESSAGE_BAD;
        }
        if (v == 2 &&
            (!h.kind || wire_kind_parse(h.kind, h.kind_len, &id->kind) != 0)) {
                return MESSAGE_BAD;
        }
        out->kind       = id->kind;
        out->generation = id->generation;
        out->record     = id->record;
        if (id->kind == WIRE_REJECTED ||
            (id->kind == WIRE_ROW && id->record == 0)) {
                return MESSAGE_BAD; /* dead letters have a topic of their own */
        }
        if (v == 2) {
                if (set_source(d, id->source, id->source_len) != 0) {
                        return MESSAGE_BAD;
                }
                return learn_v2(d, id);
        }
        return id->kind == WIRE_ROW ? resolve(d, id->source_id, id->generation)
                                    : MESSAGE_DECODED;
}

/* A v3 control message's source: the name its value gives ("source", with
 * a "source_id" that must be the header's), learned for its id. */
static enum message_decode control_source(struct message_decoder *d,
                                          const struct wire_id *id,
                                          const char *name, size_t len,
                                          const char *hex, size_t hex_len)
{
        uint64_t vid;
        if (!name) {
                /* Not named (another writer): resolved as a row is. */
                return resolve(d, id->source_id, id->generation);
        }
        if (hex && (wire_parse_hex64(hex, hex_len, &vid) != 0 ||
                    vid != id->source_id)) {
                return MESSAGE_BAD;
        }
        if (set_source(d, name, len) != 0) {
                return MESSAGE_BAD;
        }
        return learn(d, id->source_id, id->generation, name, len);
}

/* A flat object's text member, or NULL. */
static const char *text_member(const struct wire_object *o, const char *name,
                               size_t *len)
{
        const struct wire_field *f = wire_object_get(o, name);
        if (!f || f->value.type != VALUE_TEXT) {
                *len = 0;
                return NULL;
        }
        *len = f->value.as.text.len;
        return f->value.as.text.ptr;
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
        struct wire_id id     = {0};
        *out                  = (struct aggregates_message){.kind = WIRE_ROW};
        d->naming             = (struct message_naming){0};
        *version              = 0;
        *first                = false;
        enum message_decode r = identity(d, in, out, &id, version, first);
        if (r != MESSAGE_DECODED) {
                return r;
        }
        /* identity() leaves a v3 control message's source to its value
         * (a v2 one has its source in csv.id, a row is never a control). */
        bool named_by_value = id.source == NULL && out->kind != WIRE_ROW;
        out->source         = d->name;
        out->timestamp_ms   = in->timestamp_ms > 0 ? in->timestamp_ms : 0;
        if (out->kind == WIRE_RESET) {
                /* The producer's column types (from its sample of the
                 * file), why the generation began, and who wrote it. A
                 * value that is not an object declares nothing. */
                bool parsed =
                    reset_columns_parse(d->reset, in->payload, in->len) == 0;
                if (parsed) {
                        out->columns =
                            reset_columns_list(d->reset, &out->ncolumns);
                        out->reason   = reset_columns_reason(d->reset);
                        out->producer = reset_columns_producer(d->reset);
                }
                if (named_by_value) {
                        size_t len = 0;
                        const char *name =
                            parsed ? reset_columns_source(d->reset, &len)
                                   : NULL;
                        const char *hex =
                            parsed ? reset_columns_source_id(d->reset) : NULL;
                        r           = control_source(d, &id, name, len, hex,
                                           hex ? strlen(hex) : 0);
                        out->source = d->name;
                        return r;
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
        if (out->kind != WIRE_SNAPSHOT_COMPLETE) {
                return MESSAGE_DECODED;
        }
        r = complete(&d->obj, out);
        if (r == MESSAGE_DECODED && named_by_value) {
                size_t len, hex_len;
                const char *name = text_member(&d->obj, "source", &len);
                const char *hex  = text_member(&d->obj, "source_id", &hex_len);
                r           = control_source(d, &id, name, len, hex, hex_len);
                out->source = d->name;
        }
        return r;
}
