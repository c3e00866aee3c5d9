/* SPDX-License-Identifier: MIT */
#include "sniffer.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "row_parser.h"

static const char candidates[] = {',', ';', '\t', '|'};
#define CANDIDATE_COUNT (sizeof(candidates) / sizeof(candidates[0]))

enum sniff_bom sniff_bom(const char *buf, size_t len, size_t *bom_len)
{
        const unsigned char *s = (const unsigned char *)buf;

        *bom_len = 0;
        if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
                *bom_len = 3;
                return SNIFF_BOM_UTF8;
        }
        if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
                *bom_len = 2;
                return SNIFF_BOM_UTF16LE;
        }
        if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
                *bom_len = 2;
                return SNIFF_BOM_UTF16BE;
        }
        return SNIFF_BOM_NONE;
}

enum sniff_bom sniff_utf16(const char *buf, size_t len)
{
        const unsigned char *s = (const unsigned char *)buf;
        size_t n =
            len < SNIFF_UTF16_SAMPLE_BYTES ? len : SNIFF_UTF16_SAMPLE_BYTES;
        size_t units  = n / 2;
        size_t nul_lo = 0; /* NUL as the unit's first byte (BE ASCII) */
        size_t nul_hi = 0; /* NUL as the unit's second byte (LE ASCII) */
        bool eol_le = false, eol_be = false;

        for (size_t u = 0; u < units; u++) {
                unsigned char a = s[2 * u], b = s[2 * u + 1];
                nul_lo += a == 0 && b != 0;
                nul_hi += b == 0 && a != 0;
                eol_le = eol_le || (b == 0 && (a == '\n' || a == '\r'));
                eol_be = eol_be || (a == 0 && (b == '\n' || b == '\r'));
        }
        if (units < 2) {
                return SNIFF_BOM_NONE;
        }
        if (eol_le && nul_hi * 4 >= units && nul_lo * 16 <= nul_hi) {
                return SNIFF_BOM_UTF16LE;
        }
        if (eol_be && nul_lo * 4 >= units && nul_hi * 16 <= nul_lo) {
                return SNIFF_BOM_UTF16BE;
        }
        return SNIFF_BOM_NONE;
}

static bool ascii_letter(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

enum sniff_legacy sniff_legacy(const char *buf, size_t len)
{
        /* Mac OS Roman letters whose Windows-1252 byte is a symbol no word
         * holds, or undefined: a, a, a, a, c, e, e, i, o, o, o, u with
         * their accents, and A, C, E, N, U. Not its letters that would be
         * Windows-1252's quotes, dashes ("word\u2014word"), S, Z or oe:
         * those occur inside words in Windows-1252 too. */
        static const unsigned char mac_only[] = {
            0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8B,
            0x8D, 0x8F, 0x90, 0x95, 0x98, 0x99, 0x9B, 0x9D};
        const unsigned char *s = (const unsigned char *)buf;
        size_t mac = 0, windows = 0;

        for (size_t i = 1; i + 1 < len; i++) {
                if (s[i] < 0x80 || !ascii_letter(s[i - 1]) ||
                    !ascii_letter(s[i + 1])) {
                        continue;
                }
                if (s[i] >= 0xC0) {
                        windows++;
                } else if (memchr(mac_only, s[i], sizeof(mac_only))) {
                        mac++;
                }
        }
        return mac > windows ? SNIFF_LEGACY_MAC_ROMAN
                             : SNIFF_LEGACY_WINDOWS_1252;
}

/* True when s[0..len) is the start of a UTF-8 character that the end of
 * the sample cut (a lead byte followed only by continuation bytes). */
static bool cut_character(const unsigned char *s, size_t len)
{
        if (len == 0 || len > 3 || (s[0] & 0xC0) != 0xC0) {
                return false;
        }
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80) {
                        return false;
                }
        }
        return true;
}

enum sniff_text sniff_text(const char *buf, size_t len)
{
        const unsigned char *s = (const unsigned char *)buf;
        size_t valid           = 0; /* multi-byte characters */
        size_t invalid         = 0; /* bytes that start no character */
        size_t i               = 0;

        while (i < len) {
                size_t good = row_parser_utf8_check(buf + i, len - i);
                for (size_t k = i; k < i + good; k++) {
                        valid += s[k] >= 0xC0;
                }
                i += good;
                if (i < len) {
                        if (cut_character(s + i, len - i)) {
                                break;
                        }
                        invalid++;
                        i++;
                }
        }
        if (valid == 0 && invalid == 0) {
                return SNIFF_TEXT_ASCII;
        }
        /* Legacy text seldom forms valid UTF-8 sequences by chance; a UTF-8
         * file with a few broken bytes has many good characters. */
        return valid >= invalid && valid > 0 ? SNIFF_TEXT_UTF8
                                             : SNIFF_TEXT_OTHER;
}

/* Where lines end: LF (and CRLF) unless the sample has CRs and no LF. */
static void detect_eol(const char *buf, size_t len, struct sniff_dialect *d)
{
        const char *lf = memchr(buf, '\n', len);

        d->eol  = '\n';
        d->crlf = false;
        if (lf) {
                d->crlf = lf > buf && lf[-1] == '\r';
        } else if (memchr(buf, '\r', len)) {
                d->eol = '\r';
        }
}

/* Length of an Excel "sep=X" first line, eol included, or 0. */
static size_t sep_line(const char *buf, size_t len, char *delim)
{
        size_t n = 5;

        /* A delimiter Excel would write: punctuation or TAB. */
        if (len < 5 || strncmp(buf, "sep=", 4) != 0 ||
            !(buf[4] == '\t' || ispunct((unsigned char)buf[4])) ||
            buf[4] == '"' || buf[4] == '\'') {
                return 0;
        }
        if (n < len && buf[n] == '\r') {
                n++;
        }
        if (n < len && buf[n] == '\n') {
                n++;
        }
        if (n == 5 && n < len) {
                return 0; /* more text on the line: not a sep line */
        }
        *delim = buf[4];
        return n;
}

/*
 * Splits up to SNIFF_SAMPLE_RECORDS records of buf with delim (quotes
 * respected) and scores the result: how many data records have the
 * header's field count. Only complete records count, so a sample cut in
 * the middle of a record does not lower the score; blank lines do not
 * count (the parser skips them). spaced counts the delimiters followed by
 * a space, the way commas and semicolons sit in prose.
 */
struct score {
        size_t header_fields;
        size_t records;
        size_t matching;
        size_t spaced;
};

static struct score score_delimiter(const char *buf, size_t len, char delim,
                                    char quote, char eol)
{
        struct score sc  = {0};
        size_t fields    = 1;
        bool in_quotes   = false;
        bool field_start = true;
        bool blank       = true;
        size_t n_records = 0;

        for (size_t i = 0; i < len && n_records <= SNIFF_SAMPLE_RECORDS; i++) {
                char c = buf[i];
                if (in_quotes) {
                        if (c == quote) {
                                if (i + 1 < len && buf[i + 1] == quote) {
                                        i++;
                                } else {
                                        in_quotes = false;
                                }
                        }
                        continue;
                }
                if (c == quote && field_start) {
                        in_quotes   = true;
                        field_start = false;
                        blank       = false;
                } else if (c == delim) {
                        fields++;
                        field_start = true;
                        blank       = false;
                        sc.spaced += i + 1 < len && buf[i + 1] == ' ';
                } else if (c == eol) {
                        if (blank) {
                                continue; /* a blank line */
                        }
                        if (n_records == 0) {
                                sc.header_fields = fields;
                        } else {
                                sc.records++;
                                sc.matching += fields == sc.header_fields;
                        }
                        n_records++;
                        fields      = 1;
                        field_start = true;
                        blank       = true;
                } else if (c != '\r') {
                        field_start = false;
                        blank       = false;
                }
        }
        if (n_records == 0) {
                sc.header_fields = fields; /* a header without its newline */
        }
        return sc;
}

/* True when a beats b: more consistent, then fewer delimiters that look
 * like prose (a TSV whose text has ", "), then more fields. */
static bool better(struct score a, struct score b)
{
        /* Compare matching/records without division. */
        size_t ra = a.records ? a.records : 1, rb = b.records ? b.records : 1;
        size_t ma = a.records ? a.matching : 1, mb = b.records ? b.matching : 1;

        if (a.header_fields < 2) {
                return false;
        }
        if (b.header_fields < 2) {
                return true;
        }
        if (ma * rb != mb * ra) {
                return ma * rb > mb * ra;
        }
        if (a.spaced != b.spaced) {
                return a.spaced < b.spaced;
        }
        return a.header_fields > b.header_fields;
}

/* A quote character: '"' unless the sample has none and wraps fields in
 * single quotes ('a','b'). */
static char detect_quote(const char *buf, size_t len, char delim, char eol)
{
        size_t wrapped = 0;

        if (memchr(buf, '"', len)) {
                return '"';
        }
        for (size_t i = 0; i < len; i++) {
                bool start = i == 0 || buf[i - 1] == delim || buf[i - 1] == eol;
                if (buf[i] != '\'' || !start) {
                        continue;
                }
                for (size_t k = i + 1; k < len; k++) {
                        if (buf[k] == eol) {
                                break;
                        }
                        if (buf[k] == '\'' &&
                            (k + 1 == len || buf[k + 1] == delim ||
                             buf[k + 1] == eol || buf[k + 1] == '\r')) {
                                wrapped++;
                                i = k;
                                break;
                        }
                }
        }
        return wrapped >= 2 ? '\'' : '"';
}

struct sniff_dialect sniff_detect(const char *buf, size_t len,
                                  char forced_delimiter, char forced_quote)
{
        struct sniff_dialect d = {.delimiter = ',', .quote = '"'};
        char sep               = 0;
        struct score best      = {0};

        if (len > SNIFF_SAMPLE_BYTES) {
                len = SNIFF_SAMPLE_BYTES;
        }
        detect_eol(buf, len, &d);
        d.skip = sep_line(buf, len, &sep);
        buf += d.skip;
        len -= d.skip;
        if (forced_delimiter) {
                d.delimiter = forced_delimiter;
        } else if (sep) {
                d.delimiter          = sep;
                d.delimiter_detected = true;
        } else if (len > 0) {
                /* A header that no candidate splits is one column: commas
                 * in its records are text, not delimiters. */
                d.delimiter          = SNIFF_NO_DELIMITER;
                d.delimiter_detected = true;
                for (size_t i = 0; i < CANDIDATE_COUNT; i++) {
                        struct score sc = score_delimiter(
                            buf, len, candidates[i], '"', d.eol);
                        if (better(sc, best)) {
                                best        = sc;
                                d.delimiter = candidates[i];
                        }
                }
        }
        d.quote = forced_quote ? forced_quote
                               : detect_quote(buf, len, d.delimiter, d.eol);
        return d;
}

/* A character as JSON string content (tmp: at least 7 bytes). */
static const char *char_name(char c, char *tmp)
{
        if (c == '\t') {
                return "\\t";
        }
        if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x80) {
                snprintf(tmp, 7, "\\u%04x", (unsigned)(unsigned char)c);
                return tmp;
        }
        if (c == '"') {
                return "\\\"";
        }
        if (c == '\\') {
                return "\\\\";
        }
        tmp[0] = c;
        tmp[1] = '\0';
        return tmp;
}

static const char *newline_name(const struct sniff_dialect *d)
{
        return d->eol == '\r' ? "cr" : d->crlf ? "crlf" : "lf";
}

void sniff_describe(const struct sniff_dialect *d, char *buf, size_t size)
{
        char a[8], b[8];

        snprintf(buf, size,
                 "delimiter=%s%s%s quote=\"%s\" newline=%s sep_line=%s",
                 d->delimiter ? "\"" : "",
                 d->delimiter ? char_name(d->delimiter, a) : "none",
                 d->delimiter ? "\"" : "", char_name(d->quote, b),
                 newline_name(d), d->skip ? "yes" : "no");
}

void sniff_json(const struct sniff_dialect *d, const char *encoding, char *buf,
                size_t size)
{
        char a[8], b[8];

        snprintf(buf, size,
                 "{\"delimiter\":%s%s%s,\"quote\":\"%s\",\"newline\":\"%s\","
                 "\"sep_line\":%s,\"encoding\":\"%s\"}",
                 d->delimiter ? "\"" : "",
                 d->delimiter ? char_name(d->delimiter, a) : "null",
                 d->delimiter ? "\"" : "", char_name(d->quote, b),
                 newline_name(d), d->skip ? "true" : "false", encoding);
}
