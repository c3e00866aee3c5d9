/* SPDX-License-Identifier: MIT */
#ifndef TESTS_DASHBOARD_SNAPSHOT_CHECK_H
#define TESTS_DASHBOARD_SNAPSHOT_CHECK_H

/*
 * Helpers shared by the dashboard core's unit tests: render a snapshot and
 * check what its JSON text contains. Include after check.h.
 */

#include <stdio.h>
#include <string.h>

#include "common/wire.h"
#include "snapshot_json.h"

/* Renders the snapshot and returns it (caller frees). */
static char *snapshot(struct aggregates *a)
{
        struct wire_buf b         = {0};
        struct snapshot_stream st = {.topic = "t", .lag = -1};
        CHECK_EQ_INT(snapshot_render(a, NULL, &st, &b), 0);
        wire_buf_append(&b, "", 1);
        return b.data;
}

static void check_contains(const char *hay, const char *needle, int line)
{
        if (!strstr(hay, needle)) {
                fprintf(stderr, "line %d: snapshot lacks %s\n%s\n", line,
                        needle, hay);
                check_failures++;
        }
}
#define CONTAINS(h, n) check_contains((h), (n), __LINE__)

#endif
