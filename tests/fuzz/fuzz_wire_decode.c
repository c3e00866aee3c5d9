/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the wire-format decoders (a JSON value, a csv.id
 * header of version 3 or 2) must accept or reject any bytes without
 * crashing, and whatever they accept must encode and decode again to the
 * same content. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Numbers compare by value: "-1.5e3" decodes as a decimal of scale 0 and
 * comes back as the integer -1500. */
static int as_integer(const struct value *v, int64_t *out)
{
        if (v->type == VALUE_INT) {
                *out = v->as.i;
                return 1;
        }
        if (v->type == VALUE_DECIMAL && v->as.d.scale == 0) {
                *out = v->as.d.mantissa;
                return 1;
        }
        return 0;
}

static int same_value(const struct value *a, const struct value *b)
{
        int64_t ia, ib;

        if (as_integer(a, &ia) && as_integer(b, &ib)) {
                return ia == ib;
        }
        if (a->type != b->type) {
                return 0;
        }
        switch (a->type) {
        case VALUE_INT:
                return a->as.i == b->as.i;
        case VALUE_DECIMAL:
                return a->as.d.mantissa == b->as.d.mantissa &&
                       a->as.d.scale == b->as.d.scale;
        case VALUE_BOOL:
                return a->as.b == b->as.b;
        case VALUE_TEXT:
                return a->as.text.len == b->as.text.len &&
                       memcmp(a->as.text.ptr, b->as.text.ptr, a->as.text.len) ==
                           0;
        case VALUE_BIGNUM:
                return a->as.big.len == b->as.big.len &&
                       memcmp(a->as.big.ptr, b->as.big.ptr, a->as.big.len) == 0;
        default:
                return 1;
        }
}

static int same_id(const struct wire_id *a, const struct wire_id *b)
{
        return a->kind == b->kind && a->generation == b->generation &&
               a->record == b->record && a->offset == b->offset &&
               a->schema == b->schema && a->source_id == b->source_id &&
               a->source_len == b->source_len &&
               (a->source_len == 0 ||
                memcmp(a->source, b->source, a->source_len) == 0);
}

/* The same bytes as a csv.id header value: v3 and v2 both read, and what
 * is read writes back (in its own version) to the same identity. */
static void check_id(const char *s, size_t len)
{
        struct wire_id first, second;
        unsigned version = 0, again = 0;
        char *buf;
        size_t n, cap;

        if (wire_id_decode(s, len, &first, &version) != WIRE_OK) {
                return;
        }
        if (version != 3 && version != 2) {
                abort();
        }
        if (version == 3 && (first.source != NULL || first.source_len != 0)) {
                abort();
        }
        cap = version == 3 ? WIRE_ID_MAX
                           : WIRE_ID_V2_FIXED_MAX + first.source_len;
        buf = malloc(cap);
        if (!buf) {
                return;
        }
        n = version == 3 ? wire_id_encode(&first, buf, cap)
                         : wire_id_encode_v2(&first, buf, cap);
        if (n == 0 || wire_id_decode(buf, n, &second, &again) != WIRE_OK ||
            again != version || !same_id(&first, &second)) {
                abort();
        }
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct wire_object first;
        static struct wire_object second;
        const char *names[WIRE_MAX_FIELDS];
        struct value values[WIRE_MAX_FIELDS];
        struct wire_buf b = {0};

        check_id((const char *)data, size);
        if (wire_decode_object(&first, (const char *)data, size) != WIRE_OK) {
                return 0;
        }
        for (size_t i = 0; i < first.count; i++) {
                names[i]  = first.fields[i].name;
                values[i] = first.fields[i].value;
        }
        if (wire_encode_row(&b, names, values, first.count) != 0) {
                abort();
        }
        if (wire_decode_object(&second, b.data, b.len) != WIRE_OK ||
            second.count != first.count) {
                abort();
        }
        for (size_t i = 0; i < first.count; i++) {
                /* Names with embedded NULs are cut by the encoder's strlen. */
                if (strlen(first.fields[i].name) ==
                        strlen(second.fields[i].name) &&
                    !same_value(&first.fields[i].value,
                                &second.fields[i].value)) {
                        abort();
                }
        }
        wire_buf_finish(&b);
        return 0;
}
