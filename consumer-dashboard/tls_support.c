/* SPDX-License-Identifier: MIT */
#include "tls_support.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TLS_COMPAT_LIB "libdashboard-ssl-compat.so"

/* The names civetweb 1.15 (built for the OpenSSL 1.1 API) looks up; the
 * library names are the ones it passes to dlopen(). */
static const char *const ssl_functions[] = {
    "SSL_free",
    "SSL_accept",
    "SSL_connect",
    "SSL_read",
    "SSL_write",
    "SSL_get_error",
    "SSL_set_fd",
    "SSL_new",
    "SSL_CTX_new",
    "OPENSSL_init_ssl",
    "SSL_CTX_use_PrivateKey_file",
    "SSL_CTX_use_certificate_file",
    "SSL_CTX_set_default_passwd_cb",
    "SSL_CTX_free",
    "SSL_pending",
    "SSL_CTX_set_verify",
    "SSL_shutdown",
    "SSL_CTX_load_verify_locations",
    "SSL_CTX_set_verify_depth",
    "SSL_get_peer_certificate",
    "SSL_get_version",
    "SSL_get_current_cipher",
    "SSL_CIPHER_get_name",
    "SSL_CTX_check_private_key",
    "SSL_CTX_ctrl",
    "SSL_CTX_set_cipher_list",
    "SSL_CTX_set_info_callback",
    "SSL_get_ex_data",
    "SSL_set_ex_data",
    "SSL_CTX_callback_ctrl",
    "SSL_get_servername",
    "SSL_set_SSL_CTX",
    "SSL_ctrl",
    "SSL_CTX_set_alpn_protos",
    "SSL_CTX_set_alpn_select_cb",
    "SSL_CTX_set_timeout",
    "SSL_CTX_use_certificate_chain_file",
    "SSL_CTX_set_default_verify_paths",
    "SSL_CTX_set_session_id_context",
    "SSL_CTX_set_next_protos_advertised_cb",
    "TLS_server_method",
    "TLS_client_method",
    NULL,
};

static const char *const crypto_functions[] = {
    "ERR_get_error",
    "ERR_error_string",
    "CONF_modules_unload",
    "X509_free",
    "X509_get_subject_name",
    "X509_get_issuer_name",
    "X509_NAME_oneline",
    "X509_get_serialNumber",
    "EVP_get_digestbyname",
    "EVP_Digest",
    "i2d_X509",
    "BN_bn2hex",
    "ASN1_INTEGER_to_BN",
    "BN_free",
    "CRYPTO_free",
    "ERR_clear_error",
    NULL,
};

static const char alternative[] =
    "serve plain HTTP on loopback and terminate TLS in a reverse proxy";

static int check_library(const char *name, const char *const *functions,
                         char *errstr, size_t errstr_size)
{
        void *lib = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
        if (!lib) {
                snprintf(errstr, errstr_size,
                         "--tls-cert: HTTPS is not available: civetweb loads "
                         "%s, which cannot be loaded (Debian installs it with "
                         "the OpenSSL -dev package); %s",
                         name, alternative);
                return -1;
        }
        int rc = 0;
        for (const char *const *f = functions; *f && rc == 0; f++) {
                if (!dlsym(lib, *f)) {
                        snprintf(errstr, errstr_size,
                                 "--tls-cert: HTTPS is not available: "
                                 "civetweb 1.15 calls %s, which %s does not "
                                 "export (OpenSSL 3 dropped it), and would "
                                 "crash on the first TLS connection; %s",
                                 *f, name, alternative);
                        rc = -1;
                }
        }
        /* Not unloaded: civetweb loads the same library again right after,
         * and keeping it loaded makes that cheap. */
        return rc;
}

/* Loads the compatibility library from dir; true when it is loaded. */
static bool load_compat(const char *dir, size_t dir_len)
{
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%.*s/%s", (int)dir_len, dir,
                         TLS_COMPAT_LIB);
        return n > 0 && (size_t)n < sizeof(path) &&
               dlopen(path, RTLD_NOW | RTLD_LOCAL) != NULL;
}

int tls_support_prepare(char *errstr, size_t errstr_size)
{
        /* Next to the executable (the build tree), else where Meson
         * installs it. Failing both is fine when libssl.so itself is
         * complete; the checks below decide. */
        char exe[PATH_MAX];
        ssize_t len    = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        const char *sl = NULL;
        if (len > 0) {
                exe[len] = '\0';
                sl       = strrchr(exe, '/');
        }
        if (!(sl && load_compat(exe, (size_t)(sl - exe)))) {
                (void)load_compat(DASHBOARD_LIBDIR, strlen(DASHBOARD_LIBDIR));
        }
        if (check_library("libssl.so", ssl_functions, errstr, errstr_size) !=
            0) {
                return -1;
        }
        return check_library("libcrypto.so", crypto_functions, errstr,
                             errstr_size);
}
