/* SPDX-License-Identifier: MIT */
#include "state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_STORE_NAME_PART 64 /* readable part of the file name */

struct state_store {
        char *dir;
        char *path;
        char *tmp_path;
        char *buf;
        size_t buf_size;
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
        name[n]      = '\0';
        st->buf_size = sizeof(struct checkpoint) + 1024;
        st->buf      = malloc(st->buf_size);
        st->dir      = strdup(dir);
        if (!st->buf || !st->dir ||
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
        free(st);
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
        n = fread(st->buf, 1, st->buf_size - 1, f);
        fclose(f);
        if (checkpoint_decode(c, st->buf, n, errstr, errstr_size) != 0) {
                return -1;
        }
        return 1;
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

int state_store_save(struct state_store *st, const struct checkpoint *c,
                     char *errstr, size_t errstr_size)
{
        int n = checkpoint_encode(c, st->buf, st->buf_size);
        int fd, dfd;

        if (n < 0) {
                snprintf(errstr, errstr_size, "checkpoint too large");
                return -1;
        }
        fd = open(st->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                goto error;
        }
        if (write_all(fd, st->buf, (size_t)n) != 0 || fsync(fd) != 0) {
                close(fd);
                goto error;
        }
        close(fd);
        if (rename(st->tmp_path, st->path) != 0) {
                goto error;
        }
        dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                (void)fsync(dfd); /* best effort: the rename is done */
                close(dfd);
        }
        return 0;
error:
        snprintf(errstr, errstr_size, "%s: %s", st->tmp_path, strerror(errno));
        return -1;
}
