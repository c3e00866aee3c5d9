/* SPDX-License-Identifier: MIT */
#include "timeline.h"

#include <math.h>
#include <string.h>

#define MS_PER_S 1000

static int64_t second_of(int64_t ms)
{
        return ms >= 0 ? ms / MS_PER_S : (ms - (MS_PER_S - 1)) / MS_PER_S;
}

void timeline_clear(struct timeline *t)
{
        memset(t, 0, sizeof(*t));
}

void timeline_add(struct timeline *t, int64_t ts_ms, bool has_value,
                  double value, int64_t now_ms)
{
        int64_t s   = second_of(ts_ms);
        int64_t now = second_of(now_ms);
        if (ts_ms <= 0 || s > now || s <= now - TIMELINE_SECONDS) {
                return;
        }
        struct timeline_bucket *b = &t->b[s % TIMELINE_SECONDS];
        if (b->second != s) {
                *b = (struct timeline_bucket){.second = s};
        }
        b->rows++;
        if (has_value && isfinite(value)) {
                b->values++;
                b->value_sum += value;
        }
}

int timeline_render(const struct timeline *t, int64_t now_ms,
                    struct wire_buf *out)
{
        int64_t now  = second_of(now_ms);
        int64_t from = now - TIMELINE_SECONDS + 1;
        int rc       = wire_buf_printf(out,
                                       "{\"interval_ms\":%d,\"from_ms\":%lld,"
                                             "\"rows\":[",
                                       MS_PER_S, (long long)(from * MS_PER_S));
        for (int64_t s = from; s <= now; s++) {
                const struct timeline_bucket *b = &t->b[s % TIMELINE_SECONDS];
                rc |= wire_buf_printf(
                    out, s > from ? ",%llu" : "%llu",
                    (unsigned long long)(b->second == s ? b->rows : 0));
        }
        rc |= wire_buf_append(out, "],\"values\":[", 12);
        for (int64_t s = from; s <= now; s++) {
                const struct timeline_bucket *b = &t->b[s % TIMELINE_SECONDS];
                const char *sep                 = s > from ? "," : "";
                if (b->second == s && b->values) {
                        rc |=
                            wire_buf_printf(out, "%s%.15g", sep, b->value_sum);
                } else {
                        rc |= wire_buf_printf(out, "%snull", sep);
                }
        }
        rc |= wire_buf_append(out, "]}", 2);
        return rc ? -1 : 0;
}
