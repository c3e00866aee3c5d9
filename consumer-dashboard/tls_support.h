/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_TLS_SUPPORT_H
#define DASHBOARD_TLS_SUPPORT_H

/*
 * Whether civetweb can serve HTTPS in this process. Debian's civetweb 1.15
 * does not link OpenSSL: at start it loads "libssl.so" and "libcrypto.so"
 * with dlopen() and looks up the OpenSSL 1.1 functions it calls by name.
 * A name that is missing is not always an error for civetweb: with
 * OpenSSL 3, SSL_get_peer_certificate (a macro there) is missing, and a
 * worker thread calls a NULL pointer on the first TLS handshake. So the
 * dashboard checks every name itself before it starts an HTTPS server.
 */

#include <stddef.h>

/**
 * @brief Checks that libssl.so and libcrypto.so load and export every
 *        function civetweb 1.15 calls.
 * @returns 0, or -1 with errstr set to one line naming what is missing.
 * @locality main thread, before web_server_start().
 */
int tls_support_check(char *errstr, size_t errstr_size);

#endif
