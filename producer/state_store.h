/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_STATE_STORE_H
#define PRODUCER_STATE_STORE_H

/*
 * The state file of one source in --state-dir (shell around the pure
 * checkpoint encoding). Saving is atomic: write a temporary file, fsync,
 * rename over the state file, fsync the directory. A crash leaves either
 * the old or the new checkpoint, never a torn one.
 *
 * Blocking I/O on the loop thread: a save is a few hundred bytes and is
 * throttled by the caller.
 */

#include <stddef.h>

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

/** @returns 0, or -1 with errstr filled. */
int state_store_save(struct state_store *st, const struct checkpoint *c,
                     char *errstr, size_t errstr_size);

/** @returns the state file's path. */
const char *state_store_path(const struct state_store *st);

#endif
