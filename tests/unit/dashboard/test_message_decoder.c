/* SPDX-License-Identifier: MIT */
/* Unit tests of the data topic's message decoder (core/message_decoder.c):
 * identity from csv.id (v3: a source id named by control messages; v2:
 * csv.kind and the source itself) or the message's position, rows, control
 * messages, sources not named yet, source id collisions, refused wire
 * versions (flagged once), and bad messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "message_decoder.h"

#define ID_ROW "v2;1764370000000;12;412;0123456789abcdef;data/input.csv"
#define ID_CTL "v2;1764370000000;0;0;0123456789abcdef;data/input.csv"
/* wire_source_id("data/input.csv") */
#define SID              "0e13739a7e7c45e2"
#define V3_ROW(gen, rec) "v3;row;" gen ";" rec ";40;0123456789abcdef;" SID
#define V3_RESET(gen)    "v3;reset;" gen ";0;0;0123456789abcdef;" SID
#define V3_DONE(gen)     "v3;snapshot_complete;" gen ";0;0;0123456789abcdef;" SID
#define RESET_VALUE                                                            \
        "{\"__control\":\"reset\",\"source\":\"data/input.csv\","              \
        "\"source_id\":\"" SID "\",\"generation\":5,\"columns\":[]}"
#define DONE_VALUE                                                             \
        "{\"__control\":\"snapshot_complete\",\"source\":"                     \
        "\"data/input.csv\",\"source_id\":\"" SID "\",\"generation\":5,"       \
        "\"last_record\":2,\"row_count\":2}"

static struct message_decoder *d;

/* Decodes a message with up to two headers (NULL name: absent). */
static enum message_decode decode(const char *kind, const char *id,
                                  const char *value,
                                  struct aggregates_message *out,
                                  unsigned *version, bool *first)
{
        struct message_header h[3];
        size_t n = 0;
        h[n++]   = (struct message_header){"other", "x", 1};
        if (kind) {
                h[n++] =
                    (struct message_header){"csv.kind", kind, strlen(kind)};
        }
        if (id) {
                h[n++] = (struct message_header){"csv.id", id, strlen(id)};
        }
        struct message_in in = {.headers      = h,
                                .nheaders     = n,
                                .payload      = value,
                                .len          = value ? strlen(value) : 0,
                                .partition    = 3,
                                .offset       = 41,
                                .timestamp_ms = 1764370000123};
        return message_decode(d, &in, out, version, first);
}

/* A message with csv.id only (wire format v3). */
static enum message_decode decode3(const char *id, const char *value,
                                   struct aggregates_message *out)
{
        unsigned v;
        bool first;
        return decode(NULL, id, value, out, &v, &first);
}

static void test_v3_row_named_by_reset(void)
{
        struct message_decoder *own = d;
        struct aggregates_message m;
        d = message_decoder_create("csv-data");

        CHECK_EQ_INT(decode3(V3_RESET("5"), RESET_VALUE, &m), MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_RESET);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(m.generation, 5);
        CHECK(message_decoder_naming(d)->unnamed == NULL);
        CHECK(message_decoder_naming(d)->named_from == NULL);

        CHECK_EQ_INT(decode3(V3_ROW("5", "1"), "{\"id\":1}", &m),
                     MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_ROW);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(m.generation, 5);
        CHECK_EQ_INT(m.record, 1);
        CHECK_EQ_INT(m.timestamp_ms, 1764370000123);
        CHECK(m.row && wire_object_get(m.row, "id") != NULL);
        CHECK(message_decoder_naming(d)->unnamed == NULL);

        /* A later generation's row: the id has one name, so it is that. */
        CHECK_EQ_INT(decode3(V3_ROW("6", "1"), "{\"id\":1}", &m),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "data/input.csv");

        CHECK_EQ_INT(decode3(V3_DONE("5"), DONE_VALUE, &m), MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_SNAPSHOT_COMPLETE);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(m.last_record, 2);
        CHECK_EQ_INT(m.row_count, 2);
        message_decoder_destroy(d);
        d = own;
}

/* Rows whose reset is gone (retention): counted under the id, said once,
 * renamed when a control message names the id. */
static void test_v3_row_before_its_name(void)
{
        struct message_decoder *own = d;
        struct aggregates_message m;
        d = message_decoder_create("csv-data");

        CHECK_EQ_INT(decode3(V3_ROW("5", "1"), "{\"id\":1}", &m),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "source-id:" SID);
        const struct message_naming *n = message_decoder_naming(d);
        CHECK(n->unnamed != NULL);
        CHECK_EQ_STR(n->unnamed, "source-id:" SID);
        CHECK_EQ_STR(n->source_id, SID);
        CHECK_EQ_INT(decode3(V3_ROW("5", "2"), "{\"id\":2}", &m),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "source-id:" SID);
        CHECK(message_decoder_naming(d)->unnamed == NULL); /* said once */

        /* The snapshot-complete message names it: rename, then apply. */
        CHECK_EQ_INT(decode3(V3_DONE("5"), DONE_VALUE, &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "data/input.csv");
        n = message_decoder_naming(d);
        CHECK(n->named_from != NULL);
        CHECK_EQ_STR(n->named_from, "source-id:" SID);
        CHECK_EQ_STR(n->source_id, SID);
        /* Said once: its copies on other partitions name nothing new. */
        CHECK_EQ_INT(decode3(V3_DONE("5"), DONE_VALUE, &m), MESSAGE_DECODED);
        CHECK(message_decoder_naming(d)->named_from == NULL);
        CHECK_EQ_INT(decode3(V3_ROW("5", "3"), "{\"id\":3}", &m),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "data/input.csv");
        message_decoder_destroy(d);
        d = own;
}

/* A producer upgraded mid-topic: its v2 rows name the source, so its v3
 * rows (no new reset: the generation goes on) are the same source, and a
 * record sent once as v2 and again as v3 has one identity. */
static void test_v2_then_v3_same_source(void)
{
        struct message_decoder *own = d;
        struct aggregates_message m;
        unsigned v;
        bool first;
        d = message_decoder_create("csv-data");

        CHECK_EQ_INT(decode("row", "v2;5;2;40;0123456789abcdef;data/input.csv",
                            "{\"id\":2}", &m, &v, &first),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(m.record, 2);
        CHECK_EQ_INT(decode3(V3_ROW("5", "2"), "{\"id\":2}", &m),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(m.generation, 5);
        CHECK_EQ_INT(m.record, 2);
        CHECK(message_decoder_naming(d)->unnamed == NULL);
        /* The v3 producer's next generation names it the same way: no
         * collision. */
        CHECK_EQ_INT(decode3(V3_RESET("6"), RESET_VALUE, &m), MESSAGE_DECODED);
        CHECK(message_decoder_naming(d)->collision == NULL);
        message_decoder_destroy(d);
        d = own;
}

/* Two sources with one id: said, and never merged by a guess. */
static void test_v3_source_id_collision(void)
{
        struct message_decoder *own = d;
        struct aggregates_message m;
        d = message_decoder_create("csv-data");

        CHECK_EQ_INT(decode3(V3_RESET("5"), RESET_VALUE, &m), MESSAGE_DECODED);
        CHECK_EQ_INT(decode3("v3;reset;7;0;0;0123456789abcdef;" SID,
                             "{\"__control\":\"reset\",\"source\":"
                             "\"other.csv\",\"source_id\":\"" SID "\"}",
                             &m),
                     MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "other.csv");
        const struct message_naming *n = message_decoder_naming(d);
        CHECK(n->collision != NULL);
        CHECK_EQ_STR(n->collision, "data/input.csv");
        CHECK_EQ_STR(n->source_id, SID);
        /* Rows go by their generation's name. */
        CHECK_EQ_INT(decode3(V3_ROW("5", "1"), "{}", &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(decode3(V3_ROW("7", "1"), "{}", &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "other.csv");
        /* A generation neither named: under the id, said. */
        CHECK_EQ_INT(decode3(V3_ROW("9", "1"), "{}", &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, "source-id:" SID);
        CHECK(message_decoder_naming(d)->unnamed != NULL);
        message_decoder_destroy(d);
        d = own;
}

/* Names are bytes: ';', non-UTF-8, JSON escapes all come back exactly. */
static void test_v3_odd_names(void)
{
        struct message_decoder *own = d;
        struct aggregates_message m;
        char id[128], value[256];
        d = message_decoder_create("csv-data");

        static const char name[] = "/d/a;b,c=d \xff\xfe \"q\".csv";
        char hex[WIRE_SOURCE_ID_HEX + 1];
        wire_hex64(wire_source_id(name, sizeof(name) - 1), hex);
        snprintf(id, sizeof(id),
                 "v3;snapshot_complete;5;0;0;0000000000000000;%s", hex);
        snprintf(value, sizeof(value),
                 "{\"__control\":\"snapshot_complete\",\"source\":"
                 "\"/d/a;b,c=d \xff\xfe \\\"q\\\".csv\",\"source_id\":\"%s\","
                 "\"generation\":5,\"last_record\":0,\"row_count\":0}",
                 hex);
        CHECK_EQ_INT(decode3(id, value, &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, name);
        snprintf(id, sizeof(id), "v3;row;5;1;0;0000000000000000;%s", hex);
        CHECK_EQ_INT(decode3(id, "{}", &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, name);
        /* The same through a reset (its own JSON parser). */
        snprintf(id, sizeof(id), "v3;reset;6;0;0;0000000000000000;%s", hex);
        snprintf(value, sizeof(value),
                 "{\"__control\":\"reset\",\"source\":"
                 "\"/d/a;b,c=d \xff\xfe \\\"q\\\".csv\",\"source_id\":\"%s\"}",
                 hex);
        CHECK_EQ_INT(decode3(id, value, &m), MESSAGE_DECODED);
        CHECK_EQ_STR(m.source, name);
        CHECK(message_decoder_naming(d)->collision == NULL);
        message_decoder_destroy(d);
        d = own;
}

static void test_v3_bad_messages(void)
{
        struct aggregates_message m;
        /* The value's source_id must be the header's. */
        CHECK_EQ_INT(decode3(V3_RESET("5"),
                             "{\"source\":\"data/input.csv\","
                             "\"source_id\":\"0000000000000001\"}",
                             &m),
                     MESSAGE_BAD);
        CHECK_EQ_INT(decode3(V3_RESET("5"),
                             "{\"source\":\"data/input.csv\","
                             "\"source_id\":\"nothex\"}",
                             &m),
                     MESSAGE_BAD);
        /* An empty name names nothing. */
        CHECK_EQ_INT(decode3(V3_DONE("5"),
                             "{\"source\":\"\",\"last_record\":0,"
                             "\"row_count\":0}",
                             &m),
                     MESSAGE_BAD);
        /* Dead letters belong on the dead-letter topic. */
        CHECK_EQ_INT(
            decode3("v3;rejected;5;3;9;0123456789abcdef;" SID, "{}", &m),
            MESSAGE_BAD);
        /* A row's record number starts at 1. */
        CHECK_EQ_INT(decode3(V3_ROW("5", "0"), "{}", &m), MESSAGE_BAD);
        CHECK_EQ_INT(
            decode3("v3;row;5;1;0;0123456789abcdef;data/input.csv", "{}", &m),
            MESSAGE_BAD);
        CHECK_EQ_INT(decode3(V3_ROW("5", "1"), "[1]", &m), MESSAGE_BAD);
        /* A v2 csv.id needs its csv.kind. */
        CHECK_EQ_INT(decode3(ID_ROW, "{}", &m), MESSAGE_BAD);
        /* A control message that does not name its source (another
         * writer) is resolved as a row is. */
        CHECK_EQ_INT(
            decode3(V3_DONE("5"), "{\"last_record\":0,\"row_count\":0}", &m),
            MESSAGE_DECODED);
}

static void test_row_with_identity(void)
{
        struct aggregates_message m;
        unsigned v;
        bool first;
        CHECK_EQ_INT(
            decode("row", ID_ROW, "{\"id\":1,\"valor\":2.50}", &m, &v, &first),
            MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_ROW);
        CHECK_EQ_STR(m.source, "data/input.csv");
        CHECK_EQ_INT(m.generation, 1764370000000);
        CHECK_EQ_INT(m.record, 12);
        CHECK_EQ_INT(m.timestamp_ms, 1764370000123);
        CHECK(m.row != NULL);
        CHECK(wire_object_get(m.row, "valor") != NULL);
}

static void test_message_without_headers_is_its_position(void)
{
        struct aggregates_message m;
        unsigned v;
        bool first;
        CHECK_EQ_INT(decode(NULL, NULL, "{\"a\":1}", &m, &v, &first),
                     MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_ROW);
        CHECK_EQ_STR(m.source, "kafka:csv-data/3");
        CHECK_EQ_INT(m.record, 42);
        CHECK_EQ_INT(m.generation, 0);
        /* Its value must still be a JSON object. */
        CHECK_EQ_INT(decode(NULL, NULL, "not json", &m, &v, &first),
                     MESSAGE_BAD);
}

static void test_control_messages(void)
{
        struct aggregates_message m;
        unsigned v;
        bool first;
        CHECK_EQ_INT(decode("snapshot_complete", ID_CTL,
                            "{\"__control\":\"snapshot_complete\","
                            "\"last_record\":9,\"row_count\":8}",
                            &m, &v, &first),
                     MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_SNAPSHOT_COMPLETE);
        CHECK_EQ_INT(m.last_record, 9);
        CHECK_EQ_INT(m.row_count, 8);
        CHECK_EQ_INT(m.record, 0);
        CHECK_EQ_INT(decode("snapshot_complete", ID_CTL, "{\"last_record\":9}",
                            &m, &v, &first),
                     MESSAGE_BAD);
        CHECK_EQ_INT(decode("snapshot_complete", ID_CTL,
                            "{\"last_record\":-1,\"row_count\":0}", &m, &v,
                            &first),
                     MESSAGE_BAD);

        CHECK_EQ_INT(
            decode("reset", ID_CTL,
                   "{\"__control\":\"reset\",\"reason\":\"deleted\","
                   "\"producer\":\"5f0c2a9e\",\"columns\":[{\"name\":\"id\","
                   "\"type\":\"integer\"},{\"name\":\"v\",\"type\":\"odd\"}]}",
                   &m, &v, &first),
            MESSAGE_DECODED);
        CHECK_EQ_INT(m.kind, WIRE_RESET);
        CHECK_EQ_INT(m.ncolumns, 1);
        CHECK_EQ_STR(m.columns[0].name, "id");
        CHECK_EQ_STR(m.reason, "deleted");
        CHECK_EQ_STR(m.producer, "5f0c2a9e");
        CHECK(m.row == NULL);
        /* A reset whose value is not an object declares nothing. */
        CHECK_EQ_INT(decode("reset", ID_CTL, "[]", &m, &v, &first),
                     MESSAGE_DECODED);
        CHECK_EQ_INT(m.ncolumns, 0);
        CHECK(m.reason == NULL);
}

static void test_refused_versions_are_flagged_once(void)
{
        struct aggregates_message m;
        unsigned v;
        bool first;
        /* Wire format v1: csv.kind with csv.source, no csv.id. */
        struct message_header h[2] = {{"csv.kind", "row", 3},
                                      {"csv.source", "a.csv", 5}};
        struct message_in in       = {
                  .headers = h, .nheaders = 2, .payload = "{}", .len = 2};
        CHECK_EQ_INT(message_decode(d, &in, &m, &v, &first), MESSAGE_REFUSED);
        CHECK_EQ_INT(v, 1);
        CHECK(first);
        CHECK_EQ_INT(message_decode(d, &in, &m, &v, &first), MESSAGE_REFUSED);
        CHECK(!first);
        const char *v4 = "v4;row;1;1;1;0123456789abcdef;" SID;
        CHECK_EQ_INT(decode(NULL, v4, "{}", &m, &v, &first), MESSAGE_REFUSED);
        CHECK_EQ_INT(v, 4);
        CHECK(first);
        CHECK_EQ_INT(decode(NULL, v4, "{}", &m, &v, &first), MESSAGE_REFUSED);
        CHECK(!first);
        /* v1 again after v4: flagged again (the last one refused differs). */
        CHECK_EQ_INT(message_decode(d, &in, &m, &v, &first), MESSAGE_REFUSED);
        CHECK(first);
}

static void test_bad_messages(void)
{
        struct aggregates_message m;
        unsigned v;
        bool first;
        CHECK_EQ_INT(decode("sideways", ID_ROW, "{}", &m, &v, &first),
                     MESSAGE_BAD);
        CHECK_EQ_INT(decode("row", NULL, "{}", &m, &v, &first), MESSAGE_BAD);
        CHECK_EQ_INT(decode("row", "v2;garbage", "{}", &m, &v, &first),
                     MESSAGE_BAD);
        /* A row's record number starts at 1. */
        CHECK_EQ_INT(decode("row", ID_CTL, "{}", &m, &v, &first), MESSAGE_BAD);
        CHECK_EQ_INT(decode("row", ID_ROW, "{\"a\":{\"b\":1}}", &m, &v, &first),
                     MESSAGE_BAD);
        /* A source id longer than the decoder keeps. */
        char id[700];
        int n = snprintf(id, sizeof(id), "v2;1;1;1;0123456789abcdef;");
        memset(id + n, 's', 600);
        id[n + 600] = '\0';
        CHECK_EQ_INT(decode("row", id, "{}", &m, &v, &first), MESSAGE_BAD);
}

static void test_dead_letters(void)
{
        const char *rec = "{\"source\":\"a.csv\",\"line\":3,\"reason\":\"x\"}";
        const struct wire_object *o = message_decode_dlq(d, rec, strlen(rec));
        CHECK(o != NULL);
        CHECK(o && wire_object_get(o, "line") != NULL);
        CHECK(message_decode_dlq(d, "nope", 4) == NULL);
}

int main(void)
{
        d = message_decoder_create("csv-data");
        CHECK(d != NULL);
        test_row_with_identity();
        test_message_without_headers_is_its_position();
        test_control_messages();
        test_refused_versions_are_flagged_once();
        test_bad_messages();
        test_dead_letters();
        test_v3_row_named_by_reset();
        test_v3_row_before_its_name();
        test_v2_then_v3_same_source();
        test_v3_source_id_collision();
        test_v3_odd_names();
        test_v3_bad_messages();
        message_decoder_destroy(d);
        return check_exit();
}
