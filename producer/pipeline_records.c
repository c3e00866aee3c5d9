/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's record → message path (loop thread only): a chunk of the
 * file through the parser, the header and the column types, each good
 * record encoded and produced as a row (the machine tracks each). Uses
 * pipeline_dlq.c, pipeline_control.c and pipeline_produce.c.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "row_encoder.h"
#include "typing.h"

#define PIPELINE_REASON_MAX 256

/* True when a message of len bytes (key and value) would exceed what
 * Kafka accepts: it would fail for good, so it goes to the DLQ instead. */
static bool too_large(struct pipeline *p, size_t len)
{
        return len + PIPELINE_HEADER_ROOM > pipeline_max_message(p);
}

static int send_row(struct pipeline *p, const struct row_record *rec)
{
        struct kafka_sink_headers h = {0};
        char key_buf[2 * PIPELINE_NUM_STR];
        const char *key, *payload;
        size_t key_len;
        int64_t len;
        struct ack_pos pos;

        len = row_encoder_encode(p->enc, p->values, rec->field_count, &payload);
        if (len < 0) {
                pipeline_fail(p, "out of memory");
                return -1;
        }
        if (p->key_idx >= 0 && rec->fields[p->key_idx].len > 0) {
                key     = rec->fields[p->key_idx].ptr;
                key_len = rec->fields[p->key_idx].len;
        } else {
                key_len =
                    row_encoder_u64(source_machine_generation(p->sm), key_buf);
                key_buf[key_len++] = ':';
                key_len += row_encoder_u64(rec->record, key_buf + key_len);
                key = key_buf;
        }
        if (too_large(p, (size_t)len + key_len)) {
                char reason[PIPELINE_REASON_MAX];
                snprintf(reason, sizeof(reason),
                         "message of %zu bytes is larger than the %zu bytes "
                         "Kafka accepts (message.max.bytes, the topic's "
                         "max.message.bytes)",
                         (size_t)len + key_len + PIPELINE_HEADER_ROOM,
                         p->max_message);
                return pipeline_send_dlq(p, rec, reason);
        }
        pipeline_record_headers(p, rec, &h);
        p->row_count++;
        pos = pipeline_row_ack_pos(p, rec);
        p->m->rows_sent++;
        return pipeline_produce(p, p->cfg.topic, -1, key, key_len, payload,
                                (size_t)len, &h, &pos);
}

void pipeline_update_schema_id(struct pipeline *p)
{
        p->typing_seen = typing_changes(p->typing);
        p->schema_id   = typing_schema_id(p->typing);
}

/* Says how the file is read, which header names were changed, and ends
 * the producer when --schema names a column the header lacks. */
static void log_header_checks(struct pipeline *p)
{
        char dialect[PIPELINE_REASON_MAX], err[PIPELINE_REASON_MAX];
        size_t n = typing_column_count(p->typing);

        row_parser_dialect(p->parser, dialect, sizeof(dialect), NULL, 0);
        log_info("event=dialect source=%s %s", p->cfg.source, dialect);
        for (size_t i = 0; typing_renamed(p->typing) && i < n; i++) {
                log_warn("event=header_name source=%s column=%zu name=%s",
                         p->cfg.source, i + 1,
                         typing_column_name(p->typing, i));
        }
        if (!p->priming && typing_check_schema(p->typing, err, sizeof(err))) {
                log_error("event=bad_schema source=%s reason=\"%s\"",
                          p->cfg.source, err);
                source_machine_stop(p->sm);
                p->exit_wanted = PIPELINE_EXIT_USAGE; /* at the drain */
        }
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
                log_error("event=bad_header source=%s reason=\"%zu columns, "
                          "more than the %d csv-producer reads: every record "
                          "goes to the dead-letter topic\"",
                          p->cfg.source, rec->field_count, TYPING_MAX_COLUMNS);
                (void)typing_set_header(p->typing, NULL, 0); /* no columns */
        }
        log_header_checks(p);
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
                pipeline_fail(p, "out of memory");
        }
        p->key_idx    = typing_find(p->typing, p->cfg.key_column);
        p->header_len = rec->end_offset;
        file_tail_set_head(p->tail, (size_t)rec->end_offset);
        pipeline_update_schema_id(p);
}

static int on_pre_record(const struct row_record *rec, void *ctx)
{
        struct pipeline *p = ctx;

        if (rec->is_header) {
                return typing_set_header(p->pre_typing, rec->fields,
                                         rec->field_count) != 0;
        }
        if (rec->err == ROW_OK) {
                typing_observe(p->pre_typing, rec->fields, rec->field_count);
        }
        return 0;
}

/* Infers column types from the file's first records (the sample the
 * parser detected the dialect from) so the reset message can name them;
 * the real pass then starts from these types. */
static void prepass_types(struct pipeline *p)
{
        char types[CHECKPOINT_TYPES_MAX];
        const char *sample;
        size_t len = row_parser_sample(p->parser, &sample);

        if (len == 0) {
                return;
        }
        row_parser_reset(p->pre_parser);
        (void)row_parser_feed(p->pre_parser, sample, len, on_pre_record,
                              p); /* best effort */
        (void)row_parser_end(p->pre_parser, false, on_pre_record, p);
        typing_infer(p->pre_typing);
        if (typing_column_count(p->pre_typing) ==
                typing_column_count(p->typing) &&
            typing_encode_types(p->pre_typing, types, sizeof(types)) == 0) {
                (void)typing_decode_types(p->typing, types);
                pipeline_update_schema_id(p);
        }
}

/* Keeps text for the status record, cut at a UTF-8 character's start. */
static void note_copy(char dst[PIPELINE_NOTE_MAX], const char *text)
{
        size_t n = strlen(text);

        if (n >= PIPELINE_NOTE_MAX) {
                n = PIPELINE_NOTE_MAX - 1;
                while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) {
                        n--;
                }
        }
        memcpy(dst, text, n);
        dst[n] = '\0';
}

/* Counts values sent as text; the first one of each column in a
 * generation is logged, the count stays in the metric. */
static void log_values_as_text(struct pipeline *p, const struct row_record *rec)
{
        size_t n = typing_column_count(p->typing);

        for (size_t i = 0; i < n; i++) {
                if (!typing_last_misfit(p->typing, i)) {
                        continue; /* fits its column */
                }
                producer_metrics_value_as_text(
                    p->m, p->cfg.source, typing_column_name(p->typing, i));
                if (p->notes.values_as_text++ == 0) {
                        note_copy(p->notes.value_as_text_column,
                                  typing_column_name(p->typing, i));
                }
                if (typing_column_misfits(p->typing, i) == 1) {
                        log_warn(
                            "event=value_as_text source=%s line=%" PRIu64
                            " column=%s type=%s value=\"%.*s\"",
                            p->cfg.source, rec->line,
                            typing_column_name(p->typing, i),
                            value_type_name(typing_column_type(p->typing, i)),
                            (int)(p->values[i].as.text.len > 40
                                      ? 40
                                      : p->values[i].as.text.len),
                            p->values[i].as.text.ptr);
                }
        }
}

/* "1,234" read as 1.234 because nothing else in the file told: said, with
 * the flag that reads it the other way. */
static void note_comma_guess(struct pipeline *p)
{
        const char *column = typing_comma_guess(p->pre_typing);

        if (column && !p->cfg.decimal_comma) {
                log_warn("event=number_guess source=%s column=%s "
                         "reading=decimal_comma hint=\"numbers like 1,234 "
                         "may be 1234 (',' thousands) or 1.234 (a decimal "
                         "comma), and no other number in the file's first "
                         "records tells: read as a decimal comma; pass "
                         "--decimal-point if ',' separates thousands, or "
                         "--decimal-comma to make it the rule\"",
                         p->cfg.source, column);
                note_copy(p->notes.number_guess, column);
        }
}

/* A new file's header with the last header's width, other names, and
 * numbers for names where its columns hold numbers: most likely a file
 * written without a header line (logrotate's "create" and an application
 * that writes rows only), whose first row is now taken for the header. */
static void note_header_like_row(struct pipeline *p,
                                 const struct row_record *rec, bool fresh)
{
        uint64_t h     = 0;
        size_t n       = typing_column_count(p->typing);
        size_t numbers = typing_numbers_as_names(p->typing);

        for (size_t i = 0; i < rec->field_count; i++) {
                h = h * 1099511628211u ^
                    checkpoint_hash(rec->fields[i].ptr, rec->fields[i].len);
        }
        if (fresh && !p->cfg.columns && p->prev_header_count == n && n > 0 &&
            p->prev_header_hash != h && numbers > 0) {
                log_warn("event=header_looks_like_row source=%s line=1 "
                         "numbers=%zu hint=\"the file's first line, read as "
                         "its header, has numbers where the last header had "
                         "names: if the file has no header line, run with "
                         "--columns NAME,... (that line is not sent as a "
                         "row)\"",
                         p->cfg.source, numbers);
                p->m->headers_like_rows++;
                p->notes.header_like_row = true;
        }
        p->prev_header_hash  = h;
        p->prev_header_count = n;
}

int pipeline_on_record(const struct row_record *rec, void *ctx)
{
        struct pipeline *p = ctx;
        char reason[PIPELINE_REASON_MAX];

        /* What the reading of the file's text assumed (often said on
         * the header: "no byte order mark, but ... UTF-16LE"). */
        if (rec->encoding_notice && (rec->is_header || !p->priming)) {
                log_warn("event=encoding source=%s line=%" PRIu64
                         " reason=\"%s\"",
                         p->cfg.source, rec->line, rec->encoding_notice);
                note_copy(p->notes.encoding, rec->encoding_notice);
        }
        if (rec->is_header) {
                apply_header(p, rec);
                if (source_machine_stopping(p->sm)) {
                        return 1;
                }
                bool fresh = source_machine_on_header(p->sm, p->priming);
                if (fresh) {
                        prepass_types(p);
                        note_comma_guess(p);
                }
                note_header_like_row(p, rec, fresh);
                if (fresh) {
                        pipeline_send_control(p, WIRE_RESET);
                }
                return source_machine_rewind_pending(p->sm) ? 1 : 0;
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
                pipeline_update_schema_id(p);
        }
        if (typing_last_misfits(p->typing) > 0) {
                log_values_as_text(p, rec);
        }
        return send_row(p, rec) ? 1 : 0;
}

void pipeline_parse_chunk(struct pipeline *p, uint64_t offset, const char *buf,
                          size_t len, uint64_t read_ts_ms)
{
        int rc;

        p->m->bytes_read += len;
        p->m->file_offset = offset + len;
        p->read_ts_ms     = read_ts_ms;
        rc = row_parser_feed(p->parser, buf, len, pipeline_on_record, p);
        if (rc == ROW_PARSER_LINE_GREW) {
                log_info("event=file_changed source=%s change=line_grew "
                         "reason=\"bytes were added to a last line sent "
                         "without its newline\"",
                         p->cfg.source);
                source_machine_on_line_grew(p->sm, (uint64_t)clock_wall_ms());
                return;
        }
        if (rc < 0) {
                pipeline_fail(p, "out of memory");
        }
        pipeline_update_pending(p);
        source_machine_after_chunk(p->sm);
}
