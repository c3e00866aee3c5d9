/* SPDX-License-Identifier: MIT */
/* mimalloc, linked in as the process's malloc (meson -Dallocator=mimalloc). */
#include "common/allocator.h"

#include <mimalloc.h>

void allocator_return_freed_memory(void)
{
        /* Freed spans are decommitted at once rather than after 25 ms, and
         * only when the freeing thread next allocated: an idle web thread
         * would otherwise keep its last large frame resident. */
        mi_option_set(mi_option_decommit_delay, 0);
}

const char *allocator_name(void)
{
        return "mimalloc";
}
