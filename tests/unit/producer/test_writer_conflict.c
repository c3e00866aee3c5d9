/* SPDX-License-Identifier: MIT */
/* Two producers of one source: reading status records and judging who
 * keeps the source. */
#include "check.h"
#include "writer_conflict.h"

#include <stdlib.h>
#include <string.h>

static struct wire_object *scratch;

static int decode(const char *key, const char *json, struct writer_seen *out)
{
        return writer_seen_decode(scratch, key, strlen(key), json, strlen(json),
                                  out);
}

static void test_decode(void)
{
        struct writer_seen s;

        CHECK_EQ_INT(decode("/data/in.csv",
                            "{\"source\":\"/data/in.csv\",\"instance\":"
                            "\"e28190c972aa7ba9\",\"started_ms\":1795989270000,"
                            "\"ts_ms\":1795989273097,\"interval_ms\":5000,"
                            "\"state\":\"caught_up\",\"pending\":0}",
                            &s),
                     0);
        CHECK_EQ_STR(s.source, "/data/in.csv");
        CHECK_EQ_STR(s.instance, "e28190c972aa7ba9");
        CHECK(s.started_ms == 1795989270000u);
        CHECK(s.ts_ms == 1795989273097u);
        CHECK(s.interval_ms == 5000);
        CHECK(!s.stopped);
        CHECK_EQ_INT(
            decode("k", "{\"instance\":\"a\",\"state\":\"stopped\"}", &s), 0);
        CHECK(s.stopped);
        CHECK(s.started_ms == 0); /* a producer that does not say */
        /* Not status records. */
        CHECK_EQ_INT(decode("k", "not json", &s), -1);
        CHECK_EQ_INT(decode("k", "{\"state\":\"caught_up\"}", &s), -1);
        CHECK_EQ_INT(decode("k", "{\"instance\":7}", &s), -1);
        CHECK_EQ_INT(writer_seen_decode(scratch, "k", 1, NULL, 0, &s), -1);
}

static struct writer_seen seen(const char *instance, uint64_t started,
                               bool stopped)
{
        struct writer_seen s = {
            .started_ms = started, .ts_ms = 5000, .stopped = stopped};

        strcpy(s.source, "/data/in.csv");
        strcpy(s.instance, instance);
        return s;
}

static void test_judge(void)
{
        struct writer_seen s;

        s = seen("aaaa", 1000, false);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_SELF);
        s = seen("bbbb", 500, true);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_GONE);
        /* A newer one's last record: it stopped, but wrote meanwhile. */
        s = seen("bbbb", 2000, true);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_OTHER_NEWER);
        /* Started first: it keeps the source, we stop. */
        s = seen("bbbb", 500, false);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_OTHER_OLDER);
        /* Started later: it must stop, we go on. */
        s = seen("bbbb", 2000, false);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_OTHER_NEWER);
        /* The same millisecond: the instance ids decide, the same way on
         * both sides. */
        s = seen("bbbb", 1000, false);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_OTHER_NEWER);
        s = seen("aaaa", 1000, false);
        CHECK_EQ_INT(writer_judge(&s, "bbbb", 1000), WRITER_OTHER_OLDER);
        /* No start time: counted as the older one. */
        s = seen("bbbb", 0, false);
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_OTHER_OLDER);
        /* Written before we started (a crashed predecessor's last word). */
        s       = seen("bbbb", 500, false);
        s.ts_ms = 900;
        CHECK_EQ_INT(writer_judge(&s, "aaaa", 1000), WRITER_BEFORE);
}

int main(void)
{
        scratch = calloc(1, sizeof(*scratch));
        CHECK(scratch != NULL);
        test_decode();
        test_judge();
        wire_object_finish(scratch);
        free(scratch);
        return check_exit();
}
