/// A small, safe pull interface over libxml2's streaming reader (xmlTextReader) for Swift.
///
/// libxml2 is not linked: mc_xml_load() opens libxml2.so.2 with dlopen the first time a DAV check
/// parses a body, so no other check loads it. Every document is read with XML_PARSE_NONET and
/// without XML_PARSE_NOENT / XML_PARSE_DTDLOAD / XML_PARSE_HUGE: no network, no external entity or
/// DTD is ever fetched, entities are never substituted, libxml2's own depth and size limits stay on.
/// A document type declaration is refused outright (a DAV answer never has one), nesting deeper than
/// max_depth and bodies larger than max_bytes are refused, and libxml2's messages never reach
/// stderr: the first one is kept for the caller.
#ifndef MAILCHECK_CXMLREADER_H
#define MAILCHECK_CXMLREADER_H

#include <stddef.h>

/// What one step of the reader found.
typedef enum {
    MC_XML_ELEMENT = 1,      ///< a start tag (is_empty set for <x/>)
    MC_XML_TEXT = 3,         ///< character data (CDATA sections included)
    MC_XML_END_ELEMENT = 15, ///< an end tag
} mc_xml_kind;

/// One node; the strings belong to the reader and stay valid until the next mc_xml_next().
typedef struct {
    int kind;                ///< an mc_xml_kind
    int depth;               ///< 0 for the root element
    int is_empty;            ///< 1 for an empty-element tag, which has no END_ELEMENT
    const char *namespace_uri; ///< the element's namespace URI, or "" when it has none
    const char *local_name;  ///< the element's name without prefix ("" for text)
    const char *value;       ///< the text of a TEXT node ("" otherwise)
} mc_xml_node;

/// Opens libxml2 (once). Returns 0, or -1 with the reason in error.
int mc_xml_load(char *error, size_t error_length);

/// Starts reading bytes[0..<length] (the buffer must outlive the reader). NULL with the reason in
/// error when the body is larger than max_bytes or libxml2 cannot start.
void *mc_xml_open(const char *bytes, size_t length, size_t max_bytes, int max_depth, char *error, size_t error_length);

/// Advances to the next element, text or end tag (other node kinds are skipped). Returns 1 with
/// node filled, 0 at a well-formed end of document, -1 with the reason in error.
int mc_xml_next(void *reader, mc_xml_node *node, char *error, size_t error_length);

/// Frees the reader.
void mc_xml_close(void *reader);

#endif
