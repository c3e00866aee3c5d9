/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's shell (loop thread only): its lifecycle (create, start
 * once the topic's partition count is known, the progress line, shutdown,
 * fatal errors, destroy), every callback of the shells and timers, and
 * carrying out the decisions of the source machine (core/source_machine.h):
 * each callback feeds the machine an event, then pipeline_drain carries
 * out the actions that came out, in order.
 *
 * The pipeline files form a chain, each using only the ones after it:
 *
 *   pipeline.c            callbacks, lifecycle, the machine's actions
 *   pipeline_state.c      writing the state file
 *   pipeline_generation.c reading from 0, resuming, the end of the data
 *   pipeline_records.c    chunks → parser → header, rows
 *   pipeline_dlq.c        dead letters
 *   pipeline_control.c    reset and snapshot-complete messages
 *   pipeline_produce.c    headers, tracking (in the machine), producing
 *
 * pipeline_probe.c only reads the struct (the health check).
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "row_encoder.h"
#include "row_parser.h"
#include "typing.h"

#define PIPELINE_META_TIMEOUT_MS 2000 /* on the thread pool, not the loop */
#define PIPELINE_META_RETRY_MS   100
#define PIPELINE_PROGRESS_MS     1000
#define PIPELINE_TRACKER_SLACK   65536 /* room for control copies */
/* A file found empty right after a rewrite (`>` truncates, then writes)
 * gets this long to receive its content before an empty snapshot is sent. */
#define PIPELINE_EMPTY_SETTLE_MS 100
/* Bytes a save for the gate fingerprints beyond those read: one save (two
 * fsyncs and a rename) per this many bytes of a backlog instead of one per
 * chunk, which made a bulk load wait for the disk every 256 KiB. */
#define PIPELINE_HASH_AHEAD (8u * 1024u * 1024u)

static void on_meta_timer(uv_timer_t *h);
static void begin(struct pipeline *p);
static void pipeline_drain(struct pipeline *p);
static void pipeline_finish(struct pipeline *p, int status);

static void on_partitions(void *ctx, int n, const char *error)
{
        struct pipeline *p = ctx;

        if (source_machine_stopping(p->sm) || p->finished) {
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
                p->partitions     = n;
                p->topic_messages = kafka_sink_topic_info(p->sink)->messages;
                log_info("event=topic_ready topic=%s partitions=%d",
                         p->cfg.topic, n);
                uv_timer_start(&p->meta_timer, on_meta_timer,
                               p->cfg.metadata_refresh_ms,
                               p->cfg.metadata_refresh_ms);
                begin(p);
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

        if (source_machine_stopping(p->sm)) {
                return;
        }
        if (p->partitions == 0) {
                /* Whether the topic still holds what the state says was
                 * sent: see begin(). */
                kafka_sink_count_messages(p->sink);
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

static uint64_t now_ms(void)
{
        return (uint64_t)clock_wall_ms();
}

/* ---- carrying out the machine's actions ---- */

static const char *change_name(enum file_tail_change c)
{
        switch (c) {
        case FILE_TAIL_CREATED:
                return "created";
        case FILE_TAIL_REPLACED:
                return "replaced";
        case FILE_TAIL_TRUNCATED:
                return "truncated";
        case FILE_TAIL_HEADER_CHANGED:
                return "header_changed";
        case FILE_TAIL_OVERWRITTEN:
                return "overwritten";
        case FILE_TAIL_DELETED:
                return "deleted";
        case FILE_TAIL_RESENT:
                return "resend";
        }
        return "changed";
}

static void on_prefix_hashed(void *ctx, int status, uint64_t digest)
{
        struct pipeline *p = ctx;

        if (p->finished) {
                return;
        }
        source_machine_on_prefix_hashed(p->sm, status, digest, now_ms());
        pipeline_drain(p);
}

static void on_saved(void *ctx, int status, const char *error)
{
        struct pipeline *p = ctx;

        pipeline_note_save_result(p, status, error);
        source_machine_on_saved(p->sm, status == 0);
        if (status == 0) {
                p->m->checkpoint_offset =
                    source_machine_position(p->sm)->offset;
        }
        pipeline_drain(p);
}

/* The fingerprint was extended (or could not be): the save goes on. */
static void on_hashed_ahead(void *ctx, int status)
{
        struct pipeline *p = ctx;

        (void)status; /* without the extension the save covers less */
        if (p->finished) {
                return;
        }
        pipeline_save_async(p, on_saved);
        pipeline_drain(p);
}

static void save(struct pipeline *p, const struct sm_action *a)
{
        if (a->ahead && file_tail_hash_ahead(p->tail, PIPELINE_HASH_AHEAD,
                                             on_hashed_ahead, p) == 0) {
                return;
        }
        pipeline_save_async(p, on_saved);
}

/* A last line without newline stayed unchanged for last_line_idle_ms:
 * sent when it can be a whole record (row_parser_flush_held); bytes that
 * later grow that line start a new generation (pipeline_parse_chunk). */
static void on_idle_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;
        size_t held        = row_parser_pending_bytes(p->parser);

        if (!source_machine_reading(p->sm) || source_machine_starting(p->sm) ||
            held == 0 || file_tail_offset(p->tail) != p->idle_offset) {
                return; /* more bytes came: their end of file starts over */
        }
        if (row_parser_flush_held(p->parser, pipeline_on_record, p) < 0) {
                pipeline_fail(p, "out of memory");
        } else if (row_parser_pending_bytes(p->parser) == 0) {
                log_info(
                    "event=last_line_sent source=%s bytes=%zu idle_ms=%" PRIu64
                    " reason=\"a last line without newline, unchanged\"",
                    p->cfg.source, held, p->cfg.last_line_idle_ms);
        }
        pipeline_update_pending(p);
        pipeline_drain(p);
}

/* The end of the data read so far: the parser ends what it holds (a last
 * line without newline starts the idle timer), then the machine decides
 * about the markers. */
static void check_eof(struct pipeline *p, uint64_t offset)
{
        if (!source_machine_reading(p->sm)) {
                return;
        }
        /* Every stat check at the end comes here again: the idle time
         * starts over only when the file has grown. */
        if (pipeline_end_of_data(p) && !p->cfg.exit_at_eof &&
            p->cfg.last_line_idle_ms > 0 && p->timers_init &&
            !(uv_is_active((uv_handle_t *)&p->idle_timer) &&
              p->idle_offset == file_tail_offset(p->tail))) {
                p->idle_offset = file_tail_offset(p->tail);
                uv_timer_start(&p->idle_timer, on_idle_timer,
                               p->cfg.last_line_idle_ms, 0);
        }
        source_machine_on_eof(p->sm, offset);
}

static void on_settle_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        source_machine_on_settle(p->sm, file_tail_offset(p->tail));
        pipeline_drain(p);
}

static void on_delete_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;
        uint64_t dev, ino, size;
        bool back = file_tail_identity(p->tail, &dev, &ino, &size) == 0;

        source_machine_on_delete_grace(p->sm, back, now_ms());
        pipeline_drain(p);
}

static void on_ckpt_timer(uv_timer_t *h)
{
        struct pipeline *p = h->data;

        source_machine_on_tick(p->sm);
        pipeline_drain(p);
}

static void start_generation(struct pipeline *p, const struct sm_action *a)
{
        if (a->deleted) {
                log_info("event=file_gone source=%s grace_ms=%" PRIu64,
                         p->cfg.source, p->cfg.delete_grace_ms);
        } else if (a->why) {
                log_info("event=changed_while_stopped source=%s change=%s",
                         p->cfg.source, a->why);
        }
        pipeline_reset_reading(p);
        p->m->generation = a->gen;
        p->m->generations_started++;
        log_info("event=generation_start source=%s generation=%" PRIu64
                 " reason=%s instance=%s",
                 p->cfg.source, a->gen, a->reason,
                 p->cfg.instance ? p->cfg.instance : "-");
}

static void hash_prefix(struct pipeline *p, const struct sm_action *a)
{
        int r;

        log_info("event=state_check source=%s change=%s hash_bytes=%" PRIu64,
                 p->cfg.source, a->why, a->len - a->fold_len);
        r = file_tail_hash_prefix(p->tail, a->fold_len, a->fold, a->len,
                                  on_prefix_hashed, p);
        if (r != 0) {
                source_machine_on_prefix_hashed(p->sm, r, 0, now_ms());
        }
}

static void pause_tail(struct pipeline *p, const struct sm_action *a)
{
        file_tail_pause(p->tail);
        if (!a->first) {
                return;
        }
        if (strcmp(a->reason, "rewind") == 0) {
                log_warn("event=rewind_scheduled reason=\"%s\" "
                         "checkpoint_offset=%" PRIu64,
                         a->why, a->offset);
        } else if (strcmp(a->reason, "backpressure") == 0) {
                log_debug("event=backpressure pending=%zu",
                          ack_tracker_pending(source_machine_acks(p->sm)));
        }
}

static void rewind_reading(struct pipeline *p, const struct sm_action *a)
{
        pipeline_learn_max_message(p);
        pipeline_update_pending(p);
        if (a->mode == SM_REWIND_AT_OFFSET) {
                p->row_count = a->pos.row_count;
                row_parser_seek(p->parser, a->pos.offset, a->pos.line,
                                a->pos.next_record);
                (void)file_tail_seek(p->tail, a->pos.offset);
        } else {
                pipeline_reset_reading(p);
                (void)file_tail_seek(p->tail, 0); /* errors: next check */
        }
        log_info("event=rewind source=%s generation=%" PRIu64 " offset=%" PRIu64
                 " next_record=%" PRIu64 " failed_messages=%" PRIu64,
                 p->cfg.source, a->gen, a->pos.offset, a->pos.next_record,
                 a->failed);
        file_tail_resume(p->tail);
}

static void finish_at_eof(struct pipeline *p)
{
        log_info("event=exit_at_eof source=%s offset=%" PRIu64, p->cfg.source,
                 source_machine_position(p->sm)->offset);
        file_tail_stop(p->tail);
        pipeline_save_checkpoint(p);
        pipeline_finish(p, 0);
}

static void carry_out(struct pipeline *p, const struct sm_action *a)
{
        switch (a->kind) {
        case SM_ACT_START_GENERATION:
                start_generation(p, a);
                break;
        case SM_ACT_SEEK:
                (void)file_tail_seek(p->tail, a->offset); /* errors: next
                                                             check */
                break;
        case SM_ACT_START_TAIL:
                if (file_tail_start(p->tail) != 0) {
                        pipeline_finish(p, 1);
                }
                break;
        case SM_ACT_HASH_PREFIX:
                hash_prefix(p, a);
                break;
        case SM_ACT_RESUME:
                source_machine_on_resumed(
                    p->sm, pipeline_resume_reading(p, a) == 0, now_ms());
                break;
        case SM_ACT_ARM_DELETE_TIMER:
                uv_timer_start(&p->delete_timer, on_delete_timer,
                               p->cfg.delete_grace_ms, 0);
                break;
        case SM_ACT_CANCEL_DELETE_TIMER:
                uv_timer_stop(&p->delete_timer);
                break;
        case SM_ACT_ARM_SETTLE_TIMER:
                uv_timer_start(&p->settle_timer, on_settle_timer,
                               PIPELINE_EMPTY_SETTLE_MS, 0);
                break;
        case SM_ACT_CHECK_EOF:
                check_eof(p, a->use_tail_offset ? file_tail_offset(p->tail)
                                                : a->offset);
                break;
        case SM_ACT_SAVE:
                save(p, a);
                break;
        case SM_ACT_PAUSE_TAIL:
                pause_tail(p, a);
                break;
        case SM_ACT_RESUME_TAIL:
                file_tail_resume(p->tail);
                break;
        case SM_ACT_SEND_RESET:
                pipeline_send_control(p, WIRE_RESET);
                break;
        case SM_ACT_SEND_SNAPSHOT:
                pipeline_send_control(p, WIRE_SNAPSHOT_COMPLETE);
                break;
        case SM_ACT_REWIND:
                rewind_reading(p, a);
                break;
        case SM_ACT_FINISH_AT_EOF:
                finish_at_eof(p);
                break;
        case SM_ACT_HOLD:
                /* errors: the next check */
                (void)file_tail_hold(p->tail, a->offset, (size_t)a->len);
                break;
        }
}

/* Carries out the machine's actions until none is left. Actions may feed
 * the machine more events (a failed produce): their actions join the
 * queue and run here too, in order. */
static void pipeline_drain(struct pipeline *p)
{
        struct sm_action a;

        if (p->draining) {
                return;
        }
        p->draining = true;
        while (!p->finished && source_machine_next_action(p->sm, &a)) {
                carry_out(p, &a);
        }
        p->draining = false;
        if (p->exit_wanted >= 0) {
                pipeline_finish(p, p->exit_wanted);
        }
}

/* ---- events from the shells ---- */

static void on_change(void *ctx, enum file_tail_change change)
{
        struct pipeline *p = ctx;

        if (source_machine_stopping(p->sm)) {
                return;
        }
        log_info("event=file_changed source=%s change=%s", p->cfg.source,
                 change_name(change));
        source_machine_on_file_changed(p->sm, change == FILE_TAIL_DELETED,
                                       change_name(change), now_ms());
        pipeline_drain(p);
}

static void on_data(void *ctx, uint64_t offset, const char *buf, size_t len,
                    uint64_t read_ts_ms)
{
        struct pipeline *p = ctx;

        if (source_machine_on_data(p->sm, offset, len)) {
                pipeline_parse_chunk(p, offset, buf, len, read_ts_ms);
        }
        pipeline_drain(p);
}

static void on_eof(void *ctx, uint64_t offset)
{
        struct pipeline *p = ctx;

        check_eof(p, offset);
        pipeline_drain(p);
}

static void on_delivery(void *ctx, uint64_t seq, bool ok, const char *error,
                        size_t too_large)
{
        struct pipeline *p = ctx;
        bool first_failure;

        if (too_large > p->too_large_seen) {
                /* A refused batch fails all its messages: the largest
                 * one is the culprit. Applied at the rewind. */
                p->too_large_seen = too_large;
        }
        if (!ok) {
                p->m->delivery_failures++;
        }
        p->m->rows_acked +=
            source_machine_on_delivery(p->sm, seq, ok, error, &first_failure);
        if (first_failure) {
                log_warn("event=delivery_failed error=\"%s\"",
                         error ? error : "?");
        }
        pipeline_update_pending(p);
        pipeline_drain(p);
}

static void on_fatal(void *ctx, const char *reason)
{
        struct pipeline *p = ctx;

        log_error("event=fatal error=\"%s\"", reason);
        source_machine_stop(p->sm);
        file_tail_stop(p->tail);
        pipeline_save_checkpoint(p);
        pipeline_finish(p, 1);
}

const struct file_tail_cbs pipeline_tail_cbs = {
    .on_change = on_change,
    .on_data   = on_data,
    .on_eof    = on_eof,
};

const struct kafka_sink_cbs pipeline_sink_cbs = {
    .on_delivery = on_delivery,
    .on_fatal    = on_fatal,
};

/* The start, once the topic is known: the state file and the file go to
 * the machine, which resumes or starts a generation. */
static void begin(struct pipeline *p)
{
        char errstr[512];
        struct file_stat st;
        bool have_stat = false;
        int have =
            state_store_load(p->store, &p->loaded, errstr, sizeof(errstr));
        int open = file_tail_open(p->tail);

        if (have < 0) {
                log_warn("event=state_ignored path=%s error=\"%s\"",
                         state_store_path(p->store), errstr);
        }
        if (have == 1 && strcmp(p->loaded.source, p->cfg.source) != 0) {
                log_warn("event=state_ignored path=%s error=\"state of "
                         "source %s\"",
                         state_store_path(p->store), p->loaded.source);
                have = 0;
        }
        /* A state resumes only on the topic it was written for, and only
         * while that topic still holds the generation it names: another
         * -t (a typo corrected, a topic renamed), or a topic deleted and
         * created again, emptied by retention or on a new cluster, would
         * otherwise receive nothing of what was sent before. */
        if (have == 1 && p->loaded.topic[0] &&
            strcmp(p->loaded.topic, p->cfg.topic) != 0) {
                log_warn("event=state_ignored path=%s error=\"state of topic "
                         "%s, not %s: the file is sent again\"",
                         state_store_path(p->store), p->loaded.topic,
                         p->cfg.topic);
                have = 0;
        }
        /* The same for a state whose rows were read with other options:
         * restarted with --decimal-comma (say) to fix what was sent, the
         * user expects every row read anew, not only the later ones. */
        if (have == 1 && p->loaded.reading &&
            p->loaded.reading != pipeline_reading_hash(&p->cfg)) {
                log_warn("event=state_ignored path=%s error=\"state of a run "
                         "with other reading options (--delimiter, "
                         "--encoding, --decimal-comma, --schema): the file is "
                         "sent again\"",
                         state_store_path(p->store));
                have = 0;
        }
        if (have == 1 && p->loaded.reset_done && p->topic_messages == 0) {
                log_warn("event=state_ignored path=%s error=\"topic %s is "
                         "empty: what the state says was sent is gone (topic "
                         "deleted, emptied, or another cluster); the file is "
                         "sent again\"",
                         state_store_path(p->store), p->cfg.topic);
                have = 0;
        }
        if (open == 1) {
                have_stat = file_tail_read_stat(p->tail, &st) == 0;
        } else {
                log_info("event=waiting_for_file path=%s", p->cfg.source);
        }
        source_machine_on_start(p->sm, have == 1 ? &p->loaded : NULL, open == 1,
                                have_stat ? &st : NULL, now_ms());
        pipeline_drain(p);
}

struct pipeline *pipeline_create(uv_loop_t *loop,
                                 const struct pipeline_config *cfg,
                                 struct state_store *store,
                                 struct producer_metrics *metrics,
                                 pipeline_done_cb done, void *done_ctx,
                                 char *errstr, size_t errstr_size)
{
        struct pipeline *p               = calloc(1, sizeof(*p));
        struct row_parser_options opts   = {0};
        struct source_machine_config smc = {
            .exit_at_eof          = cfg->exit_at_eof,
            .max_pending_messages = cfg->max_pending_messages,
            .max_pending_bytes    = cfg->max_pending_bytes,
            .tracker_capacity =
                cfg->max_pending_messages + PIPELINE_TRACKER_SLACK,
            .header_given = cfg->columns != NULL,
        };

        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        p->loop           = loop;
        p->cfg            = *cfg;
        p->source_id      = wire_source_id(cfg->source, strlen(cfg->source));
        p->store          = store;
        p->m              = metrics;
        p->done           = done;
        p->done_ctx       = done_ctx;
        p->key_idx        = -1;
        p->topic_messages = -1;
        p->exit_wanted    = -1;
        opts.delimiter    = cfg->delimiter;
        opts.max_record_bytes = cfg->max_record_bytes;
        opts.encoding         = cfg->encoding;
        opts.columns          = cfg->columns;
        p->parser             = row_parser_create(&opts);
        p->typing             = typing_create();
        p->pre_parser         = row_parser_create(&opts);
        p->pre_typing         = typing_create();
        p->sm                 = source_machine_create(&smc);
        p->enc                = row_encoder_create();
        if (!p->parser || !p->typing || !p->sm || !p->pre_parser ||
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
        typing_set_decimal_point(p->typing, cfg->decimal_point);
        typing_set_decimal_point(p->pre_typing, cfg->decimal_point);
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
        uv_timer_start(&p->ckpt_timer, on_ckpt_timer,
                       p->cfg.checkpoint_interval_ms,
                       p->cfg.checkpoint_interval_ms);
        p->progress_last_ms = uv_now(p->loop);
        if (p->cfg.show_progress) {
                uv_timer_start(&p->progress_timer, on_progress,
                               PIPELINE_PROGRESS_MS, PIPELINE_PROGRESS_MS);
        }
        return 0;
}

/* Ends the pipeline once: stops its timers, ends the progress line and
 * calls done(status). Later calls do nothing. */
static void pipeline_finish(struct pipeline *p, int status)
{
        if (p->finished) {
                return;
        }
        p->finished = true;
        source_machine_stop(p->sm);
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
        if (!p->finished && !source_machine_stopping(p->sm) &&
            !source_machine_starting(p->sm)) {
                file_tail_restart(p->tail); /* a new generation follows */
        }
}

void pipeline_shutdown(struct pipeline *p, int flush_timeout_ms)
{
        int left;

        if (p->finished) {
                return;
        }
        source_machine_stop(p->sm);
        file_tail_stop(p->tail);
        left = kafka_sink_flush(p->sink, flush_timeout_ms);
        kafka_sink_poll(p->sink);
        pipeline_save_checkpoint(p);
        log_info("event=shutdown source=%s checkpoint_offset=%" PRIu64
                 " unflushed=%d",
                 p->cfg.source, source_machine_position(p->sm)->offset, left);
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
        source_machine_destroy(p->sm);
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
