/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_SOURCE_MACHINE_H
#define PRODUCER_SOURCE_MACHINE_H

/*
 * The decisions of one source (pure: no I/O, no clock, no logging): which
 * generation is read, when it starts, whether a start resumes the state
 * file's generation, when the state must be saved before anything more is
 * produced, when the reset and snapshot-complete markers go out, what a
 * delivery report means for the acknowledged checkpoint, when to rewind
 * to it, back-pressure, and when --exit-at-eof may end.
 *
 * The shell (producer/pipeline*.c) feeds events in (source_machine_on_*)
 * and carries out the actions that come out (source_machine_next_action),
 * in order. Some actions are requests whose outcome the shell reports
 * back as an event (SM_ACT_HASH_PREFIX → on_prefix_hashed, SM_ACT_RESUME →
 * on_resumed, SM_ACT_SAVE → on_save_started / on_saved, SM_ACT_SEND_RESET
 * and SM_ACT_SEND_SNAPSHOT → on_control_sent or on_produce_failed).
 *
 * Invariants kept here (issue #11):
 *  - nothing of a generation is produced before the state on disk names
 *    it, and no record before the state's fingerprint covers its bytes
 *    (the "gate": source_machine_on_data, source_machine_on_eof);
 *  - a start resumes the saved generation only if the file's stat and the
 *    hash of the prefix already sent say nothing changed;
 *  - after a failed delivery everything from the acknowledged checkpoint
 *    on is read and produced again (same record identities).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ack_tracker.h"
#include "checkpoint.h"
#include "file_identity.h"

/* Actions queued by one event at most (the shell drains after each). */
#define SOURCE_MACHINE_QUEUE 64

struct source_machine_config {
        bool exit_at_eof;
        size_t max_pending_messages; /* back-pressure bounds */
        uint64_t max_pending_bytes;
        size_t tracker_capacity; /* messages in flight at most */
        bool header_given;       /* --columns: a header of no bytes, so a
                                  * resume needs no header length */
};

enum sm_action_kind {
        SM_ACT_START_GENERATION = 1, /* gen, reason, deleted: read the file
                                        from 0 in a new generation */
        SM_ACT_SEEK,                 /* offset: the next read starts there */
        SM_ACT_START_TAIL,           /* the start is over: watch and read */
        SM_ACT_HASH_PREFIX,          /* hash [0, len) of the file, continuing
                                        from (fold_len, fold); report with
                                        on_prefix_hashed */
        SM_ACT_RESUME,               /* gen, pos, prime: resume the state's
                                        generation; report with on_resumed */
        SM_ACT_ARM_DELETE_TIMER,     /* the grace time of a deleted file */
        SM_ACT_CANCEL_DELETE_TIMER,
        SM_ACT_ARM_SETTLE_TIMER, /* an empty file: wait a little */
        SM_ACT_CHECK_EOF,        /* offset (or the tail's): end the data
                                    read so far, then on_eof */
        SM_ACT_SAVE,             /* write the state (position, gen,
                                    deleted); report with on_save_started
                                    or on_saved. ahead: the tail waits for
                                    it; first extend the fingerprint over
                                    bytes not read yet, so that one save
                                    lets many chunks through the gate */
        SM_ACT_PAUSE_TAIL,       /* reason: "gate", "backpressure",
                                    "rewind" (why: the failure) */
        SM_ACT_RESUME_TAIL,
        SM_ACT_SEND_RESET, /* the generation's reset, every partition */
        SM_ACT_SEND_SNAPSHOT,
        SM_ACT_REWIND,        /* mode, pos: read again from the
                                 acknowledged checkpoint, then resume */
        SM_ACT_FINISH_AT_EOF, /* --exit-at-eof: all is acknowledged */
        SM_ACT_HOLD,          /* offset, len: the gate refused the chunk
                                 just read; the tail keeps it for the
                                 resume (or reads it again from offset) */
};

enum sm_rewind_mode {
        SM_REWIND_NEW_READ = 0, /* from 0, nothing of the generation sent */
        SM_REWIND_ZERO_KEEP,    /* from 0, the reset is stored */
        SM_REWIND_AT_OFFSET,    /* from pos.offset (header known) */
};

/* The acknowledged position (what the state file's offset fields say). */
struct sm_position {
        uint64_t generation;
        uint64_t offset;
        uint64_t line;
        uint64_t next_record;
        uint64_t row_count;
        bool reset_done;
        bool snapshot_done;
};

struct sm_action {
        enum sm_action_kind kind;
        uint64_t gen;
        const char *reason;   /* START_GENERATION, PAUSE_TAIL */
        const char *why;      /* PAUSE_TAIL "rewind": the first failure */
        bool deleted;         /* START_GENERATION, SAVE */
        bool ahead;           /* SAVE */
        bool prime;           /* RESUME: re-read the header first */
        bool first;           /* PAUSE_TAIL: first of its streak (log it) */
        bool use_tail_offset; /* CHECK_EOF */
        uint64_t offset;      /* SEEK, CHECK_EOF, HOLD */
        uint64_t head_len;    /* RESUME */
        uint64_t fold_len;    /* HASH_PREFIX */
        uint64_t fold;
        uint64_t len;             /* HASH_PREFIX, HOLD */
        enum sm_rewind_mode mode; /* REWIND */
        struct sm_position pos;   /* RESUME, REWIND */
        uint64_t failed;          /* REWIND: failed deliveries since the
                                     last rewind */
};

struct source_machine;

/** @returns the machine (caller owns) or NULL when out of memory. */
struct source_machine *
source_machine_create(const struct source_machine_config *cfg);
void source_machine_destroy(struct source_machine *m);

/** @brief Pops the next action to carry out. @returns false when none. */
bool source_machine_next_action(struct source_machine *m, struct sm_action *a);

/* ---- start ---- */

/**
 * @brief The start, once the topic is known. loaded: the state file of
 *        this source (NULL: none). file_open: the file exists; st: its stat
 *        (NULL when it could not be taken). now_ms: wall clock, for a new
 *        generation's number.
 */
void source_machine_on_start(struct source_machine *m,
                             const struct checkpoint *loaded, bool file_open,
                             const struct file_stat *st, uint64_t now_ms);

/** @brief Result of SM_ACT_HASH_PREFIX: status 0 and the digest, or an
 *         error. */
void source_machine_on_prefix_hashed(struct source_machine *m, int status,
                                     uint64_t digest, uint64_t now_ms);

/** @brief Result of SM_ACT_RESUME: ok false when the header could not be
 *         read again (a new generation follows). */
void source_machine_on_resumed(struct source_machine *m, bool ok,
                               uint64_t now_ms);

/* ---- the file ---- */

/**
 * @brief The file changed. deleted: the path is gone (reading waits; the
 *        grace timer decides). Otherwise reason names the change and the
 *        tail reads again from 0 in a new generation.
 */
void source_machine_on_file_changed(struct source_machine *m, bool deleted,
                                    const char *reason, uint64_t now_ms);

/** @brief The last record, sent without its newline, got more bytes on
 *         its line: a new generation read from the file's start. */
void source_machine_on_line_grew(struct source_machine *m, uint64_t now_ms);

/** @brief The delete grace timer fired; file_back: the file is there. */
void source_machine_on_delete_grace(struct source_machine *m, bool file_back,
                                    uint64_t now_ms);

/** @brief The settle timer of an empty file fired; tail_offset: the next
 *         read's offset. */
void source_machine_on_settle(struct source_machine *m, uint64_t tail_offset);

/**
 * @brief len bytes read at offset. @returns true to parse them now, false
 *        to drop them (nothing is being read, or the state must cover
 *        them first: then the actions pause the tail, seek back and save).
 */
bool source_machine_on_data(struct source_machine *m, uint64_t offset,
                            size_t len);

/** @brief After a chunk was parsed: back-pressure. */
void source_machine_after_chunk(struct source_machine *m);

/** @returns whether bytes are being read and parsed (a generation is
 *           active, no rewind waits, not stopping). */
bool source_machine_reading(const struct source_machine *m);

/** @brief The end of the file's data at offset, after the shell ended the
 *         parser's pending data. */
void source_machine_on_eof(struct source_machine *m, uint64_t offset);

/* ---- records and messages ---- */

/**
 * @brief The header record was parsed. @returns true when the shell must
 *        send the reset now (before any row; then on_control_sent).
 *        priming: the header is read again on resume (never true then).
 */
bool source_machine_on_header(struct source_machine *m, bool priming);

/** @brief Tracks a message about to be produced (pos.generation is set
 *         here). @returns 0 and *seq, or -1: too many in flight (a rewind
 *         is scheduled). */
int source_machine_track(struct source_machine *m, struct ack_pos *pos,
                         uint64_t *seq);

/** @brief Producing seq (or anything, seq 0 untracked) failed at once: a
 *         rewind is scheduled. */
void source_machine_on_produce_failed(struct source_machine *m, bool tracked,
                                      uint64_t seq, const char *why);

/** @brief SM_ACT_SEND_RESET / SEND_SNAPSHOT went out to every partition
 *         (snapshot: false for the reset). */
void source_machine_on_control_sent(struct source_machine *m, bool snapshot);

/** @brief A delivery report. @returns the rows (and dead letters) it
 *         acknowledged in order; *first_failure: the first failure since
 *         the last rewind (log it). */
uint64_t source_machine_on_delivery(struct source_machine *m, uint64_t seq,
                                    bool ok, const char *error,
                                    bool *first_failure);

/** @returns whether a rewind waits (stop parsing). */
bool source_machine_rewind_pending(const struct source_machine *m);

/* ---- the state file ---- */

/** @brief The checkpoint timer fired. */
void source_machine_on_tick(struct source_machine *m);

/** @brief SM_ACT_SAVE started (asynchronously) with a fingerprint covering
 *         [0, fp_len). */
void source_machine_on_save_started(struct source_machine *m, uint64_t fp_len);

/** @brief The asynchronous save ended (ok) or failed (also a save that
 *         could not start). */
void source_machine_on_saved(struct source_machine *m, bool ok);

/** @brief A blocking save at exit wrote the current generation, covering
 *         [0, fp_len). */
void source_machine_on_saved_sync(struct source_machine *m, uint64_t fp_len);

/** @returns whether a state may be written (a generation was decided). */
bool source_machine_can_save(const struct source_machine *m);

/** @brief Stops every decision (shutdown, fatal error, finish). */
void source_machine_stop(struct source_machine *m);

/* ---- reading the state ---- */

uint64_t source_machine_generation(const struct source_machine *m);
bool source_machine_deleted(const struct source_machine *m);
bool source_machine_stopping(const struct source_machine *m);
bool source_machine_starting(const struct source_machine *m);
const char *source_machine_reason(const struct source_machine *m);
/** @brief The acknowledged position. */
const struct sm_position *
source_machine_position(const struct source_machine *m);
/** @returns the tracker (read only: counts, oldest pending). */
const struct ack_tracker *source_machine_acks(const struct source_machine *m);

#endif
