/* SPDX-License-Identifier: MIT */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

/*
 * The one clock helper of both services. Wall-clock time is what goes into
 * messages, logs and the page; monotonic time measures intervals (it never
 * jumps when the system clock is set). Pure cores never read a clock: they
 * get time as a parameter from their shell.
 */

#include <stdint.h>

/** @returns milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

/** @returns milliseconds of CLOCK_MONOTONIC, for intervals only. */
int64_t clock_mono_ms(void);

#endif
