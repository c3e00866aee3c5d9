/* SPDX-License-Identifier: MIT */
#include "row_parser.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_PARSER_DEFAULT_MAX_BYTES (1024u * 1024u)

/* Where the boundary scan is inside the current record. A quote opens a
 * quoted field only at the start of a field, as libcsv's non-strict mode
 * has it, so both agree on where a record ends. */
enum scan_state {
        SCAN_FIELD_START = 0,
        SCAN_UNQUOTED,
        SCAN_QUOTED,
        SCAN_QUOTE_IN_QUOTED,
};

struct field_span {
        size_t off;
        size_t len;
};

struct row_parser {
        char delimiter;
        size_t max_record_bytes;
        struct csv_parser csv;

        bool has_header;
        size_t header_count;
        uint64_t rec_start; /* offset of the current record's first byte */
        uint64_t pos;       /* offset of the next byte to be fed */
        uint64_t line;      /* line of the current record's first byte */
        uint64_t rec_lines; /* newlines inside quotes so far */
        uint64_t next_record;
        enum scan_state state;
        bool rec_quoted; /* a quoted field was seen: split with libcsv */

        /* Bytes of a record that spans chunks. */
        char *carry;
        size_t carry_len;
        size_t carry_cap;
        size_t rec_len; /* all bytes of the record so far, even if not kept */

        /* Fields of the record being split, as spans into the arena. */
        struct field_span *spans;
        struct row_field *fields;
        size_t field_count;
        size_t field_cap;
        char *arena;
        size_t arena_len;
        size_t arena_cap;
        size_t csv_rows;
        bool oom;
};

static int no_space(unsigned char c)
{
        (void)c;
        return 0;
}

static int only_lf(unsigned char c)
{
        return c == '\n';
}

static void csv_setup(struct row_parser *p)
{
        csv_init(&p->csv, 0);
        csv_set_delim(&p->csv, (unsigned char)p->delimiter);
        csv_set_space_func(&p->csv, no_space);
        csv_set_term_func(&p->csv, only_lf);
}

struct row_parser *row_parser_create(const struct row_parser_options *opts)
{
        struct row_parser *p = calloc(1, sizeof(*p));

        if (!p) {
                return NULL;
        }
        p->delimiter        = opts && opts->delimiter ? opts->delimiter : ',';
        p->max_record_bytes = opts && opts->max_record_bytes
                                  ? opts->max_record_bytes
                                  : ROW_PARSER_DEFAULT_MAX_BYTES;
        csv_setup(p);
        row_parser_reset(p);
        return p;
}

void row_parser_destroy(struct row_parser *p)
{
        if (!p) {
                return;
        }
        csv_free(&p->csv);
        free(p->carry);
        free(p->spans);
        free(p->fields);
        free(p->arena);
        free(p);
}

void row_parser_reset(struct row_parser *p)
{
        p->has_header   = false;
        p->header_count = 0;
        row_parser_seek(p, 0, 1, 1);
}

void row_parser_seek(struct row_parser *p, uint64_t offset, uint64_t line,
                     uint64_t next_record)
{
        p->rec_start   = offset;
        p->pos         = offset;
        p->line        = line;
        p->rec_lines   = 0;
        p->next_record = next_record;
        p->state       = SCAN_FIELD_START;
        p->rec_quoted  = false;
        p->carry_len   = 0;
        p->rec_len     = 0;
}

uint64_t row_parser_record_start(const struct row_parser *p)
{
        return p->rec_start;
}

bool row_parser_has_header(const struct row_parser *p)
{
        return p->has_header;
}

size_t row_parser_pending_bytes(const struct row_parser *p)
{
        return p->rec_len;
}

bool row_parser_in_quote(const struct row_parser *p)
{
        return p->state == SCAN_QUOTED;
}

uint64_t row_parser_next_record(const struct row_parser *p)
{
        return p->next_record;
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
        size_t n = *cap ? *cap : 64;
        void *q;

        if (need <= *cap) {
                return 0;
        }
        while (n < need) {
                n *= 2;
        }
        q = realloc(*buf, n * elem);
        if (!q) {
                return -1;
        }
        *buf = q;
        *cap = n;
        return 0;
}

/* Field spans and fields grow together, so both paths can share them. */
static int ensure_fields(struct row_parser *p, size_t need)
{
        size_t cap = p->field_cap;

        if (need <= p->field_cap) {
                return 0;
        }
        if (grow((void **)&p->spans, &cap, need, sizeof(*p->spans)) != 0 ||
            grow((void **)&p->fields, &p->field_cap, cap, sizeof(*p->fields)) !=
                0) {
                return -1;
        }
        return 0;
}

static void on_field(void *s, size_t len, void *data)
{
        struct row_parser *p = data;

        if (p->oom) {
                return;
        }
        if (ensure_fields(p, p->field_count + 1) != 0 ||
            grow((void **)&p->arena, &p->arena_cap, p->arena_len + len + 1,
                 1) != 0) {
                p->oom = true;
                return;
        }
        if (len) {
                memcpy(p->arena + p->arena_len, s, len);
        }
        p->spans[p->field_count].off = p->arena_len;
        p->spans[p->field_count].len = len;
        p->field_count++;
        p->arena_len += len;
}

static void on_row(int c, void *data)
{
        struct row_parser *p = data;

        (void)c;
        p->csv_rows++;
}

/* Returns the index of the first invalid byte, or len if s is valid UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t row_parser_utf8_check(const char *str, size_t len)
{
        const unsigned char *s = (const unsigned char *)str;
        size_t i               = 0;

        while (i < len) {
                unsigned char c = s[i];
                size_t n;
                uint32_t cp;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0xC2 && c <= 0xDF) {
                        n  = 1;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        n  = 2;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        n  = 3;
                        cp = c & 0x07;
                } else {
                        return i;
                }
                if (i + n >= len) {
                        return i;
                }
                for (size_t k = 1; k <= n; k++) {
                        if ((s[i + k] & 0xC0) != 0x80) {
                                return i;
                        }
                        cp = (cp << 6) | (s[i + k] & 0x3F);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                        return i;
                }
                i += n + 1;
        }
        return len;
}

/* True when every byte of s is ASCII and not NUL: such a record needs
 * neither the NUL nor the UTF-8 check. Eight bytes at a time. */
static bool plain_ascii(const char *s, size_t len)
{
        const uint64_t ones = 0x0101010101010101ull;
        const uint64_t high = 0x8080808080808080ull;
        size_t i            = 0;

        for (; i + 8 <= len; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, sizeof(w));
                if ((w & high) != 0 || ((w - ones) & ~w & high) != 0) {
                        return false;
                }
        }
        for (; i < len; i++) {
                if (s[i] == '\0' || (unsigned char)s[i] >= 0x80) {
                        return false;
                }
        }
        return true;
}

/* Splits a record without quoted fields: libcsv would return exactly the
 * bytes between delimiters, so the fields point into the record itself. */
static enum row_err split_plain(struct row_parser *p, const char *s, size_t len)
{
        const char *end = s + len;

        p->field_count = 0;
        for (;;) {
                const char *d = memchr(s, p->delimiter, (size_t)(end - s));
                const char *e = d ? d : end;

                if (ensure_fields(p, p->field_count + 1) != 0) {
                        return ROW_ERR_NOMEM;
                }
                p->fields[p->field_count].ptr = s;
                p->fields[p->field_count].len = (size_t)(e - s);
                p->field_count++;
                if (!d) {
                        return ROW_OK;
                }
                s = d + 1;
        }
}

static enum row_err split_fields(struct row_parser *p, const char *s,
                                 size_t len)
{
        p->field_count = 0;
        p->arena_len   = 0;
        p->csv_rows    = 0;
        p->oom         = false;
        if (csv_parse(&p->csv, s, len, on_field, on_row, p) != len) {
                p->oom = true;
        }
        csv_fini(&p->csv, on_field, on_row, p);
        if (p->oom) {
                return ROW_ERR_NOMEM;
        }
        for (size_t i = 0; i < p->field_count; i++) {
                p->fields[i].ptr = p->arena + p->spans[i].off;
                p->fields[i].len = p->spans[i].len;
        }
        return ROW_OK;
}

/* Handles one complete record (terminator included). */
static int emit(struct row_parser *p, const char *raw, size_t raw_len,
                uint64_t end_offset, bool too_long, row_parser_record_cb cb,
                void *ctx)
{
        struct row_record rec = {0};
        const char *content   = raw;
        size_t content_len    = raw_len;
        uint64_t lines        = p->rec_lines + 1;
        int rc                = 0;

        rec.offset     = p->rec_start;
        rec.end_offset = end_offset;
        rec.line       = p->line;
        rec.end_line   = p->line + lines;
        rec.raw        = raw;
        rec.raw_len    = raw_len;

        if (!p->has_header && rec.offset == 0 && content_len >= 3 &&
            memcmp(content, "\xEF\xBB\xBF", 3) == 0) {
                content += 3;
                content_len -= 3;
        }
        if (!too_long) {
                if (content_len && content[content_len - 1] == '\n') {
                        content_len--;
                }
                if (content_len && content[content_len - 1] == '\r') {
                        content_len--;
                }
        }
        if (!too_long && content_len == 0) {
                goto next; /* blank line */
        }

        rec.is_header    = !p->has_header;
        rec.header_count = p->header_count;
        if (too_long) {
                rec.err = ROW_ERR_TOO_LONG;
        } else if (plain_ascii(raw, raw_len)) {
                rec.err = ROW_OK;
        } else if (memchr(content, '\0', content_len)) {
                rec.err = ROW_ERR_NUL;
                rec.err_pos =
                    (size_t)((const char *)memchr(raw, '\0', raw_len) - raw);
        } else {
                size_t bad = row_parser_utf8_check(raw, raw_len);
                if (bad < raw_len) {
                        rec.err     = ROW_ERR_UTF8;
                        rec.err_pos = bad;
                }
        }
        if (rec.err == ROW_OK ||
            (rec.is_header && rec.err != ROW_ERR_TOO_LONG)) {
                enum row_err e = p->rec_quoted
                                     ? split_fields(p, content, content_len)
                                     : split_plain(p, content, content_len);
                if (e != ROW_OK) {
                        return -1;
                }
                rec.fields      = p->fields;
                rec.field_count = p->field_count;
        }
        if (rec.is_header) {
                p->has_header   = true;
                p->header_count = rec.field_count;
                rec.record      = 0;
        } else {
                rec.record = p->next_record++;
                if (rec.err == ROW_OK && rec.field_count != p->header_count) {
                        rec.err = ROW_ERR_FIELD_COUNT;
                }
                if (rec.err != ROW_OK) {
                        rec.fields = NULL;
                }
        }
        rc = cb(&rec, ctx);
next:
        p->line += lines;
        p->rec_lines  = 0;
        p->rec_start  = end_offset;
        p->rec_len    = 0;
        p->carry_len  = 0;
        p->state      = SCAN_FIELD_START;
        p->rec_quoted = false;
        return rc;
}

/* Keeps bytes of a record that continues in the next chunk, up to the
 * size limit (beyond it only the count grows). */
static int keep(struct row_parser *p, const char *s, size_t len)
{
        size_t room;

        p->rec_len += len;
        if (p->carry_len >= p->max_record_bytes) {
                return 0;
        }
        room = p->max_record_bytes - p->carry_len;
        if (len > room) {
                len = room;
        }
        if (grow((void **)&p->carry, &p->carry_cap, p->carry_len + len, 1)) {
                return -1;
        }
        memcpy(p->carry + p->carry_len, s, len);
        p->carry_len += len;
        return 0;
}

/* Advances the quote-aware scan over one byte. Returns true at the
 * newline that ends a record. */
static bool scan_byte(struct row_parser *p, enum scan_state *st, char c)
{
        switch (*st) {
        case SCAN_FIELD_START:
                if (c == '"') {
                        *st           = SCAN_QUOTED;
                        p->rec_quoted = true;
                } else if (c == '\n') {
                        return true;
                } else if (c != p->delimiter) {
                        *st = SCAN_UNQUOTED;
                }
                break;
        case SCAN_UNQUOTED:
                if (c == p->delimiter) {
                        *st = SCAN_FIELD_START;
                } else if (c == '\n') {
                        return true;
                }
                break;
        case SCAN_QUOTED:
                if (c == '"') {
                        *st = SCAN_QUOTE_IN_QUOTED;
                } else if (c == '\n') {
                        p->rec_lines++;
                }
                break;
        case SCAN_QUOTE_IN_QUOTED:
                if (c == '"') {
                        *st = SCAN_QUOTED;
                } else if (c == p->delimiter) {
                        *st = SCAN_FIELD_START;
                } else if (c == '\n') {
                        return true;
                } else {
                        *st = SCAN_UNQUOTED;
                }
                break;
        }
        return false;
}

/* Counts the newlines in s[0..len) (newlines inside a quoted field). */
static uint64_t count_newlines(const char *s, size_t len)
{
        uint64_t n      = 0;
        const char *end = s + len;

        while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
                n++;
                s++;
        }
        return n;
}

/*
 * Finds the end of the record that continues at buf[i]: jumps with memchr
 * to the next quote or newline (the only bytes that matter besides the
 * delimiter before a quote), and runs scan_byte on the quotes.
 * Returns true and sets *end just after the terminating newline, or false
 * when the chunk ends first (*st then says where the scan is).
 */
static bool find_end(struct row_parser *p, enum scan_state *st, const char *buf,
                     size_t i, size_t len, size_t *end)
{
        while (i < len) {
                const char *nl, *q;
                size_t lim, stop;

                switch (*st) {
                case SCAN_FIELD_START:
                case SCAN_UNQUOTED:
                        nl   = memchr(buf + i, '\n', len - i);
                        lim  = nl ? (size_t)(nl - buf) : len;
                        q    = memchr(buf + i, '"', lim - i);
                        stop = q ? (size_t)(q - buf) : lim;
                        if (stop > i) {
                                *st = buf[stop - 1] == p->delimiter
                                          ? SCAN_FIELD_START
                                          : SCAN_UNQUOTED;
                        }
                        if (!q) {
                                *end = lim + 1;
                                return nl != NULL;
                        }
                        i = stop;
                        (void)scan_byte(p, st, buf[i++]); /* the quote */
                        break;
                case SCAN_QUOTED:
                        q    = memchr(buf + i, '"', len - i);
                        stop = q ? (size_t)(q - buf) : len;
                        p->rec_lines += count_newlines(buf + i, stop - i);
                        i = stop;
                        if (q) {
                                *st = SCAN_QUOTE_IN_QUOTED;
                                i++;
                        }
                        break;
                case SCAN_QUOTE_IN_QUOTED:
                        if (scan_byte(p, st, buf[i++])) {
                                *end = i;
                                return true;
                        }
                        break;
                }
        }
        return false;
}

int row_parser_feed(struct row_parser *p, const char *buf, size_t len,
                    row_parser_record_cb cb, void *ctx)
{
        enum scan_state st = p->state;
        size_t seg         = 0; /* start in buf of the current record's bytes */

        while (seg < len) {
                size_t stop = 0;
                size_t seg_len;
                uint64_t end_off;
                size_t total;
                bool too_long;
                int rc;

                if (!find_end(p, &st, buf, seg, len, &stop)) {
                        break; /* the record continues in the next chunk */
                }
                seg_len  = stop - seg;
                end_off  = p->pos + stop;
                total    = p->rec_len + seg_len;
                too_long = total > p->max_record_bytes;
                if (p->rec_len) {
                        if (keep(p, buf + seg, seg_len) != 0) {
                                return -1;
                        }
                        rc = emit(p, p->carry, p->carry_len, end_off, too_long,
                                  cb, ctx);
                } else {
                        rc = emit(p, buf + seg,
                                  too_long ? p->max_record_bytes : seg_len,
                                  end_off, too_long, cb, ctx);
                }
                st  = SCAN_FIELD_START;
                seg = stop;
                if (rc != 0) {
                        p->pos += stop;
                        p->state = st;
                        return rc;
                }
        }
        if (seg < len && keep(p, buf + seg, len - seg) != 0) {
                return -1;
        }
        p->pos += len;
        p->state = st;
        return 0;
}

const char *row_parser_strerror(enum row_err err)
{
        switch (err) {
        case ROW_OK:
                return "ok";
        case ROW_ERR_FIELD_COUNT:
                return "wrong field count";
        case ROW_ERR_UTF8:
                return "invalid UTF-8";
        case ROW_ERR_NUL:
                return "NUL byte";
        case ROW_ERR_TOO_LONG:
                return "record too long";
        case ROW_ERR_NOMEM:
                return "out of memory";
        }
        return "unknown error";
}

void row_parser_describe(const struct row_record *rec, char *buf, size_t size)
{
        switch (rec->err) {
        case ROW_ERR_FIELD_COUNT:
                snprintf(buf, size, "field count %zu, header has %zu",
                         rec->field_count ? rec->field_count : 0,
                         rec->header_count);
                break;
        case ROW_ERR_UTF8:
                snprintf(buf, size, "invalid UTF-8 at byte %zu", rec->err_pos);
                break;
        case ROW_ERR_NUL:
                snprintf(buf, size, "NUL byte at byte %zu", rec->err_pos);
                break;
        case ROW_ERR_TOO_LONG:
                snprintf(buf, size, "record longer than %zu bytes (%llu)",
                         rec->raw_len,
                         (unsigned long long)(rec->end_offset - rec->offset));
                break;
        default:
                snprintf(buf, size, "%s", row_parser_strerror(rec->err));
                break;
        }
}
