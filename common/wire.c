/* SPDX-License-Identifier: MIT */
#include "common/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- Encoding ---- */

void wire_buf_reset(struct wire_buf *b)
{
        b->len = 0;
}

void wire_buf_finish(struct wire_buf *b)
{
        free(b->data);
        b->data = NULL;
        b->len  = 0;
        b->cap  = 0;
}

static int reserve(struct wire_buf *b, size_t extra)
{
        size_t want = b->len + extra + 1;
        size_t cap  = b->cap ? b->cap : 256;
        char *p;

        if (want <= b->cap) {
                return 0;
        }
        while (cap < want) {
                cap *= 2;
        }
        p = realloc(b->data, cap);
        if (!p) {
                return -1;
        }
        b->data = p;
        b->cap  = cap;
        return 0;
}

int wire_buf_append(struct wire_buf *b, const char *s, size_t len)
{
        if (reserve(b, len) != 0) {
                return -1;
        }
        memcpy(b->data + b->len, s, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

int wire_buf_printf(struct wire_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || reserve(b, (size_t)n) != 0) {
                return -1;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return 0;
}

int wire_buf_append_json_string(struct wire_buf *b, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        char *out;

        /* Worst case: every byte becomes \u00XX. */
        if (reserve(b, len * 6 + 2) != 0) {
                return -1;
        }
        out    = b->data + b->len;
        *out++ = '"';
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                switch (c) {
                case '"':
                        *out++ = '\\';
                        *out++ = '"';
                        break;
                case '\\':
                        *out++ = '\\';
                        *out++ = '\\';
                        break;
                case '\n':
                        *out++ = '\\';
                        *out++ = 'n';
                        break;
                case '\r':
                        *out++ = '\\';
                        *out++ = 'r';
                        break;
                case '\t':
                        *out++ = '\\';
                        *out++ = 't';
                        break;
                default:
                        if (c < 0x20) {
                                *out++ = '\\';
                                *out++ = 'u';
                                *out++ = '0';
                                *out++ = '0';
                                *out++ = hex[c >> 4];
                                *out++ = hex[c & 0xf];
                        } else {
                                *out++ = (char)c;
                        }
                }
        }
        *out++          = '"';
        b->len          = (size_t)(out - b->data);
        b->data[b->len] = '\0';
        return 0;
}

int wire_buf_append_value(struct wire_buf *b, const struct value *v)
{
        char num[32];
        int n;

        switch (v->type) {
        case VALUE_NULL:
                return wire_buf_append(b, "null", 4);
        case VALUE_INT:
                n = snprintf(num, sizeof(num), "%lld", (long long)v->as.i);
                return wire_buf_append(b, num, (size_t)n);
        case VALUE_DECIMAL:
                n = decimal_format(v->as.d, num, sizeof(num));
                return n < 0 ? -1 : wire_buf_append(b, num, (size_t)n);
        case VALUE_BOOL:
                return v->as.b ? wire_buf_append(b, "true", 4)
                               : wire_buf_append(b, "false", 5);
        case VALUE_TEXT:
                return wire_buf_append_json_string(b, v->as.text.ptr,
                                                   v->as.text.len);
        case VALUE_BIGNUM:
                return wire_buf_append(b, v->as.big.ptr, v->as.big.len);
        }
        return -1;
}

int wire_buf_append_source_id(struct wire_buf *b, const char *source,
                              size_t len)
{
        char hex[WIRE_SOURCE_ID_HEX + 1];

        wire_hex64(wire_source_id(source, len), hex);
        return wire_buf_printf(b, ",\"source_id\":\"%s\"", hex);
}

int wire_encode_row(struct wire_buf *b, const char *const *names,
                    const struct value *values, size_t count)
{
        if (wire_buf_append(b, "{", 1) != 0) {
                return -1;
        }
        for (size_t i = 0; i < count; i++) {
                if ((i > 0 && wire_buf_append(b, ",", 1) != 0) ||
                    wire_buf_append_json_string(b, names[i],
                                                strlen(names[i])) != 0 ||
                    wire_buf_append(b, ":", 1) != 0 ||
                    wire_buf_append_value(b, &values[i]) != 0) {
                        return -1;
                }
        }
        return wire_buf_append(b, "}", 1);
}

int wire_encode_control(struct wire_buf *b, const struct wire_control *c)
{
        const char *source = c->source ? c->source : "";

        if (wire_buf_printf(b, "{\"" WIRE_CONTROL_MEMBER "\":\"%s\",",
                            wire_kind_name(c->kind)) != 0 ||
            wire_buf_append(b, "\"source\":", 9) != 0 ||
            wire_buf_append_json_string(b, source, strlen(source)) != 0 ||
            wire_buf_append_source_id(b, source, strlen(source)) != 0 ||
            wire_buf_printf(b, ",\"generation\":%llu",
                            (unsigned long long)c->generation) != 0) {
                return -1;
        }
        if (c->kind == WIRE_SNAPSHOT_COMPLETE &&
            wire_buf_printf(b, ",\"last_record\":%llu,\"row_count\":%llu",
                            (unsigned long long)c->last_record,
                            (unsigned long long)c->row_count) != 0) {
                return -1;
        }
        if (c->producer && (wire_buf_append(b, ",\"producer\":", 12) != 0 ||
                            wire_buf_append_json_string(
                                b, c->producer, strlen(c->producer)) != 0)) {
                return -1;
        }
        if (c->reason && (wire_buf_append(b, ",\"reason\":", 10) != 0 ||
                          wire_buf_append_json_string(
                              b, c->reason, strlen(c->reason)) != 0)) {
                return -1;
        }
        if (c->columns_json &&
            wire_buf_printf(b, ",\"columns\":%s", c->columns_json) != 0) {
                return -1;
        }
        if (c->dialect_json &&
            wire_buf_printf(b, ",\"dialect\":%s", c->dialect_json) != 0) {
                return -1;
        }
        return wire_buf_append(b, "}", 1);
}

/* ---- Decoding ---- */

struct cursor {
        const char *p;
        const char *end;
        char *out; /* next free byte of scratch */
};

static void skip_ws(struct cursor *c)
{
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
                                 *c->p == '\n' || *c->p == '\r')) {
                c->p++;
        }
}

static int hex_value(char ch)
{
        if (ch >= '0' && ch <= '9') {
                return ch - '0';
        }
        if (ch >= 'a' && ch <= 'f') {
                return ch - 'a' + 10;
        }
        if (ch >= 'A' && ch <= 'F') {
                return ch - 'A' + 10;
        }
        return -1;
}

static int read_hex4(struct cursor *c, uint32_t *out)
{
        uint32_t v = 0;

        if (c->end - c->p < 4) {
                return -1;
        }
        for (int i = 0; i < 4; i++) {
                int h = hex_value(c->p[i]);
                if (h < 0) {
                        return -1;
                }
                v = (v << 4) | (uint32_t)h;
        }
        c->p += 4;
        *out = v;
        return 0;
}

static void put_utf8(struct cursor *c, uint32_t cp)
{
        if (cp < 0x80) {
                *c->out++ = (char)cp;
        } else if (cp < 0x800) {
                *c->out++ = (char)(0xc0 | (cp >> 6));
                *c->out++ = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
                *c->out++ = (char)(0xe0 | (cp >> 12));
                *c->out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *c->out++ = (char)(0x80 | (cp & 0x3f));
        } else {
                *c->out++ = (char)(0xf0 | (cp >> 18));
                *c->out++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *c->out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *c->out++ = (char)(0x80 | (cp & 0x3f));
        }
}

static int read_escape(struct cursor *c)
{
        uint32_t cp, lo;
        char e;

        if (c->p >= c->end) {
                return -1;
        }
        e = *c->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
                *c->out++ = e;
                return 0;
        case 'b':
                *c->out++ = '\b';
                return 0;
        case 'f':
                *c->out++ = '\f';
                return 0;
        case 'n':
                *c->out++ = '\n';
                return 0;
        case 'r':
                *c->out++ = '\r';
                return 0;
        case 't':
                *c->out++ = '\t';
                return 0;
        case 'u':
                if (read_hex4(c, &cp) != 0) {
                        return -1;
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                        if (c->end - c->p < 6 || c->p[0] != '\\' ||
                            c->p[1] != 'u') {
                                return -1;
                        }
                        c->p += 2;
                        if (read_hex4(c, &lo) != 0 || lo < 0xdc00 ||
                            lo > 0xdfff) {
                                return -1;
                        }
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                        return -1;
                }
                put_utf8(c, cp);
                return 0;
        default:
                return -1;
        }
}

/* Reads a JSON string (cursor on the opening quote) into scratch. */
static int read_string(struct cursor *c, const char **out, size_t *out_len)
{
        char *start = c->out;

        if (c->p >= c->end || *c->p != '"') {
                return -1;
        }
        c->p++;
        while (c->p < c->end) {
                /* A run of plain bytes is copied at once. */
                const char *run = c->p;
                while (c->p < c->end && *c->p != '"' && *c->p != '\\' &&
                       (unsigned char)*c->p >= 0x20) {
                        c->p++;
                }
                memcpy(c->out, run, (size_t)(c->p - run));
                c->out += c->p - run;
                if (c->p >= c->end) {
                        break;
                }
                unsigned char ch = (unsigned char)*c->p++;
                if (ch == '"') {
                        *out_len  = (size_t)(c->out - start);
                        *c->out++ = '\0';
                        *out      = start;
                        return 0;
                }
                if (ch < 0x20 || read_escape(c) != 0) {
                        return -1; /* a control byte or a bad escape */
                }
        }
        return -1;
}

static bool match_word(struct cursor *c, const char *word, size_t len)
{
        if ((size_t)(c->end - c->p) < len || memcmp(c->p, word, len) != 0) {
                return false;
        }
        c->p += len;
        return true;
}

/* Reads a JSON number of any length. Numbers that fit int64_t or struct
 * decimal take the fast path; longer ones keep their exact text, copied
 * into scratch so they live as long as the object's strings. */
static enum wire_err read_number(struct cursor *c, struct value *v)
{
        const char *start = c->p;
        size_t len;

        while (c->p < c->end) {
                char ch = *c->p;
                if (!(ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
                      ch == 'E' || (ch >= '0' && ch <= '9'))) {
                        break;
                }
                c->p++;
        }
        len = (size_t)(c->p - start);
        if (value_parse_json_number(start, len, v) != 0) {
                return WIRE_ERR_NUMBER;
        }
        if (v->type == VALUE_BIGNUM) {
                memcpy(c->out, start, len);
                v->as.big.ptr = c->out;
                c->out += len;
        }
        return WIRE_OK;
}

static enum wire_err read_value(struct cursor *c, struct value *v)
{
        if (c->p >= c->end) {
                return WIRE_ERR_SYNTAX;
        }
        switch (*c->p) {
        case '"':
                v->type = VALUE_TEXT;
                return read_string(c, &v->as.text.ptr, &v->as.text.len) == 0
                           ? WIRE_OK
                           : WIRE_ERR_SYNTAX;
        case '{':
        case '[':
                return WIRE_ERR_NESTED;
        case 't':
                v->type = VALUE_BOOL;
                v->as.b = true;
                return match_word(c, "true", 4) ? WIRE_OK : WIRE_ERR_SYNTAX;
        case 'f':
                v->type = VALUE_BOOL;
                v->as.b = false;
                return match_word(c, "false", 5) ? WIRE_OK : WIRE_ERR_SYNTAX;
        case 'n':
                v->type = VALUE_NULL;
                return match_word(c, "null", 4) ? WIRE_OK : WIRE_ERR_SYNTAX;
        default:
                if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) {
                        return read_number(c, v);
                }
                return WIRE_ERR_SYNTAX;
        }
}

enum wire_err wire_decode_object(struct wire_object *obj, const char *json,
                                 size_t len)
{
        struct cursor c = {json, json + len, NULL};
        /* Unescaped text never grows: each string needs at most its raw
         * length plus a NUL, so scratch never moves during one decode. */
        size_t need = len + 1;
        enum wire_err err;

        obj->count = 0;
        if (need > obj->scratch_cap) {
                char *p = realloc(obj->scratch, need);
                if (!p) {
                        return WIRE_ERR_NOMEM;
                }
                obj->scratch     = p;
                obj->scratch_cap = need;
        }
        c.out = obj->scratch;

        skip_ws(&c);
        if (c.p >= c.end || *c.p != '{') {
                return c.p < c.end &&
                               (*c.p == '[' || *c.p == '"' || *c.p == '-' ||
                                *c.p == 't' || *c.p == 'f' || *c.p == 'n' ||
                                (*c.p >= '0' && *c.p <= '9'))
                           ? WIRE_ERR_NOT_OBJECT
                           : WIRE_ERR_SYNTAX;
        }
        c.p++;
        skip_ws(&c);
        if (c.p < c.end && *c.p == '}') {
                c.p++;
                goto done;
        }
        for (;;) {
                struct wire_field *f;
                size_t name_len;

                if (obj->count == WIRE_MAX_FIELDS) {
                        return WIRE_ERR_TOO_MANY;
                }
                f = &obj->fields[obj->count];
                skip_ws(&c);
                if (read_string(&c, &f->name, &name_len) != 0) {
                        return WIRE_ERR_SYNTAX;
                }
                skip_ws(&c);
                if (c.p >= c.end || *c.p++ != ':') {
                        return WIRE_ERR_SYNTAX;
                }
                skip_ws(&c);
                err = read_value(&c, &f->value);
                if (err != WIRE_OK) {
                        return err;
                }
                obj->count++;
                skip_ws(&c);
                if (c.p >= c.end) {
                        return WIRE_ERR_SYNTAX;
                }
                if (*c.p == ',') {
                        c.p++;
                        continue;
                }
                if (*c.p == '}') {
                        c.p++;
                        break;
                }
                return WIRE_ERR_SYNTAX;
        }
done:
        skip_ws(&c);
        return c.p == c.end ? WIRE_OK : WIRE_ERR_SYNTAX;
}

void wire_object_finish(struct wire_object *obj)
{
        free(obj->scratch);
        obj->scratch     = NULL;
        obj->scratch_cap = 0;
        obj->count       = 0;
}

const struct wire_field *wire_object_get(const struct wire_object *obj,
                                         const char *name)
{
        for (size_t i = 0; i < obj->count; i++) {
                if (strcmp(obj->fields[i].name, name) == 0) {
                        return &obj->fields[i];
                }
        }
        return NULL;
}

const char *wire_strerror(enum wire_err err)
{
        switch (err) {
        case WIRE_OK:
                return "ok";
        case WIRE_ERR_SYNTAX:
                return "not valid JSON";
        case WIRE_ERR_NOT_OBJECT:
                return "JSON value is not an object";
        case WIRE_ERR_NESTED:
                return "nested objects and arrays are not supported";
        case WIRE_ERR_TOO_MANY:
                return "too many members";
        case WIRE_ERR_NUMBER:
                return "not a JSON number";
        case WIRE_ERR_NOMEM:
                return "out of memory";
        case WIRE_ERR_ID:
                return "malformed " WIRE_HDR_ID " header";
        case WIRE_ERR_VERSION:
                return "another wire format version";
        }
        return "unknown error";
}

int wire_parse_u64(const char *s, size_t len, uint64_t *out)
{
        uint64_t v = 0;

        if (len == 0 || len > 20) {
                return -1;
        }
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9') {
                        return -1;
                }
                if (__builtin_mul_overflow(v, 10, &v) ||
                    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v)) {
                        return -1;
                }
        }
        *out = v;
        return 0;
}

static const char *const kind_names[] = {
    [WIRE_ROW]               = WIRE_KIND_ROW,
    [WIRE_RESET]             = WIRE_KIND_RESET,
    [WIRE_SNAPSHOT_COMPLETE] = WIRE_KIND_SNAPSHOT_COMPLETE,
    [WIRE_REJECTED]          = WIRE_KIND_REJECTED,
};

int wire_kind_parse(const char *s, size_t len, enum wire_kind *out)
{
        for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]);
             i++) {
                if (strlen(kind_names[i]) == len &&
                    memcmp(kind_names[i], s, len) == 0) {
                        *out = (enum wire_kind)i;
                        return 0;
                }
        }
        return -1;
}

const char *wire_kind_name(enum wire_kind kind)
{
        return kind <= WIRE_REJECTED ? kind_names[kind] : "unknown";
}

/* ---- The packed identity header ---- */

/* Writes v in decimal at out; returns the digit count (1..20). */
static size_t put_u64(char *out, uint64_t v)
{
        char tmp[20];
        size_t n = 0;

        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        for (size_t i = 0; i < n; i++) {
                out[i] = tmp[n - 1 - i];
        }
        return n;
}

uint64_t wire_source_id(const char *source, size_t len)
{
        return XXH3_64bits(source, len);
}

void wire_hex64(uint64_t id, char out[WIRE_SOURCE_ID_HEX + 1])
{
        static const char hex[] = "0123456789abcdef";

        for (int i = 0; i < WIRE_SOURCE_ID_HEX; i++) {
                out[i] = hex[(id >> (60 - 4 * i)) & 0xf];
        }
        out[WIRE_SOURCE_ID_HEX] = '\0';
}

/* Lower-case hex digit values plus one; 0 for any other byte. */
static const uint8_t hex_lower[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

int wire_parse_hex64(const char *s, size_t len, uint64_t *out)
{
        uint64_t v  = 0;
        unsigned ok = 1;

        if (len != WIRE_SOURCE_ID_HEX) {
                return -1;
        }
        /* Every row's csv.id has two of these: no branch per digit. */
        for (size_t i = 0; i < WIRE_SOURCE_ID_HEX; i++) {
                unsigned h = hex_lower[(unsigned char)s[i]];
                ok &= h != 0;
                v = (v << 4) | ((h - 1) & 0xf);
        }
        if (!ok) {
                return -1;
        }
        *out = v;
        return 0;
}

/* 16 lower-case hex digits of v at p; returns the end. */
static char *put_hex(char *p, uint64_t v)
{
        char hex[WIRE_SOURCE_ID_HEX + 1];

        wire_hex64(v, hex);
        memcpy(p, hex, WIRE_SOURCE_ID_HEX);
        return p + WIRE_SOURCE_ID_HEX;
}

/* "<generation>;<record>;<offset>;<schema>", the fields v2 and v3 share,
 * at p; returns the end. */
static char *put_numbers(char *p, const struct wire_id *id)
{
        p += put_u64(p, id->generation);
        *p++ = ';';
        p += put_u64(p, id->record);
        *p++ = ';';
        p += put_u64(p, id->offset);
        *p++ = ';';
        return put_hex(p, id->schema);
}

size_t wire_id_encode(const struct wire_id *id, char *out, size_t cap)
{
        const char *kind = wire_kind_name(id->kind);
        size_t kind_len  = strlen(kind);
        char *p          = out;

        if (cap < WIRE_ID_MAX) {
                return 0;
        }
        *p++ = 'v';
        *p++ = (char)('0' + WIRE_VERSION);
        *p++ = ';';
        memcpy(p, kind, kind_len);
        p += kind_len;
        *p++ = ';';
        p    = put_numbers(p, id);
        *p++ = ';';
        p    = put_hex(p, id->source_id);
        return (size_t)(p - out);
}

size_t wire_id_encode_v2(const struct wire_id *id, char *out, size_t cap)
{
        char *p = out;

        if (cap < WIRE_ID_V2_FIXED_MAX ||
            cap - WIRE_ID_V2_FIXED_MAX < id->source_len) {
                return 0;
        }
        memcpy(p, "v2;", 3);
        p += 3;
        p    = put_numbers(p, id);
        *p++ = ';';
        if (id->source_len > 0) {
                memcpy(p, id->source, id->source_len);
        }
        p += id->source_len;
        return (size_t)(p - out);
}

/* Reads one ';'-terminated decimal u64 field; advances *s past the ';'. */
static int take_u64(const char **s, const char *end, uint64_t *out)
{
        const char *semi = memchr(*s, ';', (size_t)(end - *s));

        if (!semi || wire_parse_u64(*s, (size_t)(semi - *s), out) != 0) {
                return -1;
        }
        *s = semi + 1;
        return 0;
}

/* The rest of a v3 value, after "v3;". */
static enum wire_err decode_v3(const char *p, const char *end,
                               struct wire_id *id)
{
        const char *semi = memchr(p, ';', (size_t)(end - p));

        if (!semi || wire_kind_parse(p, (size_t)(semi - p), &id->kind) != 0) {
                return WIRE_ERR_ID;
        }
        p = semi + 1;
        if (take_u64(&p, end, &id->generation) != 0 ||
            take_u64(&p, end, &id->record) != 0 ||
            take_u64(&p, end, &id->offset) != 0 ||
            end - p != 2 * WIRE_SOURCE_ID_HEX + 1 ||
            p[WIRE_SOURCE_ID_HEX] != ';' ||
            wire_parse_hex64(p, WIRE_SOURCE_ID_HEX, &id->schema) != 0 ||
            wire_parse_hex64(p + WIRE_SOURCE_ID_HEX + 1, WIRE_SOURCE_ID_HEX,
                             &id->source_id) != 0) {
                return WIRE_ERR_ID;
        }
        id->source     = NULL;
        id->source_len = 0;
        return WIRE_OK;
}

/* The rest of a v2 value, after "v2;". */
static enum wire_err decode_v2(const char *p, const char *end,
                               struct wire_id *id)
{
        if (take_u64(&p, end, &id->generation) != 0 ||
            take_u64(&p, end, &id->record) != 0 ||
            take_u64(&p, end, &id->offset) != 0 ||
            end - p < WIRE_SOURCE_ID_HEX + 1 || p[WIRE_SOURCE_ID_HEX] != ';' ||
            wire_parse_hex64(p, WIRE_SOURCE_ID_HEX, &id->schema) != 0) {
                return WIRE_ERR_ID;
        }
        p += WIRE_SOURCE_ID_HEX + 1;
        if (p == end) {
                return WIRE_ERR_ID; /* a source is never empty */
        }
        id->kind       = WIRE_ROW; /* the csv.kind header says */
        id->source_id  = 0;
        id->source     = p;
        id->source_len = (size_t)(end - p);
        return WIRE_OK;
}

enum wire_err wire_id_decode(const char *s, size_t len, struct wire_id *id,
                             unsigned *version)
{
        const char *p = s, *end = s + len;
        uint64_t v = 0;

        if (len < 2 || p[0] != 'v') {
                return WIRE_ERR_ID;
        }
        p++;
        while (p < end && *p >= '0' && *p <= '9' && v < 1000000) {
                v = v * 10 + (uint64_t)(*p++ - '0');
        }
        if (p == s + 1 || p >= end || *p != ';') {
                return WIRE_ERR_ID;
        }
        p++;
        *version = (unsigned)v;
        switch (v) {
        case 3:
                return decode_v3(p, end, id);
        case 2:
                return decode_v2(p, end, id);
        default:
                return WIRE_ERR_VERSION;
        }
}
