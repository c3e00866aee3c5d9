/* SPDX-License-Identifier: MIT */
#ifndef COMMON_ALLOCATOR_H
#define COMMON_ALLOCATOR_H

/*
 * The one place that knows which malloc the build linked in (meson option
 * `allocator`: mimalloc, jemalloc or the system's). Each choice has its own
 * source file, picked by the build, so no code tests for it.
 */

/**
 * Makes free() give large blocks back to the system at once instead of
 * caching them, so a big buffer that a library held for a moment (a
 * WebSocket frame civetweb read whole, a replay's fetch batches) does not
 * stay in the resident size. Call once, early in main(), before threads
 * start.
 */
void allocator_return_freed_memory(void);

/**
 * Keeps freed memory for reuse for about a second before giving it back to
 * the system, so a steady stream of short-lived blocks (a producer's
 * messages, freed as their batches are acknowledged) does not fault fresh
 * pages in over and over. Call once, early in main(), before threads start.
 */
void allocator_favour_throughput(void);

/**
 * A bulk load follows (consumer-dashboard's replay): freed memory may stay
 * with the allocator for reuse while it runs, as its defaults have it
 * (jemalloc: about 10 s), except that glibc still unmaps large blocks (a
 * WebSocket frame civetweb read whole) when they are freed. Call once,
 * early in main(), before threads start, instead of
 * allocator_return_freed_memory(); then allocator_bulk_load_done().
 */
void allocator_bulk_load_start(void);

/**
 * The bulk load is over: the freed memory the allocator holds goes back to
 * the system now, and from now on freed memory goes back at once (as
 * allocator_return_freed_memory() has it). Any thread, any number of times.
 */
void allocator_bulk_load_done(void);

/**
 * The calling thread allocates seldom (one of a thousand web server
 * workers): it keeps no cache of its own of freed blocks, so that idle
 * threads do not each hold one (jemalloc's thread cache; about 9 MiB for
 * 1,100 threads). Call first thing in the thread.
 */
void allocator_light_thread(void);

/** @returns the name of the linked malloc ("mimalloc", "jemalloc", "system").
 */
const char *allocator_name(void);

#endif
