/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's dead-letter path (loop thread only): a record that cannot
 * become a row goes to the dead-letter topic with the reason.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "dlq_record.h"

#define PIPELINE_KIND_REJECTED "rejected"

int pipeline_send_dlq(struct pipeline *p, const struct row_record *rec,
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
        struct ack_pos pos = pipeline_row_ack_pos(p, rec);

        wire_buf_reset(&p->buf);
        if (dlq_record_encode(&p->buf, &d) != 0) {
                pipeline_want_rewind(p, "out of memory");
                return -1;
        }
        pipeline_record_headers(p, rec, &h, rec_str, off_str);
        h.kind = PIPELINE_KIND_REJECTED;
        p->m->rows_rejected++;
        log_warn("event=record_rejected source=%s generation=%" PRIu64
                 " record=%" PRIu64 " line=%" PRIu64 " reason=\"%s\"",
                 p->cfg.source, p->gen, rec->record, rec->line, reason);
        return pipeline_produce(p, p->cfg.dlq_topic, -1, p->cfg.source,
                                strlen(p->cfg.source), p->buf.data, p->buf.len,
                                &h, &pos);
}
