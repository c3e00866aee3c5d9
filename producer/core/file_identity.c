/* SPDX-License-Identifier: MIT */
#include "file_identity.h"

#include <stdlib.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

struct fingerprint {
        XXH3_state_t *block; /* the current (partial) block, seeded by fold */
        uint64_t fold;       /* chained digest of the complete blocks */
        uint64_t fold_len;   /* their length */
        uint64_t len;        /* bytes hashed so far */
};

struct fingerprint *fingerprint_create(void)
{
        struct fingerprint *fp = calloc(1, sizeof(*fp));

        if (!fp) {
                return NULL;
        }
        fp->block = XXH3_createState();
        if (!fp->block) {
                free(fp);
                return NULL;
        }
        fingerprint_reset(fp);
        return fp;
}

void fingerprint_destroy(struct fingerprint *fp)
{
        if (fp) {
                XXH3_freeState(fp->block);
                free(fp);
        }
}

void fingerprint_restore(struct fingerprint *fp, uint64_t fold_len,
                         uint64_t fold)
{
        fp->fold     = fold;
        fp->fold_len = fold_len;
        fp->len      = fold_len;
        (void)XXH3_64bits_reset_withSeed(fp->block, fold); /* cannot fail */
}

void fingerprint_reset(struct fingerprint *fp)
{
        fingerprint_restore(fp, 0, 0);
}

void fingerprint_update(struct fingerprint *fp, const void *buf, size_t n)
{
        const char *p = buf;

        while (n > 0) {
                uint64_t room = FINGERPRINT_BLOCK - (fp->len - fp->fold_len);
                size_t take   = n < room ? n : (size_t)room;

                (void)XXH3_64bits_update(fp->block, p, take);
                fp->len += take;
                p += take;
                n -= take;
                if (fp->len - fp->fold_len == FINGERPRINT_BLOCK) {
                        fingerprint_restore(fp, fp->len,
                                            XXH3_64bits_digest(fp->block));
                }
        }
}

void fingerprint_copy(struct fingerprint *dst, const struct fingerprint *src)
{
        XXH3_copyState(dst->block, src->block);
        dst->fold     = src->fold;
        dst->fold_len = src->fold_len;
        dst->len      = src->len;
}

uint64_t fingerprint_len(const struct fingerprint *fp)
{
        return fp->len;
}

uint64_t fingerprint_digest(const struct fingerprint *fp)
{
        return XXH3_64bits_digest(fp->block);
}

void fingerprint_fold(const struct fingerprint *fp, uint64_t *fold_len,
                      uint64_t *fold)
{
        *fold_len = fp->fold_len;
        *fold     = fp->fold;
}

uint64_t fingerprint_of(const void *buf, size_t n)
{
        struct fingerprint *fp = fingerprint_create();
        uint64_t h             = 0;

        if (fp) {
                fingerprint_update(fp, buf, n);
                h = fingerprint_digest(fp);
                fingerprint_destroy(fp);
        }
        return h;
}

void file_stat_set_racy(struct file_stat *s, uint64_t taken_ns)
{
        uint64_t newest = s->ctime_ns > s->mtime_ns ? s->ctime_ns : s->mtime_ns;

        s->racy = newest + FILE_IDENTITY_RACY_NS >= taken_ns;
}

enum file_change file_identity_compare(const struct file_stat *before,
                                       const struct file_stat *now)
{
        if (before->dev != now->dev || before->ino != now->ino) {
                return FILE_REPLACED;
        }
        if (now->size < before->size) {
                return FILE_SHRANK;
        }
        if (now->size > before->size) {
                return FILE_GREW;
        }
        if (before->mtime_ns != now->mtime_ns ||
            before->ctime_ns != now->ctime_ns || before->racy) {
                return FILE_TOUCHED;
        }
        return FILE_SAME;
}

const char *file_change_name(enum file_change c)
{
        switch (c) {
        case FILE_SAME:
                return "same";
        case FILE_GREW:
                return "grew";
        case FILE_TOUCHED:
                return "touched";
        case FILE_SHRANK:
                return "shrank";
        case FILE_REPLACED:
                return "replaced";
        }
        return "?";
}

enum resume_plan file_identity_resume_plan(const struct checkpoint *ck,
                                           const struct file_stat *now,
                                           const char **why)
{
        struct file_stat then = {ck->dev,      ck->ino,      ck->size,
                                 ck->mtime_ns, ck->ctime_ns, ck->racy};
        enum file_change c;

        if (ck->deleted) {
                *why = "created";
                return RESUME_NEW;
        }
        if (ck->ino == 0) {
                *why = "start"; /* the state knows no file */
                return RESUME_NEW;
        }
        c    = file_identity_compare(&then, now);
        *why = file_change_name(c);
        if (c == FILE_REPLACED || now->size < ck->fp_len) {
                return RESUME_NEW;
        }
        return c == FILE_SAME ? RESUME_HASH_TAIL : RESUME_HASH_ALL;
}
