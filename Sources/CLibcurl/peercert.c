// Reads the server's leaf certificate from the live OpenSSL connection behind a curl handle,
// with OpenSSL's own functions resolved through the libcurl that was loaded: its own when it
// bundles OpenSSL (libmailcheck-curl-bundled.so exports them), else the libssl it loaded.
// Never another copy's: OpenSSL's objects must go back to the library that made them.
// CURLOPT_CERTINFO would do it too, but it makes curl print every certificate of the chain
// (PEM, public key, extensions) as text on every TLS run: measurably more CPU than the
// handshake's own verification on a short check (issue 14).
#include "CLibcurl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/bio.h>

static struct {
    int state;  // 0 not tried, 1 resolved, -1 unavailable
    X509 *(*get_peer_certificate)(const SSL *);
    X509_NAME *(*get_subject_name)(const X509 *);
    X509_NAME *(*get_issuer_name)(const X509 *);
    const ASN1_TIME *(*get0_not_after)(const X509 *);
    int (*time_to_tm)(const ASN1_TIME *, struct tm *);
    int (*name_print_ex)(BIO *, const X509_NAME *, int, unsigned long);
    const BIO_METHOD *(*s_mem)(void);
    BIO *(*bio_new)(const BIO_METHOD *);
    long (*bio_ctrl)(BIO *, int, long, void *);
    int (*bio_free)(BIO *);
    void (*x509_free)(X509 *);
} ossl;

static void *find(void *lib, const char *name) { return dlsym(lib, name); }

/// Resolves the functions once, through the loaded libcurl: dlsym on its handle searches the
/// library and then the libraries it loaded (never loads one).
static int resolve_openssl(void) {
    if (ossl.state != 0) return ossl.state > 0;
    ossl.state = -1;
    void *lib = mc_curl_library();
    if (lib == NULL) return 0;
    // OpenSSL 3 renamed SSL_get_peer_certificate (now a macro) to SSL_get1_peer_certificate.
    *(void **)&ossl.get_peer_certificate = find(lib, "SSL_get1_peer_certificate");
    if (ossl.get_peer_certificate == NULL) *(void **)&ossl.get_peer_certificate = find(lib, "SSL_get_peer_certificate");
    *(void **)&ossl.get_subject_name = find(lib, "X509_get_subject_name");
    *(void **)&ossl.get_issuer_name = find(lib, "X509_get_issuer_name");
    *(void **)&ossl.get0_not_after = find(lib, "X509_get0_notAfter");
    *(void **)&ossl.time_to_tm = find(lib, "ASN1_TIME_to_tm");
    *(void **)&ossl.name_print_ex = find(lib, "X509_NAME_print_ex");
    *(void **)&ossl.s_mem = find(lib, "BIO_s_mem");
    *(void **)&ossl.bio_new = find(lib, "BIO_new");
    *(void **)&ossl.bio_ctrl = find(lib, "BIO_ctrl");
    *(void **)&ossl.bio_free = find(lib, "BIO_free");
    *(void **)&ossl.x509_free = find(lib, "X509_free");
    if (!ossl.get_peer_certificate || !ossl.get_subject_name || !ossl.get_issuer_name || !ossl.get0_not_after ||
        !ossl.time_to_tm || !ossl.name_print_ex || !ossl.s_mem || !ossl.bio_new || !ossl.bio_ctrl ||
        !ossl.bio_free || !ossl.x509_free) return 0;
    ossl.state = 1;
    return 1;
}

int mc_peer_certificate_supported(void) {
    if (mc_curl.version_info == NULL) return 0;
    curl_version_info_data *d = mc_curl.version_info(CURLVERSION_NOW);
    if (d == NULL || d->ssl_version == NULL || strncmp(d->ssl_version, "OpenSSL/", 8) != 0) return 0;
    return resolve_openssl();
}

/// A name as CURLOPT_CERTINFO wrote it (XN_FLAG_ONELINE: `O = Example, CN = mail.example`).
static void print_name(const X509_NAME *name, char *out, size_t length) {
    out[0] = '\0';
    BIO *bio = ossl.bio_new(ossl.s_mem());
    if (bio == NULL) return;
    if (ossl.name_print_ex(bio, name, 0, XN_FLAG_ONELINE) >= 0) {
        char *data = NULL;
        long n = ossl.bio_ctrl(bio, BIO_CTRL_INFO, 0, &data);
        if (n > 0 && data != NULL) snprintf(out, length, "%.*s", (int)n, data);
    }
    ossl.bio_free(bio);
}

int mc_read_peer_certificate(CURL *handle, mc_peer_certificate *out) {
    memset(out, 0, sizeof *out);
    if (ossl.state != 1) return -1;
    struct curl_tlssessioninfo *info = NULL;
    if (mc_curl.easy_getinfo(handle, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == NULL ||
        info->backend != CURLSSLBACKEND_OPENSSL || info->internals == NULL) return -1;
    X509 *cert = ossl.get_peer_certificate((const SSL *)info->internals);
    if (cert == NULL) return -1;
    struct tm expiry;
    memset(&expiry, 0, sizeof expiry);
    const ASN1_TIME *not_after = ossl.get0_not_after(cert);
    int rc = -1;
    if (not_after != NULL && ossl.time_to_tm(not_after, &expiry) == 1) {
        out->not_after = (long long)timegm(&expiry);
        print_name(ossl.get_subject_name(cert), out->subject, sizeof out->subject);
        print_name(ossl.get_issuer_name(cert), out->issuer, sizeof out->issuer);
        rc = 0;
    }
    ossl.x509_free(cert);
    return rc;
}
