/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_SNAPSHOT_HUB_H
#define DASHBOARD_SNAPSHOT_HUB_H

/*
 * The one place where threads meet (one mutex; one condition variable for
 * the pushers, one for everything else).
 *
 * - The Kafka thread publishes the rendered snapshot and metrics text;
 *   web threads take a reference to the latest one.
 * - Web threads queue table requests (rows, categories, CSV chunks) that
 *   only the Kafka thread may answer, because only it touches the
 *   aggregates; they block until the answer is filled in.
 * - WebSocket viewers are registered here. Each viewer has a queue of one:
 *   the latest snapshot it has not been sent. Pusher threads take a viewer
 *   whose snapshot is stale, write outside the lock, and give it back; a
 *   slow viewer only holds its own pusher and skips to the latest snapshot,
 *   so it never slows ingestion or the other viewers. A publish wakes one
 *   idle pusher, and each pusher that takes a viewer wakes the next, so a
 *   lone viewer's push does not wait behind every pusher waking up at once
 *   (on two cores that cost a snapshot about a millisecond).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"
#include "core/aggregates.h"
#include "core/snapshot_json.h"

struct snapshot_hub;

/* A published snapshot: immutable, reference counted under the hub lock. */
struct hub_blob {
        char *json;
        size_t json_len;
        char *metrics; /* Prometheus text */
        size_t metrics_len;
        uint64_t seq;
        bool caught_up;
        unsigned refs;
        char *health_reason; /* why the view cannot be trusted; NULL: ok */
};

enum hub_request_kind {
        HUB_REQ_ROWS,
        HUB_REQ_CATEGORIES,
        HUB_REQ_CSV,
        HUB_REQ_SNAPSHOT, /* the snapshot with the viewer's roles */
        HUB_REQ_SOURCES,  /* the sources table */
};

struct hub_request {
        enum hub_request_kind kind;
        const char *query;        /* borrowed query string, may be NULL */
        uint64_t offset, limit;   /* CSV chunk */
        struct csv_cursor cursor; /* CSV: after the last chunk's last row */
        /* The viewer's roles (enum aggregates_role order): NULL keeps the
         * default, "" is automatic, else a column name. */
        const char *roles[AGGREGATES_ROLE_COUNT];
        /* The viewer's source (source=), NULL or "": every source. */
        const char *source;
        /* Filled by the Kafka thread: */
        int status; /* HTTP status */
        bool more;  /* CSV: rows remain */
        struct wire_buf body;
        char error[128];
        bool done;
        struct hub_request *next;
};

struct snapshot_hub *snapshot_hub_create(void);
void snapshot_hub_destroy(struct snapshot_hub *h);

/**
 * @brief Publishes a snapshot. Takes ownership of json and metrics
 *        (malloc'ed); health_reason (NULL or "" when healthy) is copied.
 *        @locality Kafka thread. @locks hub.
 */
void snapshot_hub_publish(struct snapshot_hub *h, char *json, size_t json_len,
                          char *metrics, size_t metrics_len, bool caught_up,
                          const char *health_reason);

/**
 * @brief The latest snapshot with a reference taken, or NULL before the
 *        first. Release it with snapshot_hub_release(). @locality any.
 */
struct hub_blob *snapshot_hub_acquire(struct snapshot_hub *h);
void snapshot_hub_release(struct snapshot_hub *h, struct hub_blob *b);

/** @brief Sets the function that wakes the Kafka thread's poll. */
void snapshot_hub_set_wake(struct snapshot_hub *h, void (*wake)(void *),
                           void *ctx);

/**
 * @brief Queues a request and waits until the Kafka thread answered it or
 *        the hub closes (then status is 503). @locality web threads.
 */
void snapshot_hub_request(struct snapshot_hub *h, struct hub_request *r);

/** @brief Takes every queued request (a list via next). @locality Kafka. */
struct hub_request *snapshot_hub_take_requests(struct snapshot_hub *h);

/** @brief Marks a taken request answered and wakes its waiter. */
void snapshot_hub_answer(struct snapshot_hub *h, struct hub_request *r);

/** @brief Stops everything waiting on the hub (shutdown). */
void snapshot_hub_close(struct snapshot_hub *h);

/* ---- WebSocket viewers ---- */

struct hub_viewer;

/**
 * @brief Registers a viewer (conn is opaque to the hub). It holds one of
 *        max_viewers places from now on, but gets no pushes until
 *        snapshot_hub_viewer_ready(): call this before the WebSocket
 *        handshake, so that viewers over the limit are refused before they
 *        are upgraded.
 * @returns the viewer, or NULL when max viewers are registered already.
 * @locality web threads.
 */
struct hub_viewer *snapshot_hub_viewer_add(struct snapshot_hub *h, void *conn,
                                           size_t max_viewers);

/** @brief The handshake is done: pushers may write to the viewer now. */
void snapshot_hub_viewer_ready(struct snapshot_hub *h, struct hub_viewer *v);

/**
 * @brief Unregisters a viewer, waiting until no pusher writes to it (so do
 *        not call it while holding the connection's lock, unless the viewer
 *        never became ready). NULL is a no-op.
 */
void snapshot_hub_viewer_remove(struct snapshot_hub *h, struct hub_viewer *v);

/**
 * @brief Waits for a viewer whose last snapshot is older than the latest,
 *        marks it busy and returns it with *conn and a blob reference.
 * @returns NULL when the hub closed. @locality pusher threads.
 */
struct hub_viewer *snapshot_hub_push_next(struct snapshot_hub *h, void **conn,
                                          struct hub_blob **blob);

/** @brief Gives a viewer back after a push; ok false stops pushing to it. */
void snapshot_hub_push_done(struct snapshot_hub *h, struct hub_viewer *v,
                            struct hub_blob *blob, bool ok);

/* Counters for /metrics. */
struct hub_stats {
        uint64_t viewers;
        uint64_t pushes;
        uint64_t skipped; /* snapshots a viewer never got: it was busy */
        uint64_t rejected_viewers;
};
void snapshot_hub_stats(struct snapshot_hub *h, struct hub_stats *out);

#endif
