/* SPDX-License-Identifier: MIT */
#include "text_decoder.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TEXT_DECODER_NAME_MAX 64

/* The 0x80-0x9F range of Windows-1252; the five bytes it leaves undefined
 * map to the C1 controls of the same value, as web browsers do. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

enum table {
        TABLE_NONE = 0,
        TABLE_CP1252,
        TABLE_LATIN1,
};

struct text_decoder {
        enum text_encoding_kind kind;
        enum table table;
        iconv_t cd;
        char name[TEXT_DECODER_NAME_MAX];
        unsigned char pend[4]; /* UTF-16: bytes of a cut character */
        size_t pend_len;
        bool at_start;
};

static bool name_is(const char *name, const char *const *list)
{
        for (; *list; list++) {
                if (strcasecmp(name, *list) == 0) {
                        return true;
                }
        }
        return false;
}

struct text_decoder *text_decoder_create(const char *name, char *errstr,
                                         size_t errstr_size)
{
        static const char *const utf8[]    = {"UTF-8", "UTF8", NULL};
        static const char *const le[]      = {"UTF-16LE", "UTF16LE", NULL};
        static const char *const be[]      = {"UTF-16BE", "UTF16BE", NULL};
        static const char *const cp1252[]  = {"WINDOWS-1252", "CP1252",
                                              "WIN1252", NULL};
        static const char *const latin1[]  = {"ISO-8859-1", "ISO8859-1",
                                              "LATIN1", "LATIN-1", NULL};
        static const char *const refused[] = {"UTF-16",   "UTF-32", "UTF-32LE",
                                              "UTF-32BE", "UCS-2",  NULL};
        struct text_decoder *d             = calloc(1, sizeof(*d));

        if (!d) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        d->cd       = (iconv_t)-1;
        d->at_start = true;
        if (name_is(name, utf8)) {
                d->kind = TEXT_UTF8;
                snprintf(d->name, sizeof(d->name), "UTF-8");
        } else if (name_is(name, le)) {
                d->kind = TEXT_UTF16LE;
                snprintf(d->name, sizeof(d->name), "UTF-16LE");
        } else if (name_is(name, be)) {
                d->kind = TEXT_UTF16BE;
                snprintf(d->name, sizeof(d->name), "UTF-16BE");
        } else if (name_is(name, cp1252)) {
                d->kind  = TEXT_SINGLE_BYTE;
                d->table = TABLE_CP1252;
                snprintf(d->name, sizeof(d->name), "WINDOWS-1252");
        } else if (name_is(name, latin1)) {
                d->kind  = TEXT_SINGLE_BYTE;
                d->table = TABLE_LATIN1;
                snprintf(d->name, sizeof(d->name), "ISO-8859-1");
        } else if (name_is(name, refused) ||
                   strlen(name) >= TEXT_DECODER_NAME_MAX) {
                snprintf(errstr, errstr_size,
                         "encoding %s is not supported (UTF-8, UTF-16LE, "
                         "UTF-16BE or an ASCII-based encoding)",
                         name);
                free(d);
                return NULL;
        } else {
                d->cd = iconv_open("UTF-8", name);
                if (d->cd == (iconv_t)-1) {
                        snprintf(errstr, errstr_size, "unknown encoding %s",
                                 name);
                        free(d);
                        return NULL;
                }
                d->kind = TEXT_SINGLE_BYTE;
                snprintf(d->name, sizeof(d->name), "%s", name);
        }
        return d;
}

void text_decoder_destroy(struct text_decoder *d)
{
        if (!d) {
                return;
        }
        if (d->cd != (iconv_t)-1) {
                iconv_close(d->cd);
        }
        free(d);
}

enum text_encoding_kind text_decoder_kind(const struct text_decoder *d)
{
        return d->kind;
}

const char *text_decoder_name(const struct text_decoder *d)
{
        return d->name;
}

void text_decoder_seek(struct text_decoder *d, bool at_file_start)
{
        d->pend_len = 0;
        d->at_start = at_file_start;
        if (d->cd != (iconv_t)-1) {
                (void)iconv(d->cd, NULL, NULL, NULL, NULL); /* initial state */
        }
}

void text_decoder_reset(struct text_decoder *d)
{
        text_decoder_seek(d, true);
}

static size_t put_utf8(char *o, uint32_t cp)
{
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char)(0xC0 | (cp >> 6));
                o[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char)(0xE0 | (cp >> 12));
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

static int reserve(char **buf, size_t *cap, size_t need)
{
        size_t n = *cap ? *cap : 256;
        char *p;

        if (need <= *cap) {
                return 0;
        }
        while (n < need) {
                n *= 2;
        }
        p = realloc(*buf, n);
        if (!p) {
                return -1;
        }
        *buf = p;
        *cap = n;
        return 0;
}

static long convert_iconv(struct text_decoder *d, const char *in, size_t len,
                          char **buf, size_t *cap)
{
        size_t out_len = 0;
        char *ip       = (char *)in; /* iconv's prototype is not const */
        size_t left    = len;

        (void)iconv(d->cd, NULL, NULL, NULL, NULL);
        while (left > 0) {
                char *op;
                size_t room;

                if (reserve(buf, cap, out_len + left * 4 + 8) != 0) {
                        return -1;
                }
                op   = *buf + out_len;
                room = *cap - out_len;
                if (iconv(d->cd, &ip, &left, &op, &room) == (size_t)-1 &&
                    errno != E2BIG) {
                        /* Not in the encoding (or cut): mark and skip. */
                        *op++ = (char)0xFF;
                        ip++;
                        left--;
                }
                out_len = (size_t)(op - *buf);
        }
        return (long)out_len;
}

long text_decoder_convert(struct text_decoder *d, const char *in, size_t len,
                          char **buf, size_t *cap)
{
        char *o;

        if (d->table == TABLE_NONE) {
                if (d->kind == TEXT_UTF8) {
                        if (reserve(buf, cap, len + 1) != 0) {
                                return -1;
                        }
                        memcpy(*buf, in, len);
                        return (long)len;
                }
                return convert_iconv(d, in, len, buf, cap);
        }
        if (reserve(buf, cap, len * 3 + 1) != 0) {
                return -1;
        }
        o = *buf;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)in[i];
                uint32_t cp     = c;
                if (c >= 0x80 && c < 0xA0 && d->table == TABLE_CP1252) {
                        cp = cp1252_high[c - 0x80];
                }
                o += put_utf8(o, cp);
        }
        return (long)(o - *buf);
}

static uint32_t unit_at(const struct text_decoder *d, const unsigned char *u)
{
        return d->kind == TEXT_UTF16LE ? (uint32_t)(u[0] | (u[1] << 8))
                                       : (uint32_t)((u[0] << 8) | u[1]);
}

size_t text_decoder_utf16(struct text_decoder *d, const char *in, size_t len,
                          size_t *used, char *out, size_t out_cap)
{
        const unsigned char *s = (const unsigned char *)in;
        size_t i               = 0;
        size_t o               = 0;

        while (o + 4 <= out_cap) {
                unsigned char unit[4];
                size_t have = d->pend_len;
                uint32_t cp;
                size_t take, consumed;

                /* Gather up to 4 bytes: the held ones, then fresh input. */
                memcpy(unit, d->pend, have);
                take = 4 - have < len - i ? 4 - have : len - i;
                memcpy(unit + have, s + i, take);
                if (have + take < 2) {
                        memcpy(d->pend, unit, have + take);
                        d->pend_len = have + take;
                        i += take;
                        break;
                }
                cp       = unit_at(d, unit);
                consumed = 2;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        uint32_t lo;
                        if (have + take < 4) {
                                memcpy(d->pend, unit, have + take);
                                d->pend_len = have + take;
                                i += take;
                                break;
                        }
                        lo = unit_at(d, unit + 2);
                        if (lo >= 0xDC00 && lo <= 0xDFFF) {
                                cp = 0x10000 + ((cp - 0xD800) << 10) +
                                     (lo - 0xDC00);
                                consumed = 4;
                        } else {
                                cp = UINT32_MAX;
                        }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        cp = UINT32_MAX;
                }
                if (consumed <= have) {
                        /* Only held bytes were used: keep the rest held. */
                        memmove(d->pend, d->pend + consumed, have - consumed);
                        d->pend_len = have - consumed;
                } else {
                        i += consumed - have;
                        d->pend_len = 0;
                }
                if (d->at_start) {
                        d->at_start = false;
                        if (cp == 0xFEFF) {
                                continue;
                        }
                }
                if (cp == UINT32_MAX) {
                        out[o++] = (char)0xFF;
                } else {
                        o += put_utf8(out + o, cp);
                }
                if (cp == '\n' || cp == '\r') {
                        break;
                }
                if (i >= len && d->pend_len < 2) {
                        break;
                }
        }
        *used = i;
        return o;
}

size_t text_decoder_pending(const struct text_decoder *d)
{
        return d->pend_len;
}

size_t text_decoder_utf16_finish(struct text_decoder *d, size_t *held,
                                 char *out, size_t out_cap)
{
        *held = 0;
        if (d->pend_len == 0 || out_cap == 0) {
                return 0;
        }
        *held       = d->pend_len;
        d->pend_len = 0;
        out[0]      = (char)0xFF;
        return 1;
}
