/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_PIPELINE_INTERNAL_H
#define PRODUCER_PIPELINE_INTERNAL_H

/*
 * The layout of struct pipeline and the functions its files share
 * (pipeline*.c). All of them run on the loop thread only. Nothing outside
 * these files includes this header.
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
#include "source_machine.h"
#include "state_store.h"

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

        /* The decisions (core/source_machine.h): this shell feeds it the
         * events and carries out its actions (pipeline.c). */
        struct source_machine *sm;
        bool draining;   /* pipeline_drain is running (no re-entry) */
        int exit_wanted; /* >= 0: finish with this status at the drain */

        struct file_tail *tail;
        struct kafka_sink *sink;
        struct row_parser *parser;
        struct typing *typing;
        struct row_parser *pre_parser; /* type pre-pass over a first chunk */
        struct typing *pre_typing;
        struct value *values;
        size_t values_cap;
        struct wire_buf buf;
        struct wire_buf cols;
        struct row_encoder *enc;
        uint64_t typing_seen; /* typing_changes() when schema_id was set */
        int partitions;
        bool meta_wait_logged;  /* event=metadata_wait was written */
        int64_t topic_messages; /* the topic's messages at start, -1: unknown */

        uv_timer_t meta_timer;
        uv_timer_t ckpt_timer;
        uv_timer_t progress_timer;
        uv_timer_t settle_timer;
        uv_timer_t delete_timer;
        uv_timer_t idle_timer; /* a last line without newline left idle */
        uint64_t idle_offset;  /* the file offset when it was started */
        bool timers_init;

        struct checkpoint save_buf; /* the state being written */
        struct checkpoint loaded;   /* the state found at start */
        char ck_error[512]; /* why the last save failed ("": it did not) */

        /* The generation being read (what the parser has seen of it). */
        uint64_t row_count; /* good rows produced up to the parser */
        int key_idx;
        uint64_t header_len;
        /* The last generation's header (a hash of its names) and width: a
         * new file whose first line differs but looks like a row is
         * said (a log rotated without a header line). */
        uint64_t prev_header_hash;
        size_t prev_header_count;
        bool priming; /* re-parsing the header on resume: send nothing */
        struct reading_notes notes; /* of the generation being read */
        uint64_t open_quote_warned; /* line of the open quote last logged */
        size_t max_message;    /* bytes Kafka takes in one message, 0: ask */
        size_t too_large_seen; /* largest message refused since a rewind */
        uint64_t schema_id;
        uint64_t source_id;  /* wire_source_id(cfg.source): csv.id's */
        uint64_t read_ts_ms; /* when the chunk being parsed was read */

        bool finished;
        uint64_t progress_last;       /* records_read at the last tick */
        uint64_t progress_last_acked; /* rows_acked at the last tick */
        uint64_t progress_last_ms;    /* uv_now at the last tick */
        uint64_t burst_ms;            /* uv_now when the line appeared */
        uint64_t burst_records;       /* records_read then */
        bool progress_shown;
};

/*
 * The files below form a chain: each uses only the ones after it (and
 * the machine, the shells and core/). pipeline.c is the only one the
 * shells and timers call.
 *
 *   pipeline.c → pipeline_state.c → pipeline_generation.c →
 *   pipeline_records.c → pipeline_dlq.c → pipeline_control.c →
 *   pipeline_produce.c;  pipeline_probe.c reads the struct only.
 */

/* ---- pipeline_state.c: writing the state file ---- */

/** @brief Starts an asynchronous save of the state (SM_ACT_SAVE); cb is
 *         state_store's callback. Reports the start (or failure) to the
 *         machine. */
void pipeline_save_async(struct pipeline *p, state_store_saved_cb cb);

/** @brief Logs a save's result once per failure streak and keeps the
 *         error for the health check. */
void pipeline_note_save_result(struct pipeline *p, int status,
                               const char *error);

/** @brief Writes the state now, blocking (exit paths). */
void pipeline_save_checkpoint(struct pipeline *p);

/** The hash of the options that decide what the rows of a generation
 *  hold (--delimiter, --encoding, --decimal-comma, --schema), never 0. */
uint64_t pipeline_reading_hash(const struct pipeline_config *cfg);

/* ---- pipeline_generation.c: reading a generation ---- */

/** @brief Reads the file again from its start: parser reset, nothing
 *         sent, header unknown. */
void pipeline_reset_reading(struct pipeline *p);

/** @brief Carries out SM_ACT_RESUME: re-reads the header (prime) and
 *         positions parser and tail. @returns 0, or -1 (no header). */
int pipeline_resume_reading(struct pipeline *p, const struct sm_action *a);

/** @brief Ends the parser's pending data at the end of the file (a last
 *         record without newline with --exit-at-eof, the open-quote
 *         notice). @returns whether a last line without newline (no open
 *         quote) is still held. */
bool pipeline_end_of_data(struct pipeline *p);

/** @brief The last record, sent without its newline, got more bytes on
 *         its line: a new generation from the file's start. */
void pipeline_line_grew(struct pipeline *p);

/* ---- pipeline_records.c: records → messages ---- */

/** @brief Takes the typing's current schema id. */
void pipeline_update_schema_id(struct pipeline *p);

/** @brief row_parser callback of the real pass: the header, then each
 *         record as a row or a dead letter. @returns 1 to stop the parser
 *         (a rewind is pending), else 0. */
int pipeline_on_record(const struct row_record *rec, void *ctx);

/** @brief Parses a chunk the machine let through. */
void pipeline_parse_chunk(struct pipeline *p, uint64_t offset, const char *buf,
                          size_t len, uint64_t read_ts_ms);

/* ---- pipeline_dlq.c: dead letters ---- */

/** @brief Produces a rejected record to the dead-letter topic.
 *  @returns 0, or -1 (a rewind is then scheduled). */
int pipeline_send_dlq(struct pipeline *p, const struct row_record *rec,
                      const char *reason);

/* ---- pipeline_control.c: control messages ---- */

/** @brief Sends a reset or snapshot-complete control message of the
 *         current generation to every partition of the topic, and tells
 *         the machine when all went out. */
void pipeline_send_control(struct pipeline *p, enum wire_kind kind);

/* ---- pipeline_produce.c: producing ---- */

/** @brief Copies the ack tracker's pending counts into the metrics. */
void pipeline_update_pending(struct pipeline *p);

/** @brief Fills the headers of a record's message (row or dead letter)
 *         but its kind. */
void pipeline_record_headers(const struct pipeline *p,
                             const struct row_record *rec,
                             struct kafka_sink_headers *h);

/** @brief The position a record's message acknowledges: the end of the
 *         record, with the current row count. */
struct ack_pos pipeline_row_ack_pos(const struct pipeline *p,
                                    const struct row_record *rec);

/** @brief Tracks (in the machine) and produces one message. @returns 0,
 *         or -1 (a rewind is then scheduled: nothing is skipped). */
int pipeline_produce(struct pipeline *p, const char *topic, int32_t partition,
                     const char *key, size_t key_len, const char *payload,
                     size_t len, const struct kafka_sink_headers *h,
                     struct ack_pos *pos);

/** @brief A record could not be encoded (out of memory): rewind. */
void pipeline_fail(struct pipeline *p, const char *why);

/** @returns the largest message (key and value) Kafka takes: librdkafka's
 *           message.max.bytes, lowered when the broker refuses a message
 *           for its size. */
size_t pipeline_max_message(struct pipeline *p);

/** @brief After a rewind: records as large as the largest message Kafka
 *         refused go to the dead-letter topic from now on. */
void pipeline_learn_max_message(struct pipeline *p);

#endif
