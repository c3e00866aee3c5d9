/* SPDX-License-Identifier: MIT */
#include "checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_MAGIC    "csv-producer-state 2"
#define CHECKPOINT_MAGIC_V1 "csv-producer-state 1"
#define SLOT_MAGIC          "csv-producer-slot "
#define SLOT_MAGIC_LEN      (sizeof(SLOT_MAGIC) - 1)

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

static uint64_t fnv_continue(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 1099511628211ULL;
        }
        return h;
}

uint64_t checkpoint_hash(const void *data, size_t len)
{
        return fnv_continue(14695981039346656037ULL, data, len);
}

/* The checksum binds the header's sequence and length to the text. */
static uint64_t slot_check(const char *head, size_t head_len, const char *text,
                           size_t text_len)
{
        return fnv_continue(checkpoint_hash(head, head_len), text, text_len);
}

size_t checkpoint_slot_seal(char *slot, size_t text_len, uint64_t seq)
{
        /* "csv-producer-slot SSSSSSSSSSSSSSSS LLLLLLLL " then the check. */
        char head[CHECKPOINT_SLOT_HEADER + 1];
        size_t fixed = SLOT_MAGIC_LEN + 16 + 1 + 8 + 1;
        int n;

        if (text_len > CHECKPOINT_SLOT_MAX - CHECKPOINT_SLOT_HEADER) {
                return 0;
        }
        n = snprintf(head, sizeof(head), SLOT_MAGIC "%016" PRIx64 " %08zx ",
                     seq, text_len);
        if (n != (int)fixed) {
                return 0;
        }
        snprintf(
            head + fixed, sizeof(head) - fixed, "%016" PRIx64 "\n",
            slot_check(head, fixed, slot + CHECKPOINT_SLOT_HEADER, text_len));
        memcpy(slot, head, CHECKPOINT_SLOT_HEADER);
        return CHECKPOINT_SLOT_HEADER + text_len;
}

static int hex_field(const char *p, size_t n, uint64_t *out)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++) {
                char c = p[i];
                int d  = c >= '0' && c <= '9'   ? c - '0'
                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                : -1;
                if (d < 0) {
                        return -1;
                }
                v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return 0;
}

int checkpoint_slot_open(const char *slot, size_t avail, const char **text,
                         size_t *text_len, uint64_t *seq)
{
        const char *h = slot + SLOT_MAGIC_LEN;
        size_t fixed  = SLOT_MAGIC_LEN + 16 + 1 + 8 + 1;
        uint64_t len, check;

        if (avail < CHECKPOINT_SLOT_HEADER ||
            memcmp(slot, SLOT_MAGIC, SLOT_MAGIC_LEN) != 0 || h[16] != ' ' ||
            h[25] != ' ' || slot[CHECKPOINT_SLOT_HEADER - 1] != '\n' ||
            hex_field(h, 16, seq) != 0 || hex_field(h + 17, 8, &len) != 0 ||
            hex_field(slot + fixed, 16, &check) != 0 ||
            len > CHECKPOINT_SLOT_MAX - CHECKPOINT_SLOT_HEADER ||
            len > avail - CHECKPOINT_SLOT_HEADER) {
                return -1;
        }
        if (slot_check(slot, fixed, slot + CHECKPOINT_SLOT_HEADER,
                       (size_t)len) != check) {
                return -1;
        }
        *text     = slot + CHECKPOINT_SLOT_HEADER;
        *text_len = (size_t)len;
        return 0;
}

int checkpoint_slots_pick(const char *file, size_t len, const char **text,
                          size_t *text_len, uint64_t *seq, int *slot)
{
        const char *t[2];
        size_t tl[2];
        uint64_t s[2];
        bool ok[2];

        if (len < SLOT_MAGIC_LEN || memcmp(file, SLOT_MAGIC, SLOT_MAGIC_LEN)) {
                *text     = file; /* plain text, written before slots */
                *text_len = len;
                *seq      = 0;
                *slot     = -1;
                return 0;
        }
        for (int i = 0; i < 2; i++) {
                size_t at    = (size_t)i * (len / 2);
                size_t avail = i == 0 ? len / 2 : len - at;
                ok[i] = checkpoint_slot_open(file + at, avail, &t[i], &tl[i],
                                             &s[i]) == 0;
        }
        if (!ok[0] && !ok[1]) {
                return -1;
        }
        int i     = ok[0] && (!ok[1] || s[0] > s[1]) ? 0 : 1;
        *text     = t[i];
        *text_len = tl[i];
        *seq      = s[i];
        *slot     = i;
        return 0;
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
