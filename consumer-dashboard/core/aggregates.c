/* SPDX-License-Identifier: MIT */
#include "aggregates_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sorted_find.h"

static const char *const role_names[AGG_ROLE_COUNT] = {
    "value",
    "category",
    "age",
    "label",
};

const char *aggregates_role_name(enum aggregates_role r)
{
        return r < AGG_ROLE_COUNT ? role_names[r] : "";
}

void aggregates_set_viewer_roles(struct aggregates *a, const char *const *roles)
{
        a->viewer_roles = roles;
}

void aggregates_set_viewer_source(struct aggregates *a, const char *source)
{
        a->viewer_source = source;
}

int aggregates_set_role(struct aggregates *a, const char *role,
                        const char *column)
{
        for (int r = 0; r < AGG_ROLE_COUNT; r++) {
                if (strcmp(role, role_names[r]) != 0) {
                        continue;
                }
                char *copy = NULL;
                if (column && *column) {
                        copy = strdup(column);
                        if (!copy) {
                                return -1;
                        }
                }
                free(a->roles[r]);
                a->roles[r] = copy;
                a->version++;
                return 0;
        }
        return -1;
}

struct aggregates *aggregates_create(const struct aggregates_roles *roles)
{
        struct aggregates *a = calloc(1, sizeof(*a));
        if (!a) {
                return NULL;
        }
        a->slots_version = UINT64_MAX;
        a->index_budget  = AGGREGATES_INDEX_BUDGET_DEFAULT;
        if (roles) {
                const char *names[AGG_ROLE_COUNT] = {
                    roles->value, roles->category, roles->age, roles->label};
                for (int r = 0; r < AGG_ROLE_COUNT; r++) {
                        if (aggregates_set_role(a, role_names[r], names[r])) {
                                aggregates_destroy(a);
                                return NULL;
                        }
                }
        }
        return a;
}

void aggregates_destroy(struct aggregates *a)
{
        if (!a) {
                return;
        }
        for (size_t i = 0; i < a->nsources; i++) {
                generation_destroy(a->sources[i].current);
                generation_destroy(a->sources[i].pending);
                timeline_destroy(a->sources[i].timeline);
                free(a->sources[i].latency);
                free(a->sources[i].name);
        }
        for (int i = 0; i < AGG_MAX_INDEXES; i++) {
                sort_index_destroy(a->indexes[i]);
        }
        for (int r = 0; r < AGG_ROLE_COUNT; r++) {
                free(a->roles[r]);
        }
        free(a->sources);
        free(a->slots);
        free(a->slot_names);
        free(a);
}

/* The index of source `name`, or where it would go (*found false). */
static int source_cmp(const void *elem, const void *name)
{
        return strcmp(((const struct source *)elem)->name, name);
}

static size_t find_source(const struct aggregates *a, const char *name,
                          bool *found)
{
        return sorted_find(a->sources, a->nsources, sizeof(*a->sources), name,
                           source_cmp, found);
}

int aggregates_add_latency(struct aggregates *a, const char *source,
                           int64_t read_ts_ms, int64_t now_ms)
{
        bool found;
        size_t i = find_source(a, source, &found);
        if (!found) {
                return 0;
        }
        struct source *s = &a->sources[i];
        if (!s->latency && !(s->latency = calloc(1, sizeof(*s->latency)))) {
                return -1;
        }
        latency_add(s->latency, read_ts_ms, now_ms);
        return 0;
}

bool aggregates_has_source(const struct aggregates *a, const char *source)
{
        bool found;
        (void)find_source(a, source, &found);
        return found;
}

int aggregates_rename_source(struct aggregates *a, const char *from,
                             const char *to)
{
        bool found;
        size_t i = find_source(a, from, &found);
        if (!found) {
                return 1;
        }
        size_t j = find_source(a, to, &found);
        if (found) {
                return -1;
        }
        char *copy = strdup(to);
        if (!copy) {
                return -1;
        }
        struct source moved = a->sources[i];
        free(moved.name);
        moved.name = copy;
        /* Out of i's place into j's (j counts i while it is still there). */
        if (j > i) {
                j--;
                memmove(&a->sources[i], &a->sources[i + 1],
                        (j - i) * sizeof(*a->sources));
        } else {
                memmove(&a->sources[j + 1], &a->sources[j],
                        (i - j) * sizeof(*a->sources));
        }
        a->sources[j] = moved;
        /* The view borrows source names and orders slots by them. */
        a->view_version++;
        a->version++;
        return 0;
}

/* Finds a source by name, adding it in sorted position when new. */
static struct source *get_source(struct aggregates *a, const char *name)
{
        bool found;
        size_t lo = find_source(a, name, &found);
        if (found) {
                return &a->sources[lo];
        }
        if (a->nsources >= AGG_MAX_SOURCES) {
                return NULL;
        }
        struct source *s = realloc(a->sources, (a->nsources + 1) * sizeof(*s));
        if (!s) {
                return NULL;
        }
        a->sources = s;
        char *copy = strdup(name);
        if (!copy) {
                return NULL;
        }
        memmove(&s[lo + 1], &s[lo], (a->nsources - lo) * sizeof(*s));
        s[lo] = (struct source){.name = copy};
        a->nsources++;
        a->view_version++;
        return &s[lo];
}

/* Picks the generation a message belongs to, creating it when needed.
 * NULL with *stale set: the message is older than what is kept. */
static struct generation *target(struct aggregates *a, struct source *s,
                                 uint64_t number, bool *stale)
{
        *stale = false;
        if (!s->current) {
                s->current = generation_create(number);
                a->view_version++;
                return s->current;
        }
        if (number == s->current->number) {
                return s->current;
        }
        if (number < s->current->number ||
            (s->pending && number < s->pending->number)) {
                *stale = true;
                return NULL;
        }
        if (s->pending && number > s->pending->number) {
                /* A newer rewrite overtook the one being collected. */
                generation_destroy(s->pending);
                s->pending = NULL;
        }
        if (!s->pending) {
                s->pending = generation_create(number);
        }
        return s->pending;
}

/* Keeps a short text of a reset message (cut on a UTF-8 boundary). */
static void copy_tag(char dst[GENERATION_TAG_MAX], const char *src)
{
        size_t n = src ? strlen(src) : 0;
        if (n >= GENERATION_TAG_MAX) {
                n = GENERATION_TAG_MAX - 1;
                while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) {
                        n--;
                }
        }
        if (n) {
                memcpy(dst, src, n);
        }
        dst[n] = '\0';
}

/* A generation's last change: the newest Kafka timestamp of every message
 * of it read (duplicates too), else the time they came. Every replica reads
 * the same messages of a generation, whatever the partitions' interleaving,
 * so they agree on it. */
static void note_change(struct generation *g,
                        const struct aggregates_message *m, int64_t now_ms)
{
        int64_t t = m->timestamp_ms > 0 ? m->timestamp_ms : now_ms;
        if (t > g->changed_ms) {
                g->changed_ms = t;
        }
}

/* Counts an applied row in its source's time chart (by its Kafka
 * timestamp). Out of memory costs the chart's sums, never the row. */
static void count_in_timeline(struct source *s,
                              const struct aggregates_message *m,
                              int64_t now_ms)
{
        if (!timeline_in_window(m->timestamp_ms, now_ms)) {
                return;
        }
        if (!s->timeline && !(s->timeline = timeline_create())) {
                return;
        }
        (void)timeline_add(s->timeline, m->timestamp_ms, m->row, now_ms);
}

enum aggregates_result aggregates_apply(struct aggregates *a,
                                        const struct aggregates_message *m,
                                        int64_t now_ms)
{
        struct source *s = get_source(a, m->source ? m->source : "");
        if (!s) {
                return AGGREGATES_NOMEM;
        }
        bool stale;
        struct generation *g = target(a, s, m->generation, &stale);
        if (stale) {
                a->counters.stale++;
                s->counters.stale++;
                return AGGREGATES_STALE;
        }
        if (!g) {
                return AGGREGATES_NOMEM;
        }
        note_change(g, m, now_ms);
        enum aggregates_result res = AGGREGATES_APPLIED;
        if (m->kind == WIRE_ROW) {
                switch (generation_add_row(g, m->record, m->row)) {
                case GENERATION_ADDED:
                        break;
                case GENERATION_DUPLICATE:
                        res = AGGREGATES_DUPLICATE;
                        break;
                case GENERATION_INVALID:
                        res = AGGREGATES_INVALID;
                        break;
                case GENERATION_NOMEM:
                        res = AGGREGATES_NOMEM;
                        break;
                }
        } else if (m->kind == WIRE_SNAPSHOT_COMPLETE) {
                generation_set_complete(g, m->last_record, m->row_count);
        } else if (m->kind == WIRE_RESET) {
                copy_tag(g->reason, m->reason);
                copy_tag(g->producer, m->producer);
                for (size_t i = 0; i < m->ncolumns; i++) {
                        if (generation_declare_column(
                                g, m->columns[i].name, m->columns[i].type,
                                m->columns[i].unit) != 0) {
                                res = AGGREGATES_NOMEM;
                                break;
                        }
                }
        }
        if (g == s->pending && generation_is_complete(g)) {
                generation_destroy(s->current);
                s->current = g;
                s->pending = NULL;
                a->view_version++;
                a->counters.swaps++;
                s->counters.swaps++;
        }
        switch (res) {
        case AGGREGATES_APPLIED:
                if (m->kind == WIRE_ROW) {
                        count_in_timeline(s, m, now_ms);
                }
                a->counters.applied++;
                s->counters.applied++;
                a->version++;
                a->last_update = now_ms;
                break;
        case AGGREGATES_DUPLICATE:
                a->counters.duplicates++;
                s->counters.duplicates++;
                break;
        case AGGREGATES_INVALID:
                a->counters.invalid++;
                s->counters.invalid++;
                break;
        case AGGREGATES_STALE:
        case AGGREGATES_NOMEM:
                break;
        }
        return res;
}

uint64_t aggregates_count(const struct aggregates *a)
{
        uint64_t n = 0;
        for (size_t i = 0; i < a->nsources; i++) {
                if (a->sources[i].current) {
                        n += a->sources[i].current->rows;
                }
        }
        return n;
}

uint64_t aggregates_version(const struct aggregates *a)
{
        return a->version;
}

int64_t aggregates_last_update(const struct aggregates *a)
{
        return a->last_update;
}

void aggregates_counters(const struct aggregates *a,
                         struct aggregates_counters *out)
{
        *out = a->counters;
}

size_t aggregates_memory(const struct aggregates *a)
{
        size_t m = sizeof(*a) + a->nsources * sizeof(struct source);
        for (size_t i = 0; i < a->nsources; i++) {
                if (a->sources[i].current) {
                        m += generation_memory(a->sources[i].current);
                }
                if (a->sources[i].pending) {
                        m += generation_memory(a->sources[i].pending);
                }
                if (a->sources[i].timeline) {
                        m += timeline_memory(a->sources[i].timeline);
                }
                if (a->sources[i].latency) {
                        m += sizeof(struct latency);
                }
        }
        return m + aggregates_index_memory(a);
}
