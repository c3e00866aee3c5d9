/* SPDX-License-Identifier: MIT */
#include "common/value.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const int64_t pow10_table[VALUE_DECIMAL_MAX_SCALE + 1] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

/* Accumulates digits into an unsigned magnitude; false on overflow. */
static bool add_digit(uint64_t *acc, int digit, uint64_t limit)
{
        if (*acc > (limit - (uint64_t)digit) / 10) {
                return false;
        }
        *acc = *acc * 10 + (uint64_t)digit;
        return true;
}

static bool apply_sign(uint64_t mag, bool negative, int64_t *out)
{
        if (negative) {
                if (mag > (uint64_t)INT64_MAX + 1) {
                        return false;
                }
                *out =
                    mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        } else {
                if (mag > (uint64_t)INT64_MAX) {
                        return false;
                }
                *out = (int64_t)mag;
        }
        return true;
}

int value_parse_int(const char *s, size_t len, int64_t *out)
{
        size_t i       = 0;
        bool negative  = false;
        uint64_t mag   = 0;
        uint64_t limit = (uint64_t)INT64_MAX + 1;

        if (len > 0 && (s[0] == '-' || s[0] == '+')) {
                negative = s[0] == '-';
                i++;
        }
        if (i == len) {
                return -1;
        }
        for (; i < len; i++) {
                if (s[i] < '0' || s[i] > '9') {
                        return -1;
                }
                if (!add_digit(&mag, s[i] - '0', limit)) {
                        return -1;
                }
        }
        return apply_sign(mag, negative, out) ? 0 : -1;
}

int value_parse_decimal(const char *s, size_t len, struct decimal *out)
{
        size_t i         = 0;
        bool negative    = false;
        bool seen_point  = false;
        size_t digits    = 0;
        int scale        = 0;
        uint64_t mag     = 0;
        uint64_t limit   = (uint64_t)INT64_MAX + 1;
        int64_t exponent = 0;

        if (len > 0 && (s[0] == '-' || s[0] == '+')) {
                negative = s[0] == '-';
                i++;
        }
        for (; i < len; i++) {
                char c = s[i];
                if (c == '.') {
                        if (seen_point) {
                                return -1;
                        }
                        seen_point = true;
                        continue;
                }
                if (c == 'e' || c == 'E') {
                        break;
                }
                if (c < '0' || c > '9') {
                        return -1;
                }
                digits++;
                if (!add_digit(&mag, c - '0', limit)) {
                        return -1;
                }
                if (seen_point) {
                        scale++;
                }
        }
        if (digits == 0) {
                return -1;
        }
        if (i < len) {
                /* Exponent part: e[+-]digits. */
                if (value_parse_int(s + i + 1, len - i - 1, &exponent) != 0) {
                        return -1;
                }
                if (exponent > VALUE_DECIMAL_MAX_SCALE * 2 ||
                    exponent < -VALUE_DECIMAL_MAX_SCALE * 2) {
                        return -1;
                }
                scale -= (int)exponent;
                while (scale < 0) {
                        if (!add_digit(&mag, 0, limit)) {
                                return -1;
                        }
                        scale++;
                }
        }
        if (scale > VALUE_DECIMAL_MAX_SCALE) {
                return -1;
        }
        if (!apply_sign(mag, negative, &out->mantissa)) {
                return -1;
        }
        out->scale = (uint8_t)scale;
        return 0;
}

/* Skips a run of digits; returns how many there were. */
static size_t skip_digits(const char *s, size_t len, size_t *i)
{
        size_t start = *i;

        while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
                (*i)++;
        }
        return *i - start;
}

bool value_is_json_number(const char *s, size_t len)
{
        size_t i = 0;
        size_t n;

        if (i < len && s[i] == '-') {
                i++;
        }
        n = skip_digits(s, len, &i);
        if (n == 0 || (n > 1 && s[i - n] == '0')) {
                return false;
        }
        if (i < len && s[i] == '.') {
                i++;
                if (skip_digits(s, len, &i) == 0) {
                        return false;
                }
        }
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                if (i < len && (s[i] == '+' || s[i] == '-')) {
                        i++;
                }
                if (skip_digits(s, len, &i) == 0) {
                        return false;
                }
        }
        return i == len;
}

/* Most significant digits that always fit an int64_t (10^18 - 1). */
#define SHORT_NUMBER_DIGITS 18

/* The common forms, -?digits and -?digits.digits with at most
 * SHORT_NUMBER_DIGITS digits (so nothing can overflow), read in one pass.
 * false: anything else, left to the general path. */
static bool parse_short_number(const char *s, size_t len, struct value *out)
{
        size_t i      = len > 0 && s[0] == '-' ? 1 : 0;
        bool negative = i == 1;
        uint64_t mag  = 0;
        size_t first  = i;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
                mag = mag * 10 + (uint64_t)(s[i++] - '0');
        }
        size_t int_digits = i - first;
        if (int_digits == 0 || (int_digits > 1 && s[first] == '0')) {
                return false;
        }
        size_t scale = 0;
        bool point   = i < len && s[i] == '.';
        if (point) {
                size_t frac = ++i;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                        mag = mag * 10 + (uint64_t)(s[i++] - '0');
                }
                scale = i - frac;
        }
        if (i != len || (point && scale == 0) ||
            int_digits + scale > SHORT_NUMBER_DIGITS) {
                return false;
        }
        int64_t v = negative ? -(int64_t)mag : (int64_t)mag;
        if (point) {
                out->type = VALUE_DECIMAL;
                out->as.d = (struct decimal){v, (uint8_t)scale};
        } else {
                out->type = VALUE_INT;
                out->as.i = v;
        }
        return true;
}

int value_parse_json_number(const char *s, size_t len, struct value *out)
{
        bool integer = true;

        if (parse_short_number(s, len, out)) {
                return 0;
        }
        if (!value_is_json_number(s, len)) {
                return -1;
        }
        for (size_t i = 0; i < len && integer; i++) {
                integer = s[i] != '.' && s[i] != 'e' && s[i] != 'E';
        }
        if (integer && value_parse_int(s, len, &out->as.i) == 0) {
                out->type = VALUE_INT;
        } else if (value_parse_decimal(s, len, &out->as.d) == 0) {
                out->type = VALUE_DECIMAL;
        } else {
                out->type       = VALUE_BIGNUM;
                out->as.big.ptr = s;
                out->as.big.len = len;
        }
        return 0;
}

int value_parse_bool(const char *s, size_t len, bool *out)
{
        if (len == 4 && strncasecmp(s, "true", 4) == 0) {
                *out = true;
                return 0;
        }
        if (len == 5 && strncasecmp(s, "false", 5) == 0) {
                *out = false;
                return 0;
        }
        return -1;
}

/* A decimal as CSV writes it: digits with exactly one point, no exponent. */
static bool looks_decimal(const char *s, size_t len)
{
        size_t points = 0;
        size_t digits = 0;
        size_t i      = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;

        for (; i < len; i++) {
                if (s[i] == '.') {
                        points++;
                } else if (isdigit((unsigned char)s[i])) {
                        digits++;
                } else {
                        return false;
                }
        }
        return points == 1 && digits > 0;
}

/* A number as JSON writes it, without exponent: what a VALUE_BIGNUM taken
 * from a CSV cell must look like so it can be sent unchanged. */
static bool looks_plain_number(const char *s, size_t len)
{
        if (!value_is_json_number(s, len)) {
                return false;
        }
        for (size_t i = 0; i < len; i++) {
                if (s[i] == 'e' || s[i] == 'E') {
                        return false;
                }
        }
        return true;
}

enum value_type value_infer(const char *s, size_t len, struct value *out)
{
        if (len == 0) {
                out->type = VALUE_NULL;
        } else if (value_parse_int(s, len, &out->as.i) == 0) {
                out->type = VALUE_INT;
        } else if (looks_decimal(s, len) &&
                   value_parse_decimal(s, len, &out->as.d) == 0) {
                out->type = VALUE_DECIMAL;
        } else if (looks_plain_number(s, len)) {
                out->type       = VALUE_BIGNUM;
                out->as.big.ptr = s;
                out->as.big.len = len;
        } else if (value_parse_bool(s, len, &out->as.b) == 0) {
                out->type = VALUE_BOOL;
        } else {
                out->type        = VALUE_TEXT;
                out->as.text.ptr = s;
                out->as.text.len = len;
        }
        return out->type;
}

int decimal_format(struct decimal d, char *buf, size_t size)
{
        char digits[24];
        size_t n     = 0;
        size_t pos   = 0;
        uint64_t mag = d.mantissa < 0 ? (uint64_t)0 - (uint64_t)d.mantissa
                                      : (uint64_t)d.mantissa;

        do {
                digits[n++] = (char)('0' + mag % 10);
                mag /= 10;
        } while (mag > 0);
        /* Pad so there is at least one digit before the point. */
        while (n <= d.scale) {
                digits[n++] = '0';
        }
        if (size < n + 3) {
                return -1;
        }
        if (d.mantissa < 0) {
                buf[pos++] = '-';
        }
        while (n > 0) {
                if (n == d.scale) {
                        buf[pos++] = '.';
                }
                buf[pos++] = digits[--n];
        }
        buf[pos] = '\0';
        return (int)pos;
}

double decimal_to_double(struct decimal d)
{
        return (double)d.mantissa / (double)pow10_table[d.scale];
}

/* Significant digits kept when a bignum is turned into a double: more than
 * a double holds, so strtod still rounds correctly in practice. */
#define BIGNUM_DOUBLE_DIGITS 40

double bignum_to_double(struct bignum b)
{
        char buf[BIGNUM_DOUBLE_DIGITS + 32];
        size_t n        = 0;
        size_t i        = 0;
        long long exp10 = 0;
        long long e     = 0;
        bool fraction   = false;

        if (i < b.len && b.ptr[i] == '-') {
                buf[n++] = '-';
                i++;
        }
        for (; i < b.len; i++) {
                char c = b.ptr[i];
                if (c == '.') {
                        fraction = true;
                } else if (c >= '0' && c <= '9') {
                        bool leading = n == 0 || (n == 1 && buf[0] == '-');
                        if (leading && c == '0') {
                                exp10 -= fraction ? 1 : 0;
                        } else if (n < BIGNUM_DOUBLE_DIGITS + 1) {
                                buf[n++] = c;
                                exp10 -= fraction ? 1 : 0;
                        } else {
                                exp10 += fraction ? 0 : 1;
                        }
                } else {
                        break;
                }
        }
        if (i < b.len && (b.ptr[i] == 'e' || b.ptr[i] == 'E')) {
                bool negative = false;
                i++;
                if (i < b.len && (b.ptr[i] == '+' || b.ptr[i] == '-')) {
                        negative = b.ptr[i] == '-';
                        i++;
                }
                /* Clamped: anything past 10^+-100000 is 0 or infinite. */
                for (; i < b.len && e < 100000; i++) {
                        e = e * 10 + (b.ptr[i] - '0');
                }
                exp10 += negative ? -e : e;
        }
        if (n == 0 || (n == 1 && buf[0] == '-')) {
                return 0.0;
        }
        snprintf(buf + n, sizeof(buf) - n, "e%lld", exp10);
        return strtod(buf, NULL);
}

bool bignum_is_integer(struct bignum b)
{
        for (size_t i = 0; i < b.len; i++) {
                if (b.ptr[i] == '.' || b.ptr[i] == 'e' || b.ptr[i] == 'E') {
                        return false;
                }
        }
        return true;
}

double value_to_double(const struct value *v)
{
        switch (v->type) {
        case VALUE_BIGNUM:
                return bignum_to_double(v->as.big);
        case VALUE_INT:
                return (double)v->as.i;
        case VALUE_DECIMAL:
                return decimal_to_double(v->as.d);
        case VALUE_BOOL:
                return v->as.b ? 1.0 : 0.0;
        default:
                return 0.0;
        }
}

const char *value_type_name(enum value_type type)
{
        switch (type) {
        case VALUE_NULL:
                return "null";
        case VALUE_INT:
                return "integer";
        case VALUE_DECIMAL:
                return "decimal";
        case VALUE_BOOL:
                return "boolean";
        case VALUE_TEXT:
                return "text";
        case VALUE_BIGNUM:
                return "bignum";
        }
        return "unknown";
}

int value_type_parse(const char *name, enum value_type *out)
{
        static const struct {
                const char *name;
                enum value_type type;
        } names[] = {
            {"int", VALUE_INT},        {"integer", VALUE_INT},
            {"dec", VALUE_DECIMAL},    {"decimal", VALUE_DECIMAL},
            {"number", VALUE_DECIMAL}, {"bool", VALUE_BOOL},
            {"boolean", VALUE_BOOL},   {"text", VALUE_TEXT},
            {"string", VALUE_TEXT},
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                if (strcasecmp(name, names[i].name) == 0) {
                        *out = names[i].type;
                        return 0;
                }
        }
        return -1;
}
