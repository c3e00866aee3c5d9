/* SPDX-License-Identifier: MIT */
/* Unit tests of topic_loss.h: rows gone from the topic are counted exactly
 * once every copy of the generation's snapshot-complete is read (or its
 * partition's start was deleted); rows that went to the dead-letter topic
 * and generations still being read never count; a generation whose reset
 * was read nowhere lost its start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates.h"
#include "check.h"
#include "common/wire.h"
#include "topic_loss.h"

#define SRC "/data/a.csv"
#define GEN 1764370000000ULL

static struct wire_object obj;

struct world {
        struct aggregates *a;
        struct topic_loss *t;
        int64_t log_start[4];
        int changes, cleared;
        uint64_t last_rows;
};

static void on_change(void *ctx, const struct topic_loss_finding *old,
                      const struct topic_loss_finding *now)
{
        struct world *w = ctx;
        (void)old;
        w->changes++;
        w->cleared += now == NULL;
        w->last_rows = now ? now->rows : 0;
}

static void world_init(struct world *w)
{
        memset(w, 0, sizeof(*w));
        w->a = aggregates_create(NULL);
        w->t = topic_loss_create();
        CHECK(w->a && w->t);
}

static void world_free(struct world *w)
{
        topic_loss_destroy(w->t);
        aggregates_destroy(w->a);
}

static void rows(struct world *w, uint64_t gen, uint64_t from, uint64_t to)
{
        for (uint64_t r = from; r <= to; r++) {
                char json[64];
                snprintf(json, sizeof(json), "{\"id\":%llu,\"valor\":1.5}",
                         (unsigned long long)r);
                CHECK_EQ_INT(wire_decode_object(&obj, json, strlen(json)),
                             WIRE_OK);
                struct aggregates_message m = {.kind       = WIRE_ROW,
                                               .source     = SRC,
                                               .generation = gen,
                                               .record     = r,
                                               .row        = &obj};
                CHECK_EQ_INT(aggregates_apply(w->a, &m, 1000),
                             AGGREGATES_APPLIED);
        }
}

/* A control message read on partition p (applied, then noted). */
static void control(struct world *w, enum wire_kind kind, uint64_t gen,
                    int32_t p, uint64_t last, uint64_t count, bool before_start)
{
        struct aggregates_message m = {.kind        = kind,
                                       .source      = SRC,
                                       .generation  = gen,
                                       .last_record = last,
                                       .row_count   = count};
        CHECK_EQ_INT(aggregates_apply(w->a, &m, 1000), AGGREGATES_APPLIED);
        CHECK_EQ_INT(topic_loss_control(w->t, &m, p, before_start), 0);
}

static void resets(struct world *w, uint64_t gen)
{
        for (int p = 0; p < 3; p++) {
                control(w, WIRE_RESET, gen, p, 0, 0, true);
        }
}

static void completes(struct world *w, uint64_t gen, int parts, uint64_t last,
                      uint64_t count)
{
        for (int p = 0; p < parts; p++) {
                control(w, WIRE_SNAPSHOT_COMPLETE, gen, p, last, count, true);
        }
}

static int partitions = 3;

static const struct topic_loss_finding *judge(struct world *w, bool caught_up)
{
        struct topic_loss_topic tp = {.log_start  = w->log_start,
                                      .partitions = partitions,
                                      .caught_up  = caught_up};
        CHECK_EQ_INT(topic_loss_evaluate(w->t, w->a, &tp, on_change, w), 0);
        return topic_loss_find(w->t, SRC);
}

static char *render(struct world *w)
{
        struct wire_buf b = {0};
        CHECK_EQ_INT(topic_loss_render(w->t, SRC, &b), 0);
        CHECK_EQ_INT(wire_buf_append(&b, "", 1), 0);
        return b.data;
}

/* Every row there, two records on the dead-letter topic: nothing missing. */
static void test_dead_letters_are_not_missing(void)
{
        struct world w;
        world_init(&w);
        resets(&w, GEN);
        rows(&w, GEN, 1, 4);
        rows(&w, GEN, 7, 10); /* 5 and 6 went to the DLQ */
        completes(&w, GEN, 3, 10, 8);
        CHECK(judge(&w, true) == NULL);
        CHECK_EQ_INT(w.changes, 0);
        char *s = render(&w);
        CHECK_EQ_STR(s, "null");
        free(s);
        world_free(&w);
}

/* Rows gone with every partition read: counted exactly, not_read. */
static void test_missing_rows_counted_exactly(void)
{
        struct world w;
        world_init(&w);
        resets(&w, GEN);
        rows(&w, GEN, 1, 3);
        rows(&w, GEN, 6, 10);
        /* Records 4, 5 and 11 are not held: two went to the DLQ (9 good
         * rows among 1..11), one is gone. */
        completes(&w, GEN, 3, 11, 9);
        const struct topic_loss_finding *f = judge(&w, true);
        CHECK(f != NULL);
        if (f) {
                CHECK(f->rows_known && f->shown);
                CHECK_EQ_INT(f->rows, 1); /* 9 expected, 8 held */
                CHECK_EQ_INT(f->expected, 9);
                CHECK_EQ_INT(f->reason, TOPIC_LOSS_NOT_READ);
        }
        CHECK_EQ_INT(w.changes, 1);
        char *s = render(&w);
        CHECK(strstr(s, "\"rows\":1,\"expected\":9,\"before_record\":null,"
                        "\"reason\":\"not_read\"") != NULL);
        free(s);
        /* The same finding again is not a change. */
        (void)judge(&w, true);
        CHECK_EQ_INT(w.changes, 1);
        /* A late row arrives: one less missing, then none. */
        rows(&w, GEN, 4, 4);
        f = judge(&w, true);
        CHECK(f == NULL);
        CHECK_EQ_INT(w.cleared, 1);
        world_free(&w);
}

/* A partition added to the topic later holds nothing of a generation judged
 * before: the finding stays (the rows are not back). */
static void test_partitions_added_later(void)
{
        struct world w;
        world_init(&w);
        resets(&w, GEN);
        rows(&w, GEN, 1, 3);
        completes(&w, GEN, 3, 5, 5);
        const struct topic_loss_finding *f = judge(&w, true);
        CHECK(f && f->rows == 2);
        partitions = 4;
        f          = judge(&w, true);
        CHECK(f && f->rows == 2);
        CHECK_EQ_INT(w.cleared, 0);
        partitions = 3;
        world_free(&w);
}

/* Still being read: a partition's snapshot-complete not read yet, or the
 * replay not caught up. Nothing is said. */
static void test_generation_still_being_read(void)
{
        struct world w;
        world_init(&w);
        resets(&w, GEN);
        rows(&w, GEN, 1, 5);
        completes(&w, GEN, 2, 10, 10); /* partition 2's copy not read */
        CHECK(judge(&w, true) == NULL);
        control(&w, WIRE_SNAPSHOT_COMPLETE, GEN, 2, 10, 10, true);
        CHECK(judge(&w, false) == NULL); /* replay not caught up */
        CHECK_EQ_INT(w.changes, 0);
        const struct topic_loss_finding *f = judge(&w, true);
        CHECK(f && f->rows_known && f->rows == 5);
        world_free(&w);
}

/* Retention deleted partition 1's oldest messages, the generation's reset
 * and snapshot-complete copies there among them: that partition counts as
 * read once caught up, and the reason names it. */
static void test_partition_start_deleted(void)
{
        struct world w;
        world_init(&w);
        w.log_start[1] = 1234;
        control(&w, WIRE_RESET, GEN, 0, 0, 0, true);
        control(&w, WIRE_RESET, GEN, 2, 0, 0, true);
        rows(&w, GEN, 1, 7);
        control(&w, WIRE_SNAPSHOT_COMPLETE, GEN, 0, 10, 10, true);
        control(&w, WIRE_SNAPSHOT_COMPLETE, GEN, 2, 10, 10, true);
        const struct topic_loss_finding *f = judge(&w, true);
        CHECK(f != NULL);
        if (f) {
                CHECK_EQ_INT(f->rows, 3);
                CHECK_EQ_INT(f->reason, TOPIC_LOSS_START_DELETED);
                CHECK_EQ_INT(f->partition, 1);
                CHECK_EQ_INT(f->log_start, 1234);
        }
        char *s = render(&w);
        CHECK(strstr(s, "\"reason\":\"topic_start_deleted\",\"partition\":1,"
                        "\"log_start\":1234,\"message\":") != NULL);
        CHECK(strstr(s, "3 of its 10 rows are missing") != NULL);
        free(s);
        world_free(&w);
}

/* A partition whose start was deleted but whose copy of a generation
 * written after the dashboard started is still on its way: not read. */
static void test_deleted_start_needs_a_generation_from_before(void)
{
        struct world w;
        world_init(&w);
        w.log_start[1] = 50;
        control(&w, WIRE_RESET, GEN, 0, 0, 0, false);
        control(&w, WIRE_RESET, GEN, 2, 0, 0, false);
        rows(&w, GEN, 1, 4);
        control(&w, WIRE_SNAPSHOT_COMPLETE, GEN, 0, 6, 6, false);
        control(&w, WIRE_SNAPSHOT_COMPLETE, GEN, 2, 6, 6, false);
        CHECK(judge(&w, true) == NULL);
        world_free(&w);
}

/* Rows read whose reset was read nowhere: the start is gone; how many rows
 * is not known, only the lowest record held. */
static void test_start_gone_without_snapshot_complete(void)
{
        struct world w;
        world_init(&w);
        w.log_start[0] = 10;
        rows(&w, GEN, 40, 45);
        CHECK(judge(&w, false) == NULL);
        const struct topic_loss_finding *f = judge(&w, true);
        CHECK(f != NULL);
        if (f) {
                CHECK(!f->rows_known);
                CHECK_EQ_INT(f->before, 40);
        }
        CHECK_EQ_INT(topic_loss_rows(w.t), 0);
        CHECK_EQ_INT(topic_loss_sources(w.t), 1);
        char *s = render(&w);
        CHECK(strstr(s, "\"rows\":null,\"expected\":null,\"before_record\":40,"
                        "\"reason\":\"topic_start_deleted\"") != NULL);
        free(s);
        world_free(&w);
}

/* A newer generation that lost rows can never replace the one shown: it is
 * reported as not shown; a complete newer one clears everything. */
static void test_newer_generation_that_cannot_complete(void)
{
        struct world w;
        world_init(&w);
        resets(&w, GEN);
        rows(&w, GEN, 1, 3);
        completes(&w, GEN, 3, 3, 3);
        resets(&w, GEN + 1);
        rows(&w, GEN + 1, 1, 2);
        completes(&w, GEN + 1, 3, 4, 4);
        const struct topic_loss_finding *f = judge(&w, true);
        CHECK(f && !f->shown && f->rows == 2 && f->generation == GEN + 1);
        resets(&w, GEN + 2);
        rows(&w, GEN + 2, 1, 1);
        completes(&w, GEN + 2, 3, 1, 1);
        CHECK(judge(&w, true) == NULL);
        CHECK_EQ_INT(w.cleared, 1);
        world_free(&w);
}

/* Messages of other writers (no csv headers: generation 0) never have a
 * reset; they are not a loss. */
static void test_other_writers(void)
{
        struct world w;
        world_init(&w);
        CHECK_EQ_INT(wire_decode_object(&obj, "{\"x\":1}", 7), WIRE_OK);
        struct aggregates_message m = {.kind       = WIRE_ROW,
                                       .source     = SRC,
                                       .generation = 0,
                                       .record     = 99,
                                       .row        = &obj};
        CHECK_EQ_INT(aggregates_apply(w.a, &m, 1000), AGGREGATES_APPLIED);
        CHECK(judge(&w, true) == NULL);
        world_free(&w);
}

int main(void)
{
        test_dead_letters_are_not_missing();
        test_missing_rows_counted_exactly();
        test_generation_still_being_read();
        test_partitions_added_later();
        test_partition_start_deleted();
        test_deleted_start_needs_a_generation_from_before();
        test_start_gone_without_snapshot_complete();
        test_newer_generation_that_cannot_complete();
        test_other_writers();
        return check_exit();
}
