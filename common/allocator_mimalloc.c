/* SPDX-License-Identifier: MIT */
/* mimalloc, linked in as the process's malloc (meson -Dallocator=mimalloc). */
#include "common/allocator.h"

#include <mimalloc.h>

/* How long freed memory stays ready for reuse (allocator_favour_throughput). */
#define ALLOCATOR_REUSE_DELAY_MS 1000

void allocator_return_freed_memory(void)
{
        /* Freed spans are decommitted at once rather than after 25 ms, and
         * only when the freeing thread next allocated: an idle web thread
         * would otherwise keep its last large frame resident. */
        mi_option_set(mi_option_decommit_delay, 0);
}

void allocator_favour_throughput(void)
{
        /* With the default 25 ms, a load of 300,000 rows took about 25,000
         * page faults instead of 9,000: pages of acknowledged batches were
         * decommitted just before the next rows needed them. */
        mi_option_set(mi_option_decommit_delay, ALLOCATOR_REUSE_DELAY_MS);
}

void allocator_bulk_load_start(void)
{
        /* mimalloc's defaults: freed spans decommitted after 25 ms. */
}

void allocator_bulk_load_done(void)
{
        allocator_return_freed_memory();
        mi_collect(true);
}

void allocator_light_thread(void)
{
        /* mimalloc's thread heaps hold only pages in use. */
}

const char *allocator_name(void)
{
        return "mimalloc";
}
