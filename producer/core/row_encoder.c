/* SPDX-License-Identifier: MIT */
#include "row_encoder.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

#define ROW_ENCODER_NUM_MAX 32 /* an int64 or a decimal, sign included */

struct row_encoder {
        struct wire_buf prefixes; /* "{\"a\":" ",\"b\":" ... */
        size_t *prefix_off;       /* count + 1 offsets into prefixes */
        size_t count;
        char *out;
        size_t out_cap;
};

struct row_encoder *row_encoder_create(void)
{
        return calloc(1, sizeof(struct row_encoder));
}

void row_encoder_destroy(struct row_encoder *e)
{
        if (!e) {
                return;
        }
        wire_buf_finish(&e->prefixes);
        free(e->prefix_off);
        free(e->out);
        free(e);
}

int row_encoder_set_columns(struct row_encoder *e, const char *const *names,
                            size_t count)
{
        size_t *off = realloc(e->prefix_off, (count + 1) * sizeof(*off));

        if (!off) {
                return -1;
        }
        e->prefix_off = off;
        e->count      = 0;
        wire_buf_reset(&e->prefixes);
        for (size_t i = 0; i < count; i++) {
                off[i] = e->prefixes.len;
                if (wire_buf_append(&e->prefixes, i ? "," : "{", 1) != 0 ||
                    wire_buf_append_json_string(&e->prefixes, names[i],
                                                strlen(names[i])) != 0 ||
                    wire_buf_append(&e->prefixes, ":", 1) != 0) {
                        return -1;
                }
        }
        off[count] = e->prefixes.len;
        e->count   = count;
        return 0;
}

size_t row_encoder_u64(uint64_t v, char *buf)
{
        char tmp[20];
        size_t n = 0;

        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v > 0);
        for (size_t i = 0; i < n; i++) {
                buf[i] = tmp[n - 1 - i];
        }
        return n;
}

static bool needs_escape(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == '"' || c == '\\') {
                        return true;
                }
        }
        return false;
}

/* Worst case of one value: a text of len bytes, each written as \u00XX. */
static size_t value_max(const struct value *v)
{
        if (v->type == VALUE_TEXT) {
                return v->as.text.len * 6 + 2;
        }
        return v->type == VALUE_BIGNUM ? v->as.big.len : ROW_ENCODER_NUM_MAX;
}

static int reserve(struct row_encoder *e, size_t need)
{
        size_t cap = e->out_cap ? e->out_cap : 256;
        char *p;

        if (need <= e->out_cap) {
                return 0;
        }
        while (cap < need) {
                cap *= 2;
        }
        p = realloc(e->out, cap);
        if (!p) {
                return -1;
        }
        e->out     = p;
        e->out_cap = cap;
        return 0;
}

/* Writes a text value; escapes like wire_buf_append_json_string. */
static char *put_text(char *o, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";

        *o++ = '"';
        if (!needs_escape(s, len)) {
                memcpy(o, s, len);
                o += len;
        } else {
                for (size_t i = 0; i < len; i++) {
                        unsigned char c = (unsigned char)s[i];
                        if (c == '"' || c == '\\') {
                                *o++ = '\\';
                                *o++ = (char)c;
                        } else if (c == '\n') {
                                *o++ = '\\';
                                *o++ = 'n';
                        } else if (c == '\r') {
                                *o++ = '\\';
                                *o++ = 'r';
                        } else if (c == '\t') {
                                *o++ = '\\';
                                *o++ = 't';
                        } else if (c < 0x20) {
                                memcpy(o, "\\u00", 4);
                                o += 4;
                                *o++ = hex[c >> 4];
                                *o++ = hex[c & 0xf];
                        } else {
                                *o++ = (char)c;
                        }
                }
        }
        *o++ = '"';
        return o;
}

static char *put_value(char *o, const struct value *v)
{
        int n;

        switch (v->type) {
        case VALUE_NULL:
                memcpy(o, "null", 4);
                return o + 4;
        case VALUE_INT:
                if (v->as.i < 0) {
                        *o++ = '-';
                        return o + row_encoder_u64(
                                       (uint64_t)0 - (uint64_t)v->as.i, o);
                }
                return o + row_encoder_u64((uint64_t)v->as.i, o);
        case VALUE_DECIMAL:
                n = decimal_format(v->as.d, o, ROW_ENCODER_NUM_MAX);
                return n < 0 ? NULL : o + n;
        case VALUE_BOOL:
                memcpy(o, v->as.b ? "true" : "false", v->as.b ? 4 : 5);
                return o + (v->as.b ? 4 : 5);
        case VALUE_TEXT:
                return put_text(o, v->as.text.ptr, v->as.text.len);
        case VALUE_BIGNUM:
                memcpy(o, v->as.big.ptr, v->as.big.len);
                return o + v->as.big.len;
        }
        return NULL;
}

int64_t row_encoder_encode(struct row_encoder *e, const struct value *values,
                           size_t count, const char **out)
{
        size_t need = e->prefixes.len + 2;
        char *o;

        if (count != e->count) {
                return -1;
        }
        for (size_t i = 0; i < count; i++) {
                need += value_max(&values[i]);
        }
        if (reserve(e, need) != 0) {
                return -1;
        }
        o = e->out;
        if (count == 0) {
                *o++ = '{';
        }
        for (size_t i = 0; i < count; i++) {
                size_t plen = e->prefix_off[i + 1] - e->prefix_off[i];
                memcpy(o, e->prefixes.data + e->prefix_off[i], plen);
                o = put_value(o + plen, &values[i]);
                if (!o) {
                        return -1;
                }
        }
        *o++ = '}';
        *out = e->out;
        return (int64_t)(o - e->out);
}
