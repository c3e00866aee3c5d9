/* SPDX-License-Identifier: MIT */
#include "double_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* Decimals tried before printf takes over. */
#define DOUBLE_TEXT_DECIMALS 6

static const double POW10[DOUBLE_TEXT_DECIMALS + 1] = {1,   10,  100, 1e3,
                                                       1e4, 1e5, 1e6};

/*
 * When v is the double nearest to m / 10^k for an integer m of at most 15
 * digits, %.15g (v rounded to 15 significant digits) is that decimal: v
 * lies within half an ulp (about 1.1e-16 |v|) of it, nearer than half a
 * step of the 15-digit grid (at least 5e-16 |v|), and m / 10^k is on that
 * grid. The smallest such k has no trailing zero (m % 10 != 0 unless k is
 * 0). %.15g uses an exponent below 1e-4 and from 1e15 on: those go to
 * printf, as does anything with more decimals.
 */
static size_t from_digits(uint64_t m, unsigned k, int neg, char *out)
{
        char digits[24];
        size_t n = 0, len = 0;

        do {
                digits[n++] = (char)('0' + m % 10);
                m /= 10;
        } while (m);
        if (neg) {
                out[len++] = '-';
        }
        if (n <= k) { /* 0.00ddd */
                out[len++] = '0';
                out[len++] = '.';
                for (size_t z = n; z < k; z++) {
                        out[len++] = '0';
                }
                while (n) {
                        out[len++] = digits[--n];
                }
        } else {
                while (n) {
                        if (n == k) {
                                out[len++] = '.';
                        }
                        out[len++] = digits[--n];
                }
        }
        out[len] = '\0';
        return len;
}

size_t double_text(double v, char out[DOUBLE_TEXT_MAX])
{
        double a = fabs(v);

        if (v == 0) {
                return from_digits(0, 0, signbit(v) != 0, out);
        }
        if (a >= 1e-4 && a < 1e15) {
                for (unsigned k = 0; k <= DOUBLE_TEXT_DECIMALS; k++) {
                        double m = nearbyint(a * POW10[k]);
                        if (m >= 1e15) {
                                break;
                        }
                        /* m / 10^k at least 1e-4 (%.15g's fixed range). */
                        if (m / POW10[k] == a && m * 1e4 >= POW10[k]) {
                                return from_digits((uint64_t)m, k, v < 0, out);
                        }
                }
        }
        int n = snprintf(out, DOUBLE_TEXT_MAX, "%.15g", v);
        return n > 0 ? (size_t)n : 0;
}
