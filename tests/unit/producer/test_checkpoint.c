/* SPDX-License-Identifier: MIT */
/* checkpoint: encode → decode gives the same checkpoint; damaged files are
 * refused. */
#include <string.h>

#include "check.h"
#include "checkpoint.h"

int main(void)
{
        struct checkpoint a, b;
        char buf[16384], err[128];
        int n;

        checkpoint_init(&a);
        snprintf(a.source, sizeof(a.source), "data/input.csv");
        a.generation    = 1764370000000ULL;
        a.offset        = 412;
        a.line          = 13;
        a.next_record   = 12;
        a.row_count     = 11;
        a.reset_done    = true;
        a.snapshot_done = false;
        a.dev           = 2049;
        a.ino           = 123456789;
        a.head_len      = 25;
        a.head_hash     = checkpoint_hash("id,nome\n", 8);
        a.tail_len      = 64;
        a.tail_hash     = 0xfedcba9876543210ULL;
        snprintf(a.types, sizeof(a.types), "integer,text");

        n = checkpoint_encode(&a, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ_INT(checkpoint_decode(&b, buf, (size_t)n, err, sizeof(err)),
                     0);
        CHECK_EQ_STR(b.source, a.source);
        CHECK_EQ_INT(b.generation, a.generation);
        CHECK_EQ_INT(b.offset, a.offset);
        CHECK_EQ_INT(b.line, a.line);
        CHECK_EQ_INT(b.next_record, a.next_record);
        CHECK_EQ_INT(b.row_count, a.row_count);
        CHECK_EQ_INT(b.reset_done, 1);
        CHECK_EQ_INT(b.snapshot_done, 0);
        CHECK_EQ_INT(b.ino, a.ino);
        CHECK(b.head_hash == a.head_hash);
        CHECK(b.tail_hash == a.tail_hash);
        CHECK_EQ_STR(b.types, a.types);

        CHECK_EQ_INT(checkpoint_encode(&a, buf, 10), -1);
        CHECK_EQ_INT(checkpoint_decode(&b, "garbage\n", 8, err, sizeof(err)),
                     -1);
        /* A torn file (only the first lines) is refused, not half-used. */
        CHECK_EQ_INT(checkpoint_decode(&b, buf, 60, err, sizeof(err)), -1);
        return check_exit();
}
