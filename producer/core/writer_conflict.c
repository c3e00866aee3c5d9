/* SPDX-License-Identifier: MIT */
#include "writer_conflict.h"

#include <string.h>

/* Copies a text field whole, or leaves dst empty when it does not fit. */
static void copy_text(const struct wire_object *o, const char *name, char *dst,
                      size_t size)
{
        const struct wire_field *f = wire_object_get(o, name);

        dst[0] = '\0';
        if (f && f->value.type == VALUE_TEXT && f->value.as.text.len < size) {
                memcpy(dst, f->value.as.text.ptr, f->value.as.text.len);
                dst[f->value.as.text.len] = '\0';
        }
}

static uint64_t unsigned_field(const struct wire_object *o, const char *name)
{
        const struct wire_field *f = wire_object_get(o, name);

        return f && f->value.type == VALUE_INT && f->value.as.i > 0
                   ? (uint64_t)f->value.as.i
                   : 0;
}

int writer_seen_decode(struct wire_object *scratch, const char *key,
                       size_t key_len, const char *json, size_t len,
                       struct writer_seen *out)
{
        char state[32];

        memset(out, 0, sizeof(*out));
        if (!key || !json || key_len >= sizeof(out->source) ||
            wire_decode_object(scratch, json, len) != WIRE_OK) {
                return -1;
        }
        memcpy(out->source, key, key_len);
        out->source[key_len] = '\0';
        copy_text(scratch, "instance", out->instance, sizeof(out->instance));
        copy_text(scratch, "state", state, sizeof(state));
        out->started_ms  = unsigned_field(scratch, "started_ms");
        out->ts_ms       = unsigned_field(scratch, "ts_ms");
        out->interval_ms = unsigned_field(scratch, "interval_ms");
        out->stopped     = strcmp(state, "stopped") == 0;
        return out->instance[0] ? 0 : -1;
}

enum writer_verdict writer_judge(const struct writer_seen *seen,
                                 const char *own_instance,
                                 uint64_t own_started_ms)
{
        if (strcmp(seen->instance, own_instance) == 0) {
                return WRITER_SELF;
        }
        if (seen->ts_ms < own_started_ms) {
                return WRITER_BEFORE;
        }
        if (seen->started_ms == 0 || seen->started_ms < own_started_ms ||
            (seen->started_ms == own_started_ms &&
             strcmp(seen->instance, own_instance) < 0)) {
                return seen->stopped ? WRITER_GONE : WRITER_OTHER_OLDER;
        }
        /* Even its last record: it wrote the source while we ran. */
        return WRITER_OTHER_NEWER;
}
