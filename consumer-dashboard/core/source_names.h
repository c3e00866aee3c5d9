/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_SOURCE_NAMES_H
#define DASHBOARD_CORE_SOURCE_NAMES_H

/*
 * Which source a source id stands for (wire format v3, docs/wire-format.md):
 * rows carry only the 16-hex id of their source; reset and snapshot-complete
 * messages name it ("source" beside "source_id"), and so does every v2 row
 * (the id of a v2 source is wire_source_id() of its text).
 *
 * Names are learned per (id, generation). A row's id normally has one name
 * and is resolved by it. Two names for one id (a hash collision, or two
 * producers given sources that hash alike) are a collision: the caller says
 * it, and a row is resolved only by its own generation's name from then on
 * (never by a guess between the two).
 *
 * Pure code: no I/O. Names are copied.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct source_names;

struct source_names *source_names_create(void);
void source_names_destroy(struct source_names *sn);

enum source_names_learn {
        SOURCE_NAMES_KNOWN = 0, /* nothing new for a reader to hear */
        SOURCE_NAMES_NEW,       /* the id's first name */
        SOURCE_NAMES_COLLISION, /* the id had another name: *other */
        SOURCE_NAMES_NOMEM,
};

/**
 * @brief Learns that (id, generation) is the source `name` (len bytes).
 *        *other is set on SOURCE_NAMES_COLLISION to the name the id had
 *        (NUL-terminated, valid until destroy).
 */
enum source_names_learn source_names_learn(struct source_names *sn, uint64_t id,
                                           uint64_t generation,
                                           const char *name, size_t len,
                                           const char **other);

/**
 * @returns the name of the source of a row with this id and generation
 *          (NUL-terminated, valid until destroy), or NULL when the id was
 *          never named, or has several names and none for the generation.
 */
const char *source_names_find(struct source_names *sn, uint64_t id,
                              uint64_t generation);

/**
 * @brief Marks the id as shown under a placeholder (its rows came before
 *        any name). @returns 1 the first time (the caller says so once),
 *        0 after, -1 when memory runs out.
 */
int source_names_mark_unnamed(struct source_names *sn, uint64_t id);

/** @returns whether the id was marked unnamed and not renamed since. */
bool source_names_unnamed(struct source_names *sn, uint64_t id);

/** @brief The id's placeholder was renamed to its name: unmark it. */
void source_names_clear_unnamed(struct source_names *sn, uint64_t id);

#endif
