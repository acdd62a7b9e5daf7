// Resolves libcurl's entry points with dlopen so that only network checks load it.
#include "CLibcurl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

mc_curl_api mc_curl;
static int loaded = 0;
static int wants_tls = 1;
static int has_tls = 1;
static char loaded_from[512] = "";
static char note[512] = "";
static void *library = NULL;

const char *mc_curl_path(void) { return loaded_from; }
const char *mc_curl_note(void) { return note; }
void *mc_curl_library(void) { return library; }

void mc_curl_prepare(int needs_tls) {
    if (!loaded) wants_tls = needs_tls != 0;
}

int mc_curl_has_tls(void) { return loaded && has_tls; }

/// Opens a library beside the real executable, or returns NULL when it is not there.
static void *open_beside_self(const char *name, int flags) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 64);
    if (n <= 0) return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL) return NULL;
    snprintf(slash + 1, sizeof self - (size_t)(slash + 1 - self), "%s", name);
    if (access(self, R_OK) != 0) return NULL;
    void *lib = dlopen(self, flags);
    if (lib != NULL) snprintf(loaded_from, sizeof loaded_from, "%s", self);
    return lib;
}

/// True when every `PATH SIZE MTIME` line of `identity` (libmailcheck-curl-bundled.so's record
/// of the libssl3 build it bundles) names a file of that size and modification time; else
/// false, with the first difference in `note`.
static int same_files(const char *identity) {
    char line[600];
    int checked = 0;
    for (const char *p = identity; *p != '\0'; checked++) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n >= sizeof line) return 0;
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (end ? 1 : 0);
        char *mtime = strrchr(line, ' ');
        if (mtime == NULL || mtime == line) return 0;
        *mtime++ = '\0';
        char *size = strrchr(line, ' ');
        if (size == NULL || size == line) return 0;
        *size++ = '\0';
        struct stat st;
        if (stat(line, &st) != 0 || (long long)st.st_size != strtoll(size, NULL, 10) ||
            (long long)st.st_mtime != strtoll(mtime, NULL, 10)) {
            snprintf(note, sizeof note, "bundled OpenSSL not used: %s is not the build it bundles (updated since?)", line);
            return 0;
        }
    }
    // An empty record proves nothing: never a reason to use the copy.
    return checked > 0;
}

/// libmailcheck-curl-bundled.so (libcurl and OpenSSL in one library: a TLS check's start-up
/// without loading and binding libssl and libcrypto), only while the system's libssl3 is the
/// build it bundles: once an update replaced those files, the system's OpenSSL is the one to
/// use (scripts/build-slim-libcurl.sh, "the bundled library"). NULL when missing or stale.
static void *open_bundled(int flags) {
    void *lib = open_beside_self("libmailcheck-curl-bundled.so", flags);
    if (lib == NULL) return NULL;
    const char *identity = dlsym(lib, "mailcheck_openssl_identity");
    if (identity != NULL && same_files(identity)) return lib;
    if (note[0] == '\0') snprintf(note, sizeof note, "bundled OpenSSL not used: libmailcheck-curl-bundled.so has no usable identity");
    // Nothing of it ran yet (curl_global_init comes later): closing it leaves no trace.
    dlclose(lib);
    loaded_from[0] = '\0';
    return NULL;
}

/// The slim libcurl (scripts/build-slim-libcurl.sh), when installed beside the real executable
/// (`make install SLIM_LIBCURL=yes`): it loads only libssl, libcrypto and libz instead of
/// Debian libcurl's thirty-odd libraries, which halves a network check's start-up. A check
/// that said it needs no TLS (mc_curl_prepare(0)) gets libmailcheck-curl-plain.so, which loads
/// neither libssl nor libcrypto; any other, or a plain one when that is missing, gets
/// libmailcheck-curl-bundled.so when it matches the system's OpenSSL, else the full one.
///
/// RTLD_DEEPBIND: the library's own references (curl's into libssl, libssl's into libcrypto)
/// are looked up in its own dependencies first instead of first among the executable's ~2,200
/// exported symbols: 1.2M fewer instructions (4 %) for a STARTTLS check, measured with callgrind.
static void *open_slim(void) {
    const char *override = getenv("MAILCHECK_LIBCURL");
    if (override != NULL && override[0] != '\0') {
        snprintf(loaded_from, sizeof loaded_from, "%s", override);
        return dlopen(override, RTLD_LAZY | RTLD_LOCAL);
    }
    void *lib = NULL;
    if (!wants_tls) lib = open_beside_self("libmailcheck-curl-plain.so", RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND);
    if (lib == NULL) lib = open_bundled(RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND);
    if (lib == NULL) lib = open_beside_self("libmailcheck-curl.so", RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND);
    return lib;
}

static int resolve(void *lib, const char *name, void **slot, char *error, size_t error_length) {
    *slot = dlsym(lib, name);
    if (*slot == NULL) {
        snprintf(error, error_length, "libcurl lacks %s", name);
        return -1;
    }
    return 0;
}

int mc_curl_load(char *error, size_t error_length) {
    if (loaded) return 0;
    // Debian's libcurl4 (OpenSSL flavour) provides this soname; fall back to the unversioned
    // name for hosts with a hand-built libcurl.
    void *lib = open_slim();
    if (lib == NULL && getenv("MAILCHECK_LIBCURL") != NULL && getenv("MAILCHECK_LIBCURL")[0] != '\0') {
        const char *why = dlerror();
        snprintf(error, error_length, "cannot load %s (MAILCHECK_LIBCURL): %s", loaded_from, why ? why : "not found");
        return -1;
    }
    if (lib == NULL) {
        lib = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_LOCAL);
        snprintf(loaded_from, sizeof loaded_from, "libcurl.so.4");
    }
    if (lib == NULL) lib = dlopen("libcurl.so", RTLD_LAZY | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(error, error_length, "cannot load libcurl (install libcurl4): %s", why ? why : "not found");
        return -1;
    }
    mc_curl_api api;
    if (resolve(lib, "curl_global_init", (void **)&api.global_init, error, error_length) ||
        resolve(lib, "curl_easy_init", (void **)&api.easy_init, error, error_length) ||
        resolve(lib, "curl_easy_cleanup", (void **)&api.easy_cleanup, error, error_length) ||
        resolve(lib, "curl_easy_setopt", (void **)&api.easy_setopt, error, error_length) ||
        resolve(lib, "curl_easy_getinfo", (void **)&api.easy_getinfo, error, error_length) ||
        resolve(lib, "curl_easy_perform", (void **)&api.easy_perform, error, error_length) ||
        resolve(lib, "curl_easy_send", (void **)&api.easy_send, error, error_length) ||
        resolve(lib, "curl_easy_recv", (void **)&api.easy_recv, error, error_length) ||
        resolve(lib, "curl_easy_strerror", (void **)&api.easy_strerror, error, error_length) ||
        resolve(lib, "curl_slist_append", (void **)&api.slist_append, error, error_length) ||
        resolve(lib, "curl_slist_free_all", (void **)&api.slist_free_all, error, error_length) ||
        resolve(lib, "curl_version_info", (void **)&api.version_info, error, error_length)) {
        return -1;
    }
    // CURL_GLOBAL_DEFAULT initialises TLS too; done once per process, before any handle exists.
    CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        snprintf(error, error_length, "curl_global_init failed (code %d)", (int)rc);
        return -1;
    }
    // The plain library marks itself: TLS asked of it must fail with a clear reason, never run.
    has_tls = dlsym(lib, "mailcheck_curl_without_tls") == NULL;
    library = lib;
    mc_curl = api;
    loaded = 1;
    return 0;
}
