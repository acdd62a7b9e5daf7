/// Typed, non-variadic access to libcurl's easy API for Swift.
///
/// Swift cannot call C variadic functions such as curl_easy_setopt, so every argument kind gets
/// its own static inline wrapper. libcurl itself is not linked: mc_curl_load() opens it with
/// dlopen the first time a network check needs it, because merely loading Debian's libcurl and
/// its thirty-odd dependencies costs about 5 ms and 6 MiB per run, which local checks must not pay.
#ifndef MAILCHECK_CLIBCURL_H
#define MAILCHECK_CLIBCURL_H

#include <curl/curl.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

typedef struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLcode (*easy_perform)(CURL *handle);
    CURLcode (*easy_send)(CURL *handle, const void *buffer, size_t length, size_t *sent);
    CURLcode (*easy_recv)(CURL *handle, void *buffer, size_t length, size_t *received);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
    curl_version_info_data *(*version_info)(CURLversion age);
} mc_curl_api;

/// The resolved entry points; valid only after mc_curl_load() returned 0.
extern mc_curl_api mc_curl;

/// Opens libcurl and calls curl_global_init once. Returns 0 on success; otherwise writes the
/// reason into error (NUL-terminated) and returns -1. Safe to call again after success.
int mc_curl_load(char *error, size_t error_length);

/// Says, before the first mc_curl_load(), whether this run may need TLS; without TLS the loader
/// prefers libmailcheck-curl-plain.so (no libssl, no libcrypto). Ignored once loaded.
void mc_curl_prepare(int needs_tls);

/// 1 when the loaded libcurl can speak TLS; 0 for libmailcheck-curl-plain.so or before loading.
int mc_curl_has_tls(void);

/// Which library mc_curl_load() opened (a path, or "libcurl.so.4"), for -vv.
const char *mc_curl_path(void);

/// Why libmailcheck-curl-bundled.so was passed over for the system's OpenSSL (empty when it was
/// used, missing, or not wanted), for -vv.
const char *mc_curl_note(void);

/// The dlopen handle of the loaded libcurl (NULL before loading): its OpenSSL functions are
/// looked up through it (its own, or those of the libssl it loaded).
void *mc_curl_library(void);

/// The server's leaf certificate, as read from the TLS connection (peercert.c).
typedef struct {
    long long not_after;   ///< expiry, seconds since the epoch
    char subject[512];     ///< OpenSSL's one-line form, `O = Example, CN = mail.example`
    char issuer[512];
} mc_peer_certificate;

/// 1 when the loaded libcurl uses OpenSSL and mc_read_peer_certificate can work (resolves
/// OpenSSL's functions from the libssl already loaded, once); 0 otherwise (then CERTINFO).
int mc_peer_certificate_supported(void);

/// Fills out from the connection's peer certificate (CURLINFO_TLS_SSL_PTR); 0 on success.
/// Valid while the TLS connection is open: call it from the debug callback after the handshake.
int mc_read_peer_certificate(CURL *handle, mc_peer_certificate *out);

/// Write and read callbacks share curl's signature: (buffer, size, nitems, userdata).
typedef size_t (*mc_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);

static inline CURLcode mc_setopt_long(CURL *h, CURLoption o, long v) { return mc_curl.easy_setopt(h, o, v); }
static inline CURLcode mc_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return mc_curl.easy_setopt(h, o, v); }
static inline CURLcode mc_setopt_string(CURL *h, CURLoption o, const char *v) { return mc_curl.easy_setopt(h, o, v); }
static inline CURLcode mc_setopt_pointer(CURL *h, CURLoption o, void *v) { return mc_curl.easy_setopt(h, o, v); }
static inline CURLcode mc_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return mc_curl.easy_setopt(h, o, v); }
static inline CURLcode mc_setopt_data_callback(CURL *h, CURLoption o, mc_data_callback v) { return mc_curl.easy_setopt(h, o, v); }
static inline CURLcode mc_setopt_sockopt_callback(CURL *h, curl_sockopt_callback v) { return mc_curl.easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, v); }
static inline CURLcode mc_setopt_debug_callback(CURL *h, curl_debug_callback v) { return mc_curl.easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }

static inline CURLcode mc_getinfo_long(CURL *h, CURLINFO i, long *v) { return mc_curl.easy_getinfo(h, i, v); }
static inline CURLcode mc_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return mc_curl.easy_getinfo(h, i, v); }
static inline CURLcode mc_getinfo_string(CURL *h, CURLINFO i, char **v) { return mc_curl.easy_getinfo(h, i, v); }
static inline CURLcode mc_getinfo_certinfo(CURL *h, struct curl_certinfo **v) { return mc_curl.easy_getinfo(h, CURLINFO_CERTINFO, v); }

static inline CURL *mc_easy_init(void) { return mc_curl.easy_init(); }
static inline void mc_easy_cleanup(CURL *h) { mc_curl.easy_cleanup(h); }
static inline CURLcode mc_easy_perform(CURL *h) { return mc_curl.easy_perform(h); }
static inline CURLcode mc_easy_send(CURL *h, const void *b, size_t n, size_t *sent) { return mc_curl.easy_send(h, b, n, sent); }
static inline CURLcode mc_easy_recv(CURL *h, void *b, size_t n, size_t *got) { return mc_curl.easy_recv(h, b, n, got); }
static inline const char *mc_easy_strerror(CURLcode c) { return mc_curl.easy_strerror(c); }
static inline struct curl_slist *mc_slist_append(struct curl_slist *l, const char *s) { return mc_curl.slist_append(l, s); }
static inline void mc_slist_free_all(struct curl_slist *l) { mc_curl.slist_free_all(l); }
static inline const char *mc_version_string(void) {
    curl_version_info_data *d = mc_curl.version_info(CURLVERSION_NOW);
    return d ? d->version : "unknown";
}

/// Leaves the kernel's delayed-ACK (ping-pong) mode on a TCP socket and sends any ACK it was
/// holding back. The kernel re-enters that mode whenever we send soon after receiving, so the
/// transport re-arms it around every protocol event (see PromptAcknowledgement.swift).
static inline void mc_tcp_quickack(int fd) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

#endif
