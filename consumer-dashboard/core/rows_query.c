/* SPDX-License-Identifier: MIT */
#include "rows_query.h"

#include <stdio.h>
#include <string.h>

#include "common/wire.h"

/* Bytes of one decoded value (a source id can be a long path). */
#define ROWS_QUERY_VALUE_MAX 1024

static int hexval(char c)
{
        if (c >= '0' && c <= '9') {
                return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
        }
        return -1;
}

/* URL-decodes s[0..len) into out (size bytes). -1: bad escape or too long. */
static int url_decode(const char *s, size_t len, char *out, size_t size)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '+') {
                        c = ' ';
                } else if (c == '%') {
                        int hi, lo;
                        if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
                            (lo = hexval(s[i + 2])) < 0) {
                                return -1;
                        }
                        c = (char)(hi * 16 + lo);
                        i += 2;
                }
                if (c == '\0' || o + 1 >= size) {
                        return -1;
                }
                out[o++] = c;
        }
        out[o] = '\0';
        return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
        if (!*s) {
                return -1;
        }
        return wire_parse_u64(s, strlen(s), out);
}

int rows_query_parse(const char *qs, bool allow_paging, struct rows_query *q,
                     char *errstr, size_t errstr_size)
{
        memset(q, 0, sizeof(*q));
        q->page       = 1;
        q->size       = ROWS_PAGE_SIZE_DEFAULT;
        q->desc       = true;
        const char *p = qs ? qs : "";
        while (*p) {
                const char *amp = strchr(p, '&');
                size_t len      = amp ? (size_t)(amp - p) : strlen(p);
                const char *eq  = memchr(p, '=', len);
                char key[32], val[ROWS_QUERY_VALUE_MAX];
                size_t klen = eq ? (size_t)(eq - p) : len;
                if (len == 0) {
                        p += amp ? 1 : 0;
                        if (!amp) {
                                break;
                        }
                        continue;
                }
                if (url_decode(p, klen, key, sizeof(key)) != 0 ||
                    url_decode(eq ? eq + 1 : p + len, eq ? len - klen - 1 : 0,
                               val, sizeof(val)) != 0) {
                        snprintf(errstr, errstr_size,
                                 "malformed query parameter");
                        return -1;
                }
                if (allow_paging && strcmp(key, "page") == 0) {
                        if (parse_u64(val, &q->page) != 0 || q->page == 0) {
                                snprintf(errstr, errstr_size,
                                         "page must be an integer >= 1");
                                return -1;
                        }
                } else if (allow_paging && strcmp(key, "size") == 0) {
                        if (parse_u64(val, &q->size) != 0 || q->size == 0 ||
                            q->size > ROWS_PAGE_SIZE_MAX) {
                                snprintf(errstr, errstr_size,
                                         "size must be an integer in 1..%d",
                                         ROWS_PAGE_SIZE_MAX);
                                return -1;
                        }
                } else if ((strcmp(key, "sort") == 0 ||
                            strcmp(key, "filter") == 0) &&
                           strlen(val) >= sizeof(q->sort)) {
                        snprintf(errstr, errstr_size, "%s is too long", key);
                        return -1;
                } else if (strcmp(key, "sort") == 0) {
                        memcpy(q->sort, val, sizeof(q->sort));
                } else if (strcmp(key, "filter") == 0) {
                        memcpy(q->filter, val, sizeof(q->filter));
                        q->filter_given = true;
                } else if (strcmp(key, "order") == 0) {
                        if (strcmp(val, "asc") && strcmp(val, "desc")) {
                                snprintf(errstr, errstr_size,
                                         "order must be asc or desc");
                                return -1;
                        }
                        q->desc        = strcmp(val, "desc") == 0;
                        q->order_given = true;
                } else if (strcmp(key, "value") && strcmp(key, "category") &&
                           strcmp(key, "age") && strcmp(key, "label") &&
                           strcmp(key, "source")) {
                        /* (the roles and the source are the viewer's, read
                         * by the web server: aggregates_set_viewer_roles,
                         * aggregates_set_viewer_source) */
                        snprintf(errstr, errstr_size,
                                 "unknown query parameter '%.31s'", key);
                        return -1;
                }
                if (!amp) {
                        break;
                }
                p = amp + 1;
        }
        if (q->page > UINT64_MAX / q->size) {
                snprintf(errstr, errstr_size, "page out of range");
                return -1;
        }
        return 0;
}
