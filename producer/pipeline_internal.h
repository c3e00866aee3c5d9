/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_PIPELINE_INTERNAL_H
#define PRODUCER_PIPELINE_INTERNAL_H

/*
 * The layout of struct pipeline and the functions its files share
 * (pipeline.c, pipeline_generation.c, pipeline_records.c, pipeline_dlq.c,
 * pipeline_delivery.c). All of them run on the loop thread only. Nothing
 * outside these files includes this header.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "ack_tracker.h"
#include "checkpoint.h"
#include "common/wire.h"
#include "file_identity.h"
#include "pipeline.h"
#include "row_parser.h"

#define PIPELINE_NUM_STR          24 /* "18446744073709551615" + NUL */
#define PIPELINE_EXIT_USAGE       2 /* bad options, as the usage errors of main */
#define PIPELINE_DIALECT_JSON_MAX 256 /* the reset's "dialect" object */
#define PIPELINE_HEADER_ROOM      512 /* bytes of a message's headers, framing */

struct pipeline {
        uv_loop_t *loop;
        struct pipeline_config cfg;
        struct state_store *store;
        struct producer_metrics *m;
        pipeline_done_cb done;
        void *done_ctx;

        struct file_tail *tail;
        struct kafka_sink *sink;
        struct row_parser *parser;
        struct typing *typing;
        struct row_parser *pre_parser; /* type pre-pass over a first chunk */
        struct typing *pre_typing;
        struct value *pre_values;
        size_t pre_values_cap;
        const char *chunk; /* the chunk being parsed */
        size_t chunk_len;
        uint64_t chunk_offset;
        struct ack_tracker *acks;
        struct value *values;
        size_t values_cap;
        struct wire_buf buf;
        struct wire_buf cols;
        struct row_encoder *enc;
        uint64_t typing_seen; /* typing_changes() when schema_id was set */
        int partitions;
        bool meta_wait_logged; /* event=metadata_wait was written */

        uv_timer_t meta_timer;
        uv_timer_t ckpt_timer;
        uv_timer_t progress_timer;
        uv_timer_t settle_timer;
        uv_timer_t delete_timer;
        uv_timer_t idle_timer; /* a last line without newline left idle */
        uint64_t idle_offset;  /* the file offset when it was started */
        bool timers_init;

        /* The durable state (pipeline_state.c): what the state file on disk
         * promises. Nothing of a generation is produced before the state
         * names it, no record before the fingerprint covers its bytes. */
        uint64_t durable_gen;
        uint64_t durable_len; /* fp_len on disk */
        bool durable_deleted;
        uint64_t saving_gen; /* the save in flight */
        uint64_t saving_len;
        bool saving_deleted;
        bool save_wanted;           /* another save after the one in flight */
        bool save_failing;          /* for the log: once per failure streak */
        bool gate_waiting;          /* the tail is paused for a save */
        bool eof_deferred;          /* on_eof waits for a save */
        bool gen_deleted;           /* the generation is the deleted file's */
        bool starting;              /* the state file is being checked */
        struct checkpoint save_buf; /* the state being written */
        struct checkpoint loaded;   /* the state found at start */

        /* The generation being read. */
        bool gen_active;
        uint64_t gen;
        const char *gen_reason;
        bool reset_sent;
        bool snapshot_sent;
        bool empty_settled; /* an empty file stayed empty for the settle time */
        uint64_t row_count; /* good rows produced up to the parser */
        int key_idx;
        uint64_t header_len;
        bool priming; /* re-parsing the header on resume: send nothing */
        uint64_t open_quote_warned; /* line of the open quote last logged */
        size_t max_message;    /* bytes Kafka takes in one message, 0: ask */
        size_t too_large_seen; /* largest message refused since a rewind */
        uint64_t schema_id;
        uint64_t read_ts_ms; /* when the chunk being parsed was read */

        /* What Kafka has acknowledged (the state file's content). */
        struct checkpoint ck;
        bool ck_dirty;
        char ck_error[512]; /* why the last save failed ("": it did not) */

        bool rewind_pending;
        uint64_t failed_since_rewind; /* failed deliveries, for the log */
        bool bp_paused;
        bool eof_seen;
        bool stopping;
        bool finished;
        uint64_t progress_last;       /* records_read at the last tick */
        uint64_t progress_last_acked; /* rows_acked at the last tick */
        uint64_t progress_last_ms;    /* uv_now at the last tick */
        uint64_t burst_ms;            /* uv_now when the line appeared */
        uint64_t burst_records;       /* records_read then */
        bool progress_shown;
};

/* ---- pipeline.c: lifecycle ---- */

/** @brief Ends the pipeline once: stops its timers, ends the progress line
 *         and calls done(status). Later calls do nothing. */
void pipeline_finish(struct pipeline *p, int status);

/* ---- pipeline_generation.c: generations ---- */

/** @brief Sends a reset or snapshot-complete control message of the
 *         current generation to every partition of the topic. */
void pipeline_send_control(struct pipeline *p, enum wire_kind kind);

/** @brief Reads the file again from its start within the current
 *         generation: nothing sent yet, header unknown. */
void pipeline_begin_reading_at_zero(struct pipeline *p);

/** @brief Resumes from the state file or starts a generation, then starts
 *         the file tail (once the topic's partition count is known). */
void pipeline_begin(struct pipeline *p);

/** @brief file_tail callbacks: the file changed (a new generation), the
 *         file's end was reached (reset / snapshot-complete). */
void pipeline_on_change(void *ctx, enum file_tail_change change);
void pipeline_on_eof(void *ctx, uint64_t offset);

/** @brief The last record, sent without its newline, got more bytes on
 *         its line: a new generation from the file's start. */
void pipeline_line_grew(struct pipeline *p);

/* ---- pipeline_records.c: records → messages ---- */

/** @brief Fills the headers of a record's message (row or dead letter)
 *         but its kind. */
void pipeline_record_headers(const struct pipeline *p,
                             const struct row_record *rec,
                             struct kafka_sink_headers *h);

/** @brief The position a record's message acknowledges: the end of the
 *         record, with the current generation and row count. */
struct ack_pos pipeline_row_ack_pos(const struct pipeline *p,
                                    const struct row_record *rec);

/** @brief Takes the typing's current schema id. */
void pipeline_update_schema_id(struct pipeline *p);

/** @brief row_parser callback of the real pass: the header, then each
 *         record as a row or a dead letter. @returns 1 to stop the parser
 *         (a rewind is pending), else 0. */
int pipeline_on_record(const struct row_record *rec, void *ctx);

/** @brief file_tail callback: parses a chunk of the file, pauses the tail
 *         when too much is in flight (back-pressure). */
void pipeline_on_data(void *ctx, uint64_t offset, const char *buf, size_t len,
                      uint64_t read_ts_ms);

/* ---- pipeline_dlq.c: dead letters ---- */

/** @brief Produces a rejected record to the dead-letter topic.
 *  @returns 0, or -1 (a rewind is then scheduled). */
int pipeline_send_dlq(struct pipeline *p, const struct row_record *rec,
                      const char *reason);

/* ---- pipeline_state.c: the durable state and the gate ---- */

/** @brief Whether the state on disk names the current generation and
 *         covers bytes up to end. */
bool pipeline_gate_open(const struct pipeline *p, uint64_t end);

/** @brief Asks for an asynchronous save of the state (now, or after the
 *         one in flight). */
void pipeline_request_save(struct pipeline *p);

/** @brief Writes the state now, blocking (exit paths). */
void pipeline_save_checkpoint(struct pipeline *p);

/** @brief ckpt_timer callback: saves the state if it changed or a save is
 *         wanted. */
void pipeline_on_ckpt_timer(uv_timer_t *h);

/** @brief A loaded state is durable as it is (resume). */
void pipeline_state_loaded(struct pipeline *p, const struct checkpoint *ck);

/* ---- pipeline_delivery.c: delivery, checkpoints, rewinds ---- */

/** @brief Copies the ack tracker's pending counts into the metrics. */
void pipeline_update_pending(struct pipeline *p);

/** @brief Schedules a rewind to the checkpoint (once nothing is in flight)
 *         and pauses the tail. */
void pipeline_want_rewind(struct pipeline *p, const char *why);

/** @brief Tracks and produces one message. @returns 0, or -1 (a rewind is
 *         then scheduled: nothing is skipped). */
int pipeline_produce(struct pipeline *p, const char *topic, int32_t partition,
                     const char *key, size_t key_len, const char *payload,
                     size_t len, const struct kafka_sink_headers *h,
                     const struct ack_pos *pos);

/** @brief With exit_at_eof, ends the pipeline once the whole file is
 *         acknowledged. */
void pipeline_maybe_finish_at_eof(struct pipeline *p);

/** @brief kafka_sink callback: a delivery report. */
void pipeline_on_delivery(void *ctx, uint64_t seq, bool ok, const char *error,
                          size_t too_large);

/** @returns the largest message (key and value) Kafka takes: librdkafka's
 *           message.max.bytes, lowered when the broker refuses a message
 *           for its size. */
size_t pipeline_max_message(struct pipeline *p);

#endif
