/* SPDX-License-Identifier: MIT */
#include "producer_status.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sorted_find.h"

#define MISSED_INTERVALS 3 /* records missed before a producer is not alive */

struct entry {
        char source[PRODUCER_STATUS_TEXT_MAX];
        char instance[64];
        char state[32];
        char held_why[32];
        char file[32];
        char reason[PRODUCER_STATUS_TEXT_MAX];
        int64_t ts_ms, interval_ms;
        int64_t pending, oldest_unacked_ms, held_bytes;
        /* What reading the file's current generation assumed. */
        char encoding_note[PRODUCER_STATUS_TEXT_MAX];
        char number_guess[PRODUCER_STATUS_TEXT_MAX];
        char value_as_text_column[PRODUCER_STATUS_TEXT_MAX];
        int64_t values_as_text;
        bool header_like_row;
};

struct producer_status {
        struct entry *entries; /* sorted by source */
        size_t n, cap;
};

struct producer_status *producer_status_create(void)
{
        return calloc(1, sizeof(struct producer_status));
}

void producer_status_destroy(struct producer_status *ps)
{
        if (ps) {
                free(ps->entries);
                free(ps);
        }
}

static void text(const struct wire_object *o, const char *name, char *dst,
                 size_t size)
{
        const struct wire_field *f = wire_object_get(o, name);
        size_t n;

        dst[0] = '\0';
        if (!f || f->value.type != VALUE_TEXT) {
                return;
        }
        n = f->value.as.text.len < size - 1 ? f->value.as.text.len : size - 1;
        while (n > 0 && n < f->value.as.text.len &&
               ((unsigned char)f->value.as.text.ptr[n] & 0xC0) == 0x80) {
                n--; /* never cut a UTF-8 sequence */
        }
        memcpy(dst, f->value.as.text.ptr, n);
        dst[n] = '\0';
}

static int64_t integer(const struct wire_object *o, const char *name)
{
        const struct wire_field *f = wire_object_get(o, name);
        return f && f->value.type == VALUE_INT ? f->value.as.i : 0;
}

static bool boolean(const struct wire_object *o, const char *name)
{
        const struct wire_field *f = wire_object_get(o, name);
        return f && f->value.type == VALUE_BOOL && f->value.as.b;
}

/* Index of key, or where it would go (*found false). */
static int entry_cmp(const void *elem, const void *key)
{
        return strcmp(((const struct entry *)elem)->source, key);
}

static size_t find(const struct producer_status *ps, const char *key,
                   bool *found)
{
        return sorted_find(ps->entries, ps->n, sizeof(*ps->entries), key,
                           entry_cmp, found);
}

int producer_status_set(struct producer_status *ps, const char *key,
                        size_t key_len, const struct wire_object *value)
{
        char name[PRODUCER_STATUS_TEXT_MAX];
        bool found;
        size_t i;

        if (key_len >= sizeof(name)) {
                key_len = sizeof(name) - 1;
        }
        memcpy(name, key, key_len);
        name[key_len] = '\0';
        i             = find(ps, name, &found);
        if (!value) {
                if (found) {
                        memmove(&ps->entries[i], &ps->entries[i + 1],
                                (ps->n - i - 1) * sizeof(*ps->entries));
                        ps->n--;
                }
                return 0;
        }
        if (!found) {
                if (ps->n == PRODUCER_STATUS_MAX) {
                        return -1;
                }
                if (ps->n == ps->cap) {
                        size_t cap = ps->cap ? 2 * ps->cap : 8;
                        struct entry *e =
                            realloc(ps->entries, cap * sizeof(*e));
                        if (!e) {
                                return -1;
                        }
                        ps->entries = e;
                        ps->cap     = cap;
                }
                memmove(&ps->entries[i + 1], &ps->entries[i],
                        (ps->n - i) * sizeof(*ps->entries));
                ps->n++;
        }
        struct entry *e = &ps->entries[i];
        memset(e, 0, sizeof(*e));
        memcpy(e->source, name, key_len + 1);
        text(value, "instance", e->instance, sizeof(e->instance));
        text(value, "state", e->state, sizeof(e->state));
        text(value, "held_why", e->held_why, sizeof(e->held_why));
        text(value, "file", e->file, sizeof(e->file));
        text(value, "reason", e->reason, sizeof(e->reason));
        e->ts_ms             = integer(value, "ts_ms");
        e->interval_ms       = integer(value, "interval_ms");
        e->pending           = integer(value, "pending");
        e->oldest_unacked_ms = integer(value, "oldest_unacked_ms");
        e->held_bytes        = integer(value, "held_bytes");
        text(value, "encoding_note", e->encoding_note,
             sizeof(e->encoding_note));
        text(value, "number_guess", e->number_guess, sizeof(e->number_guess));
        text(value, "value_as_text_column", e->value_as_text_column,
             sizeof(e->value_as_text_column));
        e->values_as_text  = integer(value, "values_as_text");
        e->header_like_row = boolean(value, "header_like_row");
        return 0;
}

static int put_str(struct wire_buf *b, const char *s)
{
        return wire_buf_append_json_string(b, s, strlen(s));
}

/* The reading notes as a list, one object per notice: [{"kind",...}]. */
static int put_notes(struct wire_buf *b, const struct entry *e)
{
        const char *sep = "";
        int rc          = wire_buf_append(b, ",\"notes\":[", 10);

        if (e->encoding_note[0]) {
                rc |=
                    wire_buf_append(b, "{\"kind\":\"encoding\",\"text\":", 26);
                rc |= put_str(b, e->encoding_note);
                rc |= wire_buf_append(b, "}", 1);
                sep = ",";
        }
        if (e->number_guess[0]) {
                rc |= wire_buf_printf(
                    b, "%s{\"kind\":\"number_guess\",\"column\":", sep);
                rc |= put_str(b, e->number_guess);
                rc |= wire_buf_append(b, "}", 1);
                sep = ",";
        }
        if (e->header_like_row) {
                rc |=
                    wire_buf_printf(b, "%s{\"kind\":\"header_like_row\"}", sep);
                sep = ",";
        }
        if (e->values_as_text > 0) {
                rc |= wire_buf_printf(b,
                                      "%s{\"kind\":\"values_as_text\","
                                      "\"count\":%lld,\"column\":",
                                      sep, (long long)e->values_as_text);
                rc |= put_str(b, e->value_as_text_column);
                rc |= wire_buf_append(b, "}", 1);
        }
        return rc | wire_buf_append(b, "]", 1);
}

static bool is_alive(const struct entry *e, int64_t now_ms)
{
        int64_t age = now_ms > e->ts_ms ? now_ms - e->ts_ms : 0;
        return strcmp(e->state, "stopped") != 0 &&
               age <= MISSED_INTERVALS * e->interval_ms;
}

bool producer_status_get(const struct producer_status *ps, const char *source,
                         int64_t now_ms, struct producer_status_info *out)
{
        bool found;
        size_t i = find(ps, source, &found);
        if (!found) {
                return false;
        }
        const struct entry *e = &ps->entries[i];
        snprintf(out->instance, sizeof(out->instance), "%s", e->instance);
        snprintf(out->state, sizeof(out->state), "%s", e->state);
        out->alive = is_alive(e, now_ms);
        return true;
}

int producer_status_render(const struct producer_status *ps, int64_t now_ms,
                           struct wire_buf *b)
{
        int rc = wire_buf_append(b, "[", 1);

        for (size_t i = 0; i < ps->n; i++) {
                const struct entry *e = &ps->entries[i];
                int64_t age = now_ms > e->ts_ms ? now_ms - e->ts_ms : 0;
                bool alive  = is_alive(e, now_ms);
                rc |= wire_buf_append(
                    b, i ? ",{\"source\":" : "{\"source\":", i ? 11 : 10);
                rc |= put_str(b, e->source);
                rc |= wire_buf_append(b, ",\"instance\":", 12);
                rc |= put_str(b, e->instance);
                rc |= wire_buf_append(b, ",\"state\":", 9);
                rc |= put_str(b, e->state);
                rc |= wire_buf_printf(
                    b,
                    ",\"alive\":%s,\"age_ms\":%lld,\"pending\":%lld,"
                    "\"oldest_unacked_ms\":%lld,\"held_bytes\":%lld,"
                    "\"held_why\":",
                    alive ? "true" : "false", (long long)age,
                    (long long)e->pending, (long long)e->oldest_unacked_ms,
                    (long long)e->held_bytes);
                rc |= e->held_why[0] ? put_str(b, e->held_why)
                                     : wire_buf_append(b, "null", 4);
                rc |= wire_buf_append(b, ",\"file\":", 8);
                rc |= put_str(b, e->file);
                rc |= wire_buf_append(b, ",\"reason\":", 10);
                rc |= put_str(b, e->reason);
                rc |= put_notes(b, e);
                rc |= wire_buf_append(b, "}", 1);
        }
        rc |= wire_buf_append(b, "]", 1);
        return rc ? -1 : 0;
}
