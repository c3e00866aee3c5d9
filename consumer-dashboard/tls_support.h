/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_TLS_SUPPORT_H
#define DASHBOARD_TLS_SUPPORT_H

/*
 * Makes civetweb's HTTPS work in this process, or says why it cannot.
 * Debian's civetweb 1.15 does not link OpenSSL: at start it loads
 * "libssl.so" and "libcrypto.so" with dlopen() and looks up the OpenSSL 1.1
 * functions it calls by name. A name that is missing is not always an
 * error for civetweb: with OpenSSL 3, SSL_get_peer_certificate (a macro
 * there) is missing, and a worker thread calls a NULL pointer on the first
 * TLS handshake (finding F1). So the dashboard first loads its
 * compatibility library (openssl_compat.c), which supplies that name, and
 * then checks every name itself before it starts an HTTPS server.
 */

#include <stddef.h>

/**
 * @brief Loads libdashboard-ssl-compat.so when it is there (next to the
 *        executable, else in DASHBOARD_LIBDIR), then checks that libssl.so
 *        and libcrypto.so load and export every function civetweb 1.15
 *        calls. What it loaded stays loaded.
 * @returns 0, or -1 with errstr set to one line naming what is missing.
 * @locality main thread, before web_server_start().
 */
int tls_support_prepare(char *errstr, size_t errstr_size);

#endif
