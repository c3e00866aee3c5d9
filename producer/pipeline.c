/* SPDX-License-Identifier: MIT */
#include "pipeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ack_tracker.h"
#include "checkpoint.h"
#include "common/log.h"
#include "common/wire.h"
#include "dlq_record.h"
#include "row_encoder.h"
#include "row_parser.h"
#include "typing.h"

#define PIPELINE_META_TIMEOUT_MS 2000 /* on the thread pool, not the loop */
#define PIPELINE_META_RETRY_MS   100
#define PIPELINE_PROGRESS_MS     1000
/* A file found empty right after a rewrite (`>` truncates, then writes)
 * gets this long to receive its content before an empty snapshot is sent. */
#define PIPELINE_EMPTY_SETTLE_MS 100
#define PIPELINE_TRACKER_SLACK   65536 /* room for control copies */
#define PIPELINE_REASON_MAX      256
#define PIPELINE_NUM_STR         24 /* "18446744073709551615" + NUL */
#define PIPELINE_TAIL_BYTES      64
#define PIPELINE_KIND_REJECTED   "rejected"

struct pipeline {
        uv_loop_t *loop;
        struct pipeline_config cfg;
        struct state_store *store;
        struct producer_metrics *m;
        pipeline_done_cb done;
        void *done_ctx;

        struct file_tail *tail;
        struct kafka_sink *sink;
        struct row_parser *parser;
        struct typing *typing;
        struct row_parser *pre_parser; /* type pre-pass over a first chunk */
        struct typing *pre_typing;
        struct value *pre_values;
        size_t pre_values_cap;
        const char *chunk; /* the chunk being parsed */
        size_t chunk_len;
        uint64_t chunk_offset;
        struct ack_tracker *acks;
        struct value *values;
        size_t values_cap;
        struct wire_buf buf;
        struct wire_buf cols;
        struct row_encoder *enc;
        uint64_t typing_seen; /* typing_changes() when schema_hex was set */
        int partitions;

        uv_timer_t meta_timer;
        uv_timer_t ckpt_timer;
        uv_timer_t progress_timer;
        uv_timer_t settle_timer;
        bool timers_init;

        /* The generation being read. */
        bool gen_active;
        uint64_t gen;
        const char *gen_reason;
        bool reset_sent;
        bool snapshot_sent;
        bool empty_settled; /* an empty file stayed empty for the settle time */
        uint64_t row_count; /* good rows produced up to the parser */
        int key_idx;
        uint64_t header_len;
        bool priming; /* re-parsing the header on resume: send nothing */
        char schema_hex[17];
        char gen_str[PIPELINE_NUM_STR];
        char ts_str[PIPELINE_NUM_STR];

        /* What Kafka has acknowledged (the state file's content). */
        struct checkpoint ck;
        bool ck_dirty;

        bool rewind_pending;
        uint64_t failed_since_rewind; /* failed deliveries, for the log */
        bool bp_paused;
        bool eof_seen;
        bool stopping;
        bool finished;
        uint64_t progress_last;       /* records_read at the last tick */
        uint64_t progress_last_acked; /* rows_acked at the last tick */
        uint64_t progress_last_ms;    /* uv_now at the last tick */
        uint64_t burst_ms;            /* uv_now when the line appeared */
        uint64_t burst_records;       /* records_read then */
        bool progress_shown;
};

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void finish(struct pipeline *p, int status);
static void save_checkpoint(struct pipeline *p);

/* ---- producing ---- */

static void update_pending(struct pipeline *p)
{
        p->m->messages_pending = ack_tracker_pending(p->acks);
        p->m->bytes_pending    = ack_tracker_pending_bytes(p->acks);
}

static void want_rewind(struct pipeline *p, const char *why)
{
        if (!p->rewind_pending) {
                log_warn("event=rewind_scheduled reason=\"%s\" "
                         "checkpoint_offset=%" PRIu64,
                         why, p->ck.offset);
        }
        p->rewind_pending = true;
        file_tail_pause(p->tail);
}

/* Tracks and produces one message. Returns 0, or -1 (a rewind is then
 * scheduled: nothing is skipped). */
static int produce(struct pipeline *p, const char *topic, int32_t partition,
                   const char *key, size_t key_len, const char *payload,
                   size_t len, const struct kafka_sink_headers *h,
                   const struct ack_pos *pos)
{
        const char *error      = NULL;
        struct ack_pos tracked = *pos;
        uint64_t seq;

        tracked.bytes = (uint32_t)len;
        if (ack_tracker_push(p->acks, &tracked, &seq) != 0) {
                want_rewind(p, "too many messages in flight");
                return -1;
        }
        if (kafka_sink_produce(p->sink, topic, partition, key, key_len, payload,
                               len, h, seq, &error) != 0) {
                ack_tracker_ack(p->acks, seq, false);
                want_rewind(p, error);
                return -1;
        }
        return 0;
}

static void send_control(struct pipeline *p, enum wire_kind kind)
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
                want_rewind(p, "out of memory");
                return;
        }
        h.source       = p->cfg.source;
        h.generation   = p->gen_str;
        h.schema       = p->schema_hex;
        pos.generation = p->gen;
        for (int i = 0; i < p->partitions; i++) {
                pos.is_last = i == p->partitions - 1;
                if (produce(p, p->cfg.topic, i, key, strlen(key), p->buf.data,
                            p->buf.len, &h, &pos)) {
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

static void record_headers(struct pipeline *p, const struct row_record *rec,
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

static int send_dlq(struct pipeline *p, const struct row_record *rec,
                    const char *reason)
{
        struct dlq_record d = {
            .source     = p->cfg.source,
            .generation = p->gen,
            .record     = rec->record,
            .line       = rec->line,
            .offset     = rec->offset,
            .reason     = reason,
            .raw        = rec->raw,
            .raw_len    = rec->raw_len,
        };
        struct kafka_sink_headers h = {0};
        char rec_str[PIPELINE_NUM_STR], off_str[PIPELINE_NUM_STR];
        struct ack_pos pos = {
            .kind        = ACK_ROW,
            .generation  = p->gen,
            .offset      = rec->end_offset,
            .line        = rec->end_line,
            .next_record = rec->record + 1,
            .row_count   = p->row_count,
        };

        wire_buf_reset(&p->buf);
        if (dlq_record_encode(&p->buf, &d) != 0) {
                want_rewind(p, "out of memory");
                return -1;
        }
        record_headers(p, rec, &h, rec_str, off_str);
        h.kind = PIPELINE_KIND_REJECTED;
        p->m->rows_rejected++;
        log_warn("event=record_rejected source=%s generation=%" PRIu64
                 " record=%" PRIu64 " line=%" PRIu64 " reason=\"%s\"",
                 p->cfg.source, p->gen, rec->record, rec->line, reason);
        return produce(p, p->cfg.dlq_topic, -1, p->cfg.source,
                       strlen(p->cfg.source), p->buf.data, p->buf.len, &h,
                       &pos);
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
                want_rewind(p, "out of memory");
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
        record_headers(p, rec, &h, rec_str, off_str);
        h.kind = WIRE_KIND_ROW;
        p->row_count++;
        pos = (struct ack_pos){
            .kind        = ACK_ROW,
            .generation  = p->gen,
            .offset      = rec->end_offset,
            .line        = rec->end_line,
            .next_record = rec->record + 1,
            .row_count   = p->row_count,
        };
        p->m->rows_sent++;
        return produce(p, p->cfg.topic, -1, key, key_len, payload, (size_t)len,
                       &h, &pos);
}

static void update_schema_hex(struct pipeline *p)
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
                want_rewind(p, "out of memory");
        }
        p->key_idx    = typing_find(p->typing, p->cfg.key_column);
        p->header_len = rec->end_offset;
        file_tail_set_head(p->tail, (size_t)rec->end_offset);
        update_schema_hex(p);
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
                update_schema_hex(p);
        }
}

static int on_record(const struct row_record *rec, void *ctx)
{
        struct pipeline *p = ctx;
        char reason[PIPELINE_REASON_MAX];

        if (rec->is_header) {
                apply_header(p, rec);
                if (!p->priming && !p->reset_sent) {
                        prepass_types(p);
                        send_control(p, WIRE_RESET);
                }
                return p->rewind_pending ? 1 : 0;
        }
        if (p->priming) {
                return 0;
        }
        p->m->records_read++;
        if (rec->err != ROW_OK) {
                row_parser_describe(rec, reason, sizeof(reason));
                return send_dlq(p, rec, reason) ? 1 : 0;
        }
        if (rec->field_count > p->values_cap) {
                return send_dlq(p, rec, "too many fields") ? 1 : 0;
        }
        if (typing_apply(p->typing, rec->fields, rec->field_count, p->values,
                         reason, sizeof(reason)) != 0) {
                return send_dlq(p, rec, reason) ? 1 : 0;
        }
        if (typing_changes(p->typing) != p->typing_seen) {
                update_schema_hex(p);
        }
        return send_row(p, rec) ? 1 : 0;
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

static void begin_reading_at_zero(struct pipeline *p)
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
        update_schema_hex(p);
}

static void start_generation(struct pipeline *p, const char *reason)
{
        uint64_t now = now_ms();

        p->gen        = now > p->gen ? now : p->gen + 1;
        p->gen_reason = reason;
        p->gen_active = true;
        snprintf(p->gen_str, sizeof(p->gen_str), "%" PRIu64, p->gen);
        begin_reading_at_zero(p);
        p->m->generation = p->gen;
        p->m->generations_started++;
        log_info("event=generation_start source=%s generation=%" PRIu64
                 " reason=%s",
                 p->cfg.source, p->gen, reason);
}

static void do_rewind(struct pipeline *p)
{
        ack_tracker_clear(p->acks);
        p->rewind_pending = false;
        p->bp_paused      = false;
        update_pending(p);
        if (p->ck.generation != p->gen || !p->ck.reset_done) {
                begin_reading_at_zero(p);
                (void)file_tail_seek(p->tail, 0); /* errors: next check */
        } else {
                p->snapshot_sent = p->ck.snapshot_done;
                p->row_count     = p->ck.row_count;
                if (p->ck.offset == 0 || !row_parser_has_header(p->parser)) {
                        bool reset_sent = p->reset_sent;
                        begin_reading_at_zero(p);
                        p->reset_sent    = reset_sent;
                        p->snapshot_sent = p->ck.snapshot_done;
                        p->row_count     = 0;
                        (void)file_tail_seek(p->tail, 0);
                } else {
                        row_parser_seek(p->parser, p->ck.offset, p->ck.line,
                                        p->ck.next_record);
                        (void)file_tail_seek(p->tail, p->ck.offset);
                }
        }
        log_info("event=rewind source=%s generation=%" PRIu64 " offset=%" PRIu64
                 " next_record=%" PRIu64 " failed_messages=%" PRIu64,
                 p->cfg.source, p->gen, p->ck.offset, p->ck.next_record,
                 p->failed_since_rewind);
        p->failed_since_rewind = 0;
        file_tail_resume(p->tail);
}

/* ---- acknowledgements and checkpoints ---- */

static void apply_ack(struct pipeline *p, const struct ack_pos *a)
{
        struct checkpoint *ck = &p->ck;

        switch (a->kind) {
        case ACK_RESET:
                if (!a->is_last) {
                        return;
                }
                ck->generation    = a->generation;
                ck->offset        = 0;
                ck->line          = 1;
                ck->next_record   = 1;
                ck->row_count     = 0;
                ck->reset_done    = true;
                ck->snapshot_done = false;
                break;
        case ACK_ROW:
                ck->generation  = a->generation;
                ck->offset      = a->offset;
                ck->line        = a->line;
                ck->next_record = a->next_record;
                ck->row_count   = a->row_count;
                p->m->rows_acked++;
                break;
        case ACK_SNAPSHOT:
                if (a->is_last && a->generation == ck->generation) {
                        ck->snapshot_done = true;
                }
                break;
        }
        p->ck_dirty = true;
}

static void maybe_finish_at_eof(struct pipeline *p)
{
        if (p->cfg.exit_at_eof && p->eof_seen && p->snapshot_sent &&
            !p->rewind_pending && ack_tracker_count(p->acks) == 0 &&
            !p->stopping) {
                log_info("event=exit_at_eof source=%s offset=%" PRIu64,
                         p->cfg.source, p->ck.offset);
                p->stopping = true;
                file_tail_stop(p->tail);
                save_checkpoint(p);
                finish(p, 0);
        }
}

static void on_delivery(void *ctx, uint64_t seq, bool ok, const char *error)
{
        struct pipeline *p = ctx;
        struct ack_pos a;

        ack_tracker_ack(p->acks, seq, ok);
        if (!ok) {
                p->m->delivery_failures++;
                if (p->failed_since_rewind++ == 0) {
                        /* One line per rewind, not per message: an outage
                         * fails every message in flight. */
                        log_warn("event=delivery_failed error=\"%s\"",
                                 error ? error : "?");
                }
                if (!p->stopping) {
                        want_rewind(p, error ? error : "delivery failed");
                }
        }
        while (ack_tracker_pop(p->acks, &a)) {
                apply_ack(p, &a);
        }
        update_pending(p);
        if (p->stopping) {
                return;
        }
        if (p->rewind_pending && ack_tracker_pending(p->acks) == 0) {
                do_rewind(p);
        } else if (p->bp_paused && !p->rewind_pending &&
                   ack_tracker_pending(p->acks) <=
                       p->cfg.max_pending_messages / 2 &&
                   ack_tracker_pending_bytes(p->acks) <=
                       p->cfg.max_pending_bytes / 2) {
                p->bp_paused = false;
                file_tail_resume(p->tail);
        }
        maybe_finish_at_eof(p);
}

static uint64_t hash_range(struct pipeline *p, uint64_t off, uint64_t len,
                           bool *ok)
{
        char *b    = malloc(len ? len : 1);
        uint64_t h = 0;

        *ok = b && file_tail_pread(p->tail, off, b, len) == (int64_t)len;
        if (*ok) {
                h = checkpoint_hash(b, len);
        }
        free(b);
        return h;
}

static void save_checkpoint(struct pipeline *p)
{
        struct checkpoint *ck = &p->ck;
        char errstr[512];
        uint64_t size;
        bool ok = false;

        snprintf(ck->source, sizeof(ck->source), "%s", p->cfg.source);
        ck->dev = ck->ino = 0;
        ck->head_len = ck->tail_len = 0;
        ck->head_hash = ck->tail_hash = 0;
        ck->types[0]                  = '\0';
        if (ck->generation == p->gen &&
            file_tail_identity(p->tail, &ck->dev, &ck->ino, &size) == 0) {
                ok = true;
                if (ck->offset > 0 && p->header_len > 0) {
                        ck->head_len  = p->header_len;
                        ck->head_hash = hash_range(p, 0, p->header_len, &ok);
                }
                if (ok && ck->offset > 0) {
                        ck->tail_len  = ck->offset < PIPELINE_TAIL_BYTES
                                            ? ck->offset
                                            : PIPELINE_TAIL_BYTES;
                        ck->tail_hash = hash_range(p, ck->offset - ck->tail_len,
                                                   ck->tail_len, &ok);
                }
                if (ok) {
                        (void)typing_encode_types(p->typing, ck->types,
                                                  sizeof(ck->types));
                }
        }
        if (!ok) {
                /* Identity unknown: the next start begins a generation. */
                ck->dev = ck->ino = 0;
        }
        if (state_store_save(p->store, ck, errstr, sizeof(errstr)) != 0) {
                log_error("event=checkpoint_failed error=\"%s\"", errstr);
                return;
        }
        p->ck_dirty             = false;
        p->m->checkpoint_offset = ck->offset;
}

static void on_ckpt_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        if (p->ck_dirty) {
                save_checkpoint(p);
        }
}

/* ---- file events ---- */

static void on_change(void *ctx, enum file_tail_change change)
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

static void on_data(void *ctx, uint64_t offset, const char *buf, size_t len,
                    uint64_t read_ts_ms)
{
        struct pipeline *p = ctx;
        int rc;

        if (!p->gen_active || p->rewind_pending || p->stopping) {
                return;
        }
        p->eof_seen = false;
        p->m->bytes_read += len;
        p->m->file_offset = offset + len;
        snprintf(p->ts_str, sizeof(p->ts_str), "%" PRIu64, read_ts_ms);
        p->chunk        = buf;
        p->chunk_len    = len;
        p->chunk_offset = offset;
        rc              = row_parser_feed(p->parser, buf, len, on_record, p);
        p->chunk        = NULL;
        if (rc < 0) {
                want_rewind(p, "out of memory");
        }
        update_pending(p);
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

static void on_eof(void *ctx, uint64_t offset);

/* The file stayed empty: its generation is an empty snapshot (content
 * written later arrives as appends). Content that came meanwhile has sent
 * the reset itself, and its own end of file the snapshot. */
static void on_settle_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        p->empty_settled = true;
        if (!p->reset_sent && file_tail_offset(p->tail) == 0) {
                on_eof(p, 0);
        }
}

static void on_eof(void *ctx, uint64_t offset)
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
                send_control(p, WIRE_RESET);
        }
        if (!p->snapshot_sent && !p->rewind_pending) {
                send_control(p, WIRE_SNAPSHOT_COMPLETE);
        }
        p->eof_seen = true;
        maybe_finish_at_eof(p);
}

static void on_fatal(void *ctx, const char *reason)
{
        struct pipeline *p = ctx;

        log_error("event=fatal error=\"%s\"", reason);
        p->stopping = true;
        file_tail_stop(p->tail);
        save_checkpoint(p);
        finish(p, 1);
}

const struct file_tail_cbs pipeline_tail_cbs = {
    .on_change = on_change,
    .on_data   = on_data,
    .on_eof    = on_eof,
};

const struct kafka_sink_cbs pipeline_sink_cbs = {
    .on_delivery = on_delivery,
    .on_fatal    = on_fatal,
};

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
            (hash_range(p, 0, ck->head_len, &ok) != ck->head_hash || !ok)) {
                return false;
        }
        if (ck->tail_len && (hash_range(p, ck->offset - ck->tail_len,
                                        ck->tail_len, &ok) != ck->tail_hash ||
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
        begin_reading_at_zero(p);
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
                (void)row_parser_feed(p->parser, head, (size_t)n, on_record, p);
                p->priming = false;
                free(head);
                if (!row_parser_has_header(p->parser)) {
                        return -1;
                }
                if (typing_decode_types(p->typing, p->ck.types) != 0) {
                        log_warn("event=state_types_ignored types=%s",
                                 p->ck.types);
                }
                update_schema_hex(p);
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

static void begin(struct pipeline *p)
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
                finish(p, 1);
        }
}

static void on_meta_timer(uv_timer_t *h);

static void on_partitions(void *ctx, int n, const char *error)
{
        struct pipeline *p = ctx;

        if (p->stopping || p->finished) {
                return;
        }
        if (p->partitions == 0) {
                if (n <= 0) {
                        log_info("event=metadata_wait topic=%s error=\"%s\"",
                                 p->cfg.topic, error ? error : "?");
                        uv_timer_start(&p->meta_timer, on_meta_timer,
                                       PIPELINE_META_RETRY_MS, 0);
                        return;
                }
                p->partitions = n;
                log_info("event=topic_ready topic=%s partitions=%d",
                         p->cfg.topic, n);
                uv_timer_start(&p->meta_timer, on_meta_timer,
                               p->cfg.metadata_refresh_ms,
                               p->cfg.metadata_refresh_ms);
                begin(p);
                return;
        }
        /* Later control messages go to every partition the topic has now. */
        if (n > 0 && n != p->partitions) {
                log_info("event=partitions_changed topic=%s old=%d new=%d",
                         p->cfg.topic, p->partitions, n);
                p->partitions = n;
        } else if (n <= 0) {
                log_debug("event=metadata_refresh_failed topic=%s error=\"%s\"",
                          p->cfg.topic, error ? error : "?");
        }
}

/* Asks for the partition count on the thread pool: at start until the
 * topic is ready, then every metadata_refresh_ms. */
static void on_meta_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        if (p->stopping) {
                return;
        }
        if (kafka_sink_request_partitions(p->sink, p->cfg.topic,
                                          PIPELINE_META_TIMEOUT_MS,
                                          on_partitions, p) != 0 &&
            p->partitions == 0) {
                uv_timer_start(&p->meta_timer, on_meta_timer,
                               PIPELINE_META_RETRY_MS, 0);
        }
}

/*
 * The progress line (stderr is a terminal). It is drawn as "clear line,
 * text, carriage return": the cursor stays at column 0, so a log line
 * written meanwhile overwrites it instead of being glued to its end, and
 * the next tick draws it again below. Short enough for 80 columns.
 */
static void draw_progress(struct pipeline *p, uint64_t rate, bool last)
{
        fprintf(stderr,
                "\033[Kread %" PRIu64 " rows (%" PRIu64
                "/s%s), %.1f MB, acked %" PRIu64 "%s",
                (uint64_t)p->m->records_read, rate, last ? " avg" : "",
                (double)p->m->bytes_read / 1e6, (uint64_t)p->m->rows_acked,
                last ? "\n" : "\r");
        fflush(stderr);
}

/* Ends the line with the average rate since it appeared. */
static void end_progress(struct pipeline *p)
{
        uint64_t ms = uv_now(p->loop) - p->burst_ms;

        if (!p->progress_shown) {
                return;
        }
        draw_progress(
            p, (p->m->records_read - p->burst_records) * 1000 / (ms ? ms : 1),
            true);
        p->progress_shown = false;
}

static void on_progress(uv_timer_t *h)
{
        struct pipeline *p = h->data;
        uint64_t now       = uv_now(p->loop);
        uint64_t records   = p->m->records_read;
        uint64_t acked     = p->m->rows_acked;
        uint64_t ms = now > p->progress_last_ms ? now - p->progress_last_ms : 1;

        if (records != p->progress_last || acked != p->progress_last_acked) {
                if (!p->progress_shown) {
                        p->burst_ms       = p->progress_last_ms;
                        p->burst_records  = p->progress_last;
                        p->progress_shown = true;
                }
                draw_progress(p, (records - p->progress_last) * 1000 / ms,
                              false);
        } else {
                end_progress(p); /* idle: leave the final figures */
        }
        p->progress_last       = records;
        p->progress_last_acked = acked;
        p->progress_last_ms    = now;
}

struct pipeline *pipeline_create(uv_loop_t *loop,
                                 const struct pipeline_config *cfg,
                                 struct state_store *store,
                                 struct producer_metrics *metrics,
                                 pipeline_done_cb done, void *done_ctx,
                                 char *errstr, size_t errstr_size)
{
        struct pipeline *p = calloc(1, sizeof(*p));
        struct row_parser_options opts;

        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        p->loop               = loop;
        p->cfg                = *cfg;
        p->store              = store;
        p->m                  = metrics;
        p->done               = done;
        p->done_ctx           = done_ctx;
        p->key_idx            = -1;
        opts.delimiter        = cfg->delimiter;
        opts.max_record_bytes = cfg->max_record_bytes;
        p->parser             = row_parser_create(&opts);
        p->typing             = typing_create();
        p->pre_parser         = row_parser_create(&opts);
        p->pre_typing         = typing_create();
        p->acks               = ack_tracker_create(cfg->max_pending_messages +
                                                   PIPELINE_TRACKER_SLACK);
        p->enc                = row_encoder_create();
        if (!p->parser || !p->typing || !p->acks || !p->pre_parser ||
            !p->pre_typing || !p->enc) {
                snprintf(errstr, errstr_size, "out of memory");
                pipeline_destroy(p);
                return NULL;
        }
        if (typing_set_schema(p->typing, cfg->schema, errstr, errstr_size) ||
            typing_set_schema(p->pre_typing, cfg->schema, errstr,
                              errstr_size)) {
                pipeline_destroy(p);
                return NULL;
        }
        checkpoint_init(&p->ck);
        update_schema_hex(p);
        return p;
}

int pipeline_start(struct pipeline *p, struct file_tail *tail,
                   struct kafka_sink *sink)
{
        p->tail = tail;
        p->sink = sink;
        uv_timer_init(p->loop, &p->meta_timer);
        uv_timer_init(p->loop, &p->ckpt_timer);
        uv_timer_init(p->loop, &p->progress_timer);
        uv_timer_init(p->loop, &p->settle_timer);
        p->meta_timer.data = p->ckpt_timer.data = p->progress_timer.data = p;
        p->settle_timer.data                                             = p;
        p->timers_init                                                   = true;
        uv_timer_start(&p->meta_timer, on_meta_timer, 0, 0);
        uv_timer_start(&p->ckpt_timer, on_ckpt_timer,
                       p->cfg.checkpoint_interval_ms,
                       p->cfg.checkpoint_interval_ms);
        p->progress_last_ms = uv_now(p->loop);
        if (p->cfg.show_progress) {
                uv_timer_start(&p->progress_timer, on_progress,
                               PIPELINE_PROGRESS_MS, PIPELINE_PROGRESS_MS);
        }
        return 0;
}

static void finish(struct pipeline *p, int status)
{
        if (p->finished) {
                return;
        }
        p->finished = true;
        if (p->timers_init) {
                uv_timer_stop(&p->meta_timer);
                uv_timer_stop(&p->ckpt_timer);
                uv_timer_stop(&p->progress_timer);
                uv_timer_stop(&p->settle_timer);
        }
        end_progress(p);
        p->done(p->done_ctx, status);
}

void pipeline_shutdown(struct pipeline *p, int flush_timeout_ms)
{
        int left;

        if (p->finished) {
                return;
        }
        p->stopping = true;
        file_tail_stop(p->tail);
        left = kafka_sink_flush(p->sink, flush_timeout_ms);
        kafka_sink_poll(p->sink);
        save_checkpoint(p);
        log_info("event=shutdown source=%s checkpoint_offset=%" PRIu64
                 " unflushed=%d",
                 p->cfg.source, p->ck.offset, left);
        finish(p, 0);
}

static void noop_close(uv_handle_t *h)
{
        (void)h;
}

void pipeline_destroy(struct pipeline *p)
{
        if (!p) {
                return;
        }
        row_parser_destroy(p->parser);
        typing_destroy(p->typing);
        row_parser_destroy(p->pre_parser);
        typing_destroy(p->pre_typing);
        free(p->pre_values);
        ack_tracker_destroy(p->acks);
        row_encoder_destroy(p->enc);
        wire_buf_finish(&p->buf);
        wire_buf_finish(&p->cols);
        free(p->values);
        free(p);
}

void pipeline_close_handles(struct pipeline *p)
{
        if (p && p->timers_init) {
                uv_close((uv_handle_t *)&p->meta_timer, noop_close);
                uv_close((uv_handle_t *)&p->ckpt_timer, noop_close);
                uv_close((uv_handle_t *)&p->progress_timer, noop_close);
                uv_close((uv_handle_t *)&p->settle_timer, noop_close);
                p->timers_init = false;
        }
}
