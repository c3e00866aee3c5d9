/* SPDX-License-Identifier: MIT */
#include "dlq_record.h"

#include <inttypes.h>
#include <string.h>

#include "common/wire.h"
#include "row_parser.h"

/* Appends raw as a JSON string; invalid UTF-8 bytes become \u00XX. */
static int append_raw(struct wire_buf *out, const char *raw, size_t len)
{
        size_t i = 0;

        if (wire_buf_append(out, "\"", 1) != 0) {
                return -1;
        }
        while (i < len) {
                size_t good = row_parser_utf8_check(raw + i, len - i);
                if (good > 0) {
                        /* Reuse the shared escaper, minus its quotes. */
                        size_t at = out->len;
                        if (wire_buf_append_json_string(out, raw + i, good)) {
                                return -1;
                        }
                        memmove(out->data + at, out->data + at + 1,
                                out->len - at - 2);
                        out->len -= 2;
                        i += good;
                }
                if (i < len) {
                        if (wire_buf_printf(out, "\\u00%02x",
                                            (unsigned char)raw[i]) != 0) {
                                return -1;
                        }
                        i++;
                }
        }
        return wire_buf_append(out, "\"", 1);
}

int dlq_record_encode(struct wire_buf *out, const struct dlq_record *r)
{
        size_t raw_len =
            r->raw_len > DLQ_RECORD_RAW_MAX ? DLQ_RECORD_RAW_MAX : r->raw_len;

        if (wire_buf_append(out, "{\"source\":", 10) != 0 ||
            wire_buf_append_json_string(out, r->source, strlen(r->source)) ||
            wire_buf_append_source_id(out, r->source, strlen(r->source)) ||
            wire_buf_printf(
                out,
                ",\"generation\":%" PRIu64 ",\"record\":%" PRIu64
                ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"reason\":",
                r->generation, r->record, r->line, r->offset) != 0 ||
            wire_buf_append_json_string(out, r->reason, strlen(r->reason)) ||
            wire_buf_append(out, ",\"raw\":", 7) != 0 ||
            append_raw(out, r->raw, raw_len) != 0) {
                return -1;
        }
        return wire_buf_append(out, "}", 1);
}
