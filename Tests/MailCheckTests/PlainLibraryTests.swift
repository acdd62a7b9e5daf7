import CheckKit
import MailChecks
import Testing

/// Which libcurl a mail check asks for (issue 14): plain-text SMTP, IMAP and POP3 load
/// libmailcheck-curl-plain.so (no libssl, no libcrypto); TLS on the connection, or a token
/// endpoint over HTTPS, needs the library with TLS. Wrong the first way, a TLS check would be
/// UNKNOWN; wrong the other way, a plain check pays for OpenSSL for nothing.
struct PlainLibraryTests {
    static func parse<C: MonitoringCheck>(_ type: C.Type, _ arguments: [String]) throws -> C {
        let options = try OptionParser.parse(arguments, specs: PluginRunner.commonOptions + C.options)
        return try C(options: options, context: RunContext(verbosity: 0, deadline: Deadline(seconds: 10, expiryStatus: .critical)))
    }

    static let password = ["--password-file", "/nonexistent/alice.pass"]
    static let tokenURL = ["--auth-mechanism", "XOAUTH2", "--oauth2-client-id", "c", "--oauth2-client-secret-file", "/nonexistent/s"]

    /// (extra arguments, needs TLS) for every check: the connection's TLS modes and the token sources.
    static let cases: [([String], Bool)] = [
        (password, false),
        (password + ["--starttls"], true),
        (password + ["--tls"], true),
        (["--auth-mechanism", "XOAUTH2", "--oauth2-token-file", "/nonexistent/token"], false),
        (tokenURL + ["--oauth2-token-url", "http://127.0.0.1:1/token"], false),
        (tokenURL + ["--oauth2-token-url", "https://login.example/token"], true),
        (tokenURL + ["--oauth2-token-url", "https://login.example/token", "--starttls"], true),
    ]

    @Test(arguments: cases) func smtp(_ extra: [String], _ needsTLS: Bool) throws {
        let check = try Self.parse(SMTPCheck.self, ["-H", "mail.example", "-U", "alice"] + extra)
        #expect(check.needsTLS == needsTLS, "\(extra)")
    }

    @Test(arguments: cases) func imap(_ extra: [String], _ needsTLS: Bool) throws {
        let check = try Self.parse(IMAPLoginCheck.self, ["-H", "mail.example", "-U", "alice"] + extra)
        #expect(check.needsTLS == needsTLS, "\(extra)")
    }

    @Test(arguments: cases) func pop3(_ extra: [String], _ needsTLS: Bool) throws {
        let mechanism = extra.contains("--auth-mechanism") ? [] : ["--auth-mechanism", "USER"]
        let check = try Self.parse(POP3LoginCheck.self, ["-H", "mail.example", "-U", "alice"] + mechanism + extra)
        #expect(check.needsTLS == needsTLS, "\(extra)")
    }

    @Test func withoutLoginSMTPIsPlain() throws {
        #expect(try Self.parse(SMTPCheck.self, ["-H", "mail.example"]).needsTLS == false)
        #expect(try Self.parse(SMTPCheck.self, ["-H", "mail.example", "--tls"]).needsTLS == true)
    }
}
