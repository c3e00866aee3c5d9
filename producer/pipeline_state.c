/* SPDX-License-Identifier: MIT */
/*
 * Writing the state file (loop thread only): the state is built from the
 * machine's acknowledged position and generation, the file's stat before
 * its latest read and the fingerprint of what was read, and saved on the
 * thread pool (or blocking at exit). When to save, and what a save makes
 * durable, the machine decides (core/source_machine.h). Uses no other
 * pipeline file.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "typing.h"

#define PIPELINE_ERRSTR_LEN 512

uint64_t pipeline_reading_hash(const struct pipeline_config *cfg)
{
        const char *schema   = cfg->schema ? cfg->schema : "";
        const char *encoding = cfg->encoding ? cfg->encoding : "";
        char head[64];
        int n = snprintf(head, sizeof(head), "delimiter=%d;decimal_comma=%d;",
                         cfg->delimiter, cfg->decimal_comma ? 1 : 0);
        uint64_t h = checkpoint_hash(head, (size_t)n);

        /* Chained: each part's hash folded into the next. */
        h ^= checkpoint_hash(encoding, strlen(encoding)) * 31;
        h ^= checkpoint_hash(schema, strlen(schema)) * 131;
        if (cfg->decimal_point) { /* as --columns: older states stay valid */
                h ^= 0x9e3779b97f4a7c15u;
        }
        if (cfg->columns) { /* states written before --columns stay valid */
                h ^= checkpoint_hash(cfg->columns, strlen(cfg->columns)) * 1031;
        }
        return h ? h : 1;
}

/* The state to write: the acknowledged position when it is of the current
 * generation (else its start: the reset is not acknowledged yet), the
 * file's stat before its latest read and the fingerprint of what was read. */
static void build_state(struct pipeline *p, struct checkpoint *out)
{
        const struct sm_position *pos = source_machine_position(p->sm);
        uint64_t gen                  = source_machine_generation(p->sm);
        bool deleted                  = source_machine_deleted(p->sm);
        struct file_stat st;

        checkpoint_init(out);
        out->generation = gen;
        if (pos->generation == gen) {
                out->offset        = pos->offset;
                out->line          = pos->line;
                out->next_record   = pos->next_record;
                out->row_count     = pos->row_count;
                out->reset_done    = pos->reset_done;
                out->snapshot_done = pos->snapshot_done;
        }
        snprintf(out->source, sizeof(out->source), "%s", p->cfg.source);
        snprintf(out->topic, sizeof(out->topic), "%s", p->cfg.topic);
        out->reading = pipeline_reading_hash(&p->cfg);
        out->deleted = deleted;
        if (deleted || file_tail_read_stat(p->tail, &st) != 0) {
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

/* A failing save is logged when it starts failing and when it works
 * again; meanwhile the health check reports ck_error at a bounded rate.
 * Sending waits for the state file (nothing may get ahead of it). */
void pipeline_note_save_result(struct pipeline *p, int status,
                               const char *error)
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

void pipeline_save_async(struct pipeline *p, state_store_saved_cb cb)
{
        char errstr[PIPELINE_ERRSTR_LEN];
        struct checkpoint *out = &p->save_buf;

        build_state(p, out);
        if (state_store_save_async(p->store, p->loop, out, cb, p, errstr,
                                   sizeof(errstr)) != 0) {
                pipeline_note_save_result(p, -1, errstr);
                source_machine_on_saved(p->sm, false);
                return;
        }
        source_machine_on_save_started(p->sm, out->fp_len);
}

void pipeline_save_checkpoint(struct pipeline *p)
{
        char errstr[PIPELINE_ERRSTR_LEN];
        struct checkpoint *out = &p->save_buf;

        if (!source_machine_can_save(p->sm)) {
                return; /* nothing decided yet: keep the state as it is */
        }
        build_state(p, out);
        if (state_store_save(p->store, out, errstr, sizeof(errstr)) != 0) {
                pipeline_note_save_result(p, -1, errstr);
                return;
        }
        pipeline_note_save_result(p, 0, NULL);
        source_machine_on_saved_sync(p->sm, out->fp_len);
        p->m->checkpoint_offset = out->offset;
}
