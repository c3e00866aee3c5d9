/* SPDX-License-Identifier: MIT */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

/* Strings live in large blocks so that a distinct string costs its bytes
 * plus one entry, not one malloc each. The first block is small and each
 * next one twice the last, up to ARENA_BLOCK: a column of a few strings
 * holds about a KiB. */
#define ARENA_BLOCK       65536
#define ARENA_FIRST_BLOCK 1024

struct entry {
        const char *str;
        uint32_t len;
        uint32_t hash;
};

struct arena_block {
        struct arena_block *next;
        size_t used;
        size_t cap;
        char data[];
};

struct intern {
        struct entry *entries; /* index = id; entries[0] unused */
        uint32_t count;
        uint32_t cap;
        uint32_t *slots; /* open addressing: id or 0 */
        uint32_t nslots; /* power of two */
        struct arena_block *arena;
        size_t arena_bytes;
        uint32_t *ranks;
        uint32_t ranks_count; /* count when ranks was computed */
};

static uint32_t hash_bytes(const char *s, size_t len)
{
        uint32_t h = 2166136261u; /* FNV-1a */
        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)s[i];
                h *= 16777619u;
        }
        return h;
}

struct intern *intern_create(void)
{
        struct intern *t = calloc(1, sizeof(*t));
        if (!t) {
                return NULL;
        }
        t->nslots  = 16;
        t->slots   = calloc(t->nslots, sizeof(*t->slots));
        t->cap     = 8;
        t->entries = calloc(t->cap, sizeof(*t->entries));
        if (!t->slots || !t->entries) {
                intern_destroy(t);
                return NULL;
        }
        return t;
}

void intern_destroy(struct intern *t)
{
        if (!t) {
                return;
        }
        struct arena_block *b = t->arena;
        while (b) {
                struct arena_block *next = b->next;
                free(b);
                b = next;
        }
        free(t->slots);
        free(t->entries);
        free(t->ranks);
        free(t);
}

static char *arena_copy(struct intern *t, const char *s, size_t len)
{
        struct arena_block *b = t->arena;
        if (!b || b->cap - b->used < len + 1) {
                size_t cap = !b                      ? ARENA_FIRST_BLOCK
                             : b->cap >= ARENA_BLOCK ? ARENA_BLOCK
                                                     : b->cap * 2;
                if (cap < len + 1) {
                        cap = len + 1;
                }
                b = malloc(sizeof(*b) + cap);
                if (!b) {
                        return NULL;
                }
                b->next  = t->arena;
                b->used  = 0;
                b->cap   = cap;
                t->arena = b;
                t->arena_bytes += sizeof(*b) + cap;
        }
        char *p = b->data + b->used;
        memcpy(p, s, len);
        p[len] = '\0';
        b->used += len + 1;
        return p;
}

static int grow_slots(struct intern *t)
{
        uint32_t n      = t->nslots * 2;
        uint32_t *slots = calloc(n, sizeof(*slots));
        if (!slots) {
                return -1;
        }
        for (uint32_t id = 1; id <= t->count; id++) {
                uint32_t i = t->entries[id].hash & (n - 1);
                while (slots[i]) {
                        i = (i + 1) & (n - 1);
                }
                slots[i] = id;
        }
        free(t->slots);
        t->slots  = slots;
        t->nslots = n;
        return 0;
}

uint32_t intern_find(const struct intern *t, const char *s, size_t len)
{
        uint32_t h = hash_bytes(s, len);
        uint32_t i = h & (t->nslots - 1);
        while (t->slots[i]) {
                const struct entry *e = &t->entries[t->slots[i]];
                if (e->hash == h && e->len == len &&
                    memcmp(e->str, s, len) == 0) {
                        return t->slots[i];
                }
                i = (i + 1) & (t->nslots - 1);
        }
        return 0;
}

uint32_t intern_add(struct intern *t, const char *s, size_t len)
{
        if (len > UINT32_MAX) {
                return 0;
        }
        uint32_t h = hash_bytes(s, len);
        uint32_t i = h & (t->nslots - 1);
        while (t->slots[i]) {
                const struct entry *e = &t->entries[t->slots[i]];
                if (e->hash == h && e->len == len &&
                    memcmp(e->str, s, len) == 0) {
                        return t->slots[i];
                }
                i = (i + 1) & (t->nslots - 1);
        }
        if (t->count + 2 > t->cap) {
                uint32_t cap    = t->cap * 2;
                struct entry *e = realloc(t->entries, cap * sizeof(*e));
                if (!e) {
                        return 0;
                }
                t->entries = e;
                t->cap     = cap;
        }
        char *copy = arena_copy(t, s, len);
        if (!copy) {
                return 0;
        }
        uint32_t id    = ++t->count;
        t->entries[id] = (struct entry){copy, (uint32_t)len, h};
        t->slots[i]    = id;
        /* Keep the load factor under 1/2 so probes stay short. */
        if (t->count * 2 > t->nslots && grow_slots(t) != 0) {
                /* The entry is stored; the table is only fuller. */
                return id;
        }
        return id;
}

const char *intern_get(const struct intern *t, uint32_t id, size_t *len)
{
        if (id == 0 || id > t->count) {
                *len = 0;
                return "";
        }
        *len = t->entries[id].len;
        return t->entries[id].str;
}

uint32_t intern_count(const struct intern *t)
{
        return t->count;
}

static int cmp_entries(const void *a, const void *b, void *ctx)
{
        const struct entry *e = ctx;
        const struct entry *x = &e[*(const uint32_t *)a];
        const struct entry *y = &e[*(const uint32_t *)b];
        size_t n              = x->len < y->len ? x->len : y->len;
        int c                 = memcmp(x->str, y->str, n);
        if (c) {
                return c;
        }
        return (x->len > y->len) - (x->len < y->len);
}

const uint32_t *intern_ranks(struct intern *t)
{
        if (t->ranks && t->ranks_count == t->count) {
                return t->ranks;
        }
        uint32_t *order = malloc((t->count + 1) * sizeof(*order));
        uint32_t *ranks = realloc(t->ranks, (t->count + 1) * sizeof(*ranks));
        if (!order || !ranks) {
                free(order);
                if (ranks) {
                        t->ranks = ranks;
                }
                return NULL;
        }
        t->ranks = ranks;
        for (uint32_t id = 1; id <= t->count; id++) {
                order[id - 1] = id;
        }
        qsort_r(order, t->count, sizeof(*order), cmp_entries, t->entries);
        ranks[0] = 0;
        for (uint32_t r = 0; r < t->count; r++) {
                ranks[order[r]] = r + 1;
        }
        free(order);
        t->ranks_count = t->count;
        return ranks;
}

size_t intern_memory(const struct intern *t)
{
        return sizeof(*t) + t->arena_bytes +
               (size_t)t->cap * sizeof(*t->entries) +
               (size_t)t->nslots * sizeof(*t->slots) +
               (t->ranks ? ((size_t)t->count + 1) * sizeof(uint32_t) : 0);
}
