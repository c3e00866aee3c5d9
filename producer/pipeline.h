/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_PIPELINE_H
#define PRODUCER_PIPELINE_H

/*
 * The shell between the file and Kafka for one source (loop thread only):
 * it carries out what core/source_machine.h decides (generations, the
 * state file, back-pressure, the acknowledged checkpoint, rewinds after a
 * failed delivery) and turns records into rows / dead letters.
 *
 * It is driven by file_tail's and kafka_sink's callbacks (pipeline_*_cb
 * tables below) and owns the parser, the typing and the source machine
 * (which owns the ack tracker).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "file_tail.h"
#include "kafka_sink.h"
#include "metrics_http.h"
#include "state_store.h"

struct pipeline_config {
        const char *source;   /* source identity (in csv.id)   */
        const char *instance; /* this run's producer instance id */
        uint64_t seq_tag;     /* OR-ed into every message's sequence
                                 number (which source of a set) */
        const char *topic;
        const char *dlq_topic;
        const char *key_column;
        const char *schema;   /* --schema or NULL */
        char delimiter;       /* 0: detected per file */
        const char *encoding; /* NULL: detected per file */
        bool decimal_comma;   /* force a decimal comma in every column */
        bool decimal_point;   /* force a decimal point, ',' thousands */
        const char *columns;  /* --columns "a,b": no header line; NULL:
                               * the first line is the header */
        size_t max_record_bytes;
        size_t max_pending_messages; /* back-pressure bounds */
        uint64_t max_pending_bytes;
        uint64_t checkpoint_interval_ms;
        uint64_t metadata_refresh_ms; /* partition count re-read period */
        uint64_t delete_grace_ms;     /* a deleted file's rows stay this
                                         long before an empty generation */
        uint64_t last_line_idle_ms;   /* a last line without newline left
                                         unchanged this long is sent; 0:
                                         it waits for its newline */
        bool exit_at_eof;
        bool show_progress; /* stderr is a terminal */
};

struct pipeline;

/** Called once when the pipeline has finished (exit_at_eof, fatal error,
 *  or after pipeline_shutdown): status is the process exit status. */
typedef void (*pipeline_done_cb)(void *ctx, int status);

/**
 * @brief Creates the pipeline. cfg strings, store and metrics are borrowed
 *        and must outlive it. @returns NULL with errstr filled.
 */
struct pipeline *pipeline_create(uv_loop_t *loop,
                                 const struct pipeline_config *cfg,
                                 struct state_store *store,
                                 struct producer_metrics *metrics,
                                 pipeline_done_cb done, void *done_ctx,
                                 char *errstr, size_t errstr_size);

/** @brief The callbacks to hand to file_tail_create / kafka_sink_create
 *         with the pipeline as ctx. */
extern const struct file_tail_cbs pipeline_tail_cbs;
extern const struct kafka_sink_cbs pipeline_sink_cbs;

/** @brief Connects the shells (borrowed) and starts: waits (without
 *         blocking the loop) for the topic's partition count, then resumes
 *         from the state file or starts a generation. The partition count
 *         is re-read every metadata_refresh_ms. */
int pipeline_start(struct pipeline *p, struct file_tail *tail,
                   struct kafka_sink *sink);

/**
 * @brief Sends the file whole again as a new generation (reason "resend"):
 *        after another producer wrote the source, so that the newest
 *        generation is this one's again. A no-op while starting or stopping.
 */
void pipeline_resend(struct pipeline *p);

/**
 * @brief Stops reading, flushes Kafka for up to flush_timeout_ms, saves the
 *        acknowledged position. Calls done(0) unless a fatal error
 *        already ended the pipeline.
 */
void pipeline_shutdown(struct pipeline *p, int flush_timeout_ms);

#define PIPELINE_NOTE_MAX 192

/* What reading the current generation assumed or could not type: the
 * notices the log has, kept for the status record (the dashboard shows
 * them per source). Cleared when the file is read from its start. */
struct reading_notes {
        char encoding[PIPELINE_NOTE_MAX];     /* the text's reading, "" */
        char number_guess[PIPELINE_NOTE_MAX]; /* column of a "1,234" guess */
        bool header_like_row;    /* the first line looks like a row */
        uint64_t values_as_text; /* cells sent as text in a typed column */
        char value_as_text_column[PIPELINE_NOTE_MAX]; /* the first one's */
};

/* What the health check reads from the pipeline (pipeline_probe.c). */
struct pipeline_probe {
        const char *source;
        const char *topic;
        uint64_t generation;
        bool topic_ready; /* the partition count is known */
        uint64_t pending; /* messages without a delivery result */
        bool has_pending;
        uint64_t oldest_sent_ms; /* uv_now when the oldest was produced */
        uint64_t held_bytes;     /* read but not part of a whole record */
        uint64_t held_start;     /* file offset of the held record */
        bool held_open_quote;    /* held inside a quoted field */
        bool file_open;
        int file_error;       /* file_tail_error(): 0 or a libuv error */
        uint64_t file_offset; /* bytes read */
        uint64_t file_size;   /* of the open file */
        const char *ck_error; /* why saving the state failed, or NULL */
        const struct reading_notes *notes;
};

/** @brief Fills out from the pipeline's current state (loop thread). */
void pipeline_probe(const struct pipeline *p, struct pipeline_probe *out);

/** @brief Closes the pipeline's loop handles (before the last uv_run). */
void pipeline_close_handles(struct pipeline *p);

/** @brief Frees the pipeline (after the loop handles are closed). */
void pipeline_destroy(struct pipeline *p);

#endif
