/* SPDX-License-Identifier: MIT */
#include "source_names.h"

#include <stdlib.h>
#include <string.h>

/* One generation's name (an index into its id's names). */
struct gen_name {
        uint64_t generation;
        uint32_t name;
};

/* One source id. */
struct entry {
        uint64_t id;
        char **names; /* distinct, first learned first */
        uint32_t nnames;
        bool unnamed; /* rows shown under a placeholder, not renamed yet */
        struct gen_name *gens; /* sorted by generation */
        size_t ngens, gcap;
};

struct source_names {
        struct entry *entries; /* sorted by id */
        size_t n, cap;
        size_t last; /* index of the last entry found (rows come in runs) */
};

struct source_names *source_names_create(void)
{
        return calloc(1, sizeof(struct source_names));
}

void source_names_destroy(struct source_names *sn)
{
        if (!sn) {
                return;
        }
        for (size_t i = 0; i < sn->n; i++) {
                for (uint32_t k = 0; k < sn->entries[i].nnames; k++) {
                        free(sn->entries[i].names[k]);
                }
                free(sn->entries[i].names);
                free(sn->entries[i].gens);
        }
        free(sn->entries);
        free(sn);
}

/* The index of id's entry, or where it would go (*found false). */
static size_t find_entry(struct source_names *sn, uint64_t id, bool *found)
{
        if (sn->last < sn->n && sn->entries[sn->last].id == id) {
                *found = true;
                return sn->last;
        }
        size_t lo = 0, hi = sn->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (sn->entries[mid].id < id) {
                        lo = mid + 1;
                } else {
                        hi = mid;
                }
        }
        *found = lo < sn->n && sn->entries[lo].id == id;
        if (*found) {
                sn->last = lo;
        }
        return lo;
}

static struct entry *get_entry(struct source_names *sn, uint64_t id)
{
        bool found;
        size_t i = find_entry(sn, id, &found);
        if (found) {
                return &sn->entries[i];
        }
        if (sn->n == sn->cap) {
                size_t cap      = sn->cap ? sn->cap * 2 : 16;
                struct entry *e = realloc(sn->entries, cap * sizeof(*e));
                if (!e) {
                        return NULL;
                }
                sn->entries = e;
                sn->cap     = cap;
        }
        memmove(&sn->entries[i + 1], &sn->entries[i],
                (sn->n - i) * sizeof(*sn->entries));
        sn->entries[i] = (struct entry){.id = id};
        sn->n++;
        sn->last = i;
        return &sn->entries[i];
}

/* The index of generation's name in e->gens, or where it would go. */
static size_t find_gen(const struct entry *e, uint64_t generation, bool *found)
{
        size_t lo = 0, hi = e->ngens;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (e->gens[mid].generation < generation) {
                        lo = mid + 1;
                } else {
                        hi = mid;
                }
        }
        *found = lo < e->ngens && e->gens[lo].generation == generation;
        return lo;
}

/* The index of name in e->names, adding it when new; -1: no memory. */
static int64_t name_index(struct entry *e, const char *name, size_t len)
{
        for (uint32_t k = 0; k < e->nnames; k++) {
                if (strlen(e->names[k]) == len &&
                    memcmp(e->names[k], name, len) == 0) {
                        return k;
                }
        }
        char **names = realloc(e->names, (e->nnames + 1) * sizeof(*names));
        if (!names) {
                return -1;
        }
        e->names   = names;
        char *copy = malloc(len + 1);
        if (!copy) {
                return -1;
        }
        memcpy(copy, name, len);
        copy[len]             = '\0';
        e->names[e->nnames++] = copy;
        return e->nnames - 1;
}

enum source_names_learn source_names_learn(struct source_names *sn, uint64_t id,
                                           uint64_t generation,
                                           const char *name, size_t len,
                                           const char **other)
{
        struct entry *e = get_entry(sn, id);
        if (!e || memchr(name, '\0', len)) {
                return e ? SOURCE_NAMES_KNOWN : SOURCE_NAMES_NOMEM;
        }
        uint32_t before = e->nnames;
        int64_t k       = name_index(e, name, len);
        if (k < 0) {
                return SOURCE_NAMES_NOMEM;
        }
        bool found;
        size_t g = find_gen(e, generation, &found);
        if (!found) {
                if (e->ngens == e->gcap) {
                        size_t cap = e->gcap ? e->gcap * 2 : 4;
                        struct gen_name *gn =
                            realloc(e->gens, cap * sizeof(*gn));
                        if (!gn) {
                                return SOURCE_NAMES_NOMEM;
                        }
                        e->gens = gn;
                        e->gcap = cap;
                }
                memmove(&e->gens[g + 1], &e->gens[g],
                        (e->ngens - g) * sizeof(*e->gens));
                e->gens[g] = (struct gen_name){generation, (uint32_t)k};
                e->ngens++;
        } else if (e->gens[g].name != (uint32_t)k) {
                /* One generation number named twice: the first stays. */
                *other = e->names[e->gens[g].name];
                return SOURCE_NAMES_COLLISION;
        }
        if (e->nnames > before) {
                if (before == 0) {
                        return SOURCE_NAMES_NEW;
                }
                *other = e->names[0];
                return SOURCE_NAMES_COLLISION;
        }
        return SOURCE_NAMES_KNOWN;
}

const char *source_names_find(struct source_names *sn, uint64_t id,
                              uint64_t generation)
{
        bool found;
        size_t i = find_entry(sn, id, &found);
        if (!found) {
                return NULL;
        }
        const struct entry *e = &sn->entries[i];
        if (e->nnames <= 1) {
                return e->nnames ? e->names[0] : NULL;
        }
        size_t g = find_gen(e, generation, &found);
        return found ? e->names[e->gens[g].name] : NULL;
}

int source_names_mark_unnamed(struct source_names *sn, uint64_t id)
{
        struct entry *e = get_entry(sn, id);
        if (!e) {
                return -1;
        }
        if (e->unnamed) {
                return 0;
        }
        e->unnamed = true;
        return 1;
}

bool source_names_unnamed(struct source_names *sn, uint64_t id)
{
        bool found;
        size_t i = find_entry(sn, id, &found);
        return found && sn->entries[i].unnamed;
}

void source_names_clear_unnamed(struct source_names *sn, uint64_t id)
{
        bool found;
        size_t i = find_entry(sn, id, &found);
        if (found) {
                sn->entries[i].unnamed = false;
        }
}
