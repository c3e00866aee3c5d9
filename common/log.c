/* SPDX-License-Identifier: MIT */
#include "common/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static _Atomic int current_level = LOG_LEVEL_INFO;
static char module_name[64]      = "csv";

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
        atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
        return (enum log_level)atomic_load(&current_level);
}

int log_level_parse(const char *name, enum log_level *out)
{
        for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
             i++) {
                if (strcasecmp(name, level_names[i]) == 0) {
                        *out = (enum log_level)i;
                        return 0;
                }
        }
        return -1;
}

void log_set_module(const char *module)
{
        snprintf(module_name, sizeof(module_name), "%s", module);
}

void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
        char line[LOG_LINE_MAX];
        struct timespec ts;
        struct tm tm;
        size_t n;
        int r;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
        r = snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s module=%s ",
                     ts.tv_nsec / 1000000L, level_names[level], module_name);
        n += (size_t)r;
        r = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
        if (r < 0) {
                r = 0;
        }
        n +=
            (size_t)r < sizeof(line) - n - 1 ? (size_t)r : sizeof(line) - n - 2;
        line[n++] = '\n';
        /* One write() per line keeps lines whole across threads. */
        if (write(STDERR_FILENO, line, n) < 0) {
                return;
        }
}

void log_write(enum log_level level, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_vwrite(level, fmt, ap);
        va_end(ap);
}
