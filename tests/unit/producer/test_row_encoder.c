/* SPDX-License-Identifier: MIT */
/* row_encoder must write exactly what wire_encode_row writes. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "common/wire.h"
#include "row_encoder.h"

static void check_same(struct row_encoder *e, const char *const *names,
                       const struct value *v, size_t n)
{
        struct wire_buf ref = {0};
        const char *out     = NULL;
        int64_t len;

        CHECK_EQ_INT(row_encoder_set_columns(e, names, n), 0);
        CHECK_EQ_INT(wire_encode_row(&ref, names, v, n), 0);
        len = row_encoder_encode(e, v, n, &out);
        CHECK_EQ_INT(len, (int64_t)ref.len);
        if (len == (int64_t)ref.len) {
                CHECK(memcmp(out, ref.data, ref.len) == 0);
        }
        wire_buf_finish(&ref);
}

static struct value text(const char *s)
{
        struct value v = {.type = VALUE_TEXT};

        v.as.text.ptr = s;
        v.as.text.len = strlen(s);
        return v;
}

static void test_values(void)
{
        static const char *const names[] = {"id", "nome \"x\"\n", "v", "b",
                                            "n"};
        struct row_encoder *e            = row_encoder_create();
        static const int64_t ints[] = {0,         7,        -1, 1234567890123,
                                       INT64_MAX, INT64_MIN};
        static const struct decimal decs[] = {
            {27550, 2}, {-5, 2}, {0, 3}, {5, 0}, {INT64_MIN, 18}, {1, 18}};
        static const char *const texts[] = {
            "",         "Fortaleza",        "say \"hi\"\\", "tab\there\r\nx",
            "\x01\x1f", "S\xC3\xA3o Paulo", "<script>"};

        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
                for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
                        struct value v[5] = {
                            {.type = VALUE_INT, .as.i = ints[i]},
                            text(texts[t]),
                            {.type = VALUE_DECIMAL, .as.d = decs[i]},
                            {.type = VALUE_BOOL, .as.b = (t & 1) != 0},
                            {.type = VALUE_NULL},
                        };
                        check_same(e, names, v, 5);
                }
        }
        check_same(e, names, NULL, 0);

        /* Numbers too long for int64_t go out digit for digit. */
        struct value big[5] = {
            {.type = VALUE_BIGNUM, .as.big = {"123456789012345678901234", 24}},
            text("x"),
            {.type = VALUE_BIGNUM, .as.big = {"-0.0000000000000000000001", 25}},
            {.type = VALUE_NULL},
            {.type = VALUE_NULL},
        };
        check_same(e, names, big, 5);
        row_encoder_destroy(e);
}

static void test_u64(void)
{
        static const uint64_t cases[]   = {0, 9, 10, 18446744073709551615ull};
        static const char *const want[] = {"0", "9", "10",
                                           "18446744073709551615"};
        char buf[24];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = row_encoder_u64(cases[i], buf);
                buf[n]   = '\0';
                CHECK_EQ_STR(buf, want[i]);
        }
}

int main(void)
{
        test_values();
        test_u64();
        return check_exit();
}
