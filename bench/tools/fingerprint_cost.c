/* SPDX-License-Identifier: MIT */
/*
 * Hashes a file's prefix the way csv-producer re-checks it (file_identity's
 * chained XXH3 over 1 MiB blocks, read with pread in 1 MiB pieces) and
 * prints the time taken: the cost of a full re-hash per GB.
 *
 *   fingerprint_cost FILE [ROUNDS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "file_identity.h"

#define READ_BYTES (1u << 20)

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        int rounds = argc > 2 ? atoi(argv[2]) : 3;
        char *buf  = malloc(READ_BYTES);
        int fd;

        if (argc < 2 || !buf) {
                fprintf(stderr, "usage: fingerprint_cost FILE [ROUNDS]\n");
                return 2;
        }
        fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                perror(argv[1]);
                return 1;
        }
        for (int r = 0; r < rounds; r++) {
                struct fingerprint *fp = fingerprint_create();
                double t0              = now_s();
                uint64_t at            = 0;
                ssize_t n;

                while ((n = pread(fd, buf, READ_BYTES, (off_t)at)) > 0) {
                        fingerprint_update(fp, buf, (size_t)n);
                        at += (uint64_t)n;
                }
                printf("bytes=%llu seconds=%.4f digest=%016llx\n",
                       (unsigned long long)at, now_s() - t0,
                       (unsigned long long)fingerprint_digest(fp));
                fingerprint_destroy(fp);
        }
        close(fd);
        free(buf);
        return 0;
}
