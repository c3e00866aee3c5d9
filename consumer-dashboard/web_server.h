/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_WEB_SERVER_H
#define DASHBOARD_WEB_SERVER_H

/*
 * The HTTP side (civetweb): the JSON API, /healthz, /metrics, the embedded
 * page and the /ws WebSocket. Handlers run on civetweb's worker threads and
 * reach the data only through the snapshot hub. No document root is set, so
 * civetweb serves no files, listings, CGI or SSI of its own.
 */

#include <stddef.h>

#include "snapshot_hub.h"

struct web_server_config {
        const char *listen;         /* host:port */
        const char *auth;           /* "user:password" or NULL */
        const char *tls_cert;       /* PEM with key and certificate, or NULL */
        const char *allowed_origin; /* extra WebSocket Origin, or NULL */
        size_t max_connections;
};

struct web_server;

/**
 * @brief Starts listening. cfg's strings must outlive the server; hub is
 *        borrowed. @returns the server, or NULL with errstr set.
 */
struct web_server *web_server_start(const struct web_server_config *cfg,
                                    struct snapshot_hub *hub, char *errstr,
                                    size_t errstr_size);

/** @brief Stops serving and frees the server. NULL is a no-op. */
void web_server_stop(struct web_server *ws);

#endif
