import Foundation
import Testing

/// check_pop3_login end to end: the built binary against the real Dovecot of the test stack,
/// and against fake servers for what Dovecot never does. Other tests deliver to the same
/// maildrops, so counts are compared with thresholds that hold for any count.
@Suite struct POP3LoginCheckTests {
    let host = MailStack.host
    let pop3 = MailStack["POP3_PORT"]
    let pop3s = MailStack["POP3S_PORT"]
    let alice = IMAPMailbox.User.alice
    var login: [String] { ["-U", alice.name, "--password-file", alice.passwordFile] }
    var verified: [String] { ["--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]] }

    @Test(arguments: ["USER", "PLAIN"])
    func plainSessionReportsTheMaildropWithPhaseTimings(mechanism: String) throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "--auth-mechanism", mechanism] + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("POP3_LOGIN OK - \(alice.name) on \(host):\(pop3) in "), "\(run)")
        #expect(run.status.contains(" message"))
        for label in ["time", "time_connect", "time_banner", "time_capa", "time_login", "time_stat", "time_quit", "messages", "mailbox_size"] {
            #expect(run.metric(label) != nil, "missing \(label): \(run)")
        }
        #expect(run.perfdata.contains("mailbox_size=") && run.perfdata.contains("B;;;0"))
        #expect(run.metric("time_tls") == nil)
    }

    @Test func stlsWithCAIsVerified() throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "--starttls"] + verified + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", STLS, "))
        #expect(run.metric("time_tls") != nil)
        #expect((run.metric("cert_days") ?? 0) > 300)
    }

    @Test func implicitTLSWithCAIsVerified() throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3s, "--tls", "--auth-mechanism", "PLAIN"] + verified + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", TLS, "))
        #expect(run.status.contains(", cert "))
    }

    @Test func certificateWithoutTheCAIsCritical() throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3s, "--tls"] + login)
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("POP3_LOGIN CRITICAL - TLS with \(host):\(pop3s) failed: SSL certificate problem: "), "\(run)")
    }

    @Test(arguments: ["USER", "PLAIN"])
    func wrongPasswordIsCriticalAndNeverShown(mechanism: String) throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "-U", alice.name, "--password-env", "POP3_TEST_PASSWORD",
                                                      "--auth-mechanism", mechanism, "-vvv"],
                                 environment: ["POP3_TEST_PASSWORD": "wrong-Pa55word"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - login failed for \(alice.name): [AUTH] Authentication failed.", "\(run)")
        #expect(!run.stdout.contains("wrong-Pa55word"))
        #expect(!run.stdout.contains(Data("\0\(alice.name)\0wrong-Pa55word".utf8).base64EncodedString()))
    }

    @Test(arguments: ["USER", "PLAIN"])
    func protocolTraceNeverShowsTheRealPassword(mechanism: String) throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "--auth-mechanism", mechanism, "-vvv"] + login)
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("> ["), "no trace: \(run)")
        #expect(!run.stdout.contains(alice.password))
        #expect(!run.stdout.contains(Data("\0\(alice.name)\0\(alice.password)".utf8).base64EncodedString()))
    }

    @Test func messageCountThresholds() throws {
        let warn = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "--messages-warning", "@0:1000000", "--messages-critical", "1000000"] + login)
        expectWellFormed(warn)
        #expect(warn.code == 1, "\(warn)")
        #expect(warn.status.hasPrefix("POP3_LOGIN WARNING - "), "\(warn)")
        #expect(warn.status.contains(" in the maildrop"))
        #expect(warn.perfdata.contains(";@0:1000000;1000000;0"))
        let crit = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "--messages-warning", "1000000", "--messages-critical", "@0:1000000"] + login)
        #expect(crit.code == 2, "\(crit)")
    }

    @Test func fakeMaildropIsCountedExactly() throws {
        let server = try ScriptedServer.pop3(stat: "+OK 3 4096")
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.metric("messages") == 3)
        #expect(run.metric("mailbox_size") == 4096)
        #expect(run.status.hasSuffix(", 3 messages (4 KiB)"), "\(run)")
    }

    @Test(arguments: ["+OK lots of mail", "+OK 99999999999999999999 1", "+OK -1 0"])
    func statReplyThatDoesNotParseIsCritical(reply: String) throws {
        let server = try ScriptedServer.pop3(stat: reply)
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - unexpected STAT reply from 127.0.0.1:\(server.port): \(reply)", "\(run)")
    }

    @Test func statErrorIsCritical() throws {
        let server = try ScriptedServer.pop3(stat: "-ERR [IN-USE] mailbox locked")
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - STAT failed: -ERR [IN-USE] mailbox locked", "\(run)")
    }

    @Test func stlsThatIsNotOfferedIsCritical() throws {
        let server = try ScriptedServer.pop3()
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3", "--starttls"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - STLS not offered by 127.0.0.1:\(server.port)", "\(run)")
    }

    @Test func errGreetingIsCritical() throws {
        let server = try FakeServer(.send(Array("-ERR [SYS/TEMP] maintenance\r\n".utf8)))
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - 127.0.0.1:\(server.port) refused the session: -ERR [SYS/TEMP] maintenance", "\(run)")
    }

    @Test func closedPortIsCritical() throws {
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "1", "-U", "u", "-P", "p"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("POP3_LOGIN CRITICAL - cannot connect to 127.0.0.1:1: "))
    }

    @Test func silentServerIsCriticalWithinTheTimeout() throws {
        let server = try FakeServer(.silent)
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "1"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - no answer from 127.0.0.1:\(server.port) within 1 s (waiting for the greeting)", "\(run)")
        #expect(run.seconds < 1 + Plugin.lateness)
    }

    @Test func garbageGreetingIsCritical() throws {
        let server = try FakeServer(.send(Array("HELLO this is not POP3\r\n".utf8)))
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "POP3_LOGIN CRITICAL - unexpected greeting from 127.0.0.1:\(server.port) (not POP3): HELLO this is not POP3", "\(run)")
        #expect(run.seconds < 2 + Plugin.lateness)
    }

    @Test func endlessLineIsCriticalWithBoundedMemory() throws {
        let server = try FakeServer(.flood)
        let rss = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: rss) }
        let run = try Plugin.exec("/usr/bin/time", ["-o", rss, "-f", "%M", Plugin.binDir + "/check_pop3_login",
                                                    "-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "2"])
        #expect(run.code == 2, "\(run)")
        #expect(run.stdout.hasPrefix("POP3_LOGIN CRITICAL - "), "\(run)")
        #expect(run.seconds < 2 + Plugin.lateness)
        let kib = peakKiB(rss)
        #expect(kib < 64 * 1024, "peak RSS \(kib) KiB")
    }

    @Test(arguments: [
        (["--messages-warning", "many"], "invalid range 'many' for --messages-warning"),
        (["--phase-critical", "folder=1"], "unknown name 'folder' in --phase-critical"),
        (["--auth-mechanism", "APOP"], "invalid value 'APOP' for --auth-mechanism: expected one of USER, PLAIN"),
        (["--tls", "--starttls"], "give either --tls or --starttls"),
        (["-P", "x", "--password-file", "/nonexistent"], "give only one of -P/--password"),
    ])
    func badArgumentsAreUnknownNamingTheOption(extra: [String], message: String) throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host, "-p", pop3, "-U", alice.name] + extra)
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.status.hasPrefix("POP3_LOGIN UNKNOWN - "))
        #expect(run.stdout.contains(message), "\(run)")
    }

    @Test func loginIsRequiredAndHelpNamesTheOptions() throws {
        let run = try Plugin.run("check_pop3_login", ["-H", host])
        #expect(run.code == 3)
        #expect(run.stdout.hasPrefix("POP3_LOGIN UNKNOWN - missing -U/--username (check_pop3_login logs in)\n"))
        let help = try Plugin.run("check_pop3_login", ["--help"])
        #expect(help.code == 3)
        #expect(help.stdout.contains("--messages-warning=RANGE"))
    }
}
