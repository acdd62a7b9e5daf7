// Resolves libcurl's entry points with dlopen so that only network checks load it.
#include "CLibcurl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

mc_curl_api mc_curl;
static int loaded = 0;

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
    void *lib = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_LOCAL);
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
