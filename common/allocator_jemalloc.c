/* SPDX-License-Identifier: MIT */
/* jemalloc, linked in as the process's malloc (meson -Dallocator=jemalloc). */
#include "common/allocator.h"

#include <jemalloc/jemalloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Sets one ssize_t knob; a knob this jemalloc lacks keeps its default. */
static void set_knob(const char *name, ssize_t value)
{
        (void)mallctl(name, NULL, NULL, &value, sizeof(value));
}

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
                set_knob(knobs[i], 0);
        }
}

void allocator_favour_throughput(void)
{
        /* Nothing to do: freed pages decay over 10 s by default. */
}

void allocator_bulk_load_start(void)
{
        /* The default decay (freed pages kept about 10 s): a replay reuses
         * them instead of faulting fresh pages in (docs/benchmarks.md). */
}

void allocator_bulk_load_done(void)
{
        /* Zero decay for arenas made later and for every arena made so far
         * (one per thread that allocated, up to 4 per CPU), then give back
         * every arena's unused pages now. */
        set_knob("arenas.dirty_decay_ms", 0);
        set_knob("arenas.muzzy_decay_ms", 0);
        unsigned narenas = 0;
        size_t size      = sizeof(narenas);
        if (mallctl("arenas.narenas", &narenas, &size, NULL, 0) != 0) {
                narenas = 1;
        }
        char name[64];
        for (unsigned i = 0; i < narenas; i++) {
                /* An arena not made yet refuses: nothing to set. */
                snprintf(name, sizeof(name), "arena.%u.dirty_decay_ms", i);
                set_knob(name, 0);
                snprintf(name, sizeof(name), "arena.%u.muzzy_decay_ms", i);
                set_knob(name, 0);
        }
        (void)mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
        snprintf(name, sizeof(name), "arena.%u.purge",
                 (unsigned)MALLCTL_ARENAS_ALL);
        (void)mallctl(name, NULL, NULL, NULL, 0);
}

void allocator_light_thread(void)
{
        bool off = false;
        (void)mallctl("thread.tcache.enabled", NULL, NULL, &off, sizeof(off));
}

const char *allocator_name(void)
{
        return "jemalloc";
}
