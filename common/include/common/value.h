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
};

/* Largest scale a decimal may carry (digits after the point). */
#define VALUE_DECIMAL_MAX_SCALE 18

struct decimal {
        int64_t mantissa;
        uint8_t scale;
};

struct value {
        enum value_type type;
        union {
                int64_t i;
                struct decimal d;
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
 * @brief Parses "true"/"false" (any case).
 * @returns 0 and sets *out, or -1.
 */
int value_parse_bool(const char *s, size_t len, bool *out);

/**
 * @brief Infers the narrowest type of a CSV cell: empty is VALUE_NULL, then
 *        integer, decimal, boolean, and text for everything else.
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

/** @brief A numeric value (int, decimal, bool as 0/1) as a double. */
double value_to_double(const struct value *v);

/** @brief "null", "integer", "decimal", "boolean" or "text". */
const char *value_type_name(enum value_type type);

/**
 * @brief Parses a type name as written in a --schema option:
 *        int|integer, dec|decimal|number, bool|boolean, text|string.
 * @returns 0 and sets *out, or -1.
 */
int value_type_parse(const char *name, enum value_type *out);

#endif
