/* SPDX-License-Identifier: MIT */
/* Unit tests of the live time chart's buckets (core/timeline.c). */
#include <string.h>

#include "check.h"
#include "timeline.h"

#define NOW 1000000000000LL /* a Unix time in ms, on a second */

int main(void)
{
        static struct timeline t;
        timeline_clear(&t);
        timeline_add(&t, NOW - 1500, true, 2.5, NOW); /* 2 s ago */
        timeline_add(&t, NOW - 1200, true, 0.5, NOW); /* same second */
        timeline_add(&t, NOW - 1100, false, 0, NOW);  /* no value */
        timeline_add(&t, NOW, true, 7, NOW);          /* this second */
        timeline_add(&t, NOW - 120000, true, 9, NOW); /* out of the window */
        timeline_add(&t, NOW + 1000, true, 9, NOW);   /* the future */
        timeline_add(&t, -1, true, 9, NOW);           /* no timestamp */
        struct wire_buf b = {0};
        CHECK_EQ_INT(timeline_render(&t, NOW, &b), 0);
        wire_buf_append(&b, "", 1);
        /* 120 seconds, oldest first: ..., [NOW-2 s] 3 rows (sum 3), [NOW-1 s]
         * none, [NOW] 1 row (sum 7). */
        CHECK(strstr(b.data, "\"from_ms\":999999881000,") != NULL);
        CHECK(strstr(b.data, ",0,3,0,1],\"values\":[") != NULL);
        CHECK(strstr(b.data, ",null,3,null,7]}") != NULL);
        wire_buf_finish(&b);
        /* A bucket is reused for a later second, not added to. */
        timeline_add(&t, NOW + 118500, true, 1, NOW + 119000);
        b = (struct wire_buf){0};
        CHECK_EQ_INT(timeline_render(&t, NOW + 119000, &b), 0);
        wire_buf_append(&b, "", 1);
        CHECK(strstr(b.data, "\"rows\":[1,0,") != NULL); /* NOW still in */
        CHECK(strstr(b.data, ",1,0]") != NULL);
        wire_buf_finish(&b);
        return check_exit();
}
