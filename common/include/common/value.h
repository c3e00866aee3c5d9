/* SPDX-License-Identifier: MIT */
#ifndef COMMON_VALUE_H
#define COMMON_VALUE_H

/*
 * Typed CSV values, shared by the producer (which infers and encodes them)
 * and the dashboard (which decodes and aggregates them).
 *
 * Decimals are exact: a value is mantissa / 10^scale, so "275.50" stays
 * 27550 / 10^2 and sums of money never pick up binary rounding.
 *
 * Numbers of any length stay exact too: an integer that does not fit
 * int64_t, or a decimal whose mantissa does not fit int64_t or whose scale
 * passes VALUE_DECIMAL_MAX_SCALE, is a VALUE_BIGNUM that keeps its exact
 * digit text (JSON number syntax). Producers write that text as-is into
 * the JSON row; consumers that add numbers hand it to an arbitrary-precision
 * library (libmpdec's mpd_qset_string reads it unchanged). The fast int64
 * paths (VALUE_INT, VALUE_DECIMAL) are used whenever a number fits them.
 *
 * Pure code: no I/O, no allocation.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum value_type {
        VALUE_NULL = 0,
        VALUE_INT,
        VALUE_DECIMAL,
        VALUE_BOOL,
        VALUE_TEXT,
        /* A number that fits neither int64_t nor struct decimal. */
        VALUE_BIGNUM,
};

/* Largest scale a decimal may carry (digits after the point). */
#define VALUE_DECIMAL_MAX_SCALE 18

struct decimal {
        int64_t mantissa;
        uint8_t scale;
};

/*
 * The exact text of a VALUE_BIGNUM: a JSON number (RFC 8259 syntax),
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. csv-producer always
 * writes it without an exponent; a decoder passes through whatever a JSON
 * row held. Borrowed and not NUL-terminated, like text values.
 */
struct bignum {
        const char *ptr;
        size_t len;
};

struct value {
        enum value_type type;
        union {
                int64_t i;
                struct decimal d;
                struct bignum big;
                bool b;
                struct {
                        const char *ptr; /* borrowed, not NUL-terminated */
                        size_t len;
                } text;
        } as;
};

/**
 * @brief Parses a base-10 integer ("-12", "+7", "0"), the whole of s[0..len).
 * @returns 0 and sets *out, or -1 if the text is not an integer or overflows.
 */
int value_parse_int(const char *s, size_t len, int64_t *out);

/**
 * @brief Parses a plain decimal ("275.50", "-0.5", ".5", "3.") exactly,
 *        the whole of s[0..len). An optional exponent ("1.5e3") is accepted
 *        when the result still fits a decimal.
 * @returns 0 and sets *out, or -1 if the text is not a number that fits.
 */
int value_parse_decimal(const char *s, size_t len, struct decimal *out);

/**
 * @brief Checks that s[0..len) is a JSON number (see struct bignum).
 * @returns true or false.
 */
bool value_is_json_number(const char *s, size_t len);

/**
 * @brief Parses a JSON number of any length exactly: VALUE_INT when it is
 *        an integer that fits int64_t, VALUE_DECIMAL when it fits struct
 *        decimal, else VALUE_BIGNUM borrowing s. The text must be a JSON
 *        number (value_is_json_number), so "+1", ".5", "1." and "01" are
 *        refused.
 * @returns 0 and sets *out, or -1.
 */
int value_parse_json_number(const char *s, size_t len, struct value *out);

/**
 * @brief Parses "true"/"false" (any case).
 * @returns 0 and sets *out, or -1.
 */
int value_parse_bool(const char *s, size_t len, bool *out);

/**
 * @brief Infers the narrowest type of a CSV cell: empty is VALUE_NULL, then
 *        integer, decimal, a longer number written as JSON writes it
 *        (VALUE_BIGNUM, borrowing s), boolean, and text for everything else.
 *        On success *out holds the value; text points into s.
 */
enum value_type value_infer(const char *s, size_t len, struct value *out);

/**
 * @brief Writes a decimal as JSON-compatible text ("275.50", "-0.05").
 * @returns the number of characters written (without the NUL), or -1 if
 *          size is too small. 24 bytes always suffice for scale <= 18.
 */
int decimal_format(struct decimal d, char *buf, size_t size);

/** @brief The decimal as a double (for means and charts, never for sums). */
double decimal_to_double(struct decimal d);

/**
 * @brief A VALUE_BIGNUM's text as the nearest double (for means and charts,
 *        never for sums). Very large magnitudes give +-HUGE_VAL.
 */
double bignum_to_double(struct bignum b);

/**
 * @brief True when a VALUE_BIGNUM's text is an integer (no fraction and no
 *        exponent).
 */
bool bignum_is_integer(struct bignum b);

/** @brief A numeric value (int, decimal, bignum, bool as 0/1) as a double. */
double value_to_double(const struct value *v);

/** @brief "null", "integer", "decimal", "boolean", "text" or "bignum". */
const char *value_type_name(enum value_type type);

/**
 * @brief Parses a type name as written in a --schema option:
 *        int|integer, dec|decimal|number, bool|boolean, text|string.
 * @returns 0 and sets *out, or -1.
 */
int value_type_parse(const char *name, enum value_type *out);

#endif
