/* SPDX-License-Identifier: MIT */
/*
 * Reading a generation (loop thread only): starting to read the file from
 * its start, resuming a generation from the state file (the header is
 * parsed again, then reading goes on at the acknowledged offset), and the
 * end of the data read so far. The machine decides when; this file does.
 * Uses pipeline_records.c and the files below it.
 */
#include "pipeline_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sniffer.h"
#include "typing.h"

void pipeline_reset_reading(struct pipeline *p)
{
        row_parser_reset(p->parser);
        if (p->timers_init) {
                uv_timer_stop(&p->settle_timer);
        }
        p->row_count  = 0;
        p->header_len = 0;
        memset(&p->notes, 0, sizeof(p->notes));
        p->key_idx = -1;
        (void)typing_set_header(p->typing, NULL, 0); /* until the header */
        pipeline_update_schema_id(p);
}

/* The header, and as much of the file's start as the dialect was detected
 * from, parsed again without sending anything. */
static int prime_header(struct pipeline *p, const struct sm_action *a)
{
        uint64_t dev, ino, size = 0;
        size_t want = (size_t)a->head_len;
        char *head;
        int64_t n;

        (void)file_tail_identity(p->tail, &dev, &ino, &size);
        if (size > want) {
                want =
                    size < SNIFF_HOLD_BYTES ? (size_t)size : SNIFF_HOLD_BYTES;
                want = want > a->head_len ? want : (size_t)a->head_len;
        }
        head = malloc(want);
        n    = head ? file_tail_pread(p->tail, 0, head, want) : -1;
        if (n < (int64_t)a->head_len) {
                free(head);
                return -1;
        }
        p->priming = true;
        (void)row_parser_feed(p->parser, head, (size_t)n, pipeline_on_record,
                              p);
        (void)row_parser_end(p->parser, false, pipeline_on_record, p);
        p->priming = false;
        free(head);
        return row_parser_has_header(p->parser) ? 0 : -1;
}

/* A resume where an earlier run sent the last record without its
 * newline: the parser sees whether the bytes before the offset end a
 * line. */
static void resume_after_unterminated(struct pipeline *p, uint64_t offset)
{
        char before[2];
        uint64_t at = offset > p->header_len ? offset : 0;
        size_t want = at >= sizeof(before) ? sizeof(before) : (size_t)at;
        int64_t n =
            want ? file_tail_pread(p->tail, at - want, before, want) : 0;

        if (n == (int64_t)want) {
                row_parser_resume_unterminated(p->parser, before, want);
        }
}

int pipeline_resume_reading(struct pipeline *p, const struct sm_action *a)
{
        pipeline_reset_reading(p);
        p->m->generation = a->gen;
        if (a->prime) {
                if (prime_header(p, a) != 0) {
                        return -1;
                }
                if (typing_decode_types(p->typing, p->loaded.types) != 0) {
                        log_warn("event=state_types_ignored types=%s",
                                 p->loaded.types);
                }
                pipeline_update_schema_id(p);
                p->row_count = a->pos.row_count;
                row_parser_seek(p->parser, a->pos.offset, a->pos.line,
                                a->pos.next_record);
                resume_after_unterminated(p, a->pos.offset);
        }
        (void)file_tail_resume_at(p->tail, a->offset);
        p->m->checkpoint_offset = p->loaded.offset;
        log_info("event=resume source=%s generation=%" PRIu64 " offset=%" PRIu64
                 " next_record=%" PRIu64 " verified_bytes=%" PRIu64,
                 p->cfg.source, a->gen, a->pos.offset, a->pos.next_record,
                 p->loaded.fp_len);
        return 0;
}

bool pipeline_end_of_data(struct pipeline *p)
{
        uint64_t quote;

        if (row_parser_end(p->parser, p->cfg.exit_at_eof, pipeline_on_record,
                           p) < 0) {
                pipeline_fail(p, "out of memory");
        }
        quote                 = row_parser_open_quote_line(p->parser);
        p->m->open_quote_line = quote;
        if (quote && quote != p->open_quote_warned) {
                log_info("event=open_quote source=%s line=%" PRIu64
                         " pending_bytes=%zu reason=\"a quoted field opened on "
                         "line %" PRIu64 " is not closed; later records wait "
                         "until it is (or it passes --max-record-bytes)\"",
                         p->cfg.source, quote,
                         row_parser_pending_bytes(p->parser), quote);
        }
        p->open_quote_warned = quote;
        return !quote && row_parser_pending_bytes(p->parser) > 0;
}
