/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_STATE_STORE_H
#define PRODUCER_STATE_STORE_H

/*
 * The state file of one source in --state-dir (shell around the pure
 * checkpoint encoding). The file holds two copies of the state in fixed
 * slots (checkpoint.h): the first save of a process makes the file anew
 * atomically (temporary file, fsync, rename, fsync of the directory), every
 * later save overwrites the older slot and needs one fdatasync. A crash
 * leaves the old or the new checkpoint whole, never only a torn one.
 *
 * Saves run on libuv's thread pool (state_store_save_async: the fsyncs
 * never block the loop), except the last one at exit (state_store_save).
 * Saves are numbered when they are asked for; a save never replaces the
 * file with an older checkpoint than the one it holds, even when an
 * asynchronous save and a synchronous one overlap (one mutex).
 */

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "checkpoint.h"

struct state_store;

/**
 * @brief Creates dir if missing and checks that it is writable. The file
 *        name is derived from source (copied).
 * @returns NULL with errstr filled on failure.
 */
struct state_store *state_store_create(const char *dir, const char *source,
                                       char *errstr, size_t errstr_size);
void state_store_destroy(struct state_store *st);

/** @returns 1 and fills c, 0 if there is no state yet, -1 (errstr) if the
 *           file cannot be read or parsed. */
int state_store_load(struct state_store *st, struct checkpoint *c, char *errstr,
                     size_t errstr_size);

/** @brief Saves now, blocking (loop thread). @returns 0, or -1 with
 *         errstr filled. */
int state_store_save(struct state_store *st, const struct checkpoint *c,
                     char *errstr, size_t errstr_size);

/** Called on the loop thread when an asynchronous save has ended: status 0
 *  (the checkpoint is durable) or -1 with error. */
typedef void (*state_store_saved_cb)(void *ctx, int status, const char *error);

/**
 * @brief Saves c (copied) on the thread pool; cb runs on the loop thread.
 *        One asynchronous save at a time.
 * @returns 0 (cb will be called), or -1 with errstr filled (busy, or the
 *          checkpoint does not fit): cb is not called.
 */
int state_store_save_async(struct state_store *st, uv_loop_t *loop,
                           const struct checkpoint *c, state_store_saved_cb cb,
                           void *ctx, char *errstr, size_t errstr_size);

/** @returns whether an asynchronous save is in flight. */
bool state_store_busy(const struct state_store *st);

/**
 * @brief Takes the source's lock (`<state file>.lock`, flock) for the life
 *        of the process and writes owner (one line of text) into it. The
 *        kernel drops the lock when the process ends, crash included.
 * @returns 0; 1 when another process holds it (errstr names it, with the
 *          owner line it wrote); -1 on errors (errstr).
 */
int state_store_lock(struct state_store *st, const char *owner, char *errstr,
                     size_t errstr_size);

/** @returns the state file's path. */
const char *state_store_path(const struct state_store *st);

#endif
