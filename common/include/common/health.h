/* SPDX-License-Identifier: MIT */
#ifndef COMMON_HEALTH_H
#define COMMON_HEALTH_H

/*
 * Health of a service as a set of named checks (pure: no I/O, no clock, no
 * locks). The service's shell observes its world and says, per check,
 * whether it is failing, since when and why; a check counts as degraded
 * once it has failed for its grace period. health_evaluate() then reports
 * each change (degraded, recovered) once, and a still-degraded check again
 * every repeat_ms, so the caller logs at a bounded rate and never stays
 * silent. health_reason() joins the degraded checks' reasons for /healthz.
 *
 * Used by both services (csv-producer's health_monitor, the dashboard's
 * Kafka thread). Not thread-safe: one owner thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEALTH_CHECKS_MAX 16
#define HEALTH_TEXT_MAX   256

enum health_event {
        HEALTH_DEGRADED = 1, /* a check became degraded */
        HEALTH_STILL,        /* still degraded, repeat_ms after the last */
        HEALTH_RECOVERED,    /* a degraded check passes again */
};

struct health;

/**
 * @brief names: one per check (borrowed, static strings), count at most
 *        HEALTH_CHECKS_MAX. @returns the health (caller owns) or NULL.
 */
struct health *health_create(const char *const *names, size_t count,
                             uint64_t repeat_ms);
void health_destroy(struct health *h);

/**
 * @brief Check c fails since since_ms (kept from the first call of a run of
 *        failures when since_ms is 0) because of text (copied); it is
 *        degraded once it has failed for grace_ms.
 */
void health_fail(struct health *h, int c, uint64_t since_ms, uint64_t grace_ms,
                 const char *text);

/** @brief Check c passes. */
void health_pass(struct health *h, int c);

/** Called by health_evaluate per event; text is the check's reason
 *  (HEALTH_RECOVERED: the reason it had), valid during the call. */
typedef void (*health_event_cb)(void *ctx, const char *check,
                                enum health_event ev, const char *text,
                                uint64_t failing_ms);

/** @brief Applies the grace periods at now_ms and reports the events. */
void health_evaluate(struct health *h, uint64_t now_ms, health_event_cb cb,
                     void *ctx);

/** @returns true when a check was degraded at the last evaluation. */
bool health_is_degraded(const struct health *h);

/** @returns true when check c was degraded at the last evaluation. */
bool health_check_degraded(const struct health *h, int c);

/** @returns the number of checks. */
size_t health_check_count(const struct health *h);

/** @returns check c's name, and in *text its reason (valid until the next
 *           call that changes h) when it was degraded at the last
 *           evaluation, else NULL. */
const char *health_check_get(const struct health *h, int c, const char **text);

/**
 * @brief Writes "check: reason; check: reason" of the degraded checks
 *        (empty when healthy) into buf, truncated to size.
 */
void health_reason(const struct health *h, char *buf, size_t size);

#endif
