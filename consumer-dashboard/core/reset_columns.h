/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_RESET_COLUMNS_H
#define DASHBOARD_CORE_RESET_COLUMNS_H

/*
 * The column list of a reset message ("columns":[{"name":..,"type":..,
 * "unit":..}], unit: the currency symbol of its numbers, optional):
 * how the producer typed each column from its sample of the file. The
 * dashboard declares those types when a generation starts, so a first value
 * that does not fit ("N/A" sent as a string in a decimal column) costs one
 * cell, not the column's numbers.
 *
 * Pure code: parses text, no I/O.
 */

#include <stddef.h>

#include "aggregates.h"

struct reset_columns;

struct reset_columns *reset_columns_create(void);
void reset_columns_destroy(struct reset_columns *rc);

/**
 * @brief Parses a reset message's value. Columns whose type is unknown are
 *        skipped; a value without a "columns" array gives none.
 * @returns 0, or -1 when the value is not a JSON object (or memory runs out).
 *          The columns stay valid until the next parse or destroy.
 */
int reset_columns_parse(struct reset_columns *rc, const char *json, size_t len);

const struct aggregates_column *
reset_columns_list(const struct reset_columns *rc, size_t *count);

/** @returns the message's "reason" (why a new generation), or NULL. */
const char *reset_columns_reason(const struct reset_columns *rc);

/** @returns the message's "producer" (the writing instance), or NULL. */
const char *reset_columns_producer(const struct reset_columns *rc);

/** @returns the message's "source" (its name, NUL-terminated; *len its
 *           bytes, as a name may hold "\u0000"), or NULL. */
const char *reset_columns_source(const struct reset_columns *rc, size_t *len);

/** @returns the message's "source_id" text, or NULL. */
const char *reset_columns_source_id(const struct reset_columns *rc);

#endif
