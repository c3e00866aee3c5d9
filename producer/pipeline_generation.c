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

#include "common/log.h"
#include "typing.h"

/* A file found empty right after a rewrite (`>` truncates, then writes)
 * gets this long to receive its content before an empty snapshot is sent. */
#define PIPELINE_EMPTY_SETTLE_MS 100

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- control messages ---- */

void pipeline_send_control(struct pipeline *p, enum wire_kind kind)
{
        struct wire_control c       = {0};
        struct kafka_sink_headers h = {0};
        struct ack_pos pos          = {0};
        const char *key;

        c.kind       = kind;
        c.source     = p->cfg.source;
        c.generation = p->gen;
        wire_buf_reset(&p->cols);
        if (kind == WIRE_RESET) {
                c.reason = p->gen_reason;
                if (typing_columns_json(p->typing, &p->cols) == 0 &&
                    wire_buf_append(&p->cols, "", 1) == 0) {
                        c.columns_json = p->cols.data;
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
        h.source       = p->cfg.source;
        h.generation   = p->gen_str;
        h.schema       = p->schema_hex;
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
        pipeline_update_schema_hex(p);
}

static void start_generation(struct pipeline *p, const char *reason)
{
        uint64_t now = now_ms();

        p->gen        = now > p->gen ? now : p->gen + 1;
        p->gen_reason = reason;
        p->gen_active = true;
        snprintf(p->gen_str, sizeof(p->gen_str), "%" PRIu64, p->gen);
        pipeline_begin_reading_at_zero(p);
        p->m->generation = p->gen;
        p->m->generations_started++;
        log_info("event=generation_start source=%s generation=%" PRIu64
                 " reason=%s",
                 p->cfg.source, p->gen, reason);
}

/* ---- file events ---- */

void pipeline_on_change(void *ctx, enum file_tail_change change)
{
        struct pipeline *p = ctx;

        if (p->stopping) {
                return;
        }
        log_info("event=file_changed source=%s change=%s", p->cfg.source,
                 change_name(change));
        if (change == FILE_TAIL_DELETED) {
                return; /* reading waits for the file to come back */
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
        if (!p->reset_sent && file_tail_offset(p->tail) == 0) {
                pipeline_on_eof(p, 0);
        }
}

void pipeline_on_eof(void *ctx, uint64_t offset)
{
        struct pipeline *p = ctx;

        if (!p->gen_active || p->rewind_pending || p->stopping) {
                return;
        }
        if (!p->reset_sent && offset == 0 && !p->empty_settled) {
                if (!uv_is_active((uv_handle_t *)&p->settle_timer)) {
                        uv_timer_start(&p->settle_timer, on_settle_timer,
                                       PIPELINE_EMPTY_SETTLE_MS, 0);
                }
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

static bool file_matches(struct pipeline *p, const struct checkpoint *ck)
{
        uint64_t dev, ino, size;
        bool ok = true;

        if (file_tail_identity(p->tail, &dev, &ino, &size) != 0 ||
            ck->ino == 0 || dev != ck->dev || ino != ck->ino ||
            size < ck->offset) {
                return false;
        }
        if (ck->head_len &&
            (pipeline_hash_range(p, 0, ck->head_len, &ok) != ck->head_hash ||
             !ok)) {
                return false;
        }
        if (ck->tail_len &&
            (pipeline_hash_range(p, ck->offset - ck->tail_len, ck->tail_len,
                                 &ok) != ck->tail_hash ||
             !ok)) {
                return false;
        }
        return true;
}

static int resume(struct pipeline *p)
{
        p->gen        = p->ck.generation;
        p->gen_active = true;
        p->gen_reason = "resumed";
        snprintf(p->gen_str, sizeof(p->gen_str), "%" PRIu64, p->gen);
        pipeline_begin_reading_at_zero(p);
        p->reset_sent    = true;
        p->snapshot_sent = p->ck.snapshot_done;
        p->m->generation = p->gen;
        if (p->ck.offset > 0 && p->ck.head_len > 0) {
                char *head = malloc(p->ck.head_len);
                int64_t n =
                    head ? file_tail_pread(p->tail, 0, head, p->ck.head_len)
                         : -1;
                if (n != (int64_t)p->ck.head_len) {
                        free(head);
                        return -1;
                }
                p->priming = true;
                (void)row_parser_feed(p->parser, head, (size_t)n,
                                      pipeline_on_record, p);
                p->priming = false;
                free(head);
                if (!row_parser_has_header(p->parser)) {
                        return -1;
                }
                if (typing_decode_types(p->typing, p->ck.types) != 0) {
                        log_warn("event=state_types_ignored types=%s",
                                 p->ck.types);
                }
                pipeline_update_schema_hex(p);
                p->row_count = p->ck.row_count;
                row_parser_seek(p->parser, p->ck.offset, p->ck.line,
                                p->ck.next_record);
                (void)file_tail_seek(p->tail, p->ck.offset);
        } else {
                (void)file_tail_seek(p->tail, 0);
        }
        log_info("event=resume source=%s generation=%" PRIu64 " offset=%" PRIu64
                 " next_record=%" PRIu64,
                 p->cfg.source, p->gen, p->ck.offset, p->ck.next_record);
        return 0;
}

void pipeline_begin(struct pipeline *p)
{
        struct checkpoint loaded;
        char errstr[512];
        int have = state_store_load(p->store, &loaded, errstr, sizeof(errstr));
        int open = file_tail_open(p->tail);
        bool resumed = false;

        if (have < 0) {
                log_warn("event=state_ignored path=%s error=\"%s\"",
                         state_store_path(p->store), errstr);
        }
        if (have == 1 && strcmp(loaded.source, p->cfg.source) == 0) {
                p->ck  = loaded;
                p->gen = loaded.generation;
                if (open == 1 && loaded.reset_done &&
                    file_matches(p, &loaded) && resume(p) == 0) {
                        resumed = true;
                }
        }
        if (!resumed && open == 1) {
                start_generation(p,
                                 have == 1 ? "changed_while_stopped" : "start");
                (void)file_tail_seek(p->tail, 0);
        } else if (open != 1) {
                log_info("event=waiting_for_file path=%s", p->cfg.source);
        }
        if (file_tail_start(p->tail) != 0) {
                pipeline_finish(p, 1);
        }
}
