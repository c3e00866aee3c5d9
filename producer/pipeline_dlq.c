/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's dead-letter path (loop thread only): a record that cannot
 * become a row goes to the dead-letter topic with the reason. Uses
 * pipeline_produce.c only.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "dlq_record.h"

/* Encodings tried while cutting a dead letter's text to fit a message. */
#define PIPELINE_DLQ_FIT_TRIES 4

int pipeline_send_dlq(struct pipeline *p, const struct row_record *rec,
                      const char *reason)
{
        struct dlq_record d = {
            .source     = p->cfg.source,
            .generation = source_machine_generation(p->sm),
            .record     = rec->record,
            .line       = rec->line,
            .offset     = rec->offset,
            .reason     = reason,
            .raw        = rec->raw,
            .raw_len    = rec->raw_len,
        };
        struct kafka_sink_headers h = {0};
        struct ack_pos pos          = pipeline_row_ack_pos(p, rec);

        size_t key_len = strlen(p->cfg.source);
        size_t limit   = pipeline_max_message(p);

        for (int i = 0; i < PIPELINE_DLQ_FIT_TRIES; i++) {
                wire_buf_reset(&p->buf);
                if (dlq_record_encode(&p->buf, &d) != 0) {
                        pipeline_fail(p, "out of memory");
                        return -1;
                }
                if (p->buf.len + key_len + PIPELINE_HEADER_ROOM <= limit ||
                    d.raw_len == 0) {
                        break;
                }
                /* Cut the text to fit: each raw byte is at least one byte
                 * of the message. */
                size_t over =
                    p->buf.len + key_len + PIPELINE_HEADER_ROOM - limit;
                d.raw_len = d.raw_len > DLQ_RECORD_RAW_MAX ? DLQ_RECORD_RAW_MAX
                                                           : d.raw_len;
                d.raw_len = d.raw_len > over ? d.raw_len - over : 0;
        }
        pipeline_record_headers(p, rec, &h);
        h.id.kind = WIRE_REJECTED;
        p->m->rows_rejected++;
        log_warn("event=record_rejected source=%s generation=%" PRIu64
                 " record=%" PRIu64 " line=%" PRIu64 " reason=\"%s\"",
                 p->cfg.source, source_machine_generation(p->sm), rec->record,
                 rec->line, reason);
        return pipeline_produce(p, p->cfg.dlq_topic, -1, p->cfg.source, key_len,
                                p->buf.data, p->buf.len, &h, &pos);
}
