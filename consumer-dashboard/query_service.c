/* SPDX-License-Identifier: MIT */
#include "query_service.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "core/snapshot_json.h"

#define CSV_CHUNK_MAX      10000
#define ROLE_NAME_MAX      256 /* a column name, NUL included */
#define SNAPSHOT_CACHE_MAX 16  /* views rendered per published snapshot */

/* One view's snapshot, rendered since the last publish. */
struct cached_view {
        struct wire_buf key; /* roles and source (view_key) */
        struct wire_buf body;
};

/* A request waiting for an index, with the rows it saw when it came in. */
struct waiting {
        struct hub_request *r;
        uint64_t rows;
};

struct query_service {
        struct query_service_config cfg;
        struct waiting *waiting;
        size_t nwaiting, capwaiting;
        size_t jobs_out; /* handed to the sort thread, not installed */
        /* Shared with the sort thread, under lock: */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct sort_job **todo, **done;
        size_t ntodo, ndone, capjobs;
        bool stop;
        pthread_t thread;
        bool started;
        struct cached_view cache[SNAPSHOT_CACHE_MAX]; /* Kafka thread */
        size_t ncache;
        uint64_t views_rendered, views_shared;
};

/* A request's view as bytes: each role and the source, NUL-terminated, a
 * lone 0x01 for "not given". */
static int view_key(const struct hub_request *r, struct wire_buf *out)
{
        int rc = 0;
        for (int i = 0; i <= AGGREGATES_ROLE_COUNT; i++) {
                const char *v =
                    i < AGGREGATES_ROLE_COUNT ? r->roles[i] : r->source;
                rc |= v ? wire_buf_append(out, v, strlen(v) + 1)
                        : wire_buf_append(out, "\x01", 1);
        }
        return rc;
}

static struct cached_view *cached(struct query_service *qs,
                                  const struct wire_buf *key)
{
        for (size_t i = 0; i < qs->ncache; i++) {
                struct cached_view *c = &qs->cache[i];
                if (c->key.len == key->len &&
                    memcmp(c->key.data, key->data, key->len) == 0) {
                        return c;
                }
        }
        return NULL;
}

/* Answers a viewer's snapshot from this publish's render of the same view,
 * else renders it (and keeps it while there is room). */
static int render_view(struct query_service *qs, struct hub_request *r)
{
        struct wire_buf key = {0};
        if (view_key(r, &key) != 0) {
                wire_buf_finish(&key);
                return -1;
        }
        struct cached_view *c = cached(qs, &key);
        if (c) {
                wire_buf_finish(&key);
                qs->views_shared++;
                return wire_buf_append(&r->body, c->body.data, c->body.len);
        }
        int rc = qs->cfg.render_snapshot(qs->cfg.ctx, &r->body);
        qs->views_rendered++;
        if (rc == 0 && qs->ncache < SNAPSHOT_CACHE_MAX) {
                c   = &qs->cache[qs->ncache];
                *c  = (struct cached_view){.key = key};
                key = (struct wire_buf){0};
                if (wire_buf_append(&c->body, r->body.data, r->body.len) == 0) {
                        qs->ncache++;
                } else {
                        wire_buf_finish(&c->key);
                        wire_buf_finish(&c->body);
                }
        }
        wire_buf_finish(&key);
        return rc;
}

void query_service_view_counts(const struct query_service *qs,
                               uint64_t *rendered, uint64_t *shared)
{
        *rendered = qs->views_rendered;
        *shared   = qs->views_shared;
}

void query_service_published(struct query_service *qs)
{
        for (size_t i = 0; i < qs->ncache; i++) {
                wire_buf_finish(&qs->cache[i].key);
                wire_buf_finish(&qs->cache[i].body);
        }
        qs->ncache = 0;
}

static void *sort_thread(void *arg)
{
        struct query_service *qs = arg;
        pthread_mutex_lock(&qs->lock);
        for (;;) {
                while (!qs->stop && qs->ntodo == 0) {
                        pthread_cond_wait(&qs->cond, &qs->lock);
                }
                if (qs->stop) {
                        break;
                }
                struct sort_job *j = qs->todo[0];
                memmove(qs->todo, qs->todo + 1,
                        --qs->ntodo * sizeof(*qs->todo));
                pthread_mutex_unlock(&qs->lock);
                if (sort_job_run(j) != 0) {
                        log_error("event=sort_failed error=\"out of "
                                  "memory\"");
                }
                pthread_mutex_lock(&qs->lock);
                qs->done[qs->ndone++] = j;
                pthread_mutex_unlock(&qs->lock);
                qs->cfg.wake(qs->cfg.ctx);
                pthread_mutex_lock(&qs->lock);
        }
        pthread_mutex_unlock(&qs->lock);
        return NULL;
}

struct query_service *
query_service_create(const struct query_service_config *cfg)
{
        struct query_service *qs = calloc(1, sizeof(*qs));
        if (!qs) {
                return NULL;
        }
        qs->cfg = *cfg;
        pthread_mutex_init(&qs->lock, NULL);
        pthread_cond_init(&qs->cond, NULL);
        aggregates_set_index_mode(cfg->agg, cfg->index_budget, true);
        if (pthread_create(&qs->thread, NULL, sort_thread, qs) != 0) {
                query_service_destroy(qs);
                return NULL;
        }
        qs->started = true;
        return qs;
}

/* Hands a job to the sort thread. Both job lists have room for every job
 * out, so that the sort thread never allocates. */
static int hand_out(struct query_service *qs, struct sort_job *j)
{
        pthread_mutex_lock(&qs->lock);
        if (qs->jobs_out + 1 > qs->capjobs) {
                size_t cap             = qs->capjobs ? qs->capjobs * 2 : 8;
                struct sort_job **todo = realloc(qs->todo, cap * sizeof(*todo));
                if (todo) {
                        qs->todo = todo;
                }
                struct sort_job **done = realloc(qs->done, cap * sizeof(*done));
                if (done) {
                        qs->done = done;
                }
                if (!todo || !done) {
                        pthread_mutex_unlock(&qs->lock);
                        return -1;
                }
                qs->capjobs = cap;
        }
        qs->todo[qs->ntodo++] = j;
        qs->jobs_out++;
        pthread_cond_signal(&qs->cond);
        pthread_mutex_unlock(&qs->lock);
        return 0;
}

static void install_done(struct query_service *qs)
{
        pthread_mutex_lock(&qs->lock);
        size_t n = qs->ndone;
        for (size_t i = 0; i < n; i++) {
                aggregates_index_finish(qs->cfg.agg, qs->done[i]);
        }
        qs->ndone = 0;
        qs->jobs_out -= n;
        pthread_mutex_unlock(&qs->lock);
}

/* Fills in the answer. @returns false when the request waits for an
 * index (nothing filled in). */
static bool serve(struct query_service *qs, struct hub_request *r,
                  uint64_t rows)
{
        struct aggregates *a = qs->cfg.agg;
        struct rows_query q;
        int rc;
        r->status   = 200;
        bool paging = r->kind == HUB_REQ_ROWS;
        if ((r->kind == HUB_REQ_ROWS || r->kind == HUB_REQ_CSV) &&
            rows_query_parse(r->query, paging, &q, r->error,
                             sizeof(r->error)) != 0) {
                r->status = 400;
                return true;
        }
        const char *source = r->source && r->source[0] ? r->source : NULL;
        if (source && !aggregates_has_source(a, source)) {
                r->status = 400;
                snprintf(r->error, sizeof(r->error),
                         "unknown source '%.60s': GET /api/sources lists "
                         "the sources",
                         source);
                return true;
        }
        aggregates_set_page_min_rows(a, rows);
        aggregates_set_viewer_roles(a, r->roles);
        aggregates_set_viewer_source(a, source);
        /* A filter keeps the rows of one category of the (viewer's)
         * category column. */
        char category[ROLE_NAME_MAX];
        if ((r->kind == HUB_REQ_ROWS || r->kind == HUB_REQ_CSV) &&
            q.filter_given) {
                if (aggregates_role_column(a, AGGREGATES_ROLE_CATEGORY,
                                           category, sizeof(category)) != 0) {
                        aggregates_set_viewer_roles(a, NULL);
                        aggregates_set_viewer_source(a, NULL);
                        r->status = 400;
                        snprintf(r->error, sizeof(r->error),
                                 "no category column to filter by");
                        return true;
                }
                aggregates_set_page_filter(a, category, q.filter);
        }
        switch (r->kind) {
        case HUB_REQ_SNAPSHOT:
                rc = render_view(qs, r);
                break;
        case HUB_REQ_ROWS:
                rc = snapshot_render_rows(a, &q, &r->body);
                break;
        case HUB_REQ_CATEGORIES:
                rc = snapshot_render_categories(a, &r->body);
                break;
        case HUB_REQ_SOURCES:
                rc = qs->cfg.render_sources(qs->cfg.ctx, &r->body);
                break;
        case HUB_REQ_CSV:
        default:
                /* Every chunk of one export reads the same rows: a chunk
                 * may come from an index that the next rows are not in. */
                rc = snapshot_render_csv(
                    a, &q, r->offset,
                    r->limit > CSV_CHUNK_MAX ? CSV_CHUNK_MAX : r->limit,
                    &r->cursor, &r->more, &r->body);
                break;
        }
        aggregates_set_viewer_roles(a, NULL);
        aggregates_set_viewer_source(a, NULL);
        aggregates_set_page_filter(a, NULL, NULL);
        switch (rc) {
        case 0:
                break;
        case SNAPSHOT_NOT_READY:
                r->status = 200;
                return false;
        case SNAPSHOT_UNKNOWN_COLUMN:
                r->status = 400;
                snprintf(r->error, sizeof(r->error), "unknown sort column");
                break;
        case SNAPSHOT_GONE:
                r->status = 409;
                snprintf(r->error, sizeof(r->error),
                         "the rows changed during the export (a file's new "
                         "generation): export again");
                break;
        case SNAPSHOT_OVER_BUDGET:
                r->status = 503;
                snprintf(r->error, sizeof(r->error),
                         "sorting by this column needs more memory than "
                         "--index-memory allows");
                break;
        default:
                r->status = 500;
                snprintf(r->error, sizeof(r->error), "out of memory");
                break;
        }
        return true;
}

static void wait_for_index(struct query_service *qs, struct hub_request *r,
                           uint64_t rows)
{
        if (qs->nwaiting == qs->capwaiting) {
                size_t cap        = qs->capwaiting ? qs->capwaiting * 2 : 16;
                struct waiting *w = realloc(qs->waiting, cap * sizeof(*w));
                if (!w) {
                        r->status = 500;
                        snprintf(r->error, sizeof(r->error), "out of memory");
                        snapshot_hub_answer(qs->cfg.hub, r);
                        return;
                }
                qs->waiting    = w;
                qs->capwaiting = cap;
        }
        qs->waiting[qs->nwaiting++] = (struct waiting){r, rows};
}

static void retry_waiting(struct query_service *qs)
{
        size_t keep = 0;
        size_t n    = qs->nwaiting;
        for (size_t i = 0; i < n; i++) {
                struct waiting w = qs->waiting[i];
                if (serve(qs, w.r, w.rows)) {
                        snapshot_hub_answer(qs->cfg.hub, w.r);
                } else {
                        qs->waiting[keep++] = w;
                }
        }
        qs->nwaiting = keep;
}

static void hand_out_jobs(struct query_service *qs)
{
        struct sort_job *j;
        while ((j = aggregates_index_next_job(qs->cfg.agg)) != NULL) {
                if (hand_out(qs, j) != 0) {
                        /* Give it back unrun: the index starts over. */
                        aggregates_index_finish(qs->cfg.agg, j);
                        log_error("event=sort_failed error=\"out of "
                                  "memory\"");
                        break;
                }
        }
}

void query_service_poll(struct query_service *qs)
{
        install_done(qs);
        retry_waiting(qs);
        struct hub_request *r = snapshot_hub_take_requests(qs->cfg.hub);
        uint64_t rows         = aggregates_view_rows(qs->cfg.agg);
        while (r) {
                struct hub_request *next = r->next;
                if (serve(qs, r, rows)) {
                        snapshot_hub_answer(qs->cfg.hub, r); /* r may go */
                } else {
                        wait_for_index(qs, r, rows);
                }
                r = next;
        }
        hand_out_jobs(qs);
}

void query_service_warm(struct query_service *qs)
{
        struct rows_query q;
        struct wire_buf page = {0};
        char err[128];
        aggregates_set_page_min_rows(qs->cfg.agg,
                                     aggregates_view_rows(qs->cfg.agg));
        if (rows_query_parse(NULL, true, &q, err, sizeof(err)) == 0) {
                (void)snapshot_render_rows(qs->cfg.agg, &q, &page); /* only
                                                     asks for the index */
        }
        wire_buf_finish(&page);
        hand_out_jobs(qs);
}

void query_service_finish(struct query_service *qs)
{
        install_done(qs);
        for (size_t i = 0; i < qs->nwaiting; i++) {
                struct hub_request *r = qs->waiting[i].r;
                r->status             = 503;
                snprintf(r->error, sizeof(r->error), "shutting down");
                snapshot_hub_answer(qs->cfg.hub, r);
        }
        qs->nwaiting = 0;
        /* Requests queued meanwhile are answered by the hub's close. */
}

void query_service_destroy(struct query_service *qs)
{
        if (!qs) {
                return;
        }
        if (qs->started) {
                pthread_mutex_lock(&qs->lock);
                qs->stop = true;
                pthread_cond_signal(&qs->cond);
                pthread_mutex_unlock(&qs->lock);
                pthread_join(qs->thread, NULL);
        }
        /* Jobs never run or not installed: give them back so that the
         * aggregates can free their indexes. */
        for (size_t i = 0; i < qs->ntodo; i++) {
                aggregates_index_finish(qs->cfg.agg, qs->todo[i]);
        }
        for (size_t i = 0; i < qs->ndone; i++) {
                aggregates_index_finish(qs->cfg.agg, qs->done[i]);
        }
        query_service_published(qs); /* frees the views kept */
        free(qs->todo);
        free(qs->done);
        free(qs->waiting);
        pthread_cond_destroy(&qs->cond);
        pthread_mutex_destroy(&qs->lock);
        free(qs);
}
