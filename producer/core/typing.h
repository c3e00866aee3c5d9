/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_TYPING_H
#define PRODUCER_TYPING_H

/*
 * Column typing (pure). Each column's type comes from --schema or is
 * inferred from its first non-empty value. An integer column that later
 * sees a decimal widens to decimal (unless the schema fixed it); any other
 * value that does not fit its column makes the record bad, and a bad
 * record never changes the inferred types.
 */

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

/**
 * @brief Starts a new set of columns (a new header): names are copied;
 *        types come from the schema or are unknown (VALUE_NULL) until seen.
 * @returns 0, or -1 (too many columns or OOM).
 */
int typing_set_header(struct typing *t, const struct row_field *names,
                      size_t count);

/**
 * @brief Types one record's fields (count must equal the column count).
 *        values[i] text points into fields. On success the inferred types
 *        are updated.
 * @returns 0, or -1 with reason filled ("column idade: not an integer").
 */
int typing_apply(struct typing *t, const struct row_field *fields, size_t count,
                 struct value *values, char *reason, size_t reason_size);

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
 * @brief Encodes the current types as "integer,text,..." (for the state
 *        file) and restores them. Decode needs the same column count.
 * @returns 0 or -1.
 */
int typing_encode_types(const struct typing *t, char *buf, size_t size);
int typing_decode_types(struct typing *t, const char *s);

/** @brief Writes the columns as a JSON array:
 *         [{"name":"id","type":"integer"},...]. @returns 0 or -1. */
struct wire_buf;
int typing_columns_json(const struct typing *t, struct wire_buf *out);

#endif
