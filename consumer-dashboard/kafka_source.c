/* SPDX-License-Identifier: MIT */
#include "kafka_source.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/allocator.h"
#include "common/clock.h"
#include "common/kafka_conf.h"
#include "common/prom.h"
#include "common/log.h"
#include "core/dlq_stats.h"
#include "core/latency.h"
#include "core/message_decoder.h"
#include "core/snapshot_json.h"
#include "core/topic_loss.h"
#include "dashboard_health.h"
#include "kafka_fetch.h"
#include "message_pipe.h"
#include "metadata_watch.h"
#include "query_service.h"

#define POLL_TIMEOUT_MS           100
#define SNAPSHOT_MIN_INTERVAL_MS  100 /* at most 10 snapshots a second */
#define SNAPSHOT_IDLE_INTERVAL_MS 1000
#define METADATA_CHECK_MS         100 /* reads the watch's latest answer */
#define MAX_PARTITIONS            4096

struct part {
        int32_t id;
        int64_t next;   /* next offset to read; -1 unknown */
        int64_t low;    /* low watermark at assignment */
        int64_t target; /* high watermark at assignment (catch-up goal) */
};

struct topic_parts {
        const char *name;
        rd_kafka_topic_t *rkt;
        struct part *parts;
        int n;
};

struct kafka_source {
        rd_kafka_t *rk;
        rd_kafka_queue_t *queue; /* the consumer queue, for waking it */
        struct snapshot_hub *hub;
        struct aggregates *agg;
        struct query_service *queries;
        size_t index_budget;
        int64_t wm_lo[MAX_PARTITIONS], wm_hi[MAX_PARTITIONS]; /* scratch */
        struct metadata_watch *watch;
        struct dashboard_health *health;
        struct status_watch *status;
        struct dlq_stats *dlq;
        struct topic_loss *losses; /* rows gone from the topic */
        struct latency latency;
        struct topic_parts data, dlqt;
        struct message_decoder *decoder; /* data messages (core) */
        struct message_pipe *pipe;       /* from the fetch thread */
        struct kafka_fetch *fetch;
        pthread_t thread;
        bool started;
        atomic_bool stop;
        atomic_bool metadata_news; /* the watch saw something new */
        bool caught_up;
        uint64_t messages;
        uint64_t decode_errors;
        int64_t lag;
        uint64_t published_version;
        int64_t last_publish;
        int64_t last_metadata;
        bool published_caught_up;
        bool table_warm_pending; /* caught up, table index not asked yet */
        bool metadata_ok;        /* both topics' partitions were read once */
};

static int64_t now_ms(void)
{
        return clock_wall_ms();
}

static void wake(void *ctx)
{
        struct kafka_source *ks = ctx;
        message_pipe_wake(ks->pipe);
}

/* The metadata watch saw new partitions: the Kafka thread reads them at
 * once, so a replay starts as soon as the topic is known. */
static void wake_metadata(void *ctx)
{
        struct kafka_source *ks = ctx;
        atomic_store(&ks->metadata_news, true);
        message_pipe_wake(ks->pipe);
}

/* The consumer's configuration: ours, then the settings' (-c, -X). */
static rd_kafka_conf_t *build_conf(const struct kafka_source_config *cfg,
                                   char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* A group id is needed for rd_kafka_assign(), but offsets are never
         * read from or committed to it: every start replays the topic. */
        char group[64];
        snprintf(group, sizeof(group), "consumer-dashboard-%ld-%lld",
                 (long)getpid(), (long long)now_ms());
        const char *const props[][2] = {
            {"bootstrap.servers", cfg->brokers},
            {"group.id", group},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"auto.offset.reset", "earliest"},
            {"enable.partition.eof", "false"},
            {"allow.auto.create.topics", "false"},
            {"fetch.wait.max.ms", "10"},
            /* Replay: keep librdkafka's fetcher far ahead of us so the
             * Kafka thread never waits for the next batch. */
            {"queued.min.messages", "1000000"},
        };
        if (!conf) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                if (kafka_conf_set(conf, props[i][0], props[i][1], errstr,
                                   errstr_size) != 0) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        }
        if (kafka_conf_apply(conf, cfg->settings, errstr, errstr_size) != 0) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

int kafka_source_print_config(const struct kafka_source_config *cfg, FILE *out,
                              char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *conf = build_conf(cfg, errstr, errstr_size);

        if (!conf) {
                return -1;
        }
        kafka_conf_print(conf, "consumer-dashboard", out);
        rd_kafka_conf_destroy(conf);
        return 0;
}

struct kafka_source *kafka_source_create(const struct kafka_source_config *cfg,
                                         struct snapshot_hub *hub, char *errstr,
                                         size_t errstr_size)
{
        struct kafka_source *ks = calloc(1, sizeof(*ks));
        if (!ks) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        ks->hub          = hub;
        ks->index_budget = cfg->index_budget;
        ks->status       = cfg->status;
        ks->lag          = -1;
        ks->data.name    = cfg->topic;
        ks->dlqt.name    = cfg->dlq_topic;
        ks->agg          = aggregates_create(&cfg->roles);
        ks->dlq          = dlq_stats_create();
        ks->health       = dashboard_health_create();
        ks->decoder      = message_decoder_create(cfg->topic);
        ks->pipe         = message_pipe_create(kafka_fetch_release);
        ks->losses       = topic_loss_create();
        if (!ks->agg || !ks->dlq || !ks->health || !ks->decoder || !ks->pipe ||
            !ks->losses) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        rd_kafka_conf_t *conf = build_conf(cfg, errstr, errstr_size);
        if (!conf) {
                goto error;
        }
        kafka_conf_route_logs(conf);
        ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
        if (!ks->rk) {
                rd_kafka_conf_destroy(conf);
                goto error;
        }
        conf = NULL; /* owned by rk now */
        rd_kafka_poll_set_consumer(ks->rk);
        ks->queue    = rd_kafka_queue_get_consumer(ks->rk);
        ks->data.rkt = rd_kafka_topic_new(ks->rk, cfg->topic, NULL);
        ks->dlqt.rkt = rd_kafka_topic_new(ks->rk, cfg->dlq_topic, NULL);
        if (!ks->queue || !ks->data.rkt || !ks->dlqt.rkt) {
                snprintf(errstr, errstr_size, "cannot create topic handles");
                goto error;
        }
        snapshot_hub_set_wake(hub, wake, ks);
        return ks;
error:
        kafka_source_destroy(ks);
        return NULL;
}

/* Adds partitions [t->n, n) with their watermarks (read by the watch when
 * it first saw them) as catch-up goal. */
static int grow(struct kafka_source *ks, struct topic_parts *t, int n,
                const int64_t *lo, const int64_t *hi)
{
        struct part *p = realloc(t->parts, (size_t)n * sizeof(*p));
        if (!p) {
                return -1;
        }
        t->parts = p;
        for (int i = t->n; i < n; i++) {
                p[i] = (struct part){i, lo[i], lo[i],
                                     ks->caught_up ? lo[i] : hi[i]};
        }
        t->n = n;
        return 0;
}

static void add_assignment(rd_kafka_topic_partition_list_t *l,
                           const struct topic_parts *t)
{
        for (int i = 0; i < t->n; i++) {
                rd_kafka_topic_partition_list_add(l, t->name, i)->offset =
                    t->parts[i].next;
        }
}

/* Follows partitions that appeared since the last look (never waits: the
 * watch thread asked the broker). */
static void refresh_partitions(struct kafka_source *ks)
{
        int64_t *lo = ks->wm_lo, *hi = ks->wm_hi;
        struct topic_parts *ts[METADATA_WATCH_TOPICS] = {&ks->data, &ks->dlqt};
        bool changed                                  = false;
        int answered                                  = 0;
        for (int k = 0; k < METADATA_WATCH_TOPICS; k++) {
                int n =
                    metadata_watch_get(ks->watch, k, lo, hi, MAX_PARTITIONS);
                answered += n >= 0;
                if (n > ts[k]->n) {
                        changed |= grow(ks, ts[k], n, lo, hi) == 0;
                }
        }
        /* Both topics known: a replay is not done before the dead letters
         * are read too (the watch answers for one topic, then the other). */
        if (answered == METADATA_WATCH_TOPICS && !ks->metadata_ok) {
                ks->metadata_ok = true;
        }
        if (!changed) {
                return;
        }
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(ks->data.n + ks->dlqt.n);
        add_assignment(l, &ks->data);
        add_assignment(l, &ks->dlqt);
        rd_kafka_resp_err_t err = rd_kafka_assign(ks->rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (err) {
                log_error("event=assign_failed error=\"%s\"",
                          rd_kafka_err2str(err));
                return;
        }
        log_info("event=assigned topic=%s partitions=%d dlq_partitions=%d",
                 ks->data.name, ks->data.n, ks->dlqt.n);
}

/* Logs a refused wire format version once per version in a row. */
static void log_refused(struct kafka_source *ks, unsigned version)
{
        log_error("event=wire_version_unsupported topic=%s version=%u "
                  "reads=3,2 reason=\"messages of wire format v%u are "
                  "skipped; this dashboard reads wire formats v3 and v2\"",
                  ks->data.name, version, version);
}

/* What decoding a message found out about source names (wire format v3):
 * rows of an id never named, a placeholder now named (renamed before the
 * naming message is applied), two sources with one id. */
static void handle_naming(struct kafka_source *ks,
                          const struct aggregates_message *am)
{
        const struct message_naming *n = message_decoder_naming(ks->decoder);
        if (n->unnamed) {
                log_warn("event=source_unnamed topic=%s source_id=%s "
                         "shown_as=%s reason=\"rows of a source id no reset "
                         "or snapshot-complete message has named yet (gone "
                         "by retention?): counted under its id until "
                         "named\"",
                         ks->data.name, n->source_id, n->unnamed);
        }
        if (n->named_from) {
                int r = aggregates_rename_source(ks->agg, n->named_from,
                                                 am->source);
                if (r < 0) {
                        log_error("event=source_rename_failed topic=%s "
                                  "source_id=%s source=%s shown_as=%s "
                                  "reason=\"a source of that name is "
                                  "shown already, or out of memory: its "
                                  "earlier rows stay under its id\"",
                                  ks->data.name, n->source_id, am->source,
                                  n->named_from);
                } else {
                        log_info("event=source_named topic=%s source_id=%s "
                                 "source=%s was=%s",
                                 ks->data.name, n->source_id, am->source,
                                 n->named_from);
                }
        }
        if (n->collision) {
                log_error("event=source_id_collision topic=%s source_id=%s "
                          "source=%s other=%s generation=%llu "
                          "reason=\"two sources with one source id: their "
                          "rows are told apart by generation only, rows of "
                          "a generation neither named are counted under "
                          "the id\"",
                          ks->data.name, n->source_id, am->source, n->collision,
                          (unsigned long long)am->generation);
        }
}

/* The message's headers, for the decoder (pointers into m). */
static size_t list_headers(rd_kafka_message_t *m, struct message_header *out)
{
        rd_kafka_headers_t *h = NULL;
        size_t n              = 0;
        if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                return 0; /* none */
        }
        while (n < MESSAGE_DECODER_HEADERS_MAX &&
               rd_kafka_header_get_all(h, n, &out[n].name, &out[n].value,
                                       &out[n].len) ==
                   RD_KAFKA_RESP_ERR_NO_ERROR) {
                n++;
        }
        return n;
}

/* A reset or snapshot-complete message, for topic_loss.h: on which
 * partition, and whether it was written before the dashboard started. */
static void note_control(struct kafka_source *ks,
                         const struct aggregates_message *am,
                         const rd_kafka_message_t *m)
{
        const struct part *p = m->partition >= 0 && m->partition < ks->data.n
                                   ? &ks->data.parts[m->partition]
                                   : NULL;
        if (topic_loss_control(ks->losses, am, m->partition,
                               p && m->offset < p->target) != 0) {
                log_error("event=out_of_memory what=topic_loss");
        }
}

static void handle_data(struct kafka_source *ks, rd_kafka_message_t *m,
                        int64_t now)
{
        struct message_header headers[MESSAGE_DECODER_HEADERS_MAX];
        rd_kafka_timestamp_type_t ts_type;
        int64_t ts           = rd_kafka_message_timestamp(m, &ts_type);
        struct message_in in = {
            .headers   = headers,
            .nheaders  = list_headers(m, headers),
            .payload   = m->payload,
            .len       = m->len,
            .partition = m->partition,
            .offset    = m->offset,
            .timestamp_ms =
                ts_type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : ts,
        };
        struct aggregates_message am;
        unsigned version;
        bool first;
        switch (message_decode(ks->decoder, &in, &am, &version, &first)) {
        case MESSAGE_DECODED:
                break;
        case MESSAGE_REFUSED:
                ks->decode_errors++;
                if (first) {
                        log_refused(ks, version);
                }
                return;
        case MESSAGE_NOMEM:
                log_error("event=out_of_memory what=decode");
                ks->decode_errors++;
                return;
        case MESSAGE_BAD:
        default:
                ks->decode_errors++;
                return;
        }
        handle_naming(ks, &am);
        enum aggregates_result r = aggregates_apply(ks->agg, &am, now);
        if (r == AGGREGATES_NOMEM) {
                log_error("event=out_of_memory source=%s", am.source);
        }
        if (am.kind == WIRE_RESET || am.kind == WIRE_SNAPSHOT_COMPLETE) {
                note_control(ks, &am, m);
        }
        /* The producer stamps each row with the time it read it. */
        if (ks->caught_up && am.kind == WIRE_ROW && r == AGGREGATES_APPLIED &&
            ts_type == RD_KAFKA_TIMESTAMP_CREATE_TIME && ts > 0) {
                latency_add(&ks->latency, ts, now);
                (void)aggregates_add_latency(ks->agg, am.source, ts, now);
        }
}

static struct part *find_part(struct topic_parts *t, int32_t id)
{
        return id >= 0 && id < t->n ? &t->parts[id] : NULL;
}

static void handle(struct kafka_source *ks, rd_kafka_message_t *m, int64_t now)
{
        if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        log_warn("event=consume_error error=\"%s\"",
                                 rd_kafka_message_errstr(m));
                }
                return;
        }
        ks->messages++;
        const char *tn = rd_kafka_topic_name(m->rkt);
        bool is_dlq    = strcmp(tn, ks->dlqt.name) == 0;
        struct part *p =
            find_part(is_dlq ? &ks->dlqt : &ks->data, m->partition);
        if (p) {
                p->next = m->offset + 1;
        }
        if (!is_dlq) {
                handle_data(ks, m, now);
                return;
        }
        const struct wire_object *rec =
            message_decode_dlq(ks->decoder, m->payload, m->len);
        if (rec) {
                (void)dlq_stats_add(ks->dlq, rec); /* -1: history */
        } else {
                ks->decode_errors++;
        }
}

static void update_progress(struct kafka_source *ks, uint64_t *consumed,
                            uint64_t *target)
{
        *consumed = *target            = 0;
        bool done                      = true;
        int64_t lag                    = 0;
        const struct topic_parts *ts[] = {&ks->data, &ks->dlqt};
        for (int k = 0; k < 2; k++) {
                for (int i = 0; i < ts[k]->n; i++) {
                        const struct part *p = &ts[k]->parts[i];
                        int64_t read         = p->next - p->low;
                        int64_t goal         = p->target - p->low;
                        *consumed += (uint64_t)(read < goal ? read : goal);
                        *target += (uint64_t)goal;
                        done &= p->next >= p->target;
                        int64_t lo, hi;
                        if (rd_kafka_get_watermark_offsets(ks->rk, ts[k]->name,
                                                           i, &lo, &hi) == 0 &&
                            hi > p->next) {
                                lag += hi - p->next;
                        }
                }
        }
        ks->lag = lag;
        /* A topic that does not exist is not "caught up": it has no
         * partitions (the health check says it is missing). */
        if (done && !ks->caught_up && ks->metadata_ok && ks->data.n > 0) {
                ks->caught_up          = true;
                ks->table_warm_pending = true;
                /* The replay's fetch buffers are freed by now but stay in
                 * malloc's arenas; hand them back so the resident size is
                 * what the rows need, and free at once from now on. */
                allocator_bulk_load_done();
                log_info("event=caught_up rows=%llu messages=%llu",
                         (unsigned long long)aggregates_count(ks->agg),
                         (unsigned long long)ks->messages);
        }
}

static char *render_metrics(struct kafka_source *ks, size_t *len)
{
        struct wire_buf b = {0};
        struct aggregates_counters k;
        uint64_t views_rendered, views_shared;
        aggregates_counters(ks->agg, &k);
        query_service_view_counts(ks->queries, &views_rendered, &views_shared);
        const struct prom_metric m[] = {
            {"dashboard_rows", PROM_GAUGE, "Rows shown",
             (int64_t)aggregates_count(ks->agg)},
            {"dashboard_messages_total", PROM_COUNTER, "Messages consumed",
             (int64_t)ks->messages},
            {"dashboard_rows_applied_total", PROM_COUNTER,
             "Messages that changed what is shown", (int64_t)k.applied},
            {"dashboard_duplicates_total", PROM_COUNTER,
             "Rows seen twice (dropped)", (int64_t)k.duplicates},
            {"dashboard_stale_total", PROM_COUNTER,
             "Rows of an older generation (dropped)", (int64_t)k.stale},
            {"dashboard_decode_errors_total", PROM_COUNTER,
             "Messages that could not be decoded", (int64_t)ks->decode_errors},
            {"dashboard_generation_swaps_total", PROM_COUNTER,
             "Generations that replaced an older one", (int64_t)k.swaps},
            {"dashboard_dlq_messages_total", PROM_COUNTER,
             "Dead-letter messages read", (int64_t)dlq_stats_count(ks->dlq)},
            {"dashboard_consumer_lag", PROM_GAUGE,
             "Messages behind the high watermarks (-1 unknown)", ks->lag},
            {"dashboard_caught_up", PROM_GAUGE,
             "1 once the replay since start-up is done", ks->caught_up},
            {"dashboard_partitions", PROM_GAUGE, "Partitions of the data topic",
             ks->data.n},
            {"dashboard_memory_bytes", PROM_GAUGE,
             "Bytes held by rows, strings, indexes and statistics",
             (int64_t)aggregates_memory(ks->agg)},
            {"dashboard_rows_missing", PROM_GAUGE,
             "Rows of the sources' generations gone from the topic (exact "
             "counts only)",
             (int64_t)topic_loss_rows(ks->losses)},
            {"dashboard_sources_missing_rows", PROM_GAUGE,
             "Sources with rows gone from the topic (counted or not)",
             (int64_t)topic_loss_sources(ks->losses)},
            {"dashboard_view_snapshots_rendered_total", PROM_COUNTER,
             "Snapshots rendered for a viewer's own roles or source",
             (int64_t)views_rendered},
            {"dashboard_view_snapshots_shared_total", PROM_COUNTER,
             "Viewer snapshots answered with the same view's render since "
             "the last publish",
             (int64_t)views_shared},
        };
        int rc = prom_write(&b, m, sizeof(m) / sizeof(m[0]));
        if (ks->latency.n) {
                const struct prom_quantile q[] = {
                    {"0.5", latency_percentile(&ks->latency, 50)},
                    {"0.99", latency_percentile(&ks->latency, 99)},
                };
                rc |= prom_write_summary(&b, "dashboard_latency_ms",
                                         "File read to dashboard, milliseconds",
                                         q, sizeof(q) / sizeof(q[0]),
                                         ks->latency.total);
        }
        (void)rc; /* out of memory: the text is cut short, nothing worse */
        *len = b.len;
        return b.data;
}

/* What the shell knows about the stream, for a render. update_health: a
 * publish also brings the health state up to date; a viewer's render reads
 * the last one. */
static void stream_info(struct kafka_source *ks, int64_t now,
                        bool update_health, struct snapshot_stream *out)
{
        uint64_t consumed, target;
        update_progress(ks, &consumed, &target);
        if (update_health) {
                struct metadata_watch_status ms;
                struct dashboard_health_input hi = {
                    .topic      = ks->data.name,
                    .meta       = &ms,
                    .caught_up  = ks->caught_up,
                    .partitions = ks->data.n,
                    .messages   = ks->messages,
                    .consumed   = consumed,
                    .target     = target,
                };
                metadata_watch_get_status(ks->watch, &ms);
                dashboard_health_update(ks->health, &hi, now);
        }
        *out = (struct snapshot_stream){
            .topic            = ks->data.name,
            .dlq_topic        = ks->dlqt.name,
            .partitions       = ks->data.n,
            .now_ms           = now,
            .lag              = ks->lag,
            .messages         = ks->messages,
            .decode_errors    = ks->decode_errors,
            .caught_up        = ks->caught_up,
            .catchup_consumed = consumed,
            .catchup_target   = target,
            .latency          = &ks->latency,
            .health           = dashboard_health_state(ks->health),
            .kafka_ok         = dashboard_health_kafka_ok(ks->health),
            .losses           = ks->losses,
        };
}

/* topic_loss_change_cb: the log says each finding once, and its end. */
static void loss_changed(void *ctx, const struct topic_loss_finding *old,
                         const struct topic_loss_finding *now)
{
        char text[512];
        (void)ctx;
        if (!now) {
                log_info("event=rows_missing_cleared source=\"%s\" "
                         "generation=%llu",
                         old->source, (unsigned long long)old->generation);
                return;
        }
        char rows[32] = "unknown";
        if (now->rows_known) {
                snprintf(rows, sizeof(rows), "%llu",
                         (unsigned long long)now->rows);
        }
        log_error("event=rows_missing source=\"%s\" generation=%llu rows=%s "
                  "reason=%s message=\"%s\"",
                  now->source, (unsigned long long)now->generation, rows,
                  topic_loss_reason_name(now->reason),
                  topic_loss_describe(now, text, sizeof(text)));
}

/* Judges what is gone from the topic (topic_loss.h) with the partitions'
 * log-start offsets at assignment. */
static void check_losses(struct kafka_source *ks)
{
        int n = ks->data.n < MAX_PARTITIONS ? ks->data.n : MAX_PARTITIONS;
        for (int i = 0; i < n; i++) {
                ks->wm_lo[i] = ks->data.parts[i].low;
        }
        struct topic_loss_topic tp = {.log_start  = ks->wm_lo,
                                      .partitions = n,
                                      .caught_up  = ks->caught_up};
        if (topic_loss_evaluate(ks->losses, ks->agg, &tp, loss_changed, ks) !=
            0) {
                log_error("event=out_of_memory what=topic_loss");
        }
}

static void publish(struct kafka_source *ks, int64_t now)
{
        struct snapshot_stream st;
        char reason[1024];
        stream_info(ks, now, true, &st);
        check_losses(ks);
        health_reason(st.health, reason, sizeof(reason));
        struct wire_buf producers = {0};
        if (ks->status &&
            status_watch_render(ks->status, now, &producers) == 0 &&
            wire_buf_append(&producers, "", 1) == 0) {
                st.producers_json = producers.data;
        }
        struct wire_buf b = {0};
        int rendered      = snapshot_render(ks->agg, ks->dlq, &st, &b);
        wire_buf_finish(&producers);
        if (rendered != 0) {
                wire_buf_finish(&b);
                log_error("event=render_failed");
                return;
        }
        size_t mlen   = 0;
        char *metrics = render_metrics(ks, &mlen);
        snapshot_hub_publish(ks->hub, b.data, b.len, metrics, mlen,
                             ks->caught_up, reason);
        query_service_published(ks->queries);
        ks->published_version   = aggregates_version(ks->agg);
        ks->published_caught_up = ks->caught_up;
        ks->last_publish        = now;
}

static bool snapshot_stale(const struct kafka_source *ks)
{
        return aggregates_version(ks->agg) != ks->published_version ||
               ks->caught_up != ks->published_caught_up;
}

/* How long the next poll may block: a stale snapshot must go out as soon
 * as the rate limit allows, not after a whole idle poll. */
static int poll_timeout_ms(const struct kafka_source *ks, int64_t now)
{
        int64_t wait;

        if (!snapshot_stale(ks)) {
                return POLL_TIMEOUT_MS;
        }
        wait = SNAPSHOT_MIN_INTERVAL_MS - (now - ks->last_publish);
        return wait <= 0                ? 0
               : wait < POLL_TIMEOUT_MS ? (int)wait
                                        : POLL_TIMEOUT_MS;
}

static void *run(void *arg)
{
        struct kafka_source *ks = arg;
        while (!atomic_load(&ks->stop)) {
                int64_t now = now_ms();
                if (atomic_exchange(&ks->metadata_news, false) ||
                    now - ks->last_metadata >= METADATA_CHECK_MS) {
                        refresh_partitions(ks);
                        ks->last_metadata = now;
                }
                /* One batch (at most MESSAGE_PIPE_BATCH_MAX messages) between
                 * two looks at the requests. */
                struct message_batch *b =
                    message_pipe_take(ks->pipe, poll_timeout_ms(ks, now));
                now = now_ms();
                if (b) {
                        for (size_t i = 0; i < b->n; i++) {
                                handle(ks, b->items[i], now);
                        }
                        message_pipe_done(ks->pipe);
                }
                query_service_poll(ks->queries);
                now           = now_ms();
                int64_t since = now - ks->last_publish;
                if ((snapshot_stale(ks) && since >= SNAPSHOT_MIN_INTERVAL_MS) ||
                    since >= SNAPSHOT_IDLE_INTERVAL_MS) {
                        publish(ks, now);
                }
                kafka_conf_flush_logs();
                if (ks->table_warm_pending && ks->published_caught_up) {
                        ks->table_warm_pending = false;
                        query_service_warm(ks->queries);
                }
        }
        query_service_finish(ks->queries);
        return NULL;
}

static int render_snapshot(void *ctx, struct wire_buf *out)
{
        struct kafka_source *ks = ctx;
        struct snapshot_stream st;
        int64_t now = now_ms();
        stream_info(ks, now, false, &st);
        struct wire_buf producers = {0};
        if (ks->status &&
            status_watch_render(ks->status, now, &producers) == 0 &&
            wire_buf_append(&producers, "", 1) == 0) {
                st.producers_json = producers.data;
        }
        int rc = snapshot_render(ks->agg, ks->dlq, &st, out);
        wire_buf_finish(&producers);
        return rc;
}

/* snapshot_producer_cb: the status topic's word on a source. */
static bool producer_of(void *ctx, const char *source,
                        struct producer_status_info *out)
{
        struct kafka_source *ks = ctx;
        return ks->status &&
               status_watch_get(ks->status, source, now_ms(), out);
}

static int render_sources(void *ctx, struct wire_buf *out)
{
        struct kafka_source *ks = ctx;
        return snapshot_render_sources(ks->agg, producer_of, ks, ks->losses,
                                       now_ms(), out);
}

int kafka_source_start(struct kafka_source *ks)
{
        struct metadata_watch_config mc = {
            .rk     = ks->rk,
            .topics = {ks->data.rkt, ks->dlqt.rkt},
            .names  = {ks->data.name, ks->dlqt.name},
            .wake   = wake_metadata,
            .ctx    = ks,
        };
        struct query_service_config qc = {
            .hub             = ks->hub,
            .agg             = ks->agg,
            .index_budget    = ks->index_budget,
            .wake            = wake,
            .render_snapshot = render_snapshot,
            .render_sources  = render_sources,
            .ctx             = ks,
        };
        ks->queries = query_service_create(&qc);
        ks->watch   = ks->queries ? metadata_watch_start(&mc) : NULL;
        ks->fetch =
            ks->watch ? kafka_fetch_start(ks->rk, ks->queue, ks->pipe) : NULL;
        if (!ks->fetch || pthread_create(&ks->thread, NULL, run, ks) != 0) {
                message_pipe_close(ks->pipe);
                kafka_fetch_stop(ks->fetch);
                ks->fetch = NULL;
                return -1;
        }
        ks->started = true;
        return 0;
}

void kafka_source_stop(struct kafka_source *ks)
{
        if (!ks || !ks->started) {
                return;
        }
        atomic_store(&ks->stop, true);
        message_pipe_close(ks->pipe); /* ends both threads' waits */
        kafka_fetch_stop(ks->fetch);
        ks->fetch = NULL;
        pthread_join(ks->thread, NULL);
        ks->started = false;
}

void kafka_source_destroy(struct kafka_source *ks)
{
        if (!ks) {
                return;
        }
        kafka_source_stop(ks);
        metadata_watch_stop(ks->watch);
        dashboard_health_destroy(ks->health);
        query_service_destroy(ks->queries);
        if (ks->hub) {
                snapshot_hub_set_wake(ks->hub, NULL, NULL);
        }
        message_pipe_destroy(ks->pipe); /* the messages it still holds */
        if (ks->data.rkt) {
                rd_kafka_topic_destroy(ks->data.rkt);
        }
        if (ks->dlqt.rkt) {
                rd_kafka_topic_destroy(ks->dlqt.rkt);
        }
        if (ks->queue) {
                rd_kafka_queue_destroy(ks->queue);
        }
        if (ks->rk) {
                (void)rd_kafka_consumer_close(ks->rk); /* nothing to commit */
                rd_kafka_destroy(ks->rk);
        }
        free(ks->data.parts);
        free(ks->dlqt.parts);
        message_decoder_destroy(ks->decoder);
        aggregates_destroy(ks->agg);
        dlq_stats_destroy(ks->dlq);
        topic_loss_destroy(ks->losses);
        free(ks);
}
