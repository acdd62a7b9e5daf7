import Testing
@testable import CheckKit

/// SafeText: what a server, a file or an option value says reaches no terminal or web page
/// with a code point that acts instead of showing.
@Suite struct SafeTextTests {
    @Test(arguments: [
        ("plain text stays", "250 mx.example.net ESMTP", "250 mx.example.net ESMTP"),
        ("letters beyond ASCII stay", "café Grüße 日本 🙂", "café Grüße 日本 🙂"),
        ("C0 controls", "a\u{1B}[31mb\u{7}", "a\\x1B[31mb\\x07"),
        ("DEL", "a\u{7F}b", "a\\x7Fb"),
        ("NUL and tab", "a\u{0}b\tc", "a\\x00b\\x09c"),
        ("C1 CSI", "\u{9B}31mRED", "\\x9B31mRED"),
        ("C1 range ends", "\u{80}\u{9F}\u{A0}", "\\x80\\x9F\u{A0}"),
        ("right-to-left override", "evil\u{202E}txt.exe", "evil\\u{202E}txt.exe"),
        ("bidi marks and isolates", "\u{200E}\u{200F}\u{202A}\u{2066}\u{2069}\u{061C}", "\\u{200E}\\u{200F}\\u{202A}\\u{2066}\\u{2069}\\u{061C}"),
        ("zero-width and BOM", "a\u{200B}b\u{200D}c\u{2060}d\u{FEFF}", "a\\u{200B}b\\u{200D}c\\u{2060}d\\u{FEFF}"),
        ("line and paragraph separators", "a\u{2028}b\u{2029}", "a\\u{2028}b\\u{2029}"),
    ])
    func escape(_ what: String, _ input: String, _ expected: String) {
        #expect(SafeText.escape(input) == expected, "\(what)")
    }

    /// The bytes of the POP3 greeting a hostile server sent in the hardening issue.
    @Test func decodeShowsInvalidBytesAndEscapesControls() {
        let bytes: [UInt8] = Array("-ERR caf".utf8) + [0xC3, 0xA9, 0x20, 0xC2, 0x9B] + Array("31mRED ".utf8)
            + [0xE2, 0x80, 0xAE] + Array(" evil".utf8)
        #expect(SafeText.decode(bytes) == "-ERR café \\x9B31mRED \\u{202E} evil")
        #expect(SafeText.decode([0x41, 0xFF, 0xC3, 0x42, 0xE2, 0x80]) == "A\\xFF\\xC3B\\xE2\\x80")
        // Overlong encodings and UTF-16 surrogates are not UTF-8.
        #expect(SafeText.decode([0xC0, 0xAF, 0xED, 0xA0, 0x80]) == "\\xC0\\xAF\\xED\\xA0\\x80")
        #expect(SafeText.decode(Array("ok".utf8)) == "ok")
        #expect(SafeText.decode([UInt8]()) == "")
    }

    @Test func quoteBoundsLongText() {
        let long = String(repeating: "x", count: 5000)
        #expect(SafeText.quote(long).count == SafeText.quoteLimit)
        #expect(SafeText.quote(long).hasSuffix("..."))
        #expect(SafeText.quote("short") == "short")
    }

    /// Random bytes of every value and random scalars of every class: nothing unsafe survives,
    /// safe text is untouched, and escaping twice changes nothing more.
    @Test func randomInputNeverLeaksAnUnsafeCodePoint() {
        var rng = SplitMix(seed: 0x5AFE)
        let classes: [ClosedRange<UInt32>] = [0x00...0x1F, 0x20...0x7E, 0x7F...0x9F, 0xA0...0x2FF, 0x200B...0x200F,
                                              0x2028...0x202E, 0x2060...0x2069, 0xFEFF...0xFEFF, 0x1F600...0x1F64F, 0x4E00...0x4E50]
        for _ in 0..<3000 {
            let bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let decoded = SafeText.decode(bytes)
            #expect(!decoded.unicodeScalars.contains(where: SafeText.isUnsafe), "\(bytes)")
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 32) {
                let range = classes[Int(rng.next() % UInt64(classes.count))]
                let value = range.lowerBound + UInt32(rng.next() % UInt64(range.count))
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            let text = String(scalars)
            let escaped = SafeText.escape(text)
            #expect(!escaped.unicodeScalars.contains(where: SafeText.isUnsafe), "\(Array(text.unicodeScalars))")
            #expect(SafeText.escape(escaped) == escaped)
            #expect(SafeText.decode(Array(text.utf8)) == escaped)
            if !text.unicodeScalars.contains(where: SafeText.isUnsafe) { #expect(escaped == text) }
        }
    }

    /// The rendered report is escaped whatever the source: first line, long output and JSON.
    @Test func reportsNeverCarryUnsafeCodePoints() {
        let hostile = "-ERR caf\u{E9} \u{9B}31mRED \u{202E} evil | x=1\r\nsecond"
        let report = CheckReport(name: "POP3_LOGIN", results: [CheckResult(.critical, "login refused: \(hostile)")],
                                 details: ["server said: \(hostile)"])
        let text = report.renderNagios(verbosity: 1)
        #expect(text.hasPrefix("POP3_LOGIN CRITICAL - login refused: -ERR caf\u{E9} \\x9B31mRED \\u{202E} evil / x=1  second\n"))
        #expect(!text.unicodeScalars.contains { SafeText.isUnsafe($0) && $0 != "\n" })
        #expect(text.split(separator: "\n").count == 2)
        let json = report.renderJSON()
        #expect(json.hasSuffix("}\n") && !json.dropLast().unicodeScalars.contains(where: SafeText.isUnsafe))
        #expect(json.contains("\\\\u{202E}"))
    }

    @Test func longOutputIsBounded() {
        let report = CheckReport(name: "X", results: [CheckResult(.critical, String(repeating: "a", count: 10_000))],
                                 details: Array(repeating: String(repeating: "b", count: 5000), count: 5000))
        let lines = report.renderNagios().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].count <= "X CRITICAL - ".count + CheckReport.summaryLimit)
        #expect(lines.count <= CheckReport.maxLongLines + 3)
        #expect(lines.dropFirst().allSatisfy { $0.count <= CheckReport.detailLimit })
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }
}
