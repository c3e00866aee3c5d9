/* SPDX-License-Identifier: MIT */
/* Repeat suppression: once per interval per key, repeats counted. */
#include "check.h"
#include "common/log_dedup.h"

struct flushed {
        int calls;
        uint64_t repeats;
        char key[LOG_DEDUP_KEY_MAX];
};

static void on_flush(void *ctx, const char *key, uint64_t repeats)
{
        struct flushed *f = ctx;

        f->calls++;
        f->repeats = repeats;
        snprintf(f->key, sizeof(f->key), "%s", key);
}

static void test_once_per_interval(void)
{
        struct log_dedup *d = log_dedup_create(1000);
        struct flushed f    = {0};
        uint64_t r          = 99;

        CHECK(log_dedup_note(d, "A down", 0, &r));
        CHECK_EQ_INT(r, 0);
        for (int i = 1; i <= 5; i++) {
                CHECK(!log_dedup_note(d, "A down", (uint64_t)i * 100, &r));
        }
        /* Another key is independent. */
        CHECK(log_dedup_note(d, "B down", 500, &r));
        CHECK_EQ_INT(r, 0);
        /* Not due yet: nothing flushed. */
        log_dedup_flush(d, 900, on_flush, &f);
        CHECK_EQ_INT(f.calls, 0);
        /* The next line after the interval carries the count. */
        CHECK(log_dedup_note(d, "A down", 1000, &r));
        CHECK_EQ_INT(r, 5);
        CHECK(!log_dedup_note(d, "A down", 1100, &r));
        CHECK(!log_dedup_note(d, "A down", 1200, &r));
        /* Quiet since: the flush reports the two swallowed copies once. */
        log_dedup_flush(d, 2000, on_flush, &f);
        CHECK_EQ_INT(f.calls, 1);
        CHECK_EQ_INT(f.repeats, 2);
        CHECK_EQ_STR(f.key, "A down");
        log_dedup_flush(d, 5000, on_flush, &f);
        CHECK_EQ_INT(f.calls, 1);
        log_dedup_destroy(d);
}

static void test_many_keys_evict(void)
{
        struct log_dedup *d = log_dedup_create(1000);
        char key[32];
        uint64_t r;

        for (int i = 0; i < 200; i++) {
                snprintf(key, sizeof(key), "k%d", i);
                CHECK(log_dedup_note(d, key, (uint64_t)i, &r));
        }
        /* The most recent keys are still remembered. */
        CHECK(!log_dedup_note(d, "k199", 300, &r));
        log_dedup_destroy(d);
}

static void test_normalize(void)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
            {"127.0.0.1:9/bootstrap: Connect to ipv4#127.0.0.1:9 failed: "
             "Connection refused (after 0ms in state CONNECT)",
             "127.0.0.1:9/bootstrap: Connect to ipv4#127.0.0.1:9 failed: "
             "Connection refused"},
            {"1/1 brokers are down", "1/1 brokers are down"},
            {"", ""},
        };
        char out[LOG_DEDUP_KEY_MAX];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                log_dedup_normalize(cases[i].in, out, sizeof(out));
                CHECK_EQ_STR(out, cases[i].out);
        }
        log_dedup_normalize("abcdef", out, 4);
        CHECK_EQ_STR(out, "abc");
}

int main(void)
{
        test_once_per_interval();
        test_many_keys_evict();
        test_normalize();
        return check_exit();
}
