/* SPDX-License-Identifier: MIT */
/* file_identity: the chained fingerprint is the same however the bytes
 * arrive and can continue from a block boundary; stat comparisons name
 * what happened (each defect of a silent edit as a scripted case). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "file_identity.h"

#define BIG (3 * FINGERPRINT_BLOCK + 12345)

static void test_chunking(const char *data)
{
        static const size_t steps[] = {1, 7, 4096, FINGERPRINT_BLOCK - 1, BIG};
        uint64_t whole              = fingerprint_of(data, BIG);

        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
                struct fingerprint *fp = fingerprint_create();
                size_t at              = 0;
                /* 1-byte steps over 3 MiB are slow: only the first 64 KiB. */
                size_t step = steps[i];
                while (at < BIG) {
                        size_t n = BIG - at < step ? BIG - at : step;
                        if (step == 1 && at >= 65536) {
                                n = BIG - at;
                        }
                        fingerprint_update(fp, data + at, n);
                        at += n;
                }
                CHECK_EQ_INT(fingerprint_len(fp), BIG);
                CHECK(fingerprint_digest(fp) == whole);
                fingerprint_destroy(fp);
        }
}

static void test_restore(const char *data)
{
        struct fingerprint *a = fingerprint_create();
        struct fingerprint *b = fingerprint_create();
        uint64_t fold_len, fold;

        fingerprint_update(a, data, 2 * FINGERPRINT_BLOCK + 100);
        fingerprint_fold(a, &fold_len, &fold);
        CHECK_EQ_INT(fold_len, 2 * FINGERPRINT_BLOCK);
        /* A restart: continue from the boundary, hash the rest again. */
        fingerprint_restore(b, fold_len, fold);
        fingerprint_update(b, data + fold_len, 100);
        CHECK(fingerprint_digest(a) == fingerprint_digest(b));
        CHECK(fingerprint_digest(a) ==
              fingerprint_of(data, 2 * FINGERPRINT_BLOCK + 100));
        fingerprint_copy(b, a);
        CHECK(fingerprint_digest(b) == fingerprint_digest(a));
        fingerprint_destroy(a);
        fingerprint_destroy(b);
}

static void test_any_byte_changes_it(char *data)
{
        uint64_t before = fingerprint_of(data, BIG);
        size_t where[]  = {0, 100, FINGERPRINT_BLOCK, BIG - 1};

        for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
                data[where[i]] ^= 1;
                CHECK(fingerprint_of(data, BIG) != before);
                data[where[i]] ^= 1;
        }
        CHECK(fingerprint_of(data, BIG) == before);
        /* Prefixes of different lengths differ too. */
        CHECK(fingerprint_of(data, 10) != fingerprint_of(data, 11));
        CHECK(fingerprint_of("", 0) == fingerprint_of(data, 0));
}

static void test_compare(void)
{
        const uint64_t s   = 1000000000ULL;
        struct file_stat a = {.dev      = 1,
                              .ino      = 7,
                              .size     = 100,
                              .mtime_ns = 10 * s,
                              .ctime_ns = 10 * s};
        struct file_stat b;

        /* Taken long after the last change: not racy, and the same stat
         * again means nothing happened. */
        file_stat_set_racy(&a, 20 * s);
        CHECK(!a.racy);
        b = a;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_SAME);
        /* An append. */
        b.size = 150, b.mtime_ns = b.ctime_ns = 21 * s;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_GREW);
        /* Defect 3: a rewrite in place with the same size. */
        b = a, b.mtime_ns = b.ctime_ns = 21 * s;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_TOUCHED);
        /* Defect 2: sed -i twice hands back the inode number; the times
         * still differ. */
        b = a, b.ctime_ns = 22 * s;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_TOUCHED);
        /* A truncate. */
        b = a, b.size = 0;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_SHRANK);
        /* Rename-replace, delete-recreate. */
        b = a, b.ino = 8;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_REPLACED);
        b = a, b.dev = 2;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_REPLACED);
        /* A stat taken in the same tick as the last write proves nothing:
         * a second write in that tick keeps every field. */
        file_stat_set_racy(&a, 10 * s + 1000);
        CHECK(a.racy);
        b = a;
        CHECK_EQ_INT(file_identity_compare(&a, &b), FILE_TOUCHED);
        CHECK_EQ_STR(file_change_name(FILE_TOUCHED), "touched");
}

/* At start: a state and the file's stat now give the check to run; the
 * generation is resumed only when that hash equals the state's. */
static void test_resume_plan(const char *data)
{
        const uint64_t s = 1000000000ULL;
        struct checkpoint ck;
        struct file_stat now;
        const char *why;

        checkpoint_init(&ck);
        ck.generation = 1764370000000ULL;
        ck.dev = 1, ck.ino = 7, ck.size = 5000;
        ck.mtime_ns = ck.ctime_ns = 10 * s;
        ck.fp_len                 = 5000;
        ck.fp_hash                = fingerprint_of(data, 5000);
        now                       = (struct file_stat){.dev      = 1,
                                                       .ino      = 7,
                                                       .size     = 5000,
                                                       .mtime_ns = 10 * s,
                                                       .ctime_ns = 10 * s};

        /* Defect 1: crashed right after an in-place regeneration. The state
         * written before the new generation's first message names it and
         * covers its bytes: nothing changed since, a cheap check resumes
         * the new generation, never the old one. */
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why),
                     RESUME_HASH_TAIL);
        CHECK_EQ_STR(why, "same");
        /* Defect 2: two same-length sed -i while stopped hand back the inode
         * number and keep the size; ctime differs: the whole prefix is
         * hashed, and the edit makes the hash differ. */
        now.ctime_ns = now.mtime_ns = 30 * s;
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why),
                     RESUME_HASH_ALL);
        CHECK_EQ_STR(why, "touched");
        {
                char *edited = malloc(5000);
                memcpy(edited, data, 5000);
                edited[2500] ^= 1;
                CHECK(fingerprint_of(edited, 5000) != ck.fp_hash);
                free(edited);
        }
        /* Appended while stopped: hashed in full too (an edit may hide
         * behind the append). */
        now.size = 6000;
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why),
                     RESUME_HASH_ALL);
        /* A racy stat in the state proves nothing. */
        now     = (struct file_stat){.dev      = 1,
                                     .ino      = 7,
                                     .size     = 5000,
                                     .mtime_ns = 10 * s,
                                     .ctime_ns = 10 * s};
        ck.racy = true;
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why),
                     RESUME_HASH_ALL);
        ck.racy = false;
        /* Shorter than what may have been sent, or another file: new. */
        now.size = 4999;
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why), RESUME_NEW);
        now.size = 5000, now.ino = 8;
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why), RESUME_NEW);
        CHECK_EQ_STR(why, "replaced");
        /* Defect 4: the source was mirrored as deleted; the file is back. */
        now.ino    = 7;
        ck.deleted = true;
        CHECK_EQ_INT(file_identity_resume_plan(&ck, &now, &why), RESUME_NEW);
        CHECK_EQ_STR(why, "created");
}

int main(void)
{
        char *data = malloc(BIG);

        CHECK(data != NULL);
        for (size_t i = 0; i < BIG; i++) {
                data[i] = (char)('a' + (i * 7919) % 26);
        }
        test_chunking(data);
        test_restore(data);
        test_any_byte_changes_it(data);
        test_compare();
        test_resume_plan(data);
        free(data);
        return check_exit();
}
