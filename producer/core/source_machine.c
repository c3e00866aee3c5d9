/* SPDX-License-Identifier: MIT */
#include "source_machine.h"

#include <stdlib.h>
#include <string.h>

struct source_machine {
        struct source_machine_config cfg;
        struct ack_tracker *acks;

        /* The action queue (a ring). */
        struct sm_action queue[SOURCE_MACHINE_QUEUE];
        size_t q_head;
        size_t q_len;

        bool starting; /* the state file is being checked */
        bool stopping;

        /* The state file found at start (what a resume needs). */
        struct sm_position loaded;
        bool loaded_deleted;
        uint64_t loaded_fp_len;
        uint64_t loaded_fp_hash;
        uint64_t loaded_head_len;

        /* The generation being read. */
        bool gen_active;
        uint64_t gen;
        const char *reason;
        bool gen_deleted;
        bool reset_sent;
        bool snapshot_sent;
        bool empty_settled; /* an empty file stayed empty long enough */
        bool settle_armed;
        bool header_seen;
        bool eof_seen;

        /* What Kafka has acknowledged. */
        struct sm_position ck;
        bool ck_dirty;

        /* The durable state: what the state file on disk promises. */
        uint64_t durable_gen;
        uint64_t durable_len;
        bool durable_deleted;
        uint64_t saving_gen; /* the save in flight */
        uint64_t saving_len;
        bool saving_deleted;
        bool save_busy;
        bool save_wanted;  /* another save after the one in flight */
        bool gate_waiting; /* the tail is paused for a save */
        bool save_ahead;   /* the next save is for the gate (SAVE ahead) */
        bool eof_deferred; /* the end of data waits for a save */

        bool rewind_pending;
        uint64_t failed_since_rewind;
        bool bp_paused;
};

static void position_init(struct sm_position *p)
{
        memset(p, 0, sizeof(*p));
        p->line        = 1;
        p->next_record = 1;
}

struct source_machine *
source_machine_create(const struct source_machine_config *cfg)
{
        struct source_machine *m = calloc(1, sizeof(*m));

        if (!m) {
                return NULL;
        }
        m->cfg  = *cfg;
        m->acks = ack_tracker_create(cfg->tracker_capacity);
        if (!m->acks) {
                free(m);
                return NULL;
        }
        position_init(&m->ck);
        position_init(&m->loaded);
        return m;
}

void source_machine_destroy(struct source_machine *m)
{
        if (m) {
                ack_tracker_destroy(m->acks);
                free(m);
        }
}

/* ---- the queue ---- */

static struct sm_action *emit(struct source_machine *m,
                              enum sm_action_kind kind)
{
        struct sm_action *a;

        if (m->q_len == SOURCE_MACHINE_QUEUE) {
                /* Cannot happen: the shell drains after every event and
                 * one event queues a handful. Keep the newest decisions. */
                m->q_head = (m->q_head + 1) % SOURCE_MACHINE_QUEUE;
                m->q_len--;
        }
        a = &m->queue[(m->q_head + m->q_len) % SOURCE_MACHINE_QUEUE];
        m->q_len++;
        memset(a, 0, sizeof(*a));
        a->kind = kind;
        a->gen  = m->gen;
        return a;
}

bool source_machine_next_action(struct source_machine *m, struct sm_action *a)
{
        if (m->q_len == 0) {
                return false;
        }
        *a        = m->queue[m->q_head];
        m->q_head = (m->q_head + 1) % SOURCE_MACHINE_QUEUE;
        m->q_len--;
        return true;
}

/* Drops queued control messages: after a failure nothing more of the
 * generation goes out before the rewind. */
static void drop_queued_sends(struct source_machine *m)
{
        size_t kept = 0;
        struct sm_action keep[SOURCE_MACHINE_QUEUE];

        for (size_t i = 0; i < m->q_len; i++) {
                const struct sm_action *a =
                    &m->queue[(m->q_head + i) % SOURCE_MACHINE_QUEUE];
                if (a->kind != SM_ACT_SEND_RESET &&
                    a->kind != SM_ACT_SEND_SNAPSHOT) {
                        keep[kept++] = *a;
                }
        }
        memcpy(m->queue, keep, kept * sizeof(keep[0]));
        m->q_head = 0;
        m->q_len  = kept;
}

/* ---- the durable state and the gate ---- */

/* Whether the state on disk names the current generation and covers the
 * bytes up to end. */
static bool gate_open(const struct source_machine *m, uint64_t end)
{
        return m->durable_gen == m->gen &&
               m->durable_deleted == m->gen_deleted && end <= m->durable_len;
}

static void request_save(struct source_machine *m)
{
        struct sm_action *a;

        if (m->stopping) {
                return;
        }
        if (m->save_busy) {
                m->save_wanted = true;
                return;
        }
        a             = emit(m, SM_ACT_SAVE);
        m->save_busy  = true; /* until on_saved */
        a->deleted    = m->gen_deleted;
        a->ahead      = m->save_ahead;
        m->save_ahead = false;
}

void source_machine_on_save_started(struct source_machine *m, uint64_t fp_len)
{
        m->save_busy      = true;
        m->save_wanted    = false;
        m->ck_dirty       = false;
        m->saving_gen     = m->gen;
        m->saving_len     = fp_len;
        m->saving_deleted = m->gen_deleted;
}

static void note_durable(struct source_machine *m, uint64_t gen, uint64_t len,
                         bool deleted)
{
        m->durable_gen     = gen;
        m->durable_len     = len;
        m->durable_deleted = deleted;
}

void source_machine_on_saved(struct source_machine *m, bool ok)
{
        m->save_busy = false;
        if (!ok) {
                m->save_wanted = true; /* the checkpoint timer retries */
                return;
        }
        note_durable(m, m->saving_gen, m->saving_len, m->saving_deleted);
        if (m->stopping) {
                return;
        }
        if (m->save_wanted) {
                m->save_wanted = false;
                request_save(m);
        }
        if (m->gate_waiting && !m->save_busy) {
                m->gate_waiting = false;
                emit(m, SM_ACT_RESUME_TAIL);
        }
        if (m->eof_deferred && gate_open(m, 0)) {
                m->eof_deferred                            = false;
                emit(m, SM_ACT_CHECK_EOF)->use_tail_offset = true;
        }
}

void source_machine_on_saved_sync(struct source_machine *m, uint64_t fp_len)
{
        m->ck_dirty = false;
        note_durable(m, m->gen, fp_len, m->gen_deleted);
}

bool source_machine_can_save(const struct source_machine *m)
{
        return !m->starting && m->gen != 0;
}

void source_machine_on_tick(struct source_machine *m)
{
        if ((m->ck_dirty || m->save_wanted) && source_machine_can_save(m)) {
                request_save(m);
        }
}

/* ---- generations ---- */

/* Reading starts again at the file's start within the generation: nothing
 * sent yet, header unknown. */
static void read_at_zero(struct source_machine *m)
{
        m->reset_sent    = false;
        m->snapshot_sent = false;
        m->empty_settled = false;
        m->settle_armed  = false;
        m->header_seen   = false;
        m->eof_seen      = false;
}

static struct sm_action *start_generation(struct source_machine *m,
                                          const char *reason, bool deleted,
                                          uint64_t now_ms)
{
        struct sm_action *a;

        m->gen_deleted = deleted;
        m->gen         = now_ms > m->gen ? now_ms : m->gen + 1;
        m->reason      = reason;
        m->gen_active  = true;
        read_at_zero(m);
        a          = emit(m, SM_ACT_START_GENERATION);
        a->reason  = reason;
        a->deleted = deleted;
        return a;
}

/* A generation from the file's start, then the tail starts: the end of
 * a start. */
static void start_fresh(struct source_machine *m, const char *reason,
                        const char *why, uint64_t now_ms)
{
        start_generation(m, reason, false, now_ms)->why = why;
        emit(m, SM_ACT_SEEK)->offset                    = 0;
        m->starting                                     = false;
        emit(m, SM_ACT_START_TAIL);
}

static void schedule_delete(struct source_machine *m)
{
        if (!m->gen_deleted) {
                emit(m, SM_ACT_ARM_DELETE_TIMER);
        }
}

void source_machine_on_start(struct source_machine *m,
                             const struct checkpoint *loaded, bool file_open,
                             const struct file_stat *st, uint64_t now_ms)
{
        enum resume_plan plan;
        const char *why = "start";
        struct sm_action *a;

        m->starting = true;
        if (loaded) {
                m->loaded = (struct sm_position){
                    .generation    = loaded->generation,
                    .offset        = loaded->offset,
                    .line          = loaded->line,
                    .next_record   = loaded->next_record,
                    .row_count     = loaded->row_count,
                    .reset_done    = loaded->reset_done,
                    .snapshot_done = loaded->snapshot_done,
                };
                m->loaded_deleted  = loaded->deleted;
                m->loaded_fp_len   = loaded->fp_len;
                m->loaded_fp_hash  = loaded->fp_hash;
                m->loaded_head_len = loaded->head_len;
                m->ck              = m->loaded;
                m->gen = loaded->generation; /* newer ones are larger */
        }
        if (!file_open) {
                if (loaded && loaded->deleted) {
                        /* Already mirrored as deleted. */
                        m->gen_deleted = true;
                        m->gen_active  = true;
                        note_durable(m, loaded->generation, loaded->fp_len,
                                     true);
                } else if (loaded) {
                        schedule_delete(m); /* gone while stopped */
                }
                m->starting = false;
                emit(m, SM_ACT_START_TAIL);
                return;
        }
        if (!loaded || !st) {
                start_fresh(m, "start", NULL, now_ms);
                return;
        }
        plan = file_identity_resume_plan(loaded, st, &why);
        if (plan == RESUME_NEW) {
                start_fresh(m,
                            loaded->deleted ? "created"
                            : loaded->ino   ? "changed_while_stopped"
                                            : "start",
                            why, now_ms);
                return;
        }
        a      = emit(m, SM_ACT_HASH_PREFIX);
        a->why = why;
        a->len = loaded->fp_len;
        if (plan == RESUME_HASH_TAIL) {
                a->fold_len = loaded->fp_fold_len;
                a->fold     = loaded->fp_fold;
        }
}

void source_machine_on_prefix_hashed(struct source_machine *m, int status,
                                     uint64_t digest, uint64_t now_ms)
{
        struct sm_action *a;

        if (m->stopping) {
                return;
        }
        if (status != 0 || digest != m->loaded_fp_hash) {
                start_fresh(m, "changed_while_stopped",
                            status ? "unreadable" : "content differs", now_ms);
                return;
        }
        m->gen         = m->loaded.generation;
        m->gen_active  = true;
        m->reason      = "resumed";
        m->gen_deleted = false;
        read_at_zero(m);
        m->reset_sent    = m->loaded.reset_done;
        m->snapshot_sent = m->loaded.snapshot_done;
        a                = emit(m, SM_ACT_RESUME);
        if (m->loaded.reset_done && m->loaded.offset > 0 &&
            (m->loaded_head_len > 0 || m->cfg.header_given)) {
                /* The header is read again, then reading goes on at the
                 * acknowledged offset. */
                a->prime    = true;
                a->head_len = m->loaded_head_len;
                a->pos      = m->loaded;
                a->offset   = m->loaded.offset;
        } else {
                /* Nothing acknowledged past the reset: the generation is
                 * read again from its start (same record identities). */
                m->snapshot_sent = false;
                position_init(&m->ck);
                m->ck.generation = m->gen;
                m->ck.reset_done = m->reset_sent;
                a->pos           = m->ck;
                a->offset        = 0;
        }
}

void source_machine_on_resumed(struct source_machine *m, bool ok,
                               uint64_t now_ms)
{
        if (m->stopping) {
                return;
        }
        if (!ok) {
                start_fresh(m, "changed_while_stopped", "no header", now_ms);
                return;
        }
        /* The loaded state is durable as it is. */
        note_durable(m, m->loaded.generation, m->loaded_fp_len,
                     m->loaded_deleted);
        m->starting = false;
        emit(m, SM_ACT_START_TAIL);
}

/* ---- the file ---- */

void source_machine_on_file_changed(struct source_machine *m, bool deleted,
                                    const char *reason, uint64_t now_ms)
{
        if (m->stopping) {
                return;
        }
        if (deleted) {
                schedule_delete(m); /* reading waits for the file */
                return;
        }
        emit(m, SM_ACT_CANCEL_DELETE_TIMER);
        if (m->starting) {
                return; /* the start decides once the check ends */
        }
        (void)start_generation(m, reason, false, now_ms);
}

void source_machine_on_line_grew(struct source_machine *m, uint64_t now_ms)
{
        if (m->stopping) {
                return;
        }
        (void)start_generation(m, "line_grew", false, now_ms);
        emit(m, SM_ACT_SEEK)->offset = 0;
}

void source_machine_on_delete_grace(struct source_machine *m, bool file_back,
                                    uint64_t now_ms)
{
        if (m->stopping || m->starting || file_back) {
                return; /* back meanwhile */
        }
        (void)start_generation(m, "deleted", true, now_ms);
        m->empty_settled                  = true;
        emit(m, SM_ACT_CHECK_EOF)->offset = 0;
}

void source_machine_on_settle(struct source_machine *m, uint64_t tail_offset)
{
        m->settle_armed  = false;
        m->empty_settled = true;
        if (!m->reset_sent && (m->gen_deleted || tail_offset == 0)) {
                emit(m, SM_ACT_CHECK_EOF)->offset = 0;
        }
}

bool source_machine_reading(const struct source_machine *m)
{
        return m->gen_active && !m->rewind_pending && !m->stopping;
}

bool source_machine_on_data(struct source_machine *m, uint64_t offset,
                            size_t len)
{
        struct sm_action *a;

        if (!source_machine_reading(m)) {
                return false;
        }
        if (!gate_open(m, offset + len)) {
                /* Not yet covered by the state on disk: the tail keeps
                 * these bytes (the save fingerprints exactly them) and
                 * hands them over again once it is. */
                emit(m, SM_ACT_PAUSE_TAIL)->reason = "gate";
                a                                  = emit(m, SM_ACT_HOLD);
                a->offset                          = offset;
                a->len                             = len;
                m->gate_waiting                    = true;
                m->save_ahead                      = true;
                request_save(m);
                return false;
        }
        m->eof_seen = false;
        return true;
}

void source_machine_after_chunk(struct source_machine *m)
{
        struct sm_action *a;

        if (m->rewind_pending ||
            (ack_tracker_pending(m->acks) < m->cfg.max_pending_messages &&
             ack_tracker_pending_bytes(m->acks) < m->cfg.max_pending_bytes)) {
                return;
        }
        a            = emit(m, SM_ACT_PAUSE_TAIL);
        a->reason    = "backpressure";
        a->first     = !m->bp_paused;
        m->bp_paused = true;
}

static void maybe_finish_at_eof(struct source_machine *m)
{
        if (m->cfg.exit_at_eof && m->eof_seen && m->snapshot_sent &&
            !m->rewind_pending && ack_tracker_count(m->acks) == 0 &&
            !m->stopping) {
                m->stopping = true;
                emit(m, SM_ACT_FINISH_AT_EOF);
        }
}

void source_machine_on_eof(struct source_machine *m, uint64_t offset)
{
        if (!source_machine_reading(m)) {
                return;
        }
        if (!m->reset_sent && offset == 0 && !m->empty_settled) {
                /* Empty right after a rewrite (`>` truncates, then
                 * writes): give it a moment before an empty snapshot. */
                if (!m->settle_armed) {
                        m->settle_armed = true;
                        emit(m, SM_ACT_ARM_SETTLE_TIMER);
                }
                return;
        }
        if ((!m->reset_sent || !m->snapshot_sent) && !gate_open(m, 0)) {
                m->eof_deferred = true; /* the save's end checks again */
                request_save(m);
                return;
        }
        if (!m->reset_sent) {
                emit(m, SM_ACT_SEND_RESET);
        }
        if (!m->snapshot_sent) {
                emit(m, SM_ACT_SEND_SNAPSHOT);
        }
        m->eof_seen = true;
        maybe_finish_at_eof(m);
}

/* ---- records and messages ---- */

bool source_machine_on_header(struct source_machine *m, bool priming)
{
        m->header_seen = true;
        return !priming && !m->reset_sent;
}

static void want_rewind(struct source_machine *m, const char *why)
{
        struct sm_action *a;

        drop_queued_sends(m);
        a                 = emit(m, SM_ACT_PAUSE_TAIL);
        a->reason         = "rewind";
        a->why            = why;
        a->first          = !m->rewind_pending;
        a->offset         = m->ck.offset;
        m->rewind_pending = true;
}

int source_machine_track(struct source_machine *m, struct ack_pos *pos,
                         uint64_t *seq)
{
        pos->generation = m->gen;
        if (ack_tracker_push(m->acks, pos, seq) != 0) {
                want_rewind(m, "too many messages in flight");
                return -1;
        }
        return 0;
}

void source_machine_on_produce_failed(struct source_machine *m, bool tracked,
                                      uint64_t seq, const char *why)
{
        if (tracked) {
                ack_tracker_ack(m->acks, seq, false);
        }
        want_rewind(m, why ? why : "produce failed");
}

void source_machine_on_control_sent(struct source_machine *m, bool snapshot)
{
        if (snapshot) {
                m->snapshot_sent = true;
                maybe_finish_at_eof(m);
        } else {
                m->reset_sent = true;
        }
}

bool source_machine_rewind_pending(const struct source_machine *m)
{
        return m->rewind_pending;
}

/* Moves the acknowledged position past a's message. @returns 1 for a row
 * or dead letter, else 0. */
static int apply_ack(struct source_machine *m, const struct ack_pos *a)
{
        struct sm_position *ck = &m->ck;
        int rows               = 0;

        switch (a->kind) {
        case ACK_RESET:
                if (!a->is_last) {
                        return 0;
                }
                ck->generation    = a->generation;
                ck->offset        = 0;
                ck->line          = 1;
                ck->next_record   = 1;
                ck->row_count     = 0;
                ck->reset_done    = true;
                ck->snapshot_done = false;
                break;
        case ACK_ROW:
                ck->generation  = a->generation;
                ck->offset      = a->offset;
                ck->line        = a->line;
                ck->next_record = a->next_record;
                ck->row_count   = a->row_count;
                rows            = 1;
                break;
        case ACK_SNAPSHOT:
                if (a->is_last && a->generation == ck->generation) {
                        ck->snapshot_done = true;
                }
                break;
        }
        m->ck_dirty = true;
        return rows;
}

/* Everything in flight has a result: read again from the acknowledged
 * position. */
static void do_rewind(struct source_machine *m)
{
        struct sm_action *a;

        ack_tracker_clear(m->acks);
        m->rewind_pending = false;
        m->bp_paused      = false;
        a                 = emit(m, SM_ACT_REWIND);
        a->pos            = m->ck;
        a->failed         = m->failed_since_rewind;
        if (m->ck.generation != m->gen || !m->ck.reset_done) {
                read_at_zero(m);
                a->mode = SM_REWIND_NEW_READ;
        } else if (m->ck.offset == 0 || !m->header_seen) {
                bool reset_sent = m->reset_sent;
                read_at_zero(m);
                m->reset_sent    = reset_sent;
                m->snapshot_sent = m->ck.snapshot_done;
                a->mode          = SM_REWIND_ZERO_KEEP;
        } else {
                m->snapshot_sent = m->ck.snapshot_done;
                a->mode          = SM_REWIND_AT_OFFSET;
        }
        m->failed_since_rewind = 0;
}

uint64_t source_machine_on_delivery(struct source_machine *m, uint64_t seq,
                                    bool ok, const char *error,
                                    bool *first_failure)
{
        struct ack_pos a;
        uint64_t rows = 0;

        *first_failure = false;
        ack_tracker_ack(m->acks, seq, ok);
        if (!ok) {
                /* One log line per rewind, not per message: an outage fails
                 * every message in flight. */
                *first_failure = m->failed_since_rewind++ == 0;
                if (!m->stopping) {
                        want_rewind(m, error ? error : "delivery failed");
                }
        }
        while (ack_tracker_pop(m->acks, &a)) {
                rows += (uint64_t)apply_ack(m, &a);
        }
        if (m->stopping) {
                return rows;
        }
        if (m->rewind_pending && ack_tracker_pending(m->acks) == 0) {
                do_rewind(m);
        } else if (m->bp_paused && !m->rewind_pending &&
                   ack_tracker_pending(m->acks) <=
                       m->cfg.max_pending_messages / 2 &&
                   ack_tracker_pending_bytes(m->acks) <=
                       m->cfg.max_pending_bytes / 2) {
                m->bp_paused = false;
                emit(m, SM_ACT_RESUME_TAIL);
        }
        maybe_finish_at_eof(m);
        return rows;
}

void source_machine_stop(struct source_machine *m)
{
        m->stopping = true;
}

/* ---- reading the state ---- */

uint64_t source_machine_generation(const struct source_machine *m)
{
        return m->gen;
}

bool source_machine_deleted(const struct source_machine *m)
{
        return m->gen_deleted;
}

bool source_machine_stopping(const struct source_machine *m)
{
        return m->stopping;
}

bool source_machine_starting(const struct source_machine *m)
{
        return m->starting;
}

const char *source_machine_reason(const struct source_machine *m)
{
        return m->reason;
}

const struct sm_position *
source_machine_position(const struct source_machine *m)
{
        return &m->ck;
}

const struct ack_tracker *source_machine_acks(const struct source_machine *m)
{
        return m->acks;
}
