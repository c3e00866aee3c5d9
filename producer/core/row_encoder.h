/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_ROW_ENCODER_H
#define PRODUCER_ROW_ENCODER_H

/*
 * Fast encoder of data rows (pure). Writes exactly what wire_encode_row
 * writes ({"name":value,...}, docs/wire-format.md), but the escaped
 * `"name":` parts are prepared once per header, integers are formatted
 * without printf and text without escapable bytes is copied in one go.
 * The unit test checks byte equality with wire_encode_row.
 */

#include <stddef.h>
#include <stdint.h>

#include "common/value.h"

struct row_encoder;

/** @returns a new encoder with no columns (caller owns), or NULL. */
struct row_encoder *row_encoder_create(void);
void row_encoder_destroy(struct row_encoder *e);

/**
 * @brief Sets the column names (NUL-terminated, copied into the
 *        encoder's prefixes). @returns 0, or -1 on out of memory.
 */
int row_encoder_set_columns(struct row_encoder *e, const char *const *names,
                            size_t count);

/**
 * @brief Encodes one row of count values (count must equal the column
 *        count). *out points into the encoder and stays valid until the
 *        next call. @returns the length, or -1 (out of memory, bad count).
 */
int64_t row_encoder_encode(struct row_encoder *e, const struct value *values,
                           size_t count, const char **out);

/**
 * @brief Writes v in decimal into buf (at least 21 bytes), no NUL.
 * @returns the number of characters.
 */
size_t row_encoder_u64(uint64_t v, char *buf);

#endif
