/* SPDX-License-Identifier: MIT */
/* row_parser: the same bytes fed in chunks of 1, 2, 7 and all bytes must
 * give identical records, offsets and errors. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "row_parser.h"

#define OUT_MAX 8192

struct out {
        char text[OUT_MAX];
        size_t len;
};

static int collect(const struct row_record *r, void *ctx)
{
        struct out *o = ctx;
        char reason[128];
        int n;

        row_parser_describe(r, reason, sizeof(reason));
        n = snprintf(
            o->text + o->len, OUT_MAX - o->len,
            "%s#%llu l%llu-%llu [%llu,%llu) %s:", r->is_header ? "H" : "R",
            (unsigned long long)r->record, (unsigned long long)r->line,
            (unsigned long long)r->end_line, (unsigned long long)r->offset,
            (unsigned long long)r->end_offset, r->err ? reason : "ok");
        o->len += (size_t)n;
        for (size_t i = 0; r->fields && i < r->field_count; i++) {
                n = snprintf(o->text + o->len, OUT_MAX - o->len, "|%.*s",
                             (int)r->fields[i].len, r->fields[i].ptr);
                o->len += (size_t)n;
        }
        o->len += (size_t)snprintf(o->text + o->len, OUT_MAX - o->len, "\n");
        return 0;
}

static void run_end(const char *in, size_t len, size_t chunk, size_t max_bytes,
                    bool final, struct out *o)
{
        struct row_parser_options opts = {.max_record_bytes = max_bytes};
        struct row_parser *p           = row_parser_create(&opts);

        memset(o, 0, sizeof(*o));
        for (size_t i = 0; i < len; i += chunk) {
                size_t n = len - i < chunk ? len - i : chunk;
                CHECK_EQ_INT(row_parser_feed(p, in + i, n, collect, o), 0);
        }
        CHECK_EQ_INT(row_parser_end(p, final, collect, o), 0);
        row_parser_destroy(p);
}

static void run(const char *in, size_t len, size_t chunk, size_t max_bytes,
                struct out *o)
{
        run_end(in, len, chunk, max_bytes, false, o);
}

struct parse_case {
        const char *name;
        const char *input;
        size_t len; /* 0: strlen */
        size_t max_bytes;
        const char *expected;
};

static const struct parse_case cases[] = {
    {"two BOMs (one added to a file that had one)",
     "\xEF\xBB\xBF\xEF\xBB\xBFid,v\n1,2\n", 0, 0,
     "H#0 l1-2 [0,11) ok:|id|v\n"
     "R#1 l2-3 [11,15) ok:|1|2\n"},
    {"basic with missing final newline",
     "id,nome,valor\n1,Ana,1.50\n2,Bia,2\n3,Cid", 0, 0,
     "H#0 l1-2 [0,14) ok:|id|nome|valor\n"
     "R#1 l2-3 [14,25) ok:|1|Ana|1.50\n"
     "R#2 l3-4 [25,33) ok:|2|Bia|2\n"},
    {"BOM, CRLF, blank line, empty fields",
     "\xEF\xBB\xBF"
     "a,b\r\n\r\n1,\r\n,\r\n",
     0, 0,
     "H#0 l1-2 [0,8) ok:|a|b\n"
     "R#1 l3-4 [10,14) ok:|1|\n"
     "R#2 l4-5 [14,17) ok:||\n"},
    {"quoted comma, quote and newline",
     "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"multi\nline\",2\n3,4\n", 0, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,23) ok:|x,y|say \"hi\"\n"
     "R#2 l3-5 [23,38) ok:|multi\nline|2\n"
     "R#3 l5-6 [38,42) ok:|3|4\n"},
    {"field count, NUL, good UTF-8, invalid UTF-8",
     "a,b\n1,2,3\nx\0y,1\nS\xC3\xA3o,1\n\xC3\x28,1\n", 28, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,10) field count 3, header has 2:\n"
     "R#2 l3-4 [10,16) NUL byte at byte 1:\n"
     "R#3 l4-5 [16,23) ok:|S\xC3\xA3o|1\n"
     "R#4 l5-6 [23,28) invalid UTF-8 at byte 0:\n"},
    {"not UTF-8: Windows-1252, the undefined bytes too",
     "nome;valor\r\nJo\xE3o;1\r\n\x80 \x81;2\r\n", 0, 0,
     "H#0 l1-2 [0,12) ok:|nome|valor\n"
     "R#1 l2-3 [12,20) ok:|Jo\xC3\xA3o|1\n"
     "R#2 l3-4 [20,27) ok:|\xE2\x82\xAC \xC2\x81|2\n"},
    {"Excel for Mac: Mac OS Roman, CR-only lines",
     "nome;cidade\rJo\x8Bo;S\x8Bo Paulo\rJos\x8E;Bras\x92lia\r", 0, 0,
     "H#0 l1-2 [0,12) ok:|nome|cidade\n"
     "R#1 l2-3 [12,27) ok:|Jo\xC3\xA3o|S\xC3\xA3o Paulo\n"
     "R#2 l3-4 [27,41) ok:|Jos\xC3\xA9|Bras\xC3\xADlia\n"},
    {"sep= line, CR-only lines, pipe", "sep=|\ra|b\r1|\"x\ry\"\r2|3\r", 0, 0,
     "H#0 l2-3 [6,10) ok:|a|b\n"
     "R#1 l3-5 [10,18) ok:|1|x\ry\n"
     "R#2 l5-6 [18,22) ok:|2|3\n"},
    {"tab and single quotes", "a\tb\n'x\ty'\t1\n'z'\t2\n", 0, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,12) ok:|x\ty|1\n"
     "R#2 l3-4 [12,18) ok:|z|2\n"},
    {"too long", "a,b\n1,2\n123456789012345,6\n7,8\n", 0, 10,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,8) ok:|1|2\n"
     "R#2 l3-4 [8,26) record longer than 10 bytes (18):\n"
     "R#3 l4-5 [26,30) ok:|7|8\n"},
    {"unquoted records: empty first/last field, quote inside a field",
     "a,b,c\n,x,\nab\"c,d,e\n", 0, 0,
     "H#0 l1-2 [0,6) ok:|a|b|c\n"
     "R#1 l2-3 [6,10) ok:||x|\n"
     "R#2 l3-4 [10,19) ok:|ab\"c|d|e\n"},
    {"one column: commas and semicolons in its text are text",
     "comentario\nOl\xC3\xA1, tudo bem\nBom dia; sim\n\"x,\"\"y\"\"\"\n", 0, 0,
     "H#0 l1-2 [0,11) ok:|comentario\n"
     "R#1 l2-3 [11,26) ok:|Ol\xC3\xA1, tudo bem\n"
     "R#2 l3-4 [26,39) ok:|Bom dia; sim\n"
     "R#3 l4-5 [39,49) ok:|x,\"y\"\n"},
    {"unterminated quote waits", "a\n\"open\n,still\n", 0, 0,
     "H#0 l1-2 [0,2) ok:|a\n"},
};

static void test_chunks(void)
{
        static const size_t chunks[] = {1, 2, 7, 1u << 20};

        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                const struct parse_case *pc = &cases[c];
                size_t len = pc->len ? pc->len : strlen(pc->input);

                for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]);
                     k++) {
                        struct out o;
                        run(pc->input, len, chunks[k], pc->max_bytes, &o);
                        if (strcmp(o.text, pc->expected) != 0) {
                                fprintf(stderr, "case '%s' chunk %zu:\n",
                                        pc->name, chunks[k]);
                        }
                        CHECK_EQ_STR(o.text, pc->expected);
                }
        }
}

/* The end of the file for good: a last record without newline is sent,
 * an unterminated quote costs the lines up to its own, no more. An open
 * quote longer than a record may be is cut while more bytes arrive. */
static const struct parse_case final_cases[] = {
    {"last line without newline", "a,b\n1,2\n3,4", 0, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,8) ok:|1|2\n"
     "R#2 l3-4 [8,11) ok:|3|4\n"},
    {"unclosed quote, then good lines", "a,b\n1,x\n2,\"y\n3,z\n4,w\n", 0, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,8) ok:|1|x\n"
     "R#2 l3-4 [8,13) unterminated quoted field from line 3:\n"
     "R#3 l4-5 [13,17) ok:|3|z\n"
     "R#4 l5-6 [17,21) ok:|4|w\n"},
    {"unclosed quote on the last line, no newline", "a,b\n1,x\n2,\"y", 0, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,8) ok:|1|x\n"
     "R#2 l3-4 [8,12) unterminated quoted field from line 3:\n"},
    {"open quote over the size limit", "a,b\n1,\"x\n2,y\n3,z\n4,w\n", 0, 8,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,9) unterminated quoted field from line 2:\n"
     "R#2 l3-4 [9,13) ok:|2|y\n"
     "R#3 l4-5 [13,17) ok:|3|z\n"
     "R#4 l5-6 [17,21) ok:|4|w\n"},
    {"UTF-16LE with BOM, CRLF, tab",
     "\xFF\xFE"
     "a\0\t\0b\0\r\0\n\0"
     "\xE3\0\t\0\x3D\xD8\x00\xDE\r\0\n\0"
     "\"\0x\0\n\0y\0\"\0\t\0"
     "1\0\r\0\n\0",
     40, 0,
     "H#0 l1-2 [0,12) ok:|a|b\n"
     "R#1 l2-3 [12,24) ok:|\xC3\xA3|\xF0\x9F\x98\x80\n"
     "R#2 l3-5 [24,40) ok:|x\ny|1\n"},
    {"UTF-16LE with BOM, an odd last byte (cut code unit)",
     "\xFF\xFE"
     "a\0,\0b\0\n\0"
     "1\0,\0"
     "2\0\n\0"
     "3",
     19, 0,
     "H#0 l1-2 [0,10) ok:|a|b\n"
     "R#1 l2-3 [10,18) ok:|1|2\n"
     "R#2 l3-4 [18,19) invalid UTF-8 at byte 0:\n"},
    {"UTF-16LE without a BOM (noted), semicolons",
     "i\0d\0;\0n\0o\0m\0e\0\r\0\n\0"
     "1\0;\0\xE3\0o\0\r\0\n\0"
     "2\0;\0\x2D\x4E\r\0\n\0",
     40, 0,
     "H#0 l1-2 [0,18) ok:|id|nome\n"
     "R#1 l2-3 [18,30) ok:|1|\xC3\xA3o\n"
     "R#2 l3-4 [30,40) ok:|2|\xE4\xB8\xAD\n"},
    {"UTF-16BE without a BOM",
     "\0a\0,\0b\0\n"
     "\0"
     "1\0,\0"
     "2\0\n",
     16, 0,
     "H#0 l1-2 [0,8) ok:|a|b\n"
     "R#1 l2-3 [8,16) ok:|1|2\n"},
    {"UTF-16BE with BOM, unclosed quote",
     "\xFE\xFF"
     "\0a\0,\0b\0\n"
     "\0\"\0x\0\n"
     "\0"
     "1\0,\0"
     "2\0\n",
     24, 0,
     "H#0 l1-2 [0,10) ok:|a|b\n"
     "R#1 l2-3 [10,16) unterminated quoted field from line 2:\n"
     "R#2 l3-4 [16,24) ok:|1|2\n"},
};

static void test_final(void)
{
        static const size_t chunks[] = {1, 2, 7, 1u << 20};

        for (size_t c = 0; c < sizeof(final_cases) / sizeof(final_cases[0]);
             c++) {
                const struct parse_case *pc = &final_cases[c];
                size_t len = pc->len ? pc->len : strlen(pc->input);

                for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]);
                     k++) {
                        struct out o;
                        run_end(pc->input, len, chunks[k], pc->max_bytes, true,
                                &o);
                        if (strcmp(o.text, pc->expected) != 0) {
                                fprintf(stderr, "case '%s' chunk %zu:\n",
                                        pc->name, chunks[k]);
                        }
                        CHECK_EQ_STR(o.text, pc->expected);
                }
        }
}

/* While tailing, a header still being written is not sniffed: "id" of
 * "id,valor" would be a one-column header. */
static void test_header_being_written(void)
{
        struct row_parser *p = row_parser_create(NULL);
        struct out o         = {0};

        CHECK_EQ_INT(row_parser_feed(p, "id", 2, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK(!row_parser_sniffed(p));
        CHECK_EQ_INT(
            row_parser_feed(p, ",valor\n1,Ana, X\n2,B\n", 20, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,9) ok:|id|valor\n"
                             "R#1 l2-3 [9,18) field count 3, header has 2:\n"
                             "R#2 l3-4 [18,22) ok:|2|B\n");
        row_parser_destroy(p);
}

/* While tailing, UTF-16 without a BOM whose first line end arrives cut
 * inside its code unit ("\n" without its NUL) waits for the rest: read
 * early, the file would be taken for UTF-8 with NUL bytes. */
static void test_utf16_without_bom_cut_unit(void)
{
        static const char in[] = "i\0d\0\n\0"
                                 "1\0\n\0";
        struct row_parser *p   = row_parser_create(NULL);
        struct out o           = {0};

        CHECK_EQ_INT(row_parser_feed(p, in, 5, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK(!row_parser_sniffed(p));
        CHECK_EQ_INT(row_parser_feed(p, in + 5, 5, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,6) ok:|id\n"
                             "R#1 l2-3 [6,10) ok:|1\n");
        row_parser_destroy(p);
}

static int feed_str(struct row_parser *p, const char *s, struct out *o)
{
        return row_parser_feed(p, s, strlen(s), collect, o);
}

/* While tailing, a last line without its newline that a writer left idle
 * is sent; its late newline (LF, CRLF, even cut after the CR) is taken
 * without a record and without a line; anything else growing that line
 * says the record sent was only part of it. */
static void test_flush_held(void)
{
        struct row_parser *p = row_parser_create(NULL);
        struct out o         = {0};

        CHECK_EQ_INT(feed_str(p, "a,b\n1,2\n3,4", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(row_parser_pending_bytes(p), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0); /* once */
        CHECK_EQ_INT(feed_str(p, "\n5,6\n", &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,4) ok:|a|b\n"
                             "R#1 l2-3 [4,8) ok:|1|2\n"
                             "R#2 l3-4 [8,11) ok:|3|4\n"
                             "R#3 l4-5 [12,16) ok:|5|6\n");

        /* Grown: the caller starts over; a rewind to the record's end
         * expects the newline again. */
        row_parser_reset(p);
        memset(&o, 0, sizeof(o));
        CHECK_EQ_INT(feed_str(p, "a,b\n1,2\n3,4", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(feed_str(p, "5\n", &o), ROW_PARSER_LINE_GREW);
        row_parser_seek(p, 11, 4, 3);
        CHECK_EQ_INT(feed_str(p, "5\n", &o), ROW_PARSER_LINE_GREW);
        row_parser_seek(p, 11, 4, 3);
        CHECK_EQ_INT(feed_str(p, "\n", &o), 0);
        row_parser_seek(p, 8, 3, 2); /* before the record: read again */
        CHECK_EQ_INT(feed_str(p, "3,45\n", &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,4) ok:|a|b\n"
                             "R#1 l2-3 [4,8) ok:|1|2\n"
                             "R#2 l3-4 [8,11) ok:|3|4\n"
                             "R#2 l3-4 [8,13) ok:|3|45\n");

        /* Not a whole record yet: a field missing, a quote open. */
        row_parser_reset(p);
        memset(&o, 0, sizeof(o));
        CHECK_EQ_INT(feed_str(p, "a,b\n1,2\n3", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(feed_str(p, ",\"x", &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(feed_str(p, "\"\n", &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,4) ok:|a|b\n"
                             "R#1 l2-3 [4,8) ok:|1|2\n"
                             "R#2 l3-4 [8,14) ok:|3|x\n");

        /* CRLF: the CR alone, then the LF; a line ending in a CR waits for
         * its LF (its CR may be text: "true\r\r\n"); a CR where the LF
         * must come is a grown line. */
        row_parser_reset(p);
        memset(&o, 0, sizeof(o));
        CHECK_EQ_INT(feed_str(p, "a,b\r\n1,2", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(feed_str(p, "\r", &o), 0);
        CHECK_EQ_INT(feed_str(p, "\n3,4\r", &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(feed_str(p, "\r\n5,6", &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(feed_str(p, "\r", &o), 0);
        CHECK_EQ_INT(feed_str(p, "\r", &o), ROW_PARSER_LINE_GREW);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,5) ok:|a|b\n"
                             "R#1 l2-3 [5,8) ok:|1|2\n"
                             "R#2 l3-4 [10,16) ok:|3|4\r\n"
                             "R#3 l4-5 [16,19) ok:|5|6\n");
        row_parser_destroy(p);

        /* Within the size limit only with room for a line end; a file
         * not yet known to be UTF-8 whose last byte is not UTF-8 (é in
         * Windows-1252) is read as with its newline. */
        struct row_parser_options small = {.max_record_bytes = 10};
        p                               = row_parser_create(&small);
        memset(&o, 0, sizeof(o));
        CHECK_EQ_INT(feed_str(p, "a,b\n1,2345678", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_INT(row_parser_pending_bytes(p), 9);
        row_parser_destroy(p);
        p = row_parser_create(NULL);
        CHECK_EQ_INT(feed_str(p, "a,b\n1,x\xE9", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK_EQ_INT(row_parser_flush_held(p, collect, &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,4) ok:|a|b\n"
                             "H#0 l1-2 [0,4) ok:|a|b\n"
                             "R#1 l2-3 [4,8) ok:|1|x\xC3\xA9\n");
        row_parser_destroy(p);

        /* A resume at the end of a record sent without its newline by an
         * earlier run: the bytes before the offset tell. */
        p = row_parser_create(NULL);
        memset(&o, 0, sizeof(o));
        CHECK_EQ_INT(feed_str(p, "a,b\n", &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        row_parser_seek(p, 11, 4, 3);
        row_parser_resume_unterminated(p, ",4", 2);
        CHECK_EQ_INT(feed_str(p, "5\n", &o), ROW_PARSER_LINE_GREW);
        row_parser_seek(p, 11, 4, 3);
        row_parser_resume_unterminated(p, "4\n", 2);
        CHECK_EQ_INT(feed_str(p, "5,6\n", &o), 0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,4) ok:|a|b\n"
                             "R#3 l4-5 [11,15) ok:|5|6\n");
        row_parser_destroy(p);
}

/* Seeking after the header resumes numbering and offsets exactly. */
static void test_seek(void)
{
        const char *in       = "a,b\n1,2\n3,4\n5,6\n";
        struct row_parser *p = row_parser_create(NULL);
        struct out o         = {0};

        CHECK_EQ_INT(row_parser_feed(p, in, 4, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        row_parser_seek(p, 8, 3, 2);
        CHECK_EQ_INT(row_parser_feed(p, in + 8, strlen(in) - 8, collect, &o),
                     0);
        CHECK_EQ_STR(o.text, "H#0 l1-2 [0,4) ok:|a|b\n"
                             "R#2 l3-4 [8,12) ok:|3|4\n"
                             "R#3 l4-5 [12,16) ok:|5|6\n");
        CHECK_EQ_INT(row_parser_record_start(p), 16);
        CHECK_EQ_INT(row_parser_next_record(p), 4);
        row_parser_destroy(p);
}

/* UTF-16: a resume after a record whose successor starts with U+FEFF (a
 * zero-width no-break space, text there) keeps it; only the file's first
 * U+FEFF is a byte order mark. Found by the csv_record fuzz target. */
static void test_seek_utf16_keeps_feff(void)
{
        static const char in[] = "\xFF\xFE"
                                 "a\0,\0b\0\n\0"
                                 "1\0,\0"
                                 "2\0\n\0"
                                 "\xFF\xFEx\0,\0"
                                 "3\0\n\0";
        const size_t len       = sizeof(in) - 1;
        const char *want       = "H#0 l1-2 [0,10) ok:|a|b\n"
                                 "R#2 l3-4 [18,28) ok:|\xEF\xBB\xBFx|3\n";
        struct row_parser *p   = row_parser_create(NULL);
        struct out o           = {0};

        CHECK_EQ_INT(row_parser_feed(p, in, 10, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        row_parser_seek(p, 18, 3, 2);
        CHECK_EQ_INT(row_parser_feed(p, in + 18, len - 18, collect, &o), 0);
        CHECK_EQ_STR(o.text, want);
        row_parser_destroy(p);
}

/* --columns: a file without a header line. The names are the header (of
 * no bytes), the first line is record 1; a BOM and a sep= line before it
 * are still dropped; a resume needs only the sniffed start. */
static void test_given_columns(void)
{
        static const struct {
                const char *input, *want;
        } given_cases[] = {
            {"1,Ana\n2,Bia\n3\n",
             "H#0 l1-1 [0,0) ok:|id|nome\n"
             "R#1 l1-2 [0,6) ok:|1|Ana\n"
             "R#2 l2-3 [6,12) ok:|2|Bia\n"
             "R#3 l3-4 [12,14) field count 1, header has 2:\n"},
            {"\xEF\xBB\xBFsep=;\r\n1;Ana\r\n", "H#0 l1-1 [0,0) ok:|id|nome\n"
                                               "R#1 l2-3 [10,17) ok:|1|Ana\n"},
            {"id,nome\n1,Ana\n", /* a header the user said is not there */
             "H#0 l1-1 [0,0) ok:|id|nome\n"
             "R#1 l1-2 [0,8) ok:|id|nome\n"
             "R#2 l2-3 [8,14) ok:|1|Ana\n"},
        };
        static const size_t chunks[]   = {1, 3, 1u << 20};
        struct row_parser_options opts = {.columns = "id,nome"};
        char err[64];

        for (size_t c = 0; c < sizeof(given_cases) / sizeof(given_cases[0]);
             c++) {
                for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]);
                     k++) {
                        struct row_parser *p = row_parser_create(&opts);
                        const char *in       = given_cases[c].input;
                        size_t len           = strlen(in);
                        struct out o         = {0};

                        for (size_t i = 0; i < len; i += chunks[k]) {
                                size_t n =
                                    len - i < chunks[k] ? len - i : chunks[k];
                                CHECK_EQ_INT(
                                    row_parser_feed(p, in + i, n, collect, &o),
                                    0);
                        }
                        CHECK_EQ_INT(row_parser_end(p, true, collect, &o), 0);
                        CHECK_EQ_STR(o.text, given_cases[c].want);
                        row_parser_destroy(p);
                }
        }

        /* Resume after record 1: the start is read again for the dialect
         * (its records are the caller's to ignore), then the seek. */
        struct row_parser *p = row_parser_create(&opts);
        struct out o         = {0};
        const char *in       = "1;Ana\n2;Bia\n";
        CHECK_EQ_INT(row_parser_feed(p, in, 6, collect, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, false, collect, &o), 0);
        CHECK(row_parser_has_header(p));
        memset(&o, 0, sizeof(o));
        row_parser_seek(p, 6, 2, 2);
        CHECK_EQ_INT(row_parser_feed(p, in + 6, 6, collect, &o), 0);
        CHECK_EQ_STR(o.text, "R#2 l2-3 [6,12) ok:|2|Bia\n");
        row_parser_destroy(p);

        CHECK_EQ_INT(row_parser_check_columns("a,b,c", err, sizeof(err)), 3);
        CHECK_EQ_INT(row_parser_check_columns("a,,c", err, sizeof(err)), 0);
        CHECK_EQ_STR(err, "column 2 has no name");
        CHECK_EQ_INT(row_parser_check_columns("", err, sizeof(err)), 0);
        CHECK_EQ_INT(row_parser_check_columns("a,", err, sizeof(err)), 0);
        CHECK_EQ_STR(err, "column 2 has no name");
}

static int collect_notices(const struct row_record *r, void *ctx)
{
        struct out *o = ctx;
        o->len +=
            (size_t)snprintf(o->text + o->len, OUT_MAX - o->len, "%llu:%s\n",
                             (unsigned long long)r->line,
                             r->encoding_notice ? r->encoding_notice : "-");
        return 0;
}

/* A file detected as Windows-1252 that gets UTF-8 appended (another tool
 * writing to it) is read as the file's encoding, but not silently: the
 * first such record carries a notice (logged as event=encoding). */
static void test_utf8_in_legacy_file_is_noted(void)
{
        const char *in       = "a,b\nx\xE9,1\n";
        const char *more     = "c\xC3\xA9,2\nd\xC3\xA9,3\n";
        struct row_parser *p = row_parser_create(NULL);
        struct out o         = {0};

        CHECK_EQ_INT(row_parser_feed(p, in, strlen(in), collect_notices, &o),
                     0);
        CHECK_EQ_INT(row_parser_end(p, false, collect_notices, &o), 0);
        CHECK_EQ_INT(
            row_parser_feed(p, more, strlen(more), collect_notices, &o), 0);
        CHECK_EQ_INT(row_parser_end(p, true, collect_notices, &o), 0);
        CHECK(strstr(o.text, "1:text is not valid UTF-8") == o.text);
        CHECK(strstr(o.text, "\n2:-\n3:a record is valid UTF-8 in a file "
                             "read as ") != NULL);
        CHECK(strstr(o.text, "\n4:-\n") != NULL); /* once */
        row_parser_destroy(p);
}

int main(void)
{
        test_chunks();
        test_final();
        test_header_being_written();
        test_flush_held();
        test_seek();
        test_seek_utf16_keeps_feff();
        test_utf8_in_legacy_file_is_noted();
        test_given_columns();
        test_utf16_without_bom_cut_unit();
        return check_exit();
}
