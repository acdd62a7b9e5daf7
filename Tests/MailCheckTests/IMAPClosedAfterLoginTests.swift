import Foundation
import Testing

/// An IMAP server that drops the connection right after the login, with either mechanism:
/// the checks end at once, CRITICAL, naming the step (it once cost the whole -t and ended in
/// "response reading failed (errno: 0)" with LOGIN).
@Suite struct IMAPClosedAfterLoginTests {
    /// `atLogin`: closes on the login command without a reply; otherwise answers it OK and
    /// closes when the next command comes.
    static func server(closingAtLogin atLogin: Bool) throws -> ScriptedServer {
        final class LoggedIn: @unchecked Sendable { var value = false }
        let loggedIn = LoggedIn()
        return try ScriptedServer(greeting: "* OK fake IMAP ready") { line in
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard words.count >= 2 else { return [] }
            let tag = words[0], verb = words[1].uppercased()
            if loggedIn.value { return ["<close>"] }
            switch verb {
            case "CAPABILITY": return ["* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN", "\(tag) OK done"]
            case "AUTHENTICATE", "LOGIN":
                if atLogin { return ["<close>"] }
                loggedIn.value = true
                return ["\(tag) OK logged in"]
            default: return ["\(tag) OK done"]
            }
        }
    }

    static let cases: [(mechanism: String, atLogin: Bool)] = [("PLAIN", true), ("PLAIN", false), ("LOGIN", true), ("LOGIN", false)]

    @Test(arguments: cases)
    func imapLoginEndsAtOnceNamingTheStep(mechanism: String, atLogin: Bool) throws {
        let imap = try Self.server(closingAtLogin: atLogin)
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(imap.port)", "-U", "u", "-P", "p",
                                                      "--auth-mechanism", mechanism, "-t", "10"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        let step = mechanism == "PLAIN" ? "AUTHENTICATE PLAIN" : "LOGIN"
        #expect(run.status == "IMAP_LOGIN CRITICAL - 127.0.0.1:\(imap.port) closed the connection after \(step)", "\(run)")
        #expect(run.seconds < 2, "must end well within -t 10: \(run)")
    }

    @Test(arguments: cases)
    func deliveryEndsAtOnceNamingTheStep(mechanism: String, atLogin: Bool) throws {
        let imap = try Self.server(closingAtLogin: atLogin)
        let smtp = try DeliveryLatencyFakeServerTests.smtp()
        let run = try Plugin.run("check_delivery_latency", [
            "-H", "127.0.0.1", "--smtp-port", "\(smtp.port)", "--imap-port", "\(imap.port)", "-U", "u@fake.test", "-P", "p",
            "--imap-auth-mechanism", mechanism, "-t", "10", "--check-name", DeliveryLab.checkName("dropped"), "-v"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        let step = mechanism == "PLAIN" ? "AUTHENTICATE PLAIN" : "LOGIN"
        #expect(run.status == "DELIVERY_LATENCY CRITICAL - IMAP: 127.0.0.1:\(imap.port) closed the connection after \(step)", "\(run)")
        #expect(run.seconds < 2, "must end well within -t 10: \(run)")
        #expect(!run.stdout.contains("smtp"), "no probe may go out when the mailbox cannot be watched: \(run)")
    }
}
