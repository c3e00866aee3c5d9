/* SPDX-License-Identifier: MIT */
/* Unit tests of the data topic's message decoder (core/message_decoder.c):
 * identity from csv.kind/csv.id or the message's position, rows, control
 * messages, refused wire versions (flagged once), and bad messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "message_decoder.h"

#define ID_ROW "v2;1764370000000;12;412;0123456789abcdef;data/input.csv"
#define ID_CTL "v2;1764370000000;0;0;0123456789abcdef;data/input.csv"

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
        const char *v3 = "v3;1;1;1;0123456789abcdef;a.csv";
        CHECK_EQ_INT(decode("row", v3, "{}", &m, &v, &first), MESSAGE_REFUSED);
        CHECK_EQ_INT(v, 3);
        CHECK(first);
        CHECK_EQ_INT(decode("row", v3, "{}", &m, &v, &first), MESSAGE_REFUSED);
        CHECK(!first);
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
        message_decoder_destroy(d);
        return check_exit();
}
