import Foundation
import Testing

/// The `-vvv` protocol trace of the IMAP checks against the real Dovecot of the test stack:
/// one LOGOUT and nothing after the server's BYE, and the peer named by its address (libcurl
/// 7.88 prints `Connected to (nil)` when --sni makes it connect through CURLOPT_CONNECT_TO).
@Suite struct IMAPTraceTests {
    let alice = IMAPMailbox.User.alice
    let tls = ["--cacert", MailStack.caCert]

    /// The commands a trace shows as sent (`> [0.0001] A005 LOGOUT` gives `A005 LOGOUT`).
    static func sent(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap { line -> String? in
            var text = Substring(line)
            if text.hasPrefix("imap ") { text = text.dropFirst(5) }
            guard text.hasPrefix("> ["), let close = text.firstIndex(of: "]") else { return nil }
            return String(text[text.index(after: close)...].drop(while: { $0 == " " }))
        }
    }

    /// True when the trace has a line sent after the server's BYE.
    static func sentAfterBye(_ stdout: String) -> Bool {
        let lines = stdout.split(separator: "\n")
        guard let bye = lines.firstIndex(where: { $0.contains("< [") && $0.contains("] * BYE") }) else { return false }
        return lines[bye...].contains { $0.hasPrefix("> [") || $0.hasPrefix("imap > [") }
    }

    @Test(arguments: [(["--tls"], "PLAIN"), (["--tls"], "LOGIN"), (["--starttls"], "PLAIN"), ([], "LOGIN")])
    func imapLoginTraceLogsOutOnceAndNamesThePeer(mode: [String], mechanism: String) throws {
        let port = mode == ["--tls"] ? MailStack["IMAPS_PORT"] : MailStack["IMAP_PORT"]
        let sni = mode.isEmpty ? [] : tls + ["--sni", MailStack["TLS_SERVER_NAME"]]
        let run = try Plugin.run("check_imap_login", ["-H", MailStack.host, "-p", port, "-U", alice.name, "--password-file", alice.passwordFile,
                                                      "--auth-mechanism", mechanism, "-vvv"] + mode + sni)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        let logouts = Self.sent(run.stdout).filter { $0.hasSuffix(" LOGOUT") }
        #expect(logouts.count == 1, "\(logouts): \(run)")
        #expect(run.stdout.contains("* BYE"), "\(run)")
        #expect(!Self.sentAfterBye(run.stdout), "a command went out after BYE: \(run)")
        #expect(!run.stdout.contains("(nil)"), "\(run)")
        #expect(run.stdout.contains("] Connected to \(MailStack.host) "), "\(run)")
    }

    @Test func deliveryTraceLogsOutOnceAndNamesThePeer() throws {
        let name = DeliveryLab.checkName("trace")
        defer { DeliveryLab.cleanUp(checkName: name, sender: "probe@\(MailStack["MAIL_DOMAIN"])") }
        let run = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(name).map { $0 == MailStack["IMAP_PORT"] ? MailStack["IMAPS_PORT"] : $0 }
                                 // --no-junk: one IMAP connection, whose trace this test reads (the Junk one logs out on its own).
                                 + ["--imap-tls", "--imap-sni", MailStack["TLS_SERVER_NAME"], "-vvv", "--no-junk"] + tls)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        let logouts = Self.sent(run.stdout).filter { $0.hasSuffix(" LOGOUT") }
        #expect(logouts.count == 1, "\(logouts): \(run)")
        #expect(!Self.sentAfterBye(run.stdout), "a command went out after BYE: \(run)")
        #expect(!run.stdout.contains("(nil)"), "\(run)")
        #expect(run.stdout.contains("imap * [") && run.stdout.contains("] Connected to \(MailStack.host) "), "\(run)")
    }
}
