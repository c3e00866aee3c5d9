/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the dialect sniffer and the UTF-16 decoder, which see
 * the first bytes of every file a user drops in.
 *
 * Input: byte 0 picks a forced delimiter / quote (or none), the rest is the
 * start of a file. Checked for every input:
 *   - the detected delimiter is a candidate, none (one column) or the
 *     forced one; a non-empty sample without a sep line never gets the
 *     empty sample's default; the quote
 *     is '"' or '\'' (or the forced one), the sep line lies in the sample;
 *   - the text and JSON descriptions are NUL-terminated within their
 *     buffers;
 *   - UTF-16 conversion in chunks of any size gives the same text as in
 *     one piece, never writes past its buffer, and consumes every byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sniffer.h"
#include "text_decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX (1 << 18)

/* Converts all of in; chunk 0 means in one piece. Returns the length. */
static size_t utf16_all(const char *name, const char *in, size_t len,
                        size_t chunk, char *out)
{
        char err[128];
        struct text_decoder *d = text_decoder_create(name, err, sizeof(err));
        size_t o = 0, i = 0;

        if (!d) {
                abort();
        }
        while (i < len) {
                size_t end  = chunk && i + chunk < len ? i + chunk : len;
                size_t used = 0;
                /* A small buffer forces cuts inside lines too. */
                size_t n =
                    text_decoder_utf16(d, in + i, end - i, &used, out + o, 16);
                if (n > 16 || used > end - i || o + n > OUT_MAX) {
                        abort();
                }
                o += n;
                i += used;
                if (used == 0 && n == 0) {
                        abort(); /* no progress */
                }
        }
        text_decoder_destroy(d);
        return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char forced_delims[4] = {0, ',', ';', '\t'};
        static const char forced_quotes[2] = {0, '\''};
        static char a[OUT_MAX], b[OUT_MAX];
        char text[256], json[256];
        struct sniff_dialect d;
        const char *buf;
        size_t len, bom_len;
        char fd, fq;

        if (size < 1 || size > OUT_MAX / 8) {
                return 0;
        }
        fd  = forced_delims[data[0] & 3];
        fq  = forced_quotes[(data[0] >> 2) & 1];
        buf = (const char *)data + 1;
        len = size - 1;

        (void)sniff_bom(buf, len, &bom_len);
        (void)sniff_text(buf, len);
        d = sniff_detect(buf, len, fd, fq);
        if (fd ? d.delimiter != fd
               : d.skip == 0 &&
                     (d.delimiter == SNIFF_NO_DELIMITER
                          ? len == 0
                          : !strchr(",;\t|", d.delimiter) ||
                                (len > 0 && !d.delimiter_detected))) {
                abort();
        }
        if (fq ? d.quote != fq : d.quote != '"' && d.quote != '\'') {
                abort();
        }
        if (d.skip > len || (d.eol != '\n' && d.eol != '\r')) {
                abort();
        }
        sniff_describe(&d, text, sizeof(text));
        sniff_json(&d, "UTF-8", json, sizeof(json));
        if (!memchr(text, '\0', sizeof(text)) ||
            !memchr(json, '\0', sizeof(json))) {
                abort();
        }

        const char *name = (data[0] & 8) ? "UTF-16BE" : "UTF-16LE";
        size_t whole     = utf16_all(name, buf, len, 0, a);
        size_t pieces    = utf16_all(name, buf, len, 1 + (data[0] >> 4), b);
        if (whole != pieces || memcmp(a, b, whole) != 0) {
                abort();
        }
        return 0;
}
