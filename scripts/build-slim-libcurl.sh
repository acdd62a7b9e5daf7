#!/usr/bin/env bash
# build-slim-libcurl.sh: builds libmailcheck-curl.so, a libcurl that loads only libssl,
# libcrypto, libz and libc, from Debian's own static libcurl (libcurl4-openssl-dev), and
# libmailcheck-curl-plain.so, the same without TLS (OpenSSL stubbed: loads only libz and libc)
# for the checks that speak plain text, and libmailcheck-curl-bundled.so, the first one with
# Debian's own libssl.a and libcrypto.a linked in (loads only libz and libc), which the TLS
# checks load only while the system's libssl3 is the very build it was made from (see "the
# bundled library" below).
#
#   scripts/build-slim-libcurl.sh [OUTDIR]     (default OUTDIR: .build-slim-curl/)
#
# Prints the absolute paths of OUTDIR/libmailcheck-curl.so, OUTDIR/libmailcheck-curl-plain.so
# and (when libssl-dev matches the installed libssl3) OUTDIR/libmailcheck-curl-bundled.so on
# stdout, one a line (diagnostics go to stderr). Idempotent: a library built from the same inputs is left alone. Takes about a
# second; needs no network.
#
# How: Debian's libcurl.a (the same 7.88.1 build as libcurl.so.4, same configure line) is
# linked whole into a shared object with -lssl -lcrypto -lz. Its references to the libraries
# we drop (nghttp2, idn2, librtmp, libssh2, libpsl, gssapi_krb5, ldap, lber, zstd, brotlidec)
# are satisfied by the stubs below, which report failure ("not available") so that a feature
# that is reached fails with a curl error instead of crashing. The stub semantics were checked
# against the call sites in Debian's curl 7.88.1 source. Only curl_* symbols are exported.
#
# What is still compiled in but fails when reached (measured; curl error code and message):
#   HTTP/2 via ALPN (https://, curl's default CURL_HTTP_VERSION_2TLS offers h2 and an h2 server
#     picks it) or CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE .. 27 CURLE_OUT_OF_MEMORY "Couldn't initialize
#     nghttp2 callbacks"  => for HTTPS set CURLOPT_HTTP_VERSION = CURL_HTTP_VERSION_1_1
#   CURL_HTTP_VERSION_2_0 on http:// (h2c upgrade) ... 2 CURLE_FAILED_INIT "nghttp2 unexpectedly failed
#     on pack_settings_payload", even against a server that would ignore the upgrade
#   non-ASCII (IDN) host name ....... 3 CURLE_URL_MALFORMAT (no message); no IDN feature bit
#   Content-Encoding br / zstd ...... 27 CURLE_OUT_OF_MEMORY  => use CURLOPT_ACCEPT_ENCODING
#     "gzip, deflate" (never ""), or leave it unset
#   cookies with Domain= ............ work, but without the public suffix list: a cookie for
#     "co.uk" is accepted (Debian's build rejects it)
#   SASL GSSAPI (server offers it, user has '@', no AUTH= pin) .. 94 CURLE_AUTH_ERROR, as Debian's
#     build without a Kerberos ticket  => pin CURLOPT_LOGIN_OPTIONS "AUTH=PLAIN"/"AUTH=LOGIN"
#   HTTP Negotiate .................. gives up, the 401 is returned (as Debian's without a ticket)
#   scp:// sftp:// .................. 2 CURLE_FAILED_INIT "Failure initialising ssh session"
#   ldap:// ldaps:// ................ 3 CURLE_URL_MALFORMAT "LDAP local: unrecognized scheme"
#   rtmp*:// ........................ 27 CURLE_OUT_OF_MEMORY
# curl_version() then reads "... brotli/0.0.0 zstd/0.0.0 libidn2/none libpsl/none libssh2/none
# nghttp2/none librtmp/2.3"; curl_version_info() still lists the compiled-in protocols and the
# HTTP2/brotli/zstd/GSS-API feature bits (only IDN drops out).
set -euo pipefail
export LC_ALL=C

die() { echo "build-slim-libcurl: $*" >&2; exit 1; }
say() { echo "build-slim-libcurl: $*" >&2; }

OUT=${1:-.build-slim-curl}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
OUT=${OUT%/}
LIBNAME=libmailcheck-curl.so
PLAIN_LIBNAME=libmailcheck-curl-plain.so
BUNDLED_LIBNAME=libmailcheck-curl-bundled.so
SELF=$(readlink -f "${BASH_SOURCE[0]}")

# --- prerequisites ---------------------------------------------------------------------------
PKGS="gcc binutils libcurl4-openssl-dev libssl-dev zlib1g-dev"
for tool in gcc nm readelf sha256sum flock; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (apt-get install $PKGS)"
done
MULTIARCH=$(gcc -print-multiarch 2>/dev/null) || true
[[ -n $MULTIARCH ]] || MULTIARCH=x86_64-linux-gnu
CURL_A=/usr/lib/$MULTIARCH/libcurl.a
[[ -f $CURL_A ]] || die "missing $CURL_A (apt-get install libcurl4-openssl-dev)"
echo '#include <curl/curl.h>' | gcc -E -x c - >/dev/null 2>&1 \
  || die "missing <curl/curl.h> (apt-get install libcurl4-openssl-dev)"
# The real shared objects behind -lssl -lcrypto -lz (dev symlinks) and libc.
keep_libs=()
for lib in libssl.so libcrypto.so libz.so libc.so.6; do
  f=$(gcc -print-file-name=$lib)
  [[ $f == /* && -e $f ]] || die "missing $lib (apt-get install $PKGS)"
  keep_libs+=("$(readlink -f "$f")")
done
# Debian's static OpenSSL (libssl-dev), for the bundled library.
SSL_A=$(readlink -f "$(gcc -print-file-name=libssl.a)") CRYPTO_A=$(readlink -f "$(gcc -print-file-name=libcrypto.a)")
[[ -f $SSL_A && -f $CRYPTO_A ]] || die "missing libssl.a or libcrypto.a (apt-get install libssl-dev)"
CURL_VERSION=$(printf '#include <curl/curlver.h>\nLIBCURL_VERSION\n' | gcc -E -P -x c - | tail -n 1 | tr -d '"')
[[ $CURL_VERSION == 7.88.* ]] \
  || say "warning: the stubs were reviewed against curl 7.88.1; headers say $CURL_VERSION"

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

# --- up to date? ----------------------------------------------------------------------------
stamp_inputs() {
  sha256sum "$SELF" "$CURL_A" "$SSL_A" "$CRYPTO_A" "${keep_libs[@]}" | awk '{print $1}'
  dpkg-query -W -f='${Package} ${Version}\n' libcurl4-openssl-dev libssl-dev libssl3 zlib1g-dev 2>/dev/null || true
}
STAMP=$(stamp_inputs | sha256sum | awk '{print $1}')
if [[ -f $OUT/$LIBNAME && -f $OUT/$PLAIN_LIBNAME && -f $OUT/.stamp && $(cat "$OUT/.stamp") == "$STAMP" ]]; then
  say "up to date"
  echo "$OUT/$LIBNAME"
  echo "$OUT/$PLAIN_LIBNAME"
  [[ ! -f $OUT/$BUNDLED_LIBNAME ]] || echo "$OUT/$BUNDLED_LIBNAME"
  exit 0
fi

WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- the stubs --------------------------------------------------------------------------------
# Return conventions: pointer -> NULL, status -> the library's failure code, never a "try again"
# code (EAGAIN) that would make curl spin. Functions curl calls from curl_global_init,
# curl_version_info or curl_version return harmless values: libssh2_init -> 0 (success),
# nghttp2_version -> a static nghttp2_info, Brotli/ZSTD version -> 0, psl_get_version -> a string,
# idn2_check_version(IDN2_VERSION) -> NULL (= "IDN not available": curl then leaves IDN out of
# the features and never tries to convert a host name).
cat > "$WORK/stubs.c" <<'EOF'
/* Failure stubs for the libraries libmailcheck-curl does not load. Generated by
 * scripts/build-slim-libcurl.sh; reviewed against the call sites in curl 7.88.1. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#define STUB_MSG "not available in libmailcheck-curl"

/* ---- libidn2 ---- */
/* Like a libidn2 of version "none": NULL for any required version (curl then leaves IDN out of
 * curl_version_info's features and never calls idn2_lookup_ul), a name for curl_version(). */
const char *idn2_check_version(const char *req) { return req ? NULL : "none"; }
int idn2_lookup_ul(const char *src, char **out, int flags) {
  (void)src; (void)flags; if(out) *out = NULL; return -100; /* IDN2_MALLOC */ }
void idn2_free(void *p) { free(p); }

/* ---- libpsl: no public suffix list; curl falls back to its own domain check ---- */
void *psl_latest(const char *fname) { (void)fname; return NULL; }
const void *psl_builtin(void) { return NULL; }
void psl_free(void *psl) { (void)psl; }
int psl_is_cookie_domain_acceptable(const void *psl, const char *h, const char *c) {
  (void)psl; (void)h; (void)c; return 0; }
const char *psl_get_version(void) { return "none"; }

/* ---- brotli decoder ---- */
void *BrotliDecoderCreateInstance(void *a, void *f, void *o) { (void)a; (void)f; (void)o; return NULL; }
int BrotliDecoderDecompressStream(void *s, size_t *ai, const uint8_t **ni, size_t *ao, uint8_t **no,
                                  size_t *t) {
  (void)s; (void)ai; (void)ni; (void)ao; (void)no; (void)t; return 0; /* RESULT_ERROR */ }
void BrotliDecoderDestroyInstance(void *s) { (void)s; }
int BrotliDecoderGetErrorCode(const void *s) { (void)s; return -31; /* ERROR_UNREACHABLE */ }
uint32_t BrotliDecoderVersion(void) { return 0; }

/* ---- zstd ---- */
void *ZSTD_createDStream(void) { return NULL; }
size_t ZSTD_decompressStream(void *z, void *out, void *in) { (void)z; (void)out; (void)in; return (size_t)-1; }
size_t ZSTD_freeDStream(void *z) { (void)z; return 0; }
unsigned ZSTD_isError(size_t code) { return code > (size_t)-120; }
unsigned ZSTD_versionNumber(void) { return 0; }

/* ---- nghttp2: every session constructor fails with NGHTTP2_ERR_NOMEM ---- */
typedef struct { int age; int version_num; const char *version_str; const char *proto_str; } stub_nghttp2_info;
static stub_nghttp2_info stub_h2_info = { 1, 0, "none", "h2" };
void *nghttp2_version(int least) { (void)least; return &stub_h2_info; }
const char *nghttp2_strerror(int e) { (void)e; return "HTTP/2 " STUB_MSG; }
const char *nghttp2_http2_strerror(uint32_t e) { (void)e; return "HTTP/2 " STUB_MSG; }
int nghttp2_is_fatal(int e) { return e < -900; }
int nghttp2_option_new(void **o) { if(o) *o = NULL; return -901; }
void nghttp2_option_del(void *o) { (void)o; }
void nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(void *o, int v) { (void)o; (void)v; }
/* curl stores this in a size_t and tests "<= 0": only 0 is a safe failure value */
ssize_t nghttp2_pack_settings_payload(uint8_t *b, size_t l, const void *iv, size_t n) {
  (void)b; (void)l; (void)iv; (void)n; return 0; }
void nghttp2_priority_spec_init(void *p, int32_t s, int32_t w, int e) { (void)p; (void)s; (void)w; (void)e; }
int nghttp2_session_callbacks_new(void **c) { if(c) *c = NULL; return -901; }
void nghttp2_session_callbacks_del(void *c) { (void)c; }
void nghttp2_session_callbacks_set_error_callback(void *c, void *f) { (void)c; (void)f; }
void nghttp2_session_callbacks_set_on_begin_headers_callback(void *c, void *f) { (void)c; (void)f; }
void nghttp2_session_callbacks_set_on_data_chunk_recv_callback(void *c, void *f) { (void)c; (void)f; }
void nghttp2_session_callbacks_set_on_frame_recv_callback(void *c, void *f) { (void)c; (void)f; }
void nghttp2_session_callbacks_set_on_header_callback(void *c, void *f) { (void)c; (void)f; }
void nghttp2_session_callbacks_set_on_stream_close_callback(void *c, void *f) { (void)c; (void)f; }
void nghttp2_session_callbacks_set_send_callback(void *c, void *f) { (void)c; (void)f; }
int nghttp2_session_client_new2(void **s, const void *c, void *u, const void *o) {
  (void)c; (void)u; (void)o; if(s) *s = NULL; return -901; }
void nghttp2_session_del(void *s) { (void)s; }
int nghttp2_session_check_request_allowed(void *s) { (void)s; return 0; }
uint32_t nghttp2_session_get_remote_settings(void *s, int id) { (void)s; (void)id; return 0; }
int32_t nghttp2_session_get_remote_window_size(void *s) { (void)s; return -1; }
int32_t nghttp2_session_get_stream_remote_window_size(void *s, int32_t id) { (void)s; (void)id; return -1; }
void *nghttp2_session_get_stream_user_data(void *s, int32_t id) { (void)s; (void)id; return NULL; }
int nghttp2_session_set_stream_user_data(void *s, int32_t id, void *d) { (void)s; (void)id; (void)d; return -501; }
ssize_t nghttp2_session_mem_recv(void *s, const uint8_t *in, size_t n) { (void)s; (void)in; (void)n; return -901; }
int nghttp2_session_resume_data(void *s, int32_t id) { (void)s; (void)id; return -501; }
int nghttp2_session_send(void *s) { (void)s; return -901; }
int nghttp2_session_set_local_window_size(void *s, uint8_t f, int32_t id, int32_t w) {
  (void)s; (void)f; (void)id; (void)w; return -501; }
int nghttp2_session_upgrade2(void *s, const uint8_t *p, size_t n, int h, void *u) {
  (void)s; (void)p; (void)n; (void)h; (void)u; return -501; }
int nghttp2_session_want_read(void *s) { (void)s; return 0; }
int nghttp2_session_want_write(void *s) { (void)s; return 0; }
int nghttp2_submit_ping(void *s, uint8_t f, const uint8_t *d) { (void)s; (void)f; (void)d; return -901; }
int nghttp2_submit_priority(void *s, uint8_t f, int32_t id, const void *p) { (void)s; (void)f; (void)id; (void)p; return -501; }
int32_t nghttp2_submit_request(void *s, const void *p, const void *nv, size_t n, const void *d, void *u) {
  (void)s; (void)p; (void)nv; (void)n; (void)d; (void)u; return -901; }
int nghttp2_submit_rst_stream(void *s, uint8_t f, int32_t id, uint32_t e) { (void)s; (void)f; (void)id; (void)e; return -501; }
int nghttp2_submit_settings(void *s, uint8_t f, const void *iv, size_t n) { (void)s; (void)f; (void)iv; (void)n; return -501; }

/* ---- librtmp: RTMP_Alloc fails, curl returns CURLE_OUT_OF_MEMORY ---- */
void *RTMP_Alloc(void) { return NULL; }
void RTMP_Init(void *r) { (void)r; }
void RTMP_Free(void *r) { (void)r; }
void RTMP_Close(void *r) { (void)r; }
void RTMP_SetBufferMS(void *r, int ms) { (void)r; (void)ms; }
int RTMP_SetupURL(void *r, char *url) { (void)r; (void)url; return 0; }
int RTMP_Connect1(void *r, void *p) { (void)r; (void)p; return 0; }
int RTMP_ConnectStream(void *r, int s) { (void)r; (void)s; return 0; }
int RTMP_Read(void *r, char *b, int n) { (void)r; (void)b; (void)n; return -1; }
int RTMP_Write(void *r, const char *b, int n) { (void)r; (void)b; (void)n; return -1; }

/* ---- libssh2: init succeeds (curl_global_init needs it), sessions cannot be created ---- */
int libssh2_init(int flags) { (void)flags; return 0; }
void libssh2_exit(void) { }
const char *libssh2_version(int req) { return req > 0 ? NULL : "none"; }  /* same idea */
void *libssh2_session_init_ex(void *a, void *f, void *r, void *abstract) {
  (void)a; (void)f; (void)r; (void)abstract; return NULL; }
void **libssh2_session_abstract(void *s) { (void)s; return NULL; }
void *libssh2_session_callback_set(void *s, int t, void *cb) { (void)s; (void)t; (void)cb; return NULL; }
void libssh2_session_set_blocking(void *s, int b) { (void)s; (void)b; }
int libssh2_session_block_directions(void *s) { (void)s; return 0; }
int libssh2_session_flag(void *s, int f, int v) { (void)s; (void)f; (void)v; return -1; }
int libssh2_session_method_pref(void *s, int t, const char *p) { (void)s; (void)t; (void)p; return -1; }
int libssh2_session_handshake(void *s, int sock) { (void)s; (void)sock; return -1; }
const char *libssh2_session_hostkey(void *s, size_t *len, int *type) {
  (void)s; if(len) *len = 0; if(type) *type = 0; return NULL; }
const char *libssh2_hostkey_hash(void *s, int t) { (void)s; (void)t; return NULL; }
int libssh2_session_last_errno(void *s) { (void)s; return -1; }
int libssh2_session_last_error(void *s, char **msg, int *len, int want_buf) {
  (void)s; (void)want_buf;
  if(msg) *msg = (char *)"SSH " STUB_MSG;
  if(len) *len = (int)sizeof("SSH " STUB_MSG) - 1;
  return -1; }
int libssh2_session_disconnect_ex(void *s, int r, const char *d, const char *l) { (void)s; (void)r; (void)d; (void)l; return -1; }
int libssh2_session_free(void *s) { (void)s; return 0; }
char *libssh2_userauth_list(void *s, const char *u, unsigned int n) { (void)s; (void)u; (void)n; return NULL; }
int libssh2_userauth_authenticated(void *s) { (void)s; return 0; }
int libssh2_userauth_password_ex(void *s, const char *u, unsigned ul, const char *p, unsigned pl, void *cb) {
  (void)s; (void)u; (void)ul; (void)p; (void)pl; (void)cb; return -1; }
int libssh2_userauth_keyboard_interactive_ex(void *s, const char *u, unsigned ul, void *cb) {
  (void)s; (void)u; (void)ul; (void)cb; return -1; }
int libssh2_userauth_publickey_fromfile_ex(void *s, const char *u, unsigned ul, const char *pub,
                                           const char *priv, const char *pass) {
  (void)s; (void)u; (void)ul; (void)pub; (void)priv; (void)pass; return -1; }
void *libssh2_agent_init(void *s) { (void)s; return NULL; }
int libssh2_agent_connect(void *a) { (void)a; return -1; }
int libssh2_agent_list_identities(void *a) { (void)a; return -1; }
int libssh2_agent_get_identity(void *a, void **store, void *prev) { (void)a; (void)prev; if(store) *store = NULL; return -1; }
int libssh2_agent_userauth(void *a, const char *u, void *id) { (void)a; (void)u; (void)id; return -1; }
int libssh2_agent_disconnect(void *a) { (void)a; return 0; }
void libssh2_agent_free(void *a) { (void)a; }
void *libssh2_knownhost_init(void *s) { (void)s; return NULL; }
int libssh2_knownhost_add(void *h, const char *n, const char *salt, const char *k, size_t kl, int t, void **store) {
  (void)h; (void)n; (void)salt; (void)k; (void)kl; (void)t; if(store) *store = NULL; return -1; }
int libssh2_knownhost_checkp(void *h, const char *n, int p, const char *k, size_t kl, int t, void **store) {
  (void)h; (void)n; (void)p; (void)k; (void)kl; (void)t; if(store) *store = NULL; return 3; /* CHECK_FAILURE */ }
int libssh2_knownhost_del(void *h, void *e) { (void)h; (void)e; return -1; }
int libssh2_knownhost_get(void *h, void **store, void *prev) { (void)h; (void)prev; if(store) *store = NULL; return -1; }
int libssh2_knownhost_readfile(void *h, const char *f, int t) { (void)h; (void)f; (void)t; return -1; }
int libssh2_knownhost_writefile(void *h, const char *f, int t) { (void)h; (void)f; (void)t; return -1; }
void libssh2_knownhost_free(void *h) { (void)h; }
void *libssh2_scp_recv2(void *s, const char *p, void *sb) { (void)s; (void)p; (void)sb; return NULL; }
void *libssh2_scp_send64(void *s, const char *p, int m, int64_t sz, time_t mt, time_t at) {
  (void)s; (void)p; (void)m; (void)sz; (void)mt; (void)at; return NULL; }
ssize_t libssh2_channel_read_ex(void *c, int id, char *b, size_t n) { (void)c; (void)id; (void)b; (void)n; return -1; }
ssize_t libssh2_channel_write_ex(void *c, int id, const char *b, size_t n) { (void)c; (void)id; (void)b; (void)n; return -1; }
int libssh2_channel_send_eof(void *c) { (void)c; return -1; }
int libssh2_channel_wait_eof(void *c) { (void)c; return -1; }
int libssh2_channel_wait_closed(void *c) { (void)c; return -1; }
int libssh2_channel_free(void *c) { (void)c; return 0; }
void *libssh2_sftp_init(void *s) { (void)s; return NULL; }
int libssh2_sftp_shutdown(void *f) { (void)f; return 0; }
unsigned long libssh2_sftp_last_error(void *f) { (void)f; return 4; /* LIBSSH2_FX_FAILURE */ }
void *libssh2_sftp_open_ex(void *f, const char *p, unsigned pl, unsigned long fl, long m, int t) {
  (void)f; (void)p; (void)pl; (void)fl; (void)m; (void)t; return NULL; }
int libssh2_sftp_close_handle(void *h) { (void)h; return 0; }
ssize_t libssh2_sftp_read(void *h, char *b, size_t n) { (void)h; (void)b; (void)n; return -1; }
ssize_t libssh2_sftp_write(void *h, const char *b, size_t n) { (void)h; (void)b; (void)n; return -1; }
void libssh2_sftp_seek64(void *h, uint64_t off) { (void)h; (void)off; }
int libssh2_sftp_readdir_ex(void *h, char *b, size_t bl, char *l, size_t ll, void *a) {
  (void)h; (void)b; (void)bl; (void)l; (void)ll; (void)a; return -1; }
int libssh2_sftp_stat_ex(void *f, const char *p, unsigned pl, int t, void *a) { (void)f; (void)p; (void)pl; (void)t; (void)a; return -1; }
int libssh2_sftp_statvfs(void *f, const char *p, size_t pl, void *st) { (void)f; (void)p; (void)pl; (void)st; return -1; }
int libssh2_sftp_mkdir_ex(void *f, const char *p, unsigned pl, long m) { (void)f; (void)p; (void)pl; (void)m; return -1; }
int libssh2_sftp_rmdir_ex(void *f, const char *p, unsigned pl) { (void)f; (void)p; (void)pl; return -1; }
int libssh2_sftp_unlink_ex(void *f, const char *p, unsigned pl) { (void)f; (void)p; (void)pl; return -1; }
int libssh2_sftp_rename_ex(void *f, const char *s, unsigned sl, const char *d, unsigned dl, long fl) {
  (void)f; (void)s; (void)sl; (void)d; (void)dl; (void)fl; return -1; }
int libssh2_sftp_symlink_ex(void *f, const char *p, unsigned pl, char *t, unsigned tl, int ty) {
  (void)f; (void)p; (void)pl; (void)t; (void)tl; (void)ty; return -1; }

/* ---- OpenLDAP (libldap + liblber): URL parsing fails first ---- */
#define STUB_LDAP_NOT_SUPPORTED (-12)
int ldap_url_parse(const char *url, void **lud) { (void)url; if(lud) *lud = NULL; return 3; /* LDAP_URL_ERR_BADSCHEME */ }
void ldap_free_urldesc(void *lud) { (void)lud; }
int ldap_pvt_url_scheme2proto(const char *s) { (void)s; return -1; }
char *ldap_err2string(int e) { (void)e; return (char *)"LDAP " STUB_MSG; }
int ldap_init_fd(int fd, int proto, const char *url, void **ld) { (void)fd; (void)proto; (void)url; if(ld) *ld = NULL; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_get_option(void *ld, int o, void *v) { (void)ld; (void)o; (void)v; return -1; /* LDAP_OPT_ERROR */ }
int ldap_set_option(void *ld, int o, const void *v) { (void)ld; (void)o; (void)v; return -1; }
int ldap_start_tls(void *ld, void *s, void *c, int *id) { (void)ld; (void)s; (void)c; if(id) *id = -1; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_sasl_bind(void *ld, const char *dn, const char *m, void *cred, void *s, void *c, int *id) {
  (void)ld; (void)dn; (void)m; (void)cred; (void)s; (void)c; if(id) *id = -1; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_search_ext(void *ld, const char *b, int sc, const char *f, char **a, int ao, void *s, void *c,
                    void *t, int sl, int *id) {
  (void)ld; (void)b; (void)sc; (void)f; (void)a; (void)ao; (void)s; (void)c; (void)t; (void)sl;
  if(id) *id = -1; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_result(void *ld, int id, int all, void *t, void **res) { (void)ld; (void)id; (void)all; (void)t; if(res) *res = NULL; return -1; }
int ldap_msgtype(void *m) { (void)m; return -1; }
int ldap_msgfree(void *m) { (void)m; return -1; }
int ldap_parse_result(void *ld, void *m, int *e, char **dn, char **msg, char ***r, void ***c, int f) {
  (void)ld; (void)m; (void)r; (void)c; (void)f;
  if(e) *e = STUB_LDAP_NOT_SUPPORTED; if(dn) *dn = NULL; if(msg) *msg = NULL; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_parse_sasl_bind_result(void *ld, void *m, void **cred, int f) { (void)ld; (void)m; (void)f; if(cred) *cred = NULL; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_get_dn_ber(void *ld, void *m, void **ber, void *dn) { (void)ld; (void)m; (void)dn; if(ber) *ber = NULL; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_get_attribute_ber(void *ld, void *m, void *ber, void *attr, void **vals) {
  (void)ld; (void)m; (void)ber; (void)attr; if(vals) *vals = NULL; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_abandon_ext(void *ld, int id, void *s, void *c) { (void)ld; (void)id; (void)s; (void)c; return STUB_LDAP_NOT_SUPPORTED; }
int ldap_unbind_ext(void *ld, void *s, void *c) { (void)ld; (void)s; (void)c; return 0; }
void ldap_memfree(void *p) { (void)p; }
void ber_bvfree(void *bv) { (void)bv; }
void ber_free(void *ber, int f) { (void)ber; (void)f; }
void ber_memfree(void *p) { (void)p; }
void ber_memvfree(void **v) { (void)v; }
int ber_sockbuf_add_io(void *sb, void *io, int layer, void *arg) { (void)sb; (void)io; (void)layer; (void)arg; return -1; }

/* ---- GSS-API (krb5): every call fails with GSS_S_FAILURE, releases succeed ---- */
typedef uint32_t OM_uint32;
typedef struct { size_t length; void *value; } stub_gss_buffer;
#define STUB_GSS_S_FAILURE ((OM_uint32)13 << 16)
void *GSS_C_NT_HOSTBASED_SERVICE = NULL;  /* a gss_OID; only ever passed to gss_import_name */
static void stub_gss_empty(stub_gss_buffer *b) { if(b) { b->length = 0; b->value = NULL; } }
static OM_uint32 stub_gss_fail(OM_uint32 *minor) { if(minor) *minor = 0; return STUB_GSS_S_FAILURE; }
OM_uint32 gss_import_name(OM_uint32 *mi, const void *in, const void *type, void **out) {
  (void)in; (void)type; if(out) *out = NULL; return stub_gss_fail(mi); }
OM_uint32 gss_init_sec_context(OM_uint32 *mi, void *cred, void **ctx, void *target, void *mech,
                               OM_uint32 flags, OM_uint32 time, void *chan, void *input,
                               void **actual_mech, stub_gss_buffer *output, OM_uint32 *ret_flags,
                               OM_uint32 *time_rec) {
  (void)cred; (void)ctx; (void)target; (void)mech; (void)flags; (void)time; (void)chan; (void)input;
  if(actual_mech) *actual_mech = NULL;
  stub_gss_empty(output);
  if(ret_flags) *ret_flags = 0;
  if(time_rec) *time_rec = 0;
  return stub_gss_fail(mi); }
OM_uint32 gss_inquire_context(OM_uint32 *mi, void *ctx, void **src, void **targ, OM_uint32 *life,
                              void **mech, OM_uint32 *flags, int *local, int *open) {
  (void)ctx;
  if(src) *src = NULL; if(targ) *targ = NULL; if(life) *life = 0; if(mech) *mech = NULL;
  if(flags) *flags = 0; if(local) *local = 0; if(open) *open = 0;
  return stub_gss_fail(mi); }
OM_uint32 gss_display_name(OM_uint32 *mi, void *name, stub_gss_buffer *out, void **type) {
  (void)name; stub_gss_empty(out); if(type) *type = NULL; return stub_gss_fail(mi); }
OM_uint32 gss_display_status(OM_uint32 *mi, OM_uint32 st, int type, void *mech, OM_uint32 *ctx,
                             stub_gss_buffer *out) {
  (void)st; (void)type; (void)mech; if(ctx) *ctx = 0; stub_gss_empty(out); return stub_gss_fail(mi); }
OM_uint32 gss_wrap(OM_uint32 *mi, void *ctx, int conf, OM_uint32 qop, const void *in, int *conf_state,
                   stub_gss_buffer *out) {
  (void)ctx; (void)conf; (void)qop; (void)in; if(conf_state) *conf_state = 0; stub_gss_empty(out);
  return stub_gss_fail(mi); }
OM_uint32 gss_unwrap(OM_uint32 *mi, void *ctx, const void *in, stub_gss_buffer *out, int *conf_state,
                     OM_uint32 *qop) {
  (void)ctx; (void)in; if(conf_state) *conf_state = 0; if(qop) *qop = 0; stub_gss_empty(out);
  return stub_gss_fail(mi); }
OM_uint32 gss_release_buffer(OM_uint32 *mi, stub_gss_buffer *b) { if(mi) *mi = 0; stub_gss_empty(b); return 0; }
OM_uint32 gss_release_name(OM_uint32 *mi, void **name) { if(mi) *mi = 0; if(name) *name = NULL; return 0; }
OM_uint32 gss_delete_sec_context(OM_uint32 *mi, void **ctx, stub_gss_buffer *out) {
  if(mi) *mi = 0; if(ctx) *ctx = NULL; stub_gss_empty(out); return 0; }
EOF

cat > "$WORK/exports.map" <<'EOF'
{
  global: curl_*;
  local: *;
};
EOF

# --- check the stub list against what libcurl.a really needs --------------------------------
# needed = undefined in libcurl.a, not defined in libcurl.a, not provided by ssl/crypto/z/libc.
nm_defined_dyn() { nm -D --defined-only "$@" 2>/dev/null | awk 'NF==3{sub(/@.*/,"",$3); print $3}'; }
nm -u "$CURL_A" 2>/dev/null | awk 'NF==2{print $2}' | sort -u > "$WORK/undef"
nm --defined-only "$CURL_A" 2>/dev/null | awk 'NF==3{print $3}' | sort -u > "$WORK/def"
nm_defined_dyn "${keep_libs[@]}" | sort -u > "$WORK/kept"
comm -23 "$WORK/undef" "$WORK/def" | comm -23 - "$WORK/kept" | grep -vx '_GLOBAL_OFFSET_TABLE_' > "$WORK/needed" || true
gcc -std=gnu11 -O2 -fPIC -Wall -Wextra -Wno-misleading-indentation -c "$WORK/stubs.c" -o "$WORK/stubs.o"
nm --defined-only -g "$WORK/stubs.o" | awk 'NF==3{print $3}' | sort -u > "$WORK/stubbed"
missing=$(comm -23 "$WORK/needed" "$WORK/stubbed")
[[ -z $missing ]] || die "libcurl.a needs symbols that have no stub (new Debian curl build?); review and add stubs for: $(echo $missing)"
shadow=$(comm -12 "$WORK/stubbed" "$WORK/kept")
[[ -z $shadow ]] || die "stubs would shadow real symbols of libssl/libcrypto/libz/libc: $(echo $shadow)"
unused=$(comm -13 "$WORK/needed" "$WORK/stubbed")
[[ -z $unused ]] || say "note: stubs no longer needed by libcurl.a: $(echo $unused)"

# --- the plain library's OpenSSL stubs -------------------------------------------------------
# libmailcheck-curl-plain.so is the same libcurl.a for the checks that speak no TLS (plain SMTP,
# IMAP, POP3): its OpenSSL references are satisfied by stubs, so it loads neither libssl nor
# libcrypto (about 40 % of a plain check's run went into loading and initialising them). The
# stub list is generated from what libcurl.a needs of libssl/libcrypto; every stub returns 0
# (NULL, or OpenSSL's failure value), so the first TLS step fails with a curl error (SSL_CTX_new
# gives NULL: "SSL: couldn't create a context"). The loader never picks this library for a TLS
# check, and refuses TLS on it (mailcheck_curl_without_tls marks it). Written by hand: the
# random source curl may use without TLS (getrandom), and the version curl_version() reports.
ssl_libs=()
for lib in libssl.so libcrypto.so; do ssl_libs+=("$(readlink -f "$(gcc -print-file-name=$lib)")"); done
nm_defined_dyn "${ssl_libs[@]}" | sort -u > "$WORK/ossl"
nm -D --defined-only "${ssl_libs[@]}" 2>/dev/null | awk 'NF==3 && $2 != "T" && $2 != "i" {sub(/@.*/,"",$3); print $3}' | sort -u > "$WORK/ossl_data"
comm -23 "$WORK/undef" "$WORK/def" | comm -12 - "$WORK/ossl" > "$WORK/ossl_needed"
data_refs=$(comm -12 "$WORK/ossl_needed" "$WORK/ossl_data")
[[ -z $data_refs ]] || die "libcurl.a refers to OpenSSL data objects, which a function stub cannot replace: $(echo $data_refs)"
{
  echo '/* OpenSSL stubs for libmailcheck-curl-plain.so, generated by scripts/build-slim-libcurl.sh. */'
  echo '#include <stddef.h>'
  echo '#include <sys/random.h>'
  echo '/* The plain library has no TLS: the loader looks for this symbol before any TLS use. */'
  echo 'const char mailcheck_curl_without_tls[] = "libmailcheck-curl-plain.so: built without TLS";'
  echo 'int RAND_status(void) { return 1; }'
  echo 'int RAND_bytes(unsigned char *b, int n) {'
  echo '  for(int done = 0; done < n; ) { ssize_t r = getrandom(b + done, (size_t)(n - done), 0); if(r <= 0) return 0; done += (int)r; }'
  echo '  return 1; }'
  echo 'const char *OpenSSL_version(int t) { (void)t; return "none"; }'
  grep -vxE 'RAND_status|RAND_bytes|OpenSSL_version' "$WORK/ossl_needed" | sed 's/.*/long &(void) { return 0; }/'
} > "$WORK/ossl-stubs.c"
gcc -std=gnu11 -O2 -fPIC -w -fno-builtin -c "$WORK/ossl-stubs.c" -o "$WORK/ossl-stubs.o"

cat > "$WORK/exports-plain.map" <<'EOF'
{
  global: curl_*; mailcheck_curl_without_tls;
  local: *;
};
EOF

# --- link -----------------------------------------------------------------------------------
# -z defs: any symbol left unresolved is an error, not a run-time surprise. relro/now: the same
# hardening Debian's libcurl.so.4 has.
link_library() { # NAME EXPORTS-MAP STUB-OBJECTS... -- LIBS...
  local name=$1 map=$2; shift 2
  local objs=() libs=()
  while [[ $1 != -- ]]; do objs+=("$1"); shift; done; shift
  libs=("$@")
  gcc -shared -o "$WORK/$name" \
    -Wl,-soname,$name -Wl,--version-script="$map" \
    -Wl,-z,defs -Wl,-z,relro -Wl,-z,now -Wl,-O1 -Wl,--hash-style=gnu -s \
    -Wl,--whole-archive "$CURL_A" -Wl,--no-whole-archive "${objs[@]}" "${libs[@]}"
}
link_library "$LIBNAME" "$WORK/exports.map" "$WORK/stubs.o" -- -lssl -lcrypto -lz
link_library "$PLAIN_LIBNAME" "$WORK/exports-plain.map" "$WORK/stubs.o" "$WORK/ossl-stubs.o" -- -lz

# --- the bundled library ----------------------------------------------------------------------
# libmailcheck-curl-bundled.so is libmailcheck-curl.so with Debian's libssl.a and libcrypto.a
# linked in and hidden: a TLS check then loads one library instead of three, and the ~4,900
# symbol bindings of libssl.so.3 and libcrypto.so.3 (both BIND_NOW) become relative relocations
# the loader applies without a lookup: 2.3 M instructions (10 %) and 44 page faults less per
# STARTTLS run, 0.6-0.8 ms (issue 14). The cost of a copy is that an OpenSSL security update
# does not reach it until the package is rebuilt (Built-Using names the openssl source). So the
# library carries the identity (path, size, modification time) of the libssl.so.3 and
# libcrypto.so.3 files of the libssl3 build it came from (libssl-dev must be that same build),
# and the loader uses it only while the system's files still match: after an apt upgrade of
# libssl3 the checks load libmailcheck-curl.so, the system's OpenSSL, until the rebuild. dpkg
# gives a package's files the modification time they have in the package, so the identity
# holds on every host with the same libssl3 build, and on no other. Besides curl_*, the
# library exports the eleven OpenSSL functions the certificate reader (peercert.c) calls, so
# that it never mixes this OpenSSL's objects with the system's.
ssl_version=$(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || true)
ssl_runtime=$(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || true)
bundled=no
if [[ -n $ssl_version && $ssl_version == "$ssl_runtime" ]]; then
  bundled=yes
  # keep_libs[0] and [1]: the real libssl.so.3 and libcrypto.so.3. Debian's paths hold no blanks.
  identity=$(stat -c '%n %s %Y' "${keep_libs[0]}" "${keep_libs[1]}")
  {
    echo '/* The libssl3 build this library bundles, generated by scripts/build-slim-libcurl.sh:'
    echo ' * "PATH SIZE MTIME" per line, compared by the loader before it uses the library. */'
    printf 'const char mailcheck_openssl_identity[] ='
    while read -r line; do printf ' "%s\\n"' "$line"; done <<<"$identity"
    echo ';'
  } > "$WORK/identity.c"
  gcc -std=gnu11 -O2 -fPIC -Wall -c "$WORK/identity.c" -o "$WORK/identity.o"
  cat > "$WORK/exports-bundled.map" <<'EOF2'
{
  global: curl_*; mailcheck_openssl_identity;
    SSL_get1_peer_certificate; X509_get_subject_name; X509_get_issuer_name; X509_get0_notAfter;
    ASN1_TIME_to_tm; X509_NAME_print_ex; BIO_s_mem; BIO_new; BIO_ctrl; BIO_free; X509_free;
  local: *;
};
EOF2
  link_library "$BUNDLED_LIBNAME" "$WORK/exports-bundled.map" "$WORK/stubs.o" "$WORK/identity.o" -- "$SSL_A" "$CRYPTO_A" -lz
else
  say "note: libssl-dev ${ssl_version:-missing} is not the installed libssl3 ${ssl_runtime:-(missing)}: no $BUNDLED_LIBNAME"
fi

# --- verify -----------------------------------------------------------------------------------
verify_library() { # NAME EXPECTED-NEEDED EXPORT-PATTERN
  local name=$1 want=$2 pattern=$3 got bad
  got=$(readelf -d "$WORK/$name" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  [[ $got == "$want" ]] || die "$name: unexpected NEEDED entries: $got"
  bad=$(nm -D --defined-only "$WORK/$name" | awk -v p="$pattern" 'NF==3 && $3 !~ p {print $3}')
  [[ -z $bad ]] || die "$name exports non-curl symbols: $(echo $bad)"
  ! readelf -d "$WORK/$name" | grep -q TEXTREL || die "$name has text relocations"
}
verify_library "$LIBNAME" "libc.so.6 libcrypto.so.3 libssl.so.3 libz.so.1 " '^curl_'
verify_library "$PLAIN_LIBNAME" "libc.so.6 libz.so.1 " '^(curl_|mailcheck_curl_without_tls$)'
[[ $bundled == no ]] || verify_library "$BUNDLED_LIBNAME" "libc.so.6 libz.so.1 " \
  '^(curl_|mailcheck_openssl_identity$|SSL_get1_peer_certificate$|X509_|ASN1_TIME_to_tm$|BIO_)'
needed_libs="libc.so.6 libcrypto.so.3 libssl.so.3 libz.so.1"

cat > "$WORK/smoke.c" <<'EOF'
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if(!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  CURLcode (*init)(long) = (CURLcode (*)(long))dlsym(h, "curl_global_init");
  curl_version_info_data *(*vi)(CURLversion) = (curl_version_info_data *(*)(CURLversion))dlsym(h, "curl_version_info");
  char *(*ver)(void) = (char *(*)(void))dlsym(h, "curl_version");
  if(!init || !vi || !ver || init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;
  curl_version_info_data *d = vi(CURLVERSION_NOW);
  if(!d || !d->ssl_version || !d->libz_version) return 3;
  /* The plain library must say so; the full one must not. */
  if((dlsym(h, "mailcheck_curl_without_tls") != NULL) != (argc > 2)) return 4;
  printf("%s\n", ver());
  return 0;
}
EOF
gcc -O2 -o "$WORK/smoke" "$WORK/smoke.c" -ldl
version_line=$("$WORK/smoke" "$WORK/$LIBNAME") || die "smoke test of $LIBNAME (dlopen + curl_global_init + curl_version_info) failed"
plain_version_line=$("$WORK/smoke" "$WORK/$PLAIN_LIBNAME" plain) || die "smoke test of $PLAIN_LIBNAME failed"
if [[ $bundled == yes ]]; then
  bundled_version_line=$("$WORK/smoke" "$WORK/$BUNDLED_LIBNAME") || die "smoke test of $BUNDLED_LIBNAME failed"
  [[ $bundled_version_line == "$version_line" ]] || die "$BUNDLED_LIBNAME reports '$bundled_version_line', not '$version_line'"
fi

# --- install into OUTDIR ------------------------------------------------------------------------
{
  echo "library:  $LIBNAME (soname $LIBNAME), and $PLAIN_LIBNAME (no TLS: OpenSSL stubbed)"
  echo "built:    $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/build-slim-libcurl.sh"
  echo "from:     $CURL_A (sha256 $(sha256sum "$CURL_A" | awk '{print $1}'))"
  dpkg-query -W -f='          ${Package} ${Version}\n' libcurl4-openssl-dev libssl-dev zlib1g-dev 2>/dev/null || true
  echo "NEEDED:   $needed_libs; plain: libc.so.6 libz.so.1"
  echo "version:  $version_line"
  echo "plain:    $plain_version_line"
  if [[ $bundled == yes ]]; then
    echo "bundled:  $BUNDLED_LIBNAME, OpenSSL from $SSL_A and $CRYPTO_A (libssl-dev $ssl_version), used only while these are unchanged:"
    sed 's/^/          /' <<<"$identity"
  fi
  echo "stubbed:  $(wc -l < "$WORK/stubbed") symbols (see stubs.c); plain: $(wc -l < "$WORK/ossl_needed") OpenSSL symbols more (ossl-stubs.c)"
} > "$WORK/BUILDINFO"
mv -f "$WORK/stubs.c" "$OUT/stubs.c"
mv -f "$WORK/ossl-stubs.c" "$OUT/ossl-stubs.c"
mv -f "$WORK/BUILDINFO" "$OUT/BUILDINFO"
# atomic renames: a reader never sees half a file
mv -f "$WORK/$PLAIN_LIBNAME" "$OUT/$PLAIN_LIBNAME"
mv -f "$WORK/$LIBNAME" "$OUT/$LIBNAME"
if [[ $bundled == yes ]]; then mv -f "$WORK/$BUNDLED_LIBNAME" "$OUT/$BUNDLED_LIBNAME"; else rm -f "$OUT/$BUNDLED_LIBNAME"; fi
echo "$STAMP" > "$OUT/.stamp"
say "built $version_line"
echo "$OUT/$LIBNAME"
echo "$OUT/$PLAIN_LIBNAME"
[[ $bundled == no ]] || echo "$OUT/$BUNDLED_LIBNAME"
