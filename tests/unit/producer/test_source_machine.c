/* SPDX-License-Identifier: MIT */
/* source_machine: scripted event sequences, checked by the actions that
 * come out. Covers the defects of issue #11: a crash right after an
 * in-place regeneration, edits while stopped, in-place rewrites while
 * running, delete + grace, rewinds after failed deliveries, and no byte
 * of a generation produced before the state names it. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "source_machine.h"

#define T0 1764370000000ULL /* a wall clock, ms */

static const char *kind_name(enum sm_action_kind k)
{
        switch (k) {
        case SM_ACT_START_GENERATION:
                return "START_GENERATION";
        case SM_ACT_SEEK:
                return "SEEK";
        case SM_ACT_START_TAIL:
                return "START_TAIL";
        case SM_ACT_HASH_PREFIX:
                return "HASH_PREFIX";
        case SM_ACT_RESUME:
                return "RESUME";
        case SM_ACT_ARM_DELETE_TIMER:
                return "ARM_DELETE";
        case SM_ACT_CANCEL_DELETE_TIMER:
                return "CANCEL_DELETE";
        case SM_ACT_ARM_SETTLE_TIMER:
                return "ARM_SETTLE";
        case SM_ACT_CHECK_EOF:
                return "CHECK_EOF";
        case SM_ACT_SAVE:
                return "SAVE";
        case SM_ACT_PAUSE_TAIL:
                return "PAUSE";
        case SM_ACT_RESUME_TAIL:
                return "RESUME_TAIL";
        case SM_ACT_SEND_RESET:
                return "SEND_RESET";
        case SM_ACT_SEND_SNAPSHOT:
                return "SEND_SNAPSHOT";
        case SM_ACT_REWIND:
                return "REWIND";
        case SM_ACT_FINISH_AT_EOF:
                return "FINISH";
        case SM_ACT_HOLD:
                return "HOLD";
        }
        return "?";
}

static struct sm_action last[SOURCE_MACHINE_QUEUE];

/* Drains the machine's actions into a script: "NAME(arg) NAME ...". */
static const char *acts(struct source_machine *m)
{
        static char out[1024];
        struct sm_action a;
        size_t n = 0, i = 0;

        out[0] = '\0';
        while (source_machine_next_action(m, &a)) {
                char arg[64] = "";
                last[i++]    = a;
                switch (a.kind) {
                case SM_ACT_START_GENERATION:
                        snprintf(arg, sizeof(arg), "(%s%s)", a.reason,
                                 a.deleted ? ",deleted" : "");
                        break;
                case SM_ACT_SEEK:
                        snprintf(arg, sizeof(arg), "(%llu)",
                                 (unsigned long long)a.offset);
                        break;
                case SM_ACT_HOLD:
                        snprintf(arg, sizeof(arg), "(%llu)",
                                 (unsigned long long)a.offset);
                        break;
                case SM_ACT_PAUSE_TAIL:
                        snprintf(arg, sizeof(arg), "(%s)", a.reason);
                        break;
                case SM_ACT_CHECK_EOF:
                        snprintf(arg, sizeof(arg), "(%s)",
                                 a.use_tail_offset ? "tail" : "0");
                        break;
                case SM_ACT_RESUME:
                        snprintf(arg, sizeof(arg), "(%s%llu)",
                                 a.prime ? "prime," : "",
                                 (unsigned long long)a.offset);
                        break;
                case SM_ACT_HASH_PREFIX:
                        snprintf(arg, sizeof(arg), "(%llu..%llu)",
                                 (unsigned long long)a.fold_len,
                                 (unsigned long long)a.len);
                        break;
                case SM_ACT_REWIND:
                        snprintf(arg, sizeof(arg), "(%s,%llu)",
                                 a.mode == SM_REWIND_AT_OFFSET   ? "offset"
                                 : a.mode == SM_REWIND_ZERO_KEEP ? "zero_keep"
                                                                 : "new_read",
                                 (unsigned long long)a.pos.offset);
                        break;
                default:
                        break;
                }
                n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s%s",
                                      n ? " " : "", kind_name(a.kind), arg);
        }
        return out;
}

static struct source_machine *make(bool exit_at_eof)
{
        struct source_machine_config cfg = {
            .exit_at_eof          = exit_at_eof,
            .max_pending_messages = 4,
            .max_pending_bytes    = 1 << 20,
            .tracker_capacity     = 64,
        };
        return source_machine_create(&cfg);
}

/* Saves the state as the shell would: started with fp_len, then done. */
static void save(struct source_machine *m, uint64_t fp_len)
{
        source_machine_on_save_started(m, fp_len);
        source_machine_on_saved(m, true);
}

static uint64_t track(struct source_machine *m, enum ack_kind kind,
                      uint64_t end, uint64_t record, bool is_last)
{
        struct ack_pos pos = {
            .kind        = kind,
            .offset      = end,
            .line        = record + 1,
            .next_record = record + 1,
            .row_count   = record,
            .bytes       = 10,
            .is_last     = is_last,
        };
        uint64_t seq = 0;

        CHECK_EQ_INT(source_machine_track(m, &pos, &seq), 0);
        return seq;
}

static void deliver(struct source_machine *m, uint64_t seq, bool ok)
{
        bool first;

        (void)source_machine_on_delivery(m, seq, ok, ok ? NULL : "broker down",
                                         &first);
}

/* A state file as the shell loads it, of a file with this stat. */
static void state_of(struct checkpoint *ck, uint64_t gen,
                     const struct file_stat *st, uint64_t fp_len,
                     uint64_t fp_hash)
{
        checkpoint_init(ck);
        snprintf(ck->source, sizeof(ck->source), "/data/in.csv");
        ck->generation  = gen;
        ck->offset      = 40;
        ck->line        = 4;
        ck->next_record = 3;
        ck->row_count   = 2;
        ck->reset_done  = true;
        ck->dev         = st->dev;
        ck->ino         = st->ino;
        ck->size        = st->size;
        ck->mtime_ns    = st->mtime_ns;
        ck->ctime_ns    = st->ctime_ns;
        ck->head_len    = 10;
        ck->fp_len      = fp_len;
        ck->fp_hash     = fp_hash;
}

static const struct file_stat STAT = {
    .dev = 1, .ino = 77, .size = 100, .mtime_ns = 5000, .ctime_ns = 5000};

/* A fresh start: the generation is saved before any byte of it is parsed
 * or any message of it produced; then header → reset, rows, end of file
 * → snapshot; the checkpoint follows the acknowledgements. */
static void test_fresh_start(void)
{
        struct source_machine *m = make(true);
        uint64_t reset, row1, row2, snap;

        source_machine_on_start(m, NULL, true, &STAT, T0);
        CHECK_EQ_STR(acts(m), "START_GENERATION(start) SEEK(0) START_TAIL");
        CHECK_EQ_INT(source_machine_generation(m), T0);
        CHECK(!source_machine_can_save(m) == false);

        /* Durable before anything of it is produced. */
        CHECK(!source_machine_on_data(m, 0, 30));
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(0) SAVE");
        CHECK_EQ_INT(last[2].deleted, 0);
        source_machine_on_save_started(m, 30);
        CHECK(!source_machine_on_data(m, 0, 30)); /* still not durable */
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(0)");
        source_machine_on_saved(m, true);
        CHECK_EQ_STR(acts(m), "SAVE"); /* the wanted 2nd save */
        save(m, 30);
        CHECK_EQ_STR(acts(m), "RESUME_TAIL");

        CHECK(source_machine_on_data(m, 0, 30));
        CHECK(source_machine_on_header(m, false)); /* send the reset */
        reset = track(m, ACK_RESET, 0, 0, true);
        source_machine_on_control_sent(m, false);
        CHECK(!source_machine_on_header(m, false)); /* only once */
        row1 = track(m, ACK_ROW, 20, 1, false);
        row2 = track(m, ACK_ROW, 30, 2, false);
        source_machine_after_chunk(m);
        CHECK_EQ_STR(acts(m), "");

        /* Beyond the saved fingerprint: wait for the state again. */
        CHECK(!source_machine_on_data(m, 30, 10));
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(30) SAVE");
        CHECK_EQ_INT(last[1].len, 10); /* the chunk kept for the resume */
        save(m, 40);
        CHECK_EQ_STR(acts(m), "RESUME_TAIL");
        CHECK(source_machine_on_data(m, 30, 0));

        source_machine_on_eof(m, 30);
        CHECK_EQ_STR(acts(m), "SEND_SNAPSHOT");
        snap = track(m, ACK_SNAPSHOT, 30, 3, true);
        source_machine_on_control_sent(m, true);
        CHECK_EQ_STR(acts(m), "");

        deliver(m, row1, true); /* out of order: held behind the reset */
        CHECK_EQ_INT(source_machine_position(m)->offset, 0);
        CHECK(!source_machine_position(m)->reset_done);
        deliver(m, reset, true);
        CHECK_EQ_INT(source_machine_position(m)->offset, 20);
        CHECK(source_machine_position(m)->reset_done);
        deliver(m, row2, true);
        CHECK_EQ_STR(acts(m), "");
        deliver(m, snap, true); /* all acknowledged: --exit-at-eof ends */
        CHECK_EQ_STR(acts(m), "FINISH");
        CHECK(source_machine_position(m)->snapshot_done);
        CHECK_EQ_INT(source_machine_position(m)->offset, 30);
        CHECK(source_machine_stopping(m));
        source_machine_destroy(m);
}

/* A generation of an empty file: a moment to settle, then the state, then
 * the markers. */
static void test_empty_file(void)
{
        struct source_machine *m = make(false);

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        source_machine_on_eof(m, 0);
        CHECK_EQ_STR(acts(m), "ARM_SETTLE");
        source_machine_on_eof(m, 0);
        CHECK_EQ_STR(acts(m), ""); /* armed once */
        source_machine_on_settle(m, 0);
        CHECK_EQ_STR(acts(m), "CHECK_EOF(0)");
        source_machine_on_eof(m, 0);
        CHECK_EQ_STR(acts(m), "SAVE"); /* the markers wait for the state */
        save(m, 0);
        CHECK_EQ_STR(acts(m), "CHECK_EOF(tail)");
        source_machine_on_eof(m, 0);
        CHECK_EQ_STR(acts(m), "SEND_RESET SEND_SNAPSHOT");
        source_machine_destroy(m);
}

/* Defect 1: a crash right after an in-place regeneration. The new
 * generation is started; until its state is durable nothing of it goes
 * out, so a crash before the save resumes the old one with nothing of the
 * new on the topic, and a crash after the save resumes the new one. */
static void test_crash_after_regeneration(void)
{
        struct source_machine *m = make(false);
        struct checkpoint ck;
        uint64_t g1, g2;

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        g1 = source_machine_generation(m);
        save(m, 100);
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(source_machine_on_header(m, false));
        source_machine_on_control_sent(m, false);

        /* Truncated and rewritten with the same leading rows. */
        source_machine_on_file_changed(m, false, "truncated", T0 + 5);
        CHECK_EQ_STR(acts(m), "CANCEL_DELETE START_GENERATION(truncated)");
        g2 = source_machine_generation(m);
        CHECK(g2 > g1);
        CHECK(!source_machine_on_data(m, 0, 100)); /* not durable yet */
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(0) SAVE");
        CHECK_EQ_INT(last[2].gen, g2);
        source_machine_on_eof(m, 100);
        CHECK_EQ_STR(acts(m), ""); /* nor its markers */
        source_machine_destroy(m); /* SIGKILL before the save */

        /* The restart finds g1's state: the prefix is hashed; here the
         * content differs from what g1 sent, so a generation newer than
         * both starts. */
        m = make(false);
        state_of(&ck, g1, &STAT, 100, 0xabc);
        source_machine_on_start(m, &ck, true, &STAT, T0 + 1);
        CHECK_EQ_STR(acts(m), "HASH_PREFIX(0..100)");
        source_machine_on_prefix_hashed(m, 0, 0xdef, T0 + 1);
        CHECK_EQ_STR(acts(m), "START_GENERATION(changed_while_stopped) SEEK(0) "
                              "START_TAIL");
        CHECK(source_machine_generation(m) > g1);
        source_machine_destroy(m);

        /* Killed after the save: the state names g2, which resumes (the
         * dashboard holds g2 and drops nothing of it as stale). */
        m = make(false);
        state_of(&ck, g2, &STAT, 100, 0xabc);
        source_machine_on_start(m, &ck, true, &STAT, T0 + 6);
        CHECK_EQ_STR(acts(m), "HASH_PREFIX(0..100)");
        source_machine_on_prefix_hashed(m, 0, 0xabc, T0 + 6);
        CHECK_EQ_STR(acts(m), "RESUME(prime,40)");
        CHECK_EQ_INT(last[0].gen, g2);
        CHECK_EQ_INT(last[0].pos.next_record, 3);
        source_machine_on_resumed(m, true, T0 + 6);
        CHECK_EQ_STR(acts(m), "START_TAIL");
        CHECK_EQ_INT(source_machine_generation(m), g2);
        /* Resumed state is durable: bytes it covers go out at once. */
        CHECK(source_machine_on_data(m, 40, 60));
        CHECK(!source_machine_on_header(m, false)); /* reset is stored */
        source_machine_destroy(m);
}

/* Defect 2: edits while stopped that leave inode and size alone (two
 * same-length `sed -i`): the times differ, so the whole prefix is hashed
 * and the content decides. A replaced file starts anew without a hash. */
static void test_edits_while_stopped(void)
{
        struct source_machine *m = make(false);
        struct checkpoint ck;
        struct file_stat now = STAT;

        state_of(&ck, T0, &STAT, 100, 0x1234);
        now.mtime_ns += 1000;
        now.ctime_ns += 1000;
        source_machine_on_start(m, &ck, true, &now, T0 + 100);
        CHECK_EQ_STR(acts(m), "HASH_PREFIX(0..100)");
        CHECK(source_machine_starting(m));
        /* A change seen while the check runs waits for its outcome. */
        source_machine_on_file_changed(m, false, "overwritten", T0 + 101);
        CHECK_EQ_STR(acts(m), "CANCEL_DELETE");
        source_machine_on_prefix_hashed(m, 0, 0x9999, T0 + 102);
        CHECK_EQ_STR(acts(m), "START_GENERATION(changed_while_stopped) SEEK(0) "
                              "START_TAIL");
        CHECK_EQ_INT(source_machine_generation(m), T0 + 102);
        CHECK(!source_machine_starting(m));
        source_machine_destroy(m);

        /* Same stat: only the last block is hashed again. */
        m = make(false);
        state_of(&ck, T0, &STAT, 100, 0x1234);
        source_machine_on_start(m, &ck, true, &STAT, T0 + 100);
        CHECK_EQ_STR(acts(m), "HASH_PREFIX(0..100)");
        source_machine_destroy(m);

        /* Another inode: a new generation, no hash. */
        m   = make(false);
        now = STAT;
        now.ino++;
        source_machine_on_start(m, &ck, true, &now, T0 + 100);
        CHECK_EQ_STR(acts(m), "START_GENERATION(changed_while_stopped) SEEK(0) "
                              "START_TAIL");
        source_machine_destroy(m);

        /* Shorter than what was sent: likewise. */
        m        = make(false);
        now      = STAT;
        now.size = 50;
        source_machine_on_start(m, &ck, true, &now, T0 + 100);
        CHECK_EQ_STR(acts(m), "START_GENERATION(changed_while_stopped) SEEK(0) "
                              "START_TAIL");
        source_machine_destroy(m);

        /* The header cannot be read again: a new generation. */
        m = make(false);
        source_machine_on_start(m, &ck, true, &STAT, T0 + 100);
        (void)acts(m);
        source_machine_on_prefix_hashed(m, 0, 0x1234, T0 + 100);
        CHECK_EQ_STR(acts(m), "RESUME(prime,40)");
        source_machine_on_resumed(m, false, T0 + 100);
        CHECK_EQ_STR(acts(m), "START_GENERATION(changed_while_stopped) SEEK(0) "
                              "START_TAIL");
        CHECK(source_machine_generation(m) > T0);
        /* ... which is not durable: the gate holds. */
        CHECK(!source_machine_on_data(m, 0, 10));
        source_machine_destroy(m);
}

/* Defect 3: an in-place rewrite while running (the tail's fingerprint
 * check reports it): a new generation read from 0, with its own reset,
 * held until the state names it. */
static void test_rewrite_while_running(void)
{
        struct source_machine *m = make(false);
        uint64_t g1, seq;

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        g1 = source_machine_generation(m);
        save(m, 100);
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(source_machine_on_header(m, false));
        seq = track(m, ACK_RESET, 0, 0, true);
        source_machine_on_control_sent(m, false);
        deliver(m, seq, true);

        source_machine_on_file_changed(m, false, "overwritten",
                                       g1); /* same ms */
        CHECK_EQ_STR(acts(m), "CANCEL_DELETE START_GENERATION(overwritten)");
        CHECK_EQ_INT(source_machine_generation(m), g1 + 1);
        CHECK(!source_machine_on_data(m, 0, 100));
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(0) SAVE");
        save(m, 100);
        CHECK_EQ_STR(acts(m), "RESUME_TAIL");
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(source_machine_on_header(m, false)); /* its own reset */
        source_machine_on_control_sent(m, false);

        /* A last line sent without its newline got more bytes. */
        source_machine_on_line_grew(m, g1 + 1);
        CHECK_EQ_STR(acts(m), "START_GENERATION(line_grew) SEEK(0)");
        CHECK_EQ_INT(source_machine_generation(m), g1 + 2);
        CHECK(!source_machine_on_data(m, 0, 100));
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(0) SAVE");
        source_machine_destroy(m);
}

/* Delete + grace: back within the grace time is nothing; gone for good is
 * an empty generation (reason deleted), saved before its markers. */
static void test_delete_and_grace(void)
{
        struct source_machine *m = make(false);
        struct checkpoint ck;

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        save(m, 100);
        source_machine_on_file_changed(m, true, "deleted", T0 + 1);
        CHECK_EQ_STR(acts(m), "ARM_DELETE");
        source_machine_on_delete_grace(m, true, T0 + 2); /* came back */
        CHECK_EQ_STR(acts(m), "");
        source_machine_on_file_changed(m, true, "deleted", T0 + 3);
        CHECK_EQ_STR(acts(m), "ARM_DELETE");
        source_machine_on_file_changed(m, false, "created", T0 + 4);
        CHECK_EQ_STR(acts(m), "CANCEL_DELETE START_GENERATION(created)");

        source_machine_on_file_changed(m, true, "deleted", T0 + 5);
        CHECK_EQ_STR(acts(m), "ARM_DELETE");
        source_machine_on_delete_grace(m, false, T0 + 10);
        CHECK_EQ_STR(acts(m), "START_GENERATION(deleted,deleted) CHECK_EOF(0)");
        CHECK(source_machine_deleted(m));
        source_machine_on_eof(m, 0);
        CHECK_EQ_STR(acts(m), "SAVE");
        CHECK_EQ_INT(last[0].deleted, 1);
        save(m, 0);
        CHECK_EQ_STR(acts(m), "CHECK_EOF(tail)");
        source_machine_on_eof(m, 0);
        CHECK_EQ_STR(acts(m), "SEND_RESET SEND_SNAPSHOT");
        /* Deleted again while deleted: no second empty generation. */
        source_machine_on_file_changed(m, true, "deleted", T0 + 11);
        CHECK_EQ_STR(acts(m), "");
        source_machine_destroy(m);

        /* A restart whose file is gone: the grace time, then empty. */
        m = make(false);
        state_of(&ck, T0, &STAT, 100, 1);
        source_machine_on_start(m, &ck, false, NULL, T0 + 20);
        CHECK_EQ_STR(acts(m), "ARM_DELETE START_TAIL");
        source_machine_on_delete_grace(m, false, T0 + 30);
        CHECK_EQ_STR(acts(m), "START_GENERATION(deleted,deleted) CHECK_EOF(0)");
        source_machine_destroy(m);

        /* Already mirrored as deleted: nothing to do, and durable. */
        m          = make(false);
        ck.deleted = true;
        ck.fp_len  = 0;
        source_machine_on_start(m, &ck, false, NULL, T0 + 20);
        CHECK_EQ_STR(acts(m), "START_TAIL");
        CHECK(source_machine_deleted(m));
        /* It comes back: a new generation, reason created. */
        source_machine_on_file_changed(m, false, "created", T0 + 40);
        CHECK_EQ_STR(acts(m), "CANCEL_DELETE START_GENERATION(created)");
        CHECK(!source_machine_deleted(m));
        source_machine_destroy(m);

        /* A state of a deleted file whose file is back: new generation. */
        m = make(false);
        source_machine_on_start(m, &ck, true, &STAT, T0 + 50);
        CHECK_EQ_STR(acts(m), "START_GENERATION(created) SEEK(0) START_TAIL");
        source_machine_destroy(m);
}

/* Delivery failures: one rewind once nothing is in flight, back to the
 * acknowledged position (the offset, or 0 when the reset is not stored). */
static void test_delivery_failure_rewind(void)
{
        struct source_machine *m = make(false);
        uint64_t reset, r1, r2, r3;
        bool first;

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        save(m, 100);
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(source_machine_on_header(m, false));
        reset = track(m, ACK_RESET, 0, 0, true);
        source_machine_on_control_sent(m, false);
        r1 = track(m, ACK_ROW, 20, 1, false);
        r2 = track(m, ACK_ROW, 30, 2, false);
        r3 = track(m, ACK_ROW, 40, 3, false);
        deliver(m, reset, true);
        deliver(m, r1, true);
        (void)source_machine_on_delivery(m, r2, false, "timed out", &first);
        CHECK(first);
        CHECK_EQ_STR(acts(m), "PAUSE(rewind)");
        CHECK_EQ_INT(last[0].first, 1);
        CHECK(source_machine_rewind_pending(m));
        CHECK(!source_machine_reading(m));
        CHECK(!source_machine_on_data(m, 40, 10)); /* dropped meanwhile */
        (void)source_machine_on_delivery(m, r3, true, NULL, &first);
        CHECK(!first);
        CHECK_EQ_STR(acts(m), "REWIND(offset,20)");
        CHECK_EQ_INT(last[0].pos.next_record, 2);
        CHECK_EQ_INT(last[0].failed, 1);
        CHECK(source_machine_reading(m));
        CHECK_EQ_INT(ack_tracker_count(source_machine_acks(m)), 0);

        /* Again, before anything past the reset was acknowledged, in a
         * later generation: from 0, with a new reset. */
        source_machine_on_file_changed(m, false, "truncated", T0 + 1);
        (void)acts(m);
        save(m, 100);
        (void)acts(m);
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(source_machine_on_header(m, false));
        reset = track(m, ACK_RESET, 0, 0, true);
        source_machine_on_control_sent(m, false);
        deliver(m, reset, false);
        CHECK_EQ_STR(acts(m), "PAUSE(rewind) REWIND(new_read,20)");
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(source_machine_on_header(m, false)); /* the reset again */

        /* A failed produce of the reset drops the queued snapshot: the
         * end of the file queues both markers; the reset's first copy
         * goes out, its second fails. */
        source_machine_on_eof(m, 100);
        {
                struct sm_action a;
                CHECK(source_machine_next_action(m, &a));
                CHECK_EQ_INT(a.kind, SM_ACT_SEND_RESET);
        }
        reset = track(m, ACK_RESET, 0, 0, false);
        r1    = track(m, ACK_RESET, 0, 0, true);
        source_machine_on_produce_failed(m, true, r1, "queue full");
        CHECK_EQ_STR(acts(m), "PAUSE(rewind)");
        deliver(m, reset, true);
        CHECK_EQ_STR(acts(m), "REWIND(new_read,20)");
        source_machine_destroy(m);
}

/* Back-pressure: pause at the bound, resume at half of it. */
static void test_backpressure(void)
{
        struct source_machine *m = make(false);
        uint64_t seq[4];

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        save(m, 100);
        CHECK(source_machine_on_data(m, 0, 100));
        for (int i = 0; i < 4; i++) {
                seq[i] = track(m, ACK_ROW, (uint64_t)(i + 1) * 10,
                               (uint64_t)i + 1, false);
        }
        source_machine_after_chunk(m);
        CHECK_EQ_STR(acts(m), "PAUSE(backpressure)");
        CHECK_EQ_INT(last[0].first, 1);
        deliver(m, seq[0], true);
        CHECK_EQ_STR(acts(m), "");
        deliver(m, seq[1], true);
        CHECK_EQ_STR(acts(m), "RESUME_TAIL");
        source_machine_destroy(m);
}

/* The checkpoint timer saves what changed, one save at a time; a failed
 * save is retried at the next tick. */
static void test_checkpoint_timer(void)
{
        struct source_machine *m = make(false);
        uint64_t seq;

        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), ""); /* no generation yet */
        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        save(m, 100);
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), ""); /* nothing changed */
        CHECK(source_machine_on_data(m, 0, 100));
        seq = track(m, ACK_ROW, 10, 1, false);
        deliver(m, seq, true);
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), "SAVE");
        source_machine_on_save_started(m, 100);
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), "");
        source_machine_on_saved(m, false);
        CHECK_EQ_STR(acts(m), "");
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), "SAVE");
        source_machine_stop(m);
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), "");
        source_machine_destroy(m);
}

/* A resume whose acknowledged position is the generation's start reads
 * it from 0 again (no header priming) with the reset as stored. */
static void test_resume_from_start(void)
{
        struct source_machine *m = make(false);
        struct checkpoint ck;

        state_of(&ck, T0, &STAT, 100, 7);
        ck.offset = 0;
        source_machine_on_start(m, &ck, true, &STAT, T0 + 9);
        (void)acts(m);
        source_machine_on_prefix_hashed(m, 0, 7, T0 + 9);
        CHECK_EQ_STR(acts(m), "RESUME(0)");
        CHECK_EQ_INT(last[0].pos.next_record, 1);
        source_machine_on_resumed(m, true, T0 + 9);
        CHECK_EQ_STR(acts(m), "START_TAIL");
        CHECK(source_machine_on_data(m, 0, 100));
        CHECK(!source_machine_on_header(m, false));
        CHECK(source_machine_position(m)->reset_done);
        CHECK_EQ_INT(source_machine_position(m)->generation, T0);
        source_machine_destroy(m);
}

/* A save the gate waits for asks the shell to fingerprint bytes ahead of
 * the chunk (one save for many chunks of a backlog); a save of the timer
 * does not, and the request is not carried over to it. */
static void test_gate_save_hashes_ahead(void)
{
        struct source_machine *m = make(false);

        source_machine_on_start(m, NULL, true, &STAT, T0);
        (void)acts(m);
        CHECK(!source_machine_on_data(m, 0, 30));
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(0) SAVE");
        CHECK(last[2].ahead);
        /* The shell hashed 1000 bytes ahead before saving: the chunks up
         * to there pass without another save. */
        save(m, 1000);
        CHECK_EQ_STR(acts(m), "RESUME_TAIL");
        CHECK(source_machine_on_data(m, 0, 400));
        CHECK(source_machine_on_data(m, 400, 600));
        CHECK_EQ_STR(acts(m), "");
        deliver(m, track(m, ACK_ROW, 20, 1, false), true);
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), "SAVE");
        CHECK(!last[0].ahead);
        source_machine_on_save_started(m, 1000);
        /* Past it while a save runs: the next save is the gate's. */
        CHECK(!source_machine_on_data(m, 1000, 10));
        CHECK_EQ_STR(acts(m), "PAUSE(gate) HOLD(1000)");
        source_machine_on_saved(m, true);
        CHECK_EQ_STR(acts(m), "SAVE");
        CHECK(last[0].ahead);
        save(m, 1010);
        CHECK_EQ_STR(acts(m), "RESUME_TAIL");
        source_machine_on_tick(m);
        CHECK_EQ_STR(acts(m), "");
        source_machine_destroy(m);
}

int main(void)
{
        test_fresh_start();
        test_empty_file();
        test_crash_after_regeneration();
        test_edits_while_stopped();
        test_rewrite_while_running();
        test_delete_and_grace();
        test_delivery_failure_rewind();
        test_backpressure();
        test_checkpoint_timer();
        test_gate_save_hashes_ahead();
        test_resume_from_start();
        return check_exit();
}
