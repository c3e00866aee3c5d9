/* SPDX-License-Identifier: MIT */
#include "row_parser.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sniffer.h"
#include "text_decoder.h"

#define ROW_PARSER_DEFAULT_MAX_BYTES (1024u * 1024u)
/* UTF-8 bytes of converted UTF-16 handed to the scan at a time. */
#define ROW_PARSER_WIDE_BUF 4096
/* The 8-bit encodings a file without BOM whose text is not UTF-8 is read
 * as (sniff_legacy picks), and what the user is told. */
static const struct legacy_kind {
        const char *name;
        const char *notice;
        const char *utf8_notice;
} legacy_kinds[] = {
    [SNIFF_LEGACY_WINDOWS_1252] =
        {"WINDOWS-1252",
         "text is not valid UTF-8: reading the file as WINDOWS-1252",
         "a record is valid UTF-8 in a file read as WINDOWS-1252 (its first "
         "non-ASCII text was not UTF-8): its text is read as WINDOWS-1252; "
         "keep one encoding in the file, or pass --encoding"},
    [SNIFF_LEGACY_MAC_ROMAN] =
        {"MACINTOSH",
         "text is not valid UTF-8 and has its accented letters where Mac OS "
         "Roman has them (Excel for Mac): reading the file as MACINTOSH",
         "a record is valid UTF-8 in a file read as MACINTOSH (its first "
         "non-ASCII text was not UTF-8): its text is read as MACINTOSH; "
         "keep one encoding in the file, or pass --encoding"},
};

/* What the bytes of an ASCII-based file are, decided by its first
 * non-ASCII record (or its sample) and then kept for the file. */
enum enc_state {
        ENC_UNDECIDED = 0, /* only ASCII so far */
        ENC_UTF8,
        ENC_LEGACY, /* converted record by record with p->legacy */
};

/* Where the boundary scan is inside the current record. A quote opens a
 * quoted field only at the start of a field, as libcsv's non-strict mode
 * has it, so both agree on where a record ends. */
enum scan_state {
        SCAN_FIELD_START = 0,
        SCAN_UNQUOTED,
        SCAN_QUOTED,
        SCAN_QUOTE_IN_QUOTED,
};

/* What may follow a record sent without its line end. */
enum unterminated_wait {
        WAIT_NONE = 0,
        WAIT_EOL, /* its line end: LF or CRLF (CR in a CR-only file) */
        WAIT_LF,  /* the LF after a CR that came alone */
};

struct field_span {
        size_t off;
        size_t len;
};

struct row_parser {
        char delimiter;
        char quote;
        char eol; /* '\n' (LF, CRLF) or '\r' (CR only) */
        char forced_delimiter;
        char forced_quote;
        size_t max_record_bytes;
        struct csv_parser csv;

        /* Dialect and encoding of the current file. */
        bool sniffed;
        struct sniff_dialect dialect;
        bool skip_sep_line;
        char *pre; /* bytes held until the dialect is detected */
        size_t pre_len;
        size_t pre_cap;
        size_t pre_scanned; /* line ends counted in pre[0..pre_scanned) */
        size_t pre_lines;
        size_t sample_len;           /* pre[0..sample_len) was the sample */
        struct text_decoder *forced; /* --encoding, or NULL */
        struct text_decoder *legacy; /* legacy_kinds[legacy_kind], for files
                                      * without BOM that are not UTF-8 */
        enum sniff_legacy legacy_kind;
        struct text_decoder *conv;  /* ENC_LEGACY's decoder (forced or
                                     * legacy) */
        struct text_decoder *wide;  /* UTF-16 in use, or NULL */
        struct text_decoder *bom16; /* UTF-16 decoder named by a BOM */
        enum enc_state enc;
        const char *notice; /* for the next record reported */
        bool told_utf8;     /* a UTF-8 record in a legacy file was noted */
        char *xbuf;         /* a record converted to UTF-8 */
        size_t xcap;
        char wbuf[ROW_PARSER_WIDE_BUF];
        /* UTF-16: file offset just after each line end inside the current
         * record (line ends are where converted pieces are cut). */
        uint64_t *line_ends;
        size_t line_ends_len;
        size_t line_ends_cap;
        uint64_t quote_line; /* line of the last opening quote */
        /* Bytes after an unterminated quote's line, to parse again. */
        struct refeed {
                char *buf;
                size_t len;
                size_t cap;
                uint64_t *ends; /* UTF-16: line_ends of those bytes */
                size_t n_ends;
                size_t ends_cap;
                uint64_t end_pos; /* file offset just after the bytes */
        } rf, rf_work;

        bool has_header;
        size_t header_count;
        /* --columns: the names, pointing into given_buf, reported as the
         * header (of no bytes) when the dialect is known. */
        char *given_buf;
        struct row_field *given;
        size_t given_count;
        uint64_t rec_start; /* offset of the current record's first byte */
        uint64_t pos;       /* offset of the next byte to be fed */
        uint64_t line;      /* line of the current record's first byte */
        uint64_t rec_lines; /* newlines inside quotes so far */
        uint64_t next_record;
        enum scan_state state;
        bool rec_quoted; /* a quoted field was seen: split with libcsv */
        /* The record before pos was sent without its line end
         * (row_parser_flush_held): the next bytes must be that line end. */
        enum unterminated_wait wait_eol;
        uint64_t unterminated_end; /* where that record ended, 0: none */
        bool flushing;             /* emitting it (row_parser_flush_held) */

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

static int only_cr(unsigned char c)
{
        return c == '\r';
}

static void csv_setup(struct row_parser *p)
{
        csv_set_delim(&p->csv, (unsigned char)p->delimiter);
        csv_set_quote(&p->csv, (unsigned char)p->quote);
        csv_set_space_func(&p->csv, no_space);
        csv_set_term_func(&p->csv, p->eol == '\r' ? only_cr : only_lf);
}

size_t row_parser_check_columns(const char *columns, char *err, size_t err_size)
{
        size_t n = 1, len = 0;

        for (const char *c = columns;; c++) {
                if (*c == ',' || *c == '\0') {
                        if (len == 0) {
                                snprintf(err, err_size,
                                         "column %zu has no name", n);
                                return 0;
                        }
                        if (*c == '\0') {
                                break;
                        }
                        n++;
                        len = 0;
                } else {
                        len++;
                }
        }
        if (n > ROW_PARSER_MAX_GIVEN_COLUMNS) {
                snprintf(err, err_size, "%zu names, more than the %d read", n,
                         ROW_PARSER_MAX_GIVEN_COLUMNS);
                return 0;
        }
        return n;
}

/* Splits a checked --columns list into p->given. */
static int given_columns(struct row_parser *p, const char *columns)
{
        char err[64];
        size_t n = row_parser_check_columns(columns, err, sizeof(err));
        char *c;

        if (n == 0) {
                return -1;
        }
        p->given_buf = strdup(columns);
        p->given     = calloc(n, sizeof(*p->given));
        if (!p->given_buf || !p->given) {
                free(p->given_buf);
                free(p->given);
                return -1;
        }
        c = p->given_buf;
        for (size_t i = 0; i < n; i++) {
                char *end       = strchr(c, ',');
                p->given[i].ptr = c;
                p->given[i].len = end ? (size_t)(end - c) : strlen(c);
                c += p->given[i].len + 1;
        }
        p->given_count = n;
        return 0;
}

/* --columns: the header, reported once the dialect is known, before the
 * file's first line (record 1). It has no bytes: offsets stay at 0. */
static int report_given_header(struct row_parser *p, row_parser_record_cb cb,
                               void *ctx)
{
        struct row_record rec = {
            .is_header       = true,
            .line            = 1,
            .end_line        = 1,
            .raw             = "",
            .fields          = p->given,
            .field_count     = p->given_count,
            .encoding_notice = p->notice,
        };

        p->notice       = NULL;
        p->has_header   = true;
        p->header_count = p->given_count;
        return cb(&rec, ctx);
}

struct row_parser *row_parser_create(const struct row_parser_options *opts)
{
        struct row_parser *p = calloc(1, sizeof(*p));

        if (!p) {
                return NULL;
        }
        p->forced_delimiter = opts ? opts->delimiter : 0;
        p->forced_quote     = opts ? opts->quote : 0;
        p->max_record_bytes = opts && opts->max_record_bytes
                                  ? opts->max_record_bytes
                                  : ROW_PARSER_DEFAULT_MAX_BYTES;
        if (opts && opts->encoding && *opts->encoding) {
                char err[128];
                p->forced =
                    text_decoder_create(opts->encoding, err, sizeof(err));
                if (!p->forced) {
                        free(p);
                        return NULL;
                }
        }
        if (opts && opts->columns && given_columns(p, opts->columns) != 0) {
                text_decoder_destroy(p->forced);
                free(p);
                return NULL;
        }
        csv_init(&p->csv, 0);
        row_parser_reset(p);
        return p;
}

void row_parser_destroy(struct row_parser *p)
{
        if (!p) {
                return;
        }
        csv_free(&p->csv);
        text_decoder_destroy(p->forced);
        text_decoder_destroy(p->legacy);
        text_decoder_destroy(p->bom16);
        free(p->given_buf);
        free(p->given);
        free(p->pre);
        free(p->xbuf);
        free(p->line_ends);
        free(p->rf.buf);
        free(p->rf.ends);
        free(p->rf_work.buf);
        free(p->rf_work.ends);
        free(p->carry);
        free(p->spans);
        free(p->fields);
        free(p->arena);
        free(p);
}

void row_parser_set_max_record_bytes(struct row_parser *p, size_t max)
{
        p->max_record_bytes = max ? max : ROW_PARSER_DEFAULT_MAX_BYTES;
}

void row_parser_reset(struct row_parser *p)
{
        p->has_header   = false;
        p->header_count = 0;
        p->sniffed      = false;
        p->pre_len      = 0;
        p->pre_scanned  = 0;
        p->pre_lines    = 0;
        p->sample_len   = 0;
        p->wide         = NULL;
        p->enc          = ENC_UNDECIDED;
        p->notice       = NULL;
        p->told_utf8    = false;
        p->delimiter    = p->forced_delimiter ? p->forced_delimiter : ',';
        p->quote        = p->forced_quote ? p->forced_quote : '"';
        p->eol          = '\n';
        memset(&p->dialect, 0, sizeof(p->dialect));
        p->skip_sep_line    = false;
        p->unterminated_end = 0;
        if (p->forced) {
                text_decoder_reset(p->forced);
        }
        if (p->bom16) {
                text_decoder_reset(p->bom16);
        }
        csv_setup(p);
        row_parser_seek(p, 0, 1, 1);
}

void row_parser_seek(struct row_parser *p, uint64_t offset, uint64_t line,
                     uint64_t next_record)
{
        p->rec_start     = offset;
        p->pos           = offset;
        p->line          = line;
        p->rec_lines     = 0;
        p->next_record   = next_record;
        p->state         = SCAN_FIELD_START;
        p->rec_quoted    = false;
        p->carry_len     = 0;
        p->rec_len       = 0;
        p->line_ends_len = 0;
        p->quote_line    = 0;
        p->rf.len        = 0;
        /* Back where a record sent without its line end ended (a rewind):
         * its line end is still to come. */
        p->wait_eol =
            offset != 0 && offset == p->unterminated_end ? WAIT_EOL : WAIT_NONE;
        if (offset == 0 && p->given && p->sniffed) {
                /* Right after a --columns header (of no bytes): a sep=X
                 * line before the first row is skipped again. */
                p->skip_sep_line = p->dialect.skip > 0;
        }
        if (p->wide) {
                /* No half character held; a U+FEFF after a record is
                 * text, not a byte order mark. */
                text_decoder_seek(p->wide, offset == 0);
        }
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
        /* File bytes, also when the held record is converted UTF-16. */
        return (size_t)(p->pos - p->rec_start) + p->pre_len +
               (p->wide ? text_decoder_pending(p->wide) : 0);
}

bool row_parser_sniffed(const struct row_parser *p)
{
        return p->sniffed;
}

size_t row_parser_sample(const struct row_parser *p, const char **buf)
{
        *buf = p->pre;
        return p->sniffed ? p->sample_len : 0;
}

uint64_t row_parser_open_quote_line(const struct row_parser *p)
{
        return p->state == SCAN_QUOTED ? p->quote_line : 0;
}

static const char *encoding_name(const struct row_parser *p)
{
        if (p->wide) {
                return text_decoder_name(p->wide);
        }
        if (p->enc == ENC_LEGACY) {
                return text_decoder_name(p->conv);
        }
        if (p->forced) {
                return text_decoder_name(p->forced);
        }
        return p->enc == ENC_UTF8 ? "UTF-8" : "ASCII";
}

void row_parser_dialect(const struct row_parser *p, char *text,
                        size_t text_size, char *json, size_t json_size)
{
        if (text) {
                size_t n;
                sniff_describe(&p->dialect, text, text_size);
                n = strlen(text);
                snprintf(text + n, text_size - n, " encoding=%s",
                         encoding_name(p));
        }
        if (json) {
                sniff_json(&p->dialect, encoding_name(p), json, json_size);
        }
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

/* Decides, on the first record with non-ASCII bytes, whether an
 * undecided file is UTF-8 or a legacy encoding; converts the record when
 * it is legacy. Returns -1 on out of memory. */
/* sniff_text of a whole record. One sent without its line end is read as
 * if it had one, as it will: a last byte that starts a character is then
 * invalid, not a character cut by the sample's end. */
static enum sniff_text record_text(const struct row_parser *p, const char *raw,
                                   size_t len)
{
        enum sniff_text t;
        char *tmp = p->flushing ? malloc(len + 1) : NULL;

        if (!tmp) {
                return sniff_text(raw, len);
        }
        memcpy(tmp, raw, len);
        tmp[len] = p->eol;
        t        = sniff_text(tmp, len + 1);
        free(tmp);
        return t;
}

/* Reads the file as the 8-bit encoding its text (the sample, or the
 * first record that is not UTF-8) looks like, and says so. */
static int use_legacy(struct row_parser *p, const char *text, size_t len)
{
        enum sniff_legacy kind = sniff_legacy(text, len);
        char err[128];

        if (p->legacy && p->legacy_kind != kind) {
                text_decoder_destroy(p->legacy);
                p->legacy = NULL;
        }
        if (!p->legacy) {
                p->legacy = text_decoder_create(legacy_kinds[kind].name, err,
                                                sizeof(err));
                if (!p->legacy) {
                        return -1;
                }
                p->legacy_kind = kind;
        }
        text_decoder_reset(p->legacy);
        p->conv   = p->legacy;
        p->enc    = ENC_LEGACY;
        p->notice = legacy_kinds[kind].notice;
        return 0;
}

static int decode_record(struct row_parser *p, const char **raw,
                         size_t *raw_len)
{
        long n;

        if (p->enc == ENC_UNDECIDED) {
                enum sniff_text t = record_text(p, *raw, *raw_len);
                if (t == SNIFF_TEXT_ASCII) {
                        return 0; /* a NUL byte, not a decision */
                }
                if (t == SNIFF_TEXT_UTF8) {
                        p->enc = ENC_UTF8;
                        return 0;
                }
                if (use_legacy(p, *raw, *raw_len) != 0) {
                        return -1;
                }
        }
        if (p->enc != ENC_LEGACY) {
                return 0;
        }
        if (!p->told_utf8 && p->conv == p->legacy &&
            record_text(p, *raw, *raw_len) == SNIFF_TEXT_UTF8) {
                /* UTF-8 appended to a file detected as legacy: read as
                 * legacy it is garbled ("é" becomes "Ã©"); said once. */
                p->told_utf8 = true;
                p->notice    = legacy_kinds[p->legacy_kind].utf8_notice;
        }
        n = text_decoder_convert(p->conv, *raw, *raw_len, &p->xbuf, &p->xcap);
        if (n < 0) {
                return -1;
        }
        *raw     = p->xbuf;
        *raw_len = (size_t)n;
        return 0;
}

/* Drops the record's terminator (LF, CRLF or CR) from its content. */
static size_t strip_eol(const struct row_parser *p, const char *s, size_t len)
{
        if (p->eol == '\r') {
                return len && s[len - 1] == '\r' ? len - 1 : len;
        }
        if (len && s[len - 1] == '\n') {
                len--;
        }
        if (len && s[len - 1] == '\r') {
                len--;
        }
        return len;
}

static void next_record_state(struct row_parser *p, uint64_t end_offset,
                              uint64_t lines)
{
        p->line += lines;
        p->rec_lines     = 0;
        p->rec_start     = end_offset;
        p->rec_len       = 0;
        p->carry_len     = 0;
        p->state         = SCAN_FIELD_START;
        p->rec_quoted    = false;
        p->line_ends_len = 0;
}

/* Handles one complete record (terminator included, unless it is the
 * file's last record without one). */
static int emit(struct row_parser *p, const char *raw, size_t raw_len,
                uint64_t end_offset, bool too_long, row_parser_record_cb cb,
                void *ctx)
{
        struct row_record rec = {0};
        const char *content;
        size_t content_len;
        uint64_t lines = p->rec_lines + 1;
        int rc         = 0;

        if (!plain_ascii(raw, raw_len) && p->enc != ENC_UTF8 && !p->wide &&
            decode_record(p, &raw, &raw_len) != 0) {
                return -1;
        }
        rec.raw_converted = p->wide || raw == p->xbuf;
        content           = raw;
        content_len       = raw_len;
        rec.offset        = p->rec_start;
        rec.end_offset    = end_offset;
        rec.line          = p->line;
        rec.end_line      = p->line + lines;
        rec.raw           = raw;
        rec.raw_len       = raw_len;

        /* Each BOM: a tool that adds one to a file that has one already
         * would otherwise name the first column "\uFEFFid". */
        while ((!p->has_header || p->given) && rec.offset == 0 &&
               content_len >= 3 && memcmp(content, "\xEF\xBB\xBF", 3) == 0) {
                content += 3;
                content_len -= 3;
        }
        if (!too_long) {
                content_len = strip_eol(p, content, content_len);
        }
        if (!too_long && content_len == 0) {
                goto next; /* blank line */
        }
        if (p->skip_sep_line && (!p->has_header || p->given)) {
                p->skip_sep_line = false;
                goto next; /* Excel's sep=X line */
        }

        rec.is_header       = !p->has_header;
        rec.header_count    = p->header_count;
        rec.encoding_notice = p->notice;
        p->notice           = NULL;
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
        next_record_state(p, end_offset, lines);
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
 * line end that ends a record. */
static bool scan_byte(struct row_parser *p, enum scan_state *st, char c)
{
        switch (*st) {
        case SCAN_FIELD_START:
                if (c == p->quote) {
                        *st           = SCAN_QUOTED;
                        p->rec_quoted = true;
                        p->quote_line = p->line + p->rec_lines;
                } else if (c == p->eol) {
                        return true;
                } else if (c != p->delimiter) {
                        *st = SCAN_UNQUOTED;
                }
                break;
        case SCAN_UNQUOTED:
                if (c == p->delimiter) {
                        *st = SCAN_FIELD_START;
                } else if (c == p->eol) {
                        return true;
                }
                break;
        case SCAN_QUOTED:
                if (c == p->quote) {
                        *st = SCAN_QUOTE_IN_QUOTED;
                } else if (c == p->eol) {
                        p->rec_lines++;
                }
                break;
        case SCAN_QUOTE_IN_QUOTED:
                if (c == p->quote) {
                        *st = SCAN_QUOTED;
                } else if (c == p->delimiter) {
                        *st = SCAN_FIELD_START;
                } else if (c == p->eol) {
                        return true;
                } else {
                        *st = SCAN_UNQUOTED;
                }
                break;
        }
        return false;
}

/* Counts the line ends in s[0..len) (inside a quoted field). */
static uint64_t count_newlines(char eol, const char *s, size_t len)
{
        uint64_t n      = 0;
        const char *end = s + len;

        while ((s = memchr(s, eol, (size_t)(end - s))) != NULL) {
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
                        nl   = memchr(buf + i, p->eol, len - i);
                        lim  = nl ? (size_t)(nl - buf) : len;
                        q    = memchr(buf + i, p->quote, lim - i);
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
                        q    = memchr(buf + i, p->quote, len - i);
                        stop = q ? (size_t)(q - buf) : len;
                        p->rec_lines +=
                            count_newlines(p->eol, buf + i, stop - i);
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

static int grow_ends(uint64_t **ends, size_t *cap, size_t need)
{
        return grow((void **)ends, cap, need, sizeof(**ends));
}

/* Keeps every byte of a record, past the size limit too (an open quote is
 * about to be cut into lines, which needs them all). */
static int keep_all(struct row_parser *p, const char *s, size_t len)
{
        if (grow((void **)&p->carry, &p->carry_cap, p->carry_len + len, 1)) {
                return -1;
        }
        memcpy(p->carry + p->carry_len, s, len);
        p->carry_len += len;
        p->rec_len += len;
        return 0;
}

/* UTF-16: remembers where a line inside the held record ends in the
 * file. */
static int note_line_end(struct row_parser *p, const char *buf, size_t len,
                         uint64_t file_end)
{
        if (!p->wide || len == 0 || buf[len - 1] != p->eol) {
                return 0;
        }
        if (grow_ends(&p->line_ends, &p->line_ends_cap, p->line_ends_len + 1) !=
            0) {
                return -1;
        }
        p->line_ends[p->line_ends_len++] = file_end;
        return 0;
}

/*
 * Reports the held record's lines up to the line of its open quote as one
 * ROW_ERR_UNTERMINATED record and keeps the bytes after that line in p->rf
 * to be parsed again. Needs every byte of the record in carry.
 */
static int cut_unterminated(struct row_parser *p, row_parser_record_cb cb,
                            void *ctx)
{
        struct row_record rec = {0};
        uint64_t want         = p->quote_line - p->line + 1;
        uint64_t seen         = 0;
        size_t cut            = p->carry_len;
        const char *raw       = p->carry;
        size_t raw_len;
        uint64_t end_off;

        for (size_t i = 0; i < p->carry_len; i++) {
                if (p->carry[i] == p->eol && ++seen == want) {
                        cut = i + 1;
                        break;
                }
        }
        if (!p->wide) {
                end_off = p->rec_start + cut;
        } else {
                end_off = cut < p->carry_len && want <= p->line_ends_len
                              ? p->line_ends[want - 1]
                              : p->pos;
        }
        p->rf.len     = 0;
        p->rf.n_ends  = 0;
        p->rf.end_pos = p->pos;
        if (cut < p->carry_len) {
                size_t n = p->carry_len - cut;
                if (grow((void **)&p->rf.buf, &p->rf.cap, n, 1) != 0) {
                        return -1;
                }
                memcpy(p->rf.buf, p->carry + cut, n);
                p->rf.len = n;
                if (p->wide && p->line_ends_len > want) {
                        size_t k = p->line_ends_len - (size_t)want;
                        if (grow_ends(&p->rf.ends, &p->rf.ends_cap, k) != 0) {
                                return -1;
                        }
                        memcpy(p->rf.ends, p->line_ends + want,
                               k * sizeof(*p->rf.ends));
                        p->rf.n_ends = k;
                }
        }
        raw_len = cut;
        if (!plain_ascii(raw, raw_len) && p->enc != ENC_UTF8 && !p->wide &&
            decode_record(p, &raw, &raw_len) != 0) {
                return -1;
        }
        rec.raw_converted = p->wide || raw == p->xbuf;
        rec.err           = ROW_ERR_UNTERMINATED;
        rec.record        = p->has_header ? p->next_record++ : 0;
        rec.line          = p->line;
        rec.end_line      = p->quote_line + 1;
        rec.offset        = p->rec_start;
        rec.end_offset    = end_off;
        rec.raw           = raw;
        rec.raw_len       = raw_len;
        rec.header_count  = p->header_count;
        rec.quote_line    = p->quote_line;
        next_record_state(p, end_off, want);
        p->pos = end_off;
        return cb(&rec, ctx);
}

/* file_len: how many file bytes buf stands for. It equals len, except for
 * UTF-16 where buf is converted text that holds at most one line end, at
 * its end, so a record can only end there. */
static int feed_core(struct row_parser *p, const char *buf, size_t len,
                     size_t file_len, row_parser_record_cb cb, void *ctx)
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
                end_off  = p->pos + (stop == len ? file_len : stop);
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
                        p->pos += stop == len ? file_len : stop;
                        p->state = st;
                        return rc;
                }
        }
        if (seg < len && st == SCAN_QUOTED && p->rec_len == p->carry_len &&
            p->rec_len + (len - seg) > p->max_record_bytes) {
                /* An open quote longer than a record may be: cut it. */
                if (keep_all(p, buf + seg, len - seg) != 0 ||
                    note_line_end(p, buf, len, p->pos + file_len) != 0) {
                        return -1;
                }
                p->pos += file_len;
                p->state = st;
                return cut_unterminated(p, cb, ctx);
        }
        if (seg < len && (keep(p, buf + seg, len - seg) != 0 ||
                          note_line_end(p, buf, len, p->pos + file_len) != 0)) {
                return -1;
        }
        p->pos += file_len;
        p->state = st;
        return 0;
}

/* Parses again the bytes after an unterminated quote's line (p->rf),
 * which may hold another one: a loop, not a recursion. */
static int run_refeed(struct row_parser *p, row_parser_record_cb cb, void *ctx)
{
        struct refeed w = p->rf;
        size_t at       = 0;
        int rc          = 0;

        p->rf      = p->rf_work; /* cut_unterminated may fill it again */
        p->rf.len  = 0;
        p->rf_work = w;
        if (!p->wide) {
                rc = feed_core(p, w.buf, w.len, w.len, cb, ctx);
                return rc;
        }
        for (size_t k = 0; at < w.len && rc == 0; k++) {
                const char *e = memchr(w.buf + at, p->eol, w.len - at);
                size_t n      = e ? (size_t)(e - (w.buf + at)) + 1 : w.len - at;
                uint64_t fend = k < w.n_ends && e ? w.ends[k] : w.end_pos;
                rc = feed_core(p, w.buf + at, n, (size_t)(fend - p->pos), cb,
                               ctx);
                at += n;
        }
        if (rc == 0 && p->pos < w.end_pos) {
                /* File bytes after the last line end that gave no text yet
                 * (half a code unit): still pending. */
                rc = feed_core(p, w.buf, 0, (size_t)(w.end_pos - p->pos), cb,
                               ctx);
        }
        return rc;
}

static int feed_piece(struct row_parser *p, const char *buf, size_t len,
                      size_t file_len, row_parser_record_cb cb, void *ctx)
{
        int rc = feed_core(p, buf, len, file_len, cb, ctx);

        while (rc == 0 && p->rf.len > 0) {
                rc = run_refeed(p, cb, ctx);
        }
        if (rc != 0) {
                p->rf.len = 0; /* the caller seeks before feeding again */
        }
        return rc;
}

/*
 * After a record sent without its line end: consumes that line end from
 * the start of buf (no line is counted: the record already counted its
 * own). Returns how many bytes it took, or -1 when the bytes continue the
 * line instead (the record sent was only part of it).
 */
static long take_late_eol(struct row_parser *p, const char *buf, size_t len)
{
        size_t n = 0;

        if (p->wait_eol == WAIT_EOL && p->eol == '\n' && buf[0] == '\r') {
                p->wait_eol = WAIT_LF;
                n           = 1;
        }
        if (n < len) {
                if (buf[n] != p->eol) {
                        return -1;
                }
                p->wait_eol = WAIT_NONE;
                n++;
        }
        p->pos += n;
        p->rec_start = p->pos;
        return (long)n;
}

/* Feeds file bytes, converted first when the file is UTF-16. */
static int feed_decoded(struct row_parser *p, const char *buf, size_t len,
                        row_parser_record_cb cb, void *ctx)
{
        if (p->wait_eol != WAIT_NONE && len > 0) {
                long n = take_late_eol(p, buf, len);
                if (n < 0) {
                        return ROW_PARSER_LINE_GREW;
                }
                buf += n;
                len -= (size_t)n;
        }
        if (!p->wide) {
                return feed_piece(p, buf, len, len, cb, ctx);
        }
        while (len > 0) {
                size_t used   = 0;
                size_t before = text_decoder_pending(p->wide);
                size_t n = text_decoder_utf16(p->wide, buf, len, &used, p->wbuf,
                                              sizeof(p->wbuf));
                /* The file bytes this text stands for: bytes the decoder
                 * now holds count when they become text. */
                size_t file_len = used + before - text_decoder_pending(p->wide);
                int rc          = feed_piece(p, p->wbuf, n, file_len, cb, ctx);
                if (rc != 0) {
                        return rc;
                }
                if (used == 0) {
                        break;
                }
                buf += used;
                len -= used;
        }
        return 0;
}

/* Enough lines (or bytes) are held to detect the dialect. A CR counts
 * only when it is not the last byte (it may be half of a CRLF). */
static bool sniff_ready(struct row_parser *p)
{
        size_t i = p->pre_scanned;

        if (p->pre_len >= SNIFF_HOLD_BYTES) {
                return true;
        }
        for (; i + 1 < p->pre_len && p->pre_lines < SNIFF_READY_LINES; i++) {
                p->pre_lines += p->pre[i] == '\n' ||
                                (p->pre[i] == '\r' && p->pre[i + 1] != '\n');
        }
        p->pre_scanned = i;
        return p->pre_lines >= SNIFF_READY_LINES;
}

/* Converts a UTF-16 sample to UTF-8 with a decoder of its own, so the
 * file's decoder keeps its start state. Returns a malloc'ed buffer. */
static char *utf16_sample(const struct row_parser *p, size_t *out_len)
{
        char err[128];
        struct text_decoder *d =
            text_decoder_create(text_decoder_name(p->wide), err, sizeof(err));
        size_t cap = p->pre_len * 2 + 16;
        char *out  = malloc(cap);
        size_t o = 0, i = 0;

        if (!d || !out) {
                text_decoder_destroy(d);
                free(out);
                return NULL;
        }
        while (i < p->pre_len && o + 8 <= cap) {
                size_t used = 0;
                o += text_decoder_utf16(d, p->pre + i, p->pre_len - i, &used,
                                        out + o, cap - o);
                if (used == 0) {
                        break;
                }
                i += used;
        }
        text_decoder_destroy(d);
        *out_len = o;
        return out;
}

static int choose_encoding(struct row_parser *p, enum sniff_bom bom,
                           const char *sample, size_t len)
{
        char err[128];

        if (p->forced) {
                switch (text_decoder_kind(p->forced)) {
                case TEXT_UTF16LE:
                case TEXT_UTF16BE:
                        p->wide = p->forced;
                        break;
                case TEXT_SINGLE_BYTE:
                        p->conv = p->forced;
                        p->enc  = ENC_LEGACY;
                        break;
                case TEXT_UTF8:
                        p->enc = ENC_UTF8;
                        break;
                }
                return 0;
        }
        if (bom == SNIFF_BOM_NONE) {
                bom = sniff_utf16(sample, len);
                if (bom != SNIFF_BOM_NONE) {
                        p->notice = bom == SNIFF_BOM_UTF16LE
                                        ? "no byte order mark, but the text "
                                          "is UTF-16LE: reading it so"
                                        : "no byte order mark, but the text "
                                          "is UTF-16BE: reading it so";
                }
        }
        if (bom == SNIFF_BOM_UTF16LE || bom == SNIFF_BOM_UTF16BE) {
                const char *name =
                    bom == SNIFF_BOM_UTF16LE ? "UTF-16LE" : "UTF-16BE";
                if (p->bom16 &&
                    strcmp(text_decoder_name(p->bom16), name) != 0) {
                        text_decoder_destroy(p->bom16);
                        p->bom16 = NULL;
                }
                if (!p->bom16) {
                        p->bom16 = text_decoder_create(name, err, sizeof(err));
                        if (!p->bom16) {
                                return -1;
                        }
                }
                text_decoder_reset(p->bom16);
                p->wide = p->bom16;
                return 0;
        }
        if (bom == SNIFF_BOM_UTF8) {
                p->enc = ENC_UTF8;
                return 0;
        }
        switch (sniff_text(sample, len)) {
        case SNIFF_TEXT_UTF8:
                p->enc = ENC_UTF8;
                break;
        case SNIFF_TEXT_OTHER:
                if (use_legacy(p, sample, len) != 0) {
                        return -1;
                }
                break;
        case SNIFF_TEXT_ASCII:
                break;
        }
        return 0;
}

/* Detects encoding and dialect from the held bytes, then parses them. */
static int sniff_and_feed_pre(struct row_parser *p, row_parser_record_cb cb,
                              void *ctx)
{
        size_t bom_len     = 0;
        enum sniff_bom bom = sniff_bom(p->pre, p->pre_len, &bom_len);
        const char *sample = p->pre + bom_len;
        size_t sample_len  = p->pre_len - bom_len;
        char *converted    = NULL;
        size_t held        = p->pre_len;

        if (choose_encoding(p, bom, sample, sample_len) != 0) {
                return -1;
        }
        if (p->wide) {
                converted = utf16_sample(p, &sample_len);
                if (!converted) {
                        return -1;
                }
                sample = converted;
        }
        p->dialect = sniff_detect(sample, sample_len, p->forced_delimiter,
                                  p->forced_quote);
        free(converted);
        p->delimiter     = p->dialect.delimiter;
        p->quote         = p->dialect.quote;
        p->eol           = p->dialect.eol;
        p->skip_sep_line = p->dialect.skip > 0;
        csv_setup(p);
        p->sniffed    = true;
        p->pre_len    = 0;
        p->sample_len = held;
        if (p->given) {
                int rc = report_given_header(p, cb, ctx);
                if (rc != 0) {
                        return rc;
                }
        }
        return feed_decoded(p, p->pre, held, cb, ctx);
}

int row_parser_feed(struct row_parser *p, const char *buf, size_t len,
                    row_parser_record_cb cb, void *ctx)
{
        if (p->sniffed) {
                return feed_decoded(p, buf, len, cb, ctx);
        }
        if (grow((void **)&p->pre, &p->pre_cap, p->pre_len + len, 1) != 0) {
                return -1;
        }
        if (len > 0) {
                memcpy(p->pre + p->pre_len, buf, len);
                p->pre_len += len;
        }
        return sniff_ready(p) ? sniff_and_feed_pre(p, cb, ctx) : 0;
}

int row_parser_end(struct row_parser *p, bool final, row_parser_record_cb cb,
                   void *ctx)
{
        int rc = 0;

        /* While tailing, a first line still being written (no line end
         * yet) waits: "id" of "id,valor" is not a one-column header. So
         * does UTF-16 without a BOM cut inside its line end's code unit
         * ("i\0d\0\n" without the NUL): it is known by whole units. */
        bool cut_unit = (p->pre_len & 1) &&
                        (p->pre[p->pre_len - 1] == '\n' ||
                         p->pre[p->pre_len - 1] == '\r') &&
                        memchr(p->pre, '\0', p->pre_len);
        if (!p->sniffed && p->pre_len > 0 &&
            (final || ((memchr(p->pre, '\n', p->pre_len) ||
                        memchr(p->pre, '\r', p->pre_len)) &&
                       !cut_unit))) {
                rc = sniff_and_feed_pre(p, cb, ctx);
                if (rc != 0) {
                        return rc;
                }
        }
        if (final && p->wide) {
                /* Bytes the decoder holds (an odd last byte) are read
                 * now, as text that is not valid. */
                char rest[4];
                size_t held;
                size_t n = text_decoder_utf16_finish(p->wide, &held, rest,
                                                     sizeof(rest));
                if (n > 0) {
                        rc = feed_piece(p, rest, n, held, cb, ctx);
                        if (rc != 0) {
                                return rc;
                        }
                }
        }
        while (final && p->rec_len > 0) {
                if (p->state == SCAN_QUOTED && p->rec_len == p->carry_len) {
                        rc = cut_unterminated(p, cb, ctx);
                        while (rc == 0 && p->rf.len > 0) {
                                rc = run_refeed(p, cb, ctx);
                        }
                        if (rc != 0) {
                                p->rf.len = 0;
                                return rc;
                        }
                        continue;
                }
                return emit(p, p->carry, p->carry_len, p->pos,
                            p->rec_len > p->max_record_bytes, cb, ctx);
        }
        return 0;
}

/* Splits the held record to count its fields (no record is reported). */
static size_t held_field_count(struct row_parser *p)
{
        const char *s = p->carry;
        size_t len    = strip_eol(p, p->carry, p->carry_len);

        if ((p->rec_quoted ? split_fields(p, s, len)
                           : split_plain(p, s, len)) != ROW_OK) {
                return 0;
        }
        return p->field_count;
}

int row_parser_flush_held(struct row_parser *p, row_parser_record_cb cb,
                          void *ctx)
{
        uint64_t end = p->pos;
        int rc;

        /* A CR at the end of a line of an LF file is half a CRLF (or part
         * of the text): that line waits for its LF. So does a line that
         * would pass the size limit with its line end (CRLF: 2 bytes). */
        if (!p->sniffed || !p->has_header || p->wide || p->rec_len == 0 ||
            p->rec_len != p->carry_len ||
            p->rec_len + 2 > p->max_record_bytes || p->state == SCAN_QUOTED ||
            p->wait_eol != WAIT_NONE || p->rf.len > 0 ||
            (p->eol == '\n' && p->carry[p->carry_len - 1] == '\r') ||
            held_field_count(p) != p->header_count) {
                return 0;
        }
        p->flushing = true;
        rc          = emit(p, p->carry, p->carry_len, end, false, cb, ctx);
        p->flushing = false;
        p->unterminated_end = end;
        p->wait_eol         = WAIT_EOL;
        return rc;
}

void row_parser_resume_unterminated(struct row_parser *p, const char *before,
                                    size_t len)
{
        bool ended = len > 0 && (before[len - 1] == p->eol ||
                                 (p->eol == '\n' && before[len - 1] == '\r'));

        if (ended || len == 0 || p->wide || !p->has_header) {
                p->unterminated_end = 0;
                p->wait_eol         = WAIT_NONE;
                return;
        }
        p->unterminated_end = p->pos;
        p->wait_eol         = WAIT_EOL;
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
        case ROW_ERR_UNTERMINATED:
                return "unterminated quoted field";
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
        case ROW_ERR_UNTERMINATED:
                snprintf(buf, size, "unterminated quoted field from line %llu",
                         (unsigned long long)rec->quote_line);
                break;
        default:
                snprintf(buf, size, "%s", row_parser_strerror(rec->err));
                break;
        }
}
