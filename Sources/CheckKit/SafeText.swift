/// Text that came from outside the suite (a server's words, a file, an option value), made safe
/// to print: no code point that a terminal or a web front end would act on gets through.
///
/// Escaped: C0 controls and DEL, C1 controls (U+0080-U+009F: U+009B is CSI on 8-bit terminals),
/// bidi controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069: they reorder what a web page
/// shows), zero-width and BOM (U+200B-U+200D, U+2060, U+FEFF), line and paragraph separators,
/// and, when decoding bytes, every byte that is not valid UTF-8. A byte or scalar up to 0xFF
/// becomes `\xNN`, anything above `\u{NNNN}`, so the reader sees what was sent.
public enum SafeText {
    /// The most characters of someone else's text quoted in a one-line message.
    public static let quoteLimit = 200

    /// True for a scalar that must never reach a terminal or a web page as it is.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true
        case 0xFFF9...0xFFFB: return true  // interlinear annotation controls
        default: return false
        }
    }

    /// `text` with every unsafe scalar escaped; safe text comes back unchanged.
    public static func escape(_ text: String) -> String {
        // Fast path: plugin output is nearly always plain ASCII.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) { append(escaped: scalar.value, to: &out) } else { out.append(scalar) }
        }
        return String(out)
    }

    /// Decodes bytes as UTF-8: invalid bytes become `\xNN` (never U+FFFD, which would hide what
    /// the server sent) and unsafe scalars are escaped.
    /// `decode` for a contiguous buffer, as the transcript has them: a printable ASCII line (the
    /// usual one) costs one scan, without the generic path's run-time type lookups, which were
    /// a third of a plain SMTP check's instructions (issue 14).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        var printable = true
        for byte in bytes where byte < 0x20 || byte >= 0x7F {
            printable = false
            break
        }
        return printable ? String(decoding: bytes, as: UTF8.self) : decode(Array(bytes))
    }

    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        var out = String.UnicodeScalarView()
        // The decoder reports an error without saying which bytes it consumed, so feed it one
        // sequence at a time (with a fresh decoder: it buffers look-ahead) and fall back to
        // escaping that sequence's first byte.
        var pending: [UInt8] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let lead = bytes[index]
            let length = sequenceLength(lead)
            pending.removeAll(keepingCapacity: true)
            var cursor = index
            while pending.count < length && cursor != bytes.endIndex {
                pending.append(bytes[cursor])
                cursor = bytes.index(after: cursor)
            }
            var sub = pending.makeIterator()
            var decoder = UTF8()
            if length > 0, pending.count == length, case .scalarValue(let scalar) = decoder.decode(&sub) {
                if isUnsafe(scalar) { append(escaped: scalar.value, to: &out) } else { out.append(scalar) }
                index = cursor
            } else {
                append(escaped: UInt32(lead), to: &out)
                index = bytes.index(after: index)
            }
        }
        return String(out)
    }

    /// `escape(text)` cut to at most `limit` characters, marked with `...` when cut.
    public static func quote(_ text: String, limit: Int = quoteLimit) -> String {
        bounded(escape(text), limit: limit)
    }

    /// At most `limit` characters of `text` (already safe), marked with `...` when cut.
    public static func bounded(_ text: String, limit: Int) -> String {
        guard limit > 3, text.unicodeScalars.count > limit else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit - 3))) + "..."
    }

    /// How many bytes the UTF-8 sequence led by `lead` has; 0 for a byte that cannot lead one.
    static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    static func append(escaped value: UInt32, to out: inout String.UnicodeScalarView) {
        let hex = String(value, radix: 16, uppercase: true)
        let text = value <= 0xFF
            ? "\\x" + (hex.count < 2 ? "0" : "") + hex
            : "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
        out.append(contentsOf: text.unicodeScalars)
    }
}
