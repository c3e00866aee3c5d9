/* SPDX-License-Identifier: MIT */
/* double_text: the same text as printf("%.15g") for every double tried:
 * decimals as a CSV holds them, integers, the edges of %.15g's fixed range,
 * signed zeros, and random bit patterns. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "double_text.h"

static int mismatches;

static void same(double v)
{
        char want[64], got[DOUBLE_TEXT_MAX];
        size_t n = double_text(v, got);

        snprintf(want, sizeof(want), "%.15g", v);
        if (strcmp(want, got) != 0 || n != strlen(want)) {
                if (mismatches++ < 10) {
                        fprintf(stderr, "%.17g: \"%s\" != \"%s\"\n", v, got,
                                want);
                }
        }
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

int main(void)
{
        static const double edges[] = {0.0,
                                       1,
                                       -1,
                                       0.1,
                                       0.2,
                                       0.3,
                                       1.5,
                                       123.45,
                                       -123.45,
                                       100.01,
                                       999.99,
                                       1e-4,
                                       1.5e-4,
                                       9.99e-5,
                                       1e-5,
                                       0.00012,
                                       0.0001234567,
                                       1e14,
                                       999999999999999.0,
                                       1e15,
                                       1e15 + 2,
                                       123456789012345.0,
                                       12345678901234.5,
                                       1234567890123.45,
                                       0.000001,
                                       0.0000015,
                                       4503599627370496.0,
                                       9007199254740993.0,
                                       1.0 / 3,
                                       2.0 / 3,
                                       3.14159265358979,
                                       0.1 + 0.2,
                                       1e300,
                                       1e-300,
                                       5e-324,
                                       1.7976931348623157e308,
                                       4.35,
                                       18.5,
                                       42.000001,
                                       0.999999,
                                       0.9999999,
                                       99.995,
                                       1e6,
                                       1234567.125,
                                       77.7};
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
                same(edges[i]);
                same(-edges[i]);
        }
        /* -0.0: "%.15g" writes "-0". */
        same(-0.0);
        /* Decimals of up to 8 places, the way CSV values look. */
        for (int64_t i = -200000; i <= 200000; i += 7) {
                for (int k = 0; k <= 8; k++) {
                        same((double)i / pow(10, k));
                        same((double)(i * 1000003) / pow(10, k));
                }
        }
        /* Histogram bounds: start + i * width. */
        for (int i = 0; i < 2000; i++) {
                same(18 + i * 0.7);
                same(-3.25 + i * (1234.5 / 20));
        }
        /* Any bit pattern. */
        for (int i = 0; i < 300000; i++) {
                uint64_t bits = next();
                double v;
                memcpy(&v, &bits, sizeof(v));
                if (isfinite(v)) {
                        same(v);
                }
                same((double)(int64_t)(next() % 2000000000000000) / 1000);
        }
        CHECK_EQ_INT(mismatches, 0);
        return check_exit();
}
