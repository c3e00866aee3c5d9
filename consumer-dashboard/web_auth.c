/* SPDX-License-Identifier: MIT */
#include "web_auth.h"

#include <string.h>
#include <strings.h>

#include <civetweb.h>

#define AUTH_HEADER_MAX 1024

static int b64val(char c)
{
        if (c >= 'A' && c <= 'Z') {
                return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
                return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
                return c - '0' + 52;
        }
        return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes base64 text; -1 on bad input or when out is too small. */
static int b64decode(const char *in, char *out, size_t size)
{
        size_t o     = 0;
        unsigned acc = 0;
        int bits     = 0;
        for (; *in && *in != '='; in++) {
                int v = b64val(*in);
                if (v < 0) {
                        return -1;
                }
                acc = (acc << 6) | (unsigned)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        if (o + 1 >= size) {
                                return -1;
                        }
                        out[o++] = (char)((acc >> bits) & 0xFF);
                }
        }
        out[o] = '\0';
        return (int)o;
}

/* Compares without an early exit, so timing does not reveal a prefix. */
static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
        unsigned char diff = alen != blen;
        for (size_t i = 0; i < alen && i < blen; i++) {
                diff |= (unsigned char)(a[i] ^ b[i]);
        }
        return diff == 0;
}

bool web_auth_check(const struct mg_connection *conn, const char *credentials)
{
        if (!credentials) {
                return true;
        }
        const char *h = mg_get_header(conn, "Authorization");
        if (!h || strlen(h) > AUTH_HEADER_MAX ||
            strncasecmp(h, "Basic ", 6) != 0) {
                return false;
        }
        char decoded[AUTH_HEADER_MAX];
        int n = b64decode(h + 6, decoded, sizeof(decoded));
        if (n < 0) {
                return false;
        }
        return same(decoded, (size_t)n, credentials, strlen(credentials));
}
