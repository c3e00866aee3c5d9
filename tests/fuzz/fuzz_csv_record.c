/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the producer's CSV record parser (row_parser) and column
 * typing (typing), the path every byte of a user's file takes.
 *
 * Input: byte 0 picks the options (delimiter or detection, a small or the
 * default record size limit, the end of the file for good or not, UTF-16,
 * --columns "a,b,c" for a file without a header line),
 * byte 1 seeds the chunk sizes and the resume point, the rest is the file.
 * Checked for every input:
 *   - records are reported in file order, never overlap, and together with
 *     the bytes still pending they account for every byte fed (nothing is
 *     lost between chunks);
 *   - feeding the file in random chunks gives exactly the records that one
 *     whole feed gives (the producer reads in chunks of any size);
 *   - resuming at any record boundary (row_parser_seek, as after a restart
 *     from a checkpoint) gives exactly the records that follow it;
 *   - a last line sent while idle (row_parser_flush_held, the file cut
 *     just before a record's line end) is that record, and the line end
 *     fed after it adds nothing: the records are those of one whole feed
 *     (when both runs read the file with the same dialect);
 *   - a good record has as many fields as the header;
 *   - a typed record encodes as a wire row that decodes to the same values,
 *     and the encoding is valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "row_parser.h"
#include "typing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 4096

/* What one reported record looked like, enough to compare two runs. */
struct seen {
        bool is_header;
        enum row_err err;
        uint64_t record, line, offset, end_offset, end_line;
        size_t raw_len, field_count;
        uint64_t fields_hash;
};

struct run {
        struct seen recs[MAX_RECORDS];
        size_t n;
        size_t header_count;
        size_t max_record_bytes;
        uint64_t last_end;
        struct typing *typing; /* NULL: do not type */
        bool typing_ok;
};

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
        const unsigned char *s = p;

        for (size_t i = 0; i < len; i++) {
                h = (h ^ s[i]) * 1099511628211ull;
        }
        return h;
}

static int as_integer(const struct value *v, __int128 *m, unsigned *scale)
{
        if (v->type == VALUE_INT) {
                *m     = v->as.i;
                *scale = 0;
                return 1;
        }
        if (v->type == VALUE_DECIMAL) {
                *m     = v->as.d.mantissa;
                *scale = v->as.d.scale;
                return 1;
        }
        return 0;
}

/* Numbers compare by value (1.50 == 1.5), everything else exactly. */
static int same_value(const struct value *a, const struct value *b)
{
        __int128 ma, mb;
        unsigned sa, sb;

        if (as_integer(a, &ma, &sa) && as_integer(b, &mb, &sb)) {
                while (sa < sb) {
                        ma *= 10;
                        sa++;
                }
                while (sb < sa) {
                        mb *= 10;
                        sb++;
                }
                return ma == mb;
        }
        if (a->type != b->type) {
                return 0;
        }
        switch (a->type) {
        case VALUE_BOOL:
                return a->as.b == b->as.b;
        case VALUE_TEXT:
                return a->as.text.len == b->as.text.len &&
                       (a->as.text.len == 0 ||
                        memcmp(a->as.text.ptr, b->as.text.ptr,
                               a->as.text.len) == 0);
        case VALUE_BIGNUM:
                return a->as.big.len == b->as.big.len &&
                       memcmp(a->as.big.ptr, b->as.big.ptr, a->as.big.len) == 0;
        default:
                return 1;
        }
}

static void check_typed(struct run *r, const struct row_record *rec)
{
        static struct wire_object obj;
        struct value values[TYPING_MAX_COLUMNS];
        char reason[256];
        struct wire_buf b = {0};
        size_t n          = rec->field_count;

        reason[0] = '\0';
        if (typing_apply(r->typing, rec->fields, n, values, reason,
                         sizeof(reason)) != 0) {
                /* A rejected record must say why (it goes to the DLQ). */
                if (reason[0] == '\0' ||
                    !memchr(reason, '\0', sizeof(reason))) {
                        abort();
                }
                return;
        }
        if (wire_encode_row(&b, typing_column_names(r->typing), values, n) !=
            0) {
                abort();
        }
        if (row_parser_utf8_check(b.data, b.len) != b.len) {
                abort();
        }
        enum wire_err e = wire_decode_object(&obj, b.data, b.len);
        if (n > WIRE_MAX_FIELDS) {
                /* The dashboard cannot read a row this wide; found by this
                 * target, see docs/reliability.md. */
                if (e != WIRE_ERR_TOO_MANY) {
                        abort();
                }
                wire_buf_finish(&b);
                return;
        }
        if (e != WIRE_OK || obj.count != n) {
                abort();
        }
        for (size_t i = 0; i < n; i++) {
                if (strcmp(obj.fields[i].name,
                           typing_column_name(r->typing, i)) != 0 ||
                    !same_value(&obj.fields[i].value, &values[i])) {
                        abort();
                }
        }
        wire_buf_finish(&b);
}

/* The input's options say --columns "a,b,c". */
static bool given_header;

static int on_record(const struct row_record *rec, void *ctx)
{
        struct run *r = ctx;
        struct seen *s;
        uint64_t h = 1469598103934665603ull;

        /* In order, not overlapping, not empty (but the header --columns
         * gives, of no bytes, before the first line). */
        if (given_header && rec->is_header) {
                if (rec->offset != 0 || rec->end_offset != 0 ||
                    rec->line != 1 || rec->end_line != 1 ||
                    rec->field_count != 3) {
                        abort();
                }
        } else if (rec->offset < r->last_end ||
                   rec->end_offset <= rec->offset ||
                   rec->end_line <= rec->line) {
                abort();
        }
        r->last_end = rec->end_offset;
        if (rec->err == ROW_ERR_TOO_LONG && !rec->raw_converted) {
                /* (The limit applies to converted text for UTF-16.) */
                if (rec->raw_len > r->max_record_bytes ||
                    rec->end_offset - rec->offset <= r->max_record_bytes) {
                        abort();
                }
        } else if (!rec->raw_converted &&
                   rec->raw_len != rec->end_offset - rec->offset) {
                abort();
        }
        if (!rec->is_header && rec->err == ROW_OK &&
            rec->field_count != r->header_count) {
                abort();
        }
        if (rec->err != ROW_OK && !rec->is_header) {
                char why[32]; /* small on purpose: must truncate, not overrun */
                row_parser_describe(rec, why, sizeof(why));
                if (!memchr(why, '\0', sizeof(why))) {
                        abort();
                }
        }
        for (size_t i = 0; rec->fields && i < rec->field_count; i++) {
                if (rec->fields[i].len > rec->raw_len && !rec->raw_converted &&
                    !(given_header && rec->is_header)) {
                        abort();
                }
                h = fnv(h, &rec->fields[i].len, sizeof(rec->fields[i].len));
                h = fnv(h, rec->fields[i].ptr, rec->fields[i].len);
        }
        if (rec->is_header) {
                r->header_count = rec->field_count;
                if (r->typing) {
                        r->typing_ok = rec->err == ROW_OK &&
                                       typing_set_header(r->typing, rec->fields,
                                                         rec->field_count) == 0;
                }
        } else if (r->typing && r->typing_ok && rec->err == ROW_OK) {
                check_typed(r, rec);
        }
        if (r->n == MAX_RECORDS) {
                return 0;
        }
        s              = &r->recs[r->n++];
        s->is_header   = rec->is_header;
        s->err         = rec->err;
        s->record      = rec->record;
        s->line        = rec->line;
        s->offset      = rec->offset;
        s->end_offset  = rec->end_offset;
        s->end_line    = rec->end_line;
        s->raw_len     = rec->raw_len;
        s->field_count = rec->fields ? rec->field_count : 0;
        s->fields_hash = h;
        return 0;
}

static int same_seen(const struct seen *a, const struct seen *b)
{
        return a->is_header == b->is_header && a->err == b->err &&
               a->record == b->record && a->line == b->line &&
               a->offset == b->offset && a->end_offset == b->end_offset &&
               a->end_line == b->end_line && a->raw_len == b->raw_len &&
               a->field_count == b->field_count &&
               a->fields_hash == b->fields_hash;
}

static void run_init(struct run *r, size_t max_record_bytes)
{
        memset(r, 0, sizeof(*r));
        r->max_record_bytes = max_record_bytes;
}

/* Every byte fed is either part of a reported record (or a skipped blank
 * line) or still pending. */
static void check_accounted(const struct row_parser *p, uint64_t fed)
{
        if (row_parser_record_start(p) + row_parser_pending_bytes(p) != fed) {
                abort();
        }
}

/* The same record, but for where it ends (the flushed one ends before its
 * line end). */
static int same_but_end(const struct seen *a, const struct seen *b)
{
        return a->is_header == b->is_header && a->err == b->err &&
               a->record == b->record && a->line == b->line &&
               a->offset == b->offset && a->end_line == b->end_line &&
               a->field_count == b->field_count &&
               a->fields_hash == b->fields_hash;
}

/* 4. The file as a writer leaves it: cut just before the line end of
 * record j (or before the CR of its CRLF), idle, flushed, then the rest.
 * The parser is primed and seeks to record j as in 3, so the dialect and
 * encoding are those of the whole feed. */
static void check_flush(const struct row_parser_options *opts, const char *csv,
                        size_t len, bool final, const struct run *whole,
                        size_t j, bool before_cr)
{
        static struct run flushed;
        const struct seen *prev = &whole->recs[j - 1];
        uint64_t end            = whole->recs[j].end_offset;
        size_t cut, start = (size_t)prev->end_offset;
        struct row_parser *p;

        if (end == 0 || (csv[end - 1] != '\n' && csv[end - 1] != '\r')) {
                return; /* the last record without a line end */
        }
        if (whole->recs[j].err == ROW_ERR_UNTERMINATED) {
                /* An open quote over the size limit is cut where the bytes
                 * read end: before its line end here, after it in one feed
                 * (the line end is then a blank line: same rows). */
                return;
        }
        cut = (size_t)end - 1;
        if (before_cr && cut > 0 && csv[cut] == '\n' && csv[cut - 1] == '\r') {
                cut--;
        }
        if (cut < start) {
                return; /* UTF-16: the bytes are not the line end's */
        }
        run_init(&flushed, whole->max_record_bytes);
        p = row_parser_create(opts);
        if (!p || row_parser_feed(p, csv, len, on_record, &flushed) != 0 ||
            row_parser_end(p, false, on_record, &flushed) != 0) {
                abort();
        }
        if (!row_parser_has_header(p)) {
                row_parser_destroy(p);
                return; /* as in 3 */
        }
        flushed.n        = 0;
        flushed.last_end = start;
        row_parser_seek(p, start, prev->end_line,
                        prev->is_header ? 1 : prev->record + 1);
        if (row_parser_feed(p, csv + start, cut - start, on_record, &flushed) !=
                0 ||
            row_parser_end(p, false, on_record, &flushed) != 0 ||
            row_parser_flush_held(p, on_record, &flushed) != 0) {
                abort();
        }
        check_accounted(p, cut);
        /* Its line end follows: never "the line grew". */
        if (row_parser_feed(p, csv + cut, len - cut, on_record, &flushed) !=
                0 ||
            row_parser_end(p, final, on_record, &flushed) != 0) {
                abort();
        }
        check_accounted(p, len);
        row_parser_destroy(p);
        if (whole->n == MAX_RECORDS) {
                return;
        }
        if (flushed.n != whole->n - j) {
                abort();
        }
        for (size_t i = 0; i < flushed.n; i++) {
                bool sent = i == 0 && flushed.recs[0].end_offset == cut;
                if (sent ? !same_but_end(&whole->recs[j], &flushed.recs[0])
                         : !same_seen(&whole->recs[j + i], &flushed.recs[i])) {
                        abort();
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct run whole, chunked, resumed;
        static const char delims[4]    = {0, ';', '\t', '|'};
        struct row_parser_options opts = {0};
        bool final;
        struct row_parser *p;
        const char *csv;
        size_t len;
        uint8_t seed;

        if (size < 2) {
                return 0;
        }
        opts.delimiter        = delims[data[0] & 3];
        opts.max_record_bytes = (data[0] & 4) ? 64 : 0;
        final                 = (data[0] & 8) != 0;
        opts.encoding         = (data[0] & 16) ? "UTF-16LE" : NULL;
        opts.columns          = (data[0] & 32) ? "a,b,c" : NULL;
        given_header          = opts.columns != NULL;
        seed                  = data[1];
        csv                   = (const char *)data + 2;
        len                   = size - 2;
        size_t limit =
            opts.max_record_bytes ? opts.max_record_bytes : 1024u * 1024u;

        /* 1. The whole file in one feed, with typing. */
        run_init(&whole, limit);
        whole.typing = typing_create();
        p            = row_parser_create(&opts);
        if (!p || !whole.typing) {
                abort();
        }
        if (row_parser_feed(p, csv, len, on_record, &whole) != 0 ||
            row_parser_end(p, final, on_record, &whole) != 0) {
                abort();
        }
        check_accounted(p, len);
        row_parser_destroy(p);
        typing_destroy(whole.typing);
        whole.typing = NULL;

        /* 2. The same bytes in chunks of 1..32 bytes. */
        run_init(&chunked, limit);
        p = row_parser_create(&opts);
        if (!p) {
                abort();
        }
        uint32_t rng = seed * 2654435761u + 1;
        for (size_t off = 0; off < len;) {
                rng      = rng * 1103515245u + 12345u;
                size_t n = 1 + (rng >> 16) % 32;
                n        = n > len - off ? len - off : n;
                if (row_parser_feed(p, csv + off, n, on_record, &chunked) !=
                    0) {
                        abort();
                }
                off += n;
                check_accounted(p, off);
        }
        if (row_parser_end(p, final, on_record, &chunked) != 0) {
                abort();
        }
        row_parser_destroy(p);
        if (chunked.n != whole.n) {
                abort();
        }
        for (size_t i = 0; i < whole.n; i++) {
                if (!same_seen(&whole.recs[i], &chunked.recs[i])) {
                        abort();
                }
        }

        /* 3. Resume after record k, as from a checkpoint. */
        size_t hdr = 0;
        while (hdr < whole.n && !whole.recs[hdr].is_header) {
                hdr++;
        }
        if (hdr >= whole.n || whole.n == MAX_RECORDS) {
                return 0;
        }
        if (whole.n > hdr + 1) {
                check_flush(&opts, csv, len, final, &whole,
                            hdr + 1 + (seed >> 1) % (whole.n - hdr - 1),
                            seed & 1);
        }
        size_t k              = hdr + seed % (whole.n - hdr);
        const struct seen *at = &whole.recs[k];
        run_init(&resumed, limit);
        p = row_parser_create(&opts);
        if (!p) {
                abort();
        }
        /* Priming reads the file's start as csv-producer does on resume
         * (what the dialect was detected from), then seeks. */
        if (row_parser_feed(p, csv, len, on_record, &resumed) != 0 ||
            row_parser_end(p, false, on_record, &resumed) != 0) {
                abort();
        }
        if (!row_parser_has_header(p)) {
                /* Only a header without its newline, sent by a final end,
                 * is missing here; nothing is resumed after it. */
                if (!final) {
                        abort();
                }
                row_parser_destroy(p);
                return 0;
        }
        resumed.n        = 0;
        resumed.last_end = at->end_offset;
        row_parser_seek(p, at->end_offset, at->end_line,
                        at->is_header ? 1 : at->record + 1);
        if (row_parser_feed(p, csv + at->end_offset, len - at->end_offset,
                            on_record, &resumed) != 0 ||
            row_parser_end(p, final, on_record, &resumed) != 0) {
                abort();
        }
        check_accounted(p, len);
        row_parser_destroy(p);
        if (resumed.n != whole.n - k - 1) {
                abort();
        }
        for (size_t i = 0; i < resumed.n; i++) {
                if (!same_seen(&whole.recs[k + 1 + i], &resumed.recs[i])) {
                        abort();
                }
        }
        return 0;
}
