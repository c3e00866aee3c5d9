/* SPDX-License-Identifier: MIT */
#include "common/value.h"

#include "check.h"

static void test_infer(void)
{
        static const struct {
                const char *text;
                enum value_type type;
        } cases[] = {
            {"", VALUE_NULL},
            {"0", VALUE_INT},
            {"-12", VALUE_INT},
            {"+7", VALUE_INT},
            {"275.50", VALUE_DECIMAL},
            {"-0.5", VALUE_DECIMAL},
            {".5", VALUE_DECIMAL},
            {"3.", VALUE_DECIMAL},
            {"true", VALUE_BOOL},
            {"FALSE", VALUE_BOOL},
            {"Recife", VALUE_TEXT},
            {"1.2.3", VALUE_TEXT},
            {"1e5", VALUE_TEXT},
            {"-", VALUE_TEXT},
            {".", VALUE_TEXT},
            {" 1", VALUE_TEXT},
            {"99999999999999999999", VALUE_TEXT},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct value v;
                enum value_type t =
                    value_infer(cases[i].text, strlen(cases[i].text), &v);
                if (t != cases[i].type) {
                        fprintf(stderr, "infer(\"%s\") = %s, want %s\n",
                                cases[i].text, value_type_name(t),
                                value_type_name(cases[i].type));
                        check_failures++;
                }
        }
}

static void test_decimal_roundtrip(void)
{
        static const struct {
                const char *in;
                const char *out;
                long long mantissa;
                int scale;
        } cases[] = {
            {"275.50", "275.50", 27550, 2},
            {"-0.05", "-0.05", -5, 2},
            {".5", "0.5", 5, 1},
            {"3.", "3", 3, 0},
            {"+1.25", "1.25", 125, 2},
            {"1.5e3", "1500", 1500, 0},
            {"25e-2", "0.25", 25, 2},
            {"0", "0", 0, 0},
        };
        char buf[32];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct decimal d;
                CHECK_EQ_INT(
                    value_parse_decimal(cases[i].in, strlen(cases[i].in), &d),
                    0);
                CHECK_EQ_INT(d.mantissa, cases[i].mantissa);
                CHECK_EQ_INT(d.scale, cases[i].scale);
                CHECK(decimal_format(d, buf, sizeof(buf)) > 0);
                CHECK_EQ_STR(buf, cases[i].out);
        }
}

static void test_rejects(void)
{
        struct decimal d;
        int64_t i;

        CHECK_EQ_INT(value_parse_decimal("", 0, &d), -1);
        CHECK_EQ_INT(value_parse_decimal("1.2.3", 5, &d), -1);
        CHECK_EQ_INT(value_parse_decimal("1e", 2, &d), -1);
        CHECK_EQ_INT(value_parse_decimal("0.0000000000000000001", 21, &d), -1);
        CHECK_EQ_INT(value_parse_int("9223372036854775807", 19, &i), 0);
        CHECK_EQ_INT(i, INT64_MAX);
        CHECK_EQ_INT(value_parse_int("-9223372036854775808", 20, &i), 0);
        CHECK_EQ_INT(i, INT64_MIN);
        CHECK_EQ_INT(value_parse_int("9223372036854775808", 19, &i), -1);
}

static void test_format_extremes(void)
{
        char buf[32];
        struct decimal min = {INT64_MIN, 18};

        CHECK(decimal_format(min, buf, sizeof(buf)) > 0);
        CHECK_EQ_STR(buf, "-9.223372036854775808");
        CHECK_EQ_INT(decimal_format(min, buf, 4), -1);
}

int main(void)
{
        test_infer();
        test_decimal_roundtrip();
        test_rejects();
        test_format_extremes();
        return check_exit();
}
