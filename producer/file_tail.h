/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_FILE_TAIL_H
#define PRODUCER_FILE_TAIL_H

/*
 * Watches one file and reads it from an offset (libuv shell).
 *
 * Change detection: libuv fs events on the file AND on its directory (to
 * see rename-replace and delete-recreate), plus a periodic stat as a safety
 * net. Each wake-up compares the file with what was read: another inode
 * (replaced/recreated), a size below the read offset (truncated), changed
 * header bytes or changed bytes just before the read offset (overwritten
 * in place). Any of these is reported once and reading restarts at 0.
 *
 * Beyond those cheap checks, the tail keeps a fingerprint (file_identity.h)
 * of every byte it has read in the current generation. When a stat says
 * more than "nothing happened" (times changed, or a racy stat), the whole
 * prefix read so far is hashed again on libuv's thread pool and compared;
 * a difference is reported as FILE_TAIL_OVERWRITTEN. These re-hashes are
 * rate-limited by their cost (at most ~1/20 of the time, at least
 * FILE_TAIL_VERIFY_GAP_MS apart).
 *
 * Thread: everything runs on the loop thread; callbacks too. Chunk reads
 * (one at a time, into the tail's buffer) and hashing jobs (on a dup of
 * the file descriptor) run on libuv's thread pool; a chunk read whose
 * offset or file changed meanwhile is dropped and read again. The small
 * checks (header, the bytes before the offset) and file_tail_pread stay
 * on the loop thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "file_identity.h"

enum file_tail_change {
        FILE_TAIL_CREATED = 0,    /* the file appeared */
        FILE_TAIL_REPLACED,       /* another file now has the path */
        FILE_TAIL_TRUNCATED,      /* shorter than what was read */
        FILE_TAIL_HEADER_CHANGED, /* the header bytes differ */
        FILE_TAIL_OVERWRITTEN,    /* bytes already read differ */
        FILE_TAIL_DELETED,        /* the path is gone (reading waits) */
        FILE_TAIL_RESENT,         /* asked to send it again (restart) */
};

struct file_tail_cbs {
        /** A change; on anything but DELETED reading restarts at 0. */
        void (*on_change)(void *ctx, enum file_tail_change change);
        /** len bytes read at offset, at read_ts_ms (epoch ms). */
        void (*on_data)(void *ctx, uint64_t offset, const char *buf, size_t len,
                        uint64_t read_ts_ms);
        /** Reading reached the current end of the file. */
        void (*on_eof)(void *ctx, uint64_t offset);
};

struct file_tail;

/**
 * @brief Creates the watcher (not started). path is copied. cbs and ctx
 *        are borrowed. @returns NULL with errno set on failure.
 */
struct file_tail *file_tail_create(uv_loop_t *loop, const char *path,
                                   size_t chunk_bytes,
                                   uint64_t stat_interval_ms,
                                   const struct file_tail_cbs *cbs, void *ctx);

/**
 * @brief Opens the file if it exists (no callback). @returns 1 if open,
 *        0 if it does not exist, a negative errno on other errors.
 */
int file_tail_open(struct file_tail *ft);

/** @brief Starts watching and reading. @returns 0 or a negative errno. */
int file_tail_start(struct file_tail *ft);

/** @brief Stops watching and reading; call before file_tail_destroy. */
void file_tail_stop(struct file_tail *ft);

/** @brief Closes the handles, then frees (from the close callbacks). */
void file_tail_destroy(struct file_tail *ft);

/** @brief Back-pressure: stop/restart reading (watching continues). */
void file_tail_pause(struct file_tail *ft);
void file_tail_resume(struct file_tail *ft);

/**
 * @brief From on_data: the chunk being delivered ([offset, offset + len))
 *        is not taken yet (the state file must cover it first). Reading
 *        pauses; at file_tail_resume the same bytes are delivered again
 *        (with their first read time), from memory when the chunk is small
 *        (a live append), after the usual check of the path and a compare
 *        with the file's bytes at that range: a change found there is
 *        reported (reading restarts at 0) and nothing of the kept chunk is
 *        delivered. A seek, restart or change meanwhile drops it. A larger
 *        chunk, or a call outside on_data, is read again from offset.
 * @returns 1 when kept, 0 when it will be read again, or a negative errno.
 */
int file_tail_hold(struct file_tail *ft, uint64_t offset, size_t len);

/** @brief Reads the open file again from 0, reported as FILE_TAIL_RESENT
 *         (as after a change). A no-op while no file is open. */
void file_tail_restart(struct file_tail *ft);

/** @brief Next read starts at offset. @returns 0 or a negative errno. */
int file_tail_seek(struct file_tail *ft, uint64_t offset);

/** @brief The bytes [0, len) are the header: a later change of them is
 *         reported as FILE_TAIL_HEADER_CHANGED. */
void file_tail_set_head(struct file_tail *ft, size_t len);

/** @brief Identity of the open file. @returns 0, or -1 if none is open. */
int file_tail_identity(const struct file_tail *ft, uint64_t *dev, uint64_t *ino,
                       uint64_t *size);

/**
 * @brief Reads up to len bytes at offset from the open file (blocking,
 *        small reads only). @returns bytes read or a negative errno.
 */
int64_t file_tail_pread(struct file_tail *ft, uint64_t offset, char *buf,
                        size_t len);

/** @returns why the file cannot be opened or read as a negative libuv
 *           error (UV_EACCES, UV_EISDIR: a directory is never opened),
 *           or 0 when it can or does not exist. Retried at every wake-up
 *           (the stat period at least) without logging. */
int file_tail_error(const struct file_tail *ft);

/** @returns true while a file is open. */
bool file_tail_is_open(const struct file_tail *ft);

/** @returns the offset of the next read. */
uint64_t file_tail_offset(const struct file_tail *ft);

/** @brief The stat of the open file taken before its latest read: if the
 *         file still has this stat (and it is not racy), no byte read so
 *         far has changed. @returns 0, or -1 if no file is open. */
int file_tail_read_stat(const struct file_tail *ft, struct file_stat *out);

/** @brief The fingerprint of the bytes read in this generation: its length,
 *         digest and last block boundary. */
void file_tail_fingerprint(const struct file_tail *ft, uint64_t *len,
                           uint64_t *digest, uint64_t *fold_len,
                           uint64_t *fold);

/** Result of file_tail_hash_prefix: status 0 and the digest of the
 *  prefix, or a negative errno (the file is shorter, unreadable). */
typedef void (*file_tail_hash_cb)(void *ctx, int status, uint64_t digest);

/**
 * @brief Hashes the open file's prefix [0, len) on the thread pool,
 *        continuing a fingerprint known up to the block boundary fold_len
 *        (whose chained digest is fold). One hash at a time; cb runs on the
 *        loop thread. Used at start, before file_tail_start.
 * @returns 0, or a negative errno (cb is not called).
 */
int file_tail_hash_prefix(struct file_tail *ft, uint64_t fold_len,
                          uint64_t fold, uint64_t len, file_tail_hash_cb cb,
                          void *ctx);

/** Result of file_tail_hash_ahead: status 0 when the fingerprint now covers
 *  the bytes hashed ahead, else a negative errno (it is as it was). */
typedef void (*file_tail_ahead_cb)(void *ctx, int status);

/**
 * @brief Extends the fingerprint of the bytes read over up to `ahead` more
 *        bytes of the file (at most its size at the latest stat), hashed on
 *        the thread pool before they are read. A state saved afterwards
 *        covers them, so a bulk load needs one save per `ahead` bytes
 *        rather than one per chunk. The tail should be paused meanwhile (a
 *        read that extends the fingerprint first makes the result unused).
 *        Reading these bytes later adds nothing to the fingerprint; a change
 *        to them before they are read is found by the usual re-hash after a
 *        stat change. cb runs on the loop thread (not after destroy).
 * @returns 0 (cb will run), 1 when there is nothing to hash (cb will not
 *          run), or a negative errno (another hash is running, no file).
 */
int file_tail_hash_ahead(struct file_tail *ft, uint64_t ahead,
                         file_tail_ahead_cb cb, void *ctx);

/** @brief Takes the fingerprint of the last file_tail_hash_prefix as the
 *         fingerprint of the bytes read, then seeks to offset (at most the
 *         hashed length): resuming a generation. */
int file_tail_resume_at(struct file_tail *ft, uint64_t offset);

#endif
