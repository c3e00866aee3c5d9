/* SPDX-License-Identifier: MIT */
/* sniffer, text_decoder and number_text: dialects, encodings and numbers
 * as spreadsheets and databases write them. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "number_text.h"
#include "sniffer.h"
#include "text_decoder.h"

static void test_dialects(void)
{
        static const struct {
                const char *in;
                char forced;
                const char *want; /* sniff_describe */
        } cases[] = {
            {"id,nome,valor\n1,Ana,1.5\n", 0,
             "delimiter=\",\" quote=\"\\\"\" newline=lf sep_line=no"},
            {"id;nome;valor\r\n1;Ana;1.234,56\r\n2;Bia;7,5\r\n", 0,
             "delimiter=\";\" quote=\"\\\"\" newline=crlf sep_line=no"},
            {"sep=;\r\nid;valor\r\n1;2,5\r\n", 0,
             "delimiter=\";\" quote=\"\\\"\" newline=crlf sep_line=yes"},
            {"a\tb\tc\n1\t2,5\t3\n", 0,
             "delimiter=\"\\t\" quote=\"\\\"\" newline=lf sep_line=no"},
            {"a|b\r1|2\r3|4\r", 0,
             "delimiter=\"|\" quote=\"\\\"\" newline=cr sep_line=no"},
            {"a,b\n'x,y',1\n'z',2\n", 0,
             "delimiter=\",\" quote=\"'\" newline=lf sep_line=no"},
            /* Quoted delimiters do not count. */
            {"a;b\n\"1,2,3\";4\n\"5,6\";7\n", 0,
             "delimiter=\";\" quote=\"\\\"\" newline=lf sep_line=no"},
            /* The header alone decides when there is nothing else. */
            {"id;nome;valor", 0,
             "delimiter=\";\" quote=\"\\\"\" newline=lf sep_line=no"},
            /* A header no candidate splits is one column, whatever its
             * records hold: text with commas, a header alone, delimiters
             * only inside quotes. */
            {"single\n1\n2\n", 0,
             "delimiter=none quote=\"\\\"\" newline=lf sep_line=no"},
            {"comentario\nOl\xC3\xA1, tudo bem\nBom dia\n", 0,
             "delimiter=none quote=\"\\\"\" newline=lf sep_line=no"},
            {"nota\r\numa; duas\r\ntr\xC3\xAAs|quatro\r\n", 0,
             "delimiter=none quote=\"\\\"\" newline=crlf sep_line=no"},
            {"id\n", 0, "delimiter=none quote=\"\\\"\" newline=lf sep_line=no"},
            {"\"a,b\"\n\"1,2\"\nx, y\n", 0,
             "delimiter=none quote=\"\\\"\" newline=lf sep_line=no"},
            /* A header alone with a delimiter has its columns. */
            {"a;b\n", 0,
             "delimiter=\";\" quote=\"\\\"\" newline=lf sep_line=no"},
            /* Records with commas in their text under a ';' header. */
            {"nome;comentario\nAna;Ol\xC3\xA1, tudo\nBia;sim, n\xC3\xA3o, "
             "talvez\n",
             0, "delimiter=\";\" quote=\"\\\"\" newline=lf sep_line=no"},
            /* Both split every line alike: prose commas (", ") lose to
             * the TAB or ';' that has none. */
            {"nome\tcidade, estado\nAna\tSP, SP\nBia\tRJ, RJ\n", 0,
             "delimiter=\"\\t\" quote=\"\\\"\" newline=lf sep_line=no"},
            {"nome\tcidade, estado, pa\xC3\xADs\nAna\tSP, SP, BR\n", 0,
             "delimiter=\"\\t\" quote=\"\\\"\" newline=lf sep_line=no"},
            {"nome;valor, em R$\nAna;1,5\nBia;2,5\n", 0,
             "delimiter=\";\" quote=\"\\\"\" newline=lf sep_line=no"},
            /* Blank lines (skipped by the parser) do not count. */
            {"\na,b\n\n1,2\n\n3,4\n\n", 0,
             "delimiter=\",\" quote=\"\\\"\" newline=lf sep_line=no"},
            {"a;b,c\n1;2,3\n", ',',
             "delimiter=\",\" quote=\"\\\"\" newline=lf sep_line=no"},
            {"", 0, "delimiter=\",\" quote=\"\\\"\" newline=lf sep_line=no"},
        };
        char text[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sniff_dialect d = sniff_detect(
                    cases[i].in, strlen(cases[i].in), cases[i].forced, 0);
                sniff_describe(&d, text, sizeof(text));
                if (strcmp(text, cases[i].want) != 0) {
                        fprintf(stderr, "case %zu: %s\n", i, cases[i].in);
                }
                CHECK_EQ_STR(text, cases[i].want);
        }

        /* One column: the reset message says there is no delimiter. */
        struct sniff_dialect one = sniff_detect("nota\nx, y\n", 10, 0, 0);
        sniff_json(&one, "UTF-8", text, sizeof(text));
        CHECK_EQ_STR(text, "{\"delimiter\":null,\"quote\":\"\\\"\","
                           "\"newline\":\"lf\",\"sep_line\":false,"
                           "\"encoding\":\"UTF-8\"}");
}

static void test_encodings(void)
{
        size_t bom;
        char err[128];
        char *buf  = NULL;
        size_t cap = 0;
        long n;

        CHECK_EQ_INT(sniff_bom("\xEF\xBB\xBFx", 4, &bom), SNIFF_BOM_UTF8);
        CHECK_EQ_INT(bom, 3);
        CHECK_EQ_INT(sniff_bom("\xFF\xFEx", 3, &bom), SNIFF_BOM_UTF16LE);
        CHECK_EQ_INT(sniff_bom("\xFE\xFFx", 3, &bom), SNIFF_BOM_UTF16BE);
        CHECK_EQ_INT(sniff_bom("id", 2, &bom), SNIFF_BOM_NONE);
        CHECK_EQ_INT(sniff_text("id,nome\n", 8), SNIFF_TEXT_ASCII);
        CHECK_EQ_INT(sniff_text("S\xC3\xA3o", 4), SNIFF_TEXT_UTF8);
        CHECK_EQ_INT(sniff_text("S\xE3o Jos\xE9", 9), SNIFF_TEXT_OTHER);
        /* A character cut by the sample's end is not an error. */
        CHECK_EQ_INT(sniff_text("S\xC3\xA3o \xC3", 6), SNIFF_TEXT_UTF8);
        /* A UTF-8 file with one broken byte is still UTF-8. */
        CHECK_EQ_INT(sniff_text("\xC3\xA3\xC3\xA9\xFF", 5), SNIFF_TEXT_UTF8);

        struct text_decoder *d = text_decoder_create("cp1252", err, 128);
        CHECK(d != NULL);
        CHECK_EQ_STR(text_decoder_name(d), "WINDOWS-1252");
        n = text_decoder_convert(d, "Jo\xE3o \x80\x93", 7, &buf, &cap);
        CHECK_EQ_MEM(buf, (size_t)n, "Jo\xC3\xA3o \xE2\x82\xAC\xE2\x80\x9C");
        text_decoder_destroy(d);

        d = text_decoder_create("ISO-8859-15", err, 128); /* via iconv */
        CHECK(d != NULL);
        n = text_decoder_convert(d, "\xA4", 1, &buf, &cap);
        CHECK_EQ_MEM(buf, (size_t)n, "\xE2\x82\xAC");
        text_decoder_destroy(d);

        CHECK(text_decoder_create("UTF-32", err, 128) == NULL);
        CHECK(text_decoder_create("NO-SUCH-ENCODING", err, 128) == NULL);
        CHECK_EQ_STR(err, "unknown encoding NO-SUCH-ENCODING");
        free(buf);
}

/* Windows-1252 or Mac OS Roman: the accented letters inside words. */
static void test_legacy_kind(void)
{
        /* "Conceição, José, Goiânia; don’t" in each. */
        static const char mac[]        = "Concei\x8D\x8Bo;Jos\x8E;Goi\x89nia";
        static const char win[]        = "Concei\xE7\xE3o;Jos\xE9;Goi\xE2nia;"
                                         "don\x92t";
        static const char quotes[]     = "don\x92t;it\x92s;O\x92"
                                         "Brien;caf\x8E";
        static const char ptbr_upper[] = "CONCEI\x82\xCCO;S\xCCO PAULO";

        CHECK_EQ_INT(sniff_legacy(mac, sizeof(mac) - 1),
                     SNIFF_LEGACY_MAC_ROMAN);
        CHECK_EQ_INT(sniff_legacy(win, sizeof(win) - 1),
                     SNIFF_LEGACY_WINDOWS_1252);
        /* Windows-1252's curly apostrophe is a Mac letter (í): not a vote. */
        CHECK_EQ_INT(sniff_legacy(quotes, sizeof(quotes) - 1),
                     SNIFF_LEGACY_WINDOWS_1252);
        /* Dashes between words ("pre\u2013war", "so\u2014said") are
         * Windows-1252's, not Mac's n and o with accents. */
        CHECK_EQ_INT(sniff_legacy("pre\x96war;so\x97said", 15),
                     SNIFF_LEGACY_WINDOWS_1252);
        /* No accented letter inside a word: Windows-1252. */
        CHECK_EQ_INT(sniff_legacy("a;\x80 1", 6), SNIFF_LEGACY_WINDOWS_1252);
        /* Mac upper case: Ç (0x82) votes Mac, Ã (0xCC) Windows: a tie. */
        CHECK_EQ_INT(sniff_legacy(ptbr_upper, sizeof(ptbr_upper) - 1),
                     SNIFF_LEGACY_WINDOWS_1252);
}

/* UTF-16 without a byte order mark: ASCII beside NUL bytes, all on one
 * side; anything else (UTF-8 with a stray NUL, binary noise, a NUL-only
 * run, text with no line end yet) is not taken for it. */
static void test_utf16_without_bom(void)
{
        static const char le[]       = "i\0d\0;\0n\0o\0m\0e\0\r\0\n\0"
                                       "1\0;\0\xE3\0o\0\n\0";
        static const char be[]       = "\0i\0d\0,\0x\0\n\0"
                                       "1\0,\x4E\x2D\0\n";
        static const char cjk[]      = "\x2D\x4E,\0\x87\x65\n\0"
                                       "\x2D\x4E,\0\x87\x65\n\0";
        static const char utf8_nul[] = "id,nome\n1,a\0b\n2,c\n";
        static const char zeros[8]   = {0};
        static const char mixed[]    = "a\0\0b\n\0\0c";

        CHECK_EQ_INT(sniff_utf16(le, sizeof(le) - 1), SNIFF_BOM_UTF16LE);
        CHECK_EQ_INT(sniff_utf16(be, sizeof(be) - 1), SNIFF_BOM_UTF16BE);
        /* Mostly CJK: the delimiters and line ends give the NULs. */
        CHECK_EQ_INT(sniff_utf16(cjk, sizeof(cjk) - 1), SNIFF_BOM_UTF16LE);
        CHECK_EQ_INT(sniff_utf16(utf8_nul, sizeof(utf8_nul) - 1),
                     SNIFF_BOM_NONE);
        CHECK_EQ_INT(sniff_utf16(zeros, sizeof(zeros)), SNIFF_BOM_NONE);
        CHECK_EQ_INT(sniff_utf16(mixed, sizeof(mixed) - 1), SNIFF_BOM_NONE);
        CHECK_EQ_INT(sniff_utf16("i\0d\0", 4), SNIFF_BOM_NONE); /* no EOL */
        CHECK_EQ_INT(sniff_utf16("id,nome\n", 8), SNIFF_BOM_NONE);
        CHECK_EQ_INT(sniff_utf16("\n", 1), SNIFF_BOM_NONE);
}

/* UTF-16 is cut after every line end; a code unit or surrogate pair cut
 * by the chunk's end waits for the next chunk. */
static void test_utf16(void)
{
        static const char le[] = "\xFF\xFE"
                                 "a\0\r\0\n\0"
                                 "\x3D\xD8\x00\xDE";
        char err[128], out[64];
        struct text_decoder *d = text_decoder_create("UTF-16LE", err, 128);
        size_t used, n, total = 0, o = 0;

        /* The BOM and "a\r" (cut after the CR). */
        n = text_decoder_utf16(d, le, 5, &used, out, sizeof(out));
        CHECK_EQ_MEM(out, n, "a");
        CHECK_EQ_INT(used, 5);
        total += used;
        o = n;
        n = text_decoder_utf16(d, le + total, 1, &used, out + o, 60);
        CHECK_EQ_MEM(out + o, n, "\r");
        total += used;
        o += n;
        n = text_decoder_utf16(d, le + total, sizeof(le) - 1 - total, &used,
                               out + o, 60);
        CHECK_EQ_MEM(out + o, n, "\n");
        total += used;
        o += n;
        n = text_decoder_utf16(d, le + total, sizeof(le) - 1 - total, &used,
                               out + o, 60);
        CHECK_EQ_MEM(out + o, n, "\xF0\x9F\x98\x80");
        total += used;
        CHECK_EQ_INT(total, sizeof(le) - 1);
        text_decoder_destroy(d);
}

static void test_numbers(void)
{
        static const struct {
                const char *in;
                enum number_style style;
                const char *json; /* NULL: not a number that way */
        } cases[] = {
            {"1500.50", NUMBER_POINT, "1500.50"},
            {"1.234,56", NUMBER_COMMA, "1234.56"},
            {"-1.234.567,89", NUMBER_COMMA, "-1234567.89"},
            {"275,50", NUMBER_COMMA, "275.50"},
            {"1.000", NUMBER_COMMA, "1000"},
            {"+7", NUMBER_POINT, "7"},
            {".5", NUMBER_POINT, "0.5"},
            {"12345678901234567890,5", NUMBER_COMMA, "12345678901234567890.5"},
            {"007", NUMBER_POINT, NULL},
            {"01310100", NUMBER_COMMA, NULL},
            {"1.234,56", NUMBER_POINT, NULL},
            {"1,5", NUMBER_POINT, NULL},
            {"12.34", NUMBER_COMMA, NULL},
            {"N/A", NUMBER_POINT, NULL},
            {"1e5", NUMBER_POINT, NULL}, /* a code more likely than 100000 */
            {" 2.5", NUMBER_POINT, "2.5"},
            {"1 ", NUMBER_POINT, "1"},
            {"\t-3,5 ", NUMBER_COMMA, "-3.5"},
            {" 007", NUMBER_POINT, NULL},
            {" 1 2", NUMBER_POINT, NULL},
            {"  ", NUMBER_POINT, NULL},
            {"1e-05", NUMBER_POINT, "0.00001"},
            {"1.5E3", NUMBER_POINT, "1500"},
            {"-2.5e+20", NUMBER_POINT, "-250000000000000000000"},
            {"1e-05", NUMBER_COMMA, NULL},
            /* ',' thousands and a decimal point (Excel en-US #,##0.00) */
            {"1,234.56", NUMBER_THOUSANDS, "1234.56"},
            {"-1,234,567", NUMBER_THOUSANDS, "-1234567"},
            {"1,234", NUMBER_THOUSANDS, "1234"},
            {"12", NUMBER_THOUSANDS, "12"},
            {"2.5", NUMBER_THOUSANDS, "2.5"},
            {"1,5", NUMBER_THOUSANDS, NULL},
            {"12,34", NUMBER_THOUSANDS, NULL},
            {"1,234.56", NUMBER_COMMA, NULL},
            {"1,234.56", NUMBER_POINT, NULL},
        };
        char out[64], json[64];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct value v;
                int rc = number_parse(cases[i].in, strlen(cases[i].in),
                                      cases[i].style, out, &v);
                if ((rc == 0) != (cases[i].json != NULL)) {
                        fprintf(stderr, "number_parse(%s) = %d\n", cases[i].in,
                                rc);
                        check_failures++;
                        continue;
                }
                if (rc != 0) {
                        continue;
                }
                if (v.type == VALUE_INT) {
                        snprintf(json, sizeof(json), "%lld", (long long)v.as.i);
                } else if (v.type == VALUE_DECIMAL) {
                        decimal_format(v.as.d, json, sizeof(json));
                } else {
                        snprintf(json, sizeof(json), "%.*s", (int)v.as.big.len,
                                 v.as.big.ptr);
                }
                CHECK_EQ_STR(json, cases[i].json);
        }
        CHECK_EQ_INT(number_classify("N/A", 3), NUM_MISSING);
        CHECK_EQ_INT(number_classify("-", 1), NUM_MISSING);
        CHECK_EQ_INT(number_classify("true", 4), NUM_BOOL);
        CHECK_EQ_INT(number_classify("007", 3), NUM_LEADING_0);
        CHECK_EQ_INT(number_classify("1.234", 5),
                     NUM_DEC_POINT | NUM_INT_COMMA);
        CHECK_EQ_INT(number_classify("1,234", 5),
                     NUM_DEC_COMMA | NUM_INT_THOUS);
        CHECK_EQ_INT(number_classify("1,234,567", 9), NUM_INT_THOUS);
        CHECK_EQ_INT(number_classify("1,234.5", 7), NUM_DEC_THOUS);
}

int main(void)
{
        test_dialects();
        test_encodings();
        test_utf16();
        test_utf16_without_bom();
        test_legacy_kind();
        test_numbers();
        return check_exit();
}
