/* SPDX-License-Identifier: MIT */
/* The C library's malloc (glibc; meson -Dallocator=system, and every
 * sanitizer build). */
#include "common/allocator.h"

#include <malloc.h>

/* Allocations from this size up get their own mappings. */
#define MMAP_THRESHOLD_BYTES (128 * 1024)

void allocator_return_freed_memory(void)
{
        /* Large blocks get their own mappings, which free() unmaps at once.
         * Setting the threshold also stops glibc from raising it after the
         * first large free (up to 32 MB), which would keep such blocks in a
         * thread's heap. */
        (void)mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
}

void allocator_favour_throughput(void)
{
        /* Nothing to do: glibc keeps freed heap memory until the top of the
         * heap exceeds its trim threshold. */
}

void allocator_bulk_load_start(void)
{
        /* glibc keeps freed heap memory until the top of the heap passes
         * its trim threshold anyway; only large blocks are the concern. */
        allocator_return_freed_memory();
}

void allocator_bulk_load_done(void)
{
        /* A replay's fetch buffers are freed by now but stay in the
         * arenas' free lists below their tops: give those pages back. */
        (void)malloc_trim(0);
}

void allocator_light_thread(void)
{
        /* glibc's per-thread cache holds a few small blocks at most. */
}

const char *allocator_name(void)
{
        return "system";
}
