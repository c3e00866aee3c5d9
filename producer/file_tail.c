/* SPDX-License-Identifier: MIT */
#include "file_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

#define FILE_TAIL_TAIL_BYTES    64   /* bytes before the offset we re-check */
#define FILE_TAIL_HEAD_MAX      4096 /* most header bytes we re-check */
#define FILE_TAIL_VERIFY_GAP_MS 200  /* least time between two re-hashes */
#define FILE_TAIL_VERIFY_COST   20   /* ... and at least 20x the last one */
#define FILE_TAIL_HASH_READ     (1u << 20)
/* The largest chunk file_tail_hold keeps: a live append's few rows. A larger
 * one (a backlog's chunk, one per save ahead) is read again instead, and
 * the loop never compares more than this many bytes. New bytes up to this
 * many (by the latest stat) are also read on the loop thread. */
#define FILE_TAIL_HOLD_MAX (64u * 1024u)

/* A hash of a prefix of the file on the thread pool (a verify of the
 * bytes read, or the check of a state file at start). */
struct hash_job {
        uv_work_t work;
        struct file_tail *ft;
        int fd; /* a dup: the tail may close its own meanwhile */
        uint64_t len;
        uint64_t expect; /* verify: the digest of what was read */
        uint64_t epoch;  /* verify: the generation of the tail */
        bool verify;
        bool ahead;    /* file_tail_hash_ahead: extends ft->fp */
        uint64_t from; /* ahead: the fingerprint's length at the start */
        struct file_stat stat_before;
        struct fingerprint *fp;
        int status;
        uint64_t started_ms;
        file_tail_hash_cb cb;
        file_tail_ahead_cb ahead_cb;
        void *cb_ctx;
};

struct file_tail {
        uv_loop_t *loop;
        char *path;
        char *dir;
        char *base;
        size_t chunk_bytes;
        uint64_t stat_interval_ms;
        const struct file_tail_cbs *cbs;
        void *ctx;

        uv_fs_event_t file_ev;
        uv_fs_event_t dir_ev;
        uv_timer_t stat_timer;
        uv_idle_t pump;
        int handles_open;
        bool file_ev_active;
        bool started;
        bool pumping;
        bool need_check;
        bool paused;
        bool at_eof;

        uv_file fd;
        int error; /* why the file cannot be opened or read (0: it can) */
        uv_fs_t read_req;    /* the chunk read on the thread pool */
        bool read_busy;      /* read_req is in flight */
        uint64_t moves;      /* bumped whenever the offset or fd changes */
        uint64_t read_moves; /* moves when the read in flight started */
        uint64_t read_at;    /* its offset */
        uint64_t dev;
        uint64_t ino;
        uint64_t offset;
        char *buf;   /* the next read's */
        char *spare; /* the chunk being delivered while the next is read */
        size_t parked_len; /* a chunk read while paused, in buf (0: none) */

        /* The chunk being delivered (on_data), which file_tail_hold may
         * keep for the resume: it ends at the offset. */
        const char *last_data;
        size_t last_len;
        uint64_t last_moves;
        uint64_t last_ts_ms;
        const char *held; /* kept by file_tail_hold (held_len 0: none) */
        size_t held_len;
        uint64_t held_moves; /* moves when it was kept */
        uint64_t held_ts_ms; /* when it was read */

        /* Identity: the bytes read so far and what stat said. */
        struct fingerprint *fp;   /* of [0, fingerprint_len) read */
        struct file_stat seen;    /* the latest stat */
        struct file_stat read_st; /* the stat before the latest read */
        uint64_t epoch;           /* bumped when reading restarts at 0 */
        bool verify_wanted;
        uint64_t verify_after_ms; /* rate limit */
        struct hash_job *job;     /* in flight, or NULL */
        struct fingerprint *resume_fp;
        bool free_pending; /* destroyed while a job ran */

        char head[FILE_TAIL_HEAD_MAX];
        size_t head_len;
        char tail[FILE_TAIL_TAIL_BYTES];
        size_t tail_len;
};

static uint64_t now_ms(void)
{
        return (uint64_t)clock_wall_ms();
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void to_file_stat(const uv_stat_t *st, struct file_stat *out)
{
        out->dev      = st->st_dev;
        out->ino      = st->st_ino;
        out->size     = st->st_size;
        out->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u +
                        (uint64_t)st->st_mtim.tv_nsec;
        out->ctime_ns = (uint64_t)st->st_ctim.tv_sec * 1000000000u +
                        (uint64_t)st->st_ctim.tv_nsec;
        file_stat_set_racy(out, now_ns());
}

static void on_pump(uv_idle_t *h);
static void free_tail(struct file_tail *ft);
static void read_chunk(struct file_tail *ft);
static void read_next(struct file_tail *ft, bool may_read_here);
static void deliver_held(struct file_tail *ft, size_t n);

/* Runs on_pump at the next loop iteration (reading goes on). */
static void pump(struct file_tail *ft)
{
        if (ft->started && !ft->pumping) {
                ft->pumping = true;
                uv_idle_start(&ft->pump, on_pump);
        }
}

/* A check of the path, then reading. */
static void wake(struct file_tail *ft)
{
        ft->need_check = true;
        pump(ft);
}

struct file_tail *file_tail_create(uv_loop_t *loop, const char *path,
                                   size_t chunk_bytes,
                                   uint64_t stat_interval_ms,
                                   const struct file_tail_cbs *cbs, void *ctx)
{
        struct file_tail *ft = calloc(1, sizeof(*ft));
        char *tmp1 = NULL, *tmp2 = NULL;

        if (!ft) {
                errno = ENOMEM;
                return NULL;
        }
        ft->loop             = loop;
        ft->chunk_bytes      = chunk_bytes;
        ft->stat_interval_ms = stat_interval_ms;
        ft->cbs              = cbs;
        ft->ctx              = ctx;
        ft->fd               = -1;
        ft->path             = strdup(path);
        tmp1                 = strdup(path);
        tmp2                 = strdup(path);
        ft->buf              = malloc(chunk_bytes);
        ft->spare            = malloc(chunk_bytes);
        ft->fp               = fingerprint_create();
        ft->resume_fp        = fingerprint_create();
        if (!ft->path || !tmp1 || !tmp2 || !ft->buf || !ft->spare || !ft->fp ||
            !ft->resume_fp) {
                goto error;
        }
        ft->dir  = strdup(dirname(tmp1));
        ft->base = strdup(basename(tmp2));
        free(tmp1);
        free(tmp2);
        tmp1 = tmp2 = NULL;
        if (!ft->dir || !ft->base) {
                goto error;
        }
        return ft;
error:
        free(tmp1);
        free(tmp2);
        free(ft->dir);
        free(ft->base);
        free(ft->path);
        free(ft->buf);
        free(ft->spare);
        fingerprint_destroy(ft->fp);
        fingerprint_destroy(ft->resume_fp);
        free(ft);
        errno = ENOMEM;
        return NULL;
}

static void close_fd(struct file_tail *ft)
{
        uv_fs_t req;

        if (ft->fd >= 0) {
                uv_fs_close(ft->loop, &req, ft->fd, NULL);
                uv_fs_req_cleanup(&req);
                ft->fd = -1;
                ft->moves++;
        }
}

static int stat_path(struct file_tail *ft, uv_stat_t *st)
{
        uv_fs_t req;
        int r = uv_fs_stat(ft->loop, &req, ft->path, NULL);

        if (r == 0) {
                *st = req.statbuf;
        }
        uv_fs_req_cleanup(&req);
        return r;
}

static void on_fs_event(uv_fs_event_t *h, const char *filename, int events,
                        int status);

static void watch_file(struct file_tail *ft)
{
        if (!ft->started) {
                return;
        }
        if (ft->file_ev_active) {
                uv_fs_event_stop(&ft->file_ev);
                ft->file_ev_active = false;
        }
        if (ft->fd >= 0 &&
            uv_fs_event_start(&ft->file_ev, on_fs_event, ft->path, 0) == 0) {
                ft->file_ev_active = true;
        }
}

static int open_path(struct file_tail *ft)
{
        uv_fs_t req;
        int fd =
            uv_fs_open(ft->loop, &req, ft->path, O_RDONLY | O_CLOEXEC, 0, NULL);

        bool is_dir = false;

        uv_fs_req_cleanup(&req);
        if (fd < 0) {
                ft->error = fd == UV_ENOENT ? 0 : fd;
                return fd;
        }
        if (uv_fs_fstat(ft->loop, &req, fd, NULL) == 0) {
                ft->dev = req.statbuf.st_dev;
                ft->ino = req.statbuf.st_ino;
                is_dir  = (req.statbuf.st_mode & S_IFMT) == S_IFDIR;
                to_file_stat(&req.statbuf, &ft->seen);
        }
        uv_fs_req_cleanup(&req);
        if (is_dir) {
                /* Not watched: the changes inside a directory (say, the
                 * producer's own log written there) must not wake us. */
                uv_fs_close(ft->loop, &req, fd, NULL);
                uv_fs_req_cleanup(&req);
                ft->error = UV_EISDIR;
                return UV_EISDIR;
        }
        ft->error = 0;
        close_fd(ft);
        ft->fd     = fd;
        ft->offset = 0;
        ft->moves++;
        ft->head_len = 0;
        ft->tail_len = 0;
        ft->at_eof   = false;
        ft->read_st  = ft->seen;
        ft->epoch++;
        ft->verify_wanted = false;
        fingerprint_reset(ft->fp);
        watch_file(ft);
        return 0;
}

int file_tail_open(struct file_tail *ft)
{
        int r = open_path(ft);

        if (r == UV_ENOENT) {
                return 0;
        }
        return r < 0 ? r : 1;
}

int64_t file_tail_pread(struct file_tail *ft, uint64_t offset, char *buf,
                        size_t len)
{
        uv_fs_t req;
        uv_buf_t b = uv_buf_init(buf, (unsigned int)len);
        size_t got = 0;
        int r      = 0;

        if (ft->fd < 0) {
                return UV_EBADF;
        }
        while (got < len) {
                b = uv_buf_init(buf + got, (unsigned int)(len - got));
                r = uv_fs_read(ft->loop, &req, ft->fd, &b, 1,
                               (int64_t)(offset + got), NULL);
                uv_fs_req_cleanup(&req);
                if (r <= 0) {
                        break;
                }
                got += (size_t)r;
        }
        return r < 0 ? r : (int64_t)got;
}

static bool same_bytes(struct file_tail *ft, uint64_t offset,
                       const char *expect, size_t len)
{
        char now[FILE_TAIL_HEAD_MAX];

        return file_tail_pread(ft, offset, now, len) == (int64_t)len &&
               memcmp(now, expect, len) == 0;
}

static void report(struct file_tail *ft, enum file_tail_change change)
{
        if (change != FILE_TAIL_DELETED) {
                ft->offset = 0;
                ft->moves++;
                ft->head_len = 0;
                ft->tail_len = 0;
                ft->at_eof   = false;
                ft->read_st  = ft->seen;
                ft->epoch++;
                ft->verify_wanted = false;
                fingerprint_reset(ft->fp);
        }
        ft->cbs->on_change(ft->ctx, change);
}

/* A stat of the open file: anything but "nothing happened" asks for a
 * re-hash of the bytes read (the cheap checks below may report first). */
static void note_stat(struct file_tail *ft, const uv_stat_t *st)
{
        struct file_stat now;

        to_file_stat(st, &now);
        if (file_identity_compare(&ft->seen, &now) != FILE_SAME &&
            fingerprint_len(ft->fp) > 0) {
                ft->verify_wanted = true;
        }
        ft->seen = now;
}

/* Compares the path with what was read; returns the file size or -1. */
static int64_t check(struct file_tail *ft)
{
        uv_stat_t st = {0};
        int r        = stat_path(ft, &st);

        ft->need_check = false;
        if (r < 0) {
                ft->error = r == UV_ENOENT ? 0 : r;
                if (ft->fd >= 0 && r == UV_ENOENT) {
                        close_fd(ft);
                        report(ft, FILE_TAIL_DELETED);
                }
                return -1;
        }
        if (ft->fd < 0) {
                if (open_path(ft) != 0) {
                        return -1;
                }
                report(ft, FILE_TAIL_CREATED);
                return (int64_t)st.st_size;
        }
        if (st.st_ino != ft->ino || st.st_dev != ft->dev) {
                if (open_path(ft) != 0) {
                        return -1;
                }
                report(ft, FILE_TAIL_REPLACED);
                return (int64_t)st.st_size;
        }
        note_stat(ft, &st);
        if (st.st_size < ft->offset) {
                report(ft, FILE_TAIL_TRUNCATED);
        } else if (ft->head_len && !same_bytes(ft, 0, ft->head, ft->head_len)) {
                report(ft, FILE_TAIL_HEADER_CHANGED);
        } else if (ft->tail_len && !same_bytes(ft, ft->offset - ft->tail_len,
                                               ft->tail, ft->tail_len)) {
                report(ft, FILE_TAIL_OVERWRITTEN);
        }
        return (int64_t)st.st_size;
}

static void remember_tail(struct file_tail *ft, const char *buf, size_t n)
{
        if (n >= FILE_TAIL_TAIL_BYTES) {
                memcpy(ft->tail, buf + n - FILE_TAIL_TAIL_BYTES,
                       FILE_TAIL_TAIL_BYTES);
                ft->tail_len = FILE_TAIL_TAIL_BYTES;
                return;
        }
        if (ft->tail_len + n > FILE_TAIL_TAIL_BYTES) {
                size_t drop = ft->tail_len + n - FILE_TAIL_TAIL_BYTES;
                memmove(ft->tail, ft->tail + drop, ft->tail_len - drop);
                ft->tail_len -= drop;
        }
        memcpy(ft->tail + ft->tail_len, buf, n);
        ft->tail_len += n;
}

/* Adds the bytes of a read beyond what the fingerprint holds (a rewind
 * re-reads bytes it already has). */
static void hash_read(struct file_tail *ft, uint64_t at, const char *buf,
                      size_t n)
{
        uint64_t have = fingerprint_len(ft->fp);

        if (at + n <= have) {
                return;
        }
        if (at > have) {
                /* A gap (should not happen: seeks stay within what was
                 * hashed): hash it from the file. */
                char gap[FILE_TAIL_HEAD_MAX];
                while (have < at) {
                        size_t k = at - have < sizeof(gap) ? (size_t)(at - have)
                                                           : sizeof(gap);
                        if (file_tail_pread(ft, have, gap, k) != (int64_t)k) {
                                return;
                        }
                        fingerprint_update(ft->fp, gap, k);
                        have += k;
                }
        }
        fingerprint_update(ft->fp, buf + (have - at), n - (size_t)(have - at));
}

/* Frees a destroyed tail once nothing runs on the thread pool for it. */
static void free_when_idle(struct file_tail *ft)
{
        if (!ft->job && !ft->read_busy) {
                free_tail(ft);
        }
}

/* A chunk read on the thread pool has ended (n bytes at at, or an error).
 * A result the tail no longer wants (stopped, paused, the offset or the
 * file changed meanwhile) is dropped: reading goes on from the offset as
 * it is now. */
static void took_chunk(struct file_tail *ft, uint64_t at, int64_t n);

static void on_read(uv_fs_t *req)
{
        struct file_tail *ft = req->data;
        int64_t n            = (int64_t)req->result;
        uint64_t at          = ft->read_at;

        uv_fs_req_cleanup(req);
        ft->read_busy = false;
        if (ft->free_pending) {
                free_when_idle(ft);
                return;
        }
        if (ft->started && ft->paused && ft->fd >= 0 && n > 0 &&
            ft->moves == ft->read_moves && ft->offset == at) {
                /* Read ahead, then paused (back-pressure) without a seek:
                 * kept for the resume rather than read again. */
                ft->parked_len = (size_t)n;
                return;
        }
        if (!ft->started || ft->paused || ft->fd < 0 ||
            ft->moves != ft->read_moves || ft->offset != at) {
                pump(ft);
                return;
        }
        took_chunk(ft, at, n);
}

/* A chunk read: n bytes at at in ft->buf, or an error. */
static void took_chunk(struct file_tail *ft, uint64_t at, int64_t n)
{
        if (n < 0) {
                /* Reported by file_tail_error() (the health check logs it
                 * at a bounded rate); retried at the next wake-up. */
                log_debug("event=read_failed path=%s error=\"%s\"", ft->path,
                          uv_strerror((int)n));
                ft->error = (int)n;
                return;
        }
        ft->error = 0;
        if (n > 0) {
                char *data = ft->buf;

                hash_read(ft, at, data, (size_t)n);
                if (!ft->verify_wanted && !(ft->job && ft->job->verify)) {
                        /* Otherwise the bytes read may already differ from
                         * the file this stat describes: keep the older
                         * stat until a re-hash proves them. */
                        ft->read_st = ft->seen;
                }
                ft->offset += (uint64_t)n;
                remember_tail(ft, data, (size_t)n);
                ft->at_eof = false;
                if ((size_t)n == ft->chunk_bytes) {
                        /* More may be waiting: read it on the thread pool
                         * while this chunk is parsed (a pause or seek in
                         * on_data makes on_read drop that result). */
                        ft->buf   = ft->spare;
                        ft->spare = data;
                        read_next(ft, false); /* not before this on_data */
                }
                ft->last_data  = data;
                ft->last_len   = (size_t)n;
                ft->last_moves = ft->moves;
                ft->last_ts_ms = now_ms();
                ft->cbs->on_data(ft->ctx, at, data, (size_t)n, ft->last_ts_ms);
                ft->last_data = NULL;
        }
        if ((size_t)n < ft->chunk_bytes) {
                if (!ft->paused && ft->offset == at + (uint64_t)n) {
                        ft->at_eof = true;
                        ft->cbs->on_eof(ft->ctx, ft->offset);
                }
                return;
        }
        pump(ft); /* more may be waiting */
}

/* Whether the file still holds expect at [at, at + len): read again in
 * small pieces on the loop thread. */
static bool same_range(struct file_tail *ft, uint64_t at, const char *expect,
                       size_t len)
{
        size_t done = 0;

        while (done < len) {
                size_t k = len - done < FILE_TAIL_HEAD_MAX ? len - done
                                                           : FILE_TAIL_HEAD_MAX;
                if (!same_bytes(ft, at + done, expect + done, k)) {
                        return false;
                }
                done += k;
        }
        return true;
}

/* Delivers the chunk kept by file_tail_hold again, from memory: it ends at
 * the offset, which did not move. Its bytes are compared with the file
 * first: a stat cannot prove that they are unchanged (an overwrite in place
 * keeps the size, and a live file's stat is racy), and what the state file
 * saved meanwhile fingerprints exactly these bytes. A difference is
 * reported as a change (reading starts over at 0): nothing of the stale
 * chunk is delivered. */
static void deliver_held(struct file_tail *ft, size_t n)
{
        uint64_t at = ft->offset - n;
        uv_stat_t st;

        if (!same_range(ft, at, ft->held, n)) {
                bool shorter = stat_path(ft, &st) == 0 &&
                               (uint64_t)st.st_size < ft->offset;
                log_info("event=content_changed path=%s bytes=%llu "
                         "reason=held_chunk",
                         ft->path, (unsigned long long)ft->offset);
                report(ft,
                       shorter ? FILE_TAIL_TRUNCATED : FILE_TAIL_OVERWRITTEN);
                wake(ft);
                return;
        }
        ft->last_data  = ft->held;
        ft->last_len   = n;
        ft->last_moves = ft->moves;
        ft->last_ts_ms = ft->held_ts_ms;
        ft->cbs->on_data(ft->ctx, at, ft->held, n, ft->held_ts_ms);
        ft->last_data = NULL;
        if (ft->held_len || ft->paused || ft->offset != at + n) {
                return; /* held again, paused or moved by on_data */
        }
        if (n < ft->chunk_bytes && ft->seen.size <= ft->offset) {
                /* The stat of the resume's check saw nothing more. */
                ft->at_eof = true;
                ft->cbs->on_eof(ft->ctx, ft->offset);
                return;
        }
        read_chunk(ft); /* bytes appended while it was kept, or parked */
}

/* Starts reading one chunk on the thread pool (the loop goes on: delivery
 * reports, signals, timers). on_read takes the result. */
static void read_chunk(struct file_tail *ft)
{
        read_next(ft, true);
}

/* The next chunk: one kept or parked, else a read, on the loop thread when
 * may_read_here and the latest stat says only a few bytes are new. */
static void read_next(struct file_tail *ft, bool may_read_here)
{
        uv_buf_t b;
        int r;

        if (ft->fd < 0 || ft->paused || ft->read_busy) {
                return;
        }
        if (ft->held_len) {
                size_t n     = ft->held_len;
                ft->held_len = 0;
                if (ft->held_moves == ft->moves) {
                        deliver_held(ft, n);
                        return;
                }
                /* The offset or the file changed: nothing of it counts. */
        }
        if (ft->parked_len) {
                size_t n       = ft->parked_len;
                ft->parked_len = 0;
                if (ft->moves == ft->read_moves && ft->offset == ft->read_at) {
                        took_chunk(ft, ft->read_at, (int64_t)n);
                        return;
                }
        }
        b = uv_buf_init(ft->buf, (unsigned int)ft->chunk_bytes);
        if (may_read_here && ft->seen.size >= ft->offset &&
            ft->seen.size - ft->offset <= FILE_TAIL_HOLD_MAX) {
                /* A live append's few bytes (the latest stat says how
                 * many): read here, on the loop thread; the round trip to
                 * the thread pool cost more than the read itself. */
                uv_fs_t req;
                uint64_t at    = ft->offset;
                ft->read_moves = ft->moves;
                ft->read_at    = at;
                r = uv_fs_read(ft->loop, &req, ft->fd, &b, 1, (int64_t)at,
                               NULL);
                uv_fs_req_cleanup(&req);
                took_chunk(ft, at, r);
                return;
        }
        ft->read_req.data = ft;
        ft->read_moves    = ft->moves;
        ft->read_at       = ft->offset;
        r                 = uv_fs_read(ft->loop, &ft->read_req, ft->fd, &b, 1,
                                       (int64_t)ft->offset, on_read);
        if (r < 0) {
                log_debug("event=read_failed path=%s error=\"%s\"", ft->path,
                          uv_strerror(r));
                ft->error = r;
                return;
        }
        ft->read_busy = true;
}

/* ---- hashing on the thread pool ---- */

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void hash_work(uv_work_t *w)
{
        struct hash_job *j = w->data;
        char *b            = malloc(FILE_TAIL_HASH_READ);
        uint64_t at        = fingerprint_len(j->fp);

        j->status = b ? 0 : UV_ENOMEM;
        while (j->status == 0 && at < j->len) {
                uint64_t left = j->len - at;
                size_t want   = left < FILE_TAIL_HASH_READ ? (size_t)left
                                                           : FILE_TAIL_HASH_READ;
                ssize_t r     = pread(j->fd, b, want, (off_t)at);
                if (r < 0 && errno == EINTR) {
                        continue;
                }
                if (r <= 0) {
                        j->status = r < 0 ? -errno : UV_EOF;
                        break;
                }
                fingerprint_update(j->fp, b, (size_t)r);
                at += (uint64_t)r;
        }
        free(b);
}

static void free_job(struct hash_job *j)
{
        if (j->fd >= 0) {
                close(j->fd);
        }
        fingerprint_destroy(j->fp);
        free(j);
}

/* The end of a hash ahead: its fingerprint replaces the tail's when the
 * tail did not move meanwhile. */
static void ahead_done(struct file_tail *ft, struct hash_job *j)
{
        int status = j->status;

        if (status == 0 && (j->epoch != ft->epoch || !ft->started ||
                            fingerprint_len(ft->fp) != j->from)) {
                status = UV_ECANCELED;
        }
        if (status == 0) {
                fingerprint_copy(ft->fp, j->fp);
        }
        if (ft->verify_wanted) {
                wake(ft); /* a re-hash waited for this one */
        }
        j->ahead_cb(j->cb_ctx, status);
        free_job(j);
}

static void hash_done(uv_work_t *w, int status)
{
        struct hash_job *j   = w->data;
        struct file_tail *ft = j->ft;
        uint64_t digest      = fingerprint_digest(j->fp);
        uint64_t took        = mono_ms() - j->started_ms;

        if (status != 0) {
                j->status = status; /* cancelled */
        }
        ft->job = NULL;
        if (ft->free_pending) {
                free_job(j);
                free_when_idle(ft);
                return;
        }
        if (j->ahead) {
                ahead_done(ft, j);
                return;
        }
        if (!j->verify) {
                if (j->status == 0) {
                        fingerprint_copy(ft->resume_fp, j->fp);
                }
                j->cb(j->cb_ctx, j->status, digest);
                free_job(j);
                return;
        }
        ft->verify_after_ms =
            mono_ms() + (took * FILE_TAIL_VERIFY_COST > FILE_TAIL_VERIFY_GAP_MS
                             ? took * FILE_TAIL_VERIFY_COST
                             : FILE_TAIL_VERIFY_GAP_MS);
        if (j->epoch == ft->epoch && ft->started) {
                if (j->status == 0 && digest != j->expect) {
                        log_info("event=content_changed path=%s bytes=%llu",
                                 ft->path, (unsigned long long)j->len);
                        report(ft, FILE_TAIL_OVERWRITTEN);
                } else if (j->status == 0) {
                        log_debug("event=verified path=%s bytes=%llu ms=%llu",
                                  ft->path, (unsigned long long)j->len,
                                  (unsigned long long)took);
                        ft->read_st = j->stat_before;
                } else if (j->status == UV_EOF) {
                        /* Shorter than the bytes fingerprinted, though
                         * not than the offset read (the check reports
                         * that): bytes hashed ahead were cut off. */
                        log_info("event=content_changed path=%s bytes=%llu "
                                 "reason=shorter",
                                 ft->path, (unsigned long long)j->len);
                        report(ft, FILE_TAIL_TRUNCATED);
                } else {
                        ft->verify_wanted = true; /* the next check decides */
                }
                wake(ft);
        }
        free_job(j);
}

static struct hash_job *new_job(struct file_tail *ft, uint64_t len)
{
        struct hash_job *j = calloc(1, sizeof(*j));

        if (!j) {
                return NULL;
        }
        j->fd = ft->fd >= 0 ? dup(ft->fd) : -1;
        j->fp = fingerprint_create();
        if (j->fd < 0 || !j->fp) {
                free_job(j);
                return NULL;
        }
        j->ft         = ft;
        j->len        = len;
        j->epoch      = ft->epoch;
        j->work.data  = j;
        j->started_ms = mono_ms();
        return j;
}

static int queue_job(struct file_tail *ft, struct hash_job *j)
{
        int r = uv_queue_work(ft->loop, &j->work, hash_work, hash_done);

        if (r != 0) {
                free_job(j);
                return r;
        }
        ft->job = j;
        return 0;
}

/* Re-hashes the bytes read so far when a stat asked for it and the rate
 * limit allows; otherwise the stat timer brings us back. */
static void maybe_verify(struct file_tail *ft)
{
        struct hash_job *j;

        if (ft->job || ft->fd < 0 || mono_ms() < ft->verify_after_ms) {
                return;
        }
        ft->verify_wanted = false;
        if (fingerprint_len(ft->fp) == 0) {
                return;
        }
        j = new_job(ft, fingerprint_len(ft->fp));
        if (!j) {
                ft->verify_wanted = true;
                return;
        }
        j->verify      = true;
        j->expect      = fingerprint_digest(ft->fp);
        j->stat_before = ft->seen;
        if (queue_job(ft, j) != 0) {
                ft->verify_wanted = true;
        }
}

int file_tail_hash_prefix(struct file_tail *ft, uint64_t fold_len,
                          uint64_t fold, uint64_t len, file_tail_hash_cb cb,
                          void *ctx)
{
        struct hash_job *j;

        if (ft->job) {
                return UV_EBUSY;
        }
        if (ft->fd < 0) {
                return UV_EBADF;
        }
        j = new_job(ft, len);
        if (!j) {
                return UV_ENOMEM;
        }
        fingerprint_restore(j->fp, fold_len <= len ? fold_len : 0,
                            fold_len <= len ? fold : 0);
        j->cb     = cb;
        j->cb_ctx = ctx;
        return queue_job(ft, j);
}

int file_tail_hash_ahead(struct file_tail *ft, uint64_t ahead,
                         file_tail_ahead_cb cb, void *ctx)
{
        uint64_t from = fingerprint_len(ft->fp);
        uint64_t to   = from + ahead;
        struct hash_job *j;

        if (ft->job) {
                return UV_EBUSY;
        }
        if (ft->fd < 0 || !ft->started) {
                return UV_EBADF;
        }
        if (to > ft->seen.size) {
                to = ft->seen.size;
        }
        if (to <= from) {
                return 1;
        }
        j = new_job(ft, to);
        if (!j) {
                return UV_ENOMEM;
        }
        fingerprint_copy(j->fp, ft->fp);
        j->ahead    = true;
        j->from     = from;
        j->ahead_cb = cb;
        j->cb_ctx   = ctx;
        return queue_job(ft, j);
}

int file_tail_resume_at(struct file_tail *ft, uint64_t offset)
{
        fingerprint_copy(ft->fp, ft->resume_fp);
        return file_tail_seek(ft, offset);
}

int file_tail_read_stat(const struct file_tail *ft, struct file_stat *out)
{
        if (ft->fd < 0) {
                return -1;
        }
        *out = ft->read_st;
        return 0;
}

void file_tail_fingerprint(const struct file_tail *ft, uint64_t *len,
                           uint64_t *digest, uint64_t *fold_len, uint64_t *fold)
{
        *len    = fingerprint_len(ft->fp);
        *digest = fingerprint_digest(ft->fp);
        fingerprint_fold(ft->fp, fold_len, fold);
}

/* Runs once when there is work: a pending check, then the next chunk's
 * read (on the thread pool; its end pumps again while more may be
 * waiting). */
static void on_pump(uv_idle_t *h)
{
        struct file_tail *ft = h->data;

        if (ft->need_check) {
                (void)check(ft); /* changes are reported by callback */
        }
        if (ft->verify_wanted) {
                maybe_verify(ft);
        }
        read_chunk(ft);
        if (!ft->need_check) {
                ft->pumping = false;
                uv_idle_stop(&ft->pump);
        }
}

static void on_fs_event(uv_fs_event_t *h, const char *filename, int events,
                        int status)
{
        struct file_tail *ft = h->data;

        (void)events;
        if (status < 0) {
                log_warn("event=watch_error path=%s error=\"%s\"", ft->path,
                         uv_strerror(status));
        }
        if (h == &ft->dir_ev && filename && strcmp(filename, ft->base) != 0) {
                return;
        }
        wake(ft);
}

static void on_stat_timer(uv_timer_t *h)
{
        wake(h->data);
}

int file_tail_start(struct file_tail *ft)
{
        int r;

        uv_fs_event_init(ft->loop, &ft->file_ev);
        uv_fs_event_init(ft->loop, &ft->dir_ev);
        uv_timer_init(ft->loop, &ft->stat_timer);
        uv_idle_init(ft->loop, &ft->pump);
        ft->file_ev.data = ft->dir_ev.data = ft->stat_timer.data =
            ft->pump.data                  = ft;
        ft->handles_open                   = 4;
        ft->started                        = true;
        r = uv_fs_event_start(&ft->dir_ev, on_fs_event, ft->dir, 0);
        if (r < 0) {
                log_error("event=watch_failed dir=%s error=\"%s\"", ft->dir,
                          uv_strerror(r));
                return r;
        }
        watch_file(ft);
        uv_timer_start(&ft->stat_timer, on_stat_timer, ft->stat_interval_ms,
                       ft->stat_interval_ms);
        wake(ft);
        return 0;
}

void file_tail_stop(struct file_tail *ft)
{
        if (!ft || !ft->started) {
                return;
        }
        ft->started = false;
        uv_fs_event_stop(&ft->file_ev);
        uv_fs_event_stop(&ft->dir_ev);
        uv_timer_stop(&ft->stat_timer);
        uv_idle_stop(&ft->pump);
        ft->pumping = false;
}

static void free_tail(struct file_tail *ft)
{
        close_fd(ft);
        fingerprint_destroy(ft->fp);
        fingerprint_destroy(ft->resume_fp);
        free(ft->path);
        free(ft->dir);
        free(ft->base);
        free(ft->buf);
        free(ft->spare);
        free(ft);
}

static void on_closed(uv_handle_t *h)
{
        struct file_tail *ft = h->data;

        if (--ft->handles_open == 0) {
                if (ft->job || ft->read_busy) {
                        ft->free_pending = true; /* hash_done, on_read free */
                } else {
                        free_tail(ft);
                }
        }
}

void file_tail_destroy(struct file_tail *ft)
{
        if (!ft) {
                return;
        }
        file_tail_stop(ft);
        if (ft->handles_open == 0) {
                if (ft->job || ft->read_busy) {
                        ft->free_pending = true; /* hash_done, on_read free */
                } else {
                        free_tail(ft);
                }
                return;
        }
        uv_close((uv_handle_t *)&ft->file_ev, on_closed);
        uv_close((uv_handle_t *)&ft->dir_ev, on_closed);
        uv_close((uv_handle_t *)&ft->stat_timer, on_closed);
        uv_close((uv_handle_t *)&ft->pump, on_closed);
}

void file_tail_pause(struct file_tail *ft)
{
        ft->paused = true;
}

void file_tail_resume(struct file_tail *ft)
{
        if (ft->paused) {
                ft->paused = false;
                wake(ft);
        }
}

int file_tail_hold(struct file_tail *ft, uint64_t offset, size_t len)
{
        if (ft->last_data && ft->last_len == len && len <= FILE_TAIL_HOLD_MAX &&
            ft->last_moves == ft->moves && ft->offset == offset + len) {
                ft->paused     = true;
                ft->held       = ft->last_data;
                ft->held_len   = len;
                ft->held_moves = ft->moves;
                ft->held_ts_ms = ft->last_ts_ms;
                return 1;
        }
        ft->paused = true;
        return file_tail_seek(ft, offset) == 0 ? 0 : -1;
}

void file_tail_restart(struct file_tail *ft)
{
        if (ft->fd >= 0) {
                report(ft, FILE_TAIL_RESENT);
                wake(ft);
        }
}

int file_tail_seek(struct file_tail *ft, uint64_t offset)
{
        size_t n = offset < FILE_TAIL_TAIL_BYTES ? (size_t)offset
                                                 : FILE_TAIL_TAIL_BYTES;
        int64_t r;

        ft->offset = offset;
        ft->moves++;
        ft->tail_len = 0;
        ft->at_eof   = false;
        if (n && ft->fd >= 0) {
                r = file_tail_pread(ft, offset - n, ft->tail, n);
                if (r < 0) {
                        return (int)r;
                }
                ft->tail_len = (size_t)r;
                if ((size_t)r < n) {
                        /* The file is shorter than offset: the next check
                         * reports it as truncated. */
                        ft->tail_len = 0;
                }
        }
        wake(ft);
        return 0;
}

void file_tail_set_head(struct file_tail *ft, size_t len)
{
        int64_t r;

        if (len > FILE_TAIL_HEAD_MAX) {
                len = FILE_TAIL_HEAD_MAX;
        }
        r            = file_tail_pread(ft, 0, ft->head, len);
        ft->head_len = r == (int64_t)len ? len : 0;
}

int file_tail_identity(const struct file_tail *ft, uint64_t *dev, uint64_t *ino,
                       uint64_t *size)
{
        uv_fs_t req;
        int r;

        if (ft->fd < 0) {
                return -1;
        }
        r = uv_fs_fstat(ft->loop, &req, ft->fd, NULL);
        if (r == 0) {
                *dev  = req.statbuf.st_dev;
                *ino  = req.statbuf.st_ino;
                *size = req.statbuf.st_size;
        }
        uv_fs_req_cleanup(&req);
        return r == 0 ? 0 : -1;
}

int file_tail_error(const struct file_tail *ft)
{
        return ft->error;
}

bool file_tail_is_open(const struct file_tail *ft)
{
        return ft->fd >= 0;
}

uint64_t file_tail_offset(const struct file_tail *ft)
{
        return ft->offset;
}
