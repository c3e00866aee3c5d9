/* SPDX-License-Identifier: MIT */
/*
 * libdashboard-ssl-compat.so: lets Debian's civetweb 1.15 use OpenSSL 3.
 *
 * civetweb loads "libssl.so" with dlopen() and looks up the OpenSSL 1.1
 * name SSL_get_peer_certificate, which OpenSSL 3 only has as a macro for
 * SSL_get1_peer_certificate (same meaning: the caller owns a reference).
 * This library exports that one name and depends on libssl.so.3 for all
 * the others. Its SONAME is "libssl.so": once consumer-dashboard has loaded
 * it (tls_support.c), glibc's dlopen("libssl.so") returns this library,
 * because dlopen matches an already loaded library by its SONAME, and
 * dlsym() on it searches its dependencies too. Nothing else links it.
 */

struct ssl_st;
struct x509_st;

struct x509_st *SSL_get1_peer_certificate(const struct ssl_st *s);
struct x509_st *SSL_get_peer_certificate(const struct ssl_st *s);

struct x509_st *SSL_get_peer_certificate(const struct ssl_st *s)
{
        return SSL_get1_peer_certificate(s);
}
