/* SPDX-License-Identifier: MIT */
#include "common/log_dedup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Distinct keys remembered at once; the least recently seen one makes room
 * (its swallowed repeats are then lost, which only happens when more than
 * this many different errors repeat within one interval). */
#define LOG_DEDUP_SLOTS 64

struct slot {
        char key[LOG_DEDUP_KEY_MAX];
        uint64_t logged_ms; /* when the key's last line was written */
        uint64_t seen_ms;
        uint64_t repeats; /* swallowed since logged_ms */
        bool used;
};

struct log_dedup {
        uint64_t interval_ms;
        struct slot slots[LOG_DEDUP_SLOTS];
};

struct log_dedup *log_dedup_create(uint64_t interval_ms)
{
        struct log_dedup *d = calloc(1, sizeof(*d));

        if (d) {
                d->interval_ms = interval_ms;
        }
        return d;
}

void log_dedup_destroy(struct log_dedup *d)
{
        free(d);
}

static struct slot *find(struct log_dedup *d, const char *key)
{
        struct slot *oldest = &d->slots[0];

        for (int i = 0; i < LOG_DEDUP_SLOTS; i++) {
                struct slot *s = &d->slots[i];
                if (s->used && strncmp(s->key, key, sizeof(s->key) - 1) == 0) {
                        return s;
                }
                if (!s->used) {
                        oldest = s;
                        break;
                }
                if (s->seen_ms < oldest->seen_ms) {
                        oldest = s;
                }
        }
        memset(oldest, 0, sizeof(*oldest));
        snprintf(oldest->key, sizeof(oldest->key), "%s", key);
        return oldest;
}

bool log_dedup_note(struct log_dedup *d, const char *key, uint64_t now_ms,
                    uint64_t *repeats)
{
        struct slot *s = find(d, key);
        bool fresh     = !s->used;

        s->seen_ms = now_ms;
        if (fresh || now_ms - s->logged_ms >= d->interval_ms) {
                *repeats     = fresh ? 0 : s->repeats;
                s->used      = true;
                s->logged_ms = now_ms;
                s->repeats   = 0;
                return true;
        }
        s->repeats++;
        return false;
}

void log_dedup_flush(struct log_dedup *d, uint64_t now_ms,
                     log_dedup_flush_cb cb, void *ctx)
{
        for (int i = 0; i < LOG_DEDUP_SLOTS; i++) {
                struct slot *s = &d->slots[i];
                if (s->used && s->repeats > 0 &&
                    now_ms - s->logged_ms >= d->interval_ms) {
                        cb(ctx, s->key, s->repeats);
                        s->repeats   = 0;
                        s->logged_ms = now_ms;
                }
        }
}

void log_dedup_normalize(const char *text, char *out, size_t size)
{
        const char *after = strstr(text, " (after ");
        size_t n          = after ? (size_t)(after - text) : strlen(text);

        if (size == 0) {
                return;
        }
        if (n >= size) {
                n = size - 1;
        }
        memcpy(out, text, n);
        out[n] = '\0';
}
