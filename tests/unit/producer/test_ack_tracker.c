/* SPDX-License-Identifier: MIT */
/* ack_tracker: out-of-order acknowledgements release only a contiguous
 * prefix; a failure blocks it. */
#include "ack_tracker.h"
#include "check.h"

int main(void)
{
        struct ack_tracker *t = ack_tracker_create(4);
        struct ack_pos pos    = {0}, out;
        uint64_t seq[5];

        for (int i = 0; i < 5; i++) {
                pos.offset  = (uint64_t)(i + 1) * 10;
                pos.bytes   = 100;
                pos.sent_ms = (uint64_t)(i + 1) * 1000;
                CHECK_EQ_INT(ack_tracker_push(t, &pos, &seq[i]), 0);
        }
        CHECK_EQ_INT(ack_tracker_pending(t), 5);
        CHECK_EQ_INT(ack_tracker_pending_bytes(t), 500);
        CHECK(ack_tracker_oldest_pending(t, &out));
        CHECK_EQ_INT(out.sent_ms, 1000);
        ack_tracker_ack(t, seq[1], true);
        CHECK(!ack_tracker_pop(t, &out));
        ack_tracker_ack(t, seq[0], true);
        CHECK(ack_tracker_pop(t, &out));
        CHECK_EQ_INT(out.offset, 10);
        CHECK(ack_tracker_pop(t, &out));
        CHECK_EQ_INT(out.offset, 20);
        CHECK(!ack_tracker_pop(t, &out));
        CHECK(ack_tracker_oldest_pending(t, &out));
        CHECK_EQ_INT(out.sent_ms, 3000);
        ack_tracker_ack(t, seq[2], false);
        ack_tracker_ack(t, seq[3], true);
        CHECK(ack_tracker_has_failed(t));
        CHECK(!ack_tracker_pop(t, &out));
        CHECK_EQ_INT(ack_tracker_pending(t), 1);
        /* Behind a failed and an acknowledged entry: the last one. */
        CHECK(ack_tracker_oldest_pending(t, &out));
        CHECK_EQ_INT(out.sent_ms, 5000);
        ack_tracker_ack(t, seq[4], true);
        CHECK(!ack_tracker_oldest_pending(t, &out));
        ack_tracker_clear(t);
        ack_tracker_ack(t, seq[4], true); /* late result: ignored */
        CHECK_EQ_INT(ack_tracker_count(t), 0);
        CHECK(!ack_tracker_has_failed(t));
        ack_tracker_destroy(t);
        return check_exit();
}
