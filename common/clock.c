/* SPDX-License-Identifier: MIT */
#include "common/clock.h"

#include <time.h>

#define MS_PER_S  1000
#define NS_PER_MS 1000000

static int64_t read_ms(clockid_t id)
{
        struct timespec ts;
        clock_gettime(id, &ts);
        return (int64_t)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

int64_t clock_wall_ms(void)
{
        return read_ms(CLOCK_REALTIME);
}

int64_t clock_mono_ms(void)
{
        return read_ms(CLOCK_MONOTONIC);
}
