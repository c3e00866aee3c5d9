/* SPDX-License-Identifier: MIT */
/* Unit tests of exact sums (core/exact.c) through exact_add_dec, the
 * running sum the time chart keeps per second and column: the same-scale
 * fast path, a scale change, and a sum past 128 bits, each read back as
 * exact decimal text. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/wire.h"
#include "exact.h"

static void check_text(const struct exact *e, const char *want, int line)
{
        struct wire_buf b = {0};
        if (exact_format(e, &b) != 0 || wire_buf_append(&b, "", 1) != 0) {
                fprintf(stderr, "line %d: format failed\n", line);
                check_failures++;
        } else if (strcmp(b.data, want) != 0) {
                fprintf(stderr, "line %d: %s != %s\n", line, b.data, want);
                check_failures++;
        }
        wire_buf_finish(&b);
}
#define TEXT(e, want) check_text((e), (want), __LINE__)

int main(void)
{
        struct exact e = EXACT_ZERO;
        CHECK_EQ_INT(exact_add_dec(&e, 250, 2), 0); /* 2.50 */
        CHECK_EQ_INT(exact_add_dec(&e, -75, 2), 0); /* same scale */
        TEXT(&e, "1.75");
        CHECK_EQ_INT(exact_add_dec(&e, 5, 3), 0); /* a finer scale */
        TEXT(&e, "1.755");
        CHECK_EQ_INT(exact_add_dec(&e, 7, 0), 0); /* a coarser one */
        TEXT(&e, "8.755");
        exact_clear(&e);

        /* Past 128 bits at one scale: the sum goes on exactly. */
        dec128 max = (dec128)(((udec128)1 << 127) - 1);
        exact_set_dec(&e, max, 0);
        CHECK_EQ_INT(exact_add_dec(&e, max, 0), 0);
        CHECK_EQ_INT(exact_add_dec(&e, 2, 0), 0);
        TEXT(&e, "340282366920938463463374607431768211456"); /* 2^128 */
        CHECK_EQ_INT(exact_add_dec(&e, -max, 0), 0);
        TEXT(&e, "170141183460469231731687303715884105729"); /* 2^127 + 1 */
        exact_clear(&e);
        return check_exit();
}
