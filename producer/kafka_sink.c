/* SPDX-License-Identifier: MIT */
#include "kafka_sink.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/kafka_conf.h"
#include "common/log.h"
#include "common/log_dedup.h"
#include "common/wire.h"

#define KAFKA_SINK_BACKSTOP_POLL_MS 100
#define KAFKA_SINK_TOPICS_MAX       4
#define KAFKA_SINK_ERRSTR_LEN       256
#define KAFKA_SINK_HEADERS          1 /* csv.id */
/* Watermark reads of a topic at start (its message count): tries, pause. */
#define KAFKA_SINK_COUNT_TRIES    10
#define KAFKA_SINK_COUNT_RETRY_MS 200

/* A topic handle kept for producing (see kafka_sink.topics). */
struct sink_topic {
        char *name;
        rd_kafka_topic_t *rkt;
};

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
        bool destroying;
        char last_error[KAFKA_SINK_ERRSTR_LEN + 64]; /* "NAME: reason" */
        uint64_t last_error_ms;                      /* uv_now of it; 0: none */
        uint64_t last_ok_ms;      /* uv_now of the latest successful delivery */
        char id_buf[WIRE_ID_MAX]; /* the packed csv.id value being produced */
        /* Topic handles by name, made on first use and kept: producing by
         * name would look the topic up under librdkafka's handle-wide
         * write lock for every message. */
        struct sink_topic *topics;
        size_t topics_len;

        /* The metadata request on the thread pool (one at a time). */
        uv_work_t meta_work;
        bool meta_busy;
        char *meta_topic;
        struct kafka_sink_topic_info meta_info;
        bool meta_reported; /* its creation or absence was logged */
        bool meta_asked;    /* asked for by name: the broker may create it */
        bool meta_count_messages; /* the next request counts messages */
        bool no_create;           /* --no-create-topic */
        struct {
                char *name;
                struct kafka_sink_topic_info info;
                bool reported;
                bool asked;
        } also[KAFKA_SINK_TOPICS_MAX];
        int also_count;
        int meta_timeout_ms;
        int meta_count;
        char meta_error[KAFKA_SINK_ERRSTR_LEN];
        kafka_sink_partitions_cb meta_cb;
        void *meta_ctx;
};

/* Our defaults, applied before the user's properties so -X overrides
 * them. message.timeout.ms 0 means infinite: librdkafka's 5-minute default
 * would drop messages during a long outage. Queue limits sit above the
 * pipeline's own back-pressure bounds so produce never sees QUEUE_FULL.
 * No linger and no Nagle: a single appended row goes to the broker as soon
 * as librdkafka's broker thread sees it. With linger.ms=1 that thread held
 * a lone row for its 1 ms poll timeout (strace: poll(..., 1), then the
 * send), and the minimum of write() -> broker append was 1.5 ms against
 * 0.1-0.4 ms without (docs/benchmarks.md, sparse appends). A bulk load
 * still sends full batches: with idempotence at most 5 requests are in
 * flight, and rows read meanwhile wait in the partition queue for the
 * next free one; its CPU time measured within noise of linger.ms=1 (about
 * +5 % in alternating runs on the loaded 2 cores). */
static const char *const defaults[][2] = {
    {"enable.idempotence", "true"},
    {"message.timeout.ms", "0"},
    {"linger.ms", "0"},
    {"socket.nagle.disable", "true"},
    {"queue.buffering.max.messages", "1000000"},
    {"queue.buffering.max.kbytes", "1048576"},
    {"batch.num.messages", "10000"},
};

/* librdkafka's own default of message.max.bytes. */
#define KAFKA_SINK_DEFAULT_MAX_MESSAGE 1000000

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct kafka_sink *ks = opaque;

        (void)rk;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                ks->last_ok_ms = uv_now(ks->loop);
        }
        if ((uintptr_t)m->_private == KAFKA_SINK_UNTRACKED) {
                return; /* a status record: nobody waits for it */
        }
        ks->cbs->on_delivery(ks->ctx, (uint64_t)(uintptr_t)m->_private,
                             m->err == RD_KAFKA_RESP_ERR_NO_ERROR,
                             m->err ? rd_kafka_err2str(m->err) : NULL,
                             m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
                                 ? m->len + m->key_len
                                 : 0);
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
        char text[LOG_DEDUP_KEY_MAX / 2];

        kafka_conf_log_error(err, reason);
        /* Without librdkafka's "(after 0ms in state CONNECT, ...)" tail. */
        log_dedup_normalize(reason, text, sizeof(text));
        snprintf(ks->last_error, sizeof(ks->last_error), "%s: %s",
                 rd_kafka_err2name((rd_kafka_resp_err_t)err), text);
        ks->last_error_ms = uv_now(ks->loop);
}

const char *kafka_sink_last_error(const struct kafka_sink *ks, uint64_t *at_ms)
{
        *at_ms = ks->last_error_ms;
        return ks->last_error_ms && ks->last_error_ms >= ks->last_ok_ms
                   ? ks->last_error
                   : NULL;
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
        kafka_conf_flush_logs();
}

/* The producer's librdkafka configuration: brokers, our defaults, then the
 * user's properties (file, then -X). */
static rd_kafka_conf_t *build_conf(const char *brokers,
                                   const struct settings *s, char *errstr,
                                   size_t errstr_size)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        if (!conf) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
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
        if (settings_get_bool(s, "no-create-topic") &&
            kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr,
                           errstr_size) != 0) {
                goto error;
        }
        if (kafka_conf_apply(conf, s, errstr, errstr_size) != 0) {
                goto error;
        }
        return conf;
error:
        rd_kafka_conf_destroy(conf);
        return NULL;
}

int kafka_sink_print_config(const char *brokers, const struct settings *s,
                            FILE *out, char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *conf = build_conf(brokers, s, errstr, errstr_size);

        if (!conf) {
                return -1;
        }
        kafka_conf_print(conf, "csv-producer", out);
        rd_kafka_conf_destroy(conf);
        return 0;
}

struct kafka_sink *kafka_sink_create(uv_loop_t *loop, const char *brokers,
                                     const struct settings *s,
                                     const struct kafka_sink_cbs *cbs,
                                     void *ctx, char *errstr,
                                     size_t errstr_size)
{
        struct kafka_sink *ks = calloc(1, sizeof(*ks));
        rd_kafka_conf_t *conf = NULL;
        char rd_err[512];

        if (!ks) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        ks->loop        = loop;
        ks->cbs         = cbs;
        ks->ctx         = ctx;
        ks->pipe_fds[0] = ks->pipe_fds[1] = -1;
        ks->no_create = settings_get_bool(s, "no-create-topic");
        conf          = build_conf(brokers, s, errstr, errstr_size);
        if (!conf) {
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

static const struct rd_kafka_metadata_topic *
find_topic(const struct rd_kafka_metadata *md, const char *name)
{
        for (int i = 0; md && i < md->topic_cnt; i++) {
                if (strcmp(md->topics[i].topic, name) == 0 &&
                    md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                    md->topics[i].partition_cnt > 0) {
                        return &md->topics[i];
                }
        }
        return NULL;
}

static void describe(const struct rd_kafka_metadata_topic *t,
                     struct kafka_sink_topic_info *info)
{
        info->partitions   = t->partition_cnt;
        info->replicas     = t->partitions[0].replica_cnt;
        info->min_isr_seen = t->partitions[0].isr_cnt;
        for (int i = 0; i < t->partition_cnt; i++) {
                const rd_kafka_metadata_partition_t *p = &t->partitions[i];
                if (p->leader < 0 || p->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                        info->leaderless++;
                }
                if (p->isr_cnt < p->replica_cnt) {
                        info->under_replicated++;
                }
                if (p->isr_cnt < info->min_isr_seen) {
                        info->min_isr_seen = p->isr_cnt;
                }
        }
}

/* Looks a topic up in the cluster's list of topics (which creates
 * nothing); a missing one is asked for by name, which makes a broker with
 * auto.create.topics.enable create it, unless --no-create-topic. */
static int look_up(struct kafka_sink *ks, const char *name,
                   const struct rd_kafka_metadata *all,
                   struct kafka_sink_topic_info *info, bool *asked, char *error,
                   size_t error_size)
{
        const struct rd_kafka_metadata *md = NULL;
        const struct rd_kafka_metadata_topic *t;
        rd_kafka_topic_t *rkt;
        rd_kafka_resp_err_t err;

        memset(info, 0, sizeof(*info));
        t = find_topic(all, name);
        if (t) {
                describe(t, info);
                info->created = *asked; /* by our request by name */
                *asked        = false;
                return 0;
        }
        if (ks->no_create) {
                info->missing = true;
                snprintf(error, error_size,
                         "topic %s does not exist and --no-create-topic "
                         "forbids creating it",
                         name);
                return -1;
        }
        *asked = true;
        rkt    = rd_kafka_topic_new(ks->rk, name, NULL);
        err = rkt ? rd_kafka_metadata(ks->rk, 0, rkt, &md, ks->meta_timeout_ms)
                  : RD_KAFKA_RESP_ERR__NOENT;
        if (rkt) {
                rd_kafka_topic_destroy(rkt);
        }
        t = err ? NULL : find_topic(md, name);
        if (t) {
                describe(t, info);
                info->created = true;
                *asked        = false;
        } else {
                /* Being created: its leader is not elected yet. */
                snprintf(error, error_size, "topic %s: %s", name,
                         err ? rd_kafka_err2str(err) : "does not exist (yet)");
        }
        if (md) {
                rd_kafka_metadata_destroy(md);
        }
        return t ? 0 : -1;
}

/* Thread pool: the only code of this module that runs off the loop. It
 * touches nothing but rk (thread-safe) and the meta_* fields, which the
 * loop thread leaves alone while meta_busy is set. */
/* Thread pool: the messages the requested topic holds, -1 when a
 * partition's watermarks cannot be read (a topic just created may have no
 * leader yet: a few tries). A topic the broker created for this request
 * is empty. */
static int64_t count_messages(struct kafka_sink *ks)
{
        int64_t sum = 0;

        if (ks->meta_info.created) {
                return 0;
        }
        for (int32_t i = 0; i < ks->meta_info.partitions; i++) {
                int64_t low, high;
                rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__FAIL;
                for (int k = 0; k < KAFKA_SINK_COUNT_TRIES &&
                                err != RD_KAFKA_RESP_ERR_NO_ERROR;
                     k++) {
                        if (k > 0) {
                                uv_sleep(KAFKA_SINK_COUNT_RETRY_MS);
                        }
                        err = rd_kafka_query_watermark_offsets(
                            ks->rk, ks->meta_topic, i, &low, &high,
                            ks->meta_timeout_ms);
                }
                if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                        return -1;
                }
                sum += high - low;
        }
        return sum;
}

static void meta_run(uv_work_t *w)
{
        struct kafka_sink *ks              = w->data;
        const struct rd_kafka_metadata *md = NULL;
        char ignored[KAFKA_SINK_ERRSTR_LEN];
        rd_kafka_resp_err_t err;

        ks->meta_count    = -1;
        ks->meta_error[0] = '\0';
        err = rd_kafka_metadata(ks->rk, 1, NULL, &md, ks->meta_timeout_ms);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                memset(&ks->meta_info, 0, sizeof(ks->meta_info));
                snprintf(ks->meta_error, sizeof(ks->meta_error), "%s",
                         rd_kafka_err2str(err));
                return;
        }
        if (look_up(ks, ks->meta_topic, md, &ks->meta_info, &ks->meta_asked,
                    ks->meta_error, sizeof(ks->meta_error)) == 0) {
                ks->meta_count = ks->meta_info.partitions;
                ks->meta_info.messages =
                    ks->meta_count_messages ? count_messages(ks) : -1;
                ks->meta_count_messages = false;
        }
        for (int i = 0; i < ks->also_count; i++) {
                if (!ks->also[i].reported) {
                        (void)look_up(ks, ks->also[i].name, md,
                                      &ks->also[i].info, &ks->also[i].asked,
                                      ignored, sizeof(ignored));
                }
        }
        rd_kafka_metadata_destroy(md);
}

/* Loop thread: says once per topic that it was auto-created (with what
 * shape) or that it is missing. */
static void report_topic(const char *name,
                         const struct kafka_sink_topic_info *info,
                         bool *reported)
{
        if (*reported) {
                return;
        }
        if (info->created) {
                log_warn("event=topic_auto_created topic=%s partitions=%d "
                         "replication_factor=%d hint=\"the broker created "
                         "it with its defaults; create topics yourself "
                         "(deploy/create-topics.sh) or refuse this with "
                         "--no-create-topic\"",
                         name, info->partitions, info->replicas);
                *reported = true;
        } else if (info->missing) {
                log_error("event=topic_missing topic=%s hint=\"create it; "
                          "--no-create-topic is set\"",
                          name);
                *reported = true;
        } else if (info->partitions > 0) {
                *reported = true;
        }
}

static void free_sink(struct kafka_sink *ks);

static void meta_done(uv_work_t *w, int status)
{
        struct kafka_sink *ks = w->data;

        ks->meta_busy = false;
        if (ks->destroying) {
                if (ks->handles_open == 0) {
                        free_sink(ks);
                }
                return;
        }
        if (status != 0) {
                ks->meta_count = -1;
                snprintf(ks->meta_error, sizeof(ks->meta_error), "%s",
                         uv_strerror(status));
        }
        report_topic(ks->meta_topic, &ks->meta_info, &ks->meta_reported);
        for (int i = 0; i < ks->also_count; i++) {
                report_topic(ks->also[i].name, &ks->also[i].info,
                             &ks->also[i].reported);
        }
        ks->meta_cb(ks->meta_ctx, ks->meta_count,
                    ks->meta_count > 0 ? NULL : ks->meta_error);
}

int kafka_sink_request_partitions(struct kafka_sink *ks, const char *topic,
                                  int timeout_ms, kafka_sink_partitions_cb cb,
                                  void *ctx)
{
        if (ks->meta_busy || ks->destroying) {
                return -1;
        }
        if (!ks->meta_topic || strcmp(ks->meta_topic, topic) != 0) {
                free(ks->meta_topic);
                ks->meta_topic    = strdup(topic);
                ks->meta_reported = false;
                if (!ks->meta_topic) {
                        return -1;
                }
        }
        ks->meta_timeout_ms = timeout_ms;
        ks->meta_cb         = cb;
        ks->meta_ctx        = ctx;
        ks->meta_work.data  = ks;
        if (uv_queue_work(ks->loop, &ks->meta_work, meta_run, meta_done) != 0) {
                return -1;
        }
        ks->meta_busy = true;
        return 0;
}

void kafka_sink_count_messages(struct kafka_sink *ks)
{
        if (!ks->meta_busy) {
                ks->meta_count_messages = true;
        }
}

int kafka_sink_also_check(struct kafka_sink *ks, const char *topic)
{
        if (ks->also_count == KAFKA_SINK_TOPICS_MAX ||
            !(ks->also[ks->also_count].name = strdup(topic))) {
                return -1;
        }
        ks->also_count++;
        return 0;
}

const struct kafka_sink_topic_info *
kafka_sink_topic_info(const struct kafka_sink *ks)
{
        return &ks->meta_info;
}

/* The kept handle of topic, made on first use. NULL: out of memory. */
static rd_kafka_topic_t *topic_handle(struct kafka_sink *ks, const char *name)
{
        for (size_t i = 0; i < ks->topics_len; i++) {
                if (strcmp(ks->topics[i].name, name) == 0) {
                        return ks->topics[i].rkt;
                }
        }
        void *grown =
            realloc(ks->topics, (ks->topics_len + 1) * sizeof(*ks->topics));
        if (!grown) {
                return NULL;
        }
        ks->topics = grown;
        char *copy = strdup(name);
        rd_kafka_topic_t *rkt =
            copy ? rd_kafka_topic_new(ks->rk, name, NULL) : NULL;
        if (!rkt) {
                free(copy);
                return NULL;
        }
        ks->topics[ks->topics_len].name = copy;
        ks->topics[ks->topics_len].rkt  = rkt;
        ks->topics_len++;
        return rkt;
}

int kafka_sink_produce(struct kafka_sink *ks, const char *topic,
                       int32_t partition, const char *key, size_t key_len,
                       const char *payload, size_t len,
                       const struct kafka_sink_headers *h, uint64_t seq,
                       const char **error)
{
        size_t id_len = wire_id_encode(&h->id, ks->id_buf, sizeof(ks->id_buf));
        rd_kafka_topic_t *rkt    = topic_handle(ks, topic);
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(KAFKA_SINK_HEADERS);
        rd_kafka_resp_err_t err;

        if (!hdrs || id_len == 0 || !rkt) {
                if (hdrs) {
                        rd_kafka_headers_destroy(hdrs);
                }
                *error = "out of memory";
                return -1;
        }
        /* rd_kafka_header_add fails only on a read-only set. */
        (void)rd_kafka_header_add(hdrs, WIRE_HDR_ID, sizeof(WIRE_HDR_ID) - 1,
                                  ks->id_buf, (ssize_t)id_len);
        err = rd_kafka_producev(
            ks->rk, RD_KAFKA_V_RKT(rkt),
            RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA
                                               : partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_TIMESTAMP(h->timestamp_ms),
            RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_headers_destroy(hdrs); /* still ours on failure */
                *error = rd_kafka_err2str(err);
                return -1;
        }
        return 0;
}

int kafka_sink_produce_untracked(struct kafka_sink *ks, const char *topic,
                                 const char *key, const char *payload,
                                 size_t len)
{
        rd_kafka_topic_t *rkt = topic_handle(ks, topic);

        if (!rkt) {
                return -1;
        }
        return rd_kafka_producev(
                   ks->rk, RD_KAFKA_V_RKT(rkt),
                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                   RD_KAFKA_V_KEY(key, strlen(key)),
                   RD_KAFKA_V_VALUE((void *)payload, len),
                   RD_KAFKA_V_OPAQUE((void *)(uintptr_t)KAFKA_SINK_UNTRACKED),
                   RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR
                   ? 0
                   : -1;
}

size_t kafka_sink_max_message_bytes(const struct kafka_sink *ks)
{
        char buf[32];
        size_t size = sizeof(buf);
        long long v = 0;

        if (rd_kafka_conf_get(rd_kafka_conf(ks->rk), "message.max.bytes", buf,
                              &size) == RD_KAFKA_CONF_OK) {
                v = atoll(buf);
        }
        return v > 0 ? (size_t)v : KAFKA_SINK_DEFAULT_MAX_MESSAGE;
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
        free(ks->meta_topic);
        for (int i = 0; i < ks->also_count; i++) {
                free(ks->also[i].name);
        }
        if (ks->main_q) {
                rd_kafka_queue_destroy(ks->main_q);
        }
        for (size_t i = 0; i < ks->topics_len; i++) {
                rd_kafka_topic_destroy(ks->topics[i].rkt);
                free(ks->topics[i].name);
        }
        free(ks->topics);
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

        /* A running metadata request still uses rk: the last of the close
         * callbacks and meta_done frees. */
        if (--ks->handles_open == 0 && !ks->meta_busy) {
                free_sink(ks);
        }
}

void kafka_sink_destroy(struct kafka_sink *ks)
{
        if (!ks) {
                return;
        }
        ks->destroying = true;
        if (ks->handles_open == 0) {
                if (!ks->meta_busy) {
                        free_sink(ks);
                }
                return;
        }
        if (ks->meta_busy) {
                (void)uv_cancel((uv_req_t *)&ks->meta_work); /* if queued */
        }
        uv_close((uv_handle_t *)&ks->poll, on_closed);
        uv_close((uv_handle_t *)&ks->timer, on_closed);
}
