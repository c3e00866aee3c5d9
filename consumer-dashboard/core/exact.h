/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_EXACT_H
#define DASHBOARD_CORE_EXACT_H

/*
 * An exact decimal of any magnitude and scale, for sums, minima and maxima.
 * The fast path is a 128-bit mantissa at a scale; when a value or a result
 * does not fit it, the mantissa moves to an arbitrary-precision integer
 * (GMP's mpz_t) at the same scale, so nothing is rounded and nothing wraps.
 * A result that would need more than EXACT_MAX_DIGITS digits is refused
 * (the caller counts the value as invalid) instead of taking unbounded
 * memory.
 *
 * Internal to core/. Pure code: no I/O, no locks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

__extension__ typedef __int128 dec128;
__extension__ typedef unsigned __int128 udec128;

/* Digits a value may have in all (integer part and scale). */
#define EXACT_MAX_DIGITS 1000

struct exact {
        dec128 m;       /* value = m / 10^scale, while big is NULL */
        uint32_t scale; /* of m, or of big */
        bool is_set;    /* holds a value (for minima and maxima) */
        void *big;      /* an mpz_t mantissa, NULL on the fast path */
};

#define EXACT_ZERO ((struct exact){0})

/** @brief Frees what the value holds; it becomes EXACT_ZERO. */
void exact_clear(struct exact *e);

/** @brief Sets m / 10^scale. */
void exact_set_dec(struct exact *e, dec128 m, unsigned scale);

/**
 * @brief Sets a JSON number's exact value (any length, exponent allowed).
 * @returns 0, or -1 when it is not a number or needs more than
 *          EXACT_MAX_DIGITS digits, or memory ran out (e unchanged).
 */
int exact_set_text(struct exact *e, const char *s, size_t len);

/** @brief e = o (a deep copy). @returns 0 or -1 (out of memory). */
int exact_copy(struct exact *e, const struct exact *o);

/** @brief e += o. @returns 0, or -1 when the sum is too long (e kept). */
int exact_add(struct exact *e, const struct exact *o);

/** @brief e += m / 10^scale. @returns 0 or -1 as exact_add. */
int exact_add_dec(struct exact *e, dec128 m, unsigned scale);

/** @returns <0, 0 or >0 as a is below, equal to or above b. */
int exact_cmp(const struct exact *a, const struct exact *b);

/** @brief e = min(e, o), or o when e is not set. @returns 0 or -1. */
int exact_min(struct exact *e, const struct exact *o);
/** @brief e = max(e, o), or o when e is not set. @returns 0 or -1. */
int exact_max(struct exact *e, const struct exact *o);

/**
 * @brief The value as a dec128 mantissa at `scale` when it fits exactly.
 * @returns 0, or -1 (does not fit, or has more digits after the point).
 */
int exact_to_dec(const struct exact *e, unsigned scale, dec128 *out);

/** @returns the nearest double (means and charts only). */
double exact_to_double(const struct exact *e);

/** @brief Appends the exact decimal text ("-12.50"). @returns 0 or -1. */
int exact_format(const struct exact *e, struct wire_buf *out);

#endif
