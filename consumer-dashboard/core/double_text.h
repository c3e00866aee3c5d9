/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_DOUBLE_TEXT_H
#define DASHBOARD_CORE_DOUBLE_TEXT_H

/*
 * A double as JSON text: exactly what printf("%.15g") writes (the snapshot's
 * figures, sample points and histogram bounds), without printf's cost for
 * the common case of a number with few decimals (a price, an age, a bin
 * bound): such a number is written from its decimal digits directly, any
 * other goes through printf. Pure, no allocation.
 */

#include <stddef.h>

/* Room for any result, with its NUL. */
#define DOUBLE_TEXT_MAX 32

/**
 * @brief Writes v as printf("%.15g", v) does ("null" is not its business:
 *        the caller decides about NaN and the infinities, which go through
 *        printf here).
 * @returns the length written to out (NUL-terminated).
 */
size_t double_text(double v, char out[DOUBLE_TEXT_MAX]);

#endif
