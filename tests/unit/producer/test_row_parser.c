/* SPDX-License-Identifier: MIT */
/* row_parser: the same bytes fed in chunks of 1, 2, 7 and all bytes must
 * give identical records, offsets and errors. */
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

static void run(const char *in, size_t len, size_t chunk, size_t max_bytes,
                struct out *o)
{
        struct row_parser_options opts = {',', max_bytes};
        struct row_parser *p           = row_parser_create(&opts);

        memset(o, 0, sizeof(*o));
        for (size_t i = 0; i < len; i += chunk) {
                size_t n = len - i < chunk ? len - i : chunk;
                CHECK_EQ_INT(row_parser_feed(p, in + i, n, collect, o), 0);
        }
        row_parser_destroy(p);
}

struct parse_case {
        const char *name;
        const char *input;
        size_t len; /* 0: strlen */
        size_t max_bytes;
        const char *expected;
};

static const struct parse_case cases[] = {
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
    {"field count, NUL, invalid UTF-8, good UTF-8",
     "a,b\n1,2,3\nx\0y,1\n\xC3\x28,1\nS\xC3\xA3o,1\n", 28, 0,
     "H#0 l1-2 [0,4) ok:|a|b\n"
     "R#1 l2-3 [4,10) field count 3, header has 2:\n"
     "R#2 l3-4 [10,16) NUL byte at byte 1:\n"
     "R#3 l4-5 [16,21) invalid UTF-8 at byte 0:\n"
     "R#4 l5-6 [21,28) ok:|S\xC3\xA3o|1\n"},
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

/* Seeking after the header resumes numbering and offsets exactly. */
static void test_seek(void)
{
        const char *in       = "a,b\n1,2\n3,4\n5,6\n";
        struct row_parser *p = row_parser_create(NULL);
        struct out o         = {0};

        CHECK_EQ_INT(row_parser_feed(p, in, 4, collect, &o), 0);
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

int main(void)
{
        test_chunks();
        test_seek();
        return check_exit();
}
