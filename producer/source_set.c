/* SPDX-License-Identifier: MIT */
#include "source_set.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "file_tail.h"
#include "state_store.h"

/* A message's sequence number: the source's index above SEQ_SHIFT, the
 * pipeline's own number below (an ack tracker never gets near 2^48). */
#define SEQ_SHIFT   48
#define SEQ_MASK    ((UINT64_C(1) << SEQ_SHIFT) - 1)
#define SOURCES_MAX 65535

struct source {
        struct source_set *set;
        char *path;   /* as matched */
        char *source; /* canonical absolute path, or --source-id */
        struct pipeline_config cfg;
        struct state_store *store;
        struct pipeline *pipeline;
        struct file_tail *tail;
        bool done;
        int status;
};

struct source_set {
        uv_loop_t *loop;
        struct source_set_config cfg;
        struct producer_metrics *m;
        source_set_done_cb done;
        void *done_ctx;
        struct kafka_sink *sink;
        struct source **sources;
        size_t count;
        size_t cap;
        size_t finished;
        int status;
        bool stopping;
        uv_timer_t rescan;
        bool rescan_init;
};

/* The source identity of a path: its directory's canonical absolute path
 * (symlinks, "." and ".." resolved) and the file's own name as given. The
 * name itself is not resolved: a watched name that is a symlink stays one
 * source when the link is pointed at another file (`ln -sfn`, mounted
 * config maps), whose content is then that source's new generation. */
static int canonical_path(const char *path, char *out, size_t size)
{
        char dir_buf[PATH_MAX], base_buf[PATH_MAX], real[PATH_MAX];
        const char *dir, *base;

        snprintf(dir_buf, sizeof(dir_buf), "%s", path);
        snprintf(base_buf, sizeof(base_buf), "%s", path);
        dir  = dirname(dir_buf);
        base = basename(base_buf);
        if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
            strcmp(base, "/") == 0) {
                /* Not a file name (a directory: the tail reports it). */
                if (!realpath(path, real)) {
                        return -1;
                }
                return snprintf(out, size, "%s", real) < (int)size ? 0 : -1;
        }
        if (!realpath(dir, real)) {
                return -1;
        }
        return snprintf(out, size, "%s/%s", strcmp(real, "/") ? real : "",
                        base) < (int)size
                   ? 0
                   : -1;
}

static struct source *find(struct source_set *set, const char *source)
{
        for (size_t i = 0; i < set->count; i++) {
                if (strcmp(set->sources[i]->source, source) == 0) {
                        return set->sources[i];
                }
        }
        return NULL;
}

static void on_source_done(void *ctx, int status)
{
        struct source *s       = ctx;
        struct source_set *set = s->set;

        if (s->done) {
                return;
        }
        s->done   = true;
        s->status = status;
        if (status > set->status) {
                set->status = status;
        }
        if (++set->finished == set->count || status != 0) {
                /* A fatal error in one source ends the producer. */
                set->stopping = true;
                if (set->rescan_init) {
                        uv_timer_stop(&set->rescan);
                }
                set->done(set->done_ctx, set->status);
        }
}

static void free_source(struct source *s)
{
        if (!s) {
                return;
        }
        pipeline_destroy(s->pipeline);
        state_store_destroy(s->store);
        free(s->path);
        free(s->source);
        free(s);
}

/* Creates and starts the source of one file. @returns 0, 1 (held by
 * another process), -1 (errstr). */
static int add_source(struct source_set *set, const char *path,
                      const char *source, char *errstr, size_t errstr_size)
{
        struct source *s;
        struct source **grown;
        int r;

        if (set->count >= SOURCES_MAX) {
                snprintf(errstr, errstr_size, "more than %d files",
                         SOURCES_MAX);
                return -1;
        }
        if (set->count == set->cap) {
                size_t cap = set->cap ? set->cap * 2 : 4;
                grown      = realloc(set->sources, cap * sizeof(*grown));
                if (!grown) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                set->sources = grown;
                set->cap     = cap;
        }
        s = calloc(1, sizeof(*s));
        if (!s || !(s->path = strdup(path)) || !(s->source = strdup(source))) {
                free_source(s);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        s->set         = set;
        s->cfg         = *set->cfg.base;
        s->cfg.source  = s->source;
        s->cfg.seq_tag = (uint64_t)set->count << SEQ_SHIFT;
        s->store = state_store_create(set->cfg.state_dir, s->source, errstr,
                                      errstr_size);
        r        = s->store ? state_store_lock(s->store, set->cfg.owner, errstr,
                                               errstr_size)
                            : -1;
        if (r != 0) {
                free_source(s);
                return r;
        }
        s->pipeline = pipeline_create(set->loop, &s->cfg, s->store, set->m,
                                      on_source_done, s, errstr, errstr_size);
        if (!s->pipeline) {
                free_source(s);
                return -1;
        }
        s->tail = file_tail_create(set->loop, path, set->cfg.chunk_bytes,
                                   set->cfg.stat_interval_ms,
                                   &pipeline_tail_cbs, s->pipeline);
        if (!s->tail) {
                free_source(s);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        set->sources[set->count++] = s;
        log_info("event=source_added path=%s source=%s state=%s", path,
                 s->source, state_store_path(s->store));
        pipeline_start(s->pipeline, s->tail, set->sink);
        return 0;
}

static bool has_magic(const char *pattern)
{
        return strpbrk(pattern, "*?[") != NULL;
}

/* A pattern as an absolute path pattern (its directory resolved), to
 * match the sources named in state files. */
static int canonical_pattern(const char *pattern, char *out, size_t size)
{
        char base_buf[PATH_MAX], dir_buf[PATH_MAX], real[PATH_MAX];

        snprintf(dir_buf, sizeof(dir_buf), "%s", pattern);
        snprintf(base_buf, sizeof(base_buf), "%s", pattern);
        if (!realpath(dirname(dir_buf), real)) {
                return -1;
        }
        return snprintf(out, size, "%s/%s", strcmp(real, "/") ? real : "",
                        basename(base_buf)) < (int)size
                   ? 0
                   : -1;
}

/* Adds a source per file matching the patterns that has none yet. */
static int expand(struct source_set *set, bool at_start, char *errstr,
                  size_t errstr_size)
{
        char canon[PATH_MAX];
        int rc = 0;

        for (size_t i = 0; i < set->cfg.npatterns && rc == 0; i++) {
                const char *pat = set->cfg.patterns[i];
                glob_t g;
                int gr = glob(pat, has_magic(pat) ? 0 : GLOB_NOCHECK, NULL, &g);

                if (gr == GLOB_NOMATCH) {
                        if (at_start) {
                                log_info("event=pattern_no_match pattern=%s",
                                         pat);
                        }
                        continue;
                }
                if (gr != 0) {
                        snprintf(errstr, errstr_size, "--file %s: glob failed",
                                 pat);
                        return -1;
                }
                for (size_t k = 0; k < g.gl_pathc && rc == 0; k++) {
                        const char *path   = g.gl_pathv[k];
                        const char *source = set->cfg.base->source;
                        if (!source) {
                                if (canonical_path(path, canon,
                                                   sizeof(canon)) != 0) {
                                        if (at_start) {
                                                snprintf(errstr, errstr_size,
                                                         "--file %s: %s", path,
                                                         strerror(errno));
                                                rc = -1;
                                        }
                                        continue;
                                }
                                source = canon;
                        }
                        if (!find(set, source)) {
                                rc = add_source(set, path, source, errstr,
                                                errstr_size);
                                if (rc == 1 && !at_start) {
                                        log_warn("event=source_conflict "
                                                 "error=\"%s\"",
                                                 errstr);
                                        rc = 0;
                                }
                        }
                }
                globfree(&g);
        }
        return rc;
}

/* Sources of state files that match a pattern but whose file is gone:
 * restarted, the producer mirrors their deletion. */
static int adopt_gone(struct source_set *set, char *errstr, size_t errstr_size)
{
        DIR *d = opendir(set->cfg.state_dir);
        struct dirent *e;
        int rc = 0;

        if (!d || set->cfg.base->source) {
                if (d) {
                        closedir(d);
                }
                return 0;
        }
        while (rc == 0 && (e = readdir(d))) {
                char path[PATH_MAX], line[PATH_MAX + 16], pat[PATH_MAX];
                size_t n = strlen(e->d_name);
                FILE *f;

                if (n < 7 || strcmp(e->d_name + n - 6, ".state") != 0 ||
                    snprintf(path, sizeof(path), "%s/%s", set->cfg.state_dir,
                             e->d_name) >= (int)sizeof(path) ||
                    !(f = fopen(path, "r"))) {
                        continue;
                }
                while (fgets(line, sizeof(line), f)) {
                        line[strcspn(line, "\n")] = '\0';
                        if (strncmp(line, "source=", 7) != 0) {
                                continue;
                        }
                        for (size_t i = 0; i < set->cfg.npatterns; i++) {
                                const char *src = line + 7;
                                if (canonical_pattern(set->cfg.patterns[i], pat,
                                                      sizeof(pat)) == 0 &&
                                    fnmatch(pat, src, FNM_PATHNAME) == 0 &&
                                    !find(set, src) && access(src, F_OK) != 0) {
                                        rc = add_source(set, src, src, errstr,
                                                        errstr_size);
                                        break;
                                }
                        }
                        break;
                }
                fclose(f);
        }
        closedir(d);
        return rc;
}

static void on_rescan(uv_timer_t *h)
{
        struct source_set *set = h->data;
        char errstr[512];

        if (!set->stopping && expand(set, false, errstr, sizeof(errstr)) != 0) {
                log_warn("event=rescan_failed error=\"%s\"", errstr);
        }
}

static void on_delivery(void *ctx, uint64_t seq, bool ok, const char *error,
                        size_t too_large)
{
        struct source_set *set = ctx;
        size_t i               = (size_t)(seq >> SEQ_SHIFT);

        if (i < set->count) {
                pipeline_sink_cbs.on_delivery(set->sources[i]->pipeline,
                                              seq & SEQ_MASK, ok, error,
                                              too_large);
        }
}

static void on_fatal(void *ctx, const char *reason)
{
        struct source_set *set = ctx;

        for (size_t i = 0; i < set->count; i++) {
                pipeline_sink_cbs.on_fatal(set->sources[i]->pipeline, reason);
        }
}

const struct kafka_sink_cbs source_set_sink_cbs = {
    .on_delivery = on_delivery,
    .on_fatal    = on_fatal,
};

struct source_set *source_set_create(uv_loop_t *loop,
                                     const struct source_set_config *cfg,
                                     struct producer_metrics *metrics,
                                     source_set_done_cb done, void *done_ctx,
                                     char *errstr, size_t errstr_size)
{
        struct source_set *set = calloc(1, sizeof(*set));

        if (!set) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        set->loop     = loop;
        set->cfg      = *cfg;
        set->m        = metrics;
        set->done     = done;
        set->done_ctx = done_ctx;
        return set;
}

int source_set_start(struct source_set *set, struct kafka_sink *sink,
                     char *errstr, size_t errstr_size)
{
        int rc;

        set->sink = sink;
        rc        = expand(set, true, errstr, errstr_size);
        if (rc == 0) {
                rc = adopt_gone(set, errstr, errstr_size);
        }
        if (rc != 0) {
                return rc;
        }
        if (set->cfg.base->source && set->count > 1) {
                snprintf(errstr, errstr_size,
                         "--source-id names one file, %zu match", set->count);
                return -1;
        }
        uv_timer_init(set->loop, &set->rescan);
        set->rescan.data = set;
        set->rescan_init = true;
        if (set->cfg.rescan_ms > 0) {
                uv_timer_start(&set->rescan, on_rescan, set->cfg.rescan_ms,
                               set->cfg.rescan_ms);
        }
        return 0;
}

size_t source_set_count(const struct source_set *set)
{
        return set->count;
}

struct pipeline *source_set_pipeline(const struct source_set *set, size_t i)
{
        return i < set->count ? set->sources[i]->pipeline : NULL;
}

const char *source_set_path(const struct source_set *set, size_t i)
{
        return i < set->count ? set->sources[i]->path : NULL;
}

void source_set_shutdown(struct source_set *set, int flush_timeout_ms)
{
        set->stopping = true;
        if (set->rescan_init) {
                uv_timer_stop(&set->rescan);
        }
        if (set->count == 0) {
                set->done(set->done_ctx, 0);
                return;
        }
        for (size_t i = 0; i < set->count; i++) {
                /* The first flush waits for every source's messages. */
                pipeline_shutdown(set->sources[i]->pipeline,
                                  i == 0 ? flush_timeout_ms : 0);
        }
}

static void noop_close(uv_handle_t *h)
{
        (void)h;
}

void source_set_close_handles(struct source_set *set)
{
        if (!set) {
                return;
        }
        for (size_t i = 0; i < set->count; i++) {
                file_tail_destroy(set->sources[i]->tail);
                set->sources[i]->tail = NULL;
                pipeline_close_handles(set->sources[i]->pipeline);
        }
        if (set->rescan_init) {
                uv_close((uv_handle_t *)&set->rescan, noop_close);
                set->rescan_init = false;
        }
}

void source_set_destroy(struct source_set *set)
{
        if (!set) {
                return;
        }
        for (size_t i = 0; i < set->count; i++) {
                free_source(set->sources[i]);
        }
        free(set->sources);
        free(set);
}
