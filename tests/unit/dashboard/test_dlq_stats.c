/* SPDX-License-Identifier: MIT */
/* dlq_stats: the panel counts each source's current generation; earlier
 * generations are history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dlq_stats.h"

static void add(struct dlq_stats *d, const char *json)
{
        struct wire_object o = {0};

        CHECK_EQ_INT(wire_decode_object(&o, json, strlen(json)), WIRE_OK);
        CHECK_EQ_INT(dlq_stats_add(d, &o), 0);
        wire_object_finish(&o);
}

static uint64_t current;

static uint64_t current_of(void *ctx, const char *source)
{
        (void)ctx;
        return strcmp(source, "a.csv") == 0 ? current : 0;
}

static const char *only; /* the viewer's source, NULL: every source */

static char *render(struct dlq_stats *d)
{
        struct wire_buf b = {0};

        CHECK_EQ_INT(dlq_stats_render(d, current_of, NULL, only, &b), 0);
        CHECK_EQ_INT(wire_buf_append(&b, "", 1), 0);
        return b.data;
}

static void test_generations(void)
{
        struct dlq_stats *d = dlq_stats_create();
        char *s;

        add(d, "{\"source\":\"a.csv\",\"generation\":1,\"line\":3,"
               "\"reason\":\"bad\",\"raw\":\"x\"}");
        add(d, "{\"source\":\"a.csv\",\"generation\":1,\"line\":4,"
               "\"reason\":\"bad\",\"raw\":\"y\"}");
        current = 1;
        s       = render(d);
        CHECK_EQ_STR(s, "{\"count\":2,\"reasons\":[{\"reason\":\"bad\","
                        "\"count\":2}],\"last\":[{\"source\":\"a.csv\","
                        "\"line\":4,\"reason\":\"bad\",\"raw\":\"y\"},"
                        "{\"source\":\"a.csv\",\"line\":3,\"reason\":"
                        "\"bad\",\"raw\":\"x\"}],\"history\":0,\"total\":2}");
        free(s);
        /* The file was rewritten clean: generation 2 shows, 1 is history. */
        current = 2;
        s       = render(d);
        CHECK_EQ_STR(s, "{\"count\":0,\"reasons\":[],\"last\":[],"
                        "\"history\":2,\"total\":2}");
        free(s);
        /* Generation 3 being read (not shown yet) is neither; generations
         * 4 and 5 push 1 and 3 into the history. */
        add(d, "{\"source\":\"a.csv\",\"generation\":3,\"line\":2,"
               "\"reason\":\"ugly\",\"raw\":\"z\"}");
        s = render(d);
        CHECK(strstr(s, "\"count\":0,") && strstr(s, "\"history\":2,"));
        free(s);
        current = 3;
        s       = render(d);
        CHECK(strstr(s, "\"count\":1,") && strstr(s, "\"history\":2,"));
        free(s);
        add(d, "{\"source\":\"a.csv\",\"generation\":4,\"line\":2,"
               "\"reason\":\"ugly\",\"raw\":\"z\"}");
        add(d, "{\"source\":\"a.csv\",\"generation\":5,\"line\":2,"
               "\"reason\":\"ugly\",\"raw\":\"z\"}");
        current = 5;
        s       = render(d);
        CHECK(strstr(s, "\"count\":1,") && strstr(s, "\"history\":4,"));
        CHECK(strstr(s, "\"total\":5}"));
        free(s);
        /* A source without rows shows its newest generation. */
        add(d, "{\"source\":\"b.csv\",\"generation\":7,\"line\":9,"
               "\"reason\":\"bad\",\"raw\":\"q\"}");
        s = render(d);
        CHECK(strstr(s, "\"count\":2,"));
        CHECK(strstr(s, "\"last\":[{\"source\":\"b.csv\",\"line\":9"));
        free(s);
        CHECK_EQ_INT(dlq_stats_count(d), 6);
        /* One viewer's source: its figures alone. */
        only = "b.csv";
        s    = render(d);
        CHECK_EQ_STR(s, "{\"count\":1,\"reasons\":[{\"reason\":\"bad\","
                        "\"count\":1}],\"last\":[{\"source\":\"b.csv\","
                        "\"line\":9,\"reason\":\"bad\",\"raw\":\"q\"}],"
                        "\"history\":0,\"total\":1}");
        free(s);
        only = "a.csv";
        s    = render(d);
        CHECK(strstr(s, "\"count\":1,") && strstr(s, "\"history\":4,"));
        CHECK(strstr(s, "\"total\":5}") && !strstr(s, "b.csv"));
        free(s);
        only = "none.csv";
        s    = render(d);
        CHECK_EQ_STR(s, "{\"count\":0,\"reasons\":[],\"last\":[],"
                        "\"history\":0,\"total\":0}");
        free(s);
        only = NULL;
        dlq_stats_destroy(d);
}

/* A long absolute source id is kept whole (up to DLQ_SOURCE_MAX), so a
 * viewer's source finds its rejects. */
static void test_long_source(void)
{
        struct dlq_stats *d = dlq_stats_create();
        char id[400];
        memset(id, 'd', sizeof(id) - 1);
        id[0]              = '/';
        id[sizeof(id) - 1] = '\0';
        char json[600];
        snprintf(json, sizeof(json),
                 "{\"source\":\"%s\",\"generation\":1,\"line\":2,"
                 "\"reason\":\"bad\",\"raw\":\"x\"}",
                 id);
        add(d, json);
        only    = id;
        char *s = render(d);
        CHECK(strstr(s, "\"count\":1,") && strstr(s, "\"total\":1}"));
        free(s);
        only = NULL;
        dlq_stats_destroy(d);
}

int main(void)
{
        test_generations();
        test_long_source();
        return check_exit();
}
