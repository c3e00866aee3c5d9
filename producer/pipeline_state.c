/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's durable state (loop thread only): what the state file
 * says, saved on the thread pool, and the gate that keeps production
 * behind it. The state names the generation before anything of it is
 * produced, and its fingerprint covers a chunk of the file before any
 * record of that chunk is produced: after a crash at any instant the state
 * names the newest generation and every byte that may be on the topic, so
 * a restart either resumes exactly or starts a newer generation.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/log.h"
#include "typing.h"

#define PIPELINE_ERRSTR_LEN 512

bool pipeline_gate_open(const struct pipeline *p, uint64_t end)
{
        return p->durable_gen == p->gen &&
               p->durable_deleted == p->gen_deleted && end <= p->durable_len;
}

/* The state to write: the acknowledged position when it is of the current
 * generation (else its start: the reset is not acknowledged yet), the
 * file's stat before its latest read and the fingerprint of what was read. */
static void build_state(struct pipeline *p, struct checkpoint *out)
{
        struct file_stat st;

        if (p->ck.generation == p->gen) {
                *out = p->ck;
        } else {
                checkpoint_init(out);
                out->generation = p->gen;
        }
        snprintf(out->source, sizeof(out->source), "%s", p->cfg.source);
        out->deleted = p->gen_deleted;
        out->dev = out->ino = out->size = 0;
        out->mtime_ns = out->ctime_ns = 0;
        out->racy                     = false;
        out->fp_len = out->fp_hash = out->fp_fold_len = out->fp_fold = 0;
        out->head_len                                                = 0;
        out->types[0]                                                = '\0';
        if (p->gen_deleted || file_tail_read_stat(p->tail, &st) != 0) {
                return;
        }
        out->dev      = st.dev;
        out->ino      = st.ino;
        out->size     = st.size;
        out->mtime_ns = st.mtime_ns;
        out->ctime_ns = st.ctime_ns;
        out->racy     = st.racy;
        file_tail_fingerprint(p->tail, &out->fp_len, &out->fp_hash,
                              &out->fp_fold_len, &out->fp_fold);
        if (out->offset > 0) {
                out->head_len = p->header_len;
        }
        (void)typing_encode_types(p->typing, out->types, sizeof(out->types));
}

static void note_durable(struct pipeline *p, uint64_t gen, uint64_t len,
                         bool deleted, uint64_t offset)
{
        p->durable_gen          = gen;
        p->durable_len          = len;
        p->durable_deleted      = deleted;
        p->m->checkpoint_offset = offset;
}

/* A failing save is logged when it starts failing and when it works
 * again; meanwhile the health check reports ck_error at a bounded rate.
 * Sending waits for the state file (nothing may get ahead of it). */
static void note_save_result(struct pipeline *p, int status, const char *error)
{
        if (status != 0) {
                if (!p->ck_error[0]) {
                        log_error("event=checkpoint_failed path=%s "
                                  "error=\"%s\" effect=\"sending waits for "
                                  "the state file\"",
                                  state_store_path(p->store), error);
                }
                snprintf(p->ck_error, sizeof(p->ck_error), "%s",
                         error ? error : "?");
                return;
        }
        if (p->ck_error[0]) {
                log_info("event=checkpoint_saved_again path=%s",
                         state_store_path(p->store));
                p->ck_error[0] = '\0';
        }
}

static void on_saved(void *ctx, int status, const char *error)
{
        struct pipeline *p = ctx;

        note_save_result(p, status, error);
        if (status != 0) {
                p->save_wanted = true; /* the checkpoint timer retries */
                return;
        }
        note_durable(p, p->saving_gen, p->saving_len, p->saving_deleted,
                     p->ck.offset);
        if (p->stopping || p->finished) {
                return;
        }
        if (p->save_wanted) {
                p->save_wanted = false;
                pipeline_request_save(p);
        }
        if (p->gate_waiting && !state_store_busy(p->store)) {
                p->gate_waiting = false;
                file_tail_resume(p->tail);
        }
        if (p->eof_deferred && pipeline_gate_open(p, 0)) {
                p->eof_deferred = false;
                pipeline_on_eof(p, file_tail_offset(p->tail));
        }
}

void pipeline_request_save(struct pipeline *p)
{
        char errstr[PIPELINE_ERRSTR_LEN];
        struct checkpoint *out = &p->save_buf;

        if (p->stopping || p->finished) {
                return;
        }
        if (state_store_busy(p->store)) {
                p->save_wanted = true;
                return;
        }
        build_state(p, out);
        if (state_store_save_async(p->store, p->loop, out, on_saved, p, errstr,
                                   sizeof(errstr)) != 0) {
                on_saved(p, -1, errstr);
                return;
        }
        p->save_wanted    = false;
        p->ck_dirty       = false;
        p->saving_gen     = out->generation;
        p->saving_len     = out->fp_len;
        p->saving_deleted = out->deleted;
}

void pipeline_save_checkpoint(struct pipeline *p)
{
        char errstr[PIPELINE_ERRSTR_LEN];
        struct checkpoint *out = &p->save_buf;

        if (p->starting || p->gen == 0) {
                return; /* nothing decided yet: keep the state as it is */
        }
        build_state(p, out);
        if (state_store_save(p->store, out, errstr, sizeof(errstr)) != 0) {
                note_save_result(p, -1, errstr);
                return;
        }
        note_save_result(p, 0, NULL);
        p->ck_dirty = false;
        note_durable(p, out->generation, out->fp_len, out->deleted,
                     out->offset);
}

void pipeline_on_ckpt_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        if ((p->ck_dirty || p->save_wanted) && !p->starting && p->gen != 0) {
                pipeline_request_save(p);
        }
}

void pipeline_state_loaded(struct pipeline *p, const struct checkpoint *ck)
{
        note_durable(p, ck->generation, ck->fp_len, ck->deleted, ck->offset);
}
