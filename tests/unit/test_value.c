/* SPDX-License-Identifier: MIT */
#include "common/value.h"

#include <math.h>
#include <stdbool.h>

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
            {"99999999999999999999", VALUE_BIGNUM},
            {"-12345678901234567890.123456789", VALUE_BIGNUM},
            {"0.0000000000000000001", VALUE_BIGNUM},
            {"+99999999999999999999", VALUE_TEXT},
            {"099999999999999999999", VALUE_TEXT},
            {"1e400", VALUE_TEXT},
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

static void test_json_number(void)
{
        static const struct {
                const char *text;
                bool ok;
        } cases[] = {
            {"0", true},    {"-0", true},     {"12", true},
            {"1.5", true},  {"-0.25", true},  {"1e5", true},
            {"1E+5", true}, {"2.5e-3", true}, {"", false},
            {"-", false},   {"01", false},    {"+1", false},
            {".5", false},  {"1.", false},    {"1e", false},
            {"1e+", false}, {"1.2.3", false}, {" 1", false},
            {"1 ", false},  {"0x10", false},  {"NaN", false},
            {"--1", false}, {"1e5e5", false}, {"00.5", false},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                bool ok =
                    value_is_json_number(cases[i].text, strlen(cases[i].text));
                if (ok != cases[i].ok) {
                        fprintf(stderr, "json_number(\"%s\") = %d\n",
                                cases[i].text, ok);
                        check_failures++;
                }
        }
}

/* Every number keeps its exact text or exact value, whatever its length. */
static void test_parse_json_number(void)
{
        static const struct {
                const char *text;
                enum value_type type;
        } cases[] = {
            {"9223372036854775807", VALUE_INT},
            {"-9223372036854775808", VALUE_INT},
            {"9223372036854775808", VALUE_BIGNUM},
            {"-9223372036854775809", VALUE_BIGNUM},
            {"12345678901234567890123456789012345678901234567890",
             VALUE_BIGNUM},
            {"99999999999999.99", VALUE_DECIMAL},
            {"0.000001", VALUE_DECIMAL},
            {"0.123456789012345678", VALUE_DECIMAL},
            {"0.1234567890123456789", VALUE_BIGNUM},
            {"92233720368547758.08", VALUE_BIGNUM},
            {"1.5e3", VALUE_DECIMAL},
            {"1e400", VALUE_BIGNUM},
            {"-2.5E-300", VALUE_BIGNUM},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct value v;
                size_t len = strlen(cases[i].text);
                CHECK_EQ_INT(value_parse_json_number(cases[i].text, len, &v),
                             0);
                if (v.type != cases[i].type) {
                        fprintf(stderr, "parse(\"%s\") = %s, want %s\n",
                                cases[i].text, value_type_name(v.type),
                                value_type_name(cases[i].type));
                        check_failures++;
                }
                if (v.type == VALUE_BIGNUM) {
                        CHECK(v.as.big.ptr == cases[i].text);
                        CHECK_EQ_INT(v.as.big.len, len);
                }
        }
        struct value v;
        CHECK_EQ_INT(value_parse_json_number("01", 2, &v), -1);
        CHECK_EQ_INT(value_parse_json_number("1.", 2, &v), -1);
}

/* The short forms (up to 18 digits, no exponent) are read in one pass:
 * exactly the same values as the general path, and the same refusals. */
static void test_parse_json_number_short_forms(void)
{
        static const struct {
                const char *text;
                enum value_type type;
                int64_t mantissa;
                unsigned scale;
        } cases[] = {
            {"0", VALUE_INT, 0, 0},
            {"-0", VALUE_INT, 0, 0},
            {"7", VALUE_INT, 7, 0},
            {"-45", VALUE_INT, -45, 0},
            {"123456789012345678", VALUE_INT, 123456789012345678, 0},
            {"-999999999999999999", VALUE_INT, -999999999999999999, 0},
            {"1234567890123456789", VALUE_INT, 1234567890123456789, 0},
            {"275.50", VALUE_DECIMAL, 27550, 2},
            {"-0.50", VALUE_DECIMAL, -50, 2},
            {"0.0", VALUE_DECIMAL, 0, 1},
            {"99999999999999999.9", VALUE_DECIMAL, 999999999999999999, 1},
            {"0.00000000000000001", VALUE_DECIMAL, 1, 17},
            {"0.000000000000000001", VALUE_DECIMAL, 1, 18},
            {"1.5e3", VALUE_DECIMAL, 1500, 0},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct value v;
                const char *t = cases[i].text;
                CHECK_EQ_INT(value_parse_json_number(t, strlen(t), &v), 0);
                CHECK_EQ_INT(v.type, cases[i].type);
                if (v.type == VALUE_INT) {
                        CHECK_EQ_INT(v.as.i, cases[i].mantissa);
                } else if (v.type == VALUE_DECIMAL) {
                        CHECK_EQ_INT(v.as.d.mantissa, cases[i].mantissa);
                        CHECK_EQ_INT(v.as.d.scale, cases[i].scale);
                }
        }
        static const char *const bad[] = {
            "",      "-",  "00", "-01", "00.5", ".5",   "-.5", "1.",
            "1.2.3", "1-", "+1", "1 ",  "0x10", "1.5e", "--1",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct value v;
                if (value_parse_json_number(bad[i], strlen(bad[i]), &v) != -1) {
                        fprintf(stderr, "parse(\"%s\") accepted\n", bad[i]);
                        check_failures++;
                }
        }
}

static void test_bignum_double(void)
{
        static const struct {
                const char *text;
                double want;
                bool integer;
        } cases[] = {
            {"12345678901234567890", 12345678901234567890.0, true},
            {"-12345678901234567890.5", -12345678901234567890.5, false},
            {"0.0000000000000000001", 1e-19, false},
            {"-0.00000000000000000025", -2.5e-19, false},
            {"1e400", HUGE_VAL, false},
            {"-2.5E-3", -0.0025, false},
            {"0", 0.0, true},
            {"100000000000000000000000000000000000000000000000000", 1e50, true},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct bignum b = {cases[i].text, strlen(cases[i].text)};
                double d        = bignum_to_double(b);
                if (d != cases[i].want) {
                        fprintf(stderr, "to_double(\"%s\") = %.17g\n",
                                cases[i].text, d);
                        check_failures++;
                }
                CHECK_EQ_INT(bignum_is_integer(b), cases[i].integer);
        }
}

int main(void)
{
        test_infer();
        test_json_number();
        test_parse_json_number();
        test_parse_json_number_short_forms();
        test_bignum_double();
        test_decimal_roundtrip();
        test_rejects();
        test_format_extremes();
        return check_exit();
}
