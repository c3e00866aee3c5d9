/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's record → message path (loop thread only): a chunk of the
 * file through the parser, the header and the column types, each good
 * record encoded and produced as a row.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "row_encoder.h"
#include "typing.h"

#define PIPELINE_REASON_MAX 256

void pipeline_record_headers(struct pipeline *p, const struct row_record *rec,
                             struct kafka_sink_headers *h, char *rec_str,
                             char *off_str)
{
        rec_str[row_encoder_u64(rec->record, rec_str)] = '\0';
        off_str[row_encoder_u64(rec->offset, off_str)] = '\0';
        h->source                                      = p->cfg.source;
        h->generation                                  = p->gen_str;
        h->record                                      = rec_str;
        h->offset                                      = off_str;
        h->schema                                      = p->schema_hex;
        h->read_ts                                     = p->ts_str;
}

struct ack_pos pipeline_row_ack_pos(const struct pipeline *p,
                                    const struct row_record *rec)
{
        return (struct ack_pos){
            .kind        = ACK_ROW,
            .generation  = p->gen,
            .offset      = rec->end_offset,
            .line        = rec->end_line,
            .next_record = rec->record + 1,
            .row_count   = p->row_count,
        };
}

static int send_row(struct pipeline *p, const struct row_record *rec)
{
        struct kafka_sink_headers h = {0};
        char rec_str[PIPELINE_NUM_STR], off_str[PIPELINE_NUM_STR];
        char key_buf[2 * PIPELINE_NUM_STR];
        const char *key, *payload;
        size_t key_len;
        int64_t len;
        struct ack_pos pos;

        len = row_encoder_encode(p->enc, p->values, rec->field_count, &payload);
        if (len < 0) {
                pipeline_want_rewind(p, "out of memory");
                return -1;
        }
        if (p->key_idx >= 0 && rec->fields[p->key_idx].len > 0) {
                key     = rec->fields[p->key_idx].ptr;
                key_len = rec->fields[p->key_idx].len;
        } else {
                key_len            = row_encoder_u64(p->gen, key_buf);
                key_buf[key_len++] = ':';
                key_len += row_encoder_u64(rec->record, key_buf + key_len);
                key = key_buf;
        }
        pipeline_record_headers(p, rec, &h, rec_str, off_str);
        h.kind = WIRE_KIND_ROW;
        p->row_count++;
        pos = pipeline_row_ack_pos(p, rec);
        p->m->rows_sent++;
        return pipeline_produce(p, p->cfg.topic, -1, key, key_len, payload,
                                (size_t)len, &h, &pos);
}

void pipeline_update_schema_hex(struct pipeline *p)
{
        p->typing_seen = typing_changes(p->typing);
        snprintf(p->schema_hex, sizeof(p->schema_hex), "%016" PRIx64,
                 typing_schema_id(p->typing));
}

static void apply_header(struct pipeline *p, const struct row_record *rec)
{
        if (rec->err != ROW_OK) {
                char reason[PIPELINE_REASON_MAX];
                row_parser_describe(rec, reason, sizeof(reason));
                log_warn("event=bad_header source=%s reason=\"%s\"",
                         p->cfg.source, reason);
        }
        if (typing_set_header(p->typing, rec->fields, rec->field_count) != 0) {
                log_error("event=bad_header source=%s reason=\"%zu columns\"",
                          p->cfg.source, rec->field_count);
                (void)typing_set_header(p->typing, NULL, 0); /* no columns */
        }
        if (rec->field_count > p->values_cap) {
                struct value *v =
                    realloc(p->values, rec->field_count * sizeof(*v));
                if (v) {
                        p->values     = v;
                        p->values_cap = rec->field_count;
                }
        }
        if (row_encoder_set_columns(p->enc, typing_column_names(p->typing),
                                    typing_column_count(p->typing)) != 0) {
                pipeline_want_rewind(p, "out of memory");
        }
        p->key_idx    = typing_find(p->typing, p->cfg.key_column);
        p->header_len = rec->end_offset;
        file_tail_set_head(p->tail, (size_t)rec->end_offset);
        pipeline_update_schema_hex(p);
}

static int on_pre_record(const struct row_record *rec, void *ctx)
{
        struct pipeline *p = ctx;
        char reason[PIPELINE_REASON_MAX];

        if (rec->is_header) {
                if (typing_set_header(p->pre_typing, rec->fields,
                                      rec->field_count) != 0) {
                        return 1;
                }
                if (rec->field_count > p->pre_values_cap) {
                        struct value *v = realloc(
                            p->pre_values, rec->field_count * sizeof(*v));
                        if (!v) {
                                return 1;
                        }
                        p->pre_values     = v;
                        p->pre_values_cap = rec->field_count;
                }
                return 0;
        }
        if (rec->err == ROW_OK) {
                (void)typing_apply(p->pre_typing, rec->fields, rec->field_count,
                                   p->pre_values, reason,
                                   sizeof(reason)); /* bad rows: later */
        }
        return 0;
}

/* Infers column types from the rest of the first chunk so the reset
 * message can name them; the real pass then starts from these types. */
static void prepass_types(struct pipeline *p)
{
        char types[CHECKPOINT_TYPES_MAX];

        if (!p->chunk || p->chunk_offset != 0) {
                return;
        }
        row_parser_reset(p->pre_parser);
        (void)row_parser_feed(p->pre_parser, p->chunk, p->chunk_len,
                              on_pre_record, p); /* best effort */
        if (typing_column_count(p->pre_typing) ==
                typing_column_count(p->typing) &&
            typing_encode_types(p->pre_typing, types, sizeof(types)) == 0) {
                (void)typing_decode_types(p->typing, types);
                pipeline_update_schema_hex(p);
        }
}

int pipeline_on_record(const struct row_record *rec, void *ctx)
{
        struct pipeline *p = ctx;
        char reason[PIPELINE_REASON_MAX];

        if (rec->is_header) {
                apply_header(p, rec);
                if (!p->priming && !p->reset_sent) {
                        prepass_types(p);
                        pipeline_send_control(p, WIRE_RESET);
                }
                return p->rewind_pending ? 1 : 0;
        }
        if (p->priming) {
                return 0;
        }
        p->m->records_read++;
        if (rec->err != ROW_OK) {
                row_parser_describe(rec, reason, sizeof(reason));
                return pipeline_send_dlq(p, rec, reason) ? 1 : 0;
        }
        if (rec->field_count > p->values_cap) {
                return pipeline_send_dlq(p, rec, "too many fields") ? 1 : 0;
        }
        if (typing_apply(p->typing, rec->fields, rec->field_count, p->values,
                         reason, sizeof(reason)) != 0) {
                return pipeline_send_dlq(p, rec, reason) ? 1 : 0;
        }
        if (typing_changes(p->typing) != p->typing_seen) {
                pipeline_update_schema_hex(p);
        }
        return send_row(p, rec) ? 1 : 0;
}

void pipeline_on_data(void *ctx, uint64_t offset, const char *buf, size_t len,
                      uint64_t read_ts_ms)
{
        struct pipeline *p = ctx;
        int rc;

        if (!p->gen_active || p->rewind_pending || p->stopping) {
                return;
        }
        if (!pipeline_gate_open(p, offset + len)) {
                /* Not yet covered by the state on disk: read these bytes
                 * again once it is. */
                file_tail_pause(p->tail);
                (void)file_tail_seek(p->tail, offset); /* errors: next check */
                p->gate_waiting = true;
                pipeline_request_save(p);
                return;
        }
        p->eof_seen = false;
        p->m->bytes_read += len;
        p->m->file_offset = offset + len;
        snprintf(p->ts_str, sizeof(p->ts_str), "%" PRIu64, read_ts_ms);
        p->chunk        = buf;
        p->chunk_len    = len;
        p->chunk_offset = offset;
        rc       = row_parser_feed(p->parser, buf, len, pipeline_on_record, p);
        p->chunk = NULL;
        if (rc < 0) {
                pipeline_want_rewind(p, "out of memory");
        }
        pipeline_update_pending(p);
        if (!p->rewind_pending &&
            (ack_tracker_pending(p->acks) >= p->cfg.max_pending_messages ||
             ack_tracker_pending_bytes(p->acks) >= p->cfg.max_pending_bytes)) {
                if (!p->bp_paused) {
                        log_debug("event=backpressure pending=%zu",
                                  ack_tracker_pending(p->acks));
                }
                p->bp_paused = true;
                file_tail_pause(p->tail);
        }
}
