/* SPDX-License-Identifier: MIT */
/* Rows gone from the topic, per source (topic_loss.h). */
#include "topic_loss.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "snapshot_json_internal.h"
#include "sorted_find.h"

/* Which partitions a control message of one generation was read on. */
struct bits {
        uint64_t *w;
        size_t n; /* words */
};

/* The control messages read of one (source, generation). */
struct track {
        char *source;
        uint64_t generation;
        struct bits reset, complete;
        bool complete_before_start; /* one copy was below its partition's
                                       high watermark at assignment */
        bool settled; /* every row it still has on the topic was read once:
                         stays so when partitions are added later */
};

struct topic_loss {
        struct track *tracks; /* sorted by source, then generation */
        size_t ntracks, cap;
        struct topic_loss_finding *found; /* sorted by source */
        size_t nfound;
        bool broken; /* out of memory once: the start rule is off */
};

const char *topic_loss_reason_name(enum topic_loss_reason r)
{
        return r == TOPIC_LOSS_START_DELETED ? "topic_start_deleted"
                                             : "not_read";
}

struct topic_loss *topic_loss_create(void)
{
        return calloc(1, sizeof(struct topic_loss));
}

static void free_found(struct topic_loss_finding *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free((char *)f[i].source);
        }
        free(f);
}

static void track_free(struct track *tr)
{
        free(tr->source);
        free(tr->reset.w);
        free(tr->complete.w);
}

void topic_loss_destroy(struct topic_loss *t)
{
        if (!t) {
                return;
        }
        for (size_t i = 0; i < t->ntracks; i++) {
                track_free(&t->tracks[i]);
        }
        free(t->tracks);
        free_found(t->found, t->nfound);
        free(t);
}

/* What tracks are sorted by. */
struct track_key {
        const char *source;
        uint64_t generation;
};

static int track_cmp(const void *elem, const void *key)
{
        const struct track *tr    = elem;
        const struct track_key *k = key;
        int c                     = strcmp(tr->source, k->source);
        if (c) {
                return c;
        }
        return tr->generation < k->generation ? -1
                                              : tr->generation > k->generation;
}

/* The position of (source, generation), or where it would go. */
static size_t track_find(const struct topic_loss *t, const char *source,
                         uint64_t generation, bool *found)
{
        const struct track_key k = {source, generation};
        return sorted_find(t->tracks, t->ntracks, sizeof(*t->tracks), &k,
                           track_cmp, found);
}

static struct track *track_get(const struct topic_loss *t, const char *source,
                               uint64_t generation)
{
        bool found;
        size_t i = track_find(t, source, generation, &found);
        return found ? &t->tracks[i] : NULL;
}

static struct track *track_add(struct topic_loss *t, const char *source,
                               uint64_t generation)
{
        bool found;
        size_t i = track_find(t, source, generation, &found);
        if (found) {
                return &t->tracks[i];
        }
        if (t->ntracks == t->cap) {
                size_t cap      = t->cap ? t->cap * 2 : 16;
                struct track *n = realloc(t->tracks, cap * sizeof(*n));
                if (!n) {
                        return NULL;
                }
                t->tracks = n;
                t->cap    = cap;
        }
        char *copy = strdup(source);
        if (!copy) {
                return NULL;
        }
        memmove(&t->tracks[i + 1], &t->tracks[i],
                (t->ntracks - i) * sizeof(*t->tracks));
        t->tracks[i] = (struct track){.source = copy, .generation = generation};
        t->ntracks++;
        return &t->tracks[i];
}

static int bit_set(struct bits *b, int32_t partition)
{
        size_t w = (size_t)partition >> 6;
        if (w >= b->n) {
                uint64_t *n = realloc(b->w, (w + 1) * sizeof(*n));
                if (!n) {
                        return -1;
                }
                memset(n + b->n, 0, (w + 1 - b->n) * sizeof(*n));
                b->w = n;
                b->n = w + 1;
        }
        b->w[w] |= UINT64_C(1) << ((unsigned)partition & 63);
        return 0;
}

static bool bit_get(const struct bits *b, int partition)
{
        size_t w = (size_t)partition >> 6;
        return w < b->n && (b->w[w] >> ((unsigned)partition & 63)) & 1;
}

static bool bits_any(const struct bits *b)
{
        for (size_t i = 0; i < b->n; i++) {
                if (b->w[i]) {
                        return true;
                }
        }
        return false;
}

int topic_loss_control(struct topic_loss *t, const struct aggregates_message *m,
                       int32_t partition, bool before_start)
{
        if ((m->kind != WIRE_RESET && m->kind != WIRE_SNAPSHOT_COMPLETE) ||
            partition < 0) {
                return 0;
        }
        struct track *tr =
            track_add(t, m->source ? m->source : "", m->generation);
        if (!tr) {
                t->broken = true;
                return -1;
        }
        bool complete = m->kind == WIRE_SNAPSHOT_COMPLETE;
        if (bit_set(complete ? &tr->complete : &tr->reset, partition) != 0) {
                t->broken = true;
                return -1;
        }
        tr->complete_before_start |= complete && before_start;
        return 0;
}

/* Every row of the generation that the topic still holds has been read:
 * each partition's snapshot-complete copy was read, or the partition's
 * oldest messages (this generation's reset among them) were deleted before
 * the dashboard started, the generation was complete by then, and the
 * replay has read the partition to where it was. */
static bool settled(struct track *tr, const struct topic_loss_topic *tp)
{
        if (tr && tr->settled) {
                return true;
        }
        if (!tr || !tp->caught_up || tp->partitions <= 0) {
                return false;
        }
        for (int q = 0; q < tp->partitions; q++) {
                if (bit_get(&tr->complete, q)) {
                        continue;
                }
                if (tp->log_start[q] > 0 && tr->complete_before_start &&
                    !bit_get(&tr->reset, q)) {
                        continue;
                }
                return false;
        }
        tr->settled = true;
        return true;
}

/* The lowest record number the generation holds (0: none). */
static uint64_t lowest_record(const struct generation *g)
{
        for (size_t w = 0; w < g->seen_words; w++) {
                if (g->seen[w]) {
                        return (uint64_t)w * 64 +
                               (uint64_t)__builtin_ctzll(g->seen[w]);
                }
        }
        return 0;
}

static void set_reason(struct topic_loss_finding *f,
                       const struct topic_loss_topic *tp)
{
        f->reason = TOPIC_LOSS_NOT_READ;
        for (int q = 0; q < tp->partitions; q++) {
                if (tp->log_start[q] > 0) {
                        f->reason    = TOPIC_LOSS_START_DELETED;
                        f->partition = q;
                        f->log_start = tp->log_start[q];
                        return;
                }
        }
}

/* Judges one generation. @returns whether something is missing. */
static bool judge(const struct topic_loss *t, const char *source,
                  const struct generation *g, bool shown,
                  const struct topic_loss_topic *tp,
                  struct topic_loss_finding *f)
{
        struct track *tr = track_get(t, source, g->number);
        *f               = (struct topic_loss_finding){.generation = g->number,
                                                       .shown      = shown,
                                                       .partition  = -1,
                                                       .log_start  = -1};
        if (!tp->caught_up) {
                return false;
        }
        if (g->complete_known) {
                if (g->rows_le_last >= g->row_count || !settled(tr, tp)) {
                        return false;
                }
                f->rows_known = true;
                f->rows       = g->row_count - g->rows_le_last;
                f->expected   = g->row_count;
        } else {
                /* Rows read with the generation's reset read nowhere: a
                 * partition keeps order and the reset comes first on each,
                 * so it was deleted, and rows with it. Generation 0 is
                 * messages of other writers (no reset ever). */
                if (!shown || t->broken || g->number == 0 || g->rows == 0 ||
                    (tr && bits_any(&tr->reset))) {
                        return false;
                }
                f->before = lowest_record(g);
        }
        set_reason(f, tp);
        return true;
}

static bool same(const struct topic_loss_finding *a,
                 const struct topic_loss_finding *b)
{
        return a->generation == b->generation && a->shown == b->shown &&
               a->rows_known == b->rows_known && a->rows == b->rows &&
               a->before == b->before && a->reason == b->reason;
}

/* Drops the tracks of generations older than what their source shows. */
static void prune(struct topic_loss *t, const struct aggregates *a)
{
        size_t keep = 0;
        for (size_t i = 0; i < t->ntracks; i++) {
                struct track *tr = &t->tracks[i];
                bool found;
                uint64_t shown = 0;
                size_t k = 0, lo = 0, hi = a->nsources;
                found = false;
                while (lo < hi) {
                        k     = (lo + hi) / 2;
                        int c = strcmp(a->sources[k].name, tr->source);
                        if (c == 0) {
                                found = true;
                                break;
                        }
                        if (c < 0) {
                                lo = k + 1;
                        } else {
                                hi = k;
                        }
                }
                if (found && a->sources[k].current) {
                        shown = a->sources[k].current->number;
                }
                if (tr->generation < shown) {
                        track_free(tr);
                        continue;
                }
                t->tracks[keep++] = *tr;
        }
        t->ntracks = keep;
}

int topic_loss_evaluate(struct topic_loss *t, const struct aggregates *a,
                        const struct topic_loss_topic *tp,
                        topic_loss_change_cb change, void *ctx)
{
        prune(t, a);
        struct topic_loss_finding *now =
            calloc(a->nsources ? a->nsources : 1, sizeof(*now));
        size_t n = 0;
        if (!now) {
                return -1;
        }
        for (size_t i = 0; i < a->nsources; i++) {
                const struct source *s = &a->sources[i];
                struct topic_loss_finding f;
                bool lost =
                    s->current && judge(t, s->name, s->current, true, tp, &f);
                if (!lost && s->pending) {
                        lost = judge(t, s->name, s->pending, false, tp, &f);
                }
                if (!lost) {
                        continue;
                }
                if (!(f.source = strdup(s->name))) {
                        free_found(now, n);
                        return -1;
                }
                now[n++] = f;
        }
        /* Both lists are in source order: report what changed. */
        size_t i = 0, j = 0;
        while (change && (i < t->nfound || j < n)) {
                int c = i == t->nfound ? 1
                        : j == n       ? -1
                                 : strcmp(t->found[i].source, now[j].source);
                if (c < 0) {
                        change(ctx, &t->found[i++], NULL);
                } else if (c > 0) {
                        change(ctx, NULL, &now[j++]);
                } else {
                        if (!same(&t->found[i], &now[j])) {
                                change(ctx, &t->found[i], &now[j]);
                        }
                        i++;
                        j++;
                }
        }
        free_found(t->found, t->nfound);
        t->found  = now;
        t->nfound = n;
        return 0;
}

const struct topic_loss_finding *topic_loss_find(const struct topic_loss *t,
                                                 const char *source)
{
        size_t lo = 0, hi = t ? t->nfound : 0;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c      = strcmp(t->found[mid].source, source);
                if (c == 0) {
                        return &t->found[mid];
                }
                if (c < 0) {
                        lo = mid + 1;
                } else {
                        hi = mid;
                }
        }
        return NULL;
}

size_t topic_loss_sources(const struct topic_loss *t)
{
        return t ? t->nfound : 0;
}

uint64_t topic_loss_rows(const struct topic_loss *t)
{
        uint64_t n = 0;
        for (size_t i = 0; t && i < t->nfound; i++) {
                n += t->found[i].rows_known ? t->found[i].rows : 0;
        }
        return n;
}

const char *topic_loss_describe(const struct topic_loss_finding *f, char *buf,
                                size_t size)
{
        char count[96], why[160];
        if (f->rows_known) {
                snprintf(count, sizeof(count),
                         "%" PRIu64 " of its %" PRIu64 " rows are", f->rows,
                         f->expected);
        } else if (f->before > 1) {
                snprintf(count, sizeof(count),
                         "its start (records before #%" PRIu64 ") is",
                         f->before);
        } else {
                snprintf(count, sizeof(count), "its start is");
        }
        if (f->reason == TOPIC_LOSS_START_DELETED) {
                snprintf(why, sizeof(why),
                         "the topic's oldest messages were deleted (retention "
                         "or kafka-delete-records: partition %" PRId32
                         " starts at offset %" PRId64 ")",
                         f->partition, f->log_start);
        } else {
                snprintf(why, sizeof(why),
                         "they were not read from the topic, though every "
                         "partition starts at offset 0 (recreated topic, lost "
                         "messages, or skipped by the dashboard)");
        }
        snprintf(buf, size, "%s generation %" PRIu64 ": %s missing: %s",
                 f->shown ? "the shown" : "the newer (not shown)",
                 f->generation, count, why);
        return buf;
}

int topic_loss_render(const struct topic_loss *t, const char *source,
                      struct wire_buf *b)
{
        const struct topic_loss_finding *f = topic_loss_find(t, source);
        if (!f) {
                return put(b, "null");
        }
        int rc = wire_buf_printf(b,
                                 "{\"generation\":%" PRIu64 ",\"shown\":%s,"
                                 "\"rows\":",
                                 f->generation, f->shown ? "true" : "false");
        rc |= f->rows_known ? wire_buf_printf(b, "%" PRIu64, f->rows)
                            : put(b, "null");
        rc |= put(b, ",\"expected\":");
        rc |= f->rows_known ? wire_buf_printf(b, "%" PRIu64, f->expected)
                            : put(b, "null");
        rc |= put(b, ",\"before_record\":");
        rc |= !f->rows_known && f->before > 1
                  ? wire_buf_printf(b, "%" PRIu64, f->before)
                  : put(b, "null");
        rc |= wire_buf_printf(b, ",\"reason\":\"%s\",\"partition\":",
                              topic_loss_reason_name(f->reason));
        rc |= f->partition >= 0 ? wire_buf_printf(b, "%" PRId32, f->partition)
                                : put(b, "null");
        rc |= put(b, ",\"log_start\":");
        rc |= f->log_start >= 0 ? wire_buf_printf(b, "%" PRId64, f->log_start)
                                : put(b, "null");
        char text[512];
        topic_loss_describe(f, text, sizeof(text));
        rc |= put(b, ",\"message\":");
        rc |= put_str(b, text, strlen(text));
        return rc | put(b, "}");
}
