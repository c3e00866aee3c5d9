/* SPDX-License-Identifier: MIT */
#include "kafka_sink.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/kafka_conf.h"
#include "common/log.h"

#define KAFKA_SINK_BACKSTOP_POLL_MS 100
#define KAFKA_SINK_TOPICS_MAX       4

struct kafka_sink {
        uv_loop_t *loop;
        rd_kafka_t *rk;
        rd_kafka_queue_t *main_q;
        const struct kafka_sink_cbs *cbs;
        void *ctx;
        int pipe_fds[2];
        uv_poll_t poll;
        uv_timer_t timer;
        int handles_open;
        bool fatal_reported;
        struct {
                char *name;
                rd_kafka_topic_t *rkt;
        } topics[KAFKA_SINK_TOPICS_MAX];
};

/* Our defaults, applied before the user's properties so -X overrides
 * them. message.timeout.ms 0 means infinite: librdkafka's 5-minute default
 * would drop messages during a long outage. Queue limits sit above the
 * pipeline's own back-pressure bounds so produce never sees QUEUE_FULL. */
static const char *const defaults[][2] = {
    {"enable.idempotence", "true"},
    {"message.timeout.ms", "0"},
    {"linger.ms", "5"},
    {"queue.buffering.max.messages", "1000000"},
    {"queue.buffering.max.kbytes", "1048576"},
    {"batch.num.messages", "10000"},
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct kafka_sink *ks = opaque;

        (void)rk;
        ks->cbs->on_delivery(ks->ctx, (uint64_t)(uintptr_t)m->_private,
                             m->err == RD_KAFKA_RESP_ERR_NO_ERROR,
                             m->err ? rd_kafka_err2str(m->err) : NULL);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        struct kafka_sink *ks = opaque;
        char fatal[512];

        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
                if (!ks->fatal_reported) {
                        ks->fatal_reported = true;
                        ks->cbs->on_fatal(ks->ctx, fatal);
                }
                return;
        }
        log_warn("event=kafka_error error=%s reason=\"%s\"",
                 rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void serve(struct kafka_sink *ks)
{
        /* Each call serves what is queued; a bounded loop keeps one
         * wake-up from starving file reading. */
        for (int i = 0; i < 64 && rd_kafka_poll(ks->rk, 0) > 0; i++) {
        }
}

static void on_pipe(uv_poll_t *h, int status, int events)
{
        struct kafka_sink *ks = h->data;
        char drain[256];

        (void)status;
        (void)events;
        while (read(ks->pipe_fds[0], drain, sizeof(drain)) > 0) {
        }
        serve(ks);
}

static void on_timer(uv_timer_t *h)
{
        serve(h->data);
}

struct kafka_sink *kafka_sink_create(uv_loop_t *loop, const char *brokers,
                                     const struct settings *s,
                                     const struct kafka_sink_cbs *cbs,
                                     void *ctx, char *errstr,
                                     size_t errstr_size)
{
        struct kafka_sink *ks = calloc(1, sizeof(*ks));
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char rd_err[512];

        if (!ks || !conf) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        ks->loop        = loop;
        ks->cbs         = cbs;
        ks->ctx         = ctx;
        ks->pipe_fds[0] = ks->pipe_fds[1] = -1;
        if (kafka_conf_set(conf, "bootstrap.servers", brokers, errstr,
                           errstr_size) != 0) {
                goto error;
        }
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
                if (kafka_conf_set(conf, defaults[i][0], defaults[i][1], errstr,
                                   errstr_size) != 0) {
                        goto error;
                }
        }
        if (kafka_conf_apply(conf, s, errstr, errstr_size) != 0) {
                goto error;
        }
        kafka_conf_route_logs(conf);
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_conf_set_error_cb(conf, error_cb);
        rd_kafka_conf_set_opaque(conf, ks);
        ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rd_err, sizeof(rd_err));
        if (!ks->rk) {
                snprintf(errstr, errstr_size, "kafka: %s", rd_err);
                goto error;
        }
        conf = NULL; /* owned by rk now */

        if (pipe2(ks->pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
                snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
                goto error;
        }
        ks->main_q = rd_kafka_queue_get_main(ks->rk);
        rd_kafka_queue_io_event_enable(ks->main_q, ks->pipe_fds[1], "1", 1);
        uv_poll_init(loop, &ks->poll, ks->pipe_fds[0]);
        uv_timer_init(loop, &ks->timer);
        ks->poll.data = ks->timer.data = ks;
        ks->handles_open               = 2;
        uv_poll_start(&ks->poll, UV_READABLE, on_pipe);
        uv_timer_start(&ks->timer, on_timer, KAFKA_SINK_BACKSTOP_POLL_MS,
                       KAFKA_SINK_BACKSTOP_POLL_MS);
        return ks;
error:
        if (conf) {
                rd_kafka_conf_destroy(conf);
        }
        kafka_sink_destroy(ks);
        return NULL;
}

static rd_kafka_topic_t *topic_of(struct kafka_sink *ks, const char *name)
{
        for (int i = 0; i < KAFKA_SINK_TOPICS_MAX; i++) {
                if (!ks->topics[i].name) {
                        ks->topics[i].rkt =
                            rd_kafka_topic_new(ks->rk, name, NULL);
                        if (!ks->topics[i].rkt) {
                                return NULL;
                        }
                        ks->topics[i].name = strdup(name);
                        return ks->topics[i].rkt;
                }
                if (strcmp(ks->topics[i].name, name) == 0) {
                        return ks->topics[i].rkt;
                }
        }
        return NULL;
}

int kafka_sink_partition_count(struct kafka_sink *ks, const char *topic,
                               int timeout_ms)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt              = topic_of(ks, topic);
        rd_kafka_resp_err_t err;
        int count = -1;

        if (!rkt) {
                return -1;
        }
        err = rd_kafka_metadata(ks->rk, 0, rkt, &md, timeout_ms);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                log_info("event=metadata_wait topic=%s error=\"%s\"", topic,
                         rd_kafka_err2str(err));
                return -1;
        }
        if (md->topic_cnt == 1 && md->topics[0].err == 0 &&
            md->topics[0].partition_cnt > 0) {
                count = md->topics[0].partition_cnt;
        } else if (md->topic_cnt == 1) {
                log_info("event=metadata_wait topic=%s error=\"%s\"", topic,
                         rd_kafka_err2str(md->topics[0].err));
        }
        rd_kafka_metadata_destroy(md);
        return count;
}

int kafka_sink_produce(struct kafka_sink *ks, const char *topic,
                       int32_t partition, const char *key, size_t key_len,
                       const char *payload, size_t len,
                       const struct kafka_sink_headers *h, uint64_t seq,
                       const char **error)
{
        rd_kafka_headers_t *hdrs     = rd_kafka_headers_new(8);
        const char *const pairs[][2] = {
            {"csv.kind", h->kind},
            {"csv.source", h->source},
            {"csv.generation", h->generation},
            {"csv.record", h->record},
            {"csv.offset", h->offset},
            {"csv.schema", h->schema},
            {"csv.read_ts", h->read_ts},
        };
        rd_kafka_resp_err_t err;

        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                if (pairs[i][1]) {
                        rd_kafka_header_add(hdrs, pairs[i][0], -1, pairs[i][1],
                                            -1);
                }
        }
        err = rd_kafka_producev(
            ks->rk, RD_KAFKA_V_TOPIC(topic),
            RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA
                                               : partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_headers_destroy(hdrs); /* still ours on failure */
                *error = rd_kafka_err2str(err);
                return -1;
        }
        return 0;
}

void kafka_sink_poll(struct kafka_sink *ks)
{
        serve(ks);
}

int kafka_sink_flush(struct kafka_sink *ks, int timeout_ms)
{
        (void)rd_kafka_flush(ks->rk, timeout_ms); /* outq_len says the rest */
        return rd_kafka_outq_len(ks->rk);
}

int kafka_sink_outq_len(struct kafka_sink *ks)
{
        return rd_kafka_outq_len(ks->rk);
}

static void free_sink(struct kafka_sink *ks)
{
        for (int i = 0; i < KAFKA_SINK_TOPICS_MAX; i++) {
                if (ks->topics[i].rkt) {
                        rd_kafka_topic_destroy(ks->topics[i].rkt);
                }
                free(ks->topics[i].name);
        }
        if (ks->main_q) {
                rd_kafka_queue_destroy(ks->main_q);
        }
        if (ks->rk) {
                rd_kafka_destroy(ks->rk);
        }
        if (ks->pipe_fds[0] >= 0) {
                close(ks->pipe_fds[0]);
                close(ks->pipe_fds[1]);
        }
        free(ks);
}

static void on_closed(uv_handle_t *h)
{
        struct kafka_sink *ks = h->data;

        if (--ks->handles_open == 0) {
                free_sink(ks);
        }
}

void kafka_sink_destroy(struct kafka_sink *ks)
{
        if (!ks) {
                return;
        }
        if (ks->handles_open == 0) {
                free_sink(ks);
                return;
        }
        uv_close((uv_handle_t *)&ks->poll, on_closed);
        uv_close((uv_handle_t *)&ks->timer, on_closed);
}
