/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_NUMBER_TEXT_H
#define PRODUCER_NUMBER_TEXT_H

/*
 * Numbers as spreadsheets write them (pure): "1500.50", "-0.5", ".5",
 * "+7", and with a decimal comma "1.234,56", "275,50", "-1.000". A cell is
 * classified (which readings it allows) and rewritten as a plain JSON
 * number ("1234.56"), from which common/value parses an exact value of any
 * length. Integers with leading zeros ("007", CEP "01310100") are not
 * numbers here: they are identifiers and stay text.
 */

#include <stdbool.h>
#include <stddef.h>

#include "common/value.h"

/* The largest exponent of a point decimal in scientific notation
 * ("1e-05", "2.5e+20", as pandas writes floats) that is read as a number:
 * every double fits. Such a number is rewritten with all its digits. */
#define NUMBER_EXP_MAX 400

/* Room number_parse needs for a cell of len bytes. */
#define NUMBER_TEXT_ROOM(len) ((len) + 4 + NUMBER_EXP_MAX)

/* Readings a cell allows (bits of number_classify's result). */
enum {
        NUM_INT_POINT = 1 << 0, /* integer, '.' would be the decimal point */
        NUM_DEC_POINT = 1 << 1, /* decimal with a point: "1.5", ".5", "1e-05" */
        NUM_INT_COMMA = 1 << 2, /* integer with '.' thousands: "1.234" */
        NUM_DEC_COMMA = 1 << 3, /* decimal with a comma: "1.234,5" */
        NUM_LEADING_0 = 1 << 4, /* digits with a leading zero: "007" */
        NUM_MISSING   = 1 << 5, /* a missing-value marker: N/A, -, NaN */
        NUM_BOOL      = 1 << 6, /* true / false */
        NUM_INT_THOUS = 1 << 7, /* integer with ',' thousands: "1,234" */
        NUM_DEC_THOUS = 1 << 8, /* decimal with ',' thousands and a point:
                                 * "1,234.5" */
};

/* How a column writes its numbers. */
enum number_style {
        NUMBER_POINT = 0, /* 1234.5, 1e-05: a decimal point, no grouping */
        NUMBER_COMMA,     /* 1.234,5: a decimal comma, '.' thousands
                           * (Excel pt-BR, de-DE...) */
        NUMBER_THOUSANDS, /* 1,234.5: ',' thousands, a decimal point
                           * (Excel en-US with a #,##0 format) */
};

/* Unit symbols read beside a number, as formatted cells are written:
 * currencies ("R$ 1.234,56", "$1,234.56", "1.234,56 €") and percent
 * ("12,5%", after the number only). A unit is an index of that table plus
 * one; 0: none. */
#define NUMBER_UNITS 7

/**
 * @brief The number of a cell formatted for people, made plain: one unit
 *        symbol before or after it (a blank or no-break space between them
 *        or none, a minus before either, "-R$ 1,00", "R$ -1,00", or the
 *        whole in parentheses, an accounting negative, "($5.00)"), and
 *        digits grouped by threes with no-break spaces (U+00A0, U+202F:
 *        "1 234,56", as fr-FR writes thousands) ungrouped; a plain blank
 *        between digits ("123 456 789", a phone number) is not a group. Writes
 * the number with its sign ("-1,00", "1234,56") into out (room len + 1), to be
 * read by number_classify and number_parse.
 * @returns 1 with *unit (0: none) and *out_len set when the cell is such a
 *          number, 0 when there is nothing to remove (out untouched or
 *          scratch).
 */
int number_plain(const char *s, size_t len, char *out, size_t *out_len,
                 int *unit);

/** @returns a unit's symbol as written ("R$"), or "" for 0. */
const char *number_unit_symbol(int unit);

/** @returns whether a unit's numbers are written with a decimal point and
 *           ',' thousands ("$1,234.50", "£1,234"). */
bool number_unit_point(int unit);

/** @returns a unit's name in the state file ("BRL"), or "" for 0. */
const char *number_unit_code(int unit);

/** @returns the unit of a code (number_unit_code), or -1. */
int number_unit_of_code(const char *code, size_t len);

/**
 * @brief Reads true or false (any case) with blanks around it, as
 *        number_classify's NUM_BOOL does.
 * @returns 0 and sets *out, or -1.
 */
int number_parse_bool(const char *s, size_t len, bool *out);

/** @brief The readings of a non-empty cell (0: plain text). */
unsigned number_classify(const char *s, size_t len);

/**
 * @brief Rewrites a number as a plain JSON number into out (at least
 *        NUMBER_TEXT_ROOM(len) bytes) and parses it: VALUE_INT, VALUE_DECIMAL,
 * or VALUE_BIGNUM pointing into out, reading the cell in the given style.
 * @returns 0 and fills *v, or -1 when the cell is not such a number
 *          (leading zeros included).
 */
int number_parse(const char *s, size_t len, enum number_style style, char *out,
                 struct value *v);

#endif
