/* SPDX-License-Identifier: MIT */
#include "common/value.h"

#include <ctype.h>
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

enum value_type value_infer(const char *s, size_t len, struct value *out)
{
        if (len == 0) {
                out->type = VALUE_NULL;
        } else if (value_parse_int(s, len, &out->as.i) == 0) {
                out->type = VALUE_INT;
        } else if (looks_decimal(s, len) &&
                   value_parse_decimal(s, len, &out->as.d) == 0) {
                out->type = VALUE_DECIMAL;
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

double value_to_double(const struct value *v)
{
        switch (v->type) {
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
