/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's producing (loop thread only): a message's headers and
 * the position it acknowledges, tracking it in the machine and handing it
 * to Kafka, and the largest message Kafka takes. The bottom of the chain
 * (pipeline_internal.h): it uses no other pipeline file.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

void pipeline_update_pending(struct pipeline *p)
{
        const struct ack_tracker *acks = source_machine_acks(p->sm);

        p->m->messages_pending = ack_tracker_pending(acks);
        p->m->bytes_pending    = ack_tracker_pending_bytes(acks);
}

void pipeline_record_headers(const struct pipeline *p,
                             const struct row_record *rec,
                             struct kafka_sink_headers *h)
{
        h->id = (struct wire_id){
            .kind       = WIRE_ROW,
            .generation = source_machine_generation(p->sm),
            .record     = rec->record,
            .offset     = rec->offset,
            .schema     = p->schema_id,
            .source_id  = p->source_id,
        };
        h->timestamp_ms = (int64_t)p->read_ts_ms;
}

struct ack_pos pipeline_row_ack_pos(const struct pipeline *p,
                                    const struct row_record *rec)
{
        return (struct ack_pos){
            .kind        = ACK_ROW,
            .offset      = rec->end_offset,
            .line        = rec->end_line,
            .next_record = rec->record + 1,
            .row_count   = p->row_count,
        };
}

int pipeline_produce(struct pipeline *p, const char *topic, int32_t partition,
                     const char *key, size_t key_len, const char *payload,
                     size_t len, const struct kafka_sink_headers *h,
                     struct ack_pos *pos)
{
        const char *error = NULL;
        uint64_t seq;

        pos->bytes   = (uint32_t)len;
        pos->sent_ms = uv_now(p->loop);
        if (source_machine_track(p->sm, pos, &seq) != 0) {
                return -1;
        }
        if (kafka_sink_produce(p->sink, topic, partition, key, key_len, payload,
                               len, h, seq | p->cfg.seq_tag, &error) != 0) {
                source_machine_on_produce_failed(p->sm, true, seq, error);
                return -1;
        }
        return 0;
}

void pipeline_fail(struct pipeline *p, const char *why)
{
        source_machine_on_produce_failed(p->sm, false, 0, why);
}

size_t pipeline_max_message(struct pipeline *p)
{
        if (p->max_message == 0) {
                p->max_message = kafka_sink_max_message_bytes(p->sink);
        }
        return p->max_message;
}

void pipeline_learn_max_message(struct pipeline *p)
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
