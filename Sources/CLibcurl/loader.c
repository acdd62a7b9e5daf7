// Resolves libcurl's entry points with dlopen so that only network checks load it.
#include "CLibcurl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

mc_curl_api mc_curl;
static int loaded = 0;
static char loaded_from[512] = "";

const char *mc_curl_path(void) { return loaded_from; }

/// The slim libcurl (scripts/build-slim-libcurl.sh), when installed beside the real executable
/// (`make install SLIM_LIBCURL=yes`): it loads only libssl, libcrypto and libz instead of
/// Debian libcurl's thirty-odd libraries, which halves a network check's start-up.
static void *open_slim(void) {
    const char *override = getenv("MAILCHECK_LIBCURL");
    if (override != NULL && override[0] != '\0') {
        snprintf(loaded_from, sizeof loaded_from, "%s", override);
        return dlopen(override, RTLD_LAZY | RTLD_LOCAL);
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
    if (n <= 0) return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL) return NULL;
    strcpy(slash + 1, "libmailcheck-curl.so");
    if (access(self, R_OK) != 0) return NULL;
    void *lib = dlopen(self, RTLD_LAZY | RTLD_LOCAL);
    if (lib != NULL) snprintf(loaded_from, sizeof loaded_from, "%s", self);
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
    mc_curl = api;
    loaded = 1;
    return 0;
}
