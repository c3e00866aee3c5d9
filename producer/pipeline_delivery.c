/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's delivery path (loop thread only): tracking and producing
 * messages, delivery reports, the acknowledged checkpoint and the rewind
 * to it after a failed delivery.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "typing.h"

/* ---- producing ---- */

void pipeline_update_pending(struct pipeline *p)
{
        p->m->messages_pending = ack_tracker_pending(p->acks);
        p->m->bytes_pending    = ack_tracker_pending_bytes(p->acks);
}

void pipeline_want_rewind(struct pipeline *p, const char *why)
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
int pipeline_produce(struct pipeline *p, const char *topic, int32_t partition,
                     const char *key, size_t key_len, const char *payload,
                     size_t len, const struct kafka_sink_headers *h,
                     const struct ack_pos *pos)
{
        const char *error      = NULL;
        struct ack_pos tracked = *pos;
        uint64_t seq;

        tracked.bytes   = (uint32_t)len;
        tracked.sent_ms = uv_now(p->loop);
        if (ack_tracker_push(p->acks, &tracked, &seq) != 0) {
                pipeline_want_rewind(p, "too many messages in flight");
                return -1;
        }
        if (kafka_sink_produce(p->sink, topic, partition, key, key_len, payload,
                               len, h, seq | p->cfg.seq_tag, &error) != 0) {
                ack_tracker_ack(p->acks, seq, false);
                pipeline_want_rewind(p, error);
                return -1;
        }
        return 0;
}

/* ---- rewinds ---- */

/* After Kafka refused messages for their size, records as large as the
 * largest of them go to the dead-letter topic from now on. */
static void learn_max_message(struct pipeline *p)
{
        size_t seen = p->too_large_seen;

        p->too_large_seen = 0;
        if (seen == 0 || seen > pipeline_max_message(p)) {
                return;
        }
        p->max_message = seen - 1;
        log_warn("event=message_too_large size=%zu limit=%zu reason=\"Kafka "
                 "refused a message of %zu bytes (the topic's "
                 "max.message.bytes): records this large go to the "
                 "dead-letter topic\"",
                 seen, p->max_message, seen);
}

static void do_rewind(struct pipeline *p)
{
        learn_max_message(p);
        ack_tracker_clear(p->acks);
        p->rewind_pending = false;
        p->bp_paused      = false;
        pipeline_update_pending(p);
        if (p->ck.generation != p->gen || !p->ck.reset_done) {
                pipeline_begin_reading_at_zero(p);
                (void)file_tail_seek(p->tail, 0); /* errors: next check */
        } else {
                p->snapshot_sent = p->ck.snapshot_done;
                p->row_count     = p->ck.row_count;
                if (p->ck.offset == 0 || !row_parser_has_header(p->parser)) {
                        bool reset_sent = p->reset_sent;
                        pipeline_begin_reading_at_zero(p);
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

void pipeline_maybe_finish_at_eof(struct pipeline *p)
{
        if (p->cfg.exit_at_eof && p->eof_seen && p->snapshot_sent &&
            !p->rewind_pending && ack_tracker_count(p->acks) == 0 &&
            !p->stopping) {
                log_info("event=exit_at_eof source=%s offset=%" PRIu64,
                         p->cfg.source, p->ck.offset);
                p->stopping = true;
                file_tail_stop(p->tail);
                pipeline_save_checkpoint(p);
                pipeline_finish(p, 0);
        }
}

size_t pipeline_max_message(struct pipeline *p)
{
        if (p->max_message == 0) {
                p->max_message = kafka_sink_max_message_bytes(p->sink);
        }
        return p->max_message;
}

void pipeline_on_delivery(void *ctx, uint64_t seq, bool ok, const char *error,
                          size_t too_large)
{
        struct pipeline *p = ctx;
        struct ack_pos a;

        ack_tracker_ack(p->acks, seq, ok);
        if (too_large > p->too_large_seen) {
                /* A refused batch fails all its messages: the largest
                 * one is the culprit. Applied at the rewind. */
                p->too_large_seen = too_large;
        }
        if (!ok) {
                p->m->delivery_failures++;
                if (p->failed_since_rewind++ == 0) {
                        /* One line per rewind, not per message: an outage
                         * fails every message in flight. */
                        log_warn("event=delivery_failed error=\"%s\"",
                                 error ? error : "?");
                }
                if (!p->stopping) {
                        pipeline_want_rewind(p,
                                             error ? error : "delivery failed");
                }
        }
        while (ack_tracker_pop(p->acks, &a)) {
                apply_ack(p, &a);
        }
        pipeline_update_pending(p);
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
        pipeline_maybe_finish_at_eof(p);
}
