/* SPDX-License-Identifier: MIT */
#include "state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_STORE_NAME_PART 64 /* readable part of the file name */
#define STATE_STORE_ERR_LEN   512

struct state_store {
        char *dir;
        char *path;
        char *tmp_path;
        char *buf;
        size_t buf_size;

        int lock_fd;          /* the source's lock, held for life */
        pthread_mutex_t lock; /* the files, written, last_seq, fd, slot */
        int fd;               /* the state file made by this process, for
                                 overwriting its slots; -1: none yet */
        int slot_next;        /* the slot not holding the newest copy */
        size_t slot_size;     /* of the open file's slots */
        dev_t fd_dev;         /* the file fd is (path must still name it) */
        ino_t fd_ino;
        uint64_t slot_seq; /* sequence of the newest copy on disk */
        uint64_t next_seq; /* loop thread */
        uint64_t last_seq; /* newest checkpoint on disk */

        /* The one asynchronous save (loop thread, except text/len/err
         * which the worker uses while busy). */
        uv_work_t work;
        bool busy;
        char *text;
        int text_len;
        uint64_t text_seq;
        int status;
        char err[STATE_STORE_ERR_LEN];
        state_store_saved_cb cb;
        void *cb_ctx;
};

static int mkdir_p(const char *dir)
{
        char *copy = strdup(dir);
        int rc     = 0;

        if (!copy) {
                return -1;
        }
        for (char *p = copy + 1; *p && rc == 0; p++) {
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
                                rc = -1;
                        }
                        *p = '/';
                }
        }
        if (rc == 0 && mkdir(copy, 0755) != 0 && errno != EEXIST) {
                rc = -1;
        }
        free(copy);
        return rc;
}

struct state_store *state_store_create(const char *dir, const char *source,
                                       char *errstr, size_t errstr_size)
{
        struct state_store *st = calloc(1, sizeof(*st));
        char name[STATE_STORE_NAME_PART + 1];
        size_t n         = 0;
        uint64_t h       = checkpoint_hash(source, strlen(source));
        const char *base = strrchr(source, '/');
        int fd;

        if (!st) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        base = base ? base + 1 : source;
        for (const char *p = base; *p && n < STATE_STORE_NAME_PART; p++) {
                char c    = *p;
                name[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '.' ||
                                    c == '-'
                                ? c
                                : '_';
        }
        name[n] = '\0';
        pthread_mutex_init(&st->lock, NULL);
        st->lock_fd  = -1;
        st->fd       = -1;
        st->buf_size = 2 * CHECKPOINT_SLOT_MAX; /* a whole state file */
        st->buf      = malloc(st->buf_size);
        st->text     = malloc(st->buf_size);
        st->dir      = strdup(dir);
        if (!st->buf || !st->text || !st->dir ||
            asprintf(&st->path, "%s/%s-%016" PRIx64 ".state", dir, name, h) <
                0 ||
            asprintf(&st->tmp_path, "%s.tmp", st->path) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                goto error;
        }
        if (mkdir_p(dir) != 0) {
                snprintf(errstr, errstr_size, "--state-dir %s: %s", dir,
                         strerror(errno));
                goto error;
        }
        fd = open(st->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                snprintf(errstr, errstr_size,
                         "--state-dir %s: not writable: %s", dir,
                         strerror(errno));
                goto error;
        }
        close(fd);
        unlink(st->tmp_path);
        return st;
error:
        state_store_destroy(st);
        return NULL;
}

void state_store_destroy(struct state_store *st)
{
        if (!st) {
                return;
        }
        free(st->dir);
        free(st->path);
        free(st->tmp_path);
        free(st->buf);
        free(st->text);
        if (st->lock_fd >= 0) {
                close(st->lock_fd);
        }
        if (st->fd >= 0) {
                close(st->fd);
        }
        pthread_mutex_destroy(&st->lock);
        free(st);
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR) {
                                continue;
                        }
                        return -1;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

int state_store_lock(struct state_store *st, const char *owner, char *errstr,
                     size_t errstr_size)
{
        char *path = NULL;
        char other[256];
        ssize_t n;
        int fd;

        if (asprintf(&path, "%s.lock", st->path) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                free(path);
                return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
                int busy = errno == EWOULDBLOCK;
                n        = busy ? pread(fd, other, sizeof(other) - 1, 0) : -1;
                other[n > 0 ? n : 0]        = '\0';
                other[strcspn(other, "\n")] = '\0';
                snprintf(errstr, errstr_size, "%s: %s%s", path,
                         busy ? "held by another producer of this source: "
                              : strerror(errno),
                         busy ? other : "");
                close(fd);
                free(path);
                return busy ? 1 : -1;
        }
        free(path);
        if (ftruncate(fd, 0) != 0 || write_all(fd, owner, strlen(owner)) != 0 ||
            write_all(fd, "\n", 1) != 0) {
                /* The lock holds; only its description is missing. */
                (void)ftruncate(fd, 0);
        }
        st->lock_fd = fd;
        return 0;
}

const char *state_store_path(const struct state_store *st)
{
        return st->path;
}

int state_store_load(struct state_store *st, struct checkpoint *c, char *errstr,
                     size_t errstr_size)
{
        FILE *f = fopen(st->path, "r");
        size_t n;

        if (!f) {
                if (errno == ENOENT) {
                        return 0;
                }
                snprintf(errstr, errstr_size, "%s: %s", st->path,
                         strerror(errno));
                return -1;
        }
        const char *text;
        size_t text_len;
        uint64_t seq;
        int slot;

        n = fread(st->buf, 1, st->buf_size, f);
        fclose(f);
        if (checkpoint_slots_pick(st->buf, n, &text, &text_len, &seq, &slot) !=
            0) {
                snprintf(errstr, errstr_size,
                         "neither copy of the state is whole (torn or "
                         "damaged)");
                return -1;
        }
        if (checkpoint_decode(c, text, text_len, errstr, errstr_size) != 0) {
                return -1;
        }
        return 1;
}

static int pwrite_all(int fd, const char *p, size_t n, off_t at)
{
        while (n > 0) {
                ssize_t w = pwrite(fd, p, n, at);
                if (w < 0) {
                        if (errno == EINTR) {
                                continue;
                        }
                        return -1;
                }
                p += w;
                n -= (size_t)w;
                at += w;
        }
        return 0;
}

/* The first save of a process makes a new state file atomically: two
 * slots of the smallest multiple of CHECKPOINT_SLOT_MIN that holds the
 * sealed copy (slot, n bytes), slot 0 holding it, slot 1 nothing valid;
 * temporary
 * file, fsync, rename, fsync of the directory. The file keeps its size
 * from then on, so overwriting a slot changes no metadata that a power cut
 * could lose, and one fdatasync makes it durable. Then keeps the file open
 * for those overwrites. Lock held. */
static int create_file(struct state_store *st, char *slot, size_t n)
{
        static const char pad[512] = {0};
        int fd, dfd;

        fd = open(st->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                return -1;
        }
        size_t size = (n + CHECKPOINT_SLOT_MIN - 1) / CHECKPOINT_SLOT_MIN *
                      CHECKPOINT_SLOT_MIN;
        int rc = write_all(fd, slot, n);
        for (size_t left = 2 * size - n; rc == 0 && left > 0;) {
                size_t k = left < sizeof(pad) ? left : sizeof(pad);
                rc       = write_all(fd, pad, k);
                left -= k;
        }
        if (rc != 0 || fsync(fd) != 0) {
                close(fd);
                return -1;
        }
        close(fd);
        if (rename(st->tmp_path, st->path) != 0) {
                return -1;
        }
        dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0) {
                if (dfd >= 0) {
                        close(dfd);
                }
                return -1; /* the rename may not survive a power cut */
        }
        close(dfd);
        /* Without the descriptor the next save makes a new file again. */
        struct stat sb;
        st->fd = open(st->path, O_RDWR | O_CLOEXEC);
        if (st->fd >= 0 && fstat(st->fd, &sb) != 0) {
                close(st->fd);
                st->fd = -1;
        }
        if (st->fd >= 0) {
                st->fd_dev = sb.st_dev;
                st->fd_ino = sb.st_ino;
        }
        st->slot_next = 1;
        st->slot_size = size;
        return 0;
}

/* Whether the open state file is still the one at its path and writable
 * there: a state file deleted, replaced or moved away with its directory,
 * or a directory made read-only, makes the next save write a new file the
 * usual way, which then fails and is reported like any unwritable state
 * directory (sending waits) instead of going on into a file the next start
 * would not find. A stat and an access check, next to the fdatasync. */
static bool still_ours(const struct state_store *st)
{
        struct stat sb;

        return stat(st->path, &sb) == 0 && sb.st_dev == st->fd_dev &&
               sb.st_ino == st->fd_ino && access(st->path, W_OK) == 0 &&
               access(st->dir, W_OK) == 0;
}

/* Writes the checkpoint whose text (n bytes) is at slot +
 * CHECKPOINT_SLOT_HEADER, unless a newer checkpoint is already on disk:
 * into the slot that does not hold the newest copy, then fdatasync. A
 * crash during the write tears that slot only; the other one, the
 * previous save, still counts. Any thread; takes the lock. */
static int write_state(struct state_store *st, char *slot, size_t n,
                       uint64_t seq, char *errstr, size_t errstr_size)
{
        const char *what = st->path;
        int rc           = -1;

        pthread_mutex_lock(&st->lock);
        if (seq < st->last_seq) {
                pthread_mutex_unlock(&st->lock);
                return 0; /* a newer one is already durable */
        }
        n = checkpoint_slot_seal(slot, n, st->slot_seq + 1);
        if (n == 0) {
                snprintf(errstr, errstr_size, "checkpoint too large");
                pthread_mutex_unlock(&st->lock);
                return -1;
        }
        if (st->fd >= 0 && (n > st->slot_size || !still_ours(st))) {
                /* Also a text that outgrew the slots (more columns, wider
                 * types): a new file with larger ones. */
                close(st->fd);
                st->fd = -1;
        }
        if (st->fd < 0) {
                what = st->tmp_path;
                rc   = create_file(st, slot, n);
        } else if (pwrite_all(st->fd, slot, n,
                              (off_t)st->slot_next * (off_t)st->slot_size) ==
                       0 &&
                   fdatasync(st->fd) == 0) {
                st->slot_next ^= 1;
                rc = 0;
        } else {
                /* After a failed write or fdatasync the page cache may not
                 * say what the disk holds: the next save makes a new file
                 * (this slot may be torn; the other one still counts). */
                int saved = errno;
                close(st->fd);
                errno  = saved;
                st->fd = -1;
        }
        if (rc == 0) {
                st->slot_seq++;
                st->last_seq = seq;
        } else {
                snprintf(errstr, errstr_size, "%s: %s", what, strerror(errno));
        }
        pthread_mutex_unlock(&st->lock);
        return rc;
}

int state_store_save(struct state_store *st, const struct checkpoint *c,
                     char *errstr, size_t errstr_size)
{
        int n = checkpoint_encode(c, st->buf + CHECKPOINT_SLOT_HEADER,
                                  CHECKPOINT_SLOT_MAX - CHECKPOINT_SLOT_HEADER);

        if (n < 0) {
                snprintf(errstr, errstr_size, "checkpoint too large");
                return -1;
        }
        return write_state(st, st->buf, (size_t)n, ++st->next_seq, errstr,
                           errstr_size);
}

static void save_work(uv_work_t *w)
{
        struct state_store *st = w->data;

        st->status = write_state(st, st->text, (size_t)st->text_len,
                                 st->text_seq, st->err, sizeof(st->err));
}

static void save_done(uv_work_t *w, int status)
{
        struct state_store *st = w->data;

        st->busy = false;
        if (status != 0) { /* cancelled: the loop is closing */
                st->status = -1;
                snprintf(st->err, sizeof(st->err), "save cancelled");
        }
        st->cb(st->cb_ctx, st->status, st->status ? st->err : NULL);
}

int state_store_save_async(struct state_store *st, uv_loop_t *loop,
                           const struct checkpoint *c, state_store_saved_cb cb,
                           void *ctx, char *errstr, size_t errstr_size)
{
        int r;

        if (st->busy) {
                snprintf(errstr, errstr_size, "a save is in flight");
                return -1;
        }
        st->text_len =
            checkpoint_encode(c, st->text + CHECKPOINT_SLOT_HEADER,
                              CHECKPOINT_SLOT_MAX - CHECKPOINT_SLOT_HEADER);
        if (st->text_len < 0) {
                snprintf(errstr, errstr_size, "checkpoint too large");
                return -1;
        }
        st->text_seq  = ++st->next_seq;
        st->cb        = cb;
        st->cb_ctx    = ctx;
        st->work.data = st;
        r             = uv_queue_work(loop, &st->work, save_work, save_done);
        if (r != 0) {
                snprintf(errstr, errstr_size, "%s", uv_strerror(r));
                return -1;
        }
        st->busy = true;
        return 0;
}

bool state_store_busy(const struct state_store *st)
{
        return st->busy;
}
