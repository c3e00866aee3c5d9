/* SPDX-License-Identifier: MIT */
/* Unit tests of the live time chart (core/timeline.c): rows per second and
 * exact per-column sums per second; the chart of a snapshot follows the
 * viewer's value column and the viewer's source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "common/wire.h"
#include "snapshot_json.h"
#include "timeline.h"

#define NOW 1000000000000LL /* a Unix time in ms, on a second */

static struct wire_object obj;

static void check_contains(const char *hay, const char *needle, int line)
{
        if (!strstr(hay, needle)) {
                fprintf(stderr, "line %d: lacks %s\n%s\n", line, needle, hay);
                check_failures++;
        }
}
#define CONTAINS(h, n) check_contains((h), (n), __LINE__)

static const struct wire_object *parse(const char *json)
{
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        return &obj;
}

static void add(struct timeline *t, int64_t ts, const char *json, int64_t now)
{
        CHECK_EQ_INT(timeline_add(t, ts, parse(json), now), 0);
}

/* Renders timelines t[0..n) for column value; caller frees. */
static char *render(const struct timeline *const *t, size_t n,
                    const char *value, int64_t now)
{
        struct wire_buf b = {0};
        CHECK_EQ_INT(timeline_render(t, n, value, now, &b), 0);
        wire_buf_append(&b, "", 1);
        return b.data;
}

static void test_window_and_buckets(void)
{
        struct timeline *t = timeline_create();
        add(t, NOW - 1500, "{\"v\":2.5}", NOW);  /* 2 s ago */
        add(t, NOW - 1200, "{\"v\":0.5}", NOW);  /* same second */
        add(t, NOW - 1100, "{\"v\":null}", NOW); /* no value */
        add(t, NOW, "{\"v\":7}", NOW);           /* this second */
        add(t, NOW - 120000, "{\"v\":9}", NOW);  /* out of the window */
        add(t, NOW + 1000, "{\"v\":9}", NOW);    /* the future */
        add(t, -1, "{\"v\":9}", NOW);            /* no timestamp */
        const struct timeline *one[] = {t};
        char *s                      = render(one, 1, "v", NOW);
        /* 120 seconds, oldest first: ..., [NOW-2 s] 3 rows (sum 3.0),
         * [NOW-1 s] none, [NOW] 1 row (sum 7). */
        CONTAINS(s, "\"from_ms\":999999881000,");
        CONTAINS(s, ",0,3,0,1],\"values\":[");
        CONTAINS(s, ",null,3.0,null,7],\"values_unavailable\":null,");
        free(s);
        /* No value column: rows only. */
        s = render(one, 1, NULL, NOW);
        CONTAINS(s, ",0,3,0,1],\"values\":[null,");
        CONTAINS(s, ",null,null,null]");
        free(s);
        /* A bucket is reused for a later second, not added to. */
        add(t, NOW + 118500, "{\"v\":1}", NOW + 119000);
        s = render(one, 1, "v", NOW + 119000);
        CONTAINS(s, "\"rows\":[1,0,"); /* NOW still in */
        CONTAINS(s, ",1,0],\"values\":[7,null,");
        CONTAINS(s, ",1,null],");
        free(s);
        timeline_destroy(t);
}

/* Every numeric column has its own exact sums: 0.1 + 0.2 is 0.3, 10^30 + 1
 * keeps its 1, and a text value adds nothing. */
static void test_columns_exact(void)
{
        struct timeline *t = timeline_create();
        add(t, NOW, "{\"price\":0.1,\"qty\":1000000000000000000000000000000}",
            NOW);
        add(t, NOW, "{\"price\":0.2,\"qty\":1,\"name\":\"x\"}", NOW);
        add(t, NOW, "{\"price\":\"n/a\",\"qty\":-2}", NOW);
        const struct timeline *one[] = {t};
        char *s                      = render(one, 1, "price", NOW);
        CONTAINS(s, ",3],\"values\":[");
        CONTAINS(s, ",0.3],\"values_unavailable\":null,");
        free(s);
        s = render(one, 1, "qty", NOW);
        CONTAINS(s, ",999999999999999999999999999999],");
        free(s);
        s = render(one, 1, "name", NOW); /* text: no sums, not "limited" */
        CONTAINS(s, ",null],\"values_unavailable\":null,");
        free(s);
        timeline_destroy(t);
}

/* The first TIMELINE_COLUMNS_MAX numeric columns get sums; a render for a
 * column past them says so instead of showing nothing as if zero. */
static void test_column_limit(void)
{
        struct timeline *t = timeline_create();
        char json[1024];
        size_t len  = 0;
        json[len++] = '{';
        for (int c = 0; c <= TIMELINE_COLUMNS_MAX; c++) {
                len += (size_t)snprintf(json + len, sizeof(json) - len,
                                        "%s\"c%d\":%d", c ? "," : "", c, c);
        }
        snprintf(json + len, sizeof(json) - len, "}");
        add(t, NOW, json, NOW);
        const struct timeline *one[] = {t};
        char name[16];
        snprintf(name, sizeof(name), "c%d", TIMELINE_COLUMNS_MAX - 1);
        char *s = render(one, 1, name, NOW);
        char want[64];
        snprintf(want, sizeof(want), ",%d],\"values_unavailable\":null,",
                 TIMELINE_COLUMNS_MAX - 1);
        CONTAINS(s, want);
        free(s);
        snprintf(name, sizeof(name), "c%d", TIMELINE_COLUMNS_MAX);
        s = render(one, 1, name, NOW);
        CONTAINS(s, ",null],\"values_unavailable\":\"column_limit\",");
        free(s);
        CHECK(timeline_memory(t) > sizeof(void *) * TIMELINE_COLUMNS_MAX);
        timeline_destroy(t);
}

/* Several sources' timelines merge exactly, second by second. */
static void test_merge(void)
{
        struct timeline *a = timeline_create();
        struct timeline *b = timeline_create();
        add(a, NOW, "{\"v\":100000000000000000}", NOW);
        add(b, NOW, "{\"w\":5,\"v\":0.000001}", NOW);
        add(b, NOW - 1000, "{\"v\":1}", NOW);
        const struct timeline *both[] = {a, NULL, b};
        char *s                       = render(both, 3, "v", NOW);
        CONTAINS(s, ",1,2],\"values\":[");
        CONTAINS(s, ",1,100000000000000000.000001],");
        free(s);
        timeline_destroy(a);
        timeline_destroy(b);
}

static void row(struct aggregates *a, const char *src, uint64_t rec,
                const char *json, int64_t ts)
{
        struct aggregates_message m = {.kind         = WIRE_ROW,
                                       .source       = src,
                                       .generation   = 1,
                                       .record       = rec,
                                       .row          = parse(json),
                                       .timestamp_ms = ts};
        CHECK_EQ_INT(aggregates_apply(a, &m, NOW), AGGREGATES_APPLIED);
}

static char *snapshot_at(struct aggregates *a)
{
        struct wire_buf b         = {0};
        struct snapshot_stream st = {.topic = "t", .lag = -1, .now_ms = NOW};
        CHECK_EQ_INT(snapshot_render(a, NULL, &st, &b), 0);
        wire_buf_append(&b, "", 1);
        return b.data;
}

/* A snapshot's chart sums the value column in force (a viewer's own) over
 * the viewer's source, or every source. */
static void test_snapshot_follows_viewer(void)
{
        struct aggregates_roles roles = {.value = "price"};
        struct aggregates *a          = aggregates_create(&roles);
        row(a, "a.csv", 1, "{\"price\":1.5,\"qty\":10,\"city\":\"X\"}", NOW);
        row(a, "a.csv", 2, "{\"price\":2.5,\"qty\":20,\"city\":\"Y\"}", NOW);
        row(a, "b.csv", 1, "{\"price\":4,\"qty\":300,\"city\":\"Y\"}", NOW);
        /* Replayed rows from long ago are in the figures, not the chart. */
        row(a, "b.csv", 2, "{\"price\":8,\"qty\":4000,\"city\":\"Y\"}", 1);
        char *s = snapshot_at(a);
        CONTAINS(s, "\"timeline\":{\"value\":\"price\",\"per_second\":");
        CONTAINS(s, ",3],\"values\":[");
        CONTAINS(s, ",8.0],\"values_unavailable\":null,");
        free(s);
        const char *viewer[AGG_ROLE_COUNT] = {"qty", NULL, NULL, NULL};
        aggregates_set_viewer_roles(a, viewer);
        s = snapshot_at(a);
        CONTAINS(s, "\"timeline\":{\"value\":\"qty\",\"per_second\":");
        CONTAINS(s, ",330],\"values_unavailable\":null,");
        free(s);
        aggregates_set_viewer_source(a, "a.csv");
        s = snapshot_at(a);
        CONTAINS(s, ",2],\"values\":[");
        CONTAINS(s, ",30],\"values_unavailable\":null,");
        free(s);
        aggregates_set_viewer_roles(a, NULL);
        aggregates_set_viewer_source(a, NULL);
        s = snapshot_at(a);
        CONTAINS(s, ",8.0],\"values_unavailable\":null,");
        free(s);
        aggregates_destroy(a);
}

int main(void)
{
        test_window_and_buckets();
        test_columns_exact();
        test_column_limit();
        test_merge();
        test_snapshot_follows_viewer();
        wire_object_finish(&obj);
        return check_exit();
}
