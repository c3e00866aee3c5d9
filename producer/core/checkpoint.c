/* SPDX-License-Identifier: MIT */
#include "checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_MAGIC    "csv-producer-state 2"
#define CHECKPOINT_MAGIC_V1 "csv-producer-state 1"

/* The numbers of a state file, in the order they are written. Booleans are
 * written as 0/1; hashes in hex. The first five are required. */
enum num_kind { NUM_DEC, NUM_HEX, NUM_BOOL };

static const struct {
        const char *key;
        size_t off;
        enum num_kind kind;
} nums[] = {
    {"generation", offsetof(struct checkpoint, generation), NUM_DEC},
    {"offset", offsetof(struct checkpoint, offset), NUM_DEC},
    {"line", offsetof(struct checkpoint, line), NUM_DEC},
    {"next_record", offsetof(struct checkpoint, next_record), NUM_DEC},
    {"row_count", offsetof(struct checkpoint, row_count), NUM_DEC},
    {"reset_done", offsetof(struct checkpoint, reset_done), NUM_BOOL},
    {"snapshot_done", offsetof(struct checkpoint, snapshot_done), NUM_BOOL},
    {"deleted", offsetof(struct checkpoint, deleted), NUM_BOOL},
    {"dev", offsetof(struct checkpoint, dev), NUM_DEC},
    {"ino", offsetof(struct checkpoint, ino), NUM_DEC},
    {"size", offsetof(struct checkpoint, size), NUM_DEC},
    {"mtime_ns", offsetof(struct checkpoint, mtime_ns), NUM_DEC},
    {"ctime_ns", offsetof(struct checkpoint, ctime_ns), NUM_DEC},
    {"racy", offsetof(struct checkpoint, racy), NUM_BOOL},
    {"head_len", offsetof(struct checkpoint, head_len), NUM_DEC},
    {"fp_len", offsetof(struct checkpoint, fp_len), NUM_DEC},
    {"fp_hash", offsetof(struct checkpoint, fp_hash), NUM_HEX},
    {"fp_fold_len", offsetof(struct checkpoint, fp_fold_len), NUM_DEC},
    {"fp_fold", offsetof(struct checkpoint, fp_fold), NUM_HEX},
    {"reading", offsetof(struct checkpoint, reading), NUM_HEX},
};

#define NUM_COUNT    (sizeof(nums) / sizeof(nums[0]))
#define NUM_REQUIRED 0x1fu
#define SEEN_TYPES   (1u << 31)

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

static uint64_t get_num(const struct checkpoint *c, size_t i)
{
        const char *at = (const char *)c + nums[i].off;
        uint64_t v;
        bool b;

        if (nums[i].kind == NUM_BOOL) {
                memcpy(&b, at, sizeof(b));
                return b ? 1 : 0;
        }
        memcpy(&v, at, sizeof(v));
        return v;
}

static void set_num(struct checkpoint *c, size_t i, uint64_t v)
{
        char *at = (char *)c + nums[i].off;
        bool b   = v != 0;

        if (nums[i].kind == NUM_BOOL) {
                memcpy(at, &b, sizeof(b));
        } else {
                memcpy(at, &v, sizeof(v));
        }
}

int checkpoint_encode(const struct checkpoint *c, char *buf, size_t size)
{
        size_t used = 0;
        int n = snprintf(buf, size, CHECKPOINT_MAGIC "\nsource=%s\ntopic=%s\n",
                         c->source, c->topic);

        for (size_t i = 0; n >= 0 && i <= NUM_COUNT; i++) {
                used += (size_t)n;
                if (used >= size) {
                        return -1;
                }
                if (i == NUM_COUNT) {
                        n = snprintf(buf + used, size - used, "types=%s\n",
                                     c->types);
                } else if (nums[i].kind == NUM_HEX) {
                        n = snprintf(buf + used, size - used,
                                     "%s=%016" PRIx64 "\n", nums[i].key,
                                     get_num(c, i));
                } else {
                        n = snprintf(buf + used, size - used,
                                     "%s=%" PRIu64 "\n", nums[i].key,
                                     get_num(c, i));
                }
        }
        if (n < 0 || used + (size_t)n >= size) {
                return -1;
        }
        return (int)(used + (size_t)n);
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

static int decode_line(struct checkpoint *c, char *line, int line_no,
                       unsigned *seen, char *errstr, size_t errstr_size)
{
        char *eq = strchr(line, '=');
        uint64_t v;

        if (!eq) {
                snprintf(errstr, errstr_size, "line %d: expected key=value",
                         line_no);
                return -1;
        }
        *eq++ = '\0';
        if (strcmp(line, "source") == 0) {
                snprintf(c->source, sizeof(c->source), "%s", eq);
                return 0;
        }
        if (strcmp(line, "topic") == 0) {
                snprintf(c->topic, sizeof(c->topic), "%s", eq);
                return 0;
        }
        if (strcmp(line, "types") == 0) {
                snprintf(c->types, sizeof(c->types), "%s", eq);
                *seen |= SEEN_TYPES;
                return 0;
        }
        for (size_t i = 0; i < NUM_COUNT; i++) {
                if (strcmp(line, nums[i].key) != 0) {
                        continue;
                }
                if (parse_u64(eq, nums[i].kind == NUM_HEX ? 16 : 10, &v) != 0) {
                        snprintf(errstr, errstr_size,
                                 "line %d: bad number for %s", line_no, line);
                        return -1;
                }
                set_num(c, i, v);
                *seen |= 1u << i;
        }
        return 0; /* unknown keys: written by a newer version, ignored */
}

int checkpoint_decode(struct checkpoint *c, const char *text, size_t len,
                      char *errstr, size_t errstr_size)
{
        const char *p   = text;
        const char *end = text + len;
        int line_no     = 0;
        unsigned seen   = 0;

        checkpoint_init(c);
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n       = nl ? (size_t)(nl - p) : (size_t)(end - p);
                char line[CHECKPOINT_TYPES_MAX + 64];

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
                        if (strcmp(line, CHECKPOINT_MAGIC) == 0) {
                                continue;
                        }
                        if (strcmp(line, CHECKPOINT_MAGIC_V1) == 0) {
                                snprintf(errstr, errstr_size,
                                         "state of an older version (no "
                                         "fingerprint)");
                        } else {
                                snprintf(errstr, errstr_size,
                                         "not a state file (first line '%s')",
                                         line);
                        }
                        return -1;
                }
                if (line[0] && decode_line(c, line, line_no, &seen, errstr,
                                           errstr_size) != 0) {
                        return -1;
                }
        }
        if (line_no == 0) {
                snprintf(errstr, errstr_size, "empty state file");
                return -1;
        }
        /* types= is written last: without it the file is torn. */
        if ((seen & NUM_REQUIRED) != NUM_REQUIRED || !(seen & SEEN_TYPES)) {
                snprintf(errstr, errstr_size, "incomplete state file");
                return -1;
        }
        return 0;
}
