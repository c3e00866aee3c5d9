/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_CORE_INTERN_H
#define DASHBOARD_CORE_INTERN_H

/*
 * String interning for text columns: every distinct string is stored once and
 * rows keep a 32-bit id. Id 0 means "no string" (a null cell).
 *
 * Pure code: no I/O, no locks.
 */

#include <stddef.h>
#include <stdint.h>

struct intern;

/** @returns a new, empty table, or NULL when memory runs out. */
struct intern *intern_create(void);

/** @brief Frees the table and every string. NULL is a no-op. */
void intern_destroy(struct intern *t);

/**
 * @brief Returns the id of s[0..len), adding a copy when it is new.
 * @returns an id >= 1, or 0 when memory runs out.
 */
uint32_t intern_add(struct intern *t, const char *s, size_t len);

/** @returns the id of s[0..len), or 0 when the table does not hold it. */
uint32_t intern_find(const struct intern *t, const char *s, size_t len);

/** @returns the string of id (NUL-terminated, owned by t); sets *len. */
const char *intern_get(const struct intern *t, uint32_t id, size_t *len);

/** @returns how many distinct strings the table holds. */
uint32_t intern_count(const struct intern *t);

/**
 * @brief Ranks of every id in byte order, for sorting without string
 *        compares: ranks[id] < ranks[other] when its string sorts first.
 *        Recomputed only when strings were added since the last call.
 * @returns an array of intern_count()+1 entries (owned by t), or NULL when
 *          memory runs out.
 */
const uint32_t *intern_ranks(struct intern *t);

/** @returns bytes held by the table. */
size_t intern_memory(const struct intern *t);

#endif
