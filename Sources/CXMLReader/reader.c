// libxml2's streaming reader behind dlopen, with the safety settings the DAV checks rely on.
#include "CXMLReader.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libxml2's stable ABI (libxml2.so.2): the constants and signatures used here, declared by hand
// so that building needs no libxml2 headers and running loads libxml2 only when a DAV check asks.
enum {
    XML_PARSE_NOENT = 1 << 1, XML_PARSE_DTDLOAD = 1 << 2, XML_PARSE_NOERROR = 1 << 5,
    XML_PARSE_NOWARNING = 1 << 6, XML_PARSE_NONET = 1 << 11, XML_PARSE_NOCDATA = 1 << 14,
};
enum {
    XML_READER_TYPE_ELEMENT = 1, XML_READER_TYPE_TEXT = 3, XML_READER_TYPE_CDATA = 4,
    XML_READER_TYPE_ENTITY_REFERENCE = 5, XML_READER_TYPE_DOCUMENT_TYPE = 10,
    XML_READER_TYPE_SIGNIFICANT_WHITESPACE = 14, XML_READER_TYPE_END_ELEMENT = 15,
};
typedef void (*reader_error_fn)(void *arg, const char *msg, int severity, void *locator);
typedef void (*generic_error_fn)(void *ctx, const char *msg, ...);

static struct {
    void (*init_parser)(void);
    void (*set_generic_error)(void *ctx, generic_error_fn handler);
    void (*set_structured_error)(void *ctx, void *handler);
    void *(*reader_for_memory)(const char *buffer, int size, const char *url, const char *encoding, int options);
    int (*read)(void *reader);
    int (*node_type)(void *reader);
    int (*depth)(void *reader);
    int (*is_empty)(void *reader);
    const unsigned char *(*namespace_uri)(void *reader);
    const unsigned char *(*local_name)(void *reader);
    const unsigned char *(*value)(void *reader);
    void (*set_error_handler)(void *reader, reader_error_fn handler, void *arg);
    void (*free_reader)(void *reader);
} xml;
static int loaded = 0;

// libxml2 prints to stderr unless told otherwise; a plugin must print nothing there.
static void silent(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

int mc_xml_load(char *error, size_t error_length) {
    if (loaded) return 0;
    void *lib = dlopen("libxml2.so.2", RTLD_LAZY | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(error, error_length, "cannot load libxml2 (install libxml2): %s", why ? why : "not found");
        return -1;
    }
#define RESOLVE(field, name) \
    if ((*(void **)&xml.field = dlsym(lib, name)) == NULL) { \
        snprintf(error, error_length, "libxml2 lacks %s", name); return -1; }
    RESOLVE(init_parser, "xmlInitParser")
    RESOLVE(set_generic_error, "xmlSetGenericErrorFunc")
    RESOLVE(set_structured_error, "xmlSetStructuredErrorFunc")
    RESOLVE(reader_for_memory, "xmlReaderForMemory")
    RESOLVE(read, "xmlTextReaderRead")
    RESOLVE(node_type, "xmlTextReaderNodeType")
    RESOLVE(depth, "xmlTextReaderDepth")
    RESOLVE(is_empty, "xmlTextReaderIsEmptyElement")
    RESOLVE(namespace_uri, "xmlTextReaderConstNamespaceUri")
    RESOLVE(local_name, "xmlTextReaderConstLocalName")
    RESOLVE(value, "xmlTextReaderConstValue")
    RESOLVE(set_error_handler, "xmlTextReaderSetErrorHandler")
    RESOLVE(free_reader, "xmlFreeTextReader")
#undef RESOLVE
    xml.init_parser();
    xml.set_generic_error(NULL, silent);
    xml.set_structured_error(NULL, NULL);
    loaded = 1;
    return 0;
}

/// Per-document state: the limits and the first message libxml2 reported.
typedef struct {
    void *reader;
    int max_depth;
    char message[256];
} mc_reader;

static void keep_first(void *arg, const char *msg, int severity, void *locator) {
    (void)severity; (void)locator;
    mc_reader *r = arg;
    if (r->message[0] != '\0' || msg == NULL) return;
    snprintf(r->message, sizeof r->message, "%s", msg);
    // libxml2's messages end in a newline; the caller's line must not.
    size_t n = strlen(r->message);
    while (n > 0 && (r->message[n - 1] == '\n' || r->message[n - 1] == ' ')) r->message[--n] = '\0';
}


void *mc_xml_open(const char *bytes, size_t length, size_t max_bytes, int max_depth, char *error, size_t error_length) {
    if (!loaded) { snprintf(error, error_length, "libxml2 is not loaded"); return NULL; }
    if (length > max_bytes || length > 0x7fffffff) {
        snprintf(error, error_length, "XML body of %zu bytes exceeds the %zu-byte limit", length, max_bytes);
        return NULL;
    }
    mc_reader *r = calloc(1, sizeof *r);
    if (r == NULL) { snprintf(error, error_length, "out of memory"); return NULL; }
    r->max_depth = max_depth;
    // No NOENT (entities stay references), no DTDLOAD (no external subset), NONET (no fetches).
    int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    r->reader = xml.reader_for_memory(length ? bytes : "", (int)length, "dav-response.xml", NULL, options);
    if (r->reader == NULL) {
        free(r);
        snprintf(error, error_length, "libxml2 could not start a reader");
        return NULL;
    }
    xml.set_error_handler(r->reader, keep_first, r);
    return r;
}

static int fail(mc_reader *r, char *error, size_t error_length, const char *fallback) {
    snprintf(error, error_length, "%s", r->message[0] ? r->message : fallback);
    return -1;
}

int mc_xml_next(void *handle, mc_xml_node *node, char *error, size_t error_length) {
    mc_reader *r = handle;
    for (;;) {
        int status = xml.read(r->reader);
        if (status == 0) return r->message[0] ? fail(r, error, error_length, "") : 0;
        if (status < 0) return fail(r, error, error_length, "XML is not well-formed");
        int type = xml.node_type(r->reader);
        int depth = xml.depth(r->reader);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            snprintf(error, error_length, "XML with a document type declaration (DTD) refused");
            return -1;
        }
        if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
            snprintf(error, error_length, "XML with an entity reference refused");
            return -1;
        }
        if (depth > r->max_depth) {
            snprintf(error, error_length, "XML nested deeper than %d levels refused", r->max_depth);
            return -1;
        }
        const unsigned char *ns, *name, *value;
        switch (type) {
        case XML_READER_TYPE_ELEMENT:
        case XML_READER_TYPE_END_ELEMENT:
            ns = xml.namespace_uri(r->reader);
            name = xml.local_name(r->reader);
            node->kind = type == XML_READER_TYPE_ELEMENT ? MC_XML_ELEMENT : MC_XML_END_ELEMENT;
            node->depth = depth;
            node->is_empty = type == XML_READER_TYPE_ELEMENT && xml.is_empty(r->reader) == 1;
            node->namespace_uri = ns ? (const char *)ns : "";
            node->local_name = name ? (const char *)name : "";
            node->value = "";
            return 1;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
            value = xml.value(r->reader);
            node->kind = MC_XML_TEXT;
            node->depth = depth;
            node->is_empty = 0;
            node->namespace_uri = "";
            node->local_name = "";
            node->value = value ? (const char *)value : "";
            return 1;
        default:
            continue; // comments, processing instructions, the XML declaration
        }
    }
}

void mc_xml_close(void *handle) {
    mc_reader *r = handle;
    if (r == NULL) return;
    xml.free_reader(r->reader);
    free(r);
}
