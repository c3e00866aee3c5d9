/* SPDX-License-Identifier: MIT */
/* file_tail: a chunk kept by file_tail_hold (the read gate refused it until
 * the state file covers it) is delivered again at the resume, from memory
 * and with its first read time, and never when the file changed
 * meanwhile: overwritten in place (same size), truncated, replaced, or
 * the tail was moved by a seek. Real files in a temporary directory, a
 * real libuv loop. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "check.h"
#include "file_tail.h"

#define CHUNK     (256u * 1024u)
#define MAX_SPINS 5000 /* loop iterations a wait may take (bounded) */

struct rec {
        struct file_tail *ft;
        int refuse;        /* chunks still to refuse with file_tail_hold */
        int hold_result;   /* of the last file_tail_hold */
        char data[300000]; /* every byte delivered, in order */
        size_t data_len;
        size_t taken; /* bytes delivered and taken, never reset */
        int chunks;
        uint64_t first_at, first_ts; /* of the first delivery */
        uint64_t last_at, last_ts, last_len;
        int changes;
        enum file_tail_change change;
        int eofs;
};

static void on_change(void *ctx, enum file_tail_change change)
{
        struct rec *r = ctx;

        r->changes++;
        r->change   = change;
        r->data_len = 0; /* reading starts over at 0 */
}

static void on_data(void *ctx, uint64_t offset, const char *buf, size_t len,
                    uint64_t read_ts_ms)
{
        struct rec *r = ctx;

        if (r->chunks++ == 0) {
                r->first_at = offset;
                r->first_ts = read_ts_ms;
        }
        r->last_at  = offset;
        r->last_ts  = read_ts_ms;
        r->last_len = len;
        if (r->refuse > 0) {
                r->refuse--;
                r->hold_result = file_tail_hold(r->ft, offset, len);
                return;
        }
        r->taken += len;
        CHECK(r->data_len + len <= sizeof(r->data));
        if (r->data_len + len <= sizeof(r->data)) {
                memcpy(r->data + r->data_len, buf, len);
                r->data_len += len;
        }
}

static void on_eof(void *ctx, uint64_t offset)
{
        struct rec *r = ctx;

        (void)offset;
        r->eofs++;
}

static const struct file_tail_cbs CBS = {on_change, on_data, on_eof};

static char dir[] = "/tmp/test_file_tail.XXXXXX";
static char path[256];

static void write_file(const char *p, const char *text)
{
        FILE *f = fopen(p, "w");

        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void append(const char *text)
{
        int fd = open(path, O_WRONLY | O_APPEND);

        CHECK(fd >= 0);
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
}

static void timer_noop(uv_timer_t *t)
{
        (void)t;
}

/* Runs the loop until cond holds (a bounded number of iterations; each
 * waits at most 10 ms for an event). */
static int spin(uv_loop_t *loop, struct rec *r, int (*cond)(struct rec *))
{
        uv_timer_t t;

        uv_timer_init(loop, &t);
        for (int i = 0; i < MAX_SPINS && !cond(r); i++) {
                uv_timer_start(&t, timer_noop, 10, 0);
                uv_run(loop, UV_RUN_ONCE);
        }
        uv_close((uv_handle_t *)&t, NULL);
        uv_run(loop, UV_RUN_NOWAIT);
        return cond(r);
}

static int delivered(struct rec *r)
{
        return r->chunks > 0;
}

static int want_len;
static int has_data(struct rec *r)
{
        return r->data_len >= (size_t)want_len;
}

static int changed(struct rec *r)
{
        return r->changes > 0;
}

/* Some loop iterations that let whatever is pending happen. */
static void settle(uv_loop_t *loop)
{
        for (int i = 0; i < 20; i++) {
                uv_run(loop, UV_RUN_NOWAIT);
                usleep(1000);
        }
}

static struct file_tail *start(uv_loop_t *loop, struct rec *r, const char *text,
                               int refuse)
{
        struct file_tail *ft;

        memset(r, 0, sizeof(*r));
        write_file(path, text);
        ft = file_tail_create(loop, path, CHUNK, 60000, &CBS, r);
        CHECK(ft != NULL);
        r->ft     = ft;
        r->refuse = refuse;
        CHECK_EQ_INT(file_tail_open(ft), 1);
        CHECK_EQ_INT(file_tail_start(ft), 0);
        CHECK(spin(loop, r, delivered));
        settle(loop);
        return ft;
}

static void stop(uv_loop_t *loop, struct file_tail *ft)
{
        file_tail_stop(ft);
        file_tail_destroy(ft);
        settle(loop);
        unlink(path);
}

static const char ROWS[] = "id,name,value\n"
                           "1,first row of the chunk,10\n"
                           "2,second row of the chunk,20\n"
                           "3,third row of the chunk,30\n"
                           "4,fourth row of the chunk,40\n";

/* Kept, then delivered again as it was read: same offset, same read time
 * (a read again would stamp the bytes anew), nothing more. */
static void test_hold_then_resume(uv_loop_t *loop)
{
        struct rec r;
        struct file_tail *ft = start(loop, &r, ROWS, 1);
        uint64_t ts;

        CHECK_EQ_INT(r.hold_result, 1);
        CHECK_EQ_INT(r.data_len, 0);
        ts = r.first_ts;
        usleep(30000); /* a new read would carry a later time */
        want_len = (int)strlen(ROWS);
        file_tail_resume(ft);
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_MEM(r.data, r.data_len, ROWS);
        CHECK_EQ_INT(r.last_at, 0);
        CHECK_EQ_INT(r.last_ts, ts);
        CHECK_EQ_INT(r.changes, 0);
        CHECK(r.eofs >= 1);
        stop(loop, ft);
}

/* Refused twice (the save failed once): kept again, still delivered
 * once, and then what was appended meanwhile. */
static void test_hold_twice_and_append(uv_loop_t *loop)
{
        struct rec r;
        struct file_tail *ft = start(loop, &r, ROWS, 2);

        file_tail_resume(ft); /* refused again: kept again */
        settle(loop);
        CHECK_EQ_INT(r.hold_result, 1);
        CHECK_EQ_INT(r.refuse, 0);
        CHECK_EQ_INT(r.data_len, 0);
        append("5,appended while the save ran,50\n");
        settle(loop);
        CHECK_EQ_INT(r.data_len, 0); /* paused */
        want_len = (int)strlen(ROWS) + 33;
        file_tail_resume(ft);
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_MEM(r.data, r.data_len,
                     "id,name,value\n"
                     "1,first row of the chunk,10\n"
                     "2,second row of the chunk,20\n"
                     "3,third row of the chunk,30\n"
                     "4,fourth row of the chunk,40\n"
                     "5,appended while the save ran,50\n");
        CHECK_EQ_INT(r.changes, 0);
        stop(loop, ft);
}

/* Overwritten in place while kept, with the same size and the last bytes
 * unchanged (what the cheap checks look at): the stale chunk is never
 * delivered; a change is reported and the new bytes are read from 0. */
static void test_overwritten_while_held(uv_loop_t *loop)
{
        struct rec r;
        struct file_tail *ft = start(loop, &r, ROWS, 1);
        int fd               = open(path, O_WRONLY);

        CHECK(fd >= 0);
        CHECK(pwrite(fd, "9", 1, 14) == 1); /* "1,first" -> "9,first" */
        close(fd);
        file_tail_resume(ft);
        CHECK(spin(loop, &r, changed));
        CHECK_EQ_INT(r.change, FILE_TAIL_OVERWRITTEN);
        want_len = (int)strlen(ROWS);
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_MEM(r.data, r.data_len,
                     "id,name,value\n"
                     "9,first row of the chunk,10\n"
                     "2,second row of the chunk,20\n"
                     "3,third row of the chunk,30\n"
                     "4,fourth row of the chunk,40\n");
        CHECK_EQ_INT(r.taken, strlen(ROWS)); /* never the stale bytes */
        stop(loop, ft);
}

/* Truncated while kept: reported, nothing of the chunk delivered. */
static void test_truncated_while_held(uv_loop_t *loop)
{
        struct rec r;
        struct file_tail *ft = start(loop, &r, ROWS, 1);

        CHECK(truncate(path, 20) == 0);
        file_tail_resume(ft);
        CHECK(spin(loop, &r, changed));
        CHECK_EQ_INT(r.change, FILE_TAIL_TRUNCATED);
        want_len = 20;
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_MEM(r.data, r.data_len, "id,name,value\n1,firs");
        CHECK_EQ_INT(r.taken, 20);
        stop(loop, ft);
}

/* Replaced (renamed over) while kept: the new file is read, not the
 * kept chunk. */
static void test_replaced_while_held(uv_loop_t *loop)
{
        struct rec r;
        struct file_tail *ft = start(loop, &r, ROWS, 1);
        char other[300];

        snprintf(other, sizeof(other), "%s.new", path);
        write_file(other, "id,name,value\n7,another file,70\n");
        CHECK(rename(other, path) == 0);
        file_tail_resume(ft);
        CHECK(spin(loop, &r, changed));
        CHECK_EQ_INT(r.change, FILE_TAIL_REPLACED);
        want_len = 32;
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_MEM(r.data, r.data_len, "id,name,value\n7,another file,70\n");
        CHECK_EQ_INT(r.taken, 32);
        stop(loop, ft);
}

/* A seek (a rewind) drops the kept chunk: reading goes on from there. */
static void test_seek_drops_hold(uv_loop_t *loop)
{
        struct rec r;
        struct file_tail *ft = start(loop, &r, ROWS, 1);
        uint64_t ts          = r.first_ts;

        usleep(30000);
        CHECK_EQ_INT(file_tail_seek(ft, 14), 0);
        want_len = (int)strlen(ROWS) - 14;
        file_tail_resume(ft);
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_MEM(r.data, r.data_len, ROWS + 14);
        CHECK_EQ_INT(r.last_at, 14);
        CHECK(r.last_ts > ts); /* read again */
        stop(loop, ft);
}

/* A chunk too large to keep is read again from its offset. */
static void test_large_chunk_read_again(uv_loop_t *loop)
{
        struct rec r;
        static char big[100001];
        struct file_tail *ft;

        memset(big, 'x', sizeof(big) - 2);
        big[sizeof(big) - 2] = '\n';
        big[sizeof(big) - 1] = '\0';
        ft                   = start(loop, &r, big, 1);
        CHECK_EQ_INT(r.hold_result, 0);
        want_len = (int)strlen(big);
        file_tail_resume(ft);
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_INT(r.data_len, strlen(big));
        CHECK_EQ_INT(r.changes, 0);
        stop(loop, ft);
}

/* A chunk and a few bytes more: the rest is read after the chunk was
 * delivered (a small read on the loop thread must not overtake it). */
static void test_chunk_then_small_rest_in_order(uv_loop_t *loop)
{
        struct rec r;
        static char text[CHUNK + 5001];
        struct file_tail *ft;

        for (size_t i = 0; i < sizeof(text) - 1; i++) {
                text[i] = (char)('a' + (i * 7 + i / 4096) % 26);
        }
        text[sizeof(text) - 2] = '\n';
        text[sizeof(text) - 1] = '\0';
        ft                     = start(loop, &r, text, 0);
        want_len               = (int)strlen(text);
        CHECK(spin(loop, &r, has_data));
        CHECK_EQ_INT(r.data_len, strlen(text));
        CHECK(memcmp(r.data, text, strlen(text)) == 0);
        CHECK_EQ_INT(r.chunks, 2);
        stop(loop, ft);
}

int main(void)
{
        uv_loop_t loop;

        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        snprintf(path, sizeof(path), "%s/in.csv", dir);
        uv_loop_init(&loop);
        test_hold_then_resume(&loop);
        test_hold_twice_and_append(&loop);
        test_overwritten_while_held(&loop);
        test_truncated_while_held(&loop);
        test_replaced_while_held(&loop);
        test_seek_drops_hold(&loop);
        test_large_chunk_read_again(&loop);
        test_chunk_then_small_rest_in_order(&loop);
        uv_run(&loop, UV_RUN_NOWAIT);
        CHECK_EQ_INT(uv_loop_close(&loop), 0);
        rmdir(dir);
        return check_exit();
}
