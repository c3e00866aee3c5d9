/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_TYPING_H
#define PRODUCER_TYPING_H

/*
 * Column typing (pure). Each column's type comes from --schema, or from a
 * sample of the file's first records (typing_observe, typing_infer; a
 * column the sample says nothing about takes the type of its first
 * value). Numbers follow their column's convention: a decimal point, or a
 * decimal comma with '.' thousands ("1.234,56"), detected per column or
 * forced. Integers with leading zeros are text (identifiers). Currency
 * cells ("R$ 1.234,56", "($5.00)"), percentages ("12,5%") and fr-FR
 * thousands ("1 234,56") are numbers; a currency or percent symbol
 * is the unit of its column (said in the reset's columns); another unit's cell
 * in that column does not fit it.
 *
 * A value never costs its record: one that does not fit its column (N/A
 * in a decimal column, "007" in an integer column) is sent as text and
 * counted for its column. An integer column that sees a decimal widens to
 * decimal unless the schema fixed it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/value.h"
#include "row_parser.h"

#define TYPING_MAX_COLUMNS 1024

struct typing;

/** @returns a new typing object (caller owns), or NULL on OOM. */
struct typing *typing_create(void);
void typing_destroy(struct typing *t);

/**
 * @brief Sets the schema option: "name:type,name:type" (types as in
 *        value_type_parse). NULL or "" clears it.
 * @returns 0, or -1 with errstr naming the bad part.
 */
int typing_set_schema(struct typing *t, const char *spec, char *errstr,
                      size_t errstr_size);

/** @brief Numbers of every column use a decimal comma (--decimal-comma);
 *         takes effect at the next header. */
void typing_set_decimal_comma(struct typing *t, bool on);

/** @brief Numbers of every column use a decimal point, and ',' separates
 *         thousands (--decimal-point): "1,234" is 1234. */
void typing_set_decimal_point(struct typing *t, bool on);

/**
 * @returns the first column whose "1,234"-like numbers the last
 *          typing_infer() read as a decimal comma with nothing else in the
 *          sample to tell (they may be ',' thousands), or NULL.
 */
const char *typing_comma_guess(const struct typing *t);

/**
 * @brief Starts a new set of columns (a new header): names are copied and
 *        made unique (an empty name becomes column_<n>, a repeated one
 *        gets _2, _3...); types come from the schema or are unknown
 *        (VALUE_NULL) until inferred or seen.
 * @returns 0, or -1 (too many columns or OOM).
 */
int typing_set_header(struct typing *t, const struct row_field *names,
                      size_t count);

/**
 * @returns how many columns typed as numbers (inferred or given) have a
 *          header name that is itself such a number ("1", "10.50"): a
 *          header that may be a row (a file that lost its header line).
 */
size_t typing_numbers_as_names(const struct typing *t);

/** @returns how many names the last header had changed (for a warning). */
size_t typing_renamed(const struct typing *t);

/**
 * @brief Checks that every --schema column is in the header.
 * @returns 0, or -1 with errstr naming the first missing column.
 */
int typing_check_schema(const struct typing *t, char *errstr,
                        size_t errstr_size);

/** @brief Adds one sample record to the per-column statistics (records
 *         whose field count differs are ignored). */
void typing_observe(struct typing *t, const struct row_field *fields,
                    size_t count);

/** @brief Sets the types of the columns the sample has seen (schema
 *         columns keep theirs). */
void typing_infer(struct typing *t);

/**
 * @brief Types one record's fields (count must equal the column count).
 *        values[i] point into fields or into t (valid until the next
 *        call). Types of columns without one are updated.
 * @returns 0, or -1 when the field count differs (reason filled).
 */
int typing_apply(struct typing *t, const struct row_field *fields, size_t count,
                 struct value *values, char *reason, size_t reason_size);

/** @returns how many values of the last typed record were sent as text
 *           because they did not fit their column. */
size_t typing_last_misfits(const struct typing *t);
/** @returns true when the last typed record's value of column i was sent
 *           as text because it did not fit the column. */
bool typing_last_misfit(const struct typing *t, size_t i);
/** @returns the values of column i sent as text since the header. */
uint64_t typing_column_misfits(const struct typing *t, size_t i);
/** @returns true when column i reads numbers with a decimal comma. */
bool typing_column_comma(const struct typing *t, size_t i);

size_t typing_column_count(const struct typing *t);
/** @returns the column's NUL-terminated name. */
const char *typing_column_name(const struct typing *t, size_t i);
/** @returns the NUL-terminated names array (column order). */
const char *const *typing_column_names(const struct typing *t);
enum value_type typing_column_type(const struct typing *t, size_t i);
/** @returns the column index of name, or -1. */
int typing_find(const struct typing *t, const char *name);

/** @returns a 64-bit id of the names and current types. */
uint64_t typing_schema_id(const struct typing *t);

/** @returns a counter that changes whenever the columns or their types
 *           change (cheap: compare it instead of the schema id per row). */
uint64_t typing_changes(const struct typing *t);

/**
 * @brief Encodes the current types as "integer,text,decimal:comma,..."
 *        (for the state file) and restores them. Decode needs the same
 *        column count.
 * @returns 0 or -1.
 */
int typing_encode_types(const struct typing *t, char *buf, size_t size);
int typing_decode_types(struct typing *t, const char *s);

/** @brief Writes the columns as a JSON array:
 *         [{"name":"id","type":"integer"},...]. @returns 0 or -1. */
struct wire_buf;
int typing_columns_json(const struct typing *t, struct wire_buf *out);

#endif
