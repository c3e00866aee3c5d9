/* SPDX-License-Identifier: MIT */
/* The live snapshot: columns, roles and cards, the charts (categories,
 * histogram, sample), sources and the stream. */
#include "snapshot_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_json_internal.h"

/* Categories listed in the snapshot (the bar and pie charts); the
 * categories endpoint lists all. */
#define SNAPSHOT_CATEGORIES_MAX 100
#define SNAPSHOT_SAMPLE_MAX     GENERATION_SAMPLE_MAX
#define HISTOGRAM_TARGET_BINS   10

static const char *const role_keys[AGG_ROLE_COUNT] = {"value", "category",
                                                      "age", "label"};

static double cell_double(const struct cell *c)
{
        /* A big number's text is a JSON number, NUL-terminated. */
        return c->big ? strtod(c->big, NULL)
                      : column_to_double(c->num, c->scale);
}

/* ---- Histogram ---- */

struct hist_bins {
        double start, width;
        unsigned n;
        uint64_t counts[64];
};

static void hist_setup(struct hist_bins *h, double min, double max, bool ints)
{
        double raw   = (max - min) / HISTOGRAM_TARGET_BINS;
        double width = 1;
        if (raw > 0) {
                double p = pow(10, floor(log10(raw)));
                width    = raw <= p       ? p
                           : raw <= 2 * p ? 2 * p
                           : raw <= 5 * p ? 5 * p
                                          : 10 * p;
        }
        if (ints && width < 1) {
                width = 1;
        }
        h->width = width;
        h->start = floor(min / width) * width;
        h->n     = (unsigned)floor((max - h->start) / width) + 1;
        if (h->n > 64) {
                h->n = 64;
        }
        memset(h->counts, 0, sizeof(h->counts));
}

static void hist_add(struct hist_bins *h, double v, uint64_t count)
{
        double k   = floor((v - h->start) / h->width);
        unsigned i = k < 0 ? 0 : k >= h->n ? h->n - 1 : (unsigned)k;
        h->counts[i] += count;
}

static int render_histogram(struct aggregates *a,
                            const struct view_column *cols,
                            const int roles[AGG_ROLE_COUNT], struct wire_buf *b)
{
        int ai = roles[AGG_ROLE_AGE];
        if (ai < 0 || cols[ai].n == 0) {
                return put(b, "{\"column\":null,\"exact\":true,\"bins\":[]}");
        }
        const struct view_column *vc = &cols[ai];
        bool exact                   = vc->kind == COLUMN_INT;
        for (size_t s = 0; s < a->nslots && exact; s++) {
                if (!aggregates_slot_shown(a, s)) {
                        continue;
                }
                const struct column *c =
                    generation_column(a->slots[s], vc->name);
                if (c && (c->kind != COLUMN_INT || c->vc_overflow)) {
                        exact = false;
                }
        }
        double lo = exact_to_double(&vc->min);
        double hi = exact_to_double(&vc->max);
        struct hist_bins h;
        hist_setup(&h, lo, hi, vc->kind == COLUMN_INT);
        for (size_t s = 0; s < a->nslots; s++) {
                const struct generation *g = a->slots[s];
                const struct column *c     = generation_column(g, vc->name);
                if (!aggregates_slot_shown(a, s) || !c ||
                    !column_is_numeric(c)) {
                        continue;
                }
                if (exact) {
                        for (uint32_t i = 0; i < c->vc_slots; i++) {
                                if (c->vc_counts[i]) {
                                        hist_add(&h, (double)c->vc_keys[i],
                                                 c->vc_counts[i]);
                                }
                        }
                        continue;
                }
                for (uint32_t i = 0; i < g->sample_n; i++) {
                        struct cell cell;
                        column_get(c, g->sample[i], &cell);
                        if (cell.kind != COLUMN_EMPTY) {
                                hist_add(&h, cell_double(&cell), 1);
                        }
                }
        }
        int rc = put(b, "{\"column\":");
        rc |= put_str(b, vc->name, strlen(vc->name));
        rc |= wire_buf_printf(b, ",\"exact\":%s,\"bins\":[",
                              exact ? "true" : "false");
        for (unsigned i = 0; i < h.n; i++) {
                rc |= put(b, i ? ",{\"from\":" : "{\"from\":");
                rc |= put_double(b, h.start + i * h.width);
                rc |= put(b, ",\"to\":");
                rc |= put_double(b, h.start + (i + 1) * h.width);
                rc |= wire_buf_printf(b, ",\"count\":%llu}",
                                      (unsigned long long)h.counts[i]);
        }
        return rc | put(b, "]}");
}

/* ---- Sample (scatter) ---- */

static int render_sample(struct aggregates *a, const struct view_column *cols,
                         const int roles[AGG_ROLE_COUNT], uint64_t total,
                         struct wire_buf *b)
{
        int rc = put(b, "{\"x\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_AGE]);
        rc |= put(b, ",\"y\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_VALUE]);
        rc |= put(b, ",\"c\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_CATEGORY]);
        rc |= put(b, ",\"l\":");
        rc |= put_role_name(b, cols, roles[AGG_ROLE_LABEL]);
        rc |= wire_buf_printf(b, ",\"of\":%llu,\"points\":[",
                              (unsigned long long)total);
        bool first = true;
        for (size_t s = 0; s < a->nslots && roles[AGG_ROLE_VALUE] >= 0 &&
                           roles[AGG_ROLE_AGE] >= 0;
             s++) {
                const struct generation *g = a->slots[s];
                if (!aggregates_slot_shown(a, s)) {
                        continue;
                }
                /* Each source gets its share of the points. */
                uint64_t quota =
                    total ? (uint64_t)SNAPSHOT_SAMPLE_MAX * g->rows / total : 0;
                if (quota == 0 && g->rows) {
                        quota = 1;
                }
                for (uint32_t i = 0; i < g->sample_n && i < quota; i++) {
                        uint64_t ref =
                            ((uint64_t)s << AGG_REF_SLOT_SHIFT) | g->sample[i];
                        struct cell x, y, c, l;
                        aggregates_ref_cell(a, ref,
                                            cols[roles[AGG_ROLE_AGE]].name, &x);
                        aggregates_ref_cell(
                            a, ref, cols[roles[AGG_ROLE_VALUE]].name, &y);
                        if (x.kind == COLUMN_EMPTY || x.kind == COLUMN_TEXT ||
                            y.kind == COLUMN_EMPTY || y.kind == COLUMN_TEXT) {
                                continue;
                        }
                        memset(&c, 0, sizeof(c));
                        memset(&l, 0, sizeof(l));
                        if (roles[AGG_ROLE_CATEGORY] >= 0) {
                                aggregates_ref_cell(
                                    a, ref, cols[roles[AGG_ROLE_CATEGORY]].name,
                                    &c);
                        }
                        if (roles[AGG_ROLE_LABEL] >= 0) {
                                aggregates_ref_cell(
                                    a, ref, cols[roles[AGG_ROLE_LABEL]].name,
                                    &l);
                        }
                        rc |= put(b, first ? "[" : ",[");
                        first = false;
                        rc |= put_double(b, cell_double(&x));
                        rc |= put(b, ",");
                        rc |= put_double(b, cell_double(&y));
                        rc |= put(b, ",");
                        rc |= put_cell(b, &c);
                        rc |= put(b, ",");
                        rc |= put_cell(b, &l);
                        rc |= put(b, "]");
                }
        }
        return rc | put(b, "]}");
}

/* ---- Snapshot ---- */

/* A merged column's exact sum, or null when it is unknown (too long). */
static int put_sum(struct wire_buf *b, const struct view_column *c)
{
        return c->is_stats_unknown ? put(b, "null") : exact_format(&c->sum, b);
}

static int put_mean(struct wire_buf *b, const struct view_column *c)
{
        if (!c->n || c->is_stats_unknown) {
                return put(b, "null");
        }
        return put_double(b, exact_to_double(&c->sum) / (double)c->n);
}

/* A min or max, or null when there is none or it is unknown. */
static int put_minmax(struct wire_buf *b, const struct view_column *c,
                      const struct exact *v)
{
        if (!c->n || !v->is_set || c->is_stats_unknown) {
                return put(b, "null");
        }
        return exact_format(v, b);
}

static int render_columns(struct wire_buf *b, const struct view_column *cols,
                          size_t n)
{
        int rc = put(b, "\"columns\":{");
        for (size_t i = 0; i < n; i++) {
                const struct view_column *c = &cols[i];
                rc |= put(b, i ? "," : "");
                rc |= put_str(b, c->name, strlen(c->name));
                rc |= put(b, ":{\"type\":\"");
                rc |= put(b, column_kind_name(c->kind));
                rc |= put(b, "\"");
                if (c->unit &&
                    (c->kind == COLUMN_INT || c->kind == COLUMN_DECIMAL)) {
                        rc |= put(b, ",\"unit\":");
                        rc |= put_str(b, c->unit, strlen(c->unit));
                }
                if (c->kind == COLUMN_INT || c->kind == COLUMN_DECIMAL) {
                        rc |= wire_buf_printf(b, ",\"count\":%llu,\"sum\":",
                                              (unsigned long long)c->n);
                        rc |= put_sum(b, c);
                        rc |= put(b, ",\"mean\":");
                        rc |= put_mean(b, c);
                        rc |= put(b, ",\"min\":");
                        rc |= put_minmax(b, c, &c->min);
                        rc |= put(b, ",\"max\":");
                        rc |= put_minmax(b, c, &c->max);
                } else if (c->kind == COLUMN_TEXT) {
                        rc |= wire_buf_printf(b, ",\"distinct\":%llu",
                                              (unsigned long long)c->distinct);
                }
                rc |= wire_buf_printf(b, ",\"invalid\":%llu}",
                                      (unsigned long long)c->invalid);
        }
        rc |= put(b, "},\"column_order\":[");
        for (size_t i = 0; i < n; i++) {
                rc |= put(b, i ? "," : "");
                rc |= put_str(b, cols[i].name, strlen(cols[i].name));
        }
        return rc | put(b, "]");
}

static int render_cards(struct wire_buf *b, const struct view_column *cols,
                        const int roles[AGG_ROLE_COUNT], uint64_t count)
{
        int rc = put(b, "\"roles\":{");
        for (int r = 0; r < AGG_ROLE_COUNT; r++) {
                rc |=
                    wire_buf_printf(b, "%s\"%s\":", r ? "," : "", role_keys[r]);
                rc |= put_role_name(b, cols, roles[r]);
        }
        rc |= put(b, "},\"cards\":{\"total_value\":");
        const struct view_column *v =
            roles[AGG_ROLE_VALUE] >= 0 ? &cols[roles[AGG_ROLE_VALUE]] : NULL;
        const struct view_column *g =
            roles[AGG_ROLE_AGE] >= 0 ? &cols[roles[AGG_ROLE_AGE]] : NULL;
        if (v) {
                rc |= put_sum(b, v);
                rc |= put(b, ",\"mean_value\":");
                rc |= put_mean(b, v);
        } else {
                rc |= put(b, "null,\"mean_value\":null");
        }
        rc |= wire_buf_printf(
            b, ",\"records\":%llu,\"mean_age\":", (unsigned long long)count);
        rc |= g ? put_mean(b, g) : put(b, "null");
        return rc | put(b, "}");
}

static int render_sources(struct aggregates *a, struct wire_buf *b,
                          const struct topic_loss *losses, uint64_t *generation)
{
        int rc      = put(b, "\"sources\":[");
        *generation = 0;
        for (size_t i = 0; i < a->nsources; i++) {
                const struct source *s = &a->sources[i];
                rc |= put(b, i ? ",{\"source\":" : "{\"source\":");
                rc |= put_str(b, s->name, strlen(s->name));
                if (s->current) {
                        if (s->current->number > *generation) {
                                *generation = s->current->number;
                        }
                        rc |= wire_buf_printf(
                            b,
                            ",\"generation\":%llu,\"rows\":%u,"
                            "\"complete\":%s",
                            (unsigned long long)s->current->number,
                            s->current->rows,
                            generation_is_complete(s->current) ? "true"
                                                               : "false");
                        rc |= put(b, ",\"reason\":");
                        rc |= s->current->reason[0]
                                  ? put_str(b, s->current->reason,
                                            strlen(s->current->reason))
                                  : put(b, "null");
                }
                rc |= wire_buf_printf(b, ",\"changed_ms\":%lld",
                                      (long long)source_changed_ms(s));
                rc |= put(b, ",\"pending\":");
                rc |= put_pending(b, s->pending);
                rc |= put(b, ",\"missing\":");
                rc |= topic_loss_render(losses, s->name, b);
                rc |= put(b, "}");
        }
        return rc | put(b, "]");
}

/* dlq_current_cb: the generation a source shows now (0: none). */
static uint64_t current_generation(void *ctx, const char *source)
{
        const struct aggregates *a = ctx;

        for (size_t i = 0; i < a->nsources; i++) {
                const struct source *s = &a->sources[i];
                if (strcmp(s->name, source) == 0) {
                        return s->current ? s->current->number : 0;
                }
        }
        return 0;
}

/* "health": whether the dashboard's view of Kafka can be trusted now, and
 * why not (the page shows a banner per problem). */
static int render_health(const struct snapshot_stream *st, struct wire_buf *b)
{
        const struct health *h = st->health;
        bool degraded          = h && health_is_degraded(h);
        int rc                 = wire_buf_printf(b,
                                                 ",\"health\":{\"status\":\"%s\",\"kafka\":%s,"
                                                                 "\"problems\":[",
                                 degraded ? "degraded" : "ok",
                                 st->kafka_ok ? "true" : "false");
        bool first             = true;

        for (size_t i = 0; h && i < health_check_count(h); i++) {
                const char *text;
                const char *name = health_check_get(h, (int)i, &text);
                if (!text) {
                        continue;
                }
                rc |= put(b, first ? "{\"check\":" : ",{\"check\":");
                rc |= put_str(b, name, strlen(name));
                rc |= put(b, ",\"reason\":");
                rc |= put_str(b, text, strlen(text));
                rc |= put(b, "}");
                first = false;
        }
        return rc | put(b, "]}");
}

/* The snapshot's figures that are the topic's even when one source is
 * shown: Kafka measures them for the topic, not per file. */
#define TOPIC_WIDE                                                             \
        "[\"stream.partitions\",\"stream.lag\",\"stream.messages\","           \
        "\"catchup\",\"ingest.decode_errors\","                                \
        "\"health\",\"memory\"]"

/* The viewer's source (NULL: every source, or one never seen). */
static const struct source *viewer_source(const struct aggregates *a)
{
        for (size_t i = 0; a->viewer_source && i < a->nsources; i++) {
                if (strcmp(a->sources[i].name, a->viewer_source) == 0) {
                        return &a->sources[i];
                }
        }
        return NULL;
}

/* "stream", "catchup", "ingest" and "dlq". The generation, the last update,
 * the ingest counters, the dead letters and the latency follow the viewer's
 * source; the lag, messages, catch-up and decode errors are the topic's (a
 * message that cannot be decoded names no source). */
static int render_stream(struct aggregates *a, const struct dlq_stats *dlq,
                         const struct snapshot_stream *st, uint64_t generation,
                         struct wire_buf *b)
{
        const struct source *vs = viewer_source(a);
        struct aggregates_counters k;
        int64_t last_update = aggregates_last_update(a);
        aggregates_counters(a, &k);
        if (a->viewer_source) {
                k = vs ? vs->counters : (struct aggregates_counters){0};
                generation  = vs && vs->current ? vs->current->number : 0;
                last_update = vs ? source_changed_ms(vs) : 0;
        }
        int rc = put(b, ",\"stream\":{\"topic\":");
        rc |= put_str(b, st->topic ? st->topic : "",
                      st->topic ? strlen(st->topic) : 0);
        rc |= wire_buf_printf(b,
                              ",\"partitions\":%d,\"generation\":%llu,"
                              "\"last_update_ms\":%lld,\"lag\":%lld,"
                              "\"messages\":%llu,\"latency_ms\":{",
                              st->partitions, (unsigned long long)generation,
                              (long long)last_update, (long long)st->lag,
                              (unsigned long long)st->messages);
        static const struct latency none;
        const struct latency *l = st->latency;
        if (a->viewer_source) {
                l = vs && vs->latency ? vs->latency : &none;
        }
        if (l && l->n) {
                rc |= wire_buf_printf(b,
                                      "\"last\":%lld,\"p50\":%lld,\"p99\":%lld,"
                                      "\"samples\":%llu}}",
                                      (long long)l->last,
                                      (long long)latency_percentile(l, 50),
                                      (long long)latency_percentile(l, 99),
                                      (unsigned long long)l->total);
        } else {
                rc |= put(b, "\"last\":null,\"p50\":null,\"p99\":null,"
                             "\"samples\":0}}");
        }
        double progress = st->caught_up        ? 1.0
                          : st->catchup_target ? (double)st->catchup_consumed /
                                                     (double)st->catchup_target
                                               : 0.0;
        rc |= wire_buf_printf(b,
                              ",\"catchup\":{\"done\":%s,\"consumed\":%llu,"
                              "\"target\":%llu,\"progress\":",
                              st->caught_up ? "true" : "false",
                              (unsigned long long)st->catchup_consumed,
                              (unsigned long long)st->catchup_target);
        rc |= put_double(b, progress > 1.0 ? 1.0 : progress);
        rc |= wire_buf_printf(
            b,
            "},\"ingest\":{\"applied\":%llu,\"duplicates\":%llu,"
            "\"stale\":%llu,\"invalid\":%llu,\"swaps\":%llu,"
            "\"decode_errors\":%llu},\"dlq\":{\"topic\":",
            (unsigned long long)k.applied, (unsigned long long)k.duplicates,
            (unsigned long long)k.stale, (unsigned long long)k.invalid,
            (unsigned long long)k.swaps, (unsigned long long)st->decode_errors);
        rc |= put_str(b, st->dlq_topic ? st->dlq_topic : "",
                      st->dlq_topic ? strlen(st->dlq_topic) : 0);
        rc |= put(b, ",\"summary\":");
        rc |= dlq ? dlq_stats_render(dlq, current_generation, a,
                                     a->viewer_source, b)
                  : put(b, "{\"count\":0,\"reasons\":[],\"last\":[],"
                           "\"history\":0,\"total\":0}");
        rc |= put(b, "}");
        rc |= render_health(st, b);
        rc |= put(b, ",\"producers\":");
        return rc | put(b, st->producers_json ? st->producers_json : "[]");
}

/* The rows of the render's view: every source's, or the viewer's source's
 * (call after aggregates_view_columns, which brings the slots up to date). */
static uint64_t shown_rows(const struct aggregates *a)
{
        uint64_t n = 0;
        for (size_t s = 0; s < a->nslots; s++) {
                if (aggregates_slot_shown(a, s)) {
                        n += a->slots[s]->rows;
                }
        }
        return n;
}

/* The time chart of the render's view (every source's, or the viewer's
 * source's), with the sums of the value column in force. */
static int render_timeline(const struct aggregates *a, const char *value,
                           int64_t now_ms, struct wire_buf *out)
{
        const struct timeline **t =
            calloc(a->nsources ? a->nsources : 1, sizeof(*t));
        if (!t) {
                return -1;
        }
        for (size_t i = 0; i < a->nsources; i++) {
                if (!a->viewer_source ||
                    strcmp(a->sources[i].name, a->viewer_source) == 0) {
                        t[i] = a->sources[i].timeline;
                }
        }
        int rc = put(out, "{\"value\":");
        rc |= value ? put_str(out, value, strlen(value)) : put(out, "null");
        rc |= put(out, ",\"per_second\":");
        rc |= timeline_render(t, a->nsources, value, now_ms, out);
        free(t);
        return rc | put(out, "}");
}

int snapshot_render(struct aggregates *a, const struct dlq_stats *dlq,
                    const struct snapshot_stream *st, struct wire_buf *out)
{
        struct view_column *cols;
        size_t ncols = aggregates_view_columns(a, &cols);
        int roles[AGG_ROLE_COUNT];
        aggregates_resolve_roles(a, cols, ncols, roles);
        uint64_t count = shown_rows(a);
        int rc =
            wire_buf_printf(out,
                            "{\"version\":%llu,\"generated_ms\":%lld,"
                            "\"count\":%llu,\"source\":",
                            (unsigned long long)aggregates_version(a),
                            (long long)st->now_ms, (unsigned long long)count);
        rc |= a->viewer_source
                  ? put_str(out, a->viewer_source, strlen(a->viewer_source))
                  : put(out, "null");
        /* With one source, what stays the topic's says so. */
        rc |= a->viewer_source ? put(out, ",\"topic_wide\":" TOPIC_WIDE) : 0;
        rc |= put(out, ",");
        rc |= render_columns(out, cols, ncols);
        rc |= put(out, ",");
        rc |= render_cards(out, cols, roles, count);
        rc |= put(out, ",\"categories\":");
        rc |= snapshot_categories_render_obj(a, cols, roles,
                                             SNAPSHOT_CATEGORIES_MAX, out);
        rc |= put(out, ",\"histogram\":");
        rc |= render_histogram(a, cols, roles, out);
        rc |= put(out, ",\"sample\":");
        rc |= render_sample(a, cols, roles, count, out);
        rc |= put(out, ",");
        uint64_t generation;
        rc |= render_sources(a, out, st->losses, &generation);
        rc |= render_stream(a, dlq, st, generation, out);
        rc |= put(out, ",\"timeline\":");
        rc |= render_timeline(a,
                              roles[AGG_ROLE_VALUE] >= 0
                                  ? cols[roles[AGG_ROLE_VALUE]].name
                                  : NULL,
                              st->now_ms, out);
        size_t mem     = aggregates_memory(a);
        uint64_t total = aggregates_count(a); /* memory is every source's */
        rc |= wire_buf_printf(out,
                              ",\"memory\":{\"bytes\":%zu,"
                              "\"bytes_per_row\":",
                              mem);
        rc |= total ? put_double(out, (double)mem / (double)total)
                    : put(out, "null");
        rc |= put(out, "}}");
        aggregates_view_columns_free(cols, ncols);
        return rc ? -1 : 0;
}
