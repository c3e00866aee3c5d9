/* SPDX-License-Identifier: MIT */
#include "health_monitor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/health.h"
#include "common/log.h"
#include "common/wire.h"
#include "source_set.h"

#define HEALTH_TICK_MS         1000
#define HEALTH_REPEAT_MS       30000 /* a lasting problem is logged again */
#define HEALTH_DIAGNOSE_MS     5000  /* metadata requests while stalled */
#define HEALTH_META_TIMEOUT_MS 2000

enum {
        CHECK_DELIVERY,
        CHECK_TOPIC,
        CHECK_FILE,
        CHECK_HELD,
        CHECK_CHECKPOINT,
        CHECK_CONFLICT,
        CHECK_COUNT
};

static const char *const check_names[CHECK_COUNT] = {
    "delivery", "topic", "file", "held", "checkpoint", "conflict"};

/* A newer writer of the source is shown this many of its status intervals
 * after its latest record (it stops once it reads this one's), and at
 * least CONFLICT_MIN_MS: a few of our own ticks, so a writer that stopped
 * at once is still seen in /healthz, the log and the status record. */
#define CONFLICT_INTERVALS 3
#define CONFLICT_MIN_MS    (5 * HEALTH_TICK_MS)

/* One source's checks. */
struct watched {
        struct health *health;
        uint64_t held_start;     /* offset of the held record being timed */
        uint64_t status_ms;      /* when its last status record went out */
        uint64_t conflict_until; /* loop time the conflict check passes */
        char conflict[HEALTH_TEXT_MAX]; /* a newer writer was seen: who */
};

struct health_monitor {
        uv_loop_t *loop;
        uv_timer_t timer;
        uint64_t stall_ms;
        struct source_set *set;
        struct kafka_sink *sink;
        struct producer_metrics *m;
        struct watched *watched; /* per source index of the set */
        size_t nwatched;
        uint64_t diagnosed_ms; /* last metadata request while stalled */
        bool meta_seen;        /* its answer came back */
        char *status_topic;
        char *instance;
        uint64_t started_ms; /* wall clock, in every status record */
        uint64_t status_interval_ms;
        uint64_t status_ms; /* when the last status record went out */
        bool status_failed; /* producing it failed (logged once) */
};

/* Names what blocks delivery, from what librdkafka and the latest
 * metadata said. */
static void diagnose(struct health_monitor *hm, uint64_t now, char *buf,
                     size_t size)
{
        const struct kafka_sink_topic_info *t = kafka_sink_topic_info(hm->sink);
        uint64_t at;
        const char *err = kafka_sink_last_error(hm->sink, &at);

        (void)at;
        (void)now;
        /* A fresh metadata answer is the most precise; when the broker
         * does not even answer that, librdkafka's error says why. */
        if (hm->meta_seen && t->leaderless > 0) {
                snprintf(buf, size,
                         "LEADER_NOT_AVAILABLE: %d of %d partitions have "
                         "no leader",
                         t->leaderless, t->partitions);
        } else if (hm->meta_seen && t->under_replicated > 0) {
                snprintf(buf, size,
                         "NOT_ENOUGH_REPLICAS likely: %d partitions have "
                         "fewer in-sync replicas than their %d replicas "
                         "(%d in sync at worst); acks=all writes wait for "
                         "min.insync.replicas of them",
                         t->under_replicated, t->replicas, t->min_isr_seen);
        } else if (err) {
                snprintf(buf, size, "%s", err);
        } else {
                snprintf(buf, size,
                         "the broker does not acknowledge and "
                         "reports no error");
        }
}

static void on_meta(void *ctx, int count, const char *error)
{
        struct health_monitor *hm = ctx;

        (void)error;
        hm->meta_seen = count > 0; /* else the topic info is not fresh */
}

/* Returns the age of the source's oldest unacknowledged message. */
static uint64_t check_delivery(struct health_monitor *hm, struct watched *w,
                               const struct pipeline_probe *pr, uint64_t now)
{
        char cause[256], text[HEALTH_TEXT_MAX + 128];
        uint64_t age;

        if (!pr->has_pending) {
                health_pass(w->health, CHECK_DELIVERY);
                return 0;
        }
        age = now > pr->oldest_sent_ms ? now - pr->oldest_sent_ms : 0;
        if (age >= hm->stall_ms &&
            now - hm->diagnosed_ms >= HEALTH_DIAGNOSE_MS &&
            kafka_sink_request_partitions(hm->sink, pr->topic,
                                          HEALTH_META_TIMEOUT_MS, on_meta,
                                          hm) == 0) {
                hm->diagnosed_ms = now;
        }
        diagnose(hm, now, cause, sizeof(cause));
        snprintf(text, sizeof(text),
                 "no acknowledgement for %" PRIu64 " s (%" PRIu64
                 " messages pending): %s",
                 age / 1000, pr->pending, cause);
        health_fail(w->health, CHECK_DELIVERY,
                    pr->oldest_sent_ms ? pr->oldest_sent_ms : 1, hm->stall_ms,
                    text);
        return age;
}

static void check_file(struct health_monitor *hm, struct watched *w,
                       const struct pipeline_probe *pr, const char *path)
{
        char text[HEALTH_TEXT_MAX + 128];

        if (!pr->topic_ready) {
                health_pass(w->health, CHECK_FILE); /* not looked at yet */
        } else if (pr->file_error != 0) {
                snprintf(text, sizeof(text), "cannot read %s: %s", path,
                         pr->file_error == UV_EISDIR
                             ? "it is a directory, not a file"
                             : uv_strerror(pr->file_error));
                health_fail(w->health, CHECK_FILE, 0, 0, text);
        } else if (!pr->file_open) {
                snprintf(text, sizeof(text),
                         "%s does not exist (waiting for it)", path);
                health_fail(w->health, CHECK_FILE, 0, hm->stall_ms, text);
        } else {
                health_pass(w->health, CHECK_FILE);
        }
        if (pr->file_open && pr->held_bytes > 0 &&
            pr->file_offset >= pr->file_size) {
                uint64_t since = 0;
                if (pr->held_start != w->held_start) {
                        w->held_start = pr->held_start;
                        health_pass(w->health, CHECK_HELD); /* restart */
                }
                snprintf(text, sizeof(text),
                         "%" PRIu64 " bytes at offset %" PRIu64
                         " are held back: %s",
                         pr->held_bytes, pr->held_start,
                         pr->held_open_quote
                             ? "a quoted field is not closed (open quote)"
                             : "the last line has no newline yet");
                health_fail(w->health, CHECK_HELD, since, hm->stall_ms, text);
        } else {
                w->held_start = UINT64_MAX;
                health_pass(w->health, CHECK_HELD);
        }
}

static void on_event(void *ctx, const char *check, enum health_event ev,
                     const char *text, uint64_t failing_ms)
{
        const char *source = ctx;

        if (ev == HEALTH_RECOVERED) {
                log_info("event=health_recovered source=%s check=%s "
                         "after_ms=%" PRIu64,
                         source, check, failing_ms);
                return;
        }
        log_warn("event=health_degraded source=%s check=%s reason=\"%s\" "
                 "for_ms=%" PRIu64 "%s",
                 source, check, text, failing_ms,
                 ev == HEALTH_STILL ? " still=1" : "");
}

static uint64_t epoch_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* What the source is doing, in one word, for the dashboard. */
static const char *state_of(const struct watched *w,
                            const struct pipeline_probe *pr)
{
        const struct health *h = w->health;

        if (health_check_degraded(h, CHECK_DELIVERY) ||
            health_check_degraded(h, CHECK_TOPIC)) {
                return "blocked";
        }
        if (health_check_degraded(h, CHECK_FILE)) {
                return "file_error";
        }
        if (health_check_degraded(h, CHECK_HELD)) {
                return "holding";
        }
        if (health_check_degraded(h, CHECK_CHECKPOINT)) {
                return "checkpoint_failed";
        }
        if (health_check_degraded(h, CHECK_CONFLICT)) {
                return "conflict";
        }
        return pr->pending > 0 ? "sending" : "caught_up";
}

/* A text member, or null when empty. */
static int append_text_or_null(struct wire_buf *b, const char *name,
                               const char *text)
{
        int rc = wire_buf_printf(b, ",\"%s\":", name);
        return rc | (text && text[0]
                         ? wire_buf_append_json_string(b, text, strlen(text))
                         : wire_buf_append(b, "null", 4));
}

/* What reading the current generation assumed (the log's encoding,
 * number_guess, header_looks_like_row and value_as_text notices), flat so
 * that any reader of the status topic can take it. */
static int append_notes(struct wire_buf *b, const struct reading_notes *n)
{
        static const struct reading_notes none;

        if (!n) {
                n = &none;
        }
        int rc = append_text_or_null(b, "encoding_note", n->encoding);
        rc |= append_text_or_null(b, "number_guess", n->number_guess);
        rc |= wire_buf_printf(b,
                              ",\"header_like_row\":%s"
                              ",\"values_as_text\":%" PRIu64,
                              n->header_like_row ? "true" : "false",
                              n->values_as_text);
        return rc | append_text_or_null(b, "value_as_text_column",
                                        n->value_as_text_column);
}

/* The status record: one JSON object keyed by source on the compacted
 * status topic, so the latest one per source is what a reader keeps. */
static void send_status(struct health_monitor *hm,
                        const struct pipeline_probe *pr, const char *state,
                        uint64_t age, const char *reason)
{
        struct wire_buf b = {0};
        int rc;

        rc = wire_buf_printf(&b, "{\"source\":");
        rc |= wire_buf_append_json_string(&b, pr->source, strlen(pr->source));
        rc |= wire_buf_append_source_id(&b, pr->source, strlen(pr->source));
        rc |= wire_buf_printf(&b, ",\"instance\":");
        rc |=
            wire_buf_append_json_string(&b, hm->instance, strlen(hm->instance));
        rc |= wire_buf_printf(
            &b,
            ",\"started_ms\":%" PRIu64 ",\"ts_ms\":%" PRIu64
            ",\"interval_ms\":%" PRIu64
            ",\"state\":\"%s\",\"generation\":%" PRIu64 ",\"pending\":%" PRIu64
            ",\"oldest_unacked_ms\":%" PRIu64 ",\"held_bytes\":%" PRIu64
            ",\"held_why\":%s,\"file\":\"%s\""
            ",\"reason\":",
            hm->started_ms, epoch_ms(), hm->status_interval_ms, state,
            pr->generation, pr->pending, age, pr->held_bytes,
            pr->held_bytes == 0   ? "null"
            : pr->held_open_quote ? "\"open quote\""
                                  : "\"no newline\"",
            pr->file_error  ? "unreadable"
            : pr->file_open ? "ok"
                            : "missing");
        rc |= wire_buf_append_json_string(&b, reason, strlen(reason));
        rc |= append_notes(&b, pr->notes);
        rc |= wire_buf_printf(&b, "}");
        if (rc == 0 &&
            kafka_sink_produce_untracked(hm->sink, hm->status_topic, pr->source,
                                         b.data, b.len) != 0) {
                rc = -1;
        }
        if (rc != 0 && !hm->status_failed) {
                log_warn("event=status_failed topic=%s", hm->status_topic);
        }
        hm->status_failed = rc != 0;
        wire_buf_finish(&b);
}

void health_monitor_stopping(struct health_monitor *hm)
{
        struct pipeline_probe pr;

        if (!hm) {
                return;
        }
        for (size_t i = 0; i < source_set_count(hm->set); i++) {
                pipeline_probe(source_set_pipeline(hm->set, i), &pr);
                send_status(hm, &pr, "stopped", 0, "");
        }
}

/* The watched state of source i (grown as sources are added). */
static struct watched *watched_of(struct health_monitor *hm, size_t i)
{
        if (i >= hm->nwatched) {
                struct watched *w =
                    realloc(hm->watched, (i + 1) * sizeof(*hm->watched));
                if (!w) {
                        return NULL;
                }
                hm->watched = w;
                for (size_t k = hm->nwatched; k <= i; k++) {
                        w[k] = (struct watched){
                            .health = health_create(check_names, CHECK_COUNT,
                                                    HEALTH_REPEAT_MS),
                            .held_start = UINT64_MAX};
                }
                hm->nwatched = i + 1;
        }
        return hm->watched[i].health ? &hm->watched[i] : NULL;
}

/* Judges one source; appends its degraded reasons to reason. Returns the
 * age of its oldest unacknowledged message. */
static uint64_t tick_source(struct health_monitor *hm, size_t i, uint64_t now,
                            char *reason, size_t reason_size, uint64_t *held)
{
        const struct kafka_sink_topic_info *ti =
            kafka_sink_topic_info(hm->sink);
        struct watched *w = watched_of(hm, i);
        char text[HEALTH_TEXT_MAX + 128];
        char own[HEALTH_CHECKS_MAX * (HEALTH_TEXT_MAX + 32)];
        struct pipeline_probe pr;
        uint64_t age;
        size_t n;

        if (!w) {
                return 0;
        }
        pipeline_probe(source_set_pipeline(hm->set, i), &pr);
        age = check_delivery(hm, w, &pr, now);
        if (pr.topic_ready) {
                health_pass(w->health, CHECK_TOPIC);
        } else {
                snprintf(text, sizeof(text), "topic %s %s", pr.topic,
                         ti->missing ? "does not exist"
                                     : "metadata cannot be read yet");
                health_fail(w->health, CHECK_TOPIC, 0,
                            ti->missing ? 0 : hm->stall_ms, text);
        }
        check_file(hm, w, &pr, source_set_path(hm->set, i));
        *held += pr.held_bytes;
        if (pr.ck_error) {
                snprintf(text, sizeof(text), "cannot save the state file: %s",
                         pr.ck_error);
                health_fail(w->health, CHECK_CHECKPOINT, 0, 0, text);
        } else {
                health_pass(w->health, CHECK_CHECKPOINT);
        }
        if (now < w->conflict_until) {
                health_fail(w->health, CHECK_CONFLICT, 0, 0, w->conflict);
        } else {
                health_pass(w->health, CHECK_CONFLICT);
        }
        health_evaluate(w->health, now, on_event, (void *)pr.source);
        health_reason(w->health, own, sizeof(own));
        n = strlen(reason);
        if (own[0] && n + 2 < reason_size) {
                /* With several sources each reason says whose it is;
                 * truncated to what /healthz holds. */
                bool many = source_set_count(hm->set) > 1;
                if (snprintf(reason + n, reason_size - n, "%s%s%s%s",
                             n ? "; " : "", many ? pr.source : "",
                             many ? ": " : "", own) < 0) {
                        reason[n] = '\0';
                }
        }
        if (pr.topic_ready && now - w->status_ms >= hm->status_interval_ms) {
                w->status_ms = now;
                send_status(hm, &pr, state_of(w, &pr), age, own);
        }
        return age;
}

static void on_tick(uv_timer_t *t)
{
        struct health_monitor *hm = t->data;
        uint64_t now              = uv_now(hm->loop);
        char reason[sizeof(hm->m->health_reason)];
        uint64_t oldest = 0, held = 0;

        reason[0] = '\0';
        for (size_t i = 0; i < source_set_count(hm->set); i++) {
                uint64_t age =
                    tick_source(hm, i, now, reason, sizeof(reason), &held);
                oldest = age > oldest ? age : oldest;
        }
        if (oldest == 0) {
                hm->meta_seen = false; /* the next stall asks again */
        }
        hm->m->oldest_unacked_age_ms = oldest;
        hm->m->held_bytes            = held;
        producer_metrics_set_health(hm->m, reason);
}

struct health_monitor *
health_monitor_start(uv_loop_t *loop, const struct health_monitor_config *cfg,
                     struct source_set *set, struct kafka_sink *sink,
                     struct producer_metrics *m)
{
        struct health_monitor *hm = calloc(1, sizeof(*hm));

        if (!hm) {
                return NULL;
        }
        hm->status_topic = strdup(cfg->status_topic);
        hm->instance     = strdup(cfg->instance);
        hm->started_ms   = cfg->started_ms;
        if (!hm->status_topic || !hm->instance) {
                free(hm->status_topic);
                free(hm->instance);
                free(hm);
                return NULL;
        }
        hm->loop               = loop;
        hm->stall_ms           = cfg->stall_ms;
        hm->status_interval_ms = cfg->status_interval_ms;
        hm->set                = set;
        hm->sink               = sink;
        hm->m                  = m;
        uv_timer_init(loop, &hm->timer);
        hm->timer.data = hm;
        uv_timer_start(&hm->timer, on_tick, HEALTH_TICK_MS, HEALTH_TICK_MS);
        return hm;
}

static void on_closed(uv_handle_t *h)
{
        struct health_monitor *hm = h->data;

        for (size_t i = 0; i < hm->nwatched; i++) {
                health_destroy(hm->watched[i].health);
        }
        free(hm->watched);
        free(hm->status_topic);
        free(hm->instance);
        free(hm);
}

void health_monitor_newer_writer(struct health_monitor *hm, size_t i,
                                 const char *instance, uint64_t interval_ms)
{
        struct watched *w = hm ? watched_of(hm, i) : NULL;

        if (!w) {
                return;
        }
        uint64_t shown = CONFLICT_INTERVALS *
                         (interval_ms ? interval_ms : hm->status_interval_ms);
        w->conflict_until = uv_now(hm->loop) +
                            (shown > CONFLICT_MIN_MS ? shown : CONFLICT_MIN_MS);
        snprintf(w->conflict, sizeof(w->conflict),
                 "producer instance %s (started later, from another state "
                 "dir or machine) writes this source too; this one sends "
                 "the file again",
                 instance);
}

void health_monitor_destroy(struct health_monitor *hm)
{
        if (hm) {
                uv_close((uv_handle_t *)&hm->timer, on_closed);
        }
}
