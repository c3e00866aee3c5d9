/* SPDX-License-Identifier: MIT */
/* jemalloc, linked in as the process's malloc (meson -Dallocator=jemalloc). */
#include "common/allocator.h"

#include <jemalloc/jemalloc.h>
#include <sys/types.h>

void allocator_return_freed_memory(void)
{
        /* Dirty and muzzy pages are purged at once instead of decaying over
         * 10 s (jemalloc purges only when the arena is used again): for the
         * arenas created later and for arena 0, which exists already. */
        static const char *const knobs[] = {
            "arenas.dirty_decay_ms",
            "arenas.muzzy_decay_ms",
            "arena.0.dirty_decay_ms",
            "arena.0.muzzy_decay_ms",
        };
        for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
                ssize_t zero = 0;
                /* A knob this jemalloc lacks only leaves its default. */
                (void)mallctl(knobs[i], NULL, NULL, &zero, sizeof(zero));
        }
}

void allocator_favour_throughput(void)
{
        /* Nothing to do: freed pages decay over 10 s by default. */
}

const char *allocator_name(void)
{
        return "jemalloc";
}
