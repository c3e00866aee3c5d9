/* SPDX-License-Identifier: MIT */
#include "checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_MAGIC "csv-producer-state 1"

void checkpoint_init(struct checkpoint *c)
{
        memset(c, 0, sizeof(*c));
        c->line        = 1;
        c->next_record = 1;
}

uint64_t checkpoint_hash(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint64_t h             = 14695981039346656037ULL;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 1099511628211ULL;
        }
        return h;
}

int checkpoint_encode(const struct checkpoint *c, char *buf, size_t size)
{
        int n = snprintf(buf, size,
                         CHECKPOINT_MAGIC "\n"
                                          "source=%s\n"
                                          "generation=%" PRIu64 "\n"
                                          "offset=%" PRIu64 "\n"
                                          "line=%" PRIu64 "\n"
                                          "next_record=%" PRIu64 "\n"
                                          "row_count=%" PRIu64 "\n"
                                          "reset_done=%d\n"
                                          "snapshot_done=%d\n"
                                          "dev=%" PRIu64 "\n"
                                          "ino=%" PRIu64 "\n"
                                          "head_len=%" PRIu64 "\n"
                                          "head_hash=%016" PRIx64 "\n"
                                          "tail_len=%" PRIu64 "\n"
                                          "tail_hash=%016" PRIx64 "\n"
                                          "types=%s\n",
                         c->source, c->generation, c->offset, c->line,
                         c->next_record, c->row_count, c->reset_done ? 1 : 0,
                         c->snapshot_done ? 1 : 0, c->dev, c->ino, c->head_len,
                         c->head_hash, c->tail_len, c->tail_hash, c->types);

        return n < 0 || (size_t)n >= size ? -1 : n;
}

static int parse_u64(const char *v, int base, uint64_t *out)
{
        char *end;

        if (!*v) {
                return -1;
        }
        *out = strtoull(v, &end, base);
        return *end ? -1 : 0;
}

int checkpoint_decode(struct checkpoint *c, const char *text, size_t len,
                      char *errstr, size_t errstr_size)
{
        static const struct {
                const char *key;
                size_t off;
                int base;
        } nums[] = {
            {"generation", offsetof(struct checkpoint, generation), 10},
            {"offset", offsetof(struct checkpoint, offset), 10},
            {"line", offsetof(struct checkpoint, line), 10},
            {"next_record", offsetof(struct checkpoint, next_record), 10},
            {"row_count", offsetof(struct checkpoint, row_count), 10},
            {"dev", offsetof(struct checkpoint, dev), 10},
            {"ino", offsetof(struct checkpoint, ino), 10},
            {"head_len", offsetof(struct checkpoint, head_len), 10},
            {"head_hash", offsetof(struct checkpoint, head_hash), 16},
            {"tail_len", offsetof(struct checkpoint, tail_len), 10},
            {"tail_hash", offsetof(struct checkpoint, tail_hash), 16},
        };
        const char *p   = text;
        const char *end = text + len;
        int line_no     = 0;
        unsigned seen   = 0;

        checkpoint_init(c);
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n       = nl ? (size_t)(nl - p) : (size_t)(end - p);
                char line[CHECKPOINT_TYPES_MAX + 64];
                char *eq;
                uint64_t v;

                line_no++;
                if (n >= sizeof(line)) {
                        snprintf(errstr, errstr_size, "line %d too long",
                                 line_no);
                        return -1;
                }
                memcpy(line, p, n);
                line[n] = '\0';
                p += n + (nl ? 1 : 0);
                if (line_no == 1) {
                        if (strcmp(line, CHECKPOINT_MAGIC) != 0) {
                                snprintf(errstr, errstr_size,
                                         "not a state file (first line '%s')",
                                         line);
                                return -1;
                        }
                        continue;
                }
                if (!line[0]) {
                        continue;
                }
                eq = strchr(line, '=');
                if (!eq) {
                        snprintf(errstr, errstr_size,
                                 "line %d: expected key=value", line_no);
                        return -1;
                }
                *eq++ = '\0';
                if (strcmp(line, "source") == 0) {
                        snprintf(c->source, sizeof(c->source), "%s", eq);
                        continue;
                }
                if (strcmp(line, "types") == 0) {
                        snprintf(c->types, sizeof(c->types), "%s", eq);
                        continue;
                }
                if (strcmp(line, "reset_done") == 0 ||
                    strcmp(line, "snapshot_done") == 0) {
                        bool b = strcmp(eq, "1") == 0;
                        if (line[0] == 'r') {
                                c->reset_done = b;
                        } else {
                                c->snapshot_done = b;
                        }
                        continue;
                }
                for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
                        if (strcmp(line, nums[i].key) != 0) {
                                continue;
                        }
                        if (parse_u64(eq, nums[i].base, &v) != 0) {
                                snprintf(errstr, errstr_size,
                                         "line %d: bad number for %s", line_no,
                                         line);
                                return -1;
                        }
                        memcpy((char *)c + nums[i].off, &v, sizeof(v));
                        seen |= 1u << i;
                }
        }
        if (line_no == 0) {
                snprintf(errstr, errstr_size, "empty state file");
                return -1;
        }
        if ((seen & 0x1f) != 0x1f) {
                snprintf(errstr, errstr_size, "incomplete state file");
                return -1;
        }
        return 0;
}
