/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the dashboard's request parsing (rows_query_parse, the
 * query string of /api/rows and /api/export.csv) and everything a request
 * renders from the aggregates that hostile topic content built.
 *
 * Input: the first line is a query string; every further line is one topic
 * message: byte 0 picks kind, source and generation, byte 1 the record
 * number, the rest is the message value (JSON, decoded by the wire decoder
 * as kafka_source does). Checked for every input:
 *   - the parser accepts or rejects with a message, and what it accepts is
 *     in range (page >= 1, 1 <= size <= ROWS_PAGE_SIZE_MAX);
 *   - the snapshot, rows page and category table are valid JSON (cJSON),
 *     and their counts agree with the aggregates;
 *   - every numeric column's sum and count in the view equal the sum and
 *     count of the cells of the rows the table holds (exact), so the cards
 *     never disagree with the table;
 *   - CSV export of the same rows works.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"
#include "common/wire.h"
#include "dlq_stats.h"
#include "latency.h"
#include "snapshot_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 2048

static cJSON *must_parse(const struct wire_buf *b)
{
        cJSON *j = cJSON_ParseWithLength(b->data, b->len);

        if (!j) {
                fprintf(stderr, "invalid JSON: %.*s\n",
                        (int)(b->len > 400 ? 400 : b->len), b->data);
                abort();
        }
        return j;
}

static void apply_line(struct aggregates *a, struct dlq_stats *dlq,
                       struct wire_object *obj, const char *s, size_t len,
                       int64_t now)
{
        static const char *const sources[2] = {"/data/a.csv", "/data/b.csv"};
        struct aggregates_message m         = {0};
        uint8_t op;

        if (len < 2) {
                return;
        }
        op           = (uint8_t)s[0];
        m.source     = sources[(op >> 2) & 1];
        m.generation = (op >> 3) & 3;
        m.record     = (uint8_t)s[1];
        switch (op & 3) {
        case 0:
        case 3:
                m.kind = WIRE_ROW;
                break;
        case 1:
                m.kind = WIRE_RESET;
                break;
        default:
                m.kind = WIRE_SNAPSHOT_COMPLETE;
                break;
        }
        if (op & 0x20) { /* a dead-letter message instead */
                if (wire_decode_object(obj, s + 2, len - 2) == WIRE_OK) {
                        dlq_stats_add(dlq, obj);
                }
                return;
        }
        if (m.kind != WIRE_RESET) {
                if (wire_decode_object(obj, s + 2, len - 2) != WIRE_OK) {
                        return;
                }
                m.row = obj;
        }
        if (m.kind == WIRE_SNAPSHOT_COMPLETE) {
                const struct wire_field *lr =
                    wire_object_get(obj, "last_record");
                const struct wire_field *rc = wire_object_get(obj, "row_count");
                if (!lr || !rc || lr->value.type != VALUE_INT ||
                    rc->value.type != VALUE_INT || lr->value.as.i < 0 ||
                    rc->value.as.i < 0) {
                        return;
                }
                m.last_record = (uint64_t)lr->value.as.i;
                m.row_count   = (uint64_t)rc->value.as.i;
        }
        if (aggregates_apply(a, &m, now) == AGGREGATES_NOMEM) {
                abort();
        }
}

/* The view's per-column sums against the cells of every row. */
static void check_sums(struct aggregates *a)
{
        static aggregates_row_ref refs[MAX_ROWS];
        struct view_column *cols;
        size_t ncols   = aggregates_view_columns(a, &cols);
        uint64_t total = 0;
        long n = aggregates_page(a, NULL, false, 0, MAX_ROWS, refs, &total);

        if (n < 0 || total != aggregates_count(a)) {
                abort();
        }
        if (total > MAX_ROWS) {
                aggregates_view_columns_free(cols, ncols);
                return;
        }
        for (size_t i = 0; i < ncols; i++) {
                const struct view_column *vc = &cols[i];
                struct exact sum             = EXACT_ZERO;
                uint64_t count               = 0;

                if ((vc->kind != COLUMN_INT && vc->kind != COLUMN_DECIMAL) ||
                    vc->is_stats_unknown) {
                        continue;
                }
                for (long r = 0; r < n; r++) {
                        struct cell c;
                        struct exact v = EXACT_ZERO;

                        aggregates_ref_cell(a, refs[r], vc->name, &c);
                        if (c.kind != COLUMN_INT && c.kind != COLUMN_DECIMAL) {
                                continue;
                        }
                        if (c.big) {
                                if (exact_set_text(&v, c.big, c.big_len) != 0) {
                                        abort(); /* stored, so usable */
                                }
                        } else {
                                exact_set_dec(&v, c.num, c.scale);
                        }
                        if (exact_add(&sum, &v) != 0) {
                                abort();
                        }
                        exact_clear(&v);
                        count++;
                }
                bool same = exact_cmp(&sum, &vc->sum) == 0 || count == 0;
                exact_clear(&sum);
                if (count != vc->n || !same) {
                        fprintf(stderr,
                                "column %s: view n=%llu, cells n=%llu\n",
                                vc->name, (unsigned long long)vc->n,
                                (unsigned long long)count);
                        abort();
                }
        }
        aggregates_view_columns_free(cols, ncols);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct wire_object obj;
        const char *s  = (const char *)data;
        const char *nl = memchr(s, '\n', size);
        size_t qlen    = nl ? (size_t)(nl - s) : size;
        char qs[1024];
        char err[128];
        struct rows_query q;
        struct wire_buf b = {0};
        struct latency lat;
        int prc;

        if (qlen >= sizeof(qs)) {
                return 0;
        }
        memcpy(qs, s, qlen);
        qs[qlen] = '\0';
        err[0]   = '\0';
        prc      = rows_query_parse(qs, (qlen & 1) == 0, &q, err, sizeof(err));
        if (prc == 0) {
                if (q.page < 1 || q.size < 1 || q.size > ROWS_PAGE_SIZE_MAX ||
                    !memchr(q.sort, '\0', sizeof(q.sort))) {
                        abort();
                }
        } else if (prc != -1 || err[0] == '\0') {
                abort();
        }

        struct aggregates *a  = aggregates_create(NULL);
        struct dlq_stats *dlq = dlq_stats_create();
        if (!a || !dlq) {
                abort();
        }
        int64_t now = 1700000000000;
        for (size_t off = nl ? qlen + 1 : size; off < size;) {
                const char *line = s + off;
                const char *end  = memchr(line, '\n', size - off);
                size_t len       = end ? (size_t)(end - line) : size - off;

                apply_line(a, dlq, &obj, line, len, now++);
                off += len + 1;
        }
        check_sums(a);

        memset(&lat, 0, sizeof(lat));
        struct snapshot_stream st = {.topic      = "t",
                                     .dlq_topic  = "t.dlq",
                                     .partitions = 1,
                                     .now_ms     = now,
                                     .lag        = -1,
                                     .latency    = &lat};
        if (snapshot_render(a, dlq, &st, &b) != 0) {
                abort();
        }
        cJSON *j           = must_parse(&b);
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(j, "count");
        if (!cJSON_IsNumber(count) ||
            (uint64_t)count->valuedouble != aggregates_count(a)) {
                abort();
        }
        cJSON_Delete(j);

        if (prc == 0) {
                wire_buf_reset(&b);
                int rc = snapshot_render_rows(a, &q, &b);
                if (rc == 0) {
                        j = must_parse(&b);
                        const cJSON *t =
                            cJSON_GetObjectItemCaseSensitive(j, "total");
                        if (!cJSON_IsNumber(t) ||
                            (uint64_t)t->valuedouble != aggregates_count(a)) {
                                abort();
                        }
                        cJSON_Delete(j);
                } else if (rc != -2 || q.sort[0] == '\0') {
                        abort();
                }
                bool more = false;
                wire_buf_reset(&b);
                rc = snapshot_render_csv(a, &q, 0, 100, NULL, &more, &b);
                if (rc != 0 && (rc != -2 || q.sort[0] == '\0')) {
                        abort();
                }
        }
        wire_buf_reset(&b);
        if (snapshot_render_categories(a, &b) != 0) {
                abort();
        }
        cJSON_Delete(must_parse(&b));

        wire_buf_finish(&b);
        dlq_stats_destroy(dlq);
        aggregates_destroy(a);
        return 0;
}
