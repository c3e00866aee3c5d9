/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's lifecycle (loop thread only): create, start (waiting for
 * the topic's partition count), the progress line, shutdown, fatal errors
 * and destroy, plus the callback tables handed to the shells. The rest of
 * the pipeline lives in pipeline_generation.c, pipeline_records.c,
 * pipeline_dlq.c and pipeline_delivery.c (see pipeline_internal.h).
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "row_encoder.h"
#include "row_parser.h"
#include "typing.h"

#define PIPELINE_META_TIMEOUT_MS 2000 /* on the thread pool, not the loop */
#define PIPELINE_META_RETRY_MS   100
#define PIPELINE_PROGRESS_MS     1000
#define PIPELINE_TRACKER_SLACK   65536 /* room for control copies */

static void on_meta_timer(uv_timer_t *h);

static void on_partitions(void *ctx, int n, const char *error)
{
        struct pipeline *p = ctx;

        if (p->stopping || p->finished) {
                return;
        }
        if (p->partitions == 0) {
                if (n <= 0) {
                        /* Once, not at every 100 ms retry. */
                        LOG_AT(p->meta_wait_logged ? LOG_LEVEL_DEBUG
                                                   : LOG_LEVEL_INFO,
                               "event=metadata_wait topic=%s error=\"%s\"",
                               p->cfg.topic, error ? error : "?");
                        p->meta_wait_logged = true;
                        uv_timer_start(&p->meta_timer, on_meta_timer,
                                       PIPELINE_META_RETRY_MS, 0);
                        return;
                }
                p->partitions = n;
                log_info("event=topic_ready topic=%s partitions=%d",
                         p->cfg.topic, n);
                uv_timer_start(&p->meta_timer, on_meta_timer,
                               p->cfg.metadata_refresh_ms,
                               p->cfg.metadata_refresh_ms);
                pipeline_begin(p);
                return;
        }
        /* Later control messages go to every partition the topic has now. */
        if (n > 0 && n != p->partitions) {
                log_info("event=partitions_changed topic=%s old=%d new=%d",
                         p->cfg.topic, p->partitions, n);
                p->partitions = n;
        } else if (n <= 0) {
                log_debug("event=metadata_refresh_failed topic=%s error=\"%s\"",
                          p->cfg.topic, error ? error : "?");
        }
}

/* Asks for the partition count on the thread pool: at start until the
 * topic is ready, then every metadata_refresh_ms. */
static void on_meta_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        if (p->stopping) {
                return;
        }
        if (kafka_sink_request_partitions(p->sink, p->cfg.topic,
                                          PIPELINE_META_TIMEOUT_MS,
                                          on_partitions, p) != 0 &&
            p->partitions == 0) {
                uv_timer_start(&p->meta_timer, on_meta_timer,
                               PIPELINE_META_RETRY_MS, 0);
        }
}

/*
 * The progress line (stderr is a terminal). It is drawn as "clear line,
 * text, carriage return": the cursor stays at column 0, so a log line
 * written meanwhile overwrites it instead of being glued to its end, and
 * the next tick draws it again below. Short enough for 80 columns.
 */
static void draw_progress(struct pipeline *p, uint64_t rate, bool last)
{
        fprintf(stderr,
                "\033[Kread %" PRIu64 " rows (%" PRIu64
                "/s%s), %.1f MB, acked %" PRIu64 "%s",
                (uint64_t)p->m->records_read, rate, last ? " avg" : "",
                (double)p->m->bytes_read / 1e6, (uint64_t)p->m->rows_acked,
                last ? "\n" : "\r");
        fflush(stderr);
}

/* Ends the line with the average rate since it appeared. */
static void end_progress(struct pipeline *p)
{
        uint64_t ms = uv_now(p->loop) - p->burst_ms;

        if (!p->progress_shown) {
                return;
        }
        draw_progress(
            p, (p->m->records_read - p->burst_records) * 1000 / (ms ? ms : 1),
            true);
        p->progress_shown = false;
}

static void on_progress(uv_timer_t *h)
{
        struct pipeline *p = h->data;
        uint64_t now       = uv_now(p->loop);
        uint64_t records   = p->m->records_read;
        uint64_t acked     = p->m->rows_acked;
        uint64_t ms = now > p->progress_last_ms ? now - p->progress_last_ms : 1;

        if (records != p->progress_last || acked != p->progress_last_acked) {
                if (!p->progress_shown) {
                        p->burst_ms       = p->progress_last_ms;
                        p->burst_records  = p->progress_last;
                        p->progress_shown = true;
                }
                draw_progress(p, (records - p->progress_last) * 1000 / ms,
                              false);
        } else {
                end_progress(p); /* idle: leave the final figures */
        }
        p->progress_last       = records;
        p->progress_last_acked = acked;
        p->progress_last_ms    = now;
}

static void on_fatal(void *ctx, const char *reason)
{
        struct pipeline *p = ctx;

        log_error("event=fatal error=\"%s\"", reason);
        p->stopping = true;
        file_tail_stop(p->tail);
        pipeline_save_checkpoint(p);
        pipeline_finish(p, 1);
}

const struct file_tail_cbs pipeline_tail_cbs = {
    .on_change = pipeline_on_change,
    .on_data   = pipeline_on_data,
    .on_eof    = pipeline_on_eof,
};

const struct kafka_sink_cbs pipeline_sink_cbs = {
    .on_delivery = pipeline_on_delivery,
    .on_fatal    = on_fatal,
};

struct pipeline *pipeline_create(uv_loop_t *loop,
                                 const struct pipeline_config *cfg,
                                 struct state_store *store,
                                 struct producer_metrics *metrics,
                                 pipeline_done_cb done, void *done_ctx,
                                 char *errstr, size_t errstr_size)
{
        struct pipeline *p             = calloc(1, sizeof(*p));
        struct row_parser_options opts = {0};

        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        p->loop               = loop;
        p->cfg                = *cfg;
        p->store              = store;
        p->m                  = metrics;
        p->done               = done;
        p->done_ctx           = done_ctx;
        p->key_idx            = -1;
        opts.delimiter        = cfg->delimiter;
        opts.max_record_bytes = cfg->max_record_bytes;
        opts.encoding         = cfg->encoding;
        p->parser             = row_parser_create(&opts);
        p->typing             = typing_create();
        p->pre_parser         = row_parser_create(&opts);
        p->pre_typing         = typing_create();
        p->acks               = ack_tracker_create(cfg->max_pending_messages +
                                                   PIPELINE_TRACKER_SLACK);
        p->enc                = row_encoder_create();
        if (!p->parser || !p->typing || !p->acks || !p->pre_parser ||
            !p->pre_typing || !p->enc) {
                snprintf(errstr, errstr_size, "out of memory");
                pipeline_destroy(p);
                return NULL;
        }
        if (typing_set_schema(p->typing, cfg->schema, errstr, errstr_size) ||
            typing_set_schema(p->pre_typing, cfg->schema, errstr,
                              errstr_size)) {
                pipeline_destroy(p);
                return NULL;
        }
        typing_set_decimal_comma(p->typing, cfg->decimal_comma);
        typing_set_decimal_comma(p->pre_typing, cfg->decimal_comma);
        checkpoint_init(&p->ck);
        pipeline_update_schema_id(p);
        return p;
}

int pipeline_start(struct pipeline *p, struct file_tail *tail,
                   struct kafka_sink *sink)
{
        p->tail = tail;
        p->sink = sink;
        if (p->cfg.max_record_bytes == 0) {
                /* A record as long as a message can be: longer ones could
                 * never be sent. */
                size_t max = kafka_sink_max_message_bytes(sink);
                row_parser_set_max_record_bytes(p->parser, max);
                row_parser_set_max_record_bytes(p->pre_parser, max);
        }
        uv_timer_init(p->loop, &p->meta_timer);
        uv_timer_init(p->loop, &p->ckpt_timer);
        uv_timer_init(p->loop, &p->progress_timer);
        uv_timer_init(p->loop, &p->settle_timer);
        uv_timer_init(p->loop, &p->delete_timer);
        uv_timer_init(p->loop, &p->idle_timer);
        p->idle_timer.data = p;
        p->meta_timer.data = p->ckpt_timer.data = p->progress_timer.data = p;
        p->settle_timer.data = p->delete_timer.data = p;
        p->timers_init                              = true;
        uv_timer_start(&p->meta_timer, on_meta_timer, 0, 0);
        uv_timer_start(&p->ckpt_timer, pipeline_on_ckpt_timer,
                       p->cfg.checkpoint_interval_ms,
                       p->cfg.checkpoint_interval_ms);
        p->progress_last_ms = uv_now(p->loop);
        if (p->cfg.show_progress) {
                uv_timer_start(&p->progress_timer, on_progress,
                               PIPELINE_PROGRESS_MS, PIPELINE_PROGRESS_MS);
        }
        return 0;
}

void pipeline_finish(struct pipeline *p, int status)
{
        if (p->finished) {
                return;
        }
        p->finished = true;
        if (p->timers_init) {
                uv_timer_stop(&p->meta_timer);
                uv_timer_stop(&p->ckpt_timer);
                uv_timer_stop(&p->progress_timer);
                uv_timer_stop(&p->settle_timer);
                uv_timer_stop(&p->delete_timer);
                uv_timer_stop(&p->idle_timer);
        }
        end_progress(p);
        p->done(p->done_ctx, status);
}

void pipeline_resend(struct pipeline *p)
{
        if (!p->finished && !p->stopping && !p->starting) {
                file_tail_restart(p->tail); /* a new generation follows */
        }
}

void pipeline_shutdown(struct pipeline *p, int flush_timeout_ms)
{
        int left;

        if (p->finished) {
                return;
        }
        p->stopping = true;
        file_tail_stop(p->tail);
        left = kafka_sink_flush(p->sink, flush_timeout_ms);
        kafka_sink_poll(p->sink);
        pipeline_save_checkpoint(p);
        log_info("event=shutdown source=%s checkpoint_offset=%" PRIu64
                 " unflushed=%d",
                 p->cfg.source, p->ck.offset, left);
        pipeline_finish(p, 0);
}

static void noop_close(uv_handle_t *h)
{
        (void)h;
}

void pipeline_destroy(struct pipeline *p)
{
        if (!p) {
                return;
        }
        row_parser_destroy(p->parser);
        typing_destroy(p->typing);
        row_parser_destroy(p->pre_parser);
        typing_destroy(p->pre_typing);
        free(p->pre_values);
        ack_tracker_destroy(p->acks);
        row_encoder_destroy(p->enc);
        wire_buf_finish(&p->buf);
        wire_buf_finish(&p->cols);
        free(p->values);
        free(p);
}

void pipeline_close_handles(struct pipeline *p)
{
        if (p && p->timers_init) {
                uv_close((uv_handle_t *)&p->meta_timer, noop_close);
                uv_close((uv_handle_t *)&p->ckpt_timer, noop_close);
                uv_close((uv_handle_t *)&p->progress_timer, noop_close);
                uv_close((uv_handle_t *)&p->settle_timer, noop_close);
                uv_close((uv_handle_t *)&p->delete_timer, noop_close);
                uv_close((uv_handle_t *)&p->idle_timer, noop_close);
                p->timers_init = false;
        }
}
