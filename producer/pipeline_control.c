/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's control messages (loop thread only): a generation's reset
 * (columns, dialect, reason) and snapshot-complete marker, one copy per
 * partition of the topic. Uses pipeline_produce.c only.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "typing.h"

void pipeline_send_control(struct pipeline *p, enum wire_kind kind)
{
        struct wire_control c = {0};
        char dialect[PIPELINE_DIALECT_JSON_MAX];
        struct kafka_sink_headers h = {0};
        struct ack_pos pos          = {0};
        uint64_t gen                = source_machine_generation(p->sm);
        const char *reason          = source_machine_reason(p->sm);
        const char *key;

        c.kind       = kind;
        c.source     = p->cfg.source;
        c.generation = gen;
        c.producer   = p->cfg.instance;
        wire_buf_reset(&p->cols);
        if (kind == WIRE_RESET) {
                c.reason = reason;
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
        } else {
                c.last_record = row_parser_next_record(p->parser) - 1;
                c.row_count   = p->row_count;
                key           = WIRE_KEY_SNAPSHOT_COMPLETE;
                pos.kind      = ACK_SNAPSHOT;
        }
        wire_buf_reset(&p->buf);
        if (wire_encode_control(&p->buf, &c) != 0) {
                pipeline_fail(p, "out of memory");
                return;
        }
        h.id = (struct wire_id){
            .kind       = kind,
            .generation = gen,
            .schema     = p->schema_id,
            .source_id  = p->source_id,
        };
        for (int i = 0; i < p->partitions; i++) {
                struct ack_pos one = pos;
                one.is_last        = i == p->partitions - 1;
                if (pipeline_produce(p, p->cfg.topic, i, key, strlen(key),
                                     p->buf.data, p->buf.len, &h, &one)) {
                        return;
                }
        }
        source_machine_on_control_sent(p->sm, kind != WIRE_RESET);
        if (kind == WIRE_RESET) {
                log_info("event=reset_sent source=%s generation=%" PRIu64
                         " reason=%s partitions=%d",
                         p->cfg.source, gen, reason, p->partitions);
        } else {
                log_info("event=snapshot_complete source=%s generation=%" PRIu64
                         " last_record=%" PRIu64 " row_count=%" PRIu64,
                         p->cfg.source, gen, c.last_record, c.row_count);
        }
}
