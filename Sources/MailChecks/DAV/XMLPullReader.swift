import CXMLReader

/// One namespaced XML name: compared by namespace URI and local name, never by prefix.
public struct XMLName: Hashable, Sendable, CustomStringConvertible {
    /// The namespace URI ("" when the element has none).
    public let namespace: String
    /// The name without its prefix.
    public let local: String

    /// A name in `namespace`.
    public init(_ namespace: String, _ local: String) {
        self.namespace = namespace
        self.local = local
    }

    /// `{namespace}local`, the notation of James Clark, for messages.
    public var description: String { namespace.isEmpty ? local : "{\(namespace)}\(local)" }
}

/// One node seen by `XMLPullReader`.
public enum XMLEvent: Equatable, Sendable {
    /// A start tag; an empty-element tag (`<x/>`) is followed by its `.end` at once.
    case start(XMLName, depth: Int)
    /// Character data.
    case text(String)
    /// An end tag.
    case end(XMLName, depth: Int)
}

/// Why a body was not read as XML.
public struct XMLReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libxml2's first message, or the guard that refused the body.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// Reads an XML document event by event through libxml2's streaming reader (CXMLReader), with no
/// network, no DTD and no entity substitution; bodies over `maxBytes` and nesting deeper than
/// `maxDepth` are refused before they can cost memory or time.
public enum XMLPullReader {
    /// The largest body read by default: a Depth 1 listing of a very large calendar still fits.
    public static let defaultMaxBytes = 16 << 20
    /// The deepest nesting read by default: DAV answers need fewer than ten levels.
    public static let defaultMaxDepth = 48

    /// Calls `visit` for each event of `body`, in document order.
    public static func read(_ body: [UInt8], maxBytes: Int = defaultMaxBytes, maxDepth: Int = defaultMaxDepth,
                            visit: (XMLEvent) throws -> Void) throws {
        var error = [CChar](repeating: 0, count: 320)
        if mc_xml_load(&error, error.count) != 0 { throw XMLReadError(message: message(error)) }
        if body.isEmpty { throw XMLReadError(message: "empty body, not XML") }
        try body.withUnsafeBufferPointer { buffer in
            let start = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            guard let reader = mc_xml_open(start, buffer.count, max(0, maxBytes), Int32(clamping: maxDepth), &error, error.count) else {
                throw XMLReadError(message: message(error))
            }
            defer { mc_xml_close(reader) }
            var node = mc_xml_node()
            var seen = false
            while true {
                let status = mc_xml_next(reader, &node, &error, error.count)
                if status == 0 { break }
                if status < 0 { throw XMLReadError(message: message(error)) }
                seen = true
                let depth = Int(node.depth)
                switch node.kind {
                case Int32(MC_XML_ELEMENT.rawValue):
                    let name = XMLName(String(cString: node.namespace_uri), String(cString: node.local_name))
                    try visit(.start(name, depth: depth))
                    if node.is_empty != 0 { try visit(.end(name, depth: depth)) }
                case Int32(MC_XML_END_ELEMENT.rawValue):
                    try visit(.end(XMLName(String(cString: node.namespace_uri), String(cString: node.local_name)), depth: depth))
                default:
                    try visit(.text(String(cString: node.value)))
                }
            }
            if !seen { throw XMLReadError(message: "no XML element in the body") }
        }
    }

    private static func message(_ buffer: [CChar]) -> String {
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.isEmpty ? "XML could not be read" : text
    }
}
