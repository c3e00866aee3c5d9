/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_WEB_AUTH_H
#define DASHBOARD_WEB_AUTH_H

/*
 * HTTP Basic authentication for every request and the WebSocket upgrade,
 * checked by web_server before any handler runs. Use it with --tls-cert
 * outside localhost, since Basic sends the password in every request.
 */

#include <stdbool.h>

struct mg_connection;

/**
 * @brief Checks the request's Authorization header against "user:password"
 *        (NULL: authentication is off and every request passes).
 *        Compares in constant time.
 */
bool web_auth_check(const struct mg_connection *conn, const char *credentials);

#endif
