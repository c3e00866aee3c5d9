/* SPDX-License-Identifier: MIT */
/* Unit tests of one viewer's source (aggregates_set_viewer_source): the
 * figures of one source are that source's alone, "all" is the exact merge
 * of every source (magnitudes and scales far apart), the table pages only
 * the chosen source's rows; and the sources table (/api/sources). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "check.h"
#include "common/wire.h"
#include "reset_columns.h"
#include "rows_query.h"
#include "snapshot_check.h"
#include "snapshot_json.h"

static struct wire_object obj;

static void apply(struct aggregates *a, const struct aggregates_message *m,
                  int64_t now, enum aggregates_result want)
{
        CHECK_EQ_INT(aggregates_apply(a, m, now), want);
}

static void row(struct aggregates *a, const char *src, uint64_t gen,
                uint64_t rec, const char *json, int64_t now)
{
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = src,
                                       .generation = gen,
                                       .record     = rec,
                                       .row        = &obj};
        apply(a, &m, now, AGGREGATES_APPLIED);
}

/* Two sources far apart: 10^17 (integer) and 0.000001 (decimal). */
static struct aggregates *two_sources(void)
{
        struct aggregates *a = aggregates_create(NULL);
        row(a, "big.csv", 1, 1,
            "{\"valor\":100000000000000000,\"idade\":40,\"cidade\":\"Recife\"}",
            1000);
        row(a, "big.csv", 1, 2,
            "{\"valor\":3,\"idade\":20,\"cidade\":\"Natal\"}", 1000);
        row(a, "small.csv", 1, 1,
            "{\"valor\":0.000001,\"idade\":30,\"cidade\":\"Recife\"}", 2000);
        return a;
}

static void test_one_source_and_all(void)
{
        struct aggregates *a = two_sources();

        aggregates_set_viewer_source(a, "small.csv");
        char *s = snapshot(a);
        CONTAINS(s, "\"count\":1,\"source\":\"small.csv\"");
        CONTAINS(s, "\"total_value\":0.000001,");
        CONTAINS(s, "\"records\":1,");
        CONTAINS(s, "{\"name\":\"Recife\",\"count\":1,\"sum\":0.000001,");
        CHECK(!strstr(s, "Natal"));
        free(s);

        aggregates_set_viewer_source(a, "big.csv");
        s = snapshot(a);
        CONTAINS(s, "\"count\":2,\"source\":\"big.csv\"");
        CONTAINS(s, "\"total_value\":100000000000000003,");
        CONTAINS(s, "\"min\":3,\"max\":100000000000000000,");
        free(s);

        /* All: the exact merge, not a rounded one. */
        aggregates_set_viewer_source(a, NULL);
        s = snapshot(a);
        CONTAINS(s, "\"count\":3,\"source\":null");
        CONTAINS(s, "\"total_value\":100000000000000003.000001,");
        CONTAINS(s, "\"min\":0.000001,\"max\":100000000000000000,");
        CONTAINS(s, "{\"name\":\"Recife\",\"count\":2,"
                    "\"sum\":100000000000000000.000001,");
        /* The sources list stays complete whatever the viewer's source. */
        CONTAINS(s, "\"source\":\"big.csv\",\"generation\":1");
        CONTAINS(s, "\"source\":\"small.csv\",\"generation\":1");
        free(s);
        aggregates_destroy(a);
}

/* Ingest counters, generation and last change follow the viewer's source;
 * decode errors stay the topic's (they name no source). */
static void test_ingest_of_one_source(void)
{
        struct aggregates *a = two_sources();
        CHECK_EQ_INT(wire_decode_object(&obj, "{\"valor\":3}", 11), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = "big.csv",
                                       .generation = 1,
                                       .record     = 2,
                                       .row        = &obj};
        apply(a, &m, 5000, AGGREGATES_DUPLICATE);
        m.generation = 0;
        apply(a, &m, 5000, AGGREGATES_STALE);
        CHECK_EQ_INT(aggregates_add_latency(a, "big.csv", 4000, 4250), 0);
        CHECK_EQ_INT(aggregates_add_latency(a, "none.csv", 4000, 4250), 0);
        struct wire_buf b         = {0};
        struct snapshot_stream st = {
            .topic = "t", .lag = -1, .decode_errors = 7};

        aggregates_set_viewer_source(a, "big.csv");
        CHECK_EQ_INT(snapshot_render(a, NULL, &st, &b), 0);
        wire_buf_append(&b, "", 1);
        CONTAINS(b.data, "\"ingest\":{\"applied\":2,\"duplicates\":1,"
                         "\"stale\":1,\"invalid\":0,\"swaps\":0,"
                         "\"decode_errors\":7}");
        CONTAINS(b.data, "\"generation\":1,\"last_update_ms\":5000,");
        CONTAINS(b.data, "\"latency_ms\":{\"last\":250,\"p50\":250,");
        CONTAINS(b.data, "\"source\":\"big.csv\",\"topic_wide\":["
                         "\"stream.partitions\",\"stream.lag\",");
        CONTAINS(b.data, "\"ingest.decode_errors\",\"health\",\"memory\"],");
        wire_buf_finish(&b);

        aggregates_set_viewer_source(a, "small.csv");
        b = (struct wire_buf){0};
        CHECK_EQ_INT(snapshot_render(a, NULL, &st, &b), 0);
        wire_buf_append(&b, "", 1);
        CONTAINS(b.data, "\"ingest\":{\"applied\":1,\"duplicates\":0,"
                         "\"stale\":0,\"invalid\":0,\"swaps\":0,"
                         "\"decode_errors\":7}");
        CONTAINS(b.data, "\"generation\":1,\"last_update_ms\":2000,");
        CONTAINS(b.data, "\"latency_ms\":{\"last\":null,");
        wire_buf_finish(&b);

        aggregates_set_viewer_source(a, NULL);
        b = (struct wire_buf){0};
        CHECK_EQ_INT(snapshot_render(a, NULL, &st, &b), 0);
        wire_buf_append(&b, "", 1);
        CONTAINS(b.data, "\"ingest\":{\"applied\":3,\"duplicates\":1,"
                         "\"stale\":1,");
        CHECK(strstr(b.data, "topic_wide") == NULL);
        wire_buf_finish(&b);
        aggregates_destroy(a);
}

/* The rows of one page, as "valor" texts joined. */
static long page_text(struct aggregates *a, bool desc, char *out, size_t size,
                      uint64_t *total)
{
        aggregates_row_ref refs[10];
        long n   = aggregates_page(a, "valor", desc, 0, 10, refs, total);
        size_t o = 0;
        out[0]   = '\0';
        for (long i = 0; i < n; i++) {
                struct cell c;
                struct wire_buf b = {0};
                aggregates_ref_cell(a, refs[i], "valor", &c);
                if (c.big) {
                        wire_buf_append(&b, c.big, c.big_len);
                } else {
                        char t[64];
                        int k =
                            column_format_dec128(c.num, c.scale, t, sizeof(t));
                        wire_buf_append(&b, t, (size_t)k);
                }
                o += (size_t)snprintf(out + o, size - o, "%.*s,", (int)b.len,
                                      b.data);
                wire_buf_finish(&b);
        }
        return n;
}

static void test_pages_of_one_source(void)
{
        struct aggregates *a = two_sources();
        char text[256];
        uint64_t total;

        aggregates_set_viewer_source(a, "big.csv");
        CHECK_EQ_INT(page_text(a, true, text, sizeof(text), &total), 2);
        CHECK_EQ_INT(total, 2);
        CHECK_EQ_STR(text, "100000000000000000,3,");

        aggregates_set_viewer_source(a, "small.csv");
        CHECK_EQ_INT(page_text(a, true, text, sizeof(text), &total), 1);
        CHECK_EQ_INT(total, 1);
        CHECK_EQ_STR(text, "0.000001,");

        aggregates_set_viewer_source(a, NULL);
        CHECK_EQ_INT(page_text(a, false, text, sizeof(text), &total), 3);
        CHECK_EQ_INT(total, 3);
        CHECK_EQ_STR(text, "0.000001,3,100000000000000000,");

        /* New rows reach the source's index, and only it. */
        row(a, "small.csv", 1, 2, "{\"valor\":7,\"idade\":1}", 3000);
        aggregates_set_viewer_source(a, "small.csv");
        CHECK_EQ_INT(page_text(a, true, text, sizeof(text), &total), 2);
        CHECK_EQ_INT(total, 2);
        CHECK_EQ_STR(text, "7.000000,0.000001,");
        aggregates_set_viewer_source(a, "big.csv");
        CHECK_EQ_INT(page_text(a, true, text, sizeof(text), &total), 2);
        CHECK_EQ_INT(total, 2);
        aggregates_set_viewer_source(a, NULL);
        CHECK_EQ_INT(page_text(a, true, text, sizeof(text), &total), 4);
        CHECK_EQ_INT(total, 4);
        aggregates_destroy(a);
}

static bool fake_producer(void *ctx, const char *source,
                          struct producer_status_info *out)
{
        (void)ctx;
        if (strcmp(source, "big.csv") != 0) {
                return false;
        }
        snprintf(out->instance, sizeof(out->instance), "abc123");
        snprintf(out->state, sizeof(out->state), "caught_up");
        out->alive = true;
        return true;
}

static char *sources_json(struct aggregates *a)
{
        struct wire_buf b = {0};
        CHECK_EQ_INT(
            snapshot_render_sources(a, fake_producer, NULL, NULL, 5000, &b), 0);
        wire_buf_append(&b, "", 1);
        return b.data;
}

static void test_sources_table(void)
{
        struct aggregates *a = two_sources();
        CHECK(aggregates_has_source(a, "big.csv"));
        CHECK(!aggregates_has_source(a, "nope.csv"));

        /* small.csv is deleted: a new, empty generation named by its
         * reset message, complete with no rows. */
        struct aggregates_message reset = {.kind       = WIRE_RESET,
                                           .source     = "small.csv",
                                           .generation = 1764370000000,
                                           .reason     = "deleted",
                                           .producer   = "feed01"};
        apply(a, &reset, 4000, AGGREGATES_APPLIED);
        struct aggregates_message done = {.kind       = WIRE_SNAPSHOT_COMPLETE,
                                          .source     = "small.csv",
                                          .generation = 1764370000000};
        apply(a, &done, 4500, AGGREGATES_APPLIED);

        char *s = sources_json(a);
        CONTAINS(s, "{\"generated_ms\":5000,\"sources\":[");
        CONTAINS(s, "{\"id\":\"big.csv\",\"rows\":2,\"generation\":1,"
                    "\"generation_time\":\"1970-01-01T00:00:00.001Z\","
                    "\"changed_ms\":1000,"
                    "\"changed_time\":\"1970-01-01T00:00:01.000Z\","
                    "\"complete\":false,\"reason\":null,\"deleted\":false,"
                    "\"empty\":false,\"pending\":null,\"missing\":null,"
                    "\"producer\":{"
                    "\"instance\":\"abc123\",\"state\":\"caught_up\","
                    "\"alive\":true}}");
        CONTAINS(s, "{\"id\":\"small.csv\",\"rows\":0,"
                    "\"generation\":1764370000000,"
                    "\"generation_time\":\"2025-11-28T22:46:40.000Z\","
                    "\"changed_ms\":4500,");
        CONTAINS(s, "\"complete\":true,\"reason\":\"deleted\","
                    "\"deleted\":true,\"empty\":true,\"pending\":null,"
                    "\"missing\":null,\"producer\":{\"instance\":\"feed01\","
                    "\"state\":null,"
                    "\"alive\":null}}");
        free(s);

        /* The deleted source shows nothing; all shows big.csv only. */
        aggregates_set_viewer_source(a, "small.csv");
        s = snapshot(a);
        CONTAINS(s, "\"count\":0,\"source\":\"small.csv\"");
        CONTAINS(s, "\"total_value\":null,");
        free(s);
        aggregates_set_viewer_source(a, NULL);
        s = snapshot(a);
        CONTAINS(s, "\"count\":2,\"source\":null");
        CONTAINS(s, "\"reason\":\"deleted\",\"changed_ms\":4500");
        free(s);
        aggregates_destroy(a);
}

/* The last change is the newest Kafka timestamp of the messages of the
 * source's generation, duplicates included (so replicas agree whichever
 * copy came first), not the order messages came in. */
static void test_change_time_from_kafka(void)
{
        struct aggregates *a = aggregates_create(NULL);
        const char *json     = "{\"valor\":1}";
        int64_t stamps[]     = {5000, 4000, 6000};
        for (int i = 0; i < 3; i++) {
                CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)),
                             WIRE_OK);
                struct aggregates_message m = {.kind         = WIRE_ROW,
                                               .source       = "s.csv",
                                               .generation   = 1,
                                               .record       = (uint64_t)i + 1,
                                               .row          = &obj,
                                               .timestamp_ms = stamps[i]};
                apply(a, &m, 99999, AGGREGATES_APPLIED);
                CHECK_EQ_INT(source_changed_ms(&a->sources[0]),
                             i < 2 ? 5000 : 6000);
        }
        CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)), WIRE_OK);
        struct aggregates_message dup = {.kind         = WIRE_ROW,
                                         .source       = "s.csv",
                                         .generation   = 1,
                                         .record       = 1,
                                         .row          = &obj,
                                         .timestamp_ms = 7000};
        apply(a, &dup, 99999, AGGREGATES_DUPLICATE);
        CHECK_EQ_INT(source_changed_ms(&a->sources[0]), 7000);
        aggregates_destroy(a);
}

static void test_reset_tags(void)
{
        struct reset_columns *rc = reset_columns_create();
        const char *json = "{\"__control\":\"reset\",\"reason\":\"truncated\","
                           "\"producer\":\"5f0c\",\"columns\":[]}";
        CHECK_EQ_INT(reset_columns_parse(rc, json, strlen(json)), 0);
        CHECK_EQ_STR(reset_columns_reason(rc), "truncated");
        CHECK_EQ_STR(reset_columns_producer(rc), "5f0c");
        CHECK_EQ_INT(reset_columns_parse(rc, "{}", 2), 0);
        CHECK(reset_columns_reason(rc) == NULL);
        CHECK(reset_columns_producer(rc) == NULL);
        size_t len;
        json = "{\"source\":\"a;b.csv\",\"source_id\":\"0123456789abcdef\"}";
        CHECK_EQ_INT(reset_columns_parse(rc, json, strlen(json)), 0);
        CHECK_EQ_STR(reset_columns_source(rc, &len), "a;b.csv");
        CHECK_EQ_INT(len, 7);
        CHECK_EQ_STR(reset_columns_source_id(rc), "0123456789abcdef");
        reset_columns_destroy(rc);
}

/* A source counted under its id's placeholder until its name was read
 * (wire format v3): renamed, rows kept, sorted again; never merged into a
 * source of that name. */
static void test_rename_source(void)
{
        struct aggregates *a = two_sources();
        row(a, "source-id:0e13739a7e7c45e2", 5, 1, "{\"valor\":7}", 3000);
        row(a, "source-id:0e13739a7e7c45e2", 5, 2, "{\"valor\":8}", 3000);
        CHECK_EQ_INT(a->nsources, 3);
        CHECK_EQ_INT(
            aggregates_rename_source(a, "source-id:0e13739a7e7c45e2", "a.csv"),
            0);
        CHECK_EQ_INT(a->nsources, 3);
        CHECK_EQ_STR(a->sources[0].name, "a.csv");
        CHECK_EQ_STR(a->sources[1].name, "big.csv");
        CHECK_EQ_STR(a->sources[2].name, "small.csv");
        CHECK(!aggregates_has_source(a, "source-id:0e13739a7e7c45e2"));
        /* Its rows are the named source's: a copy is a duplicate. */
        CHECK_EQ_INT(wire_decode_object(&obj, "{\"valor\":7}", 11), WIRE_OK);
        struct aggregates_message dup = {.kind       = WIRE_ROW,
                                         .source     = "a.csv",
                                         .generation = 5,
                                         .record     = 1,
                                         .row        = &obj};
        apply(a, &dup, 4000, AGGREGATES_DUPLICATE);
        aggregates_set_viewer_source(a, "a.csv");
        char *sn = snapshot(a);
        CONTAINS(sn, "\"count\":2,\"source\":\"a.csv\"");
        free(sn);
        aggregates_set_viewer_source(a, NULL);
        /* Moving toward the end of the order too. */
        CHECK_EQ_INT(aggregates_rename_source(a, "a.csv", "zz.csv"), 0);
        CHECK_EQ_STR(a->sources[0].name, "big.csv");
        CHECK_EQ_STR(a->sources[2].name, "zz.csv");
        /* Nothing to rename; a name taken already: nothing merged. */
        CHECK_EQ_INT(aggregates_rename_source(a, "none.csv", "x.csv"), 1);
        CHECK_EQ_INT(aggregates_rename_source(a, "zz.csv", "big.csv"), -1);
        CHECK_EQ_STR(a->sources[2].name, "zz.csv");
        aggregates_destroy(a);
}

static void test_query_accepts_source(void)
{
        struct rows_query q;
        char err[128];
        CHECK_EQ_INT(rows_query_parse("source=data%2Fa.csv&page=2", true, &q,
                                      err, sizeof(err)),
                     0);
        CHECK_EQ_INT(q.page, 2);
        char qs[400];
        memset(qs, 0, sizeof(qs));
        strcpy(qs, "sort=");
        memset(qs + 5, 'x', 200);
        CHECK_EQ_INT(rows_query_parse(qs, true, &q, err, sizeof(err)), -1);
        CHECK_EQ_STR(err, "sort is too long");
}

int main(void)
{
        test_one_source_and_all();
        test_pages_of_one_source();
        test_ingest_of_one_source();
        test_sources_table();
        test_change_time_from_kafka();
        test_reset_tags();
        test_query_accepts_source();
        test_rename_source();
        wire_object_finish(&obj);
        return check_exit();
}
