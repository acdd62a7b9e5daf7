import CLibcurl
import CheckKit
import Testing
@testable import MailTransport

/// How curl's debug-callback bytes become transcript lines: split at CR and LF with empty
/// lines dropped, the first 4096 bytes of a call and 512 of a line, escaped by SafeText and cut
/// to 512 Characters once escaped, sent lines redacted (issue 14 rewrote the scan for speed).
@Suite struct TranscriptRecordTests {
    static func lines(_ bytes: [UInt8], _ type: curl_infotype = CURLINFO_HEADER_IN) -> [String] {
        let transcript = Transcript(redact: { $0.replacing("secret", with: "***") })
        bytes.withUnsafeBytes { transcript.record(type, $0) }
        return transcript.events.map(\.line)
    }

    @Test(arguments: [
        ("250-mail.example\r\n250 OK\r\n", ["250-mail.example", "250 OK"]),
        ("\r\n\r\n\n", []),
        ("", []),
        ("no newline", ["no newline"]),
        ("a\rb\nc", ["a", "b", "c"]),
        ("\n\nx\r\n", ["x"]),
    ])
    func splitsAtCRAndLF(text: String, expected: [String]) {
        #expect(Self.lines(Array(text.utf8)) == expected)
    }

    @Test func cutsLongLinesAndLongCalls() {
        #expect(Self.lines(Array(repeating: UInt8(ascii: "a"), count: 600)) == [String(repeating: "a", count: 512)])
        let many = Self.lines(Array(repeating: Array("a\n".utf8), count: 2500).flatMap { $0 })
        #expect(many.count == 2048)
    }

    @Test func escapesWhatCameFromOutsideAndCutsAfterEscaping() {
        let bidi: [UInt8] = Array("x\u{202E}y\n".utf8)
        #expect(Self.lines(bidi) == [SafeText.decode(Array("x\u{202E}y".utf8))])
        let controls = Self.lines(Array(repeating: UInt8(1), count: 400))
        #expect(controls.count == 1)
        #expect(controls.first?.count == 512)
        #expect(controls.first?.hasPrefix(SafeText.decode([UInt8(1)])) == true)
    }

    @Test func redactsSentLinesOnly() {
        #expect(Self.lines(Array("AUTH secret\r\n".utf8), CURLINFO_HEADER_OUT) == ["AUTH ***"])
        #expect(Self.lines(Array("535 secret\r\n".utf8), CURLINFO_HEADER_IN) == ["535 secret"])
        #expect(Self.lines(Array("ignored\r\n".utf8), CURLINFO_DATA_IN).isEmpty)
    }
}
