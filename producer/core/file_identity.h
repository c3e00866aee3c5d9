/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_FILE_IDENTITY_H
#define PRODUCER_FILE_IDENTITY_H

/*
 * File identity: the one owner of "is this still the file whose bytes were
 * sent?" (pure: no I/O; the shells hand in stat results and bytes).
 *
 * Two parts:
 *  - a fingerprint of the file's prefix [0, len): xxHash (XXH3-64) over
 *    1 MiB blocks chained through the seed (block i is hashed with the
 *    digest of blocks 0..i-1 as seed, the partial last block likewise).
 *    Chaining lets a fingerprint continue from any block boundary with
 *    only (fold_len, fold) remembered, so a restart re-reads at most one
 *    block when the file did not change;
 *  - decisions from stat results: whether a file's metadata says that
 *    nothing, an append, or something more happened since it was seen.
 *
 * A stat is "racy" when its ctime is so close to the moment it was taken
 * that a later write within the same filesystem clock tick could leave
 * size, mtime and ctime unchanged (the problem git calls "racily clean").
 * A racy stat never proves that the file is unchanged.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"

#define FINGERPRINT_BLOCK ((uint64_t)1 << 20)

/* ctime this close to the stat's own time: the stat is racy. Filesystem
 * timestamps come from a coarse clock (a few ms per tick). */
#define FILE_IDENTITY_RACY_NS ((uint64_t)100 * 1000 * 1000)

struct fingerprint;

/** @brief A fingerprint of nothing (len 0). @returns NULL when out of
 *         memory. */
struct fingerprint *fingerprint_create(void);
void fingerprint_destroy(struct fingerprint *fp);

/** @brief Back to the fingerprint of nothing. */
void fingerprint_reset(struct fingerprint *fp);

/** @brief Continues from a block boundary: the prefix [0, fold_len) whose
 *         chained digest is fold (fold_len must be a multiple of
 *         FINGERPRINT_BLOCK; 0 with fold 0 is the empty prefix). */
void fingerprint_restore(struct fingerprint *fp, uint64_t fold_len,
                         uint64_t fold);

/** @brief Adds the next n bytes of the prefix. */
void fingerprint_update(struct fingerprint *fp, const void *buf, size_t n);

/** @brief Copies src into dst (both created). */
void fingerprint_copy(struct fingerprint *dst, const struct fingerprint *src);

/** @returns the length of the prefix hashed so far. */
uint64_t fingerprint_len(const struct fingerprint *fp);

/** @returns the digest of the prefix hashed so far. */
uint64_t fingerprint_digest(const struct fingerprint *fp);

/** @brief The last block boundary: its offset and chained digest. */
void fingerprint_fold(const struct fingerprint *fp, uint64_t *fold_len,
                      uint64_t *fold);

/** @returns the digest of buf as one whole prefix (for tests and tools). */
uint64_t fingerprint_of(const void *buf, size_t n);

/* What a stat says about a file. */
struct file_stat {
        uint64_t dev;
        uint64_t ino;
        uint64_t size;
        uint64_t mtime_ns; /* since the epoch */
        uint64_t ctime_ns;
        bool racy; /* taken within FILE_IDENTITY_RACY_NS of ctime */
};

/** @brief Marks s racy or not, given when it was taken (epoch ns). */
void file_stat_set_racy(struct file_stat *s, uint64_t taken_ns);

enum file_change {
        FILE_SAME = 0, /* same metadata, not racy: nothing happened */
        FILE_GREW,     /* same file, longer, no sign of more than that */
        FILE_TOUCHED,  /* same file, times changed (or racy) without
                          growth: bytes may have changed in place */
        FILE_SHRANK,   /* same file, shorter than before */
        FILE_REPLACED, /* another file (device or inode) */
};

/**
 * @brief Compares what a stat says now with an earlier stat of the file.
 *        An earlier racy stat makes an identical one FILE_TOUCHED.
 */
enum file_change file_identity_compare(const struct file_stat *before,
                                       const struct file_stat *now);

/** @returns a short name for c ("same", "grew", ...). */
const char *file_change_name(enum file_change c);

/* What to do at start with a state file of this source and its file. */
enum resume_plan {
        RESUME_NEW = 0,   /* start a new generation */
        RESUME_HASH_TAIL, /* hash [fp_fold_len, fp_len) from fp_fold */
        RESUME_HASH_ALL,  /* hash [0, fp_len) */
};

/**
 * @brief Decides how to check a state (ck) against the file's stat now.
 *        The generation is resumed only if the hash then equals
 *        ck->fp_hash. *why names the reason for RESUME_NEW (or the
 *        change seen otherwise).
 */
enum resume_plan file_identity_resume_plan(const struct checkpoint *ck,
                                           const struct file_stat *now,
                                           const char **why);

#endif
