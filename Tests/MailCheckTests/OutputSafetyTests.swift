import Foundation
import Testing
@testable import CheckKit

/// Whatever came from outside (a server's words, a file name, an option value) reaches the
/// output escaped: no control, bidi or zero-width code point, no second line, no fake perfdata.
@Suite struct OutputSafetyTests {
    /// The greeting of the hardening issue: valid UTF-8 carrying a C1 CSI and a right-to-left override.
    static let hostile: [UInt8] = Array("caf".utf8) + [0xC3, 0xA9, 0x20, 0xC2, 0x9B] + Array("31mRED ".utf8)
        + [0xE2, 0x80, 0xAE] + Array(" evil".utf8)
    static let hostileShown = "café \\x9B31mRED \\u{202E} evil"

    /// Nothing unsafe anywhere in the output (expectWellFormed checks it for every run).
    func expectSafe(_ run: PluginRun, sourceLocation: SourceLocation = #_sourceLocation) {
        expectWellFormed(run, sourceLocation: sourceLocation)
    }

    @Test func pop3GreetingIsEscaped() throws {
        let server = try FakeServer(.send(Array("-ERR ".utf8) + Self.hostile + Array("\r\n".utf8)))
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "--password-env", "PW", "-t", "3"],
                                 environment: ["PW": "secret"])
        expectSafe(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - 127.0.0.1:\(server.port) refused the session: -ERR \(Self.hostileShown)", "\(run)")
    }

    @Test func imapGreetingIsEscapedInTheLineAndTheTrace() throws {
        let server = try FakeServer(.send(Array("* BYE ".utf8) + Self.hostile + [0x1B, 0xFF, 0x7C] + Array(" x=1\r\n".utf8)))
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "--password-env", "PW", "-t", "3", "-vvv"],
                                 environment: ["PW": "secret"])
        expectSafe(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.perfdata.isEmpty || !run.perfdata.contains("x=1"), "server text became perfdata: \(run)")
        #expect(run.stdout.contains("\\u{202E}") && run.stdout.contains("\\x1B\\xFF"), "\(run)")
    }

    /// A long, hostile SMTP banner: the first line stays bounded, the bytes show escaped.
    @Test func smtpBannerIsEscapedAndBounded() throws {
        let banner = Array("554 ".utf8) + Self.hostile + [0x1B, 0x5B, 0x32, 0x4A, 0xFE] + Array(repeating: UInt8(ascii: "z"), count: 3000) + Array("\r\n".utf8)
        let server = try FakeServer(.send(banner))
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3", "-v"])
        expectSafe(run)
        #expect(run.code == 2, "\(run)")
        let first = run.stdout.split(separator: "\n").first ?? ""
        #expect(first.count <= 420, "first line of \(first.count) characters")
        #expect(first.contains("\\x1B[2J\\xFE"), "\(run)")
    }

    @Test func optionValuesWithLineBreaksStayOnOneLine() throws {
        let run = try Plugin.run("check_delivery_latency", ["-H", "127.0.0.1", "-U", "bob", "--password-env", "PW", "--to", "bob@example.test",
                                                            "--check-name", "x\r\nBcc: evil@example.net"], environment: ["PW": "x"])
        expectSafe(run)
        #expect(run.code == 3)
        #expect(run.status == "DELIVERY_LATENCY UNKNOWN - invalid value 'x\\x0D\\x0ABcc: evil@example.net' for --check-name: 1-40 letters, digits, '.', '_' or '-'", "\(run)")
        let smtp = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-w", "1\u{202E}0"])
        expectSafe(smtp)
        #expect(smtp.code == 3)
        #expect(smtp.status.hasPrefix("SMTP_SESSION UNKNOWN - invalid range '1\\u{202E}0' for -w/--warning"), "\(smtp)")
    }

    @Test func fileNamesAreEscaped() throws {
        let run = try Plugin.run("check_disk_growth", ["-p", "/nonexistent/\u{1B}[31mred\u{200B}", "--state-dir", NSTemporaryDirectory() + "safety-\(UUID().uuidString)"])
        expectSafe(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.stdout.contains("/nonexistent/\\x1B[31mred\\u{200B}"), "\(run)")
    }

    @Test func jsonOutputIsEscapedToo() throws {
        let server = try FakeServer(.send(Array("-ERR ".utf8) + Self.hostile + Array("\r\n".utf8)))
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "--password-env", "PW", "-t", "3",
                                                      "--output-format", "json"], environment: ["PW": "secret"])
        expectSafe(run)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? String)
        #expect(!summary.unicodeScalars.contains(where: SafeText.isUnsafe), "\(summary)")
        #expect(summary.hasSuffix("-ERR \(Self.hostileShown)"), "\(summary)")
    }
}
