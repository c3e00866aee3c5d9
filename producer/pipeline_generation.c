/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's generations (loop thread only): starting one (at start,
 * on a rewrite of the file) or resuming it from the state file, and its
 * reset and snapshot-complete control messages.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "sniffer.h"
#include "typing.h"

/* A file found empty right after a rewrite (`>` truncates, then writes)
 * gets this long to receive its content before an empty snapshot is sent. */
#define PIPELINE_EMPTY_SETTLE_MS 100

static uint64_t now_ms(void)
{
        return (uint64_t)clock_wall_ms();
}

/* ---- control messages ---- */

void pipeline_send_control(struct pipeline *p, enum wire_kind kind)
{
        struct wire_control c = {0};
        char dialect[PIPELINE_DIALECT_JSON_MAX];
        struct kafka_sink_headers h = {0};
        struct ack_pos pos          = {0};
        const char *key;

        c.kind       = kind;
        c.source     = p->cfg.source;
        c.generation = p->gen;
        c.producer   = p->cfg.instance;
        wire_buf_reset(&p->cols);
        if (kind == WIRE_RESET) {
                c.reason = p->gen_reason;
                if (typing_columns_json(p->typing, &p->cols) == 0 &&
                    wire_buf_append(&p->cols, "", 1) == 0) {
                        c.columns_json = p->cols.data;
                }
                if (row_parser_sniffed(p->parser)) {
                        row_parser_dialect(p->parser, NULL, 0, dialect,
                                           sizeof(dialect));
                        c.dialect_json = dialect;
                }
                key      = WIRE_KEY_RESET;
                pos.kind = ACK_RESET;
                h.kind   = WIRE_KIND_RESET;
        } else {
                c.last_record = row_parser_next_record(p->parser) - 1;
                c.row_count   = p->row_count;
                key           = WIRE_KEY_SNAPSHOT_COMPLETE;
                pos.kind      = ACK_SNAPSHOT;
                h.kind        = WIRE_KIND_SNAPSHOT_COMPLETE;
        }
        wire_buf_reset(&p->buf);
        if (wire_encode_control(&p->buf, &c) != 0) {
                pipeline_want_rewind(p, "out of memory");
                return;
        }
        h.id = (struct wire_id){
            .generation = p->gen,
            .schema     = p->schema_id,
            .source     = p->cfg.source,
            .source_len = strlen(p->cfg.source),
        };
        pos.generation = p->gen;
        for (int i = 0; i < p->partitions; i++) {
                pos.is_last = i == p->partitions - 1;
                if (pipeline_produce(p, p->cfg.topic, i, key, strlen(key),
                                     p->buf.data, p->buf.len, &h, &pos)) {
                        return;
                }
        }
        if (kind == WIRE_RESET) {
                p->reset_sent = true;
                log_info("event=reset_sent source=%s generation=%" PRIu64
                         " reason=%s partitions=%d",
                         p->cfg.source, p->gen, p->gen_reason, p->partitions);
        } else {
                p->snapshot_sent = true;
                log_info("event=snapshot_complete source=%s generation=%" PRIu64
                         " last_record=%" PRIu64 " row_count=%" PRIu64,
                         p->cfg.source, p->gen, c.last_record, c.row_count);
        }
}

/* ---- generations ---- */

static const char *change_name(enum file_tail_change c)
{
        switch (c) {
        case FILE_TAIL_CREATED:
                return "created";
        case FILE_TAIL_REPLACED:
                return "replaced";
        case FILE_TAIL_TRUNCATED:
                return "truncated";
        case FILE_TAIL_HEADER_CHANGED:
                return "header_changed";
        case FILE_TAIL_OVERWRITTEN:
                return "overwritten";
        case FILE_TAIL_DELETED:
                return "deleted";
        case FILE_TAIL_RESENT:
                return "resend";
        }
        return "changed";
}

void pipeline_begin_reading_at_zero(struct pipeline *p)
{
        row_parser_reset(p->parser);
        p->reset_sent    = false;
        p->snapshot_sent = false;
        p->empty_settled = false;
        if (p->timers_init) {
                uv_timer_stop(&p->settle_timer);
        }
        p->row_count  = 0;
        p->header_len = 0;
        p->key_idx    = -1;
        p->eof_seen   = false;
        (void)typing_set_header(p->typing, NULL, 0); /* until the header */
        pipeline_update_schema_id(p);
}

static void start_generation(struct pipeline *p, const char *reason)
{
        uint64_t now = now_ms();

        p->gen_deleted = false;
        p->gen         = now > p->gen ? now : p->gen + 1;
        p->gen_reason  = reason;
        p->gen_active  = true;
        pipeline_begin_reading_at_zero(p);
        p->m->generation = p->gen;
        p->m->generations_started++;
        log_info("event=generation_start source=%s generation=%" PRIu64
                 " reason=%s instance=%s",
                 p->cfg.source, p->gen, reason,
                 p->cfg.instance ? p->cfg.instance : "-");
}

/* ---- file events ---- */

static void start_deleted_generation(struct pipeline *p)
{
        start_generation(p, "deleted");
        p->gen_deleted   = true;
        p->empty_settled = true;
        pipeline_on_eof(p, 0);
}

/* The file stayed away for the grace time: its source becomes empty. */
static void on_delete_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;
        uint64_t dev, ino, size;

        if (p->stopping || p->starting ||
            file_tail_identity(p->tail, &dev, &ino, &size) == 0) {
                return; /* back meanwhile */
        }
        log_info("event=file_gone source=%s grace_ms=%" PRIu64, p->cfg.source,
                 p->cfg.delete_grace_ms);
        start_deleted_generation(p);
}

/* The file is gone: unless it comes back within the grace time (editors
 * delete and recreate), an empty generation follows. */
static void schedule_delete(struct pipeline *p)
{
        if (p->gen_deleted || !p->timers_init) {
                return;
        }
        uv_timer_start(&p->delete_timer, on_delete_timer,
                       p->cfg.delete_grace_ms, 0);
}

void pipeline_on_change(void *ctx, enum file_tail_change change)
{
        struct pipeline *p = ctx;

        if (p->stopping) {
                return;
        }
        log_info("event=file_changed source=%s change=%s", p->cfg.source,
                 change_name(change));
        if (change == FILE_TAIL_DELETED) {
                schedule_delete(p); /* reading waits for the file */
                return;
        }
        uv_timer_stop(&p->delete_timer);
        if (p->starting) {
                return; /* pipeline_begin decides once the check ends */
        }
        start_generation(p, change_name(change));
}

/* The file stayed empty: its generation is an empty snapshot (content
 * written later arrives as appends). Content that came meanwhile has sent
 * the reset itself, and its own end of file the snapshot. */
static void on_settle_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        p->empty_settled = true;
        if (!p->reset_sent &&
            (p->gen_deleted || file_tail_offset(p->tail) == 0)) {
                pipeline_on_eof(p, 0);
        }
}

/* A last line without newline stayed unchanged for last_line_idle_ms:
 * sent when it can be a whole record (row_parser_flush_held); bytes that
 * later grow that line start a new generation (pipeline_on_data). */
static void on_idle_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;
        size_t held        = row_parser_pending_bytes(p->parser);

        if (!p->gen_active || p->rewind_pending || p->stopping || p->starting ||
            held == 0 || file_tail_offset(p->tail) != p->idle_offset) {
                return; /* more bytes came: their end of file starts over */
        }
        if (row_parser_flush_held(p->parser, pipeline_on_record, p) < 0) {
                pipeline_want_rewind(p, "out of memory");
        } else if (row_parser_pending_bytes(p->parser) == 0) {
                log_info(
                    "event=last_line_sent source=%s bytes=%zu idle_ms=%" PRIu64
                    " reason=\"a last line without newline, unchanged\"",
                    p->cfg.source, held, p->cfg.last_line_idle_ms);
        }
        pipeline_update_pending(p);
}

void pipeline_line_grew(struct pipeline *p)
{
        log_info("event=file_changed source=%s change=line_grew "
                 "reason=\"bytes were added to a last line sent without "
                 "its newline\"",
                 p->cfg.source);
        start_generation(p, "line_grew");
        (void)file_tail_seek(p->tail, 0); /* errors: next check */
}

/* No more bytes for now: the parser detects the dialect of a short file
 * and, with --exit-at-eof, sends a last record without newline (or cuts
 * an unterminated quote). An open quote still held is said once. */
static void end_of_data(struct pipeline *p)
{
        uint64_t quote;

        if (row_parser_end(p->parser, p->cfg.exit_at_eof, pipeline_on_record,
                           p) < 0) {
                pipeline_want_rewind(p, "out of memory");
        }
        quote                 = row_parser_open_quote_line(p->parser);
        p->m->open_quote_line = quote;
        /* Every stat check at the end calls this again: the idle time
         * starts over only when the file has grown. */
        if (!p->cfg.exit_at_eof && p->cfg.last_line_idle_ms > 0 &&
            p->timers_init && !quote &&
            row_parser_pending_bytes(p->parser) > 0 &&
            !(uv_is_active((uv_handle_t *)&p->idle_timer) &&
              p->idle_offset == file_tail_offset(p->tail))) {
                p->idle_offset = file_tail_offset(p->tail);
                uv_timer_start(&p->idle_timer, on_idle_timer,
                               p->cfg.last_line_idle_ms, 0);
        }
        if (quote && quote != p->open_quote_warned) {
                log_info("event=open_quote source=%s line=%" PRIu64
                         " pending_bytes=%zu reason=\"a quoted field opened on "
                         "line %" PRIu64 " is not closed; later records wait "
                         "until it is (or it passes --max-record-bytes)\"",
                         p->cfg.source, quote,
                         row_parser_pending_bytes(p->parser), quote);
        }
        p->open_quote_warned = quote;
}

void pipeline_on_eof(void *ctx, uint64_t offset)
{
        struct pipeline *p = ctx;

        if (!p->gen_active || p->rewind_pending || p->stopping) {
                return;
        }
        end_of_data(p);
        if (p->rewind_pending || p->stopping) {
                return;
        }
        if (!p->reset_sent && offset == 0 && !p->empty_settled) {
                if (!uv_is_active((uv_handle_t *)&p->settle_timer)) {
                        uv_timer_start(&p->settle_timer, on_settle_timer,
                                       PIPELINE_EMPTY_SETTLE_MS, 0);
                }
                return;
        }
        if ((!p->reset_sent || !p->snapshot_sent) &&
            !pipeline_gate_open(p, 0)) {
                p->eof_deferred = true; /* the save's end calls us again */
                pipeline_request_save(p);
                return;
        }
        if (!p->reset_sent) {
                pipeline_send_control(p, WIRE_RESET);
        }
        if (!p->snapshot_sent && !p->rewind_pending) {
                pipeline_send_control(p, WIRE_SNAPSHOT_COMPLETE);
        }
        p->eof_seen = true;
        pipeline_maybe_finish_at_eof(p);
}

/* ---- start: resume or a new generation ---- */

/* A resume where an earlier run sent the last record without its
 * newline: the parser sees whether the bytes before the offset end a
 * line. */
static void resume_after_unterminated(struct pipeline *p)
{
        char before[2];
        uint64_t at = p->ck.offset > p->header_len ? p->ck.offset : 0;
        size_t want = at >= sizeof(before) ? sizeof(before) : (size_t)at;
        int64_t n =
            want ? file_tail_pread(p->tail, at - want, before, want) : 0;

        if (n == (int64_t)want) {
                row_parser_resume_unterminated(p->parser, before, want);
        }
}

static int resume(struct pipeline *p)
{
        p->gen        = p->ck.generation;
        p->gen_active = true;
        p->gen_reason = "resumed";
        pipeline_begin_reading_at_zero(p);
        p->reset_sent    = p->ck.reset_done;
        p->snapshot_sent = p->ck.snapshot_done;
        p->m->generation = p->gen;
        if (p->ck.reset_done && p->ck.offset > 0 && p->ck.head_len > 0) {
                /* The header, and as much of the file's start as the
                 * dialect was detected from. */
                uint64_t dev, ino, size = 0;
                size_t want = p->ck.head_len;
                (void)file_tail_identity(p->tail, &dev, &ino, &size);
                if (size > want) {
                        want = size < SNIFF_HOLD_BYTES ? (size_t)size
                                                       : SNIFF_HOLD_BYTES;
                        want = want > p->ck.head_len ? want : p->ck.head_len;
                }
                char *head = malloc(want);
                int64_t n = head ? file_tail_pread(p->tail, 0, head, want) : -1;
                if (n < (int64_t)p->ck.head_len) {
                        free(head);
                        return -1;
                }
                p->priming = true;
                (void)row_parser_feed(p->parser, head, (size_t)n,
                                      pipeline_on_record, p);
                (void)row_parser_end(p->parser, false, pipeline_on_record, p);
                p->priming = false;
                free(head);
                if (!row_parser_has_header(p->parser)) {
                        return -1;
                }
                if (typing_decode_types(p->typing, p->ck.types) != 0) {
                        log_warn("event=state_types_ignored types=%s",
                                 p->ck.types);
                }
                pipeline_update_schema_id(p);
                p->row_count = p->ck.row_count;
                row_parser_seek(p->parser, p->ck.offset, p->ck.line,
                                p->ck.next_record);
                resume_after_unterminated(p);
                (void)file_tail_resume_at(p->tail, p->ck.offset);
        } else {
                /* Nothing acknowledged past the reset: the generation is
                 * read again from its start (same record identities). */
                p->reset_sent    = p->ck.reset_done;
                p->snapshot_sent = false;
                checkpoint_init(&p->ck);
                p->ck.generation = p->gen;
                p->ck.reset_done = p->reset_sent;
                (void)file_tail_resume_at(p->tail, 0);
        }
        pipeline_state_loaded(p, &p->loaded);
        log_info("event=resume source=%s generation=%" PRIu64 " offset=%" PRIu64
                 " next_record=%" PRIu64 " verified_bytes=%" PRIu64,
                 p->cfg.source, p->gen, p->ck.offset, p->ck.next_record,
                 p->loaded.fp_len);
        return 0;
}

/* Ends the start: the tail watches and reads from here on. */
static void begin_tail(struct pipeline *p)
{
        p->starting = false;
        if (file_tail_start(p->tail) != 0) {
                pipeline_finish(p, 1);
        }
}

static void start_fresh(struct pipeline *p, const char *reason)
{
        start_generation(p, reason);
        (void)file_tail_seek(p->tail, 0);
        begin_tail(p);
}

static void on_prefix_hashed(void *ctx, int status, uint64_t digest)
{
        struct pipeline *p = ctx;

        if (p->stopping || p->finished) {
                return;
        }
        if (status == 0 && digest == p->loaded.fp_hash && resume(p) == 0) {
                begin_tail(p);
                return;
        }
        log_info("event=changed_while_stopped source=%s verified_bytes=%" PRIu64
                 " status=%s",
                 p->cfg.source, p->loaded.fp_len,
                 status ? uv_strerror(status) : "content differs");
        start_fresh(p, "changed_while_stopped");
}

/* The file is there and the state is of this source: compare what the
 * state says with the file. The prefix it covers is hashed again (only
 * from its last block boundary when the stat says nothing happened). */
static void check_state(struct pipeline *p)
{
        const struct checkpoint *ck = &p->loaded;
        struct file_stat now;
        enum resume_plan plan;
        const char *why = "start";
        int r;

        if (file_tail_read_stat(p->tail, &now) != 0) {
                start_fresh(p, "start");
                return;
        }
        plan = file_identity_resume_plan(ck, &now, &why);
        if (plan == RESUME_NEW) {
                log_info("event=changed_while_stopped source=%s change=%s",
                         p->cfg.source, why);
                start_fresh(p, ck->deleted ? "created"
                               : ck->ino   ? "changed_while_stopped"
                                           : "start");
                return;
        }
        log_info("event=state_check source=%s change=%s hash_bytes=%" PRIu64,
                 p->cfg.source, why,
                 plan == RESUME_HASH_TAIL ? ck->fp_len - ck->fp_fold_len
                                          : ck->fp_len);
        r = plan == RESUME_HASH_TAIL
                ? file_tail_hash_prefix(p->tail, ck->fp_fold_len, ck->fp_fold,
                                        ck->fp_len, on_prefix_hashed, p)
                : file_tail_hash_prefix(p->tail, 0, 0, ck->fp_len,
                                        on_prefix_hashed, p);
        if (r != 0) {
                on_prefix_hashed(p, r, 0);
        }
}

void pipeline_begin(struct pipeline *p)
{
        char errstr[512];
        int have =
            state_store_load(p->store, &p->loaded, errstr, sizeof(errstr));
        int open = file_tail_open(p->tail);

        p->starting = true;
        if (have < 0) {
                log_warn("event=state_ignored path=%s error=\"%s\"",
                         state_store_path(p->store), errstr);
        }
        if (have == 1 && strcmp(p->loaded.source, p->cfg.source) != 0) {
                log_warn("event=state_ignored path=%s error=\"state of "
                         "source %s\"",
                         state_store_path(p->store), p->loaded.source);
                have = 0;
        }
        if (have == 1) {
                p->ck  = p->loaded;
                p->gen = p->loaded.generation; /* newer ones are larger */
        }
        if (open == 1) {
                if (have == 1) {
                        check_state(p);
                } else {
                        start_fresh(p, "start");
                }
                return;
        }
        log_info("event=waiting_for_file path=%s", p->cfg.source);
        if (have == 1 && p->loaded.deleted) {
                /* Already mirrored as deleted. */
                p->gen         = p->loaded.generation;
                p->gen_deleted = true;
                p->gen_active  = true;
                pipeline_state_loaded(p, &p->loaded);
        } else if (have == 1) {
                schedule_delete(p); /* gone while stopped */
        }
        begin_tail(p);
}
