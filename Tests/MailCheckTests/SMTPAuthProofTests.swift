import Foundation
import Testing

/// check_smtp_session with -U where no login can happen: the test stack's submission port offers AUTH
/// only after STARTTLS (as Exim and OpenSMTPD do) and its MX port never does. libcurl then
/// skips AUTH silently; the check must say so instead of reporting a login that never happened.
/// Fake servers cover what Postfix does not do on request (a refused NOOP, an odd mechanism list).
@Suite struct SMTPAuthProofTests {
    let host = MailStack.host
    let submission = MailStack["SUBMISSION_PORT"]
    let alice = MailStack["ALICE_USER"]

    @Test func authBeforeStartTLSIsCriticalWithTheHint() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", submission, "-U", alice,
                                                "--password-file", MailStack["ALICE_PASS_FILE"], "-vvv"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - AUTH not offered by \(host):\(submission) (before STARTTLS?)", "\(run)")
        let sent = run.stdout.split(separator: "\n").filter { $0.hasPrefix("> [") }
        #expect(sent.contains { $0.contains("] EHLO") }, "no trace: \(run)")
        #expect(!sent.contains { $0.contains("] AUTH") }, "an AUTH went out: \(run)")
    }

    @Test func wrongPasswordWhereNoAuthIsOfferedIsNotOK() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", submission, "-U", alice, "--password-env", "SMTP_TEST_PASSWORD"],
                                 environment: ["SMTP_TEST_PASSWORD": "wrong-password"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - AUTH not offered by \(host):\(submission) (before STARTTLS?)", "\(run)")
        #expect(!run.stdout.contains("wrong-password"))
    }

    @Test func noAuthAfterStartTLSHasNoHint() throws {
        let mx = MailStack["SMTP_PORT"]
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", mx, "--starttls", "--insecure", "-U", alice,
                                                "--password-file", MailStack["ALICE_PASS_FILE"]])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - AUTH not offered by \(host):\(mx)", "\(run)")
    }

    @Test func mechanismNotOfferedNamesTheOfferedOnes() throws {
        let server = try Self.smtp(ehlo: ["AUTH CRAM-MD5 PLAIN", "PIPELINING"])
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3", "-U", "u", "-P", "p",
                                                "--auth-mechanism", "LOGIN"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - AUTH LOGIN not offered by 127.0.0.1:\(server.port) (offers CRAM-MD5 PLAIN); try --auth-mechanism PLAIN", "\(run)")
    }

    @Test func acceptedAuthOnAFakeServerIsOK() throws {
        let server = try Self.smtp(ehlo: ["AUTH LOGIN PLAIN"])
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3", "-U", "u", "-P", "p"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains("AUTH PLAIN as u"), "\(run)")
        #expect(run.metric("time_auth") != nil)
    }

    /// libcurl reads only `AUTH mech...`; a server offering just the pre-RFC `AUTH=` form gets no AUTH at all.
    @Test func oldStyleAuthLineOnlyMeansAuthWasNeverSent() throws {
        let server = try Self.smtp(ehlo: ["AUTH=PLAIN LOGIN"])
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3", "-U", "u", "-P", "p"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - AUTH PLAIN was never sent to 127.0.0.1:\(server.port)", "\(run)")
    }

    @Test func refusedAuthOnAFakeServerIsCritical() throws {
        let server = try Self.smtp(ehlo: ["AUTH PLAIN"], auth: "535 5.7.8 no")
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3", "-U", "u", "-P", "p"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - AUTH PLAIN failed for u: 535 5.7.8 no", "\(run)")
    }

    @Test func refusedNoopIsNamedWithItsReply() throws {
        let server = try Self.smtp(ehlo: ["PIPELINING"], noop: "554 5.0.0 no NOOP for you")
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "SMTP_SESSION CRITICAL - NOOP refused by 127.0.0.1:\(server.port): 554 5.0.0 no NOOP for you", "\(run)")
        #expect(run.seconds < 3.5)
    }

    @Test func quitIsAPhaseAndThePhasesAddUpToTheTotal() throws {
        let server = try Self.smtp(ehlo: ["PIPELINING"], quitDelay: 0.2)
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "3",
                                                "--phase-warning", "quit=0.1", "--phase-critical", "quit=5"])
        expectWellFormed(run)
        #expect(run.code == 1, "\(run)")
        #expect(run.status.hasPrefix("SMTP_SESSION WARNING - quit took "), "\(run)")
        let quit = try #require(run.metric("time_quit"))
        let total = try #require(run.metric("time"))
        #expect(quit >= 0.19 && quit <= total, "\(run)")
        let phases = ["resolve", "connect", "banner", "ehlo", "quit"].compactMap { run.metric("time_\($0)") }.reduce(0, +)
        // Only the NOOP round trip and curl's own bookkeeping lie outside the phases.
        #expect(phases <= total && total - phases < 0.1, "\(run)")
        #expect(run.perfdata.contains("time_quit="))
    }

    /// A fake ESMTP server: EHLO offers `ehlo` keywords, AUTH answers `auth` (after one 334 when the
    /// initial response is missing), NOOP answers `noop`, QUIT answers after `quitDelay` seconds.
    static func smtp(ehlo: [String], auth: String = "235 2.7.0 Authentication successful", noop: String = "250 2.0.0 Ok",
                     quitDelay: Double = 0) throws -> ScriptedServer {
        try ScriptedServer(greeting: "220 fake.test ESMTP") { line in
            let words = line.split(separator: " ")
            switch words.first.map({ $0.uppercased() }) ?? "" {
            case "EHLO": return (["fake.test"] + ehlo).enumerated().map { i, text in (i == ehlo.count ? "250 " : "250-") + text }
            case "HELO": return ["250 fake.test"]
            case "AUTH": return words.count > 2 ? [auth] : ["334 "]
            case "NOOP": return [noop]
            case "QUIT":
                if quitDelay > 0 { Thread.sleep(forTimeInterval: quitDelay) }
                return ["221 2.0.0 Bye"]
            default:
                // The continuation after a 334 (credentials) or anything else.
                return [auth]
            }
        }
    }
}
