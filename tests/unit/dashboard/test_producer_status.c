/* SPDX-License-Identifier: MIT */
/* producer_status: the latest record per source, alive while records keep
 * coming, sorted, tombstones forget. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "producer_status.h"

static void set(struct producer_status *ps, const char *key, const char *json)
{
        struct wire_object o = {0};

        if (json) {
                CHECK_EQ_INT(wire_decode_object(&o, json, strlen(json)),
                             WIRE_OK);
        }
        CHECK_EQ_INT(
            producer_status_set(ps, key, strlen(key), json ? &o : NULL), 0);
        wire_object_finish(&o);
}

static char *render(struct producer_status *ps, int64_t now)
{
        struct wire_buf b = {0};

        CHECK_EQ_INT(producer_status_render(ps, now, &b), 0);
        CHECK_EQ_INT(wire_buf_append(&b, "", 1), 0);
        return b.data;
}

int main(void)
{
        struct producer_status *ps = producer_status_create();
        char *s;

        set(ps, "b.csv",
            "{\"source\":\"b.csv\",\"instance\":\"i2\",\"ts_ms\":1000,"
            "\"interval_ms\":5000,\"state\":\"holding\",\"pending\":0,"
            "\"oldest_unacked_ms\":0,\"held_bytes\":7,\"held_why\":\"open "
            "quote\",\"file\":\"ok\",\"reason\":\"held\"}");
        set(ps, "a.csv",
            "{\"instance\":\"i1\",\"ts_ms\":1000,\"interval_ms\":5000,"
            "\"state\":\"caught_up\",\"pending\":0,\"held_bytes\":0,"
            "\"held_why\":null,\"file\":\"ok\",\"reason\":\"\"}");
        s = render(ps, 3000);
        CHECK_EQ_STR(
            s,
            "[{\"source\":\"a.csv\",\"instance\":\"i1\",\"state\":"
            "\"caught_up\",\"alive\":true,\"age_ms\":2000,"
            "\"pending\":0,\"oldest_unacked_ms\":0,"
            "\"held_bytes\":0,\"held_why\":null,\"file\":\"ok\","
            "\"reason\":\"\",\"notes\":[]},{\"source\":\"b.csv\",\"instance\":"
            "\"i2\",\"state\":\"holding\",\"alive\":true,"
            "\"age_ms\":2000,\"pending\":0,\"oldest_unacked_ms\":"
            "0,\"held_bytes\":7,\"held_why\":\"open quote\","
            "\"file\":\"ok\",\"reason\":\"held\",\"notes\":[]}]");
        free(s);
        /* What reading the file assumed, each notice an object. */
        set(ps, "c.csv",
            "{\"ts_ms\":1000,\"interval_ms\":5000,\"state\":\"caught_up\","
            "\"encoding_note\":\"no byte order mark, but UTF-16LE\","
            "\"number_guess\":\"valor\",\"header_like_row\":true,"
            "\"values_as_text\":3,\"value_as_text_column\":\"idade\"}");
        s = render(ps, 3000);
        CHECK(strstr(s, "\"reason\":\"\",\"notes\":[{\"kind\":\"encoding\","
                        "\"text\":\"no byte order mark, but UTF-16LE\"},"
                        "{\"kind\":\"number_guess\",\"column\":\"valor\"},"
                        "{\"kind\":\"header_like_row\"},{\"kind\":"
                        "\"values_as_text\",\"count\":3,\"column\":"
                        "\"idade\"}]}"));
        free(s);
        /* The next record without notices clears them (a new generation). */
        set(ps, "c.csv",
            "{\"ts_ms\":2000,\"interval_ms\":5000,\"state\":\"caught_up\","
            "\"encoding_note\":null,\"number_guess\":null,"
            "\"header_like_row\":false,\"values_as_text\":0,"
            "\"value_as_text_column\":null}");
        s = render(ps, 3000);
        CHECK(strstr(s, "\"source\":\"c.csv\"") && !strstr(s, "\"kind\""));
        free(s);
        set(ps, "c.csv", NULL);
        /* One source's status, for the sources table. */
        struct producer_status_info info;
        CHECK(producer_status_get(ps, "b.csv", 3000, &info));
        CHECK_EQ_STR(info.instance, "i2");
        CHECK_EQ_STR(info.state, "holding");
        CHECK(info.alive);
        CHECK(producer_status_get(ps, "a.csv", 1000 + 15001, &info));
        CHECK(!info.alive);
        CHECK(!producer_status_get(ps, "c.csv", 3000, &info));
        /* Three intervals without a record: not alive. */
        s = render(ps, 1000 + 15001);
        CHECK(strstr(s, "\"alive\":true") == NULL);
        free(s);
        /* A clean stop is not alive either, at once. */
        set(ps, "a.csv",
            "{\"ts_ms\":4000,\"interval_ms\":5000,\"state\":\"stopped\"}");
        s = render(ps, 4000);
        CHECK(strstr(s, "\"state\":\"stopped\",\"alive\":false"));
        free(s);
        /* A tombstone forgets the source. */
        set(ps, "b.csv", NULL);
        s = render(ps, 4000);
        CHECK(strstr(s, "b.csv") == NULL && strstr(s, "a.csv"));
        free(s);
        producer_status_destroy(ps);
        return check_exit();
}
