/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's state as the health check sees it (loop thread only):
 * what is in flight, what is held back and why, the file's and the state
 * file's condition. Reads, never changes, the pipeline.
 */
#include "pipeline_internal.h"

#include <string.h>

void pipeline_probe(const struct pipeline *p, struct pipeline_probe *out)
{
        struct ack_pos oldest;
        uint64_t dev, ino;

        memset(out, 0, sizeof(*out));
        out->source      = p->cfg.source;
        out->topic       = p->cfg.topic;
        out->generation  = source_machine_generation(p->sm);
        out->topic_ready = p->partitions > 0;
        out->pending     = ack_tracker_pending(source_machine_acks(p->sm));
        out->has_pending =
            ack_tracker_oldest_pending(source_machine_acks(p->sm), &oldest);
        if (out->has_pending) {
                out->oldest_sent_ms = oldest.sent_ms;
        }
        out->held_bytes      = row_parser_pending_bytes(p->parser);
        out->held_start      = row_parser_record_start(p->parser);
        out->held_open_quote = row_parser_in_quote(p->parser);
        if (p->tail) {
                out->file_open   = file_tail_is_open(p->tail);
                out->file_error  = file_tail_error(p->tail);
                out->file_offset = file_tail_offset(p->tail);
                if (file_tail_identity(p->tail, &dev, &ino, &out->file_size) !=
                    0) {
                        out->file_size = 0;
                }
        }
        out->ck_error = p->ck_error[0] ? p->ck_error : NULL;
        out->notes    = &p->notes;
}
