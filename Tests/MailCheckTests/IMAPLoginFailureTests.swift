import Foundation
import Testing

/// check_imap_login against servers that fail: closed, silent, garbage, BYE, an endless line,
/// and scripted fakes for replies Dovecot never gives (no QUOTA, no STARTTLS, junk numbers).
/// Every run must still end 0-3 with one clear line and nothing on stderr.
@Suite struct IMAPLoginFailureTests {
    @Test func serverWithoutQuotaCapability() throws {
        let server = try ScriptedServer.imap(replies: ["EXAMINE": ["3 EXISTS"], "STATUS": ["STATUS INBOX (MESSAGES 3 UNSEEN 1)"]])
        let base = ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"]
        let asked = try Plugin.run("check_imap_login", base + ["--quota-critical", "90"])
        expectWellFormed(asked)
        #expect(asked.code == 3, "\(asked)")
        #expect(asked.status.hasPrefix("IMAP_LOGIN UNKNOWN - server has no QUOTA"), "\(asked)")
        let plain = try Plugin.run("check_imap_login", base)
        #expect(plain.code == 0, "\(plain)")
        #expect(plain.metric("messages_INBOX") == 3)
    }

    @Test func repliesThatDoNotParseNeverTrap() throws {
        let server = try ScriptedServer.imap(capabilities: "IMAP4rev1 SASL-IR AUTH=PLAIN QUOTA", replies: [
            "EXAMINE": ["99999999999999999999999999999 EXISTS", "OK [UIDNEXT -1] x", "OK [UIDVALIDITY", "FLAGS (((("],
            "STATUS": ["STATUS INBOX (MESSAGES x UNSEEN 99999999999999999999999999)"],
            "GETQUOTAROOT": ["QUOTA \"q\" (STORAGE 99999999999999999999999999999999 1)"],
        ])
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3",
                                                      "--fetch-latest", "--quota", "-v"])
        expectWellFormed(run)
        // A count out of range is a broken server, never OK (issue 10); the rest still parses safely.
        #expect(run.code == 2, "\(run)")
        #expect(run.metric("messages_INBOX") == nil && run.metric("unseen_INBOX") == nil)
        #expect(run.status.contains("no valid message count (EXISTS) in the EXAMINE reply for INBOX"), "\(run)")
        #expect(run.stdout.contains("cannot parse the quota reply"))
        #expect(run.stdout.contains("nothing fetched: the message count of INBOX could not be read"))
    }

    @Test func startTLSThatIsNotOfferedIsCritical() throws {
        let server = try ScriptedServer.imap()
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3", "--starttls"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - STARTTLS not offered by 127.0.0.1:\(server.port)", "\(run)")
    }

    @Test func plainThatIsNotOfferedSuggestsLogin() throws {
        let server = try ScriptedServer.imap(capabilities: "IMAP4rev1 AUTH=GSSAPI", replies: ["EXAMINE": ["0 EXISTS"]])
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - AUTHENTICATE PLAIN not offered by 127.0.0.1:\(server.port) (AUTH=GSSAPI); try --auth-mechanism LOGIN", "\(run)")
        let login = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3", "--auth-mechanism", "LOGIN"])
        #expect(login.code == 0, "\(login)")
    }

    @Test func closedPortIsCritical() throws {
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "1", "-U", "u", "-P", "p"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("IMAP_LOGIN CRITICAL - cannot connect to 127.0.0.1:1: "))
    }

    @Test func silentServerIsCriticalWithinTheTimeout() throws {
        let server = try FakeServer(.silent)
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "1"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - no answer from 127.0.0.1:\(server.port) within 1 s (waiting for the greeting)", "\(run)")
        #expect(run.seconds < 1 + Plugin.lateness)
    }

    @Test func garbageGreetingIsCritical() throws {
        let server = try FakeServer(.send(Array("HELLO this is not IMAP\r\n".utf8)))
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - unexpected greeting from 127.0.0.1:\(server.port) (not IMAP): HELLO this is not IMAP", "\(run)")
        #expect(run.seconds < 2 + Plugin.lateness)
    }

    @Test func byeGreetingIsCritical() throws {
        let server = try FakeServer(.send(Array("* BYE Too many connections from your IP\r\n".utf8)))
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - 127.0.0.1:\(server.port) refused the session: BYE Too many connections from your IP", "\(run)")
    }

    @Test func endlessLineIsCriticalWithBoundedMemory() throws {
        let server = try FakeServer(.flood)
        let rss = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: rss) }
        let run = try Plugin.exec("/usr/bin/time", ["-o", rss, "-f", "%M", Plugin.binDir + "/check_imap_login",
                                                    "-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "2"])
        #expect(run.code == 2, "\(run)")
        #expect(run.stdout.hasPrefix("IMAP_LOGIN CRITICAL - "), "\(run)")
        #expect(run.seconds < 2 + Plugin.lateness)
        let kib = peakKiB(rss)
        #expect(kib < 64 * 1024, "peak RSS \(kib) KiB")
    }
}
