/* SPDX-License-Identifier: MIT */
/* checkpoint: encode → decode gives the same checkpoint; damaged files are
 * refused; of a state file's two slots the newer whole copy counts, a torn
 * or damaged one never. */
#include <string.h>

#include "check.h"
#include "checkpoint.h"
#include "typing.h"

/* The widest header typing takes, every column a decimal-comma number: its
 * type list fits the state file and comes back whole (8,192 bytes held only
 * ~580 such columns: a restart re-typed the rest, "2,5" sent as text). */
static void test_widest_types(void)
{
        static char names[TYPING_MAX_COLUMNS][8];
        static struct row_field h[TYPING_MAX_COLUMNS], f[TYPING_MAX_COLUMNS];
        static struct checkpoint a, b;
        static char buf[sizeof(struct checkpoint) + 1024];
        struct typing *t = typing_create();
        struct typing *u = typing_create();
        char err[128];
        int n;

        for (size_t i = 0; i < TYPING_MAX_COLUMNS; i++) {
                snprintf(names[i], sizeof(names[i]), "c%zu", i);
                h[i].ptr = names[i];
                h[i].len = strlen(names[i]);
                f[i].ptr = "1.234,5";
                f[i].len = strlen(f[i].ptr);
        }
        CHECK_EQ_INT(typing_set_header(t, h, TYPING_MAX_COLUMNS), 0);
        CHECK_EQ_INT(typing_set_header(u, h, TYPING_MAX_COLUMNS), 0);
        typing_observe(t, f, TYPING_MAX_COLUMNS);
        typing_infer(t);
        checkpoint_init(&a);
        CHECK_EQ_INT(typing_encode_types(t, a.types, sizeof(a.types)), 0);
        n = checkpoint_encode(&a, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ_INT(checkpoint_decode(&b, buf, (size_t)n, err, sizeof(err)),
                     0);
        CHECK_EQ_STR(b.types, a.types);
        CHECK_EQ_INT(typing_decode_types(u, b.types), 0);
        CHECK(typing_column_comma(u, TYPING_MAX_COLUMNS - 1));
        CHECK_EQ_INT(typing_column_type(u, TYPING_MAX_COLUMNS - 1),
                     VALUE_DECIMAL);
        typing_destroy(t);
        typing_destroy(u);
}

/* A state file of two slots, a's text sealed with seq sa in slot 0 and
 * b's with seq sb in slot 1 (0: that slot never written). */
#define SLOT CHECKPOINT_SLOT_MIN
static char slots_file[2 * SLOT];

static void put_slot(int i, const char *text, uint64_t seq)
{
        char *slot = slots_file + (size_t)i * SLOT;

        if (seq == 0) {
                memset(slot, 0, SLOT);
                return;
        }
        memcpy(slot + CHECKPOINT_SLOT_HEADER, text, strlen(text));
        CHECK_EQ_INT(checkpoint_slot_seal(slot, strlen(text), seq),
                     CHECKPOINT_SLOT_HEADER + strlen(text));
}

static const char *pick(size_t len, int *slot)
{
        static char out[256];
        const char *text;
        size_t n;
        uint64_t seq;

        if (checkpoint_slots_pick(slots_file, len, &text, &n, &seq, slot) !=
            0) {
                return NULL;
        }
        CHECK(n < sizeof(out));
        memcpy(out, text, n);
        out[n] = '\0';
        return out;
}

static void test_slots(void)
{
        const char *older = "csv-producer-state 2\noffset=10\n";
        const char *newer = "csv-producer-state 2\noffset=20\n";
        size_t whole      = sizeof(slots_file);
        int slot;

        /* The newer sequence wins, in either slot. */
        put_slot(0, older, 7);
        put_slot(1, newer, 8);
        CHECK_EQ_STR(pick(whole, &slot), newer);
        CHECK_EQ_INT(slot, 1);
        put_slot(0, newer, 9);
        put_slot(1, older, 8);
        CHECK_EQ_STR(pick(whole, &slot), newer);
        CHECK_EQ_INT(slot, 0);

        /* A fresh file: slot 1 never written. */
        put_slot(0, older, 1);
        put_slot(1, NULL, 0);
        CHECK_EQ_STR(pick(whole, &slot), older);
        CHECK_EQ_INT(slot, 0);

        /* The newer copy torn by a crash (its last bytes not written) or
         * damaged: the older one counts. */
        put_slot(0, older, 3);
        put_slot(1, newer, 4);
        slots_file[SLOT + CHECKPOINT_SLOT_HEADER + 25] = 'X';
        CHECK_EQ_STR(pick(whole, &slot), older);
        CHECK_EQ_INT(slot, 0);
        put_slot(1, newer, 4);
        slots_file[SLOT + 20] ^= 1; /* in the sequence */
        CHECK_EQ_STR(pick(whole, &slot), older);

        /* Neither whole: refused, not half-used. */
        put_slot(0, older, 3);
        put_slot(1, newer, 4);
        slots_file[CHECKPOINT_SLOT_HEADER + 2] ^= 1;
        slots_file[SLOT + CHECKPOINT_SLOT_HEADER + 2] ^= 1;
        CHECK(pick(whole, &slot) == NULL);

        /* A state file of plain text (written before slots) is one copy. */
        {
                const char *text;
                size_t n;
                uint64_t seq;

                CHECK_EQ_INT(checkpoint_slots_pick(older, strlen(older), &text,
                                                   &n, &seq, &slot),
                             0);
                CHECK_EQ_INT(slot, -1);
                CHECK_EQ_INT(n, strlen(older));
        }

        /* A text longer than a slot is not sealed. */
        CHECK_EQ_INT(checkpoint_slot_seal(
                         slots_file,
                         CHECKPOINT_SLOT_MAX - CHECKPOINT_SLOT_HEADER + 1, 1),
                     0);
}

/* A text longer than the smallest slot (many wide columns) lives in a
 * file of larger slots: the slots are half the file, whatever its size. */
static void test_large_slots(void)
{
        static char file[2 * 3 * CHECKPOINT_SLOT_MIN];
        static char text[2 * CHECKPOINT_SLOT_MIN];
        size_t size = sizeof(file) / 2;
        const char *got;
        size_t n;
        uint64_t seq;
        int slot;

        memset(text, 'x', sizeof(text) - 1);
        memcpy(text, "csv-producer-state 2\n", 21);
        memset(file, 0, sizeof(file));
        memcpy(file + CHECKPOINT_SLOT_HEADER, text, strlen(text));
        CHECK(checkpoint_slot_seal(file, strlen(text), 5) > 0);
        memcpy(file + size + CHECKPOINT_SLOT_HEADER, text, strlen(text));
        CHECK(checkpoint_slot_seal(file + size, strlen(text), 6) > 0);
        CHECK_EQ_INT(
            checkpoint_slots_pick(file, sizeof(file), &got, &n, &seq, &slot),
            0);
        CHECK_EQ_INT(slot, 1);
        CHECK_EQ_INT(seq, 6);
        CHECK_EQ_INT(n, strlen(text));
        CHECK(got == file + size + CHECKPOINT_SLOT_HEADER);
}

int main(void)
{
        struct checkpoint a, b;
        char buf[16384], err[128];
        int n;

        checkpoint_init(&a);
        snprintf(a.source, sizeof(a.source), "data/input.csv");
        snprintf(a.topic, sizeof(a.topic), "csv-data");
        a.generation    = 1764370000000ULL;
        a.offset        = 412;
        a.line          = 13;
        a.next_record   = 12;
        a.row_count     = 11;
        a.reset_done    = true;
        a.snapshot_done = false;
        a.dev           = 2049;
        a.ino           = 123456789;
        a.deleted       = false;
        a.size          = 9000;
        a.mtime_ns      = 1764370000123456789ULL;
        a.ctime_ns      = 1764370000223456789ULL;
        a.racy          = true;
        a.head_len      = 25;
        a.fp_len        = 4096;
        a.fp_hash       = 0xfedcba9876543210ULL;
        a.fp_fold_len   = 0;
        a.fp_fold       = 0x0123456789abcdefULL;
        a.reading       = 0x00000000deadbeefULL;
        snprintf(a.types, sizeof(a.types), "integer,text");

        n = checkpoint_encode(&a, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ_INT(checkpoint_decode(&b, buf, (size_t)n, err, sizeof(err)),
                     0);
        CHECK_EQ_STR(b.source, a.source);
        CHECK_EQ_STR(b.topic, a.topic);
        CHECK_EQ_INT(b.generation, a.generation);
        CHECK_EQ_INT(b.offset, a.offset);
        CHECK_EQ_INT(b.line, a.line);
        CHECK_EQ_INT(b.next_record, a.next_record);
        CHECK_EQ_INT(b.row_count, a.row_count);
        CHECK_EQ_INT(b.reset_done, 1);
        CHECK_EQ_INT(b.snapshot_done, 0);
        CHECK_EQ_INT(b.ino, a.ino);
        CHECK_EQ_INT(b.size, a.size);
        CHECK(b.mtime_ns == a.mtime_ns);
        CHECK(b.ctime_ns == a.ctime_ns);
        CHECK_EQ_INT(b.racy, 1);
        CHECK_EQ_INT(b.deleted, 0);
        CHECK_EQ_INT(b.head_len, a.head_len);
        CHECK_EQ_INT(b.fp_len, a.fp_len);
        CHECK(b.fp_hash == a.fp_hash);
        CHECK(b.fp_fold == a.fp_fold);
        CHECK(b.reading == a.reading);
        CHECK_EQ_STR(b.types, a.types);

        /* A state written before the topic was recorded has none: "". */
        {
                char old[16384];
                const char *t = strstr(buf, "topic=csv-data\n");
                CHECK(t != NULL);
                size_t head = (size_t)(t - buf);
                size_t cut  = strlen("topic=csv-data\n");
                memcpy(old, buf, head);
                memcpy(old + head, t + cut, (size_t)n - head - cut);
                CHECK_EQ_INT(checkpoint_decode(&b, old, (size_t)n - cut, err,
                                               sizeof(err)),
                             0);
                CHECK_EQ_STR(b.topic, "");
                CHECK_EQ_STR(b.source, a.source);
        }

        CHECK_EQ_INT(checkpoint_encode(&a, buf, 10), -1);
        CHECK_EQ_INT(checkpoint_decode(&b, "garbage\n", 8, err, sizeof(err)),
                     -1);
        /* A torn file (only the first lines) is refused, not half-used. */
        CHECK_EQ_INT(checkpoint_decode(&b, buf, 60, err, sizeof(err)), -1);
        CHECK_EQ_INT(
            checkpoint_decode(&b, buf, (size_t)n - 12, err, sizeof(err)), -1);
        /* A state of the first version (no fingerprint) is refused. */
        CHECK_EQ_INT(checkpoint_decode(&b, "csv-producer-state 1\n", 21, err,
                                       sizeof(err)),
                     -1);
        test_widest_types();
        test_slots();
        test_large_slots();
        return check_exit();
}
