/* SPDX-License-Identifier: MIT */
#include "typing.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

#define TYPING_REASON_SHOW 40 /* bytes of a bad value quoted in a reason */

struct schema_entry {
        char *name;
        enum value_type type;
};

struct typing {
        struct schema_entry *schema;
        size_t schema_count;

        char **names;
        enum value_type *types;
        bool *fixed; /* the type came from the schema */
        enum value_type *scratch;
        size_t count;
        uint64_t changes;
};

struct typing *typing_create(void)
{
        return calloc(1, sizeof(struct typing));
}

static void clear_columns(struct typing *t)
{
        t->changes++;
        for (size_t i = 0; i < t->count; i++) {
                free(t->names[i]);
        }
        free(t->names);
        free(t->types);
        free(t->fixed);
        free(t->scratch);
        t->names   = NULL;
        t->types   = NULL;
        t->fixed   = NULL;
        t->scratch = NULL;
        t->count   = 0;
}

static void clear_schema(struct typing *t)
{
        for (size_t i = 0; i < t->schema_count; i++) {
                free(t->schema[i].name);
        }
        free(t->schema);
        t->schema       = NULL;
        t->schema_count = 0;
}

void typing_destroy(struct typing *t)
{
        if (!t) {
                return;
        }
        clear_columns(t);
        clear_schema(t);
        free(t);
}

int typing_set_schema(struct typing *t, const char *spec, char *errstr,
                      size_t errstr_size)
{
        const char *p = spec;

        clear_schema(t);
        if (!spec || !*spec) {
                return 0;
        }
        while (*p) {
                const char *end   = strchr(p, ',');
                const char *colon = NULL;
                size_t len        = end ? (size_t)(end - p) : strlen(p);
                char type[32];
                struct schema_entry *e;

                for (size_t i = len; i > 0; i--) {
                        if (p[i - 1] == ':') {
                                colon = p + i - 1;
                                break;
                        }
                }
                if (!colon || colon == p ||
                    (size_t)(p + len - colon - 1) >= sizeof(type)) {
                        snprintf(errstr, errstr_size,
                                 "--schema: expected name:type in '%.*s'",
                                 (int)len, p);
                        return -1;
                }
                memcpy(type, colon + 1, (size_t)(p + len - colon - 1));
                type[p + len - colon - 1] = '\0';
                e = realloc(t->schema, (t->schema_count + 1) * sizeof(*e));
                if (!e) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                t->schema = e;
                e         = &t->schema[t->schema_count];
                if (value_type_parse(type, &e->type) != 0 ||
                    e->type == VALUE_NULL) {
                        snprintf(errstr, errstr_size,
                                 "--schema: unknown type '%s' (int, decimal, "
                                 "bool, text)",
                                 type);
                        return -1;
                }
                e->name = strndup(p, (size_t)(colon - p));
                if (!e->name) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                t->schema_count++;
                p += len;
                if (*p == ',') {
                        p++;
                }
        }
        return 0;
}

int typing_set_header(struct typing *t, const struct row_field *names,
                      size_t count)
{
        clear_columns(t);
        if (count > TYPING_MAX_COLUMNS) {
                return -1;
        }
        t->names   = calloc(count ? count : 1, sizeof(char *));
        t->types   = calloc(count ? count : 1, sizeof(enum value_type));
        t->fixed   = calloc(count ? count : 1, sizeof(bool));
        t->scratch = calloc(count ? count : 1, sizeof(enum value_type));
        if (!t->names || !t->types || !t->fixed || !t->scratch) {
                clear_columns(t);
                return -1;
        }
        t->count = count;
        for (size_t i = 0; i < count; i++) {
                t->names[i] = strndup(names[i].ptr, names[i].len);
                if (!t->names[i]) {
                        clear_columns(t);
                        return -1;
                }
                for (size_t k = 0; k < t->schema_count; k++) {
                        if (strcmp(t->schema[k].name, t->names[i]) == 0) {
                                t->types[i] = t->schema[k].type;
                                t->fixed[i] = true;
                        }
                }
        }
        return 0;
}

static void bad(char *reason, size_t size, const char *name, const char *what,
                const struct row_field *f)
{
        int shown =
            f->len > TYPING_REASON_SHOW ? TYPING_REASON_SHOW : (int)f->len;

        snprintf(reason, size, "column %s: not %s: '%.*s%s'", name, what, shown,
                 f->ptr, (size_t)shown < f->len ? "..." : "");
}

/* Types one cell against its column's current type. */
static int type_cell(const struct typing *t, size_t i,
                     const struct row_field *f, enum value_type *col,
                     struct value *v, char *reason, size_t size)
{
        if (f->len == 0) {
                v->type = VALUE_NULL;
                return 0;
        }
        switch (*col) {
        case VALUE_NULL:
                *col = value_infer(f->ptr, f->len, v);
                if (*col == VALUE_BIGNUM) {
                        *col = bignum_is_integer(v->as.big) ? VALUE_INT
                                                            : VALUE_DECIMAL;
                }
                return 0;
        case VALUE_INT:
                if (value_parse_int(f->ptr, f->len, &v->as.i) == 0) {
                        v->type = VALUE_INT;
                        return 0;
                }
                if (value_infer(f->ptr, f->len, v) == VALUE_BIGNUM &&
                    bignum_is_integer(v->as.big)) {
                        return 0;
                }
                if (!t->fixed[i] &&
                    value_parse_decimal(f->ptr, f->len, &v->as.d) == 0) {
                        v->type = VALUE_DECIMAL;
                        *col    = VALUE_DECIMAL;
                        return 0;
                }
                if (!t->fixed[i] &&
                    value_infer(f->ptr, f->len, v) == VALUE_BIGNUM) {
                        *col = VALUE_DECIMAL;
                        return 0;
                }
                bad(reason, size, t->names[i],
                    t->fixed[i] ? "an integer" : "a number", f);
                return -1;
        case VALUE_DECIMAL:
                if (value_parse_decimal(f->ptr, f->len, &v->as.d) == 0) {
                        v->type = VALUE_DECIMAL;
                        return 0;
                }
                if (value_infer(f->ptr, f->len, v) == VALUE_BIGNUM) {
                        return 0;
                }
                bad(reason, size, t->names[i], "a decimal", f);
                return -1;
        case VALUE_BOOL:
                if (value_parse_bool(f->ptr, f->len, &v->as.b) == 0) {
                        v->type = VALUE_BOOL;
                        return 0;
                }
                bad(reason, size, t->names[i], "a boolean", f);
                return -1;
        case VALUE_TEXT:
                v->type        = VALUE_TEXT;
                v->as.text.ptr = f->ptr;
                v->as.text.len = f->len;
                return 0;
        case VALUE_BIGNUM:
                /* Never a column type: big numbers type as integer or
                 * decimal columns. */
                break;
        }
        return -1;
}

int typing_apply(struct typing *t, const struct row_field *fields, size_t count,
                 struct value *values, char *reason, size_t reason_size)
{
        if (count != t->count) {
                snprintf(reason, reason_size, "field count %zu, header has %zu",
                         count, t->count);
                return -1;
        }
        memcpy(t->scratch, t->types, count * sizeof(*t->scratch));
        for (size_t i = 0; i < count; i++) {
                if (type_cell(t, i, &fields[i], &t->scratch[i], &values[i],
                              reason, reason_size) != 0) {
                        return -1;
                }
        }
        if (memcmp(t->types, t->scratch, count * sizeof(*t->types)) != 0) {
                memcpy(t->types, t->scratch, count * sizeof(*t->types));
                t->changes++;
        }
        return 0;
}

uint64_t typing_changes(const struct typing *t)
{
        return t->changes;
}

size_t typing_column_count(const struct typing *t)
{
        return t->count;
}

const char *typing_column_name(const struct typing *t, size_t i)
{
        return t->names[i];
}

const char *const *typing_column_names(const struct typing *t)
{
        return (const char *const *)t->names;
}

enum value_type typing_column_type(const struct typing *t, size_t i)
{
        return t->types[i];
}

int typing_find(const struct typing *t, const char *name)
{
        for (size_t i = 0; i < t->count; i++) {
                if (strcmp(t->names[i], name) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 1099511628211ULL;
        }
        return h;
}

uint64_t typing_schema_id(const struct typing *t)
{
        uint64_t h = 14695981039346656037ULL;

        for (size_t i = 0; i < t->count; i++) {
                const char *type = value_type_name(t->types[i]);
                h = fnv1a(h, t->names[i], strlen(t->names[i]) + 1);
                h = fnv1a(h, type, strlen(type) + 1);
        }
        return h;
}

int typing_encode_types(const struct typing *t, char *buf, size_t size)
{
        size_t n = 0;

        if (size == 0) {
                return -1;
        }
        buf[0] = '\0';
        for (size_t i = 0; i < t->count; i++) {
                int r = snprintf(buf + n, size - n, "%s%s", i ? "," : "",
                                 value_type_name(t->types[i]));
                if (r < 0 || (size_t)r >= size - n) {
                        return -1;
                }
                n += (size_t)r;
        }
        return 0;
}

int typing_decode_types(struct typing *t, const char *s)
{
        size_t i = 0;

        if (!*s) {
                return t->count == 0 ? 0 : -1;
        }
        while (*s) {
                const char *end = strchr(s, ',');
                size_t len      = end ? (size_t)(end - s) : strlen(s);
                char name[32];
                enum value_type type;

                if (i >= t->count || len >= sizeof(name)) {
                        return -1;
                }
                memcpy(name, s, len);
                name[len] = '\0';
                if (strcmp(name, "null") == 0) {
                        type = VALUE_NULL;
                } else if (value_type_parse(name, &type) != 0) {
                        return -1;
                }
                if (!t->fixed[i] && t->types[i] != type) {
                        t->types[i] = type;
                        t->changes++;
                }
                i++;
                s += len;
                if (*s == ',') {
                        s++;
                }
        }
        return i == t->count ? 0 : -1;
}

int typing_columns_json(const struct typing *t, struct wire_buf *out)
{
        if (wire_buf_append(out, "[", 1) != 0) {
                return -1;
        }
        for (size_t i = 0; i < t->count; i++) {
                if ((i && wire_buf_append(out, ",", 1) != 0) ||
                    wire_buf_append(out, "{\"name\":", 8) != 0 ||
                    wire_buf_append_json_string(out, t->names[i],
                                                strlen(t->names[i])) != 0 ||
                    wire_buf_printf(out, ",\"type\":\"%s\"}",
                                    value_type_name(t->types[i])) != 0) {
                        return -1;
                }
        }
        return wire_buf_append(out, "]", 1);
}
